/* catalog_link_turns.c — each share link's next password turn.
 *
 * One row per link that was ever tried with a password: not_before, the
 * time (ms since the epoch) before which no attempt may check a password.
 * The back-off itself (how turns are spaced, waiting for one) is
 * store/links.c's; this file only stores the time, so that every process
 * that opens the library (daemons, albumctl) queues on the same clock.
 * Threading: as any catalog function (one thread per connection).
 */
#include <errno.h>

#include "store/catalog_private.h"

static void read_not_before(sqlite3_stmt *st, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(st, 0);
}

int catalog_link_turn_get(struct af_catalog *c, int64_t link_id, int64_t *not_before_ms)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT not_before FROM link_turns WHERE link_id = ?");
    int rc;

    if (st)
        sqlite3_bind_int64(st, 1, link_id);
    rc = cat_one(c, st, read_not_before, not_before_ms);
    if (rc == -ENOENT) {
        *not_before_ms = 0;
        rc = 0;
    }
    return rc;
}

int catalog_link_turn_set(struct af_catalog *c, int64_t link_id, int64_t not_before_ms)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO link_turns(link_id, not_before) VALUES (?, ?) "
                                   "ON CONFLICT(link_id) DO UPDATE SET not_before = excluded.not_before");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, link_id);
    sqlite3_bind_int64(st, 2, not_before_ms);
    return cat_exec(c, st);
}
