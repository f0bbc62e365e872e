/* options.c — the daemon's command line, as a table into struct afs_config.
 *
 *   albumfs [--library DIR] MOUNTPOINT [--user EMAIL | (--link TOKEN |
 *           --link-file F) [--password-file F] [--email ADDRESS
 *           [--code-file F]] | --multi-user | --link-gateway --gateway-user
 *           USER [--gateway-socket PATH]] [-f] [-d] [-o OPTIONS]
 *   albumfs LIBRARY MOUNTPOINT -o OPTIONS     (mount.fuse3 / fstab form)
 * Every long option also exists as an -o option (library=, person=, link=,
 * link_file=, password_file=, email=, code_file=, passphrase_file=,
 * log_file=, multi_user, link_gateway, gateway_user=, gateway_socket=,
 * threads=, render_threads=, readahead=) so the
 * mount helper and fstab can say everything the command line can. Options
 * not ours are left in args for libfuse, except that allow_other is refused
 * on a one-person mount and allow_root on every mount. --link-gateway's
 * USER is resolved here (cfg->gateway_uid, gateway_gid) and its socket
 * path, unless given, derived from the mountpoint (MOUNTPOINT.login).
 *
 * Secrets: a link token given with --link-file is read here from its
 * private file into cfg->link. Values that name a person or a link on the
 * command line (--user, --link, --email, and person=, link=, email= inside
 * -o) are overwritten in the process's own argv by options_scrub_argv, so
 * /proc/PID/cmdline and ps stop showing them once the daemon has parsed
 * them (before that, for an instant, they show: only --link-file never
 * exposes the token).
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "fs/daemon.h"
#include "store/links.h"

enum {
    KEY_HELP,
    KEY_VERSION,
    KEY_FOREGROUND,
    KEY_LINK,
    KEY_ALLOW_OTHER,
    KEY_ALLOW_ROOT,
};

#define OPT(t, field, value) {t, offsetof(struct afs_config, field), value}

static const struct fuse_opt option_table[] = {
    OPT("--library %s", library, 0),
    OPT("--library=%s", library, 0),
    OPT("library=%s", library, 0),
    OPT("--user %s", person, 0),
    OPT("--user=%s", person, 0),
    OPT("person=%s", person, 0),
    /* Not "--link %s": fuse_opt would match that template on every
     * argument that starts with "--link", --link-file included. */
    FUSE_OPT_KEY("--link", KEY_LINK),
    OPT("--link=%s", link, 0),
    OPT("link=%s", link, 0),
    OPT("--link-file %s", link_file, 0),
    OPT("--link-file=%s", link_file, 0),
    OPT("link_file=%s", link_file, 0),
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
    OPT("--log-file %s", log_file, 0),
    OPT("--log-file=%s", log_file, 0),
    OPT("log_file=%s", log_file, 0),
    OPT("--multi-user", multi_user, 1),
    OPT("multi_user", multi_user, 1),
    OPT("--link-gateway", link_gateway, 1),
    OPT("link_gateway", link_gateway, 1),
    OPT("--gateway-user %s", gateway_user, 0),
    OPT("--gateway-user=%s", gateway_user, 0),
    OPT("gateway_user=%s", gateway_user, 0),
    OPT("--gateway-socket %s", gateway_socket, 0),
    OPT("--gateway-socket=%s", gateway_socket, 0),
    OPT("gateway_socket=%s", gateway_socket, 0),
    OPT("threads=%u", threads, 0),
    OPT("render_threads=%u", render_threads, 0),
    OPT("readahead=%u", readahead_kib, 0),
    OPT("max_inodes=%u", max_inodes, 0),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("-f", KEY_FOREGROUND),
    FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
    FUSE_OPT_KEY("allow_root", KEY_ALLOW_ROOT),
    FUSE_OPT_END,
};

static const char usage[] =
    "usage: albumfs [--library DIR] MOUNTPOINT [--user EMAIL | (--link-file F |\n"
    "               --link TOKEN) [--password-file F] | --multi-user |\n"
    "               --link-gateway --gateway-user USER [--gateway-socket PATH]]\n"
    "               [-f] [-d] [-o OPTIONS]\n"
    "       albumfs LIBRARY MOUNTPOINT -o OPTIONS      (mount -t fuse.albumfs)\n"
    "\n"
    "Mounts a photo library: each person sees the albums their grants open.\n"
    "  (no mode)              the owner's view: everything\n"
    "  --user EMAIL           one person's view (private mount)\n"
    "  --link-file F          a share link's view, its token read from F (a file\n"
    "                         only you can read: the token never shows in ps);\n"
    "                         --password-file F if the link has a password (a\n"
    "                         client password opens the link's client door);\n"
    "                         --email ADDRESS to get access of one's own (favourites,\n"
    "                         downloads under one's name), from the link's settings:\n"
    "                         a code is sent there (meanwhile, the link's view);\n"
    "                         mount again adding --code-file F (F holds the code)\n"
    "  --link TOKEN           the same, the token on the command line\n"
    "  --multi-user           one folder per Unix user mapped with\n"
    "                         'albumctl user add --uid' (allow_other, so root; other\n"
    "                         mounts refuse allow_other and allow_root)\n"
    "  --link-gateway         share links for a WebDAV server running as USER\n"
    "                         (--gateway-user): links log in through a socket\n"
    "                         (--gateway-socket, default MOUNTPOINT.login), each\n"
    "                         link's gallery in a folder of its own that only USER\n"
    "                         may enter (docs/reexport.md; root)\n"
    "  --library DIR          the library (default $ALBUMFS_LIBRARY, then\n"
    "                         ~/.local/share/albumfs)\n"
    "  --passphrase-file F    passphrase of a passphrase-protected library\n"
    "  -f                     stay in the foreground (messages on stderr); without it\n"
    "                         albumfs returns once the mount is ready and logs to\n"
    "                         syslog; -d also prints FUSE traffic\n"
    "  --log-file F           messages to file F instead (-o log_file=F)\n"
    "  -o opts                library=, person=, link=, link_file=, password_file=,\n"
    "                         email=, code_file=, passphrase_file=, log_file=,\n"
    "                         multi_user, link_gateway, gateway_user=,\n"
    "                         gateway_socket=, threads=N (request\n"
    "                         threads; default: the CPUs, at least 2), render_threads=N,\n"
    "                         readahead=KIB (kernel read-ahead; default 4096,\n"
    "                         0 keeps the kernel's; needs root),\n"
    "                         max_inodes=N (photo files the daemon remembers;\n"
    "                         default 100000, 0: no bound),\n"
    "                         and libfuse's own options\n"
    "See docs/filesystem.md for what each person sees.\n";

/* fuse_opt stores values at offsets from the data pointer: the config
 * comes first so the table's offsets land in it. */
struct parse_state {
    struct afs_config cfg;
    char *positional[2];
    int n_positional;
    int help, version, too_many;
    int link_next; /* the next non-option argument is --link's token */
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
    case KEY_ALLOW_OTHER:
        ps->cfg.allow_other = 1;
        return 1; /* libfuse's; checked once every option is known */
    case KEY_ALLOW_ROOT:
        ps->cfg.allow_root = 1;
        return 1;
    case KEY_LINK:
        ps->link_next = 1;
        return 0;
    case FUSE_OPT_KEY_NONOPT:
        if (ps->link_next) {
            ps->link_next = 0;
            free(ps->cfg.link);
            ps->cfg.link = strdup(arg);
            return ps->cfg.link ? 0 : -1;
        }
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

/* The token of --link-file into cfg->link; a message and -1 when not. */
static int read_link_file(struct afs_config *cfg)
{
    char token[LINK_TOKEN_CHARS + 2];
    int rc = links_read_token_file(cfg->link_file, token, sizeof token);

    switch (rc) {
    case 0:
        cfg->link = strdup(token);
        sodium_memzero(token, sizeof token);
        return cfg->link ? 0 : -1;
    case -EPERM:
        fprintf(stderr, "albumfs: the link file %s may be read or changed by others; a token "
                        "is a secret: make it private with 'chmod 600 %s'\n",
                cfg->link_file, cfg->link_file);
        return -1;
    case -EINVAL:
        fprintf(stderr, "albumfs: the link file %s holds no token on its first line\n",
                cfg->link_file);
        return -1;
    case -E2BIG:
        fprintf(stderr, "albumfs: the first line of the link file %s is too long to be a "
                        "token\n", cfg->link_file);
        return -1;
    default:
        fprintf(stderr, "albumfs: cannot read the link file %s: %s\n", cfg->link_file,
                strerror(-rc));
        return -1;
    }
}

/* A mount on anything but a folder would report success and serve
 * nothing (the root of every world is a folder): refuse it up front. */
static int check_mountpoint(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "albumfs: mountpoint %s: %s\n", path, strerror(errno));
        return -errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "albumfs: mountpoint %s is not a folder (albumfs mounts on an "
                        "empty folder)\n", path);
        return -ENOTDIR;
    }
    return 0;
}

/* --link-gateway: USER resolved to an account other than root, and the
 * socket's path (given, or MOUNTPOINT.login). A message and -1 when not. */
static int check_gateway(struct afs_config *cfg)
{
    struct passwd pw, *res = NULL;
    char buf[1024];

    if (!cfg->link_gateway) {
        if (cfg->gateway_user || cfg->gateway_socket) {
            fprintf(stderr, "albumfs: --gateway-user and --gateway-socket go with "
                            "--link-gateway\n");
            return -1;
        }
        return 0;
    }
    if (!cfg->gateway_user) {
        fprintf(stderr, "albumfs: --link-gateway needs --gateway-user USER (the account "
                        "the WebDAV server runs as)\n");
        return -1;
    }
    if (getpwnam_r(cfg->gateway_user, &pw, buf, sizeof buf, &res) != 0 || !res) {
        fprintf(stderr, "albumfs: --gateway-user %s: no such account\n", cfg->gateway_user);
        return -1;
    }
    if (res->pw_uid == 0) {
        fprintf(stderr, "albumfs: --gateway-user must not be root: run the WebDAV server as "
                        "an account of its own\n");
        return -1;
    }
    cfg->gateway_uid = res->pw_uid;
    cfg->gateway_gid = res->pw_gid;
    if (!cfg->gateway_socket && !cfg->mount_path) {
        fprintf(stderr, "albumfs: give --gateway-socket PATH\n");
        return -1;
    }
    if (!cfg->gateway_socket && asprintf(&cfg->gateway_socket, "%s.login", cfg->mount_path) < 0) {
        cfg->gateway_socket = NULL;
        return -1;
    }
    return 0;
}

int options_parse(struct fuse_args *args, struct afs_config *cfg)
{
    struct parse_state ps;
    int modes;

    memset(&ps, 0, sizeof ps);
    ps.cfg.threads = default_threads();
    ps.cfg.render_threads = 2;
    ps.cfg.readahead_kib = 4096;
    ps.cfg.max_inodes = 100000;
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
    if (ps.link_next) {
        fprintf(stderr, "albumfs: --link needs a token (or give --link-file F)\n");
        goto invalid;
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
    if (check_mountpoint(cfg->mountpoint) < 0)
        return -EINVAL;
    if (cfg->link && cfg->link_file) {
        fprintf(stderr, "albumfs: give the link once: --link or --link-file\n");
        return -EINVAL;
    }
    modes = !!cfg->person + !!(cfg->link || cfg->link_file) + !!cfg->multi_user +
            !!cfg->link_gateway;
    if (modes > 1) {
        fprintf(stderr, "albumfs: choose one of --user, --link, --multi-user and "
                        "--link-gateway\n");
        return -EINVAL;
    }
    if (check_gateway(cfg) < 0)
        return -EINVAL;
    if (cfg->allow_root) {
        fprintf(stderr, "albumfs: -o allow_root is refused: a mount is for the account that "
                        "mounts it, or with --multi-user for every mapped user\n");
        return -EINVAL;
    }
    if (cfg->allow_other && !cfg->multi_user && !cfg->link_gateway) {
        fprintf(stderr, "albumfs: -o allow_other would let every local user into this "
                        "one-person mount; it is refused (--multi-user shares a mount, "
                        "each user seeing their own folder)\n");
        return -EINVAL;
    }
    if (cfg->link_file && read_link_file(cfg) < 0)
        return -EINVAL;
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
    if (cfg->max_inodes && cfg->max_inodes < 100) {
        fprintf(stderr, "albumfs: max_inodes must be 0 (no bound) or at least 100\n");
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

/* Overwrite with 'x' the values of the person=, link= and email= options
 * inside one -o string. */
static void scrub_suboptions(char *opts)
{
    static const char *const secret[] = {"person=", "link=", "email="};

    for (char *p = opts; *p;) {
        size_t n = strcspn(p, ",");

        for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
            size_t k = strlen(secret[i]);

            if (n >= k && strncmp(p, secret[i], k) == 0)
                memset(p + k, 'x', n - k);
        }
        p += n + (p[n] ? 1 : 0);
    }
}

void options_scrub_argv(int argc, char *argv[])
{
    static const char *const secret[] = {"--user", "--link", "--email"};

    for (int i = 1; i < argc; i++) {
        char *a = argv[i];

        if (strcmp(a, "--") == 0)
            break; /* the rest are positional: fuse_opt reads no option there */
        if (strcmp(a, "-o") == 0) {
            if (i + 1 < argc)
                scrub_suboptions(argv[++i]);
            continue;
        }
        if (strncmp(a, "-o", 2) == 0) {
            scrub_suboptions(a + 2);
            continue;
        }
        for (size_t s = 0; s < sizeof secret / sizeof secret[0]; s++) {
            size_t k = strlen(secret[s]);

            if (strcmp(a, secret[s]) == 0 && i + 1 < argc) {
                i++;
                memset(argv[i], 'x', strlen(argv[i]));
                break;
            }
            if (strncmp(a, secret[s], k) == 0 && a[k] == '=') {
                memset(a + k + 1, 'x', strlen(a + k + 1));
                break;
            }
        }
    }
}

void options_release(struct afs_config *cfg)
{
    free(cfg->library);
    free(cfg->mountpoint);
    free(cfg->mount_path);
    free(cfg->person);
    if (cfg->link)
        sodium_memzero(cfg->link, strlen(cfg->link));
    free(cfg->link);
    free(cfg->link_file);
    free(cfg->password_file);
    free(cfg->email);
    free(cfg->code_file);
    free(cfg->passphrase_file);
    free(cfg->log_file);
    free(cfg->gateway_user);
    free(cfg->gateway_socket);
    memset(cfg, 0, sizeof *cfg);
}
