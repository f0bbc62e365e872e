/* forget.h — 'backup forget': drop the snapshots a keep policy does not
 * keep, then prune the blobs no kept snapshot needs.
 *
 * Policy (like restic's): for each of the N most recent days (weeks,
 * months) that have snapshots, the newest snapshot of that day (ISO week,
 * month), in UTC; a snapshot kept by any rule is kept.
 * Needs the repository opened REPO_WRITE (its lock keeps a backup from
 * adding blobs a manifest not yet written will name). Single-threaded.
 */
#ifndef ALBUMFS_BACKUP_FORGET_H
#define ALBUMFS_BACKUP_FORGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"
#include "backup/snapshot.h"

struct forget_policy {
    unsigned daily, weekly, monthly;
};

struct forget_result {
    size_t kept;
    size_t n_forgotten;
    char (*forgotten)[SNAPSHOT_ID_HEX]; /* caller frees with free() */
    uint64_t blobs_removed;
    uint64_t bytes_freed;
};

/* keep[i] = whether the snapshot taken at times_ms[i] is kept by p
 * (times in any order). */
void forget_select(const int64_t *times_ms, size_t n, const struct forget_policy *p,
                   bool *keep);

/* Apply p to r and prune. A manifest that cannot be read stops it before
 * anything is removed (-EBADMSG, *why says so): what that snapshot needs
 * is unknown. */
int backup_forget(struct bk_repo *r, const struct forget_policy *p, struct forget_result *res,
                  const char **why) __attribute__((warn_unused_result));

#endif
