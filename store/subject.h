/* subject.h — turning catalog rows into the inputs of the policy layer.
 *
 * The policy functions are pure; this is where a person (owner, user, link)
 * becomes a struct af_subject carrying every grant that names them, and
 * where album/set/photo rows become struct af_entry. Used by the daemon and
 * by `albumctl ls --as` so both see exactly the same world.
 */
#ifndef ALBUMFS_SUBJECT_H
#define ALBUMFS_SUBJECT_H

#include "policy/policy.h"
#include "store/catalog.h"

/* A subject and the grants it owns (malloc'd; released by subject_release). */
struct af_subject_buf {
    struct af_subject subject;
    struct af_grant *grants;
    char label[AF_EMAIL_MAX + 1]; /* "owner", the e-mail, or "link:<id>" */
};

void subject_owner(struct af_subject_buf *out);
void subject_nobody(struct af_subject_buf *out);
int subject_for_user(struct af_catalog *c, const struct cat_user *user, struct af_subject_buf *out);
int subject_for_link(struct af_catalog *c, const struct cat_link *link, struct af_subject_buf *out);
void subject_release(struct af_subject_buf *s);

/* The views a mount offers of a photo or document (bitmask of af_view):
 * policy_views, less high-res for people who browse the original already
 * (the original is their high-res file). albumctl ls shows exactly these. */
unsigned subject_offered_views(const struct af_subject *who, const struct af_entry *e,
                               af_time now);

void entry_for_album(const struct cat_album *a, struct af_entry *out);
void entry_for_set(const struct cat_album *a, const struct cat_set *s, struct af_entry *out);
void entry_for_photo(const struct cat_album *a, const struct cat_set *s,
                     const struct cat_photo *p, struct af_entry *out);

#endif
