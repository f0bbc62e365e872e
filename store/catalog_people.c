/* catalog_people.c — users and teams in the catalog.
 *
 * A user is a person identified by e-mail (case-insensitive), optionally
 * mapped to a Unix uid for multi-user mounts. A team is a named group of
 * users; a grant to a team applies to each member.
 * Removing a user or a team keeps its row (grants are never deleted and
 * name it) stamped `removed`; adding it again brings the same row back.
 */
#include <errno.h>

#include "store/catalog_private.h"

#define USER_COLS "u.id, u.email, u.name, u.uid, u.created, u.removed"

static void read_user(sqlite3_stmt *st, void *row)
{
    struct cat_user *u = row;

    u->id = sqlite3_column_int64(st, 0);
    cat_col_text(st, 1, u->email, sizeof u->email);
    cat_col_text(st, 2, u->name, sizeof u->name);
    u->uid = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
    u->created = sqlite3_column_int64(st, 4);
    u->removed = sqlite3_column_int64(st, 5);
}

static void read_team(sqlite3_stmt *st, void *row)
{
    struct cat_team *t = row;

    t->id = sqlite3_column_int64(st, 0);
    cat_col_text(st, 1, t->name, sizeof t->name);
    t->created = sqlite3_column_int64(st, 2);
    t->removed = sqlite3_column_int64(st, 3);
}

int catalog_user_add(struct af_catalog *c, const char *email, const char *name, int64_t uid,
                     int64_t *id)
{
    /* A removed user of that address comes back (same id, new details);
     * a present one makes the insert fail with -EEXIST. */
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO users(email, name, uid, created) VALUES (?, ?, ?, ?) "
                                   "ON CONFLICT(email) DO UPDATE SET name = excluded.name, "
                                   "uid = excluded.uid, created = excluded.created, removed = 0 "
                                   "WHERE removed <> 0 RETURNING id");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_STATIC);
    if (uid >= 0)
        sqlite3_bind_int64(st, 3, uid);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_row(c, st);
    if (rc == -ENOENT)
        return -EEXIST; /* present: the upsert's WHERE left it alone */
    if (rc == 0) {
        if (id)
            *id = sqlite3_column_int64(st, 0);
        rc = cat_exec(c, st); /* finish the statement: the row is written */
    }
    return rc;
}

int catalog_user_by_email(struct af_catalog *c, const char *email, struct cat_user *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " USER_COLS " FROM users u WHERE u.email = ?");

    if (st)
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    return cat_one(c, st, read_user, out);
}

int catalog_user_by_uid(struct af_catalog *c, int64_t uid, struct cat_user *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " USER_COLS " FROM users u WHERE u.uid = ?");

    if (st)
        sqlite3_bind_int64(st, 1, uid);
    return cat_one(c, st, read_user, out);
}

int catalog_users(struct af_catalog *c, struct cat_user **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " USER_COLS " FROM users u WHERE u.removed = 0 "
                                   "ORDER BY u.email");

    return cat_list(c, st, sizeof **rows, read_user, (void **)rows, n);
}

int catalog_team_add(struct af_catalog *c, const char *name, int64_t *id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO teams(name, created) VALUES (?, ?) "
                                   "ON CONFLICT(name) DO UPDATE SET created = excluded.created, "
                                   "removed = 0 WHERE removed <> 0 RETURNING id");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cat_now());
    rc = cat_row(c, st);
    if (rc == -ENOENT)
        return -EEXIST;
    if (rc == 0) {
        if (id)
            *id = sqlite3_column_int64(st, 0);
        rc = cat_exec(c, st);
    }
    return rc;
}

int catalog_team_by_name(struct af_catalog *c, const char *name, struct cat_team *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, name, created, removed FROM teams WHERE name = ?");

    if (st)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return cat_one(c, st, read_team, out);
}

int catalog_team_add_member(struct af_catalog *c, int64_t team_id, int64_t user_id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO team_members(team_id, user_id) VALUES (?, ?)");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, team_id);
    sqlite3_bind_int64(st, 2, user_id);
    return cat_exec(c, st);
}

int catalog_teams(struct af_catalog *c, struct cat_team **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, name, created, removed FROM teams "
                                   "WHERE removed = 0 ORDER BY name");

    return cat_list(c, st, sizeof **rows, read_team, (void **)rows, n);
}

int catalog_team_members(struct af_catalog *c, int64_t team_id, struct cat_user **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " USER_COLS " FROM users u "
                                   "JOIN team_members m ON m.user_id = u.id "
                                   "WHERE m.team_id = ? ORDER BY u.email");
    if (st)
        sqlite3_bind_int64(st, 1, team_id);
    return cat_list(c, st, sizeof **rows, read_user, (void **)rows, n);
}

int catalog_user_update(struct af_catalog *c, int64_t id, const char *name, int64_t uid)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE users SET name = ?, uid = ? WHERE id = ? AND removed = 0");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (uid >= 0)
        sqlite3_bind_int64(st, 2, uid);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) != 1)
        rc = -ENOENT;
    return rc;
}

/* Stamp row `id` of a people table removed (the UPDATE given) and delete
 * its team memberships (the DELETE given). */
static int mark_removed(struct af_catalog *c, const char *update, const char *leave, int64_t id,
                        af_time when)
{
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    st = cat_stmt(c, update);
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, when > 0 ? when : 1);
    sqlite3_bind_int64(st, 2, id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) != 1)
        rc = -ENOENT;
    if (rc < 0)
        goto out;
    st = cat_stmt(c, leave);
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    rc = cat_exec(c, st);
out:
    return cat_tx_leave(c, own, rc);
}

int catalog_user_remove(struct af_catalog *c, int64_t id, af_time when)
{
    return mark_removed(c, "UPDATE users SET removed = ?, uid = NULL WHERE id = ? AND removed = 0",
                        "DELETE FROM team_members WHERE user_id = ?", id, when);
}

int catalog_team_remove(struct af_catalog *c, int64_t id, af_time when)
{
    return mark_removed(c, "UPDATE teams SET removed = ? WHERE id = ? AND removed = 0",
                        "DELETE FROM team_members WHERE team_id = ?", id, when);
}

int catalog_team_remove_member(struct af_catalog *c, int64_t team_id, int64_t user_id)
{
    sqlite3_stmt *st = cat_stmt(c, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, team_id);
    sqlite3_bind_int64(st, 2, user_id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) != 1)
        rc = -ENOENT;
    return rc;
}
