/* backup.h — taking one snapshot of a library into a repository, checking
 * a repository, and restoring a whole snapshot into a new library folder.
 *
 * Each function reports progress through an optional callback and a
 * one-line reason (*why, static text) on failure; the repository is opened
 * by the caller (repo.h). Single-threaded.
 */
#ifndef ALBUMFS_BACKUP_BACKUP_H
#define ALBUMFS_BACKUP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "backup/repo.h"
#include "backup/snapshot.h"
#include "store/library.h"

/* progress(arg, done, total), or NULL. */
typedef void (*backup_progress_fn)(void *arg, size_t done, size_t total);

/* Take a snapshot of lib into r (opened REPO_WRITE). *out (caller frees
 * with snapshot_free) describes it. On failure *bad_blob names the blob
 * that failed when one did (else ""). */
int backup_run(struct af_library *lib, struct bk_repo *r, backup_progress_fn progress,
               void *arg, struct snapshot **out, const char **why,
               char bad_blob[VAULT_ID_HEX]) __attribute__((warn_unused_result));

/* One problem found by backup_check. */
struct check_problem {
    char snapshot[SNAPSHOT_ID_HEX];
    char blob[VAULT_ID_HEX]; /* "" when the manifest itself failed */
    int err;  /* -ENOENT missing; -EFBIG wrong size; -EBADMSG does not authenticate;
                 -EPROTO newer format; other errno: could not be read */
};

struct check_result {
    size_t snapshots;
    size_t blobs;          /* distinct blobs checked */
    size_t n_problems;
    struct check_problem *problems; /* caller frees with g_free */
};

/* Check every snapshot's manifest and that every blob it names is there
 * with its size; with read_data also decrypt and authenticate every byte
 * of every blob (each distinct blob once). 0 (problems in *res) or a
 * negative errno when the check could not run. */
int backup_check(struct bk_repo *r, bool read_data, backup_progress_fn progress, void *arg,
                 struct check_result *res) __attribute__((warn_unused_result));

/* Restore snapshot s of r into the new library folder `to` (missing, or
 * an empty folder), with the library key from key_file (whose bytes become
 * its key file) already loaded as key. Every blob is authenticated as it
 * lands; on failure what was made is removed. -EEXIST / -ENOTEMPTY: `to`
 * is in use. */
int backup_restore(struct bk_repo *r, const struct snapshot *s, const struct af_key *key,
                   const char *key_file, const char *to, backup_progress_fn progress,
                   void *arg, const char **why, char bad_blob[VAULT_ID_HEX])
    __attribute__((warn_unused_result));

#endif
