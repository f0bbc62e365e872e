/* catalog_status.c — the library at a glance, counted in the catalog
 * ('albumctl status'): albums, people, grants, links and the outbox.
 * One read transaction, so the counts agree with each other.
 * Threading and errors as every catalog file (catalog.h).
 */
#include <errno.h>
#include <string.h>

#include "store/catalog_private.h"

/* Each count, one row of one column; ?1 = now, ?2 = now + soon. */
static const char *const counts_sql =
    "SELECT"
    " (SELECT count(*) FROM albums),"
    " (SELECT count(*) FROM albums WHERE archived <> 0),"
    " (SELECT count(*) FROM photos WHERE trashed = 0),"
    " (SELECT count(*) FROM users WHERE removed = 0),"
    " (SELECT count(*) FROM teams WHERE removed = 0),"
    " (SELECT count(*) FROM grants WHERE revoked = 0 AND (expires = 0 OR expires > ?1)),"
    " (SELECT count(*) FROM grants WHERE revoked = 0 AND expires > ?1 AND expires <= ?2),"
    /* links people were sent: a client door is part of its link */
    " (SELECT count(*) FROM links WHERE id NOT IN (SELECT client_link_id FROM link_doors)),"
    " (SELECT count(*) FROM links l WHERE EXISTS (SELECT 1 FROM grants g WHERE g.link_id = l.id"
    "   AND g.revoked = 0 AND (g.expires = 0 OR g.expires > ?1))"
    "   AND l.id NOT IN (SELECT client_link_id FROM link_doors)),"
    " (SELECT count(*) FROM outbox WHERE delivered = 0 AND attempts = 0),"
    " (SELECT count(*) FROM outbox WHERE delivered = 0 AND attempts > 0)";

int catalog_status(struct af_catalog *c, af_time now, af_time soon, struct cat_status *out)
{
    sqlite3_stmt *st = cat_stmt(c, counts_sql);
    int64_t *fields[] = {&out->albums,         &out->albums_archived, &out->photos,
                         &out->users,          &out->teams,           &out->grants_live,
                         &out->grants_expiring, &out->links,          &out->links_live,
                         &out->outbox_pending, &out->outbox_failed};
    int rc;

    memset(out, 0, sizeof *out);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, now + soon);
    rc = cat_row(c, st);
    if (rc < 0)
        return rc == -ENOENT ? -EIO : rc;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i] = sqlite3_column_int64(st, (int)i);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return 0;
}
