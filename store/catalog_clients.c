/* catalog_clients.c — what clients do: favourites, allowance charges,
 * milestones, downloads recorded, private marks.
 *
 * A charge is one row per (pool, photo): the primary key makes taking the
 * same photo again free, and checking the limit and inserting happen in one
 * BEGIN IMMEDIATE transaction, so concurrent takers of the last unit are
 * serialised by SQLite and exactly one wins. Nothing here lets a client
 * remove a charge; only catalog_pool_reset (the owner, through albumctl)
 * does. A download is recorded once per (person, photo, view): the row in
 * `downloads` and its "download" event are written in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/catalog_private.h"

void catalog_person_key(const struct cat_person *p, char *buf, size_t len)
{
    if (p->user_id > 0)
        snprintf(buf, len, "user:%lld", (long long)p->user_id);
    else
        snprintf(buf, len, "link:%lld", (long long)p->link_id);
}

static void bind_person(sqlite3_stmt *st, int user_col, int link_col, const struct cat_person *p)
{
    if (p->user_id > 0)
        sqlite3_bind_int64(st, user_col, p->user_id);
    else
        sqlite3_bind_null(st, user_col);
    if (p->user_id <= 0 && p->link_id > 0)
        sqlite3_bind_int64(st, link_col, p->link_id);
    else
        sqlite3_bind_null(st, link_col);
}

int catalog_favourite_set(struct af_catalog *c, const struct cat_person *who, int64_t photo_id,
                          bool on)
{
    sqlite3_stmt *st;
    int rc;

    if (on)
        st = cat_stmt(c, "INSERT OR IGNORE INTO favourites(photo_id, user_id, link_id, created) "
                         "VALUES (?1, ?2, ?3, ?4)");
    else
        st = cat_stmt(c, "DELETE FROM favourites WHERE photo_id = ?1 AND "
                         "user_id IS ?2 AND link_id IS ?3");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, photo_id);
    bind_person(st, 2, 3, who);
    if (on)
        sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_exec(c, st);
    return rc < 0 ? rc : sqlite3_changes(c->db) > 0;
}

int catalog_is_favourite(struct af_catalog *c, const struct cat_person *who, int64_t photo_id)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT 1 FROM favourites WHERE photo_id = ?1 AND "
                                   "user_id IS ?2 AND link_id IS ?3");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, photo_id);
    bind_person(st, 2, 3, who);
    rc = cat_row(c, st);
    if (rc == 0)
        sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

static void read_favourite(sqlite3_stmt *st, void *row)
{
    struct cat_favourite *f = row;

    f->photo_id = sqlite3_column_int64(st, 0);
    f->set_id = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, f->photo_name, sizeof f->photo_name);
    cat_col_text(st, 3, f->set_name, sizeof f->set_name);
    f->person.user_id = sqlite3_column_int64(st, 4);
    f->person.link_id = sqlite3_column_int64(st, 5);
    cat_col_text(st, 6, f->person_name, sizeof f->person_name);
    f->created = sqlite3_column_int64(st, 7);
}

/* An album's favourites; the person's own are found from the person's
 * rows (favourites_user, favourites_link), never by walking the album. */
#define FAVOURITES_SELECT                                                                    \
    "SELECT p.id, s.id, p.name, s.name, coalesce(f.user_id, 0), coalesce(f.link_id, 0), "     \
    "coalesce(u.email, 'link:' || f.link_id), f.created FROM favourites f "                  \
    "JOIN photos p ON p.id = f.photo_id JOIN sets s ON s.id = p.set_id "                     \
    "LEFT JOIN users u ON u.id = f.user_id WHERE p.album_id = ?1 AND p.trashed = 0"
#define FAVOURITES_ORDER " ORDER BY 7, s.name, p.name"

int catalog_favourites(struct af_catalog *c, int64_t album_id, const struct cat_person *who,
                       struct cat_favourite **rows, size_t *n)
{
    sqlite3_stmt *st;

    if (!who)
        st = cat_stmt(c, FAVOURITES_SELECT FAVOURITES_ORDER);
    else if (who->user_id > 0)
        st = cat_stmt(c, FAVOURITES_SELECT " AND f.user_id = ?2" FAVOURITES_ORDER);
    else
        st = cat_stmt(c, FAVOURITES_SELECT " AND f.link_id = ?2" FAVOURITES_ORDER);
    if (st) {
        sqlite3_bind_int64(st, 1, album_id);
        if (who)
            sqlite3_bind_int64(st, 2, who->user_id > 0 ? who->user_id : who->link_id);
    }
    return cat_list(c, st, sizeof **rows, read_favourite, (void **)rows, n);
}

int catalog_pool_is_charged(struct af_catalog *c, int64_t pool_id, int64_t photo_id)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT 1 FROM pool_charges WHERE pool_id = ? AND photo_id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, pool_id);
    sqlite3_bind_int64(st, 2, photo_id);
    rc = cat_row(c, st);
    if (rc == 0)
        sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

int catalog_pool_charge(struct af_catalog *c, int64_t pool_id, int64_t photo_id,
                        int64_t grant_id)
{
    struct cat_pool pool;
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    rc = catalog_pool_is_charged(c, pool_id, photo_id);
    if (rc != 0) /* 1: already taken, free; or an error */
        goto out;
    rc = catalog_pool_by_id(c, pool_id, &pool);
    if (rc < 0)
        goto out;
    if (pool.limit >= 0 && pool.used >= pool.limit) {
        rc = -EDQUOT;
        goto out;
    }
    st = cat_stmt(c, "INSERT INTO pool_charges(pool_id, photo_id, grant_id, at) VALUES (?, ?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, pool_id);
    sqlite3_bind_int64(st, 2, photo_id);
    sqlite3_bind_int64(st, 3, grant_id);
    sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_exec(c, st);
out:
    if (rc == 1) /* already charged: nothing to write, not an error */
        return cat_tx_leave(c, own, 0) < 0 ? -EIO : 0;
    rc = cat_tx_leave(c, own, rc);
    return rc < 0 ? rc : 1;
}

int catalog_pool_set_limit(struct af_catalog *c, int64_t pool_id, int64_t limit)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE pools SET max_photos = ? WHERE id = ?");
    int rc;

    if (!st)
        return -EIO;
    if (limit >= 0)
        sqlite3_bind_int64(st, 1, limit);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, pool_id);
    rc = cat_exec(c, st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? -ENOENT : rc;
}

int catalog_pool_reset(struct af_catalog *c, int64_t pool_id)
{
    sqlite3_stmt *st = cat_stmt(c, "DELETE FROM pool_charges WHERE pool_id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, pool_id);
    return cat_exec(c, st);
}

int catalog_grant_set_pool(struct af_catalog *c, int64_t grant_id, int64_t pool_id)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE grants SET pool_id = ? WHERE id = ?");
    int rc;

    if (!st)
        return -EIO;
    if (pool_id > 0)
        sqlite3_bind_int64(st, 1, pool_id);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, grant_id);
    rc = cat_exec(c, st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? -ENOENT : rc;
}

static void read_charge(sqlite3_stmt *st, void *row)
{
    struct cat_charge *ch = row;

    ch->photo_id = sqlite3_column_int64(st, 0);
    cat_col_text(st, 1, ch->photo_name, sizeof ch->photo_name);
    cat_col_text(st, 2, ch->set_name, sizeof ch->set_name);
    ch->grant_id = sqlite3_column_int64(st, 3);
    ch->at = sqlite3_column_int64(st, 4);
}

int catalog_pool_charges(struct af_catalog *c, int64_t pool_id, struct cat_charge **rows,
                         size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT p.id, p.name, s.name, ch.grant_id, ch.at "
                                   "FROM pool_charges ch JOIN photos p ON p.id = ch.photo_id "
                                   "JOIN sets s ON s.id = p.set_id WHERE ch.pool_id = ? "
                                   "ORDER BY ch.at, p.name");
    if (st)
        sqlite3_bind_int64(st, 1, pool_id);
    return cat_list(c, st, sizeof **rows, read_charge, (void **)rows, n);
}

int catalog_milestone(struct af_catalog *c, const char *person, int64_t album_id, const char *kind)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT OR IGNORE INTO milestones(person, album_id, kind, at) "
                                   "VALUES (?, ?, ?, ?)");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, album_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_exec(c, st);
    return rc < 0 ? rc : sqlite3_changes(c->db) > 0;
}

int catalog_download_record(struct af_catalog *c, const char *person, const char *actor,
                            int64_t grant_id, int64_t album_id, int64_t photo_id,
                            enum af_view view, const char *detail)
{
    sqlite3_stmt *st;
    bool own, added = false;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    st = cat_stmt(c, "INSERT OR IGNORE INTO downloads(person, photo_id, view, grant_id, at) "
                     "VALUES (?, ?, ?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, photo_id);
    sqlite3_bind_int(st, 3, (int)view);
    sqlite3_bind_int64(st, 4, grant_id);
    sqlite3_bind_int64(st, 5, cat_now());
    rc = cat_exec(c, st);
    added = rc == 0 && sqlite3_changes(c->db) > 0;
    if (added)
        rc = catalog_activity_add(c, "download", actor, grant_id, album_id, photo_id, detail);
out:
    rc = cat_tx_leave(c, own, rc);
    return rc < 0 ? rc : added;
}
