/* rules_text.h — the rules of an album for one person, in plain words.
 *
 * One text says what a person may do in an album, how, how many high-res
 * photos remain and until when; the invitation e-mail (store/notify.c) and
 * the READ ME.txt file of every album folder on a mount (fs/readme.c) both
 * show it, so the two never disagree. It names only the album and the
 * folders every album shows (Favourites, Web-size, High-res): never a set,
 * a photo or another person, so it cannot tell anyone of something hidden
 * from them. Dates are written in English in UTC, whatever the locale.
 * Pure functions: no I/O, no clock; thread-safe. The facts come from the
 * person's grants (rules_facts_for) and, for allowances, from the catalog
 * (store/subject.h: subject_rules_facts).
 */
#ifndef ALBUMFS_RULES_TEXT_H
#define ALBUMFS_RULES_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define RULES_POOLS_MAX 4 /* allowances told apart; more are not named */

enum rules_highres {
    RULES_HIGHRES_NONE = 0,
    RULES_HIGHRES_UNLIMITED,   /* every photo, taken freely */
    RULES_HIGHRES_ALLOWANCE,   /* from limited allowances (pools) */
};

/* One limited allowance the person draws from. */
struct rules_allowance {
    int64_t pool_id;
    int64_t limit;  /* photos in all; -1 unlimited (then not listed) */
    int64_t used;   /* photos taken so far, by anyone sharing it */
};

/* What a person may do in one album now. */
struct rules_facts {
    enum af_role role;          /* NONE: the album is not theirs to see */
    bool favourites;
    bool web;                   /* Web-size/ downloads */
    enum rules_highres highres;
    bool highres_some_sets;     /* downloads only from some of the sets */
    size_t n_pools;
    struct rules_allowance pools[RULES_POOLS_MAX];
    bool mark_private;          /* may mark photos private (chmod o-r) */
    bool watermarked;           /* their proofs carry a watermark */
    af_time expires;            /* when access ends; 0 never */
};

/* The facts of `who` on album album_id at `now` from their grants alone:
 * each allowance's limit and use are left at -1 and 0 for the caller to
 * fill (subject_rules_facts does). */
void rules_facts_for(const struct af_subject *who, int64_t album_id,
                     bool album_allows_private_marks, af_time now, struct rules_facts *out);

/* "Thursday 31 December 2026, 18:00 UTC" into buf (at least 48 bytes). */
void rules_format_date(af_time t, char *buf, size_t len);

/* Where the text is shown. */
enum rules_place {
    RULES_IN_GALLERY,    /* READ ME.txt inside the album folder */
    RULES_IN_INVITATION, /* the invitation e-mail */
};

/* The text for album `album` (its name) and facts f: lines of at most 76
 * bytes (plus the album's name), ending in LF. Caller frees with free();
 * NULL when out of memory. */
char *rules_text(const struct rules_facts *f, const char *album, enum rules_place place);

#endif
