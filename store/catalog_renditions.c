/* catalog_renditions.c — the record of rendered views.
 *
 * One row per rendition ever made: its size and dimensions (so listings
 * know exact sizes without rendering), when it was last used (made, or
 * read through a mount: the daemon batches reads, fs/cache_use.c) for
 * trimming the cache least recently used first, and whether its bytes are
 * still in the cache vault. Rows outlive trimmed bytes: a trimmed view is made again
 * on demand, byte for byte the same.
 */
#include <errno.h>

#include "store/catalog_private.h"

#define REND_COLS "id, version_id, size, width, height, last_used, cached"

static void read_rendition(sqlite3_stmt *st, void *row)
{
    struct cat_rendition *r = row;

    cat_col_text(st, 0, r->id, sizeof r->id);
    r->version_id = sqlite3_column_int64(st, 1);
    r->size = (uint64_t)sqlite3_column_int64(st, 2);
    r->width = (uint32_t)sqlite3_column_int(st, 3);
    r->height = (uint32_t)sqlite3_column_int(st, 4);
    r->last_used = sqlite3_column_int64(st, 5);
    r->cached = sqlite3_column_int(st, 6) != 0;
}

int catalog_rendition_find(struct af_catalog *c, const char *id, struct cat_rendition *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " REND_COLS " FROM renditions WHERE id = ?");

    if (st)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return cat_one(c, st, read_rendition, out);
}

int catalog_rendition_put(struct af_catalog *c, const struct cat_rendition *r, const char *spec)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO renditions(id, version_id, spec, size, width, "
                                   "height, created, last_used, cached) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) "
                                   "ON CONFLICT(id) DO UPDATE SET size = excluded.size, "
                                   "width = excluded.width, height = excluded.height, "
                                   "last_used = excluded.last_used, cached = excluded.cached");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->version_id);
    sqlite3_bind_text(st, 3, spec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)r->size);
    sqlite3_bind_int(st, 5, (int)r->width);
    sqlite3_bind_int(st, 6, (int)r->height);
    sqlite3_bind_int64(st, 7, cat_now());
    sqlite3_bind_int(st, 8, r->cached);
    return cat_exec(c, st);
}

int catalog_renditions_touch(struct af_catalog *c, const struct cat_rendition_use *uses,
                             size_t n)
{
    bool own;
    int rc = cat_tx_enter(c, &own);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = cat_stmt(c, "UPDATE renditions SET last_used = ?1 "
                                       "WHERE id = ?2 AND last_used < ?1");
        if (!st) {
            rc = -EIO;
            break;
        }
        sqlite3_bind_int64(st, 1, uses[i].at);
        sqlite3_bind_text(st, 2, uses[i].id, -1, SQLITE_STATIC);
        rc = cat_exec(c, st);
    }
    return cat_tx_leave(c, own, rc);
}

int catalog_rendition_set_cached(struct af_catalog *c, const char *id, bool cached)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE renditions SET cached = ? WHERE id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int(st, 1, cached);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return cat_exec(c, st);
}

int catalog_rendition_cached_bytes(struct af_catalog *c, uint64_t *bytes)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT bytes FROM cache_total"); /* kept by triggers */
    int rc = cat_row(c, st);

    if (rc == 0) {
        *bytes = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

int catalog_rendition_oldest(struct af_catalog *c, size_t limit, struct cat_rendition **rows,
                             size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " REND_COLS " FROM renditions WHERE cached = 1 "
                                   "ORDER BY last_used, id LIMIT ?");
    if (st)
        sqlite3_bind_int64(st, 1, (int64_t)limit);
    return cat_list(c, st, sizeof **rows, read_rendition, (void **)rows, n);
}
