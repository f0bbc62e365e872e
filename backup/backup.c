/* backup.c — taking a snapshot (see backup.h; docs/backup.md).
 *
 * States of one backup, each step performed by the function named:
 *   LOCKED     repo_open(REPO_WRITE) holds DEST/lock (caller)
 *   CATALOG    copy_catalog: sqlite3_backup of the live catalog (a read
 *              transaction: mounts and albumctl keep writing) into
 *              LIBRARY/vault/tmp/put-catalog-<hex>, then vault_put_fd into
 *              DEST/blobs (encrypted like any vault blob, content-addressed)
 *   BLOBS      copy_blobs: every vault blob the copy names (versions and
 *              the watermark logo) copied as-is into DEST/blobs unless
 *              already there (repo_copy_blob)
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
 * A blob purged from the library between CATALOG and BLOBS fails the run
 * (-ENOENT, named in bad_blob); running it again succeeds.
 */
#include <errno.h>
#include <fcntl.h>
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

static int sqlite_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_CANTOPEN:
        return -ENOENT;
    default:
        return -EIO;
    }
}

/* A consistent copy of src (SQLite's online backup) into the new file dst,
 * its rendered views marked as not cached. */
static int sqlite_copy(const char *src, const char *dst)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b;
    int rc;

    rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(from, 10000);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
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
    sqlite3_close(to);
    sqlite3_close(from);
    return rc == SQLITE_OK ? 0 : sqlite_errno(rc);
}

static void remove_sqlite_files(const char *path)
{
    char extra[PATH_MAX + 8];

    unlink(path);
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-journal", path);
    unlink(extra);
}

/* The blobs the catalog copy names, its photo count; into s. */
static int list_blobs(const char *copy, struct snapshot *s)
{
    struct af_catalog *c = NULL;
    struct cat_blob *rows = NULL;
    char logo[VAULT_ID_HEX * 2] = "";
    size_t n = 0;
    int64_t photos = 0;
    int rc;

    rc = catalog_open(copy, CAT_OPEN_EXISTING, &c);
    if (rc == 0)
        rc = catalog_version_blobs(c, &rows, &n);
    if (rc == 0)
        rc = catalog_photo_count(c, &photos);
    if (rc == 0) {
        rc = catalog_setting_get(c, "watermark.logo", logo, sizeof logo);
        if (rc == -ENOENT)
            rc = 0;
    }
    if (rc < 0)
        goto out;
    s->blobs = calloc(n + 1, sizeof *s->blobs);
    if (!s->blobs) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(s->blobs[i].id, sizeof s->blobs[i].id, "%s", rows[i].id);
    s->n_blobs = n;
    if (strlen(logo) == VAULT_ID_HEX - 1) {
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(s->blobs[i].id, logo) == 0;
        if (!dup) /* strlen(logo) == VAULT_ID_HEX - 1: the id and its NUL */
            memcpy(s->blobs[s->n_blobs++].id, logo, VAULT_ID_HEX);
    }
    s->photos = (uint64_t)photos;
out:
    free(rows);
    catalog_close(c);
    return rc;
}

/* CATALOG: copy, store encrypted in the repository, and read its blob list. */
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
    rc = sqlite_copy(src, tmp);
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
    rc = list_blobs(tmp, s);
    if (rc < 0)
        *why = "cannot read the catalog copy";
out:
    g_free(bytes);
    remove_sqlite_files(tmp);
    return rc;
}

/* BLOBS: every blob of s from the library's vault into the repository. */
static int copy_blobs(struct af_library *lib, struct bk_repo *r, struct snapshot *s,
                      backup_progress_fn progress, void *arg, const char **why,
                      char bad_blob[VAULT_ID_HEX])
{
    char vault[PATH_MAX], src[PATH_MAX];
    int rc = 0;

    if (snprintf(vault, sizeof vault, "%s/vault", lib->dir) >= (int)sizeof vault)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < s->n_blobs; i++) {
        uint64_t written = 0;

        if (progress)
            progress(arg, i, s->n_blobs);
        rc = repo_blob_path(vault, s->blobs[i].id, src);
        if (rc == 0)
            rc = repo_copy_blob(src, r->blobs_dir, s->blobs[i].id, &written);
        if (rc == 0)
            rc = repo_blob_size(r, s->blobs[i].id, &s->blobs[i].size);
        if (rc < 0) {
            snprintf(bad_blob, VAULT_ID_HEX, "%s", s->blobs[i].id);
            *why = rc == -ENOENT ? "a photo's blob is missing from the library's vault "
                                   "(run 'albumctl verify')"
                                 : "cannot copy a blob into the repository";
            return rc;
        }
        s->new_bytes += written;
        s->total_bytes += s->blobs[i].size;
        if (written)
            repo_crash_point("blob");
    }
    if (progress)
        progress(arg, s->n_blobs, s->n_blobs);
    return 0;
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
