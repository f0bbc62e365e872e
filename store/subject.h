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
#include "policy/rules_text.h"
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
/* A link's grants; a client door's (cat_link.door_of) only while its link
 * has an unrevoked grant, and never past the link's expiry: revoking or
 * ending the link closes both doors. `link` is the row as it was when the
 * person logged in: when its password has changed since (replaced, set,
 * removed), the login no longer holds and the grants are none. */
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
/* Any photo of set s not marked private: what the policy says of the set's
 * photos in general. */
void entry_for_any_photo(const struct cat_album *a, const struct cat_set *s,
                         struct af_entry *out);

/* Which name who sees the photos and documents of set s under in the set's
 * own folder and in Favourites/ (docs/filesystem.md): their own names for
 * people who browse originals (owner, editors), their view names for
 * everyone else. (Web-size/ and High-res/ show view names to everyone.) */
enum cat_name_kind subject_name_kind(const struct af_subject *who, const struct cat_album *a,
                                     const struct cat_set *s, af_time now);

/* The rules of album a for `who` at `now` (policy/rules_text.h), with
 * each allowance's limit and use read from the catalog: 0, or negative
 * errno (a pool that is gone is left as "an allowance"). */
int subject_rules_facts(struct af_catalog *c, const struct af_subject *who,
                        const struct cat_album *a, af_time now, struct rules_facts *out);
/* Only the second half: each allowance of f read from the catalog. */
int subject_rules_pools(struct af_catalog *c, struct rules_facts *f);

/* Photo p's name of that kind. */
const char *photo_file_name(const struct cat_photo *p, enum cat_name_kind kind);

#endif
