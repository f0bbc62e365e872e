/* backup.h — taking one snapshot of a library into a repository, checking
 * a repository, restoring a whole snapshot into a new library folder, and
 * restoring an album, a set or a photo into the live library.
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
#include "policy/policy.h"
#include "store/library.h"

/* Where a long operation is: files (blob files, or manifests) and bytes,
 * done and in all (bytes_total 0: not counted). */
struct backup_progress {
    size_t files_done, files_total;
    uint64_t bytes_done, bytes_total;
};
/* progress(arg, where), or NULL: called before the first file, after each
 * and at the end. */
typedef void (*backup_progress_fn)(void *arg, const struct backup_progress *where);

/* Take a snapshot of lib into r (opened REPO_WRITE). *out (caller frees
 * with snapshot_free) describes it. On failure *bad_blob names the blob
 * that failed when one did (else ""). Progress counts the blob files to
 * copy (those not in the repository yet) and their bytes. */
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
 * negative errno when the check could not run. Progress counts the
 * distinct blobs and (read_data) their bytes. */
int backup_check(struct bk_repo *r, bool read_data, backup_progress_fn progress, void *arg,
                 struct check_result *res) __attribute__((warn_unused_result));

/* Restore snapshot s of r into the new library folder `to` (missing, or
 * an empty folder), with the library key from key_file (whose bytes become
 * its key file) already loaded as key. Every blob is authenticated as it
 * lands; on failure what was made is removed. -EEXIST / -ENOTEMPTY: `to`
 * is in use. Progress counts the blob files and their bytes. */
int backup_restore(struct bk_repo *r, const struct snapshot *s, const struct af_key *key,
                   const char *key_file, const char *to, backup_progress_fn progress,
                   void *arg, const char **why, char bad_blob[VAULT_ID_HEX])
    __attribute__((warn_unused_result));

/* Decrypt snapshot s's catalog copy, authenticated first, into the new
 * file `path` (0600, fsync'd). On failure *why says what, bad_blob names
 * the catalog's blob when it is the blob that failed, and `path` is
 * removed. */
int backup_extract_catalog(struct bk_repo *r, const struct snapshot *s, const char *path,
                           const char **why, char bad_blob[VAULT_ID_HEX])
    __attribute__((warn_unused_result));

/* What backup_restore_into brought back. */
struct restore_into_result {
    struct cat_restore_result rows;
    size_t blobs;          /* blob files the restored versions need */
    size_t blobs_copied;   /* of them, copied into the vault (the others were there) */
    uint64_t bytes_copied;
};

/* Restore spec (an album, a set or one photo, by its names in snapshot s)
 * from r into the live library lib, acting as `who` (the owner alone may:
 * -EPERM otherwise) recorded as `actor`: the blobs its versions need are
 * copied into the vault (unless there) and authenticated where they
 * landed; then the catalog rows (store/catalog.h,
 * catalog_restore_rows) and the activity record "restored-from-backup"
 * are written in one transaction (nothing at all when everything was there
 * already: backup_restored_anything). On failure nothing is recorded and the
 * blobs this call added are removed again. -ENOENT, -EEXIST: see
 * catalog_restore_rows (*why says which); -EPROTO: the snapshot was
 * written by a newer albumfs. Progress counts the blob files and bytes. */
int backup_restore_into(struct af_library *lib, const struct af_subject *who, const char *actor,
                        struct bk_repo *r, const struct snapshot *s,
                        const struct cat_restore_spec *spec, backup_progress_fn progress,
                        void *arg, struct restore_into_result *out, const char **why,
                        char bad_blob[VAULT_ID_HEX]) __attribute__((warn_unused_result));

/* Whether a restore into the live library changed anything (else all it
 * asked for was there already, and nothing was recorded). */
bool backup_restored_anything(const struct restore_into_result *res);

#endif
