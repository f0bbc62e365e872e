/* catalog_trash.c — the trash, purging, versions, and which vault blobs
 * the library still needs.
 *
 * A photo in the trash keeps its row (photos.trashed: when it went there)
 * with its versions, marks and favourites; it leaves the catalog only when
 * purged (by the owner, or at the end of the trash's window: changes/),
 * and the rows that name it go with it by cascade. Versions are never
 * rewritten: making an old one current adds it again as the newest.
 * "Referenced" has one definition, catalog_blob_referenced: a version's
 * bytes or the watermark logo (catalog_check.c also accepts logos that
 * rendered views were made with: they may stay, they need not).
 * Threading: as the catalog connection (one thread at a time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/catalog_private.h"

static void read_trashed(sqlite3_stmt *st, void *row)
{
    struct cat_trashed *t = row;

    cat_read_photo(st, &t->photo);
    cat_col_text(st, CAT_PHOTO_N_COLS, t->album_name, sizeof t->album_name);
    cat_col_text(st, CAT_PHOTO_N_COLS + 1, t->set_name, sizeof t->set_name);
    t->set_deleted = sqlite3_column_int64(st, CAT_PHOTO_N_COLS + 2) != 0;
}

int catalog_trash(struct af_catalog *c, int64_t album_id, af_time before,
                  struct cat_trashed **rows, size_t *n)
{
    /* photos_trashed serves the range; the album is a filter on it. */
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_PHOTO_COLS ", a.name, s.name, s.deleted "
                                   CAT_PHOTO_FROM
                                   "JOIN sets s ON s.id = p.set_id "
                                   "JOIN albums a ON a.id = p.album_id "
                                   "WHERE p.trashed > 0 AND p.trashed <= ?2 "
                                   "AND (?1 = 0 OR p.album_id = ?1) "
                                   "ORDER BY p.trashed, p.id");

    if (st) {
        sqlite3_bind_int64(st, 1, album_id);
        sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
    }
    return cat_list(c, st, sizeof **rows, read_trashed, (void **)rows, n);
}

static void read_id(sqlite3_stmt *st, void *row)
{
    cat_col_text(st, 0, row, VAULT_ID_HEX);
}

int catalog_photo_purge(struct af_catalog *c, int64_t photo_id, char (**blobs)[VAULT_ID_HEX],
                        size_t *n_blobs, char (**views)[VAULT_ID_HEX], size_t *n_views)
{
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    *blobs = NULL;
    *views = NULL;
    *n_blobs = *n_views = 0;
    if (rc < 0)
        return rc;
    st = cat_stmt(c, "SELECT DISTINCT blob FROM versions WHERE photo_id = ?");
    if (st)
        sqlite3_bind_int64(st, 1, photo_id);
    rc = cat_list(c, st, VAULT_ID_HEX, read_id, (void **)blobs, n_blobs);
    if (rc == 0) {
        st = cat_stmt(c, "SELECT r.id FROM versions v JOIN renditions r ON r.version_id = v.id "
                         "WHERE v.photo_id = ?");
        if (st)
            sqlite3_bind_int64(st, 1, photo_id);
        rc = cat_list(c, st, VAULT_ID_HEX, read_id, (void **)views, n_views);
    }
    if (rc == 0) {
        st = cat_stmt(c, "DELETE FROM photos WHERE id = ?");
        if (!st) {
            rc = -EIO;
        } else {
            sqlite3_bind_int64(st, 1, photo_id);
            rc = cat_exec(c, st);
            if (rc == 0 && sqlite3_changes(c->db) == 0)
                rc = -ENOENT;
        }
    }
    rc = cat_tx_leave(c, own, rc);
    if (rc < 0) {
        free(*blobs);
        free(*views);
        *blobs = NULL;
        *views = NULL;
        *n_blobs = *n_views = 0;
    }
    return rc;
}

int catalog_blob_referenced(struct af_catalog *c, const char *blob)
{
    /* versions_blob and the settings' primary key answer it. */
    sqlite3_stmt *st = cat_stmt(c, "SELECT EXISTS (SELECT 1 FROM versions WHERE blob = ?1) "
                                   "OR EXISTS (SELECT 1 FROM settings "
                                   "WHERE key = 'watermark.logo' AND value = ?1)");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
    rc = cat_row(c, st);
    if (rc == 0) {
        rc = sqlite3_column_int(st, 0) != 0;
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

static void read_version(sqlite3_stmt *st, void *row)
{
    struct cat_version *v = row;

    v->id = sqlite3_column_int64(st, 0);
    v->number = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, v->blob, sizeof v->blob);
    v->size = (uint64_t)sqlite3_column_int64(st, 3);
    v->width = (uint32_t)sqlite3_column_int(st, 4);
    v->height = (uint32_t)sqlite3_column_int(st, 5);
    cat_col_text(st, 6, v->mime, sizeof v->mime);
    v->created = sqlite3_column_int64(st, 7);
    cat_col_text(st, 8, v->uploaded_by, sizeof v->uploaded_by);
    v->current = sqlite3_column_int(st, 9) != 0;
}

int catalog_versions(struct af_catalog *c, int64_t photo_id, struct cat_version **rows,
                     size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT v.id, row_number() OVER (ORDER BY v.id), v.blob, "
                                   "v.size, v.width, v.height, v.mime, v.created, "
                                   "v.uploaded_by, v.id = p.current_version "
                                   "FROM versions v JOIN photos p ON p.id = v.photo_id "
                                   "WHERE v.photo_id = ? ORDER BY v.id");

    if (st)
        sqlite3_bind_int64(st, 1, photo_id);
    return cat_list(c, st, sizeof **rows, read_version, (void **)rows, n);
}

int catalog_version_readd(struct af_catalog *c, int64_t photo_id, int64_t version_id,
                          const char *by, int64_t *new_id)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    st = cat_stmt(c, "INSERT INTO versions(photo_id, blob, size, width, height, orientation, "
                     "mime, created, uploaded_by) "
                     "SELECT photo_id, blob, size, width, height, orientation, mime, ?3, ?4 "
                     "FROM versions WHERE id = ?2 AND photo_id = ?1");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, photo_id);
    sqlite3_bind_int64(st, 2, version_id);
    sqlite3_bind_int64(st, 3, cat_now());
    sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = -ENOENT;
    if (rc < 0)
        goto out;
    id = cat_last_id(c);
    st = cat_stmt(c, "UPDATE photos SET current_version = ? WHERE id = ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, photo_id);
    rc = cat_exec(c, st);
out:
    rc = cat_tx_leave(c, own, rc);
    if (rc == 0 && new_id)
        *new_id = id;
    return rc;
}
