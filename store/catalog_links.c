/* catalog_links.c — share links in the catalog: their rows, labels, uses
 * and client doors.
 *
 * A link row keeps a keyed hash of its token (never the token), an
 * optional Argon2id password string, the owner's label, and how often and
 * when last a mount was opened with it. Whether a link still works is its
 * grants' business (catalog_grants.c, store/links.c). A link's client door
 * (link_doors) is a link row of its own whose token hash is random: it is
 * never found by a token (catalog_link_by_token_hash skips doors), only
 * through its link (store/links.c).
 * Threading and errors as every catalog file (catalog.h).
 */
#include <errno.h>

#include "store/catalog_private.h"

#define LINK_COLS                                                                     \
    "id, album_id, password_hash, created, label, uses, last_used,"                  \
    " coalesce((SELECT link_id FROM link_doors WHERE client_link_id = links.id), 0)," \
    " coalesce((SELECT client_link_id FROM link_doors WHERE link_id = links.id), 0)"

static void read_link(sqlite3_stmt *st, void *row)
{
    struct cat_link *l = row;

    l->id = sqlite3_column_int64(st, 0);
    l->album_id = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, l->password_hash, sizeof l->password_hash);
    l->has_password = l->password_hash[0] != '\0';
    l->created = sqlite3_column_int64(st, 3);
    cat_col_text(st, 4, l->label, sizeof l->label);
    l->uses = sqlite3_column_int64(st, 5);
    l->last_used = sqlite3_column_int64(st, 6);
    l->door_of = sqlite3_column_int64(st, 7);
    l->client_door = sqlite3_column_int64(st, 8);
}

int catalog_link_add(struct af_catalog *c, int64_t album_id,
                     const unsigned char token_hash[CAT_TOKEN_HASH_BYTES],
                     const char *password_hash, int64_t *id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO links(album_id, token_hash, password_hash, created) "
                                   "VALUES (?, ?, ?, ?)");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, album_id);
    sqlite3_bind_blob(st, 2, token_hash, CAT_TOKEN_HASH_BYTES, SQLITE_STATIC);
    if (password_hash)
        sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_exec(c, st);
    if (rc == 0 && id)
        *id = cat_last_id(c);
    return rc;
}

int catalog_link_by_token_hash(struct af_catalog *c,
                               const unsigned char token_hash[CAT_TOKEN_HASH_BYTES],
                               struct cat_link *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " LINK_COLS " FROM links WHERE token_hash = ? "
                                   "AND id NOT IN (SELECT client_link_id FROM link_doors)");

    if (st)
        sqlite3_bind_blob(st, 1, token_hash, CAT_TOKEN_HASH_BYTES, SQLITE_STATIC);
    return cat_one(c, st, read_link, out);
}

int catalog_link_by_id(struct af_catalog *c, int64_t id, struct cat_link *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " LINK_COLS " FROM links WHERE id = ?");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, read_link, out);
}

int catalog_links(struct af_catalog *c, int64_t album_id, struct cat_link **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " LINK_COLS " FROM links "
                                   "WHERE ?1 = 0 OR album_id = ?1 ORDER BY id");

    if (st)
        sqlite3_bind_int64(st, 1, album_id);
    return cat_list(c, st, sizeof **rows, read_link, (void **)rows, n);
}

/* Run an UPDATE of one link (its last parameter the id): -ENOENT if none. */
static int update_link(struct af_catalog *c, sqlite3_stmt *st)
{
    int rc = cat_exec(c, st);

    if (rc == 0 && sqlite3_changes(c->db) != 1)
        rc = -ENOENT;
    return rc;
}

/* Set one text column of a link (sql: its UPDATE, text then id) to text,
 * or NULL when text is NULL. */
static int set_text(struct af_catalog *c, const char *sql, int64_t id, const char *text)
{
    sqlite3_stmt *st = cat_stmt(c, sql);

    if (!st)
        return -EIO;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, id);
    return update_link(c, st);
}

int catalog_link_set_label(struct af_catalog *c, int64_t id, const char *label)
{
    return set_text(c, "UPDATE links SET label = ? WHERE id = ?", id, label);
}

int catalog_link_used(struct af_catalog *c, int64_t id, af_time when)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE links SET uses = uses + 1, "
                                   "last_used = max(last_used, ?) WHERE id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, when);
    sqlite3_bind_int64(st, 2, id);
    return update_link(c, st);
}

int catalog_link_set_password(struct af_catalog *c, int64_t id, const char *password_hash)
{
    return set_text(c, "UPDATE links SET password_hash = ? WHERE id = ?", id, password_hash);
}

int catalog_link_door_add(struct af_catalog *c, int64_t link_id, int64_t client_link_id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO link_doors(link_id, client_link_id) "
                                   "VALUES (?, ?)");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, link_id);
    sqlite3_bind_int64(st, 2, client_link_id);
    return cat_exec(c, st);
}
