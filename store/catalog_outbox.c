/* catalog_outbox.c — notifications waiting to be delivered.
 *
 * Messages are queued in the catalog (so a queued message survives a crash
 * or a failing mail command) and delivered by store/notify.c, which marks
 * them delivered or schedules the next attempt with the error it saw.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/catalog_private.h"

#define MSG_COLS "id, created, kind, recipient, message, attempts, next_attempt, last_error, delivered"

static void read_message(sqlite3_stmt *st, void *row)
{
    struct cat_message *m = row;
    const unsigned char *text = sqlite3_column_text(st, 4);

    m->id = sqlite3_column_int64(st, 0);
    m->created = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, m->kind, sizeof m->kind);
    cat_col_text(st, 3, m->recipient, sizeof m->recipient);
    m->message = strdup(text ? (const char *)text : "");
    m->attempts = sqlite3_column_int(st, 5);
    m->next_attempt = sqlite3_column_int64(st, 6);
    cat_col_text(st, 7, m->last_error, sizeof m->last_error);
    m->delivered = sqlite3_column_int(st, 8) != 0;
}

/* strdup may fail inside a reader: report it after the list is read. */
static int check_messages(struct cat_message *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!rows[i].message)
            return -ENOMEM;
    return 0;
}

static int list_messages(struct af_catalog *c, sqlite3_stmt *st, struct cat_message **rows,
                         size_t *n)
{
    int rc = cat_list(c, st, sizeof **rows, read_message, (void **)rows, n);

    if (rc == 0 && (rc = check_messages(*rows, *n)) < 0) {
        catalog_messages_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int catalog_outbox_add(struct af_catalog *c, const char *kind, const char *recipient,
                       const char *message)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO outbox(created, kind, recipient, message, "
                                   "next_attempt) VALUES (?1, ?2, ?3, ?4, ?1)");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, cat_now());
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
    return cat_exec(c, st);
}

int catalog_outbox_due(struct af_catalog *c, af_time now, struct cat_message **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " MSG_COLS " FROM outbox WHERE delivered = 0 "
                                   "AND (?1 = 0 OR next_attempt <= ?1) ORDER BY id");
    if (st)
        sqlite3_bind_int64(st, 1, now);
    return list_messages(c, st, rows, n);
}

int catalog_outbox_list(struct af_catalog *c, size_t limit, struct cat_message **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " MSG_COLS " FROM outbox ORDER BY id DESC LIMIT ?");

    if (st)
        sqlite3_bind_int64(st, 1, (int64_t)limit);
    return list_messages(c, st, rows, n);
}

void catalog_messages_free(struct cat_message *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].message);
    free(rows);
}

int catalog_outbox_claim(struct af_catalog *c, int64_t id, af_time now, af_time until)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE outbox SET next_attempt = ?1 WHERE id = ?2 "
                                   "AND delivered = 0 AND next_attempt <= ?3");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, until);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, now);
    rc = cat_exec(c, st);
    return rc < 0 ? rc : sqlite3_changes(c->db) > 0;
}

int catalog_outbox_delivered(struct af_catalog *c, int64_t id)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE outbox SET delivered = 1, attempts = attempts + 1, "
                                   "last_error = '' WHERE id = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, id);
    return cat_exec(c, st);
}

int catalog_outbox_failed(struct af_catalog *c, int64_t id, af_time next_attempt,
                          const char *error)
{
    sqlite3_stmt *st = cat_stmt(c, "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, "
                                   "last_error = ? WHERE id = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, next_attempt);
    sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id);
    return cat_exec(c, st);
}
