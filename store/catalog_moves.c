/* catalog_moves.c — renaming albums and sets, deleting and undeleting
 * sets, and putting a photo under another name or into another set.
 *
 * Rows only: who may, and the activity, are changes/'s (it calls these
 * inside its own transaction; each also makes itself atomic when called
 * alone). Names are unique among live things only: a set's among the live
 * sets of its album (sets_live_name), a photo's own and view names among
 * the live photos of its set (photos_live_name, photos_live_view_name), so
 * each change is refused with -EEXIST by the index if not before.
 * A photo moved to another album leaves its pool charges behind (a pool
 * counts photos of its own album).
 * A deleted set keeps its row (sets.deleted: when) for the photos of it in
 * the trash; a grant's download sets keep naming it, so no cascade ever
 * widens a grant to "every set".
 * Threading: as the catalog connection (one thread at a time).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/catalog_private.h"

/* Run a bound UPDATE; -ENOENT when it changed no row. */
static int update_one(struct af_catalog *c, sqlite3_stmt *st)
{
    int rc = cat_exec(c, st);

    if (rc == 0 && sqlite3_changes(c->db) == 0)
        rc = -ENOENT;
    return rc;
}

int catalog_album_rename(struct af_catalog *c, int64_t album_id, const char *name)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE albums SET name = ?, mtime = ? WHERE id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cat_now());
    sqlite3_bind_int64(st, 3, album_id);
    return update_one(c, st);
}

int catalog_set_rename(struct af_catalog *c, int64_t set_id, const char *name)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE sets SET name = ?, mtime = ? "
                                   "WHERE id = ? AND deleted = 0");

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cat_now());
    sqlite3_bind_int64(st, 3, set_id);
    return update_one(c, st);
}

/* 0 with *n the number of rows `st` (bound to one id) counts. */
static int count(struct af_catalog *c, sqlite3_stmt *st, int64_t id, int64_t *n)
{
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, id);
    rc = cat_row(c, st);
    if (rc == 0) {
        *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

int catalog_set_delete(struct af_catalog *c, int64_t set_id, af_time when)
{
    struct cat_set set;
    sqlite3_stmt *st;
    int64_t n = 0;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    rc = catalog_set_by_id(c, set_id, &set);
    if (rc == 0)
        rc = count(c, cat_stmt(c, "SELECT count(*) FROM photos WHERE set_id = ? AND trashed = 0"),
                   set_id, &n);
    if (rc == 0 && n > 0) {
        snprintf(c->errmsg, sizeof c->errmsg, "the set still holds %lld photos", (long long)n);
        rc = -ENOTEMPTY;
    }
    if (rc == 0 && set.visibility == AF_VIS_PUBLIC) {
        rc = count(c, cat_stmt(c, "SELECT count(*) FROM sets s JOIN sets o "
                                  "ON o.album_id = s.album_id AND o.id <> s.id "
                                  "WHERE s.id = ? AND o.visibility = 0 AND o.deleted = 0"),
                   set_id, &n);
        if (rc == 0 && n == 0) {
            snprintf(c->errmsg, sizeof c->errmsg, "an album keeps at least one public set");
            rc = -EPERM;
        }
    }
    if (rc == 0) {
        st = cat_stmt(c, "UPDATE sets SET deleted = ?, mtime = ? WHERE id = ?");
        if (!st) {
            rc = -EIO;
        } else {
            sqlite3_bind_int64(st, 1, when > 0 ? when : 1);
            sqlite3_bind_int64(st, 2, cat_now());
            sqlite3_bind_int64(st, 3, set_id);
            rc = update_one(c, st);
        }
    }
    return cat_tx_leave(c, own, rc);
}

int catalog_set_undelete(struct af_catalog *c, int64_t set_id)
{
    struct cat_set set;
    sqlite3_stmt *st;
    int rc = catalog_set_by_id_any(c, set_id, &set);

    if (rc < 0 || set.deleted == 0)
        return rc;
    st = cat_stmt(c, "UPDATE sets SET deleted = 0, mtime = ? WHERE id = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, cat_now());
    sqlite3_bind_int64(st, 2, set_id);
    rc = update_one(c, st);
    if (rc == -EEXIST)
        snprintf(c->errmsg, sizeof c->errmsg, "a set named '%.200s' exists now", set.name);
    return rc;
}

/* Set a live photo's set, album, name and view name in one UPDATE (one
 * from the trash comes out of it). */
static int photo_put(struct af_catalog *c, int64_t photo_id, const struct cat_set *set,
                     const char *name, const char *view_name)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE photos SET set_id = ?, album_id = ?, name = ?, "
                                   "view_name = ?, trashed = 0 WHERE id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, set->id);
    sqlite3_bind_int64(st, 2, set->album_id);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, view_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, photo_id);
    return update_one(c, st);
}

/* Whether a live photo other than photo_id has `name` in set set_id:
 * -EEXIST (errmsg says so), 0, or errno. */
static int name_free(struct af_catalog *c, int64_t set_id, int64_t photo_id, const char *name)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT 1 FROM photos WHERE set_id = ? AND name = ? "
                                   "AND trashed = 0 AND id <> ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, photo_id);
    rc = cat_row(c, st);
    if (rc == 0) {
        sqlite3_reset(st);
        snprintf(c->errmsg, sizeof c->errmsg, "a photo named '%.200s' is in the set", name);
        rc = -EEXIST;
    } else if (rc == -ENOENT) {
        rc = 0;
    }
    sqlite3_clear_bindings(st);
    return rc;
}

/* A pool is charged for photos of its own album: one moved to another
 * album is charged no more (the download stays in the activity log). */
static int drop_charges(struct af_catalog *c, int64_t photo_id)
{
    sqlite3_stmt *st = cat_stmt(c, "DELETE FROM pool_charges WHERE photo_id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, photo_id);
    return cat_exec(c, st);
}

/* Put photo p (as read now) into live set set_id under name, live: the
 * name must be free there; the view name is kept if the photo keeps its
 * set and name and no other live photo took it, else chosen again. */
static int place(struct af_catalog *c, const struct cat_photo *p, int64_t set_id,
                 const char *name)
{
    char view_name[AF_NAME_MAX + 1];
    struct cat_set set;
    bool same = set_id == p->set_id && strcmp(name, p->name) == 0;
    int rc = catalog_set_by_id(c, set_id, &set);

    if (rc == 0)
        rc = name_free(c, set_id, p->id, name);
    if (rc == 0)
        rc = cat_view_name_choose(c, set_id, p->id, name, p->kind, same ? p->view_name : NULL,
                                  view_name);
    if (rc == 0)
        rc = photo_put(c, p->id, &set, name, view_name);
    if (rc == 0 && set.album_id != p->album_id)
        rc = drop_charges(c, p->id);
    return rc;
}

/* Load photo_id, which must be in the trash (from_trash) or not, and place
 * it into set_id under name (0 / NULL: its own). */
static int load_and_place(struct af_catalog *c, int64_t photo_id, bool from_trash,
                          int64_t set_id, const char *name)
{
    struct cat_photo p;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    rc = catalog_photo_by_id(c, photo_id, &p);
    if (rc == 0 && (p.trashed != 0) != from_trash)
        rc = -ENOENT;
    if (rc == 0)
        rc = place(c, &p, set_id ? set_id : p.set_id, name ? name : p.name);
    return cat_tx_leave(c, own, rc);
}

int catalog_photo_place(struct af_catalog *c, int64_t photo_id, int64_t set_id,
                        const char *name)
{
    return load_and_place(c, photo_id, false, set_id, name);
}

int catalog_photo_trash(struct af_catalog *c, int64_t photo_id, af_time when)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE photos SET trashed = ? WHERE id = ? AND trashed = 0");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, when > 0 ? when : 1);
    sqlite3_bind_int64(st, 2, photo_id);
    return update_one(c, st);
}

int catalog_photo_untrash(struct af_catalog *c, int64_t photo_id)
{
    return load_and_place(c, photo_id, true, 0, NULL);
}
