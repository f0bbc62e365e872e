/* forget.c — forgetting snapshots and pruning blobs (see forget.h).
 *
 * States, each step performed by the function named:
 *   READ       every manifest read (read_all); one that does not open stops
 *              everything before anything is removed
 *   FORGOTTEN  the manifests not kept unlinked, snapshots/ fsync'd
 *              (forget_manifests)
 *   PRUNED     every blob file no kept manifest names unlinked, each fan-out
 *              folder fsync'd (sweep)
 * Invariants after a crash at any point:
 *   1. A blob is removed only after the manifests that named it are gone
 *      durably, so every manifest still in snapshots/ has all its blobs.
 *   2. A crash after FORGOTTEN leaves blobs no snapshot names; the next
 *      forget removes them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "backup/forget.h"
#include "store/sysio.h"

struct dated {
    int64_t time_ms;
    size_t index;
};

static int newest_first(const void *a, const void *b)
{
    const struct dated *x = a, *y = b;

    return x->time_ms > y->time_ms ? -1 : x->time_ms < y->time_ms;
}

enum bucket { BY_DAY, BY_WEEK, BY_MONTH };

static void bucket_key(enum bucket by, const struct tm *tm, char key[16])
{
    switch (by) {
    case BY_DAY:
        strftime(key, 16, "%Y-%m-%d", tm);
        break;
    case BY_WEEK:
        strftime(key, 16, "%G-W%V", tm);
        break;
    case BY_MONTH:
        strftime(key, 16, "%Y-%m", tm);
        break;
    }
}

/* Keep the newest snapshot of each of the `count` most recent buckets. */
static void keep_buckets(const struct dated *d, size_t n, unsigned count, enum bucket by,
                         bool *keep)
{
    char last[16] = "", key[16];
    unsigned taken = 0;

    for (size_t i = 0; i < n && taken < count; i++) {
        time_t t = (time_t)(d[i].time_ms / 1000);
        struct tm tm;

        gmtime_r(&t, &tm);
        bucket_key(by, &tm, key);
        if (strcmp(key, last) == 0)
            continue;
        memcpy(last, key, sizeof last);
        keep[d[i].index] = true;
        taken++;
    }
}

void forget_select(const int64_t *times_ms, size_t n, const struct forget_policy *p,
                   bool *keep)
{
    struct dated *d = calloc(n ? n : 1, sizeof *d);

    for (size_t i = 0; i < n; i++)
        keep[i] = d == NULL; /* out of memory: forget nothing */
    if (!d)
        return;
    for (size_t i = 0; i < n; i++)
        d[i] = (struct dated){times_ms[i], i};
    qsort(d, n, sizeof *d, newest_first);
    keep_buckets(d, n, p->daily, BY_DAY, keep);
    keep_buckets(d, n, p->weekly, BY_WEEK, keep);
    keep_buckets(d, n, p->monthly, BY_MONTH, keep);
    free(d);
}

static int read_all(struct bk_repo *r, struct snapshot ***out, size_t *n, const char **why)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL;
    struct snapshot **snaps;
    int rc = snapshot_list(r, &ids, n);

    *out = NULL;
    if (rc < 0)
        return rc;
    snaps = calloc(*n ? *n : 1, sizeof *snaps);
    if (!snaps)
        rc = -ENOMEM;
    for (size_t i = 0; i < *n && rc == 0; i++) {
        rc = snapshot_read(r, ids[i], &snaps[i]);
        if (rc < 0)
            *why = "a snapshot's manifest cannot be read, so what it needs is unknown; "
                   "run 'albumctl backup verify' and remove or repair it first";
    }
    if (rc < 0 && snaps) {
        for (size_t i = 0; i < *n; i++)
            snapshot_free(snaps[i]);
        free(snaps);
        snaps = NULL;
    }
    free(ids);
    *out = snaps;
    return rc;
}

static int forget_manifests(struct bk_repo *r, struct snapshot **snaps, size_t n,
                            const bool *keep, struct forget_result *res)
{
    int dfd = openat(r->dirfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

    if (dfd < 0)
        return -errno;
    res->forgotten = calloc(n ? n : 1, sizeof *res->forgotten);
    if (!res->forgotten)
        rc = -ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (keep[i]) {
            res->kept++;
            continue;
        }
        if (unlinkat(dfd, snaps[i]->id, 0) < 0 && errno != ENOENT) {
            rc = -errno;
            break;
        }
        memcpy(res->forgotten[res->n_forgotten++], snaps[i]->id, SNAPSHOT_ID_HEX);
        repo_crash_point("forget");
    }
    if (rc == 0 && sysio_fsync(dfd) < 0)
        rc = -errno;
    close(dfd);
    return rc;
}

/* Remove the blob files of fan-out folder `name` (under blobs) that are
 * not in needed. */
static int sweep_fan(int blobs, const char *name, GHashTable *needed, struct forget_result *res)
{
    int fan, rc, removed = 0;
    struct dirent *de;
    DIR *d;

    rc = repo_opendir(blobs, name, &d);
    if (rc < 0)
        return rc;
    fan = dirfd(d);
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!repo_is_hex(de->d_name, VAULT_ID_HEX - 1) || g_hash_table_contains(needed, de->d_name))
            continue;
        if (fstatat(fan, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlinkat(fan, de->d_name, 0) < 0) {
            rc = -errno;
            break;
        }
        res->blobs_removed++;
        res->bytes_freed += (uint64_t)st.st_size;
        removed = 1;
        repo_crash_point("prune-blob");
    }
    if (rc == 0 && removed && sysio_fsync(fan) < 0)
        rc = -errno;
    closedir(d);
    return rc;
}

static int sweep(struct bk_repo *r, GHashTable *needed, struct forget_result *res)
{
    struct dirent *de;
    DIR *d;
    int rc = repo_opendir(AT_FDCWD, r->blobs_dir, &d);

    if (rc < 0)
        return rc;
    while (rc == 0 && (de = readdir(d)) != NULL)
        if (repo_is_hex(de->d_name, 2))
            rc = sweep_fan(dirfd(d), de->d_name, needed, res);
    closedir(d);
    return rc;
}

int backup_forget(struct bk_repo *r, const struct forget_policy *p, struct forget_result *res,
                  const char **why)
{
    struct snapshot **snaps = NULL;
    int64_t *times = NULL;
    bool *keep = NULL;
    GHashTable *needed = NULL;
    size_t n = 0;
    int rc;

    memset(res, 0, sizeof *res);
    *why = "";
    rc = read_all(r, &snaps, &n, why);
    if (rc < 0)
        return rc;
    times = calloc(n ? n : 1, sizeof *times);
    keep = calloc(n ? n : 1, sizeof *keep);
    needed = g_hash_table_new(g_str_hash, g_str_equal);
    if (!times || !keep) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        times[i] = snaps[i]->time_ms;
    forget_select(times, n, p, keep);
    rc = forget_manifests(r, snaps, n, keep, res);
    if (rc < 0) {
        *why = "cannot remove a snapshot's manifest";
        goto out;
    }
    repo_crash_point("prune");
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        g_hash_table_add(needed, snaps[i]->catalog);
        for (size_t b = 0; b < snaps[i]->n_blobs; b++)
            g_hash_table_add(needed, snaps[i]->blobs[b].id);
    }
    rc = sweep(r, needed, res);
    if (rc < 0)
        *why = "cannot remove a blob no snapshot needs";
out:
    g_hash_table_destroy(needed);
    for (size_t i = 0; i < n; i++)
        snapshot_free(snaps[i]);
    free(snaps);
    free(times);
    free(keep);
    return rc;
}
