/* catalog_check.c — is the catalog sound, and does it agree with the vaults?
 *
 * For `albumctl verify`. catalog_check runs SQLite's own checks (PRAGMA
 * integrity_check: pages, indexes, NOT NULL and CHECK constraints; PRAGMA
 * foreign_key_check) and then the rules that foreign keys cannot state: a
 * photo's current version is one of its own versions, a photo's set is in
 * the photo's album, a grant's pool, its download sets and a pool's charges
 * belong to the same album, a charge names a grant that exists, a photo out
 * of the trash is in a live set, every album keeps a live public set, the
 * generation counter has its one row.
 * catalog_check_blobs compares the catalog with the vaults both ways: every
 * blob in vault/ is a version's, the watermark logo or a logo some rendered
 * view was made with, and the current logo is there; every blob in cache/
 * is a recorded rendition, and every rendition recorded as cached is there.
 * (That every version's blob is in the vault and intact is vault_verify's
 * job, run by verify for each version.)
 *
 * Each problem is handed to the caller's function as one sentence in plain
 * words; a check that cannot run on a damaged file is itself a problem, and
 * the other checks still run. Every check reads one snapshot (a read
 * transaction). Statements are prepared here, not cached: they run once per
 * verify, possibly on a damaged file whose prepare fails.
 * Threading: as the catalog connection (one thread at a time).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "store/catalog_private.h"

/* Each query returns one row per problem: its sentence. */
struct rule {
    const char *what; /* for "cannot check WHAT" */
    const char *sql;
};

#define PHOTO_NAME                                                                       \
    "printf('%s/%s/%s', coalesce(a.name, '?'), coalesce(s.name, '?'), p.name)"

static const struct rule rules[] = {
    {"foreign keys",
     "SELECT printf('%s row %d: its %s refers to a row of %s that does not exist', "
     "f.\"table\", f.rowid, l.\"from\", f.parent) "
     "FROM pragma_foreign_key_check AS f "
     "JOIN pragma_foreign_key_list(f.\"table\") AS l ON l.id = f.fkid AND l.seq = 0"},
    {"current versions",
     "SELECT printf('photo %s (id %d): its current version %s is not one of its own versions', "
     PHOTO_NAME ", p.id, coalesce(p.current_version, '(none)')) "
     "FROM photos p LEFT JOIN sets s ON s.id = p.set_id LEFT JOIN albums a ON a.id = p.album_id "
     "WHERE NOT EXISTS (SELECT 1 FROM versions v "
     "                  WHERE v.id = p.current_version AND v.photo_id = p.id)"},
    {"photos' sets",
     "SELECT printf('photo %s (id %d): its set belongs to another album', " PHOTO_NAME
     ", p.id) FROM photos p JOIN sets s ON s.id = p.set_id "
     "LEFT JOIN albums a ON a.id = p.album_id WHERE s.album_id <> p.album_id"},
    {"grants' pools",
     "SELECT printf('grant %d: it draws on pool %d of another album', g.id, g.pool_id) "
     "FROM grants g JOIN pools o ON o.id = g.pool_id WHERE o.album_id <> g.album_id"},
    {"grants' download sets",
     "SELECT printf('grant %d: its download set %d belongs to another album', g.id, s.id) "
     "FROM grant_download_sets d JOIN grants g ON g.id = d.grant_id "
     "JOIN sets s ON s.id = d.set_id WHERE s.album_id <> g.album_id"},
    {"pool charges",
     "SELECT printf('pool %d: its charge for photo %d names grant %d, which does not exist', "
     "c.pool_id, c.photo_id, c.grant_id) FROM pool_charges c "
     "WHERE NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = c.grant_id)"},
    {"pool charges",
     "SELECT printf('pool %d: it was charged for photo %d of another album', c.pool_id, "
     "c.photo_id) FROM pool_charges c JOIN pools o ON o.id = c.pool_id "
     "JOIN photos p ON p.id = c.photo_id WHERE p.album_id <> o.album_id"},
    {"photos' sets",
     "SELECT printf('photo %s (id %d): its set is deleted but the photo is not in the trash', "
     PHOTO_NAME ", p.id) FROM photos p JOIN sets s ON s.id = p.set_id "
     "LEFT JOIN albums a ON a.id = p.album_id WHERE s.deleted <> 0 AND p.trashed = 0"},
    {"public sets",
     "SELECT printf('album %s has no public set', a.name) FROM albums a "
     "WHERE NOT EXISTS (SELECT 1 FROM sets s WHERE s.album_id = a.id AND s.visibility = 0 "
     "                  AND s.deleted = 0)"},
    {"the generation counter",
     "SELECT printf('the generation table has %d rows, not 1', count(*)) FROM generation "
     "HAVING count(*) <> 1"},
};

/* Blobs of vault/ the catalog names: versions, the logo, logos of renditions
 * (a spec line "logo=ID"; an old logo stays until its views are gone). */
static const char referenced_sql[] =
    "SELECT blob FROM versions "
    "UNION SELECT value FROM settings WHERE key = 'watermark.logo' AND value <> '' "
    "UNION SELECT logo FROM (SELECT substr(spec, instr(spec, char(10) || 'logo=') + 6, 64) "
    "                        AS logo FROM renditions "
    "                        WHERE instr(spec, char(10) || 'logo=') > 0) "
    "WHERE length(logo) = 64 AND logo NOT GLOB '*[^0-9a-f]*'";

static void say(cat_problem_fn report, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(cat_problem_fn report, void *arg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    report(arg, buf);
}

/* Run sql; each row's first column (text) goes to each(text, ctx). 0, or
 * the SQLite error code with its message in c->errmsg. */
static int each_row(struct af_catalog *c, const char *sql, void (*each)(const char *, void *),
                    void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(st, 0);

        each(text ? (const char *)text : "", ctx);
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK)
        snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}

struct reporter {
    cat_problem_fn report;
    void *arg;
    int found;
};

static void pass_on(const char *problem, void *ctx)
{
    struct reporter *r = ctx;

    r->found++;
    r->report(r->arg, problem);
}

static void integrity_row(const char *row, void *ctx)
{
    struct reporter *r = ctx;

    char line[768];
    size_t i;

    if (strcmp(row, "ok") == 0)
        return;
    for (i = 0; row[i] && i < sizeof line - 1; i++) /* one line per problem */
        line[i] = row[i] == '\n' ? ' ' : row[i];
    line[i] = '\0';
    r->found++;
    say(r->report, r->arg, "the catalog file is damaged (restore catalog.db from a backup): %s",
        line);
}

/* A check that could not run on this file is a problem too. */
static void cannot_check(struct af_catalog *c, struct reporter *r, const char *what)
{
    r->found++;
    say(r->report, r->arg, "cannot check %s: %s (the catalog file is damaged)", what,
        c->errmsg);
}

static int begin_snapshot(struct af_catalog *c)
{
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return cat_err(c, sqlite3_extended_errcode(c->db));
    return 0;
}

static void end_snapshot(struct af_catalog *c)
{
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
}

int catalog_check(struct af_catalog *c, cat_problem_fn report, void *arg)
{
    struct reporter r = {report, arg, 0};
    int rc = begin_snapshot(c);

    if (rc < 0)
        return rc;
    if (each_row(c, "PRAGMA integrity_check", integrity_row, &r) != SQLITE_OK)
        cannot_check(c, &r, "the catalog file's integrity");
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (each_row(c, rules[i].sql, pass_on, &r) != SQLITE_OK)
            cannot_check(c, &r, rules[i].what);
    end_snapshot(c);
    return r.found;
}

static void add_id(const char *id, void *ctx)
{
    g_hash_table_add(ctx, g_strdup(id));
}

/* Ids of the vault v, as a set (caller frees with g_hash_table_unref). */
static int vault_set(const struct af_vault *v, GHashTable **out)
{
    char(*ids)[VAULT_ID_HEX] = NULL;
    size_t n = 0;
    int rc = vault_list(v, &ids, &n);

    *out = NULL;
    if (rc < 0)
        return rc;
    *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < n; i++)
        add_id(ids[i], *out);
    free(ids);
    return 0;
}

struct blob_walk {
    struct reporter *r;
    GHashTable *present; /* ids in the vault */
    GHashTable *named;   /* ids the catalog names */
    const char *vault;   /* "vault/" or "cache/" */
    cat_leftover_fn leftover;
    void *leftover_arg;
};

static void note_leftover(gpointer key, gpointer value, gpointer ctx)
{
    struct blob_walk *w = ctx;
    const char *id = key;

    (void)value;
    if (!g_hash_table_contains(w->named, id))
        w->leftover(w->leftover_arg, strcmp(w->vault, "cache/") == 0, id);
}

/* A blob the catalog names (the logo; a view recorded as cached) that is
 * not in its vault. */
static void note_missing(const char *id, void *ctx)
{
    struct blob_walk *w = ctx;

    if (g_hash_table_contains(w->present, id))
        return;
    w->r->found++;
    if (strcmp(w->vault, "vault/") == 0)
        say(w->r->report, w->r->arg, "the watermark logo %.16s… is missing from the vault; "
            "set it again with 'albumctl watermark --logo FILE' or remove it with "
            "--no-logo", id);
    else
        say(w->r->report, w->r->arg, "rendered view %.16s… is recorded as cached but is "
            "missing from cache/ (it will be made again when read)", id);
}

int catalog_check_blobs(struct af_catalog *c, const struct af_vault *vault,
                        const struct af_vault *cache, cat_problem_fn report,
                        cat_leftover_fn leftover, void *arg)
{
    struct reporter r = {report, arg, 0};
    GHashTable *in_vault = NULL, *in_cache = NULL, *named = NULL, *recorded = NULL;
    struct blob_walk w = {.r = &r};
    int rc;

    rc = vault_set(vault, &in_vault);
    if (rc == 0)
        rc = vault_set(cache, &in_cache);
    if (rc < 0)
        goto out;
    rc = begin_snapshot(c);
    if (rc < 0)
        goto out;
    named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    recorded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (each_row(c, referenced_sql, add_id, named) != SQLITE_OK) {
        cannot_check(c, &r, "which blobs the catalog names");
    } else {
        w = (struct blob_walk){&r, in_vault, named, "vault/", leftover, arg};
        g_hash_table_foreach(in_vault, note_leftover, &w);
        each_row(c, "SELECT value FROM settings WHERE key = 'watermark.logo' AND value <> ''",
                 note_missing, &w);
    }
    if (each_row(c, "SELECT id FROM renditions", add_id, recorded) != SQLITE_OK) {
        cannot_check(c, &r, "the rendered views");
    } else {
        w = (struct blob_walk){&r, in_cache, recorded, "cache/", leftover, arg};
        g_hash_table_foreach(in_cache, note_leftover, &w);
        each_row(c, "SELECT id FROM renditions WHERE cached = 1", note_missing, &w);
    }
    end_snapshot(c);
    rc = r.found;
out:
    if (named)
        g_hash_table_unref(named);
    if (recorded)
        g_hash_table_unref(recorded);
    if (in_vault)
        g_hash_table_unref(in_vault);
    if (in_cache)
        g_hash_table_unref(in_cache);
    return rc;
}
