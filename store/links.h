/* links.h — share links: tokens and passwords (SPEC §7).
 *
 * A token is 32 random bytes (256 bits) written as 52 characters of
 * lowercase base32, shown once at creation; the catalog keeps only its
 * keyed BLAKE2b hash. Passwords are at least 8 bytes and stored as Argon2id
 * strings. Checking a token + password is constant-time in the secret parts;
 * every failure is logged in the activity.
 *
 * Password turns (the back-off). Every attempt to check a password on a link
 * first takes the link's next turn, in one short write transaction shared by
 * every process that opens the library:
 *     slot       = max(now, not_before)
 *     not_before = slot + spacing(wrong passwords on the link in the last
 *                  15 minutes): 0.25 s, doubling per failure, at most 8 s
 * commits, sleeps until its slot, and only then checks the password, right
 * or wrong. So parallel attempts queue behind each other, and an attempt
 * killed while it waits has still used its turn: the verdict never comes
 * sooner than the turn. A turn further than LINK_QUEUE_MAX_MS ahead is not
 * taken (-EAGAIN): nobody waits longer than that, and a queue cannot be
 * pushed ever further ahead by attempts that are started and killed.
 *
 * Two doors (issue 12). A link with a password may have a client door: a
 * second password that opens the link's client door (a link row of its
 * own, cat_link.door_of, with its own grants) instead of the guest view.
 * On a mount the password alone picks the door (LINKS_DOOR_EITHER). A
 * WebDAV login names its door in the user name (rclone caches a login by
 * user name, fs/gateway.c), and there the other door's password is as
 * wrong as any other. Both passwords are checked on every attempt, under
 * the link's one queue of turns, and a wrong password is logged once, on
 * the link ("link:<id>"), saying which door or doors it was tried on.
 */
#ifndef ALBUMFS_LINKS_H
#define ALBUMFS_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/library.h"

#define LINK_TOKEN_CHARS 52
#define LINK_PASSWORD_MIN 8
#define LINK_PASSWORD_MAX 1024

/* A fresh token into buf (at least LINK_TOKEN_CHARS + 1 bytes). */
void links_new_token(char *buf, size_t len);

/* Whether token is spelled as links_new_token writes one: exactly
 * LINK_TOKEN_CHARS characters of lowercase base32. Anything else names no
 * link (links_resolve: -ENOENT) and is never looked up. */
bool links_token_well_formed(const char *token);

/* Argon2id string of a password into out[CAT_PWHASH_MAX]. -EINVAL when the
 * password is shorter than LINK_PASSWORD_MIN, -ENOMEM on failure. */
int links_hash_password(const char *password, char out[CAT_PWHASH_MAX]);

/* Read a password from a file (first line, trailing newline removed) into a
 * malloc'd string the caller frees with links_password_free (guarded
 * memory: libsodium is initialised here if it was not). -E2BIG for a file
 * over LINK_PASSWORD_MAX bytes. */
int links_read_password_file(const char *path, char **out);
void links_password_free(char *password);

/* Read a link token from a file (--link-file): its first line, blanks
 * around it removed, into token[len] (len > LINK_TOKEN_CHARS). A token is a
 * secret, so, as with the key, the file must be a regular file that neither
 * group nor others may read or write: -EPERM otherwise. -EINVAL: the first
 * line is empty; -E2BIG: it is too long to be a token; or the errno of
 * opening or reading it. token is "" on every failure. */
int links_read_token_file(const char *path, char *token, size_t len);

#define LINK_QUEUE_MAX_MS 60000

/* The turn an attempt took (links_resolve). Times in ms since the epoch. */
struct links_turn {
    int64_t slot_ms;    /* when it was let in to check its password */
    int64_t spacing_ms; /* how long after that the next attempt waits */
};

/* Resolve a token (and password, NULL if none given) to its link, in this
 * order:
 *   - the token: -ENOENT when no link has it (or it is malformed);
 *   - a live grant: -EKEYEXPIRED when every grant of the link expired or was
 *     revoked (said before any password is looked at, and not logged);
 *   - a link without a password resolves (0);
 *   - no password given: -EACCES (asked for, not guessed: no turn taken);
 *   - the link's next turn (above): -EAGAIN when it is more than
 *     LINK_QUEUE_MAX_MS away; otherwise the caller sleeps until it;
 *   - the password: 0 with *out the link (the guest password) or its
 *     client door (the client password; -EKEYEXPIRED when the door's own
 *     grant expired or was revoked), or -EACCES (logged; after 5 wrong
 *     ones within 15 minutes the owner is told, once).
 * Other negative errnos are catalog failures (nothing resolved). turn, if
 * not NULL, receives the turn taken (zeros when none was). */
int links_resolve(struct af_library *lib, const char *token, const char *password,
                  struct cat_link *out, struct links_turn *turn);
/* The same through catalog connection c (a thread's own; lib->catalog is
 * for one thread). */
int links_resolve_in(struct af_library *lib, struct af_catalog *c, const char *token,
                     const char *password, struct cat_link *out, struct links_turn *turn);

/* Which door an attempt knocks on (see the top). */
enum links_door {
    LINKS_DOOR_EITHER = 0, /* the password picks */
    LINKS_DOOR_GUEST,      /* the guest password only */
    LINKS_DOOR_CLIENT,     /* the client password only (-EACCES for a link
                            * without a password: it has no client door) */
};
/* links_resolve_in, knocking on one door. */
int links_resolve_door(struct af_library *lib, struct af_catalog *c, const char *token,
                       const char *password, enum links_door want, struct cat_link *out,
                       struct links_turn *turn);

#endif
