/* cmd_restore.c — 'albumctl restore': from a backup repository (backup/,
 * docs/backup.md), either a whole snapshot into a new library folder
 * (--to; needs only the repository and the library key: its key file, or
 * the passphrase when the repository kept the passphrase key's
 * parameters), or one album, set or photo back into the live library
 * (ALBUM[/SET[/PHOTO]]; the live library's own key opens the repository).
 * Exit status: 0 restored (or already there); 1 refused or failed, with
 * the reason; 2 bad option or argument.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "store/links.h"
#include "store/subject.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum {
    OPT_FROM = CLI_OPT_FIRST,
    OPT_SNAPSHOT,
    OPT_TO,
    OPT_KEY_FILE,
    OPT_AS,
};

struct restore_args {
    const char *from, *snapshot, *to, *key_file, *as;
    const char *what;                 /* ALBUM[/SET[/PHOTO]] as typed, or NULL */
    char parts[3][AF_NAME_MAX + 1];   /* its names */
    int n_parts;
    char key_path[PATH_MAX];          /* --to: the key file used */
};

/* ALBUM[/SET[/PHOTO]] into a->parts, each a valid name. */
static int parse_what(struct cli *cli, struct restore_args *a)
{
    static const char *const kinds[] = {"album", "set", "photo"};
    const char *p = a->what;
    int st;

    a->n_parts = 1;
    while ((p = strchr(p, '/')) != NULL && a->n_parts <= 3) {
        a->n_parts++;
        p++;
    }
    if (a->n_parts > 3)
        return cli_usage(cli, "'%s' is not of the form ALBUM[/SET[/PHOTO]]",
                         cli_printable(a->what));
    st = cli_split(cli, a->what, a->n_parts, "ALBUM[/SET[/PHOTO]]", a->parts);
    for (int i = 0; i < a->n_parts && st == CLI_OK; i++)
        st = cli_check_name(cli, kinds[i], a->parts[i]);
    if (st == CLI_OK && a->as && a->n_parts != 3)
        return cli_usage(cli, "--as names one restored photo; give ALBUM/SET/PHOTO");
    if (st == CLI_OK && a->as)
        st = cli_check_name(cli, "photo", a->as);
    return st;
}

static int parse(struct cli *cli, int argc, char **argv, struct restore_args *a)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
        {"to", required_argument, NULL, OPT_TO},
        {"key-file", required_argument, NULL, OPT_KEY_FILE},
        {"as", required_argument, NULL, OPT_AS},
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
        else if (c == OPT_AS)
            a->as = optarg;
    }
    if (c < 0)
        return CLI_USAGE;
    if (!a->from)
        return cli_usage(cli, "give the backup repository with --from DEST");
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one argument, ALBUM[/SET[/PHOTO]]");
    if (argc - optind == 1) {
        a->what = argv[optind];
        if (a->to)
            return cli_usage(cli, "give either --to NEW_LIBRARY_DIR or ALBUM[/SET[/PHOTO]]");
        if (a->key_file)
            return cli_usage(cli, "--key-file is for --to: the live library's own key opens "
                             "its repository");
        return parse_what(cli, a);
    }
    if (!a->to)
        return cli_usage(cli, "give the new library's folder with --to NEW_LIBRARY_DIR, or "
                         "ALBUM[/SET[/PHOTO]] to restore into the live library");
    if (a->as)
        return cli_usage(cli, "--as names one photo restored into the live library");
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

static int open_snapshot(struct cli *cli, const struct af_key *key, const struct restore_args *a,
                         struct bk_repo **r, struct snapshot **s)
{
    const char *why;
    int err = repo_open(a->from, key, REPO_READ, r, &why);

    if (err)
        return *why ? cli_fail(cli, "%s: %s", cli_printable(a->from), cli_why(why, err))
                    : cli_fail_errno(cli, err, "cannot open %s", cli_printable(a->from));
    err = snapshot_find(*r, a->snapshot, s);
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

/* ---- into a new library folder ---- */

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

static int run_to(struct cli *cli, const struct restore_args *a)
{
    struct af_key *key = NULL;
    struct bk_repo *r = NULL;
    struct snapshot *s = NULL;
    struct cli_meter m;
    char bad[VAULT_ID_HEX], when[32];
    const char *why;
    int st, err;

    st = load_key(cli, a->key_path, &key);
    if (st == CLI_OK)
        st = open_snapshot(cli, key, a, &r, &s);
    if (st != CLI_OK)
        goto out;
    cli_meter_start(&m, cli);
    err = backup_restore(r, s, key, a->key_path, a->to, cli_meter_backup, &m, &why, bad);
    cli_meter_done(&m);
    if (err) {
        if (bad[0])
            st = cli_fail(cli, "restoring snapshot %s failed at blob %.16s…: %s; nothing was "
                          "left in %s", s->id, bad, cli_why(why, err), cli_printable(a->to));
        else
            st = cli_fail(cli, "restoring snapshot %s into %s failed: %s%s%s", s->id,
                          cli_printable(a->to), why, *why ? ": " : "", strerror(-err));
        goto out;
    }
    st = record(cli, a, s);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "snapshot", s->id);
        json_kv_string(&cli->out, "library", a->to);
        json_kv_int(&cli->out, "photos", (int64_t)s->photos);
        json_kv_int(&cli->out, "blobs", (int64_t)s->n_blobs + 1);
        json_kv_int(&cli->out, "size", (int64_t)s->total_bytes);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        timefmt_print(s->time_ms / 1000, when, sizeof when);
        printf("restored snapshot %s (%s) into %s: %" PRIu64 " photos, %zu blobs\n", s->id,
               when, a->to, s->photos, s->n_blobs + 1);
    }
out:
    snapshot_free(s);
    repo_close(r);
    key_free(key);
    return st;
}

/* ---- into the live library ---- */

static void into_json(struct cli *cli, const struct restore_args *a, const struct snapshot *s,
                      const char *when, const struct restore_into_result *res)
{
    const struct cat_restore_result *rows = &res->rows;
    struct json *j = &cli->out;

    json_object_begin(j);
    json_kv_string(j, "snapshot", s->id);
    json_kv_string(j, "time", when);
    json_kv_string(j, "restored", a->what);
    json_key(j, "as");
    if (a->as)
        json_string(j, a->as);
    else
        json_null(j);
    json_kv_bool(j, "album_created", rows->album_created);
    json_kv_int(j, "sets_created", rows->sets_created);
    json_kv_int(j, "photos_added", rows->photos_added);
    json_kv_int(j, "photos_merged", rows->photos_merged);
    json_kv_int(j, "photos_unchanged", rows->photos_unchanged);
    json_kv_int(j, "versions_added", rows->versions_added);
    json_kv_int(j, "favourites", rows->favourites);
    json_kv_int(j, "favourites_left_out", rows->favourites_left_out);
    json_kv_int(j, "grants", rows->grants);
    json_kv_int(j, "grants_left_out", rows->grants_left_out);
    json_kv_int(j, "blobs", (int64_t)res->blobs);
    json_kv_int(j, "blobs_copied", (int64_t)res->blobs_copied);
    json_kv_int(j, "bytes_copied", (int64_t)res->bytes_copied);
    json_object_end(j);
    json_finish(j);
}

static const char *plural(int64_t n)
{
    return n == 1 ? "" : "s";
}

static void into_text(const struct restore_args *a, const struct snapshot *s, const char *when,
                      const struct restore_into_result *res)
{
    const struct cat_restore_result *r = &res->rows;

    if (!backup_restored_anything(res)) {
        printf("%s from snapshot %s (%s) is already in the library: nothing restored\n",
               cli_printable(a->what), s->id, when);
        return;
    }
    printf("restored %s%s%s from snapshot %s (%s): ", cli_printable(a->what),
           a->as ? " as " : "", a->as ? cli_printable(a->as) : "", s->id, when);
    if (r->album_created)
        printf("the album, %" PRId64 " set%s, ", r->sets_created, plural(r->sets_created));
    else if (r->sets_created)
        printf("%" PRId64 " set%s made, ", r->sets_created, plural(r->sets_created));
    printf("%" PRId64 " photo%s added", r->photos_added, plural(r->photos_added));
    if (r->photos_merged)
        printf(", %" PRId64 " photo%s given older versions", r->photos_merged,
               plural(r->photos_merged));
    if (r->photos_unchanged)
        printf(", %" PRId64 " already there", r->photos_unchanged);
    printf(" (%" PRId64 " version%s", r->versions_added, plural(r->versions_added));
    if (r->album_created)
        printf(", %" PRId64 " grant%s", r->grants, plural(r->grants));
    printf(", %" PRId64 " favourite%s)", r->favourites, plural(r->favourites));
    if (r->grants_left_out || r->favourites_left_out)
        printf("; left out, of people no longer in the library: %" PRId64 " grant%s, %" PRId64
               " favourite%s", r->grants_left_out, plural(r->grants_left_out),
               r->favourites_left_out, plural(r->favourites_left_out));
    printf("\n");
}

static int run_into(struct cli *cli, const struct restore_args *a)
{
    struct cat_restore_spec spec = {
        .album = a->parts[0],
        .set = a->n_parts > 1 ? a->parts[1] : NULL,
        .photo = a->n_parts > 2 ? a->parts[2] : NULL,
        .as_name = a->as,
    };
    struct restore_into_result res;
    struct af_subject_buf owner;
    struct bk_repo *r = NULL;
    struct snapshot *s = NULL;
    struct cli_meter m;
    char bad[VAULT_ID_HEX], when[32];
    const char *why;
    int st, err;

    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = open_snapshot(cli, cli->lib->key, a, &r, &s);
    if (st != CLI_OK)
        goto out;
    subject_owner(&owner);
    cli_meter_start(&m, cli);
    err = backup_restore_into(cli->lib, &owner.subject, owner.label, r, s, &spec,
                              cli_meter_backup, &m, &res, &why, bad);
    cli_meter_done(&m);
    subject_release(&owner);
    timefmt_print(s->time_ms / 1000, when, sizeof when);
    if (err == -ENOENT && *why && !bad[0])
        st = cli_fail(cli, "'%s' from snapshot %s: %s", cli_printable(a->what), s->id, why);
    else if (err == -EEXIST)
        st = cli_fail(cli, "'%s' as '%s': %s", cli_printable(a->what), cli_printable(a->as),
                      why);
    else if (err && bad[0])
        st = cli_fail(cli, "restoring '%s' from snapshot %s failed at blob %.16s…: %s; the "
                      "library is unchanged", cli_printable(a->what), s->id, bad,
                      cli_why(why, err));
    else if (err) {
        const char *detail = err == -EIO ? catalog_errmsg(cli_catalog(cli)) : "";

        st = cli_fail(cli, "restoring '%s' from snapshot %s failed: %s%s%s%s%s%s; the library "
                      "is unchanged", cli_printable(a->what), s->id, why, *why ? ": " : "",
                      strerror(-err), *detail ? " (" : "", detail, *detail ? ")" : "");
    }
    else if (cli->json)
        into_json(cli, a, s, when, &res);
    else
        into_text(a, s, when, &res);
out:
    snapshot_free(s);
    repo_close(r);
    return st;
}

static int run_restore(struct cli *cli, int argc, char **argv)
{
    struct restore_args a = {0};
    int st = parse(cli, argc, argv, &a);

    if (st != CLI_OK)
        return st;
    return a.what ? run_into(cli, &a) : run_to(cli, &a);
}

const struct cli_cmd cmd_restore = {
    .name = "restore",
    .summary = "Restore a snapshot as a new library, or an album, set or photo into this one.",
    .usage = "--from DEST [--snapshot ID|latest] (--to NEW_LIBRARY_DIR [--key-file F] | "
             "ALBUM[/SET[/PHOTO]] [--as NEW_NAME])",
    .help = "With --to: the whole snapshot (default: the latest) into NEW_LIBRARY_DIR, which\n"
            "must not exist or be empty: a live library is never overwritten. Every blob\n"
            "is authenticated as it lands; on any failure nothing is left behind.\n"
            "\n"
            "With ALBUM[/SET[/PHOTO]]: that album, set or photo, with all its versions, back\n"
            "into the live library, in one transaction (recorded as restored-from-backup).\n"
            "An album that is gone comes back whole: sets, photos, the trash, favourites,\n"
            "private marks, links, pools, and the grants of people still in the library.\n"
            "Into an album that is here, missing sets are made and missing photos added;\n"
            "a photo whose name is taken keeps its current version and gets the snapshot's\n"
            "versions it lacks as older versions (--as NEW_NAME restores one photo beside\n"
            "it instead). A set or photo needs its album in the library.\n"
            "\n"
            "options:\n"
            "  --from DEST         the backup repository\n"
            "  --snapshot ID       which snapshot ('albumctl backup list'); default latest\n"
            "  --to DIR            the new library's folder\n"
            "  --key-file F        the library's key file (kept elsewhere); not needed for\n"
            "                      a passphrase-protected library: give --passphrase-file\n"
            "  --as NEW_NAME       the name one restored photo gets in its set\n",
    .run = run_restore,
};
