/* folders.h — changes to sets and albums: creating, renaming and deleting
 * sets, changing who may see a set, renaming albums.
 *
 * Set names "Web-size", "High-res", "Favourites", "Trash" and
 * "READ ME.txt" (in any letter case) are reserved: a mount shows folders
 * and a file of those names in an album (docs/filesystem.md;
 * names_check_reserved_in_album). A set deleted while photos of it are in the
 * trash is kept, marked deleted (sets.deleted), so that restoring one of
 * them brings it back; a deleted set's name is free for a new set.
 * Editors may create, rename and delete sets; changing a set's visibility
 * and renaming an album are the owner's alone. Policy, transactions,
 * activity and errors as changes/photos.h.
 */
#ifndef ALBUMFS_CHANGES_FOLDERS_H
#define ALBUMFS_CHANGES_FOLDERS_H

#include <stdbool.h>
#include <stdint.h>

#include "changes/actor.h"

/* 0 if `name` may name a set: names_check, and not reserved; -EINVAL (or
 * -ENAMETOOLONG) with a static reason in *why otherwise. */
int change_set_name_check(const char *name, const char **why);

int change_set_create(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                      const char *name, enum af_visibility vis, int64_t *set_id);
int change_set_rename(struct af_catalog *c, const struct change_actor *a, int64_t set_id,
                      const char *new_name);
/* -ENOTEMPTY with live photos; -EPERM for the album's last public set. */
int change_set_delete(struct af_catalog *c, const struct change_actor *a, int64_t set_id);
/* Who may see set_id (SPEC §1): the owner's alone (-EPERM for anyone
 * else who sees the set: opening a set to clients widens who sees its
 * photos, as a grant does). -EPERM too when it would leave the album
 * without a public set. Recorded ("visibility-changed") only when it
 * changes. */
int change_set_visibility(struct af_catalog *c, const struct change_actor *a, int64_t set_id,
                          enum af_visibility vis);
/* The owner's alone (-EPERM for anyone else who sees the album). */
int change_album_rename(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                        const char *new_name);

#endif
