/* cmd_verify.c — 'albumctl verify': prove that the library is intact.
 *
 * Three checks: the catalog itself and against the vaults (catalog_check,
 * catalog_check_blobs: SQLite's integrity and foreign-key checks, every
 * reference resolving, every blob the catalog names present); the activity
 * log's MAC chain (catalog_activity_verify), which names the first entry
 * that was altered, removed or moved; and every blob that a photo or
 * document version refers to, decrypted and authenticated chunk by chunk
 * with its content address checked (vault_verify). --audit runs the log's
 * check only. Blobs no catalog row names are leftovers of interrupted
 * imports, uploads or renders: counted, not problems; --remove-leftovers
 * removes those over an hour old (vault_remove_unused), the only write
 * verify makes. Rendered views' bytes are not checked (they are made
 * again from the originals when they fail).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "media/renditions.h"
#include "tools/cli.h"

enum { OPT_AUDIT = CLI_OPT_FIRST, OPT_REMOVE_LEFTOVERS };

/* A leftover younger than this may belong to an import still running. */
#define LEFTOVER_MIN_AGE 3600

/* What catalog_check_blobs found: problems, and blobs nothing names. */
struct catalog_findings {
    GPtrArray *problems;  /* sentences (g_free) */
    GPtrArray *leftovers; /* "v<id>" (vault) or "c<id>" (cache) (g_free) */
    size_t removed;       /* leftovers removed (--remove-leftovers) */
};

/* The outcome of the activity log check. */
struct audit_result {
    int64_t entries;
    int64_t first_bad;     /* 0 when intact */
    bool bad_readable;     /* that entry is still in the table */
    struct cat_activity bad;
};

/* One vault blob that failed. */
struct blob_failure {
    struct cat_blob blob;
    char photo[3 * AF_NAME_MAX + 3]; /* "Album/Set/Photo", "" if it cannot be named */
    int err;                         /* -ENOENT missing, -EIO damaged */
};

/* Every problem catalog_check and catalog_check_blobs report, in order. */
static void collect_problem(void *arg, const char *problem)
{
    struct catalog_findings *f = arg;

    g_ptr_array_add(f->problems, g_strdup(problem));
}

static void collect_leftover(void *arg, bool in_cache, const char *id)
{
    struct catalog_findings *f = arg;

    g_ptr_array_add(f->leftovers, g_strdup_printf("%c%s", in_cache ? 'c' : 'v', id));
}

/* Remove the leftovers over LEFTOVER_MIN_AGE old; a blob some import
 * stored again meanwhile is kept (vault_remove_unused). */
static int remove_leftovers(struct cli *cli, struct catalog_findings *f)
{
    for (guint i = 0; i < f->leftovers->len; i++) {
        const char *l = g_ptr_array_index(f->leftovers, i);
        struct af_vault *v = l[0] == 'c' ? cli->lib->cache : cli->lib->vault;
        int rc = vault_remove_unused(v, l + 1, LEFTOVER_MIN_AGE);

        if (rc < 0 && rc != -ENOENT)
            return cli_fail_errno(cli, rc, "removing the leftover %s/%.2s/%s",
                                  l[0] == 'c' ? "cache" : "vault", l + 1, l + 1);
        f->removed += rc == 1;
    }
    return CLI_OK;
}

static void collect_damaged_view(const char *id, void *arg)
{
    struct catalog_findings *f = arg;

    g_ptr_array_add(f->problems, g_strdup_printf("rendered view %.16s… in cache/ does not "
                                              "authenticate ('albumctl cache trim' drops it; it "
                                              "is made again when read)", id));
}

static int check_catalog(struct cli *cli, struct catalog_findings *f)
{
    size_t damaged;
    int n = catalog_check(cli_catalog(cli), collect_problem, f);

    if (n < 0)
        return cli_fail_errno(cli, n, "checking the catalog");
    n = catalog_check_blobs(cli_catalog(cli), cli->lib->vault, cli->lib->cache,
                            collect_problem, collect_leftover, f);
    if (n < 0)
        return cli_fail_errno(cli, n, "comparing the catalog with the vault");
    n = renditions_find_damaged(cli->lib, cli_catalog(cli), false, collect_damaged_view,
                                f, &damaged);
    if (n < 0)
        return cli_fail_errno(cli, n, "checking the rendered views");
    return CLI_OK;
}

static void report_catalog(struct cli *cli, const struct catalog_findings *f, bool removing)
{
    const GPtrArray *problems = f->problems;
    guint left = f->leftovers->len;

    for (guint i = 0; i < problems->len; i++)
        cli_fail(cli, "catalog: %s", (const char *)g_ptr_array_index(problems, i));
    if (cli->json)
        return;
    printf("catalog: %s (%u problem%s)\n", problems->len ? "NOT sound" : "sound",
           problems->len, problems->len == 1 ? "" : "s");
    if (removing)
        printf("leftovers: %zu of %u removed (the rest are less than an hour old)\n",
               f->removed, left);
    else if (left)
        printf("leftovers: %u blob%s no photo or view uses (left by an interrupted import, "
               "upload or render; harmless): 'albumctl verify --remove-leftovers' removes "
               "them\n", left, left == 1 ? "" : "s");
}

static int check_audit(struct cli *cli, struct audit_result *r)
{
    int err = catalog_activity_verify(cli_catalog(cli), &r->first_bad);

    if (err == 0 || err == -EBADMSG) {
        int e2 = catalog_activity_total(cli_catalog(cli), &r->entries);
        if (e2)
            return cli_fail_errno(cli, e2, "counting activity entries");
    }
    if (err == -EBADMSG) {
        int e2 = catalog_activity_get(cli_catalog(cli), r->first_bad, &r->bad);
        r->bad_readable = e2 == 0;
        if (e2 && e2 != -ENOENT)
            return cli_fail_errno(cli, e2, "reading activity entry %" PRId64, r->first_bad);
        return CLI_OK;
    }
    if (err == -ENOKEY)
        return cli_fail(cli, "the library has no audit key, so the activity log cannot be "
                        "checked; open it with the key it was created with");
    if (err)
        return cli_fail_errno(cli, err, "checking the activity log");
    return CLI_OK;
}

static void report_audit(struct cli *cli, const struct audit_result *r)
{
    char when[32];

    if (!r->first_bad) {
        if (!cli->json)
            printf("activity log intact (%" PRId64 " entries)\n", r->entries);
        return;
    }
    if (r->bad_readable) {
        timefmt_print(r->bad.at, when, sizeof(when));
        cli_fail(cli, "activity log broken at entry %" PRId64 " (%s, %s): it was altered, "
                 "inserted or moved, and no entry from it on can be trusted; keep catalog.db "
                 "as it is and compare it with a backup", r->first_bad, when,
                 cli_printable(r->bad.kind));
    } else
        cli_fail(cli, "activity log broken at entry %" PRId64 ": it is missing (deleted, or "
                 "its id was changed), and no entry from it on can be trusted; keep catalog.db "
                 "as it is and compare it with a backup", r->first_bad);
}

/* "Album/Set/Photo" of a photo id, or "" when it cannot be read. */
static void photo_path(struct cli *cli, int64_t photo_id, char *buf, size_t len)
{
    struct cat_photo p;
    struct cat_set s;
    struct cat_album a;

    buf[0] = '\0';
    if (catalog_photo_by_id(cli_catalog(cli), photo_id, &p) == 0 &&
        catalog_set_by_id(cli_catalog(cli), p.set_id, &s) == 0 &&
        catalog_album_by_id(cli_catalog(cli), p.album_id, &a) == 0)
        snprintf(buf, len, "%s/%s/%s", a.name, s.name, p.name);
}

/* vault_verify every blob of every version; failures into *out (g_free). */
static int check_vault(struct cli *cli, size_t *n_blobs, struct blob_failure **out,
                       size_t *n_failed)
{
    struct cat_blob *blobs = NULL;
    GArray *failed = g_array_new(FALSE, TRUE, sizeof(struct blob_failure));
    int err = catalog_version_blobs(cli_catalog(cli), &blobs, n_blobs);

    if (err) {
        g_array_free(failed, TRUE);
        return cli_fail_errno(cli, err, "listing the photos' blobs");
    }
    for (size_t i = 0; i < *n_blobs; i++) {
        struct blob_failure f = {.blob = blobs[i]};

        cli_progress(cli, i, *n_blobs, "verifying photos");
        f.err = vault_verify(cli->lib->vault, blobs[i].id, 1);
        if (f.err == 0)
            continue;
        if (f.err != -ENOENT)
            f.err = -EIO; /* damaged, tampered with or unreadable: the same remedy */
        photo_path(cli, blobs[i].photo_id, f.photo, sizeof(f.photo));
        g_array_append_val(failed, f);
    }
    cli_progress_clear(cli);
    free(blobs);
    *n_failed = failed->len;
    *out = (struct blob_failure *)(void *)g_array_free(failed, FALSE);
    return CLI_OK;
}

static void report_vault(struct cli *cli, size_t n_blobs, const struct blob_failure *f,
                         size_t n_failed)
{
    for (size_t i = 0; i < n_failed; i++)
        cli_fail(cli, "%s (version %" PRId64 ", blob %.16s…): %s; restore the library from a "
                 "backup", f[i].photo[0] ? cli_printable(f[i].photo) : "a photo",
                 f[i].blob.version_id, f[i].blob.id,
                 f[i].err == -ENOENT ? "missing from the vault"
                                     : "does not authenticate (damaged or altered)");
    if (!cli->json)
        printf("vault: %zu blob%s checked, %zu failed\n", n_blobs, n_blobs == 1 ? "" : "s",
               n_failed);
}

static void print_json(struct cli *cli, const struct catalog_findings *cf,
                       const struct audit_result *a, bool vault, size_t n_blobs,
                       const struct blob_failure *f, size_t n_failed)
{
    const GPtrArray *problems = cf->problems;
    struct json *j = &cli->out;
    char when[32];

    json_object_begin(j);
    if (vault) {
        json_key(j, "catalog");
        json_object_begin(j);
        json_kv_bool(j, "sound", problems->len == 0);
        json_key(j, "problems");
        json_array_begin(j);
        for (guint i = 0; i < problems->len; i++)
            json_string(j, g_ptr_array_index(problems, i));
        json_array_end(j);
        json_kv_int(j, "leftovers", cf->leftovers->len);
        json_kv_int(j, "leftovers_removed", (int64_t)cf->removed);
        json_object_end(j);
    }
    json_key(j, "audit");
    json_object_begin(j);
    json_kv_bool(j, "intact", a->first_bad == 0);
    json_kv_int(j, "entries", a->entries);
    json_key(j, "first_bad");
    if (a->first_bad) {
        json_object_begin(j);
        json_kv_int(j, "id", a->first_bad);
        json_key(j, "time");
        if (a->bad_readable) {
            timefmt_print(a->bad.at, when, sizeof(when));
            json_string(j, when);
            json_kv_string(j, "kind", a->bad.kind);
        } else {
            json_null(j);
            json_key(j, "kind");
            json_null(j);
        }
        json_object_end(j);
    } else
        json_null(j);
    json_object_end(j);
    if (vault) {
        json_key(j, "vault");
        json_object_begin(j);
        json_kv_int(j, "blobs", (int64_t)n_blobs);
        json_key(j, "failed");
        json_array_begin(j);
        for (size_t i = 0; i < n_failed; i++) {
            json_object_begin(j);
            json_kv_string(j, "blob", f[i].blob.id);
            json_kv_int(j, "version_id", f[i].blob.version_id);
            json_kv_int(j, "photo_id", f[i].blob.photo_id);
            json_key(j, "photo");
            if (f[i].photo[0])
                json_string(j, f[i].photo);
            else
                json_null(j);
            json_kv_string(j, "error", f[i].err == -ENOENT ? "missing" : "damaged");
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
    }
    json_object_end(j);
    json_finish(j);
}

static int run_verify(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"audit", no_argument, NULL, OPT_AUDIT},
        {"remove-leftovers", no_argument, NULL, OPT_REMOVE_LEFTOVERS},
        CLI_COMMON_OPTIONS,
    };
    struct audit_result audit = {0};
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) leftovers = g_ptr_array_new_with_free_func(g_free);
    struct catalog_findings found = {problems, leftovers, 0};
    struct blob_failure *failed = NULL;
    size_t n_blobs = 0, n_failed = 0;
    bool only_audit = false, remove = false;
    int c, st;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_AUDIT)
            only_audit = true;
        else
            remove = true;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 0)
        return cli_usage(cli, "expected no arguments");
    if (only_audit && remove)
        return cli_usage(cli, "--audit checks the activity log only; --remove-leftovers "
                         "needs the whole check");
    st = cli_open_library(cli);
    if (st == CLI_OK && !only_audit)
        st = check_catalog(cli, &found);
    if (st == CLI_OK && remove && problems->len == 0) /* never on an unsound catalog */
        st = remove_leftovers(cli, &found);
    if (st == CLI_OK && !only_audit)
        report_catalog(cli, &found, remove && problems->len == 0); /* now: a damaged catalog may stop what follows */
    if (st == CLI_OK)
        st = check_audit(cli, &audit);
    if (st == CLI_OK && !only_audit)
        st = check_vault(cli, &n_blobs, &failed, &n_failed);
    if (st != CLI_OK)
        return st;
    report_audit(cli, &audit);
    if (!only_audit)
        report_vault(cli, n_blobs, failed, n_failed);
    if (cli->json)
        print_json(cli, &found, &audit, !only_audit, n_blobs, failed, n_failed);
    g_free(failed);
    return audit.first_bad || n_failed || problems->len ? CLI_FAIL : CLI_OK;
}

const struct cli_cmd cmd_verify = {
    .name = "verify",
    .summary = "Check the catalog, the activity log's chain and every stored photo.",
    .usage = "[--audit | --remove-leftovers] [--json]",
    .help = "Without options every check runs: the catalog (SQLite's integrity and\n"
            "foreign-key checks; every reference resolving: a photo's current version,\n"
            "sets, pools and grants of one album; every blob the catalog names in the vault\n"
            "and the cache; every cached view authenticates), the activity log (every entry\n"
            "chained to the one before by a keyed MAC) and every photo and document version\n"
            "in the vault (each byte decrypted and authenticated, and its content address\n"
            "checked).\n"
            "Status 0 when everything is intact, 1 when something is not: each problem is\n"
            "named on stderr (what is wrong in the catalog; the first broken log entry;\n"
            "each missing or damaged photo).\n"
            "Blobs that nothing in the catalog names are leftovers of an import, upload or\n"
            "render interrupted between storing them and recording them (a crash, a full\n"
            "disk): harmless, counted on a 'leftovers:' line, not problems.\n"
            "\n"
            "options:\n"
            "  --audit             check the activity log only (fast)\n"
            "  --remove-leftovers  also remove the leftovers over an hour old (younger ones\n"
            "                      may belong to an import still running); only when the\n"
            "                      catalog is sound\n"
            "Removing entries from the very end of the log cannot be detected.\n",
    .run = run_verify,
};
