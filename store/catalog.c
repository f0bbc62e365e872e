/* catalog.c — the catalog connection: opening, statements, transactions,
 * errors, settings and the change generation.
 *
 * One struct af_catalog wraps one SQLite connection and a cache of prepared
 * statements keyed by the address of their SQL literal. Every connection
 * runs in WAL mode with foreign keys on and a busy timeout, so the daemon's
 * readers and several albumctl writers coexist. Used by one thread at a time.
 *
 * The catalog file is the owner's alone (0600): created so before SQLite
 * sees it (SQLite would use 0644 less the umask), and narrowed if an older
 * build left it wider. SQLite gives the -wal and -shm files it creates the
 * database file's mode; ones left wider are narrowed too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "store/catalog_private.h"
#include "store/sysio.h"

#define CAT_BUSY_TIMEOUT_MS 10000
#define CAT_APPLICATION_ID 0x416c6246 /* "AlbF" */

int64_t cat_now(void)
{
    return (int64_t)time(NULL);
}

int cat_err(struct af_catalog *c, int rc)
{
    int sys = sqlite3_system_errno(c->db);

    /* A read or write that failed says why in its own words too (not an
     * open: SQLite's later calls overwrite that errno). */
    if (sys > 0 && (rc & 0xff) == SQLITE_IOERR)
        snprintf(c->errmsg, sizeof c->errmsg, "%s (%s)", sqlite3_errmsg(c->db), strerror(sys));
    else
        snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(c->db));
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return -ENOENT;
    case SQLITE_BUSY:
    case SQLITE_BUSY_SNAPSHOT:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_TRIGGER:
        return -EPERM;
    default:
        /* An I/O error whose system call said the disk is full (SQLite
         * reports some, such as growing the -shm file, as IOERR). */
        if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
            return -ENOSPC;
        return -EIO;
    }
}

sqlite3_stmt *cat_stmt(struct af_catalog *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc;

    for (size_t i = 0; i < c->n_stmts; i++)
        if (c->stmts[i].sql == sql)
            return c->stmts[i].st;
    rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(c->db));
        return NULL;
    }
    /* The cache is sized for every query of the catalog; overflowing it is
     * a programming error, reported rather than leaked. */
    if (c->n_stmts == CAT_STMT_CACHE) {
        sqlite3_finalize(st);
        snprintf(c->errmsg, sizeof c->errmsg, "statement cache full");
        return NULL;
    }
    c->stmts[c->n_stmts].sql = sql;
    c->stmts[c->n_stmts].st = st;
    c->n_stmts++;
    return st;
}

int cat_exec(struct af_catalog *c, sqlite3_stmt *st)
{
    int rc, ret = 0;

    if (!st)
        return -EIO;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int cat_row(struct af_catalog *c, sqlite3_stmt *st)
{
    int rc;

    if (!st)
        return -EIO;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return -ENOENT;
    }
    rc = cat_err(c, sqlite3_extended_errcode(c->db));
    sqlite3_reset(st);
    return rc;
}

void cat_col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;

    /* Cut as snprintf would, without its cost (a listing reads thousands). */
    if (n >= len)
        n = len - 1;
    if (n)
        memcpy(buf, t, n);
    buf[n] = '\0';
}

int cat_one(struct af_catalog *c, sqlite3_stmt *st, cat_reader read, void *out)
{
    int rc = cat_row(c, st);

    if (rc == 0) {
        read(st, out);
        sqlite3_reset(st);
    }
    if (st)
        sqlite3_clear_bindings(st);
    return rc;
}

int cat_list(struct af_catalog *c, sqlite3_stmt *st, size_t elem, cat_reader read,
             void **rows, size_t *n)
{
    char *r = NULL;
    size_t cap = 0, k = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (!st)
        return -EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char *p = realloc(r, ncap * elem);

            if (!p) {
                rc = -ENOMEM;
                goto fail;
            }
            r = p;
            cap = ncap;
        }
        read(st, r + k * elem);
        k++;
    }
    if (rc != SQLITE_DONE) {
        rc = cat_err(c, sqlite3_extended_errcode(c->db));
        goto fail;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    *rows = r;
    *n = k;
    return 0;
fail:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(r);
    return rc;
}

int64_t cat_last_id(struct af_catalog *c)
{
    return sqlite3_last_insert_rowid(c->db);
}

static int configure(struct af_catalog *c, enum cat_open_flags flags)
{
    char *msg = NULL;
    int rc;

    sqlite3_busy_timeout(c->db, CAT_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA foreign_keys = ON;"
                      "PRAGMA trusted_schema = OFF;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int err = cat_err(c, rc); /* a full disk is ENOSPC, not damage */

        if (msg)
            snprintf(c->errmsg, sizeof c->errmsg, "%s", msg);
        sqlite3_free(msg);
        return err;
    }
    if (flags & CAT_OPEN_CREATE) {
        char pragma[64];

        snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d", CAT_APPLICATION_ID);
        if (sqlite3_exec(c->db, pragma, NULL, NULL, NULL) != SQLITE_OK)
            return cat_err(c, sqlite3_extended_errcode(c->db));
    } else {
        sqlite3_stmt *st = NULL;
        int id = 0;

        rc = sqlite3_prepare_v2(c->db, "PRAGMA application_id", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            id = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT)
            /* could not read it (opening the WAL failed, ...) */
            return cat_err(c, sqlite3_extended_errcode(c->db));
        if (id != CAT_APPLICATION_ID) {
            snprintf(c->errmsg, sizeof c->errmsg, "not an albumfs catalog");
            return -EINVAL;
        }
    }
    return catalog_migrate(c->db, c->errmsg, sizeof c->errmsg);
}

/* Narrow `path` to its owner alone if group or others have any access. */
static int narrow_mode(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if ((st.st_mode & 077) && chmod(path, st.st_mode & 0700) < 0)
        return -errno;
    return 0;
}

/* Make the catalog file (when creating) and its -wal/-shm private. */
static int private_files(const char *path, enum cat_open_flags flags)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char other[PATH_MAX];
    int rc;

    if (flags & CAT_OPEN_CREATE) {
        int fd = sysio_open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

        if (fd < 0)
            return -errno;
        close(fd);
    }
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        int n = snprintf(other, sizeof other, "%s%s", path, suffixes[i]);

        if (n < 0 || (size_t)n >= sizeof other)
            return -ENAMETOOLONG;
        rc = narrow_mode(other);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* SQLite opens the write-ahead log on a connection's first read, and when
 * opening it for writing fails (a full disk, an I/O error) it quietly opens
 * it for reading: every write through the connection would then fail with
 * "attempt to write a readonly database" for as long as it lives, and a
 * daemon's thread keeps its connection. A write transaction begun and
 * rolled back finds out. SQLite refuses a read-only log before it takes
 * any lock, so without waiting (busy timeout 0) a busy answer (another
 * writer) also says the log is writable. */
static int refuse_read_only_log(struct af_catalog *c)
{
    int rc;

    sqlite3_busy_timeout(c->db, 0);
    rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_busy_timeout(c->db, CAT_BUSY_TIMEOUT_MS);
    if ((rc & 0xff) == SQLITE_READONLY)
        return -EROFS; /* as for a database file opened for reading */
    return (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY) ? 0 : cat_err(c, rc);
}

int catalog_open(const char *path, enum cat_open_flags flags, struct af_catalog **out)
{
    struct af_catalog *c;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc;

    *out = NULL;
    sysio_init(); /* before SQLite opens anything: its calls join the seam */
    c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    if (flags & CAT_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    rc = private_files(path, flags);
    if (rc < 0)
        goto fail;
    rc = sqlite3_open_v2(path, &c->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        rc = (rc == SQLITE_CANTOPEN) ? -ENOENT : -EIO;
        goto fail;
    }
    /* When opening the file for writing fails (a read-only disk, a full
     * one, an I/O error) SQLite quietly opens it for reading: every write
     * would then fail later with "attempt to write a readonly database",
     * after work was done. Refuse now. */
    if (sqlite3_db_readonly(c->db, "main") == 1) {
        rc = -EROFS;
        goto fail;
    }
    rc = configure(c, flags);
    if (rc == 0)
        rc = refuse_read_only_log(c);
    if (rc < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    catalog_close(c);
    return rc;
}

void catalog_close(struct af_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_stmts; i++)
        sqlite3_finalize(c->stmts[i].st);
    sqlite3_close(c->db);
    sodium_memzero(c->audit_key, sizeof c->audit_key);
    free(c);
}

const char *catalog_errmsg(const struct af_catalog *c)
{
    return c->errmsg;
}

void catalog_set_audit_key(struct af_catalog *c, const unsigned char key[32])
{
    memcpy(c->audit_key, key, sizeof c->audit_key);
    c->have_audit_key = true;
}

int catalog_begin(struct af_catalog *c)
{
    return cat_exec(c, cat_stmt(c, "BEGIN IMMEDIATE"));
}

int catalog_commit(struct af_catalog *c)
{
    return cat_exec(c, cat_stmt(c, "COMMIT"));
}

void catalog_rollback(struct af_catalog *c)
{
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

void catalog_read_begin(struct af_catalog *c, bool *own)
{
    *own = sqlite3_get_autocommit(c->db) != 0 && cat_exec(c, cat_stmt(c, "BEGIN")) == 0;
}

void catalog_read_end(struct af_catalog *c, bool own)
{
    if (own && cat_exec(c, cat_stmt(c, "COMMIT")) < 0)
        catalog_rollback(c);
}

int cat_tx_enter(struct af_catalog *c, bool *own)
{
    *own = sqlite3_get_autocommit(c->db) != 0;
    return *own ? catalog_begin(c) : 0;
}

int cat_tx_leave(struct af_catalog *c, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc == 0)
        rc = catalog_commit(c);
    if (rc != 0)
        catalog_rollback(c);
    return rc;
}

int catalog_setting_get(struct af_catalog *c, const char *key, char *buf, size_t len)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT value FROM settings WHERE key = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = cat_row(c, st);
    if (rc == 0) {
        cat_col_text(st, 0, buf, len);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

int catalog_setting_set(struct af_catalog *c, const char *key, const char *value)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO settings(key, value) VALUES (?, ?) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return cat_exec(c, st);
}

int catalog_generation(struct af_catalog *c, int64_t *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT n FROM generation WHERE id = 1");
    int rc;

    if (!st)
        return -EIO;
    rc = cat_row(c, st);
    if (rc == 0) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}
