/* catalog_activity.c — the append-only, tamper-evident activity log.
 *
 * Each row carries a MAC: keyed BLAKE2b-256 (the library's audit subkey)
 * over the previous row's MAC and every field of this row, including its
 * id. Editing, deleting or reordering rows, or inserting one without the
 * key, breaks the chain at that row; catalog_activity_verify names the
 * first broken row. Triggers refuse UPDATE and DELETE on the table.
 * The queries here are what albumctl shows: events filtered by album,
 * actor, kind and time, with the names of what they refer to; and the
 * rate limit of events a loop could repeat (refusals): at most so many
 * identical rows per window.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store/catalog_private.h"

#define MAC_BYTES 32

static void put64(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

static void putstr(crypto_generichash_state *h, const char *s)
{
    crypto_generichash_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void row_mac(const unsigned char key[32], const unsigned char prev[MAC_BYTES],
                    const struct cat_activity *a, unsigned char out[MAC_BYTES])
{
    crypto_generichash_state h;

    crypto_generichash_init(&h, key, 32, MAC_BYTES);
    crypto_generichash_update(&h, prev, MAC_BYTES);
    put64(&h, a->id);
    put64(&h, a->at);
    putstr(&h, a->kind);
    putstr(&h, a->actor);
    put64(&h, a->grant_id);
    put64(&h, a->album_id);
    put64(&h, a->photo_id);
    putstr(&h, a->detail);
    crypto_generichash_final(&h, out, MAC_BYTES);
}

static void read_activity(sqlite3_stmt *st, void *row)
{
    struct cat_activity *a = row;

    a->id = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, a->kind, sizeof a->kind);
    cat_col_text(st, 3, a->actor, sizeof a->actor);
    a->grant_id = sqlite3_column_int64(st, 4);
    a->album_id = sqlite3_column_int64(st, 5);
    a->photo_id = sqlite3_column_int64(st, 6);
    cat_col_text(st, 7, a->detail, sizeof a->detail);
}

int catalog_activity_add(struct af_catalog *c, const char *kind, const char *actor,
                         int64_t grant_id, int64_t album_id, int64_t photo_id, const char *detail)
{
    struct cat_activity a;
    unsigned char prev[MAC_BYTES] = {0}, mac[MAC_BYTES];
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    memset(&a, 0, sizeof a);
    st = cat_stmt(c, "SELECT id, mac FROM activity ORDER BY id DESC LIMIT 1");
    rc = cat_row(c, st);
    if (rc == 0) {
        a.id = sqlite3_column_int64(st, 0) + 1;
        if (sqlite3_column_bytes(st, 1) == MAC_BYTES)
            memcpy(prev, sqlite3_column_blob(st, 1), MAC_BYTES);
        sqlite3_reset(st);
    } else if (rc == -ENOENT) {
        a.id = 1;
        rc = 0;
    }
    if (rc < 0)
        goto out;
    a.at = cat_now();
    snprintf(a.kind, sizeof a.kind, "%s", kind);
    snprintf(a.actor, sizeof a.actor, "%s", actor ? actor : "");
    a.grant_id = grant_id;
    a.album_id = album_id;
    a.photo_id = photo_id;
    snprintf(a.detail, sizeof a.detail, "%s", detail ? detail : "");
    st = cat_stmt(c, "INSERT INTO activity(id, at, kind, actor, grant_id, album_id, photo_id, "
                     "detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, a.id);
    sqlite3_bind_int64(st, 2, a.at);
    sqlite3_bind_text(st, 3, a.kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a.actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a.grant_id);
    sqlite3_bind_int64(st, 6, a.album_id);
    sqlite3_bind_int64(st, 7, a.photo_id);
    sqlite3_bind_text(st, 8, a.detail, -1, SQLITE_STATIC);
    if (c->have_audit_key) {
        row_mac(c->audit_key, prev, &a, mac);
        sqlite3_bind_blob(st, 9, mac, MAC_BYTES, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 9);
    }
    rc = cat_exec(c, st);
out:
    return cat_tx_leave(c, own, rc);
}

int catalog_activity_add_limited(struct af_catalog *c, const char *kind, const char *actor,
                                 int64_t grant_id, int64_t album_id, int64_t photo_id,
                                 const char *detail, af_time since, int64_t max)
{
    sqlite3_stmt *st;
    int64_t recent = 0;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    /* Counted and added in one transaction: two writers cannot both take
     * the last place. */
    st = cat_stmt(c, "SELECT count(*) FROM activity WHERE kind = ? AND actor = ? "
                     "AND photo_id = ? AND detail = ? AND at >= ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, actor ? actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, photo_id);
    sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, since);
    rc = cat_row(c, st);
    if (rc == 0) {
        recent = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    if (rc == 0 && recent < max)
        rc = catalog_activity_add(c, kind, actor, grant_id, album_id, photo_id, detail);
out:
    rc = cat_tx_leave(c, own, rc);
    return rc < 0 ? rc : recent < max;
}

int catalog_activity(struct af_catalog *c, int64_t album_id, const char *kind,
                     struct cat_activity **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, at, kind, actor, grant_id, album_id, photo_id, "
                                   "detail FROM activity WHERE (?1 = 0 OR album_id = ?1) "
                                   "AND (?2 IS NULL OR kind = ?2) ORDER BY id");
    if (st) {
        sqlite3_bind_int64(st, 1, album_id);
        if (kind)
            sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
    }
    return cat_list(c, st, sizeof **rows, read_activity, (void **)rows, n);
}

int catalog_activity_verify(struct af_catalog *c, int64_t *first_bad)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, at, kind, actor, grant_id, album_id, photo_id, "
                                   "detail, mac FROM activity ORDER BY id");
    unsigned char prev[MAC_BYTES] = {0}, mac[MAC_BYTES];
    int64_t expect = 1;
    int rc;

    *first_bad = 0;
    if (!c->have_audit_key)
        return -ENOKEY;
    if (!st)
        return -EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cat_activity a;

        read_activity(st, &a);
        row_mac(c->audit_key, prev, &a, mac);
        if (a.id != expect || sqlite3_column_bytes(st, 8) != MAC_BYTES ||
            sodium_memcmp(mac, sqlite3_column_blob(st, 8), MAC_BYTES) != 0) {
            *first_bad = a.id != expect && a.id > expect ? expect : a.id;
            sqlite3_reset(st);
            return -EBADMSG;
        }
        memcpy(prev, mac, MAC_BYTES);
        expect++;
    }
    rc = rc == SQLITE_DONE ? 0 : cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_reset(st);
    return rc;
}

int catalog_activity_count(struct af_catalog *c, const char *kind, const char *actor,
                           af_time since, int64_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT count(*) FROM activity WHERE kind = ? AND actor = ? "
                                   "AND at >= ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    rc = cat_row(c, st);
    if (rc == 0) {
        *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

int catalog_activity_last(struct af_catalog *c, const char *kind, af_time *at)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT max(at) FROM activity WHERE kind = ?");
    int rc;

    *at = 0;
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    rc = cat_row(c, st);
    if (rc == 0) {
        *at = sqlite3_column_int64(st, 0); /* NULL (no such event) reads as 0 */
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

int catalog_activity_get(struct af_catalog *c, int64_t id, struct cat_activity *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT id, at, kind, actor, grant_id, album_id, photo_id, "
                                   "detail FROM activity WHERE id = ?");
    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, read_activity, out);
}

int catalog_activity_total(struct af_catalog *c, int64_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT count(*) FROM activity");
    int rc;

    if (!st)
        return -EIO;
    rc = cat_row(c, st);
    if (rc == 0) {
        *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

/* The event's columns (as read_activity reads them), then the names. */
static void read_activity_entry(sqlite3_stmt *st, void *row)
{
    struct cat_activity_entry *e = row;

    read_activity(st, &e->event);
    cat_col_text(st, 8, e->album_name, sizeof e->album_name);
    cat_col_text(st, 9, e->set_name, sizeof e->set_name);
    cat_col_text(st, 10, e->photo_name, sizeof e->photo_name);
}

int catalog_activity_query(struct af_catalog *c, const struct cat_activity_filter *f,
                           struct cat_activity_entry **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT a.id, a.at, a.kind, a.actor, a.grant_id, a.album_id, "
                                   "a.photo_id, a.detail, al.name, s.name, p.name "
                                   "FROM activity a "
                                   "LEFT JOIN albums al ON al.id = a.album_id "
                                   "LEFT JOIN photos p ON p.id = a.photo_id "
                                   "LEFT JOIN sets s ON s.id = p.set_id "
                                   "WHERE (?1 = 0 OR a.album_id = ?1) "
                                   "AND (?2 IS NULL OR a.actor = ?2 COLLATE NOCASE) "
                                   "AND (?3 IS NULL OR a.kind = ?3) AND a.at >= ?4 "
                                   "ORDER BY a.id");
    if (st) {
        sqlite3_bind_int64(st, 1, f->album_id);
        if (f->actor)
            sqlite3_bind_text(st, 2, f->actor, -1, SQLITE_STATIC);
        if (f->kind)
            sqlite3_bind_text(st, 3, f->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, f->since);
    }
    return cat_list(c, st, sizeof **rows, read_activity_entry, (void **)rows, n);
}
