/* catalog_view_names.c — the name each photo is shown under in its
 * rendered views (photos.view_name), chosen once and kept.
 *
 * People who browse proofs (clients, invited people, guests) and everyone
 * in Web-size/ and High-res/ see a photo under its view name; the owner and
 * editors see originals under the photo's own name (docs/filesystem.md).
 * A view name is the first of policy/names.c's candidates ("X.png.jpg",
 * then "X.png (2).jpg", "X.png (3).jpg", ...) that no other live photo of
 * the set has as its name or its view name. It is chosen when the photo is
 * first added (inside the adding transaction, BEGIN IMMEDIATE, so two
 * processes never choose the same one; the unique index
 * photos_live_view_name would refuse it anyway) or, for photos older than
 * schema 5, by the migration, in the order the photos were added. New
 * versions keep it, and a later photo's view name is never one already
 * given (the photo added first keeps the plain one). It is chosen again,
 * the same way, only when the photo itself changes name or set (a rename
 * or a move: changes/photos.c), and when it comes back from the trash
 * while another live photo holds it.
 *
 * Functions here run on the caller's connection inside the caller's
 * transaction; same threading rules as the catalog handle.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/names.h"
#include "store/catalog_private.h"

/* Give up after this many candidates (a set would need half as many
 * photos all named alike). */
#define CANDIDATES_MAX 100000u

/* Whether a name is taken in a set by a live photo other than ?2: as its
 * own name or as its view name. */
static const char taken_sql[] =
    "SELECT 1 FROM photos WHERE set_id = ?1 AND name = ?3 AND trashed = 0 AND id <> ?2 "
    "UNION ALL "
    "SELECT 1 FROM photos WHERE set_id = ?1 AND view_name = ?3 AND trashed = 0 AND id <> ?2 "
    "LIMIT 1";

/* The first free candidate for photo `photo_id` (0 for one not yet
 * inserted) named `name` in set `set_id`, into out (AF_NAME_MAX + 1 bytes),
 * asking the prepared taken_sql statement `taken`. 0, -EEXIST when every
 * candidate is taken, -EIO when SQLite fails. */
static int pick(sqlite3_stmt *taken, int64_t set_id, int64_t photo_id, const char *name,
                bool is_document, char *out)
{
    int rc = -EEXIST;

    for (unsigned k = 1; k <= CANDIDATES_MAX && rc == -EEXIST; k++) {
        int step;

        names_view_candidate(name, is_document, k, out);
        sqlite3_bind_int64(taken, 1, set_id);
        sqlite3_bind_int64(taken, 2, photo_id);
        sqlite3_bind_text(taken, 3, out, -1, SQLITE_STATIC);
        step = sqlite3_step(taken);
        if (step == SQLITE_DONE)
            rc = 0;
        else if (step != SQLITE_ROW)
            rc = -EIO;
        sqlite3_reset(taken);
        sqlite3_clear_bindings(taken);
    }
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

int cat_view_name_choose(struct af_catalog *c, int64_t set_id, int64_t photo_id,
                         const char *name, enum media_kind kind, const char *keep, char *out)
{
    sqlite3_stmt *taken = cat_stmt(c, taken_sql);
    int rc;

    out[0] = '\0';
    if (!taken)
        return -EIO;
    if (keep && keep[0]) {
        sqlite3_bind_int64(taken, 1, set_id);
        sqlite3_bind_int64(taken, 2, photo_id);
        sqlite3_bind_text(taken, 3, keep, -1, SQLITE_STATIC);
        rc = sqlite3_step(taken);
        sqlite3_reset(taken);
        sqlite3_clear_bindings(taken);
        if (rc == SQLITE_DONE) {
            snprintf(out, AF_NAME_MAX + 1, "%s", keep);
            return 0;
        }
        if (rc != SQLITE_ROW)
            return cat_err(c, sqlite3_extended_errcode(c->db));
    }
    rc = pick(taken, set_id, photo_id, name, kind == MEDIA_DOCUMENT, out);
    if (rc == -EIO)
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
    else if (rc == -EEXIST)
        snprintf(c->errmsg, sizeof c->errmsg, "too many photos named like '%s' in this set",
                 name);
    return rc;
}

int cat_view_names_backfill(sqlite3 *db)
{
    sqlite3_stmt *next = NULL, *taken = NULL, *set = NULL;
    char view[AF_NAME_MAX + 1];
    int64_t last = 0;
    int rc = -EIO;

    if (sqlite3_prepare_v2(db, "SELECT id, set_id, name, kind FROM photos WHERE id > ? "
                               "ORDER BY id LIMIT 1", -1, &next, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, taken_sql, -1, &taken, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE photos SET view_name = ? WHERE id = ?", -1, &set,
                           NULL) != SQLITE_OK)
        goto out;
    /* One photo at a time, oldest first: each sees the names given to
     * the ones before it, as if they had been added in that order. */
    for (;;) {
        const unsigned char *name;
        int64_t id, set_id;
        bool is_document;
        int step;

        sqlite3_bind_int64(next, 1, last);
        step = sqlite3_step(next);
        if (step == SQLITE_DONE) {
            rc = 0;
            break;
        }
        if (step != SQLITE_ROW)
            break;
        id = sqlite3_column_int64(next, 0);
        set_id = sqlite3_column_int64(next, 1);
        name = sqlite3_column_text(next, 2);
        is_document = sqlite3_column_int(next, 3) == MEDIA_DOCUMENT;
        rc = pick(taken, set_id, id, name ? (const char *)name : "", is_document, view);
        sqlite3_reset(next);
        if (rc < 0)
            break;
        rc = -EIO;
        sqlite3_bind_text(set, 1, view, -1, SQLITE_STATIC);
        sqlite3_bind_int64(set, 2, id);
        if (sqlite3_step(set) != SQLITE_DONE)
            break;
        sqlite3_reset(set);
        last = id;
    }
out:
    sqlite3_finalize(set);
    sqlite3_finalize(taken);
    sqlite3_finalize(next);
    return rc;
}
