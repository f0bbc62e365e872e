/* trash.h — the trash's recovery window and its end.
 *
 * A photo deleted (changes/photos.h change_photo_delete) stays in the trash
 * for the library's window (setting "trash.window", seconds; default 30
 * days; albumctl trash window), then is purged as the owner would purge it
 * (change_photo_purge). Run by albumctl (trash list, trash purge) and by a
 * mount's watcher.
 * Threading: as photos.h.
 */
#ifndef ALBUMFS_CHANGES_TRASH_H
#define ALBUMFS_CHANGES_TRASH_H

#include <stdint.h>

#include "policy/policy.h"
#include "store/library.h"

#include "changes/actor.h"

#define CHANGE_TRASH_WINDOW_DEFAULT ((af_time)30 * 24 * 3600)
#define CHANGE_TRASH_WINDOW_MIN ((af_time)3600)            /* an hour */
#define CHANGE_TRASH_WINDOW_MAX ((af_time)3650 * 24 * 3600) /* ten years */
#define CHANGE_TRASH_WINDOW_KEY "trash.window"

/* The window in seconds (the default when unset). 0, -EIO for a setting
 * not written by change_trash_set_window, or a catalog errno. */
int change_trash_window(struct af_catalog *c, af_time *out);

/* Set the window (owner only: -EPERM), recorded ("trash-window"): -EINVAL
 * outside CHANGE_TRASH_WINDOW_MIN .. _MAX. */
int change_trash_set_window(struct af_catalog *c, const struct change_actor *a, af_time window);

/* Purge every photo trashed at or before now - window, recorded as purged
 * by "albumfs": the number purged, or negative errno (those purged before
 * the error stay purged). */
int change_trash_expire(struct af_library *lib, struct af_catalog *c, af_time now);

#endif
