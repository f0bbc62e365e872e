/* albums.h — the end of a project: closing an album (every grant and link
 * revoked at once) and archiving it (hidden from every mount but the
 * owner's, no new grants or links, everything kept) or bringing it back.
 *
 * Both are the owner's alone (policy_may_administer); someone the album is
 * hidden from gets -ENOENT, an editor -EPERM. Each is one transaction that
 * writes the catalog and the activity: "grant-revoked" for each grant a
 * close ends and then "album-closed" (detail: how many); "album-archived"
 * and "album-unarchived". A change to what is so already (closing an album
 * with no grant left to revoke, archiving an archived album) records
 * nothing. Live mounts follow within a second: both bump the catalog's
 * generation, which every mount's watcher polls. docs/policy.md says what
 * archived means for mounts and for albumctl.
 */
#ifndef ALBUMFS_CHANGES_ALBUMS_H
#define ALBUMFS_CHANGES_ALBUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "changes/actor.h"

/* Revoke every grant of the album that is not revoked yet (users', teams',
 * links' and those claimed through links; live or expired, so none can be
 * extended again). The grants revoked now go to *revoked (malloc'd, as
 * they were before; caller frees with free()) and their number to *n.
 * Returns 0 or a negative errno (nothing changed). */
int change_album_close(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                       struct cat_grant **revoked, size_t *n);

/* Archive (on) or unarchive the album. 1 when that changed it, 0 when it
 * was so already, or a negative errno. */
int change_album_archive(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                         bool on);

#endif
