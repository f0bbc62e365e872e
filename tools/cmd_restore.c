/* cmd_restore.c — 'albumctl restore --from DEST --to NEW_DIR': a whole
 * snapshot of a backup repository into a new library folder (backup/,
 * docs/backup.md). Needs only the repository and the library key (its key
 * file, or the passphrase when the repository kept the passphrase key's
 * parameters). Restoring one album, set or photo into the live library is
 * not implemented yet and says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "store/links.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum {
    OPT_FROM = CLI_OPT_FIRST,
    OPT_SNAPSHOT,
    OPT_TO,
    OPT_KEY_FILE,
};

struct restore_args {
    const char *from, *snapshot, *to, *key_file;
    char key_path[PATH_MAX]; /* the key file used */
};

static void restore_progress(void *arg, size_t done, size_t total)
{
    cli_progress(arg, done, total, "blobs");
}

static int parse(struct cli *cli, int argc, char **argv, struct restore_args *a)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
        {"to", required_argument, NULL, OPT_TO},
        {"key-file", required_argument, NULL, OPT_KEY_FILE},
        CLI_COMMON_OPTIONS,
    };
    int c;

    a->snapshot = "latest";
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_FROM)
            a->from = optarg;
        else if (c == OPT_SNAPSHOT)
            a->snapshot = optarg;
        else if (c == OPT_TO)
            a->to = optarg;
        else if (c == OPT_KEY_FILE)
            a->key_file = optarg;
    }
    if (c < 0)
        return CLI_USAGE;
    if (!a->from)
        return cli_usage(cli, "give the backup repository with --from DEST");
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one argument, ALBUM[/SET[/PHOTO]]");
    if (argc - optind == 1) {
        if (a->to)
            return cli_usage(cli, "give either --to NEW_LIBRARY_DIR or ALBUM[/SET[/PHOTO]]");
        return cli_fail(cli, "restoring one album, set or photo into the live library is not "
                        "available yet; restore the whole snapshot with --to NEW_LIBRARY_DIR");
    }
    if (!a->to)
        return cli_usage(cli, "give the new library's folder with --to NEW_LIBRARY_DIR");
    if (a->key_file)
        snprintf(a->key_path, sizeof a->key_path, "%s", a->key_file);
    else if (snprintf(a->key_path, sizeof a->key_path, "%s/keyfile", a->from) >=
                 (int)sizeof a->key_path ||
             access(a->key_path, F_OK) != 0)
        return cli_usage(cli, "give the library's key file with --key-file FILE (the "
                         "repository keeps it only for a passphrase-protected library)");
    return CLI_OK;
}

static int load_key(struct cli *cli, const char *path, struct af_key **key)
{
    char *pass = NULL;
    int err = 0;

    if (cli->passphrase_file && links_read_password_file(cli->passphrase_file, &pass) < 0)
        return cli_fail(cli, "cannot read the passphrase file %s; check --passphrase-file",
                        cli_printable(cli->passphrase_file));
    err = key_load(path, pass, pass ? strlen(pass) : 0, key);
    if (pass)
        links_password_free(pass);
    switch (err) {
    case 0:
        return CLI_OK;
    case -ENOENT:
        return cli_fail(cli, "no key file %s; give the library's key file with --key-file",
                        cli_printable(path));
    case -EACCES:
        return cli_fail(cli, "the key file %s is readable by others or owned by another "
                        "account; copy it somewhere private and 'chmod 600' it",
                        cli_printable(path));
    case -ENOKEY:
        return cli_fail(cli, "the key needs its passphrase; give --passphrase-file FILE");
    case -EKEYREJECTED:
        return cli_fail(cli, "wrong passphrase for the key");
    default:
        return cli_fail(cli, "%s is not an albumfs key file (or it is damaged)",
                        cli_printable(path));
    }
}

static int find_snapshot(struct cli *cli, struct bk_repo *r, const struct restore_args *a,
                         struct snapshot **s)
{
    int err = snapshot_find(r, a->snapshot, s);

    if (err == 0)
        return CLI_OK;
    if (err == -ENOENT && strcmp(a->snapshot, "latest") == 0)
        return cli_fail(cli, "%s holds no snapshot that can be read; see 'albumctl backup "
                        "verify'", cli_printable(a->from));
    if (err == -ENOENT)
        return cli_fail(cli, "no snapshot '%s' in %s; see 'albumctl backup list'",
                        cli_printable(a->snapshot), cli_printable(a->from));
    if (err == -EBADMSG || err == -EINVAL)
        return cli_fail(cli, "snapshot %s does not authenticate (damaged, altered or "
                        "swapped); choose another one", cli_printable(a->snapshot));
    if (err == -EPROTO)
        return cli_fail(cli, "snapshot %s was written by a newer albumfs; upgrade albumfs",
                        cli_printable(a->snapshot));
    return cli_fail_errno(cli, err, "reading snapshot %s", cli_printable(a->snapshot));
}

/* Open the restored library and record the restore in its activity log. */
static int record(struct cli *cli, const struct restore_args *a, const struct snapshot *s)
{
    gchar *detail;
    char why[LIBRARY_WHY_MAX] = "";
    int err = library_open(a->to, cli->passphrase_file, &cli->lib, why, sizeof why);
    int st;

    if (err)
        return cli_fail(cli, "the restored library at %s does not open: %s",
                        cli_printable(a->to), why);
    detail = g_strdup_printf("snapshot %s from %s", s->id, a->from);
    st = cli_begin(cli);
    if (st == CLI_OK && cli_activity(cli, "restore", 0, 0, 0, detail) < 0) {
        catalog_rollback(cli_catalog(cli));
        st = cli_fail(cli, "recording the restore: %s", catalog_errmsg(cli_catalog(cli)));
    } else if (st == CLI_OK)
        st = cli_commit(cli);
    g_free(detail);
    return st;
}

static int run_restore(struct cli *cli, int argc, char **argv)
{
    struct restore_args a = {0};
    struct af_key *key = NULL;
    struct bk_repo *r = NULL;
    struct snapshot *s = NULL;
    char bad[VAULT_ID_HEX], when[32];
    const char *why;
    int st, err;

    st = parse(cli, argc, argv, &a);
    if (st == CLI_OK)
        st = load_key(cli, a.key_path, &key);
    if (st != CLI_OK)
        return st;
    err = repo_open(a.from, key, REPO_READ, &r, &why);
    if (err) {
        st = *why ? cli_fail(cli, "%s: %s", cli_printable(a.from), why)
                  : cli_fail_errno(cli, err, "cannot open %s", cli_printable(a.from));
        goto out;
    }
    st = find_snapshot(cli, r, &a, &s);
    if (st != CLI_OK)
        goto out;
    err = backup_restore(r, s, key, a.key_path, a.to, restore_progress, cli, &why, bad);
    cli_progress_clear(cli);
    if (err) {
        if (bad[0])
            st = cli_fail(cli, "restoring snapshot %s failed at blob %.16s…: %s; nothing was "
                          "left in %s", s->id, bad, why, cli_printable(a.to));
        else
            st = cli_fail(cli, "restoring snapshot %s into %s failed: %s%s%s", s->id,
                          cli_printable(a.to), why, *why ? ": " : "", strerror(-err));
        goto out;
    }
    st = record(cli, &a, s);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "snapshot", s->id);
        json_kv_string(&cli->out, "library", a.to);
        json_kv_int(&cli->out, "photos", (int64_t)s->photos);
        json_kv_int(&cli->out, "blobs", (int64_t)s->n_blobs + 1);
        json_kv_int(&cli->out, "size", (int64_t)s->total_bytes);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        timefmt_print(s->time_ms / 1000, when, sizeof when);
        printf("restored snapshot %s (%s) into %s: %" PRIu64 " photos, %zu blobs\n", s->id,
               when, a.to, s->photos, s->n_blobs + 1);
    }
out:
    snapshot_free(s);
    repo_close(r);
    key_free(key);
    return st;
}

const struct cli_cmd cmd_restore = {
    .name = "restore",
    .summary = "Restore a snapshot from a backup repository into a new library folder.",
    .usage = "--from DEST [--snapshot ID|latest] --to NEW_LIBRARY_DIR "
             "[--key-file F | --passphrase-file F]",
    .help = "Restores the whole snapshot (default: the latest) into NEW_LIBRARY_DIR, which\n"
            "must not exist or be empty: a live library is never overwritten. Every blob\n"
            "is authenticated as it lands; on any failure nothing is left behind.\n"
            "\n"
            "options:\n"
            "  --from DEST         the backup repository\n"
            "  --snapshot ID       which snapshot ('albumctl backup list'); default latest\n"
            "  --to DIR            the new library's folder\n"
            "  --key-file F        the library's key file (kept elsewhere); not needed for\n"
            "                      a passphrase-protected library: give --passphrase-file\n"
            "Restoring one ALBUM[/SET[/PHOTO]] into the live library is not available yet.\n",
    .run = run_restore,
};
