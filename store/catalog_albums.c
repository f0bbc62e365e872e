/* catalog_albums.c — albums, sets, photos and their versions.
 *
 * An album always keeps at least one public set (it is created with one,
 * named "Photos", and the last public set cannot be made non-public).
 * A photo's bytes live in immutable versions; adding a photo under a name
 * that already exists in the set adds a version and makes it current.
 * Trashed photos keep their rows; the live name is unique per set, and so
 * is the live view name (catalog_view_names.c). An archived album keeps
 * everything; only `archived` says so (catalog_grants.c hides it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/catalog_private.h"

#define ALBUM_COLS "id, name, clients_may_mark_private, created, mtime, archived"
#define PHOTO_FROM_JOIN "JOIN versions v ON v.id = p.current_version "

static void read_album(sqlite3_stmt *st, void *row)
{
    struct cat_album *a = row;

    a->id = sqlite3_column_int64(st, 0);
    cat_col_text(st, 1, a->name, sizeof a->name);
    a->clients_may_mark_private = sqlite3_column_int(st, 2) != 0;
    a->created = sqlite3_column_int64(st, 3);
    a->mtime = sqlite3_column_int64(st, 4);
    a->archived = sqlite3_column_int64(st, 5);
}

void cat_read_set(sqlite3_stmt *st, void *row)
{
    struct cat_set *s = row;

    s->id = sqlite3_column_int64(st, 0);
    s->album_id = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, s->name, sizeof s->name);
    s->visibility = (enum af_visibility)sqlite3_column_int(st, 3);
    s->created = sqlite3_column_int64(st, 4);
    s->mtime = sqlite3_column_int64(st, 5);
    s->deleted = sqlite3_column_int64(st, 6);
}

void cat_read_photo(sqlite3_stmt *st, void *row)
{
    struct cat_photo *p = row;

    p->id = sqlite3_column_int64(st, 0);
    p->album_id = sqlite3_column_int64(st, 1);
    p->set_id = sqlite3_column_int64(st, 2);
    cat_col_text(st, 3, p->name, sizeof p->name);
    p->kind = (enum media_kind)sqlite3_column_int(st, 4);
    p->is_private = sqlite3_column_int(st, 5) != 0;
    p->trashed = sqlite3_column_int64(st, 6);
    p->created = sqlite3_column_int64(st, 7);
    p->version_id = sqlite3_column_int64(st, 8);
    cat_col_text(st, 9, p->blob, sizeof p->blob);
    p->size = (uint64_t)sqlite3_column_int64(st, 10);
    p->width = (uint32_t)sqlite3_column_int(st, 11);
    p->height = (uint32_t)sqlite3_column_int(st, 12);
    p->orientation = (uint32_t)sqlite3_column_int(st, 13);
    cat_col_text(st, 14, p->mime, sizeof p->mime);
    p->mtime = sqlite3_column_int64(st, 15);
    cat_col_text(st, 16, p->view_name, sizeof p->view_name);
    cat_col_text(st, 17, p->private_by, sizeof p->private_by);
}

/* ---- albums ---- */

int catalog_album_create(struct af_catalog *c, const char *name, int64_t *id)
{
    sqlite3_stmt *st;
    bool own;
    int64_t now = cat_now(), album = 0;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    st = cat_stmt(c, "INSERT INTO albums(name, created, mtime) VALUES (?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, now);
    rc = cat_exec(c, st);
    if (rc < 0)
        goto out;
    album = cat_last_id(c);
    rc = catalog_set_create(c, album, "Photos", AF_VIS_PUBLIC, NULL);
out:
    rc = cat_tx_leave(c, own, rc);
    if (rc == 0 && id)
        *id = album;
    return rc;
}

int catalog_album_by_name(struct af_catalog *c, const char *name, struct cat_album *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " ALBUM_COLS " FROM albums WHERE name = ?");

    if (st)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return cat_one(c, st, read_album, out);
}

int catalog_album_by_id(struct af_catalog *c, int64_t id, struct cat_album *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " ALBUM_COLS " FROM albums WHERE id = ?");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, read_album, out);
}

int catalog_albums(struct af_catalog *c, struct cat_album **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " ALBUM_COLS " FROM albums ORDER BY name");

    return cat_list(c, st, sizeof **rows, read_album, (void **)rows, n);
}

int catalog_album_set_private_marks(struct af_catalog *c, int64_t album_id, bool allowed)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE albums SET clients_may_mark_private = ?, mtime = ? "
                                   "WHERE id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int(st, 1, allowed);
    sqlite3_bind_int64(st, 2, cat_now());
    sqlite3_bind_int64(st, 3, album_id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = -ENOENT;
    return rc;
}

int catalog_album_set_archived(struct af_catalog *c, int64_t album_id, af_time when)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE albums SET archived = ? WHERE id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, when);
    sqlite3_bind_int64(st, 2, album_id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = -ENOENT;
    return rc;
}

/* ---- sets ---- */

int catalog_set_create(struct af_catalog *c, int64_t album_id, const char *name,
                       enum af_visibility vis, int64_t *id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO sets(album_id, name, visibility, created, mtime) "
                                   "VALUES (?, ?, ?, ?, ?)");
    int64_t now = cat_now();
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, album_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)vis);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now);
    rc = cat_exec(c, st);
    if (rc == 0 && id)
        *id = cat_last_id(c);
    return rc;
}

int catalog_set_by_name(struct af_catalog *c, int64_t album_id, const char *name,
                        struct cat_set *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_SET_COLS " FROM sets WHERE album_id = ? AND name = ? "
                                   "AND deleted = 0");

    if (st) {
        sqlite3_bind_int64(st, 1, album_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    }
    return cat_one(c, st, cat_read_set, out);
}

int catalog_set_by_id(struct af_catalog *c, int64_t id, struct cat_set *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_SET_COLS " FROM sets WHERE id = ? AND deleted = 0");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, cat_read_set, out);
}

int catalog_set_by_id_any(struct af_catalog *c, int64_t id, struct cat_set *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_SET_COLS " FROM sets WHERE id = ?");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, cat_read_set, out);
}

int catalog_sets(struct af_catalog *c, int64_t album_id, struct cat_set **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_SET_COLS " FROM sets WHERE album_id = ? AND deleted = 0 "
                                   "ORDER BY name");

    if (st)
        sqlite3_bind_int64(st, 1, album_id);
    return cat_list(c, st, sizeof **rows, cat_read_set, (void **)rows, n);
}

int catalog_set_visibility(struct af_catalog *c, int64_t set_id, enum af_visibility vis)
{
    struct cat_set set;
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    rc = catalog_set_by_id(c, set_id, &set);
    if (rc < 0)
        goto out;
    if (vis != AF_VIS_PUBLIC && set.visibility == AF_VIS_PUBLIC) {
        st = cat_stmt(c, "SELECT count(*) FROM sets WHERE album_id = ? AND visibility = 0 "
                         "AND deleted = 0 AND id <> ?");
        if (!st) {
            rc = -EIO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, set.album_id);
        sqlite3_bind_int64(st, 2, set_id);
        rc = cat_row(c, st);
        if (rc == 0) {
            int others = sqlite3_column_int(st, 0);

            sqlite3_reset(st);
            if (others == 0) {
                snprintf(c->errmsg, sizeof c->errmsg, "an album keeps at least one public set");
                rc = -EPERM;
            }
        }
        sqlite3_clear_bindings(st);
        if (rc < 0)
            goto out;
    }
    st = cat_stmt(c, "UPDATE sets SET visibility = ?, mtime = ? WHERE id = ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int(st, 1, (int)vis);
    sqlite3_bind_int64(st, 2, cat_now());
    sqlite3_bind_int64(st, 3, set_id);
    rc = cat_exec(c, st);
out:
    return cat_tx_leave(c, own, rc);
}

/* ---- photos ---- */

/* 0 with *version_id when photo's current version is stored at blob;
 * -ENOENT when it is not. */
static int current_version_is(struct af_catalog *c, int64_t photo_id, const char *blob,
                              int64_t *version_id)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT v.id FROM photos p JOIN versions v "
                                   "ON v.id = p.current_version WHERE p.id = ? AND v.blob = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, photo_id);
    sqlite3_bind_text(st, 2, blob, -1, SQLITE_STATIC);
    rc = cat_row(c, st);
    if (rc == 0) {
        *version_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

int catalog_photo_add_version(struct af_catalog *c, int64_t set_id, const char *name,
                              const char *blob, uint64_t size, const struct media_info *media,
                              int64_t *photo_id, int64_t *version_id)
{
    return catalog_photo_add_version_by(c, set_id, name, blob, size, media, "owner", photo_id,
                                        version_id);
}

int catalog_photo_add_version_by(struct af_catalog *c, int64_t set_id, const char *name,
                                 const char *blob, uint64_t size,
                                 const struct media_info *media, const char *by,
                                 int64_t *photo_id, int64_t *version_id)
{
    struct cat_set set;
    sqlite3_stmt *st;
    char view_name[AF_NAME_MAX + 1];
    int64_t now = cat_now(), pid = 0, vid = 0;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    rc = catalog_set_by_id(c, set_id, &set);
    if (rc < 0)
        goto out;
    st = cat_stmt(c, "SELECT id FROM photos WHERE set_id = ? AND name = ? AND trashed = 0");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = cat_row(c, st);
    if (rc == 0) {
        pid = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    if (rc == 0 && (rc = current_version_is(c, pid, blob, &vid)) == 0)
        rc = -EEXIST; /* the same bytes again: no new version */
    else if (rc == -ENOENT && pid)
        rc = 0;
    if (rc == -ENOENT &&
        (rc = cat_view_name_choose(c, set_id, 0, name, media->kind, NULL, view_name)) == 0) {
        st = cat_stmt(c, "INSERT INTO photos(album_id, set_id, name, kind, created, view_name) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
        if (!st) {
            rc = -EIO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, set.album_id);
        sqlite3_bind_int64(st, 2, set_id);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, (int)media->kind);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, view_name, -1, SQLITE_STATIC);
        rc = cat_exec(c, st);
        pid = cat_last_id(c);
    }
    if (rc < 0)
        goto out;
    st = cat_stmt(c, "INSERT INTO versions(photo_id, blob, size, width, height, orientation, "
                     "mime, created, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, pid);
    sqlite3_bind_text(st, 2, blob, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)size);
    sqlite3_bind_int(st, 4, (int)media->width);
    sqlite3_bind_int(st, 5, (int)media->height);
    sqlite3_bind_int(st, 6, (int)(media->orientation ? media->orientation : 1));
    sqlite3_bind_text(st, 7, media->mime, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_text(st, 9, by, -1, SQLITE_STATIC);
    rc = cat_exec(c, st);
    if (rc < 0)
        goto out;
    vid = cat_last_id(c);
    st = cat_stmt(c, "UPDATE photos SET current_version = ?, kind = ? WHERE id = ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, vid);
    sqlite3_bind_int(st, 2, (int)media->kind);
    sqlite3_bind_int64(st, 3, pid);
    rc = cat_exec(c, st);
out:
    rc = cat_tx_leave(c, own, rc);
    if (rc == 0 || rc == -EEXIST) {
        if (photo_id)
            *photo_id = pid;
        if (version_id)
            *version_id = vid;
    }
    return rc;
}

/* Found or not, the same work: the name's index entry is sought, the
 * newest photo's id read, and one photo row with its version read in full
 * (the photo named, or else that newest one, as a stand-in), with a last
 * column saying which it was. */
#define PHOTO_BY_FILE_NAME(column)                                                      \
    "SELECT " CAT_PHOTO_COLS ", h.hit IS NOT NULL FROM "                                     \
    "(SELECT (SELECT id FROM photos WHERE set_id = ?1 AND " column " = ?2 "              \
    "AND trashed = 0) AS hit, (SELECT max(id) FROM photos) AS last) h "                  \
    "JOIN photos p ON p.id = coalesce(h.hit, h.last) " PHOTO_FROM_JOIN

struct found_photo {
    struct cat_photo *p;
    bool found;
};

static void read_found_photo(sqlite3_stmt *st, void *row)
{
    struct found_photo *f = row;

    cat_read_photo(st, f->p);
    f->found = sqlite3_column_int(st, CAT_PHOTO_N_COLS) != 0;
}

int catalog_photo_by_file_name(struct af_catalog *c, int64_t set_id, const char *name,
                               enum cat_name_kind kind, struct cat_photo *out)
{
    sqlite3_stmt *st = cat_stmt(c, kind == CAT_NAME_VIEW ? PHOTO_BY_FILE_NAME("view_name")
                                                         : PHOTO_BY_FILE_NAME("name"));
    struct found_photo f = {out, false};
    int rc;

    if (st) {
        sqlite3_bind_int64(st, 1, set_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    }
    rc = cat_one(c, st, read_found_photo, &f);
    if (rc == 0 && !f.found)
        rc = -ENOENT;
    if (rc == -ENOENT)
        memset(out, 0, sizeof *out); /* the stand-in's values go no further */
    return rc;
}

int catalog_photo_by_id(struct af_catalog *c, int64_t id, struct cat_photo *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_PHOTO_COLS " " CAT_PHOTO_FROM "WHERE p.id = ?");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, cat_read_photo, out);
}

int catalog_photos(struct af_catalog *c, int64_t set_id, struct cat_photo **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_PHOTO_COLS " " CAT_PHOTO_FROM
                                   "WHERE p.set_id = ? AND p.trashed = 0 ORDER BY p.name");
    if (st)
        sqlite3_bind_int64(st, 1, set_id);
    return cat_list(c, st, sizeof **rows, cat_read_photo, (void **)rows, n);
}

int catalog_photo_set_private(struct af_catalog *c, int64_t photo_id, bool is_private,
                              const char *by)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE photos SET is_private = ?, private_by = ? WHERE id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int(st, 1, is_private);
    if (is_private)
        sqlite3_bind_text(st, 2, by ? by : "owner", -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, photo_id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = -ENOENT;
    return rc;
}

int catalog_photo_count(struct af_catalog *c, int64_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT count(*) FROM photos WHERE trashed = 0");
    int rc = cat_row(c, st);

    if (rc == 0) {
        *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

int catalog_private_photos(struct af_catalog *c, int64_t album_id, struct cat_photo **rows,
                           size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " CAT_PHOTO_COLS " " CAT_PHOTO_FROM
                                   "JOIN sets s ON s.id = p.set_id "
                                   "WHERE p.album_id = ? AND p.is_private = 1 AND p.trashed = 0 "
                                   "ORDER BY s.name, p.name");
    if (st)
        sqlite3_bind_int64(st, 1, album_id);
    return cat_list(c, st, sizeof **rows, cat_read_photo, (void **)rows, n);
}

static void read_blob(sqlite3_stmt *st, void *row)
{
    struct cat_blob *b = row;

    cat_col_text(st, 0, b->id, sizeof b->id);
    b->version_id = sqlite3_column_int64(st, 1);
    b->photo_id = sqlite3_column_int64(st, 2);
    b->versions = sqlite3_column_int64(st, 3);
}

int catalog_version_blobs(struct af_catalog *c, struct cat_blob **rows, size_t *n)
{
    /* With min(), SQLite takes the bare columns from the row holding the minimum. */
    sqlite3_stmt *st = cat_stmt(c, "SELECT blob, min(id), photo_id, count(*) FROM versions "
                                   "GROUP BY blob ORDER BY blob");

    return cat_list(c, st, sizeof **rows, read_blob, (void **)rows, n);
}
