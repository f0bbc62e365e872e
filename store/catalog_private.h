/* catalog_private.h — shared internals of the catalog's source files.
 * Not for use outside store/catalog*.c.
 */
#ifndef ALBUMFS_CATALOG_PRIVATE_H
#define ALBUMFS_CATALOG_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/catalog.h"

#define CAT_STMT_CACHE 128

struct af_catalog {
    sqlite3 *db;
    struct {
        const char *sql; /* a string literal: cached by address */
        sqlite3_stmt *st;
    } stmts[CAT_STMT_CACHE];
    size_t n_stmts;
    bool have_audit_key;
    unsigned char audit_key[32];
    char errmsg[256];
};

/* Migrations (catalog_schema.c). */
int catalog_migrate(sqlite3 *db, char *err, size_t errlen);
int catalog_schema_version(void);

/* The cached, reset statement for `sql` (which must be a string literal), or
 * NULL with errmsg set. */
sqlite3_stmt *cat_stmt(struct af_catalog *c, const char *sql);

/* Translate an SQLite result code to a negative errno and keep the message. */
int cat_err(struct af_catalog *c, int rc);

/* Step a statement that returns no rows; reset it. 0 or negative errno. */
int cat_exec(struct af_catalog *c, sqlite3_stmt *st);

/* Step once expecting a row: 0 with the row ready (caller reads columns then
 * calls sqlite3_reset), -ENOENT when there is none (reset done). */
int cat_row(struct af_catalog *c, sqlite3_stmt *st);

/* Copy column i as text into buf (always NUL-terminated). */
void cat_col_text(sqlite3_stmt *st, int i, char *buf, size_t len);

/* Reads the current row of st into *row. */
typedef void (*cat_reader)(sqlite3_stmt *st, void *row);

/* Step st once: 0 with the row read into *out, -ENOENT if none, or errno.
 * Resets and clears bindings. */
int cat_one(struct af_catalog *c, sqlite3_stmt *st, cat_reader read, void *out);

/* Step st to the end, reading every row into a malloc'd array of elem-sized
 * rows (caller frees). Resets and clears bindings. */
int cat_list(struct af_catalog *c, sqlite3_stmt *st, size_t elem, cat_reader read,
             void **rows, size_t *n);

/* Make a multi-statement change atomic: opens BEGIN IMMEDIATE unless the
 * caller already holds a transaction (then *own is false and nothing is
 * done). cat_tx_leave commits when rc == 0 and rolls back otherwise, only if
 * it owns the transaction, and returns rc (or the commit's error). */
int cat_tx_enter(struct af_catalog *c, bool *own);
int cat_tx_leave(struct af_catalog *c, bool own, int rc);

/* View names (catalog_view_names.c). The view name a photo or document
 * named `name` gets in set set_id, into out (AF_NAME_MAX + 1 bytes):
 * photo_id is the photo (0 for one not inserted yet); `keep` (NULL: none)
 * its view name now, kept when no other live photo of the set has it. 0,
 * or a negative errno with errmsg set. Call inside the transaction that
 * inserts, renames, moves or restores the photo. */
int cat_view_name_choose(struct af_catalog *c, int64_t set_id, int64_t photo_id,
                         const char *name, enum media_kind kind, const char *keep, char *out);
/* Give every photo of a catalog older than schema 5 its view name, oldest
 * photo first (the 4 -> 5 migration, inside its transaction): 0 or -EIO. */
int cat_view_names_backfill(sqlite3 *db);

/* Rows as the catalog's files read them: the columns, in order, that
 * cat_read_set and cat_read_photo (cat_reader functions) expect; a photo
 * query joins its current version as v (CAT_PHOTO_FROM). */
#define CAT_SET_COLS "id, album_id, name, visibility, created, mtime, deleted"
#define CAT_PHOTO_COLS                                                                    \
    "p.id, p.album_id, p.set_id, p.name, p.kind, p.is_private, p.trashed, p.created, " \
    "v.id, v.blob, v.size, v.width, v.height, v.orientation, v.mime, v.created, "      \
    "p.view_name, coalesce(p.private_by, '')"
#define CAT_PHOTO_N_COLS 18 /* cat_read_photo reads columns 0 .. CAT_PHOTO_N_COLS - 1 */
#define CAT_PHOTO_FROM "FROM photos p JOIN versions v ON v.id = p.current_version "
void cat_read_set(sqlite3_stmt *st, void *row);
void cat_read_photo(sqlite3_stmt *st, void *row);

/* The id of the row the last INSERT made. */
int64_t cat_last_id(struct af_catalog *c);

int64_t cat_now(void);

#endif
