/* claims.h — from a share link to access of one's own, by a confirmed
 * address (SPEC §3: "gets access of their own only after confirming that
 * address; until then they have exactly the link's rights").
 *
 * A link holder who gives an e-mail address is sent a one-time code at that
 * address; only the code, given back, turns the address into a grant of
 * their own. Naming an address proves nothing, so it never opens anything.
 *
 * The life of one code (one row of claim_codes, per link and address):
 *
 *     (none) --claims_send_code--> SENT --right code--> ACCEPTED
 *                                   |  \--wrong code--> SENT (tries + 1)
 *                                   |--time--> EXPIRED
 *                                   |--CLAIM_CODE_TRIES wrong--> SPENT
 *                                   \--a newer code sent--> SUPERSEDED
 *
 * Invariants:
 *  1. Only the newest code of a link and address can be accepted; EXPIRED,
 *     SPENT, SUPERSEDED and ACCEPTED codes are refused.
 *  2. A code is accepted at most once: its `used` stamp, the user, the
 *     grant and the "link-claimed" record are written in one transaction,
 *     so a crash leaves either all of them or none.
 *  3. A wrong attempt is counted and recorded ("link-claim-code-wrong")
 *     before the refusal is returned, in a committed transaction (at most
 *     CLAIM_REFUSALS_RECORDED identical records per CLAIM_CODE_TTL_SECONDS,
 *     so a loop cannot flood the log).
 *  4. The codes are 50 random bits, kept only as a keyed hash bound to the
 *     link and the address, and compared in constant time. At most
 *     CLAIM_CODE_TRIES attempts per code and CLAIM_CODES_PER_ADDRESS codes
 *     per link and address per CLAIM_CODE_TTL_SECONDS (and
 *     CLAIM_CODES_PER_LINK codes per link per hour, whatever the address)
 *     bound guessing and the mail a link holder can make the studio send.
 *  5. A claimed grant is the link's settings with role invited and
 *     favourites allowed (clamped to the invited column, so never wider than
 *     the link), expires no later than the link's grant, records the link
 *     (via_link_id), and is revoked with the link unless the owner keeps it.
 *  6. Every mount with an address needs a fresh code: an accepted claim does
 *     not let the next holder of the link type the same address.
 *
 * Threading: no state of its own; each call uses the catalog connection it
 * is given (one thread at a time) and makes its own transaction, except
 * claims_revoke_with_link, which runs inside the caller's.
 */
#ifndef ALBUMFS_CLAIMS_H
#define ALBUMFS_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/library.h"

#define CLAIM_CODE_CHARS 10               /* base32: 50 bits */
#define CLAIM_CODE_TTL_SECONDS (30 * 60)
#define CLAIM_CODE_TRIES 5                /* wrong attempts that spend a code */
#define CLAIM_CODES_PER_ADDRESS 3         /* per link and address, per CLAIM_CODE_TTL_SECONDS */
#define CLAIM_CODES_PER_LINK 20           /* per link, any address, per hour */
#define CLAIM_CODE_FILE_MAX 64            /* bytes of a code file read */
#define CLAIM_REFUSALS_RECORDED 20        /* identical refusals recorded per CLAIM_CODE_TTL_SECONDS */

/* What claims_send_code did. */
enum claim_sent {
    CLAIM_SENT = 0,           /* a new code is queued and the mail command is set */
    CLAIM_SENT_NO_COMMAND,    /* a new code is queued, but no notify.command: it waits */
    CLAIM_NOT_SENT_ADDRESS,   /* CLAIM_CODES_PER_ADDRESS reached: the newest code holds */
    CLAIM_NOT_SENT_LINK,      /* CLAIM_CODES_PER_LINK reached */
};

/* Make a code for `email` on `link` and queue it to that address through
 * the outbox (recorded as "link-claim-code-sent"), unless a rate limit says
 * not to. 0 with *out, -EINVAL when email is not an address, or a catalog
 * or notification errno (nothing is then queued or recorded). */
int claims_send_code(const struct af_library *lib, struct af_catalog *c,
                     const struct cat_link *link, const char *email, enum claim_sent *out)
    __attribute__((warn_unused_result));

/* Read a code from the file at path into code[CLAIM_CODE_FILE_MAX + 1].
 * -EPERM when group or others may read the file, -ENODATA when it holds no
 * code, -EINVAL when it is not a regular file, or the errno of open/read. */
int claims_read_code_file(const char *path, char code[CLAIM_CODE_FILE_MAX + 1])
    __attribute__((warn_unused_result));

/* The code as typed (any letter case, blanks and dashes anywhere:
 * "ABCDE-fghij") reduced to its CLAIM_CODE_CHARS lowercase characters into
 * out; false when it is not a code. out is a string either way (what was
 * read before the code was found wrong). */
bool claims_code_normalise(const char *typed, char out[CLAIM_CODE_CHARS + 1]);

/* Check `code` for `email` on `link`, whose live grant is link_grant. Right:
 * the code is spent, the address becomes a user (if new) with a grant of
 * their own claimed through the link (unless they hold a live grant on the
 * album already), "link-claimed" is recorded, and 0 is returned with *user.
 * Refused: -EACCES with *why (recorded; see the invariants). -EINVAL when
 * email is not an address; otherwise a catalog errno. */
int claims_confirm(const struct af_library *lib, struct af_catalog *c,
                   const struct cat_link *link, const struct af_grant *link_grant,
                   const char *email, const char *code, struct cat_user *user, const char **why)
    __attribute__((warn_unused_result));

/* Revoke, at `when`, every grant claimed through the link of link_grant on
 * its album, recording "grant-revoked" by `actor` for each. The caller
 * holds a write transaction (catalog_begin). 0 with *revoked (malloc'd, the
 * grants as they were before revoking; caller frees) and *n. */
int claims_revoke_with_link(struct af_catalog *c, const struct cat_grant *link_grant,
                            af_time when, const char *actor, struct cat_grant **revoked,
                            size_t *n) __attribute__((warn_unused_result));

#endif
