/* options.c — the daemon's command line, as a table into struct afs_config.
 *
 *   albumfs [--library DIR] MOUNTPOINT [--user EMAIL | --link TOKEN
 *           [--password-file F] [--email ADDRESS [--code-file F]] | --multi-user]
 *           [-f] [-d]
 *           [-o OPTIONS]
 *   albumfs LIBRARY MOUNTPOINT -o OPTIONS     (mount.fuse3 / fstab form)
 * Every long option also exists as an -o option (library=, person=, link=,
 * password_file=, email=, code_file=, passphrase_file=, multi_user, threads=,
 * render_threads=, readahead=) so the
 * mount helper and fstab can say everything the command line can. Options
 * not ours are left in args for libfuse.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/daemon.h"

enum {
    KEY_HELP,
    KEY_VERSION,
    KEY_FOREGROUND,
};

#define OPT(t, field, value) {t, offsetof(struct afs_config, field), value}

static const struct fuse_opt option_table[] = {
    OPT("--library %s", library, 0),
    OPT("--library=%s", library, 0),
    OPT("library=%s", library, 0),
    OPT("--user %s", person, 0),
    OPT("--user=%s", person, 0),
    OPT("person=%s", person, 0),
    OPT("--link %s", link, 0),
    OPT("--link=%s", link, 0),
    OPT("link=%s", link, 0),
    OPT("--password-file %s", password_file, 0),
    OPT("--password-file=%s", password_file, 0),
    OPT("password_file=%s", password_file, 0),
    OPT("--email %s", email, 0),
    OPT("--email=%s", email, 0),
    OPT("email=%s", email, 0),
    OPT("--code-file %s", code_file, 0),
    OPT("--code-file=%s", code_file, 0),
    OPT("code_file=%s", code_file, 0),
    OPT("--passphrase-file %s", passphrase_file, 0),
    OPT("--passphrase-file=%s", passphrase_file, 0),
    OPT("passphrase_file=%s", passphrase_file, 0),
    OPT("--multi-user", multi_user, 1),
    OPT("multi_user", multi_user, 1),
    OPT("threads=%u", threads, 0),
    OPT("render_threads=%u", render_threads, 0),
    OPT("readahead=%u", readahead_kib, 0),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("-f", KEY_FOREGROUND),
    FUSE_OPT_END,
};

static const char usage[] =
    "usage: albumfs [--library DIR] MOUNTPOINT [--user EMAIL | --link TOKEN\n"
    "               [--password-file F] | --multi-user] [-f] [-d] [-o OPTIONS]\n"
    "       albumfs LIBRARY MOUNTPOINT -o OPTIONS      (mount -t fuse.albumfs)\n"
    "\n"
    "Mounts a photo library: each person sees the albums their grants open.\n"
    "  (no mode)              the owner's view: everything\n"
    "  --user EMAIL           one person's view (private mount)\n"
    "  --link TOKEN           a share link's view; --password-file F if it has one;\n"
    "                         --email ADDRESS to get access of one's own (favourites,\n"
    "                         downloads under one's name), from the link's settings:\n"
    "                         a code is sent there (meanwhile, the link's view);\n"
    "                         mount again adding --code-file F (F holds the code)\n"
    "  --multi-user           one folder per Unix user mapped with\n"
    "                         'albumctl user add --uid' (needs allow_other: root)\n"
    "  --library DIR          the library (default $ALBUMFS_LIBRARY, then\n"
    "                         ~/.local/share/albumfs)\n"
    "  --passphrase-file F    passphrase of a passphrase-protected library\n"
    "  -f                     stay in the foreground; -d also prints FUSE traffic\n"
    "  -o opts                library=, person=, link=, password_file=, email=,\n"
    "                         code_file=,\n"
    "                         passphrase_file=, multi_user, threads=N (request\n"
    "                         threads; default: the CPUs, at least 2), render_threads=N,\n"
    "                         readahead=KIB (kernel read-ahead; default 4096,\n"
    "                         0 keeps the kernel's; needs root),\n"
    "                         and libfuse's own options\n"
    "See docs/filesystem.md for what each person sees.\n";

/* fuse_opt stores values at offsets from the data pointer: the config
 * comes first so the table's offsets land in it. */
struct parse_state {
    struct afs_config cfg;
    char *positional[2];
    int n_positional;
    int help, version, too_many;
};

static int on_option(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct parse_state *ps = data;

    switch (key) {
    case KEY_HELP:
        ps->help = 1;
        return 0;
    case KEY_VERSION:
        ps->version = 1;
        return 0;
    case KEY_FOREGROUND:
        ps->cfg.foreground = 1;
        return 0;
    case FUSE_OPT_KEY_NONOPT:
        if (ps->n_positional == 2) {
            ps->too_many = 1;
            return 0;
        }
        ps->positional[ps->n_positional++] = strdup(arg);
        return 0;
    default:
        if (strcmp(arg, "-d") == 0 || strcmp(arg, "debug") == 0) {
            ps->cfg.debug = 1;
            ps->cfg.foreground = 1;
        }
        return 1; /* keep for libfuse */
    }
}

/* One request thread per CPU: the threads then stay busy while requests
 * queue and none sleeps to be woken for each one, which on this kind of
 * machine is worth ~15% of a sequential read (bench/README.md). At least 2,
 * so one slow request (a disk read, a catalog write waiting its turn) never
 * stops the mount. */
static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 2 ? 2 : n > 64 ? 64 : (unsigned)n;
}

int options_parse(struct fuse_args *args, struct afs_config *cfg)
{
    struct parse_state ps;
    int modes;

    memset(&ps, 0, sizeof ps);
    ps.cfg.threads = default_threads();
    ps.cfg.render_threads = 2;
    ps.cfg.readahead_kib = 4096;
    if (fuse_opt_parse(args, &ps, option_table, on_option) < 0)
        return -EINVAL;
    *cfg = ps.cfg;
    if (ps.help || ps.version) {
        if (ps.help)
            fputs(usage, stdout);
        else
            printf("albumfs %s (libfuse %s)\n", ALBUMFS_VERSION, fuse_pkgversion());
        free(ps.positional[0]);
        free(ps.positional[1]);
        return 1;
    }
    if (ps.too_many || ps.n_positional == 0) {
        fprintf(stderr, "albumfs: %s\n%s",
                ps.too_many ? "too many arguments" : "no mountpoint given", usage);
        goto invalid;
    }
    if (ps.n_positional == 2) {
        if (cfg->library) {
            fprintf(stderr, "albumfs: the library is given twice\n");
            goto invalid;
        }
        cfg->library = ps.positional[0];
        cfg->mountpoint = ps.positional[1];
    } else {
        cfg->mountpoint = ps.positional[0];
    }
    cfg->mount_path = realpath(cfg->mountpoint, NULL);
    modes = !!cfg->person + !!cfg->link + !!cfg->multi_user;
    if (modes > 1) {
        fprintf(stderr, "albumfs: choose one of --user, --link and --multi-user\n");
        return -EINVAL;
    }
    if ((cfg->password_file || cfg->email) && !cfg->link) {
        fprintf(stderr, "albumfs: %s goes with --link\n",
                cfg->password_file ? "--password-file" : "--email");
        return -EINVAL;
    }
    if (cfg->code_file && !cfg->email) {
        fprintf(stderr, "albumfs: --code-file goes with --email\n");
        return -EINVAL;
    }
    if (cfg->threads == 0 || cfg->threads > 64) {
        fprintf(stderr, "albumfs: threads must be 1..64\n");
        return -EINVAL;
    }
    if (cfg->render_threads == 0 || cfg->render_threads > 64) {
        fprintf(stderr, "albumfs: render_threads must be 1..64\n");
        return -EINVAL;
    }
    if (cfg->readahead_kib > 262144) {
        fprintf(stderr, "albumfs: readahead must be 0..262144 (KiB)\n");
        return -EINVAL;
    }
    return 0;
invalid:
    free(ps.positional[0]);
    free(ps.positional[1]);
    return -EINVAL;
}

void options_release(struct afs_config *cfg)
{
    free(cfg->library);
    free(cfg->mountpoint);
    free(cfg->mount_path);
    free(cfg->person);
    free(cfg->link);
    free(cfg->password_file);
    free(cfg->email);
    free(cfg->code_file);
    free(cfg->passphrase_file);
    memset(cfg, 0, sizeof *cfg);
}
