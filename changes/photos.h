/* photos.h — changes to photos and documents: adding one (or a new
 * version), renaming, moving, deleting to the trash, restoring from it,
 * purging for good, and making an old version current.
 *
 * Every function takes the acting person (changes/actor.h), checks the
 * policy itself (policy_may_modify; purging also policy_may_administer),
 * and writes the catalog and the activity row in one BEGIN IMMEDIATE
 * transaction. Errors: -ENOENT (hidden or missing: the same answer),
 * -EPERM (visible, not allowed), -EEXIST (the name is taken), -EINVAL (a
 * name that may not be used, bytes that do not decode), -EFBIG, -ENOSPC,
 * -EBUSY (the catalog stayed locked past its timeout), -EIO.
 *
 * Versions: a photo's versions are never rewritten or removed while the
 * photo exists; restoring an old version adds a newest version that points
 * at the old bytes. The trash keeps a photo's row (photos.trashed) with
 * all its versions, favourites and marks until it is restored or purged.
 *
 * Threading: no state of its own; each call uses the connection it is
 * given (one thread at a time) and the vaults of the library, which are
 * thread-safe.
 */
#ifndef ALBUMFS_CHANGES_PHOTOS_H
#define ALBUMFS_CHANGES_PHOTOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "changes/actor.h"
#include "media/probe.h"
#include "store/library.h"

struct change_added {
    int64_t photo_id, version_id;
    bool new_photo;   /* a new photo (activity "upload"), else a new version ("version") */
    bool unchanged;   /* the bytes were the photo's current version already: nothing recorded */
    struct media_info info;
    uint64_t size;
};

/* 0 if `name` may name a photo or document: names_check's errno, or
 * -EINVAL for a junk name (names_is_junk), with a one-line reason in
 * why[why_len] (why may be NULL). */
int change_photo_name_check(const char *name, char *why, size_t why_len);

/* 0 if a file of `size` bytes may become a photo or document: -EINVAL when
 * empty, -EFBIG above MEDIA_MAX_FILE_BYTES, with a reason as above. */
int change_photo_size_check(uint64_t size, char *why, size_t why_len);

/* Probe (must decode completely: media_probe_buffer), store in the vault,
 * record: `name` in set set_id becomes a new photo, or a new version of the
 * live photo of that name. Used by albumctl import, uploads through a
 * mount, and a restore from backup. The caller must have called
 * media_init. why[why_len] gets a one-line reason for a person on failure
 * (why may be NULL). The name and size are checked first (the two checks
 * above), then the policy, then the bytes are decoded. */
int change_photo_add(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                     int64_t set_id, const char *name, const void *buf, size_t len,
                     struct change_added *out, char *why, size_t why_len);

/* Remove vault blob `blob` unless a catalog row names it, under the
 * catalog's write lock (as a purge does, so no add is naming it at that
 * moment): 0 (*removed says whether it was there to remove) or negative
 * errno. For what an interrupted or refused add stored. */
int change_blob_forget(struct af_library *lib, struct af_catalog *c, const char *blob,
                       bool *removed);

/* -EEXIST onto a live name. */
int change_photo_rename(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                        const char *new_name);

/* Into set to_set_id of the same or another album the actor may modify,
 * under new_name (NULL: keep its name). Versions and favourites stay. */
int change_photo_move(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                      int64_t to_set_id, const char *new_name);

/* To the trash. */
int change_photo_delete(struct af_catalog *c, const struct change_actor *a, int64_t photo_id);

/* From the trash, under its name in its set: -EEXIST if a live photo took
 * the name meanwhile; a deleted set comes back with it (-EEXIST when a
 * live set took the set's name). */
int change_photo_restore(struct af_catalog *c, const struct change_actor *a, int64_t photo_id);

/* Owner only (-EPERM for anyone else who sees it): remove the photo for
 * good (versions, renditions, favourites go with it), then every vault
 * blob no longer referenced, and its rendered views from the cache. */
int change_photo_purge(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                       int64_t photo_id);

/* Make version number version_number (1 = oldest) current by adding it
 * again as the newest ("version-restored"). -ENOENT for no such version;
 * 0 with nothing recorded when it is current already. */
int change_photo_restore_version(struct af_catalog *c, const struct change_actor *a,
                                 int64_t photo_id, int64_t version_number);

#endif
