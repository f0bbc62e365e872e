/* backup.c — taking a snapshot (see backup.h; docs/backup.md).
 *
 * States of one backup, each step performed by the function named:
 *   LOCKED     repo_open(REPO_WRITE) holds DEST/lock (caller)
 *   CATALOG    copy_catalog: sqlite3_backup of the live catalog (a read
 *              transaction: mounts and albumctl keep writing) into
 *              LIBRARY/vault/tmp/put-catalog-<hex>, its blobs listed
 *              (list_blobs), then vault_put_buffer into DEST/blobs
 *              (encrypted like any vault blob, content-addressed)
 *   BLOBS      copy_blobs: every vault blob the copy names (versions and
 *              the watermark logo) copied as-is into DEST/blobs unless
 *              already there with its size (blob_state; the newest
 *              manifest's sizes spare looking at the library's copy of
 *              blobs it names), then repo_copy_blob
 *   COMMITTED  snapshot_write: the manifest, renamed into snapshots/ last
 *   DONE       temp catalog removed, lock released (caller)
 * Invariants after a crash at any point:
 *   1. Every manifest in snapshots/ names only blobs that were fsync'd and
 *      renamed before it was written: earlier snapshots stay complete.
 *   2. A blob under DEST/blobs/ab/<id> is whole (renamed after fsync);
 *      a crash leaves at most tmp/put-* files, removed after an hour by
 *      vault_open, and never affects the next run.
 *   3. The temp catalog copy in the library's vault/tmp/put-catalog-* is
 *      removed by vault_open an hour later the same way.
 * A blob purged from the library between CATALOG and BLOBS that the
 * repository does not hold yet fails the run (-ENOENT, named in
 * bad_blob); running it again succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>
#include <sqlite3.h>

#include "backup/backup.h"

/* The errno for SQLite's rc on db: the system call's own when SQLite
 * says a read or write failed, so that a full disk reads as one. (Not for
 * an open: SQLite's later calls overwrite that errno, so a file that
 * cannot be opened or made is EIO.) */
static int sqlite_errno(sqlite3 *db, int rc)
{
    int sys = db ? sqlite3_system_errno(db) : 0;

    if (sys > 0 && (rc & 0xff) == SQLITE_IOERR)
        return -sys;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_FULL:
        return -ENOSPC;
    default:
        return -EIO;
    }
}

/* The integer the query gives on the copy (0 without a row). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    *out = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The blobs the catalog copy names (every version's, the watermark logo's)
 * and its photo count, into s. Read on the copy's own connection with
 * queries the indexes cover (versions_blob): a catalog of 100,000 photos
 * lists in tens of milliseconds. */
static int list_blobs(sqlite3 *db, struct snapshot *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0, photos = 0;
    int rc;

    rc = query_int(db, "SELECT count(DISTINCT blob) FROM versions", &n);
    if (rc == SQLITE_OK)
        rc = query_int(db, "SELECT count(*) FROM photos WHERE trashed = 0", &photos);
    if (rc != SQLITE_OK)
        return sqlite_errno(db, rc);
    s->blobs = calloc((size_t)n + 1, sizeof *s->blobs);
    if (!s->blobs)
        return -ENOMEM;
    rc = sqlite3_prepare_v2(db, "SELECT DISTINCT blob FROM versions UNION "
                                "SELECT value FROM settings WHERE key = 'watermark.logo' "
                                "AND length(value) = 64 ORDER BY 1", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *id = sqlite3_column_text(st, 0);

        if (s->n_blobs == (size_t)n + 1 || !id || strlen((const char *)id) != VAULT_ID_HEX - 1) {
            rc = SQLITE_CORRUPT; /* the copy changed, or a row is not a blob id */
            break;
        }
        memcpy(s->blobs[s->n_blobs++].id, id, VAULT_ID_HEX);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    s->photos = (uint64_t)photos;
    return rc == SQLITE_OK ? 0 : sqlite_errno(db, rc);
}

/* A consistent copy of src (SQLite's online backup) into the new file dst,
 * its rendered views marked as not cached, and its blobs listed into s.
 * The copy is a temporary file: written without a journal or syncs (a
 * crash leaves a vault/tmp/put-* file that vault_open removes later). */
static int sqlite_copy(const char *src, const char *dst, struct snapshot *s)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b;
    int rc;

    rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(from, 10000);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(to, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL,
                          NULL, NULL);
    if (rc != SQLITE_OK)
        goto out;
    b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        rc = sqlite3_errcode(to);
        goto out;
    }
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(50);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    /* Rendered views are not kept: in the copy none is cached, so a
     * restored library makes them again instead of missing them. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(to, "UPDATE renditions SET cached = 0", NULL, NULL, NULL);
out:
    rc = rc == SQLITE_OK ? list_blobs(to, s) : sqlite_errno(to ? to : from, rc);
    sqlite3_close(from);
    sqlite3_close(to);
    return rc;
}

/* CATALOG: copy and list, then store encrypted in the repository. */
static int copy_catalog(struct af_library *lib, struct bk_repo *r, struct snapshot *s,
                        const char **why)
{
    char src[PATH_MAX], tmp[PATH_MAX], rnd_hex[17];
    unsigned char rnd[8];
    gchar *bytes = NULL;
    gsize len = 0;
    int rc;

    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    if (snprintf(src, sizeof src, "%s/catalog.db", lib->dir) >= (int)sizeof src ||
        snprintf(tmp, sizeof tmp, "%s/vault/tmp/put-catalog-%s", lib->dir, rnd_hex) >=
            (int)sizeof tmp)
        return -ENAMETOOLONG;
    rc = sqlite_copy(src, tmp, s);
    if (rc < 0) {
        *why = "cannot copy the catalog";
        goto out;
    }
    if (!g_file_get_contents(tmp, &bytes, &len, NULL)) {
        rc = -EIO;
        *why = "cannot read the catalog copy";
        goto out;
    }
    /* Content-addressed: a catalog unchanged since the last backup is not
     * stored again. */
    vault_address(r->blobs, bytes, len, s->catalog);
    rc = vault_exists(r->blobs, s->catalog);
    if (rc == 0) {
        rc = vault_put_buffer(r->blobs, bytes, len, s->catalog);
        if (rc == 0)
            rc = 1;
    } else if (rc == 1)
        rc = 0;
    if (rc >= 0) {
        int wrote = rc;
        rc = repo_blob_size(r, s->catalog, &s->catalog_size);
        if (rc == 0 && wrote)
            s->new_bytes += s->catalog_size;
    }
    if (rc < 0) {
        *why = "cannot store the catalog copy in the repository";
        goto out;
    }
    repo_crash_point("catalog");
out:
    g_free(bytes);
    repo_remove_sqlite_files(tmp);
    return rc;
}

/* The size of file `name` (ab/<id>) under the directory fd: 0, -errno. */
static int size_at(int dirfd, const char *name, uint64_t *size)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, 0) < 0)
        return -errno;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* The repository's newest manifest by file time (a hint: a manifest
 * that does not open is no help and none is used), with its blobs by id
 * into *sizes (values: its struct snapshot_blob). Blob files never change
 * (a vault names them by their content), so a blob that manifest recorded
 * with the size its repository file still has is there: blob_state then
 * needs no look at the library's copy. Caller frees both (NULLs when
 * there is no such manifest). */
static void previous(struct bk_repo *r, struct snapshot **prev, GHashTable **sizes)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL, path[SNAPSHOT_ID_HEX + 16];
    struct timespec newest = {0};
    size_t n = 0, pick = SIZE_MAX;

    *prev = NULL;
    *sizes = NULL;
    if (snapshot_list(r, &ids, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct stat st;

        snprintf(path, sizeof path, "snapshots/%s", ids[i]);
        if (fstatat(r->dirfd, path, &st, 0) == 0 &&
            (st.st_mtim.tv_sec > newest.tv_sec ||
             (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec > newest.tv_nsec))) {
            newest = st.st_mtim;
            pick = i;
        }
    }
    if (pick != SIZE_MAX && snapshot_read(r, ids[pick], prev) == 0) {
        *sizes = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < (*prev)->n_blobs; i++)
            g_hash_table_insert(*sizes, (*prev)->blobs[i].id, &(*prev)->blobs[i]);
    }
    free(ids);
}

/* Whether blob b is in the repository already (a file of its size: blobs
 * are content-addressed) and its size, into b; its bytes count in the
 * progress when it is not. vault and blobs are the two folders' fds (a
 * name relative to them is found without walking the whole path again: a
 * catalog of 100,000 photos makes up to 200,000 of these); sizes, the
 * previous manifest's (or NULL), spares the look at the library's copy. */
static int blob_state(int vault, int blobs, GHashTable *sizes, struct snapshot_blob *b,
                      bool *todo, struct backup_progress *pr)
{
    const struct snapshot_blob *was = sizes ? g_hash_table_lookup(sizes, b->id) : NULL;
    char name[3 + VAULT_ID_HEX];
    uint64_t have = 0;
    int rc, there;

    snprintf(name, sizeof name, "%.2s/%s", b->id, b->id);
    there = size_at(blobs, name, &have);
    if (there == 0 && was && was->size == have) {
        b->size = have;
        *todo = false;
        return 0;
    }
    rc = size_at(vault, name, &b->size);
    if (rc < 0)
        return rc;
    *todo = there < 0 || have != b->size;
    if (*todo) {
        pr->files_total++;
        pr->bytes_total += b->size;
    }
    return there == -ENOENT || there == 0 ? 0 : there;
}

/* BLOBS: every blob of s from the library's vault into the repository:
 * first what is missing there (blob_state), then those copied. */
static int copy_blobs(struct af_library *lib, struct bk_repo *r, struct snapshot *s,
                      backup_progress_fn progress, void *arg, const char **why,
                      char bad_blob[VAULT_ID_HEX])
{
    struct backup_progress pr = {0};
    char vault[PATH_MAX], src[PATH_MAX];
    bool *todo = calloc(s->n_blobs + 1, sizeof *todo);
    struct snapshot *prev = NULL;
    GHashTable *sizes = NULL;
    int vfd = -1, bfd = -1, rc = 0;
    size_t i = 0;

    if (!todo)
        return -ENOMEM;
    if (snprintf(vault, sizeof vault, "%s/vault", lib->dir) >= (int)sizeof vault)
        rc = -ENAMETOOLONG;
    if (rc == 0 && ((vfd = open(vault, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
                    (bfd = open(r->blobs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0))
        rc = -errno;
    if (rc == 0)
        previous(r, &prev, &sizes);
    for (i = 0; i < s->n_blobs && rc == 0; i++)
        if ((rc = blob_state(vfd, bfd, sizes, &s->blobs[i], &todo[i], &pr)) < 0)
            break;
    if (rc == 0 && progress)
        progress(arg, &pr);
    for (i = rc == 0 ? 0 : i; i < s->n_blobs && rc == 0; i++) {
        uint64_t written = 0;

        s->total_bytes += s->blobs[i].size;
        if (!todo[i])
            continue;
        rc = repo_blob_path(vault, s->blobs[i].id, src);
        if (rc == 0)
            rc = repo_copy_blob(src, r->blobs_dir, s->blobs[i].id, &written);
        if (rc < 0)
            break;
        s->new_bytes += written;
        pr.files_done++;
        pr.bytes_done += written;
        if (progress)
            progress(arg, &pr);
        if (written)
            repo_crash_point("blob");
    }
    if (rc < 0 && i < s->n_blobs) {
        snprintf(bad_blob, VAULT_ID_HEX, "%s", s->blobs[i].id);
        *why = rc == -ENOENT ? "a photo's blob is missing from the library's vault "
                               "(run 'albumctl verify')"
                             : "cannot copy a blob into the repository";
    }
    if (vfd >= 0)
        close(vfd);
    if (bfd >= 0)
        close(bfd);
    if (sizes)
        g_hash_table_destroy(sizes);
    snapshot_free(prev);
    free(todo);
    return rc;
}

/* A passphrase library's key file (salt, limits, check: no secret) is kept
 * in the repository as DEST/keyfile, so a passphrase alone restores. */
static int keep_key_file(struct af_library *lib, struct bk_repo *r)
{
    char key[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
    uint64_t n;
    int rc;

    if (snprintf(key, sizeof key, "%s/key", lib->dir) >= (int)sizeof key)
        return -ENAMETOOLONG;
    rc = key_needs_passphrase(key);
    if (rc <= 0)
        return rc;
    if (snprintf(dst, sizeof dst, "%s/keyfile", r->dir) >= (int)sizeof dst ||
        snprintf(tmp, sizeof tmp, "%s/keyfile.tmp", r->dir) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    unlink(tmp);
    return repo_copy_file(key, tmp, dst, &n);
}

int backup_run(struct af_library *lib, struct bk_repo *r, backup_progress_fn progress,
               void *arg, struct snapshot **out, const char **why,
               char bad_blob[VAULT_ID_HEX])
{
    struct snapshot *s = calloc(1, sizeof *s);
    struct timespec now;
    int rc;

    *out = NULL;
    *why = "";
    bad_blob[0] = '\0';
    if (!s)
        return -ENOMEM;
    clock_gettime(CLOCK_REALTIME, &now);
    s->time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    rc = keep_key_file(lib, r);
    if (rc < 0) {
        *why = "cannot keep the key file's parameters in the repository";
        goto fail;
    }
    rc = copy_catalog(lib, r, s, why);
    if (rc < 0)
        goto fail;
    s->total_bytes = s->catalog_size;
    rc = copy_blobs(lib, r, s, progress, arg, why, bad_blob);
    if (rc < 0)
        goto fail;
    repo_crash_point("manifest");
    rc = snapshot_write(r, s);
    if (rc < 0) {
        *why = "cannot write the snapshot's manifest";
        goto fail;
    }
    *out = s;
    return 0;
fail:
    snapshot_free(s);
    return rc;
}
