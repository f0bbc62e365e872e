/* actor.h — who makes a change: the person every function of changes/
 * takes, checks the policy for, and names in the activity log.
 *
 * changes/ is the one layer that changes the library (STYLE.md habit 16):
 * albumctl, the daemon and a restore from backup all call it. It sits
 * above store/, media/ and policy/ and below fs/ and tools/; docs/changes.md
 * describes it.
 *
 * An actor borrows its subject (their grants now) and label; it owns
 * nothing and is valid as long as they are. No state, no locks.
 */
#ifndef ALBUMFS_CHANGES_ACTOR_H
#define ALBUMFS_CHANGES_ACTOR_H

#include <stdint.h>

#include "policy/policy.h"
#include "store/catalog.h"
#include "store/subject.h"

struct change_actor {
    const struct af_subject *who; /* their grants now; albumctl: subject_owner() */
    struct cat_person person;     /* who they are, for favourites and marks (clients) */
    const char *label;            /* activity actor: "owner", an e-mail, "link:<id>" */
};

/* albumctl's actor: the owner, labelled "owner". buf holds the subject
 * (no grants: nothing to release) and must outlive *out. */
void change_actor_owner(struct change_actor *out, struct af_subject_buf *buf);

/* The role a's grants give on album_id at `now` (OWNER for the owner) and
 * the grant it comes through (0 for the owner) into *via (may be NULL). */
enum af_role change_actor_role(const struct change_actor *a, int64_t album_id, af_time now,
                               int64_t *via);

#endif
