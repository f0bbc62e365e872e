/* catalog_restore.c — bringing an album, a set or one photo back from a
 * backup snapshot's copy of the catalog into this catalog, with the rows
 * that belong to it. backup/restore_into.c drives it (copying the blobs
 * first); docs/backup.md says what a photographer gets.
 *
 * The snapshot's file is ATTACHed as "snap" (catalog_restore_attach, outside
 * a transaction: it must already be at this schema). catalog_restore_rows
 * runs inside the caller's write transaction, so the rows and the caller's
 * activity record land together or not at all.
 *
 * How rows are copied. A temporary table temp.rmap(kind, old, new) maps a
 * snapshot row's id to the id of its row here:
 *   user, team  people still in the library, by e-mail and by team name;
 *               what belongs to the others (favourites, grants, downloads,
 *               milestones) is left out, and their private marks become the
 *               studio's (a photo marked private stays hidden)
 *   link        links by token hash (a whole album brings its own back)
 *   set         the live album's set of the same name, or a new set
 *   into        a snapshot photo whose name a live photo of its set has:
 *               the versions the live photo lacks (by blob) are added to
 *               its history; its current version, name, marks and
 *               favourites stay as they are (--as NEW_NAME restores a copy
 *               beside it instead, without favourites: they stay with the
 *               photo people picked)
 *   pool, grant into an album that is here: its pools by name, its grants
 *               that are still the snapshot's (same id, album, principal)
 *   album, photo, version, pool, grant
 *               new rows
 * A new row keeps its snapshot id when no live row has it (so the activity
 * rows that name it find it again, and a grant keeps the id 'albumctl
 * revoke' knows it by), else it gets one above every id in use (map_new).
 * Rows are copied with INSERT ... SELECT over every column the live table
 * has, so columns added by later migrations come along; only references
 * are rewritten through the map (copy_rows).
 *
 * What comes back. An album that is not in the library comes back whole:
 * every set, every photo (its trash too) with every version, favourites,
 * private marks, its links and pools, grants of people still here with
 * their download sets, allowance charges, download records, milestones and
 * recorded expiries. A grant the live activity log says was revoked after
 * it was made comes back revoked (at that time), whatever the snapshot
 * says: a restore never gives back access the owner took away (a later
 * grant that reused the id can only make this err on the safe side). Into an album that is here, a set or the whole album
 * merges: sets missing are made as they were, photos not in the trash
 * whose names are free come back with their versions, favourites, marks,
 * the allowance charges of pools still here (by name) and download records
 * (through grants still the snapshot's), and photos whose names are taken
 * are settled as `into` says. A set or a photo needs its album here. Rendered views are never restored
 * (they are made again when needed).
 *
 * Threading: the caller's connection, one thread, as for every catalog
 * call. Statements here name the attached schema, so none is cached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "store/catalog_private.h"

/* The live id of the snapshot row that column s.<col> names, as mapped, or NULL. */
#define MAP(kind, col) "(SELECT new FROM temp.rmap WHERE kind = '" kind "' AND old = s." col ")"
/* A person key (catalog_person_key) rewritten for this library, NULL when
 * that person is gone; any other value ('owner') as it is. */
#define MAP_PERSON(col)                                                                      \
    "(CASE WHEN s." col " LIKE 'user:%' THEN (SELECT 'user:' || new FROM temp.rmap "         \
    "WHERE kind = 'user' AND old = CAST(substr(s." col ", 6) AS INTEGER)) "                  \
    "WHEN s." col " LIKE 'link:%' THEN (SELECT 'link:' || new FROM temp.rmap "               \
    "WHERE kind = 'link' AND old = CAST(substr(s." col ", 6) AS INTEGER)) ELSE s." col " END)"

/* The snapshot photos a restore takes (alias s): those of the mapped sets
 * of the album; a whole album's trash too; one photo by name. */
#define SOURCE_PHOTOS                                                                        \
    "s.album_id = :sa AND s.set_id IN (SELECT old FROM temp.rmap WHERE kind = 'set') "       \
    "AND (:whole OR s.trashed = 0) AND (:photo IS NULL OR (s.name = :photo AND s.trashed = 0))"

/* What the statements here bind by name. */
struct rparams {
    int64_t sa;        /* :sa    the snapshot's album */
    int64_t ss;        /* :ss    its set (0: every set) */
    int64_t la;        /* :la    the album here (0: none yet) */
    const char *photo; /* :photo the photo's name (NULL: every photo) */
    const char *as;    /* :as    the name it gets (NULL: its own) */
    bool whole;        /* :whole the album comes back whole */
};

static void bind_params(sqlite3_stmt *st, const struct rparams *p)
{
    int i;

    if ((i = sqlite3_bind_parameter_index(st, ":sa")) > 0)
        sqlite3_bind_int64(st, i, p->sa);
    if ((i = sqlite3_bind_parameter_index(st, ":ss")) > 0) {
        if (p->ss)
            sqlite3_bind_int64(st, i, p->ss);
        else
            sqlite3_bind_null(st, i);
    }
    if ((i = sqlite3_bind_parameter_index(st, ":la")) > 0)
        sqlite3_bind_int64(st, i, p->la);
    if ((i = sqlite3_bind_parameter_index(st, ":photo")) > 0)
        sqlite3_bind_text(st, i, p->photo, -1, SQLITE_STATIC); /* NULL binds NULL */
    if ((i = sqlite3_bind_parameter_index(st, ":as")) > 0)
        sqlite3_bind_text(st, i, p->as, -1, SQLITE_STATIC);
    if ((i = sqlite3_bind_parameter_index(st, ":whole")) > 0)
        sqlite3_bind_int(st, i, p->whole);
}

static int prepare(struct af_catalog *c, const char *sql, const struct rparams *p,
                   sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
        return cat_err(c, sqlite3_extended_errcode(c->db));
    if (p)
        bind_params(*st, p);
    return 0;
}

/* Run a statement that returns no rows; *changes (may be NULL) gets the
 * rows it changed. */
static int run(struct af_catalog *c, const char *sql, const struct rparams *p,
               int64_t *changes)
{
    sqlite3_stmt *st;
    int rc = prepare(c, sql, p, &st);

    if (rc < 0)
        return rc;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    else if (changes)
        *changes = sqlite3_changes64(c->db);
    sqlite3_finalize(st);
    return rc;
}

/* The integer the query returns (0 for no row or NULL). */
static int query_int(struct af_catalog *c, const char *sql, const struct rparams *p,
                     int64_t *out)
{
    sqlite3_stmt *st;
    int rc = prepare(c, sql, p, &st), step;

    *out = 0;
    if (rc < 0)
        return rc;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_finalize(st);
    return rc;
}

/* The id of the row that `sql` finds by its parameters: (text) when it
 * has one, (number, text) when two. 0 with *out, or -ENOENT. */
static int find_id(struct af_catalog *c, const char *sql, int64_t number, const char *text,
                   int64_t *out)
{
    sqlite3_stmt *st;
    int rc = prepare(c, sql, NULL, &st), step;

    *out = 0;
    if (rc < 0)
        return rc;
    if (sqlite3_bind_parameter_count(st) == 2)
        sqlite3_bind_int64(st, 1, number);
    sqlite3_bind_text(st, sqlite3_bind_parameter_count(st), text, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = step == SQLITE_DONE ? -ENOENT : cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_finalize(st);
    return rc;
}

/* The integers in the first column of every row `sql` returns (its one
 * parameter, if any, bound to text), appended to out. */
static int query_ids(struct af_catalog *c, const char *sql, const char *text, GArray *out)
{
    sqlite3_stmt *st;
    int rc = prepare(c, sql, NULL, &st), step;

    if (rc < 0)
        return rc;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(out, id);
    }
    if (step != SQLITE_DONE)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_finalize(st);
    return rc;
}

int catalog_restore_attach(struct af_catalog *c, const char *path)
{
    sqlite3_stmt *st;
    int rc = prepare(c, "ATTACH DATABASE ? AS snap", NULL, &st);

    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_finalize(st);
    if (rc == 0)
        rc = run(c, "CREATE TEMP TABLE IF NOT EXISTS rmap (kind TEXT NOT NULL, "
                    "old INTEGER NOT NULL, new INTEGER, PRIMARY KEY (kind, old))",
                 NULL, NULL);
    if (rc < 0)
        catalog_restore_detach(c);
    return rc;
}

void catalog_restore_detach(struct af_catalog *c)
{
    sqlite3_exec(c->db, "DROP TABLE IF EXISTS temp.rmap", NULL, NULL, NULL);
    sqlite3_exec(c->db, "DETACH DATABASE snap", NULL, NULL, NULL);
}

/* The snapshot's album, set and photo of spec and the live album into p.
 * -ENOENT with *why. */
static int resolve(struct af_catalog *c, const struct cat_restore_spec *spec,
                   struct rparams *p, const char **why)
{
    int64_t photo;
    int rc;

    memset(p, 0, sizeof *p);
    p->photo = spec->photo;
    p->as = spec->photo ? spec->as_name : NULL;
    rc = find_id(c, "SELECT id FROM snap.albums WHERE name = ?", 0, spec->album,
                 &p->sa);
    if (rc == -ENOENT)
        *why = "the snapshot has no album of that name";
    if (rc == 0 && spec->set) {
        rc = find_id(c, "SELECT id FROM snap.sets WHERE album_id = ? AND name = ? "
                        "AND deleted = 0", p->sa, spec->set, &p->ss);
        if (rc == -ENOENT)
            *why = "the snapshot has no set of that name in the album";
    }
    if (rc == 0 && spec->photo) {
        rc = find_id(c, "SELECT id FROM snap.photos WHERE set_id = ? AND name = ? "
                        "AND trashed = 0", p->ss, spec->photo, &photo);
        if (rc == -ENOENT)
            *why = "the snapshot has no photo of that name in the set (outside the trash)";
    }
    if (rc == 0) {
        rc = find_id(c, "SELECT id FROM main.albums WHERE name = ?", 0,
                     spec->album, &p->la);
        if (rc == -ENOENT && spec->set)
            *why = "the album is not in the library; restore the whole album first";
        else if (rc == -ENOENT)
            rc = 0;
    }
    p->whole = p->la == 0;
    return rc;
}

int catalog_restore_blobs(struct af_catalog *c, const struct cat_restore_spec *spec,
                          char (**ids)[VAULT_ID_HEX], size_t *n, const char **why)
{
    GArray *found = g_array_new(FALSE, TRUE, VAULT_ID_HEX);
    struct rparams p;
    sqlite3_stmt *st = NULL;
    int rc, step;

    *ids = NULL;
    *n = 0;
    rc = resolve(c, spec, &p, why);
    if (rc == 0)
        rc = prepare(c, "SELECT DISTINCT v.blob FROM snap.versions v "
                        "JOIN snap.photos s ON s.id = v.photo_id "
                        "WHERE s.album_id = :sa AND (:ss IS NULL OR s.set_id = :ss) "
                        "AND (:whole OR s.trashed = 0) "
                        "AND (:photo IS NULL OR (s.name = :photo AND s.trashed = 0)) "
                        "ORDER BY v.blob",
                     &p, &st);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        char id[VAULT_ID_HEX];

        cat_col_text(st, 0, id, sizeof id);
        g_array_append_val(found, id);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_finalize(st);
    if (rc == 0) {
        *n = found->len;
        *ids = malloc(found->len ? found->len * VAULT_ID_HEX : 1);
        if (!*ids)
            rc = -ENOMEM;
        else if (found->len)
            memcpy(*ids, found->data, found->len * VAULT_ID_HEX);
    }
    g_array_free(found, TRUE);
    return rc;
}

/* Map the snapshot rows of `table` that `where` (over alias s) picks to new
 * rows of kind: each keeps its id when no live row has it, else gets one
 * above every id in use and every id mapped before. */
static int map_new(struct af_catalog *c, const char *kind, const char *table, const char *where,
                   const struct rparams *p)
{
    GArray *olds = g_array_new(FALSE, FALSE, sizeof(int64_t));
    gchar *sql;
    sqlite3_stmt *st = NULL;
    int64_t base = 0;
    int rc;

    sql = g_strdup_printf("INSERT INTO temp.rmap(kind, old, new) SELECT '%s', s.id, "
                          "CASE WHEN EXISTS (SELECT 1 FROM main.%s x WHERE x.id = s.id) "
                          "THEN NULL ELSE s.id END FROM snap.%s s WHERE %s",
                          kind, table, table, where);
    rc = run(c, sql, p, NULL);
    g_free(sql);
    sql = g_strdup_printf("SELECT max(coalesce((SELECT max(id) FROM main.%s), 0), "
                          "coalesce((SELECT max(new) FROM temp.rmap WHERE kind = '%s'), 0))",
                          table, kind);
    if (rc == 0)
        rc = query_int(c, sql, NULL, &base);
    g_free(sql);
    if (rc == 0)
        rc = query_ids(c, "SELECT old FROM temp.rmap WHERE kind = ? AND new IS NULL "
                          "ORDER BY old", kind, olds);
    if (rc == 0 && olds->len)
        rc = prepare(c, "UPDATE temp.rmap SET new = ? WHERE kind = ? AND old = ?", NULL, &st);
    for (guint i = 0; rc == 0 && i < olds->len; i++) {
        sqlite3_bind_int64(st, 1, base + 1 + (int64_t)i);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, g_array_index(olds, int64_t, i));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = cat_err(c, sqlite3_extended_errcode(c->db));
        sqlite3_reset(st);
        if (i + 1 == olds->len || rc < 0)
            sqlite3_finalize(st);
    }
    g_array_free(olds, TRUE);
    return rc;
}

/* A column whose value is not the snapshot row's own. */
struct override {
    const char *col;
    const char *expr; /* over alias s, the snapshot row */
};

/* Copy the rows of `table` that `where` picks (over alias s) with every
 * column the live table has, the ones in ov[] rewritten. With a kind, the
 * rows are those mapped to new rows of that kind not yet made, each with
 * its mapped id. *changes (may be NULL): the rows copied. */
static int copy_rows(struct af_catalog *c, const char *table, const char *kind,
                     const struct override *ov, size_t n_ov, const char *where,
                     const struct rparams *p, int64_t *changes)
{
    GString *cols = g_string_new(NULL), *exprs = g_string_new(NULL);
    sqlite3_stmt *st = NULL;
    gchar *sql = NULL;
    int rc, step;

    rc = prepare(c, "SELECT name FROM pragma_table_info(?, 'main') ORDER BY cid", NULL, &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(st, 0);
            const char *expr = NULL;

            for (size_t i = 0; i < n_ov && !expr; i++)
                if (strcmp(ov[i].col, col) == 0)
                    expr = ov[i].expr;
            g_string_append_printf(cols, "%s\"%s\"", cols->len ? ", " : "", col);
            if (expr)
                g_string_append_printf(exprs, "%s%s", exprs->len ? ", " : "", expr);
            else if (kind && strcmp(col, "id") == 0)
                g_string_append_printf(exprs, "%sm.new", exprs->len ? ", " : "");
            else
                g_string_append_printf(exprs, "%ss.\"%s\"", exprs->len ? ", " : "", col);
        }
        if (step != SQLITE_DONE)
            rc = cat_err(c, sqlite3_extended_errcode(c->db));
        sqlite3_finalize(st);
    }
    if (rc == 0 && kind)
        sql = g_strdup_printf("INSERT INTO main.%s(%s) SELECT %s FROM snap.%s s "
                              "JOIN temp.rmap m ON m.kind = '%s' AND m.old = s.id "
                              "WHERE NOT EXISTS (SELECT 1 FROM main.%s x WHERE x.id = m.new) "
                              "AND (%s)",
                              table, cols->str, exprs->str, table, kind, table, where);
    else if (rc == 0)
        sql = g_strdup_printf("INSERT OR IGNORE INTO main.%s(%s) SELECT %s FROM snap.%s s "
                              "WHERE %s", table, cols->str, exprs->str, table, where);
    if (rc == 0)
        rc = run(c, sql, p, changes);
    g_free(sql);
    g_string_free(cols, TRUE);
    g_string_free(exprs, TRUE);
    return rc;
}

/* The people still here (not removed by the owner: schema 8), and the
 * links still here (by token hash). */
static int map_people(struct af_catalog *c)
{
    int rc = run(c, "DELETE FROM temp.rmap", NULL, NULL);

    if (rc == 0)
        rc = run(c, "INSERT INTO temp.rmap SELECT 'user', s.id, m.id FROM snap.users s "
                    "JOIN main.users m ON m.email = s.email AND m.removed = 0", NULL, NULL);
    if (rc == 0)
        rc = run(c, "INSERT INTO temp.rmap SELECT 'team', s.id, m.id FROM snap.teams s "
                    "JOIN main.teams m ON m.name = s.name AND m.removed = 0", NULL, NULL);
    if (rc == 0)
        rc = run(c, "INSERT INTO temp.rmap SELECT 'link', s.id, m.id FROM snap.links s "
                    "JOIN main.links m ON m.token_hash = s.token_hash", NULL, NULL);
    return rc;
}

/* A whole album: its row, links and pools (before the photos, whose marks
 * and favourites may name its links). */
static int album_row(struct af_catalog *c, struct rparams *p)
{
    static const struct override album_of[] = {{"album_id", ":la"}};
    int rc = map_new(c, "album", "albums", "s.id = :sa", p);

    if (rc == 0)
        rc = copy_rows(c, "albums", "album", NULL, 0, "1", p, NULL);
    if (rc == 0)
        rc = query_int(c, "SELECT new FROM temp.rmap WHERE kind = 'album'", NULL, &p->la);
    if (rc == 0)
        rc = map_new(c, "link", "links", "s.album_id = :sa AND s.id NOT IN "
                                         "(SELECT old FROM temp.rmap WHERE kind = 'link')", p);
    if (rc == 0)
        rc = copy_rows(c, "links", "link", album_of, 1, "1", p, NULL);
    if (rc == 0)
        rc = map_new(c, "pool", "pools", "s.album_id = :sa", p);
    if (rc == 0)
        rc = copy_rows(c, "pools", "pool", album_of, 1, "1", p, NULL);
    return rc;
}

/* Sets: the snapshot's live sets, each mapped to the live album's live set
 * of the same name, or made again; its deleted ones (holding only trashed
 * photos) only when the album comes back whole, with its trash. A deleted
 * set here is never reused: what it would receive would be invisible. */
static int sets(struct af_catalog *c, const struct rparams *p, struct cat_restore_result *out)
{
    static const struct override album_of[] = {{"album_id", ":la"}};
    int rc = run(c, "INSERT INTO temp.rmap SELECT 'set', s.id, m.id FROM snap.sets s "
                    "JOIN main.sets m ON m.album_id = :la AND m.name = s.name "
                    "AND m.deleted = 0 "
                    "WHERE s.album_id = :sa AND (s.deleted = 0 OR :whole) "
                    "AND (:ss IS NULL OR s.id = :ss)",
                 p, NULL);

    if (rc == 0)
        rc = map_new(c, "set", "sets",
                     "s.album_id = :sa AND (s.deleted = 0 OR :whole) AND (:ss IS NULL OR s.id = :ss) "
                     "AND s.id NOT IN (SELECT old FROM temp.rmap WHERE kind = 'set')", p);
    if (rc == 0)
        rc = copy_rows(c, "sets", "set", album_of, 1, "1", p, &out->sets_created);
    return rc;
}

/* New photos whose view names were taken here get one of their own, as an
 * import would choose it. */
static int choose_view_names(struct af_catalog *c)
{
    sqlite3_stmt *st;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int rc = query_ids(c, "SELECT p.id FROM main.photos p JOIN temp.rmap m ON m.kind = 'photo' "
                          "AND m.new = p.id WHERE p.view_name IS NULL AND p.trashed = 0 "
                          "ORDER BY p.id", NULL, ids);
    for (guint i = 0; rc == 0 && i < ids->len; i++) {
        char view[AF_NAME_MAX + 1];
        struct cat_photo ph;

        rc = catalog_photo_by_id(c, g_array_index(ids, int64_t, i), &ph);
        if (rc == 0)
            rc = cat_view_name_choose(c, ph.set_id, ph.id, ph.name, ph.kind, NULL, view);
        if (rc == 0)
            rc = prepare(c, "UPDATE main.photos SET view_name = ? WHERE id = ?", NULL, &st);
        if (rc == 0) {
            sqlite3_bind_text(st, 1, view, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, ph.id);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = cat_err(c, sqlite3_extended_errcode(c->db));
            sqlite3_finalize(st);
        }
    }
    g_array_free(ids, TRUE);
    return rc;
}

/* Photos and their versions, favourites and marks. */
static int photos(struct af_catalog *c, const struct rparams *p, struct cat_restore_result *out,
                  const char **why)
{
    static const struct override photo_cols[] = {
        {"album_id", ":la"},
        {"set_id", MAP("set", "set_id")},
        {"name", "coalesce(:as, s.name)"},
        /* kept unless a live photo of the set has it as its name or view
         * name (NULL: choose_view_names picks one) */
        {"view_name", "CASE WHEN :as IS NOT NULL THEN NULL WHEN s.trashed = 0 AND EXISTS "
                      "(SELECT 1 FROM main.photos q WHERE q.set_id = " MAP("set", "set_id")
                      " AND q.trashed = 0 AND (q.name = s.view_name OR "
                      "q.view_name = s.view_name)) THEN NULL ELSE s.view_name END"},
        {"private_by", "CASE WHEN s.is_private THEN coalesce(" MAP_PERSON("private_by")
                       ", 'owner') END"},
        {"current_version", "NULL"},
    };
    static const struct override version_cols[] = {
        {"photo_id", "coalesce(" MAP("photo", "photo_id") ", " MAP("into", "photo_id") ")"},
    };
    static const struct override favourite_cols[] = {
        {"photo_id", MAP("photo", "photo_id")},
        {"user_id", MAP("user", "user_id")},
        {"link_id", MAP("link", "link_id")},
    };
    int64_t into = 0, all = 0;
    int rc = run(c, "INSERT INTO temp.rmap SELECT 'into', s.id, q.id FROM snap.photos s "
                    "JOIN main.photos q ON q.set_id = " MAP("set", "set_id") " AND q.trashed = 0 "
                    "AND q.name = coalesce(:as, s.name) WHERE " SOURCE_PHOTOS " AND s.trashed = 0",
                 p, &into);

    if (rc == 0 && into && p->as) {
        *why = "a photo of that name is already in the set; choose another name";
        return -EEXIST;
    }
    if (rc == 0)
        rc = map_new(c, "photo", "photos", SOURCE_PHOTOS " AND s.id NOT IN "
                     "(SELECT old FROM temp.rmap WHERE kind = 'into')", p);
    if (rc == 0)
        rc = copy_rows(c, "photos", "photo", photo_cols, G_N_ELEMENTS(photo_cols), "1", p,
                       &out->photos_added);
    if (rc == 0)
        rc = map_new(c, "version", "versions",
                     "s.photo_id IN (SELECT old FROM temp.rmap WHERE kind = 'photo') OR "
                     "(s.photo_id IN (SELECT old FROM temp.rmap WHERE kind = 'into') AND "
                     "NOT EXISTS (SELECT 1 FROM main.versions v WHERE v.photo_id = "
                     MAP("into", "photo_id") " AND v.blob = s.blob))", p);
    if (rc == 0)
        rc = copy_rows(c, "versions", "version", version_cols, G_N_ELEMENTS(version_cols), "1",
                       p, &out->versions_added);
    if (rc == 0)
        rc = query_int(c, "SELECT count(DISTINCT s.photo_id) FROM snap.versions s "
                          "JOIN temp.rmap m ON m.kind = 'version' AND m.old = s.id "
                          "WHERE s.photo_id IN (SELECT old FROM temp.rmap WHERE kind = 'into')",
                       NULL, &out->photos_merged);
    out->photos_unchanged = into - out->photos_merged;
    if (rc == 0)
        rc = run(c, "UPDATE main.photos AS p SET current_version = "
                    "(SELECT vm.new FROM temp.rmap pm JOIN snap.photos s ON s.id = pm.old "
                    "JOIN temp.rmap vm ON vm.kind = 'version' AND vm.old = s.current_version "
                    "WHERE pm.kind = 'photo' AND pm.new = p.id) "
                    "WHERE p.id IN (SELECT new FROM temp.rmap WHERE kind = 'photo')",
                 NULL, NULL);
    if (rc == 0)
        rc = choose_view_names(c);
    /* A photo restored under another name is a copy beside the live one:
     * people's favourites stay with the photo they picked. */
    if (rc == 0 && !p->as)
        rc = copy_rows(c, "favourites", NULL, favourite_cols, G_N_ELEMENTS(favourite_cols),
                       "s.photo_id IN (SELECT old FROM temp.rmap WHERE kind = 'photo') AND "
                       "coalesce(" MAP("user", "user_id") ", " MAP("link", "link_id") ") "
                       "IS NOT NULL", p, &out->favourites);
    if (rc == 0 && !p->as)
        rc = query_int(c, "SELECT count(*) FROM snap.favourites WHERE photo_id IN "
                          "(SELECT old FROM temp.rmap WHERE kind = 'photo')", NULL, &all);
    out->favourites_left_out = all - out->favourites;
    return rc;
}

/* Into an album that is here: its pools by name, and its grants that
 * are still the snapshot's (same id, album and kind of principal), for the
 * charges and download records of the photos restored. */
static int map_album(struct af_catalog *c, const struct rparams *p)
{
    int rc = run(c, "INSERT INTO temp.rmap SELECT 'pool', s.id, m.id FROM snap.pools s "
                    "JOIN main.pools m ON m.album_id = :la AND m.name = s.name "
                    "WHERE s.album_id = :sa", p, NULL);

    if (rc == 0)
        rc = run(c, "INSERT INTO temp.rmap SELECT 'grant', s.id, m.id FROM snap.grants s "
                    "JOIN main.grants m ON m.id = s.id AND m.album_id = :la "
                    "AND m.principal = s.principal WHERE s.album_id = :sa", p, NULL);
    return rc;
}

/* A whole album's grants and what hangs on them. */
static int album_rest(struct af_catalog *c, const struct rparams *p,
                      struct cat_restore_result *out)
{
    static const struct override grant_cols[] = {
        {"album_id", ":la"},
        {"user_id", MAP("user", "user_id")},
        {"team_id", MAP("team", "team_id")},
        {"link_id", MAP("link", "link_id")},
        {"pool_id", MAP("pool", "pool_id")},
        {"via_link_id", MAP("link", "via_link_id")},
        /* revoked since the snapshot: revoked again (never live by a restore) */
        {"revoked", "CASE WHEN s.revoked <> 0 THEN s.revoked ELSE coalesce((SELECT min(a.at) "
                    "FROM main.activity a WHERE a.kind = 'grant-revoked' AND a.grant_id = s.id "
                    "AND a.at >= s.created), 0) END"},
    };
    static const struct override download_set_cols[] = {
        {"grant_id", MAP("grant", "grant_id")},
        {"set_id", MAP("set", "set_id")},
    };
    static const struct override milestone_cols[] = {
        {"person", MAP_PERSON("person")},
        {"album_id", ":la"},
    };
    static const struct override expiry_cols[] = {{"grant_id", MAP("grant", "grant_id")}};
    int64_t all = 0;
    int rc = map_new(c, "grant", "grants",
                     "s.album_id = :sa AND CASE s.principal WHEN 1 THEN " MAP("user", "user_id")
                     " WHEN 2 THEN " MAP("team", "team_id") " ELSE " MAP("link", "link_id")
                     " END IS NOT NULL", p);

    if (rc == 0)
        rc = copy_rows(c, "grants", "grant", grant_cols, G_N_ELEMENTS(grant_cols), "1", p,
                       &out->grants);
    if (rc == 0)
        rc = query_int(c, "SELECT count(*) FROM snap.grants WHERE album_id = :sa", p, &all);
    out->grants_left_out = all - out->grants;
    if (rc == 0)
        rc = copy_rows(c, "grant_download_sets", NULL, download_set_cols,
                       G_N_ELEMENTS(download_set_cols),
                       MAP("grant", "grant_id") " IS NOT NULL AND " MAP("set", "set_id")
                       " IS NOT NULL", p, NULL);
    if (rc == 0)
        rc = copy_rows(c, "milestones", NULL, milestone_cols, G_N_ELEMENTS(milestone_cols),
                       "s.album_id = :sa AND " MAP_PERSON("person") " IS NOT NULL", p, NULL);
    if (rc == 0)
        rc = copy_rows(c, "grant_expiries", NULL, expiry_cols, G_N_ELEMENTS(expiry_cols),
                       MAP("grant", "grant_id") " IS NOT NULL", p, NULL);
    return rc;
}

/* The allowance charges and download records of the new photos, in pools
 * and of people still here (a charge whose grant is gone keeps grant 0). */
static int photo_rest(struct af_catalog *c, const struct rparams *p)
{
    static const struct override charge_cols[] = {
        {"pool_id", MAP("pool", "pool_id")},
        {"photo_id", MAP("photo", "photo_id")},
        {"grant_id", "coalesce(" MAP("grant", "grant_id") ", 0)"},
    };
    static const struct override download_cols[] = {
        {"person", MAP_PERSON("person")},
        {"photo_id", MAP("photo", "photo_id")},
        {"grant_id", "coalesce(" MAP("grant", "grant_id") ", 0)"},
    };
    int rc = copy_rows(c, "pool_charges", NULL, charge_cols, G_N_ELEMENTS(charge_cols),
                       MAP("pool", "pool_id") " IS NOT NULL AND " MAP("photo", "photo_id")
                       " IS NOT NULL", p, NULL);

    if (rc == 0)
        rc = copy_rows(c, "downloads", NULL, download_cols, G_N_ELEMENTS(download_cols),
                       MAP("photo", "photo_id") " IS NOT NULL AND " MAP_PERSON("person")
                       " IS NOT NULL", p, NULL);
    return rc;
}

int catalog_restore_rows(struct af_catalog *c, const struct cat_restore_spec *spec,
                         struct cat_restore_result *out, const char **why)
{
    struct rparams p;
    int rc;

    memset(out, 0, sizeof *out);
    *why = "";
    rc = resolve(c, spec, &p, why);
    if (rc == 0)
        rc = map_people(c);
    if (rc == 0 && p.whole) {
        rc = album_row(c, &p);
        out->album_created = true;
    } else if (rc == 0) {
        rc = map_album(c, &p);
    }
    out->album_id = p.la;
    if (rc == 0)
        rc = sets(c, &p, out);
    if (rc == 0)
        rc = photos(c, &p, out, why);
    if (rc == 0 && p.whole)
        rc = album_rest(c, &p, out);
    if (rc == 0)
        rc = photo_rest(c, &p);
    if (rc == 0 && spec->photo)
        rc = query_int(c, "SELECT new FROM temp.rmap WHERE kind IN ('photo', 'into')", NULL,
                       &out->photo_id);
    return rc;
}
