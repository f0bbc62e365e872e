/* favourites.h — a client adding or removing a favourite (a symlink made
 * or removed on a mount; albumctl does not make favourites for people).
 *
 * policy_may_favourite decides; the favourite and its activity row
 * ("favourite-added" / "favourite-removed") are one transaction.
 * Milestones and notifications stay with the caller (fs/actions.c).
 * Threading: as changes/marks.h.
 */
#ifndef ALBUMFS_CHANGES_FAVOURITES_H
#define ALBUMFS_CHANGES_FAVOURITES_H

#include <stdbool.h>
#include <stdint.h>

#include "changes/actor.h"

/* 1 when it changed, 0 when it was so already (nothing recorded), -ENOENT
 * (hidden or missing), -EPERM/-EACCES (not allowed), or a catalog errno. */
int change_favourite(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                     bool on) __attribute__((warn_unused_result));

#endif
