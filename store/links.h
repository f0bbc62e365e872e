/* links.h — share links: tokens and passwords (SPEC §7).
 *
 * A token is 32 random bytes (256 bits) written as 52 characters of
 * lowercase base32, shown once at creation; the catalog keeps only its
 * keyed BLAKE2b hash. Passwords are at least 8 bytes and stored as Argon2id
 * strings. Checking a token + password is constant-time in the secret parts;
 * every failure is logged in the activity and repeated failures for the same
 * link are slowed down (a delay that doubles per recent failure, capped).
 */
#ifndef ALBUMFS_LINKS_H
#define ALBUMFS_LINKS_H

#include <stddef.h>

#include "store/library.h"

#define LINK_TOKEN_CHARS 52
#define LINK_PASSWORD_MIN 8
#define LINK_PASSWORD_MAX 1024

/* A fresh token into buf (at least LINK_TOKEN_CHARS + 1 bytes). */
void links_new_token(char *buf, size_t len);

/* Argon2id string of a password into out[CAT_PWHASH_MAX]. -EINVAL when the
 * password is shorter than LINK_PASSWORD_MIN, -ENOMEM on failure. */
int links_hash_password(const char *password, char out[CAT_PWHASH_MAX]);

/* Read a password from a file (first line, trailing newline removed) into a
 * malloc'd string the caller frees with links_password_free. */
int links_read_password_file(const char *path, char **out);
void links_password_free(char *password);

/* Resolve a token (and password, NULL if none given) to its link.
 * -ENOENT: no such link (or malformed token); -EACCES: password missing or
 * wrong (logged, and slowed after repeated failures). Expiry and revocation
 * are the policy's business: a link whose grants are all dead still
 * resolves but sees nothing. */
int links_resolve(struct af_library *lib, const char *token, const char *password,
                  struct cat_link *out);

#endif
