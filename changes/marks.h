/* marks.h — private marks: the one place a photo is marked private or
 * unmarked, by albumctl ('photo private', 'private unhide') and by the
 * daemon (chmod o-r / o+r on a mount) alike (SPEC §3, §6).
 *
 * A mark remembers who set it (photos.private_by): "owner" for the studio
 * (the owner or a team member), or the client's person key ("user:<id>",
 * "link:<id>"). policy_may_set_private decides from that who may change
 * it: the studio always; a client only a mark nobody or a client set, so a
 * client cannot undo what the photographer hid. Whether the person may
 * mark at all (their grants, the album's consent: policy_may_mark_private)
 * is asked here too.
 *
 * Threading: no state of its own; each call runs one write transaction on
 * the connection it is given (one thread at a time).
 */
#ifndef ALBUMFS_CHANGES_MARKS_H
#define ALBUMFS_CHANGES_MARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "changes/actor.h"

/* The marker a photo's mark has now (NONE when it is not marked). */
enum af_marker marks_marker(const struct cat_photo *p);

/* Mark photo_id private (on) or take its mark off, recording
 * "private-marked" / "private-unmarked" in the same transaction. 1 when it
 * changed, 0 when it was so already (nothing recorded), -ENOENT for a photo
 * hidden from a or missing, -EPERM when a may not mark it or the mark is
 * not theirs to change (policy_may_set_private), or a catalog errno. The
 * studio marking a photo a client marked makes the mark the studio's. */
int change_mark_private(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                        bool on) __attribute__((warn_unused_result));

#endif
