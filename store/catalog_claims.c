/* catalog_claims.c — confirmation codes of link claims, as stored.
 *
 * A code is kept only as a keyed hash (store/claims.c makes and checks it),
 * with its link, the address it was sent to, when it stops working, how
 * many wrong attempts it has had and when it was accepted. Rows are never
 * deleted: they are also the record the rate limits count. Nothing here is
 * shown by a mount, so no row bumps the generation.
 */
#include <errno.h>
#include <string.h>

#include "store/catalog_private.h"

static void read_code(sqlite3_stmt *st, void *row)
{
    struct cat_claim_code *k = row;
    const void *hash = sqlite3_column_blob(st, 3);

    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    k->link_id = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, k->email, sizeof k->email);
    if (hash && sqlite3_column_bytes(st, 3) == CAT_TOKEN_HASH_BYTES)
        memcpy(k->code_hash, hash, CAT_TOKEN_HASH_BYTES); /* else all zero: matches nothing */
    k->created = sqlite3_column_int64(st, 4);
    k->expires = sqlite3_column_int64(st, 5);
    k->tries = sqlite3_column_int(st, 6);
    k->used = sqlite3_column_int64(st, 7);
}

int catalog_claim_code_add(struct af_catalog *c, int64_t link_id, const char *email,
                           const unsigned char code_hash[CAT_TOKEN_HASH_BYTES], af_time expires,
                           int64_t *id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO claim_codes(link_id, email, code_hash, created, "
                                   "expires) VALUES (?, ?, ?, ?, ?)");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, link_id);
    sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, code_hash, CAT_TOKEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, cat_now());
    sqlite3_bind_int64(st, 5, expires);
    rc = cat_exec(c, st);
    if (rc == 0 && id)
        *id = cat_last_id(c);
    return rc;
}

int catalog_claim_code_newest(struct af_catalog *c, int64_t link_id, const char *email,
                              struct cat_claim_code *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, link_id, email, code_hash, created, expires, "
                                   "tries, used FROM claim_codes WHERE link_id = ? AND email = ? "
                                   "ORDER BY id DESC LIMIT 1");
    if (st) {
        sqlite3_bind_int64(st, 1, link_id);
        sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
    }
    return cat_one(c, st, read_code, out);
}

static void read_count(sqlite3_stmt *st, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(st, 0);
}

int catalog_claim_codes_since(struct af_catalog *c, int64_t link_id, const char *email,
                              af_time since, int64_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT count(*) FROM claim_codes WHERE link_id = ?1 "
                                   "AND (?2 IS NULL OR email = ?2) AND created >= ?3");
    if (st) {
        sqlite3_bind_int64(st, 1, link_id);
        if (email)
            sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, since);
    }
    return cat_one(c, st, read_count, n);
}

int catalog_claim_code_wrong(struct af_catalog *c, int64_t id)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE claim_codes SET tries = tries + 1 WHERE id = ?");

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, id);
    return cat_exec(c, st);
}

int catalog_claim_code_use(struct af_catalog *c, int64_t id, af_time when)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE claim_codes SET used = ? WHERE id = ? AND used = 0");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, when > 0 ? when : 1);
    sqlite3_bind_int64(st, 2, id);
    rc = cat_exec(c, st);
    if (rc == 0 && sqlite3_changes(c->db) != 1)
        rc = -EALREADY; /* accepted by someone else first */
    return rc;
}
