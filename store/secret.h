/* secret.h — small secrets the library keeps in its catalog settings (the
 * SMTP password of notifications), sealed under the library key.
 *
 * A sealed value is text, "s1:" then base64 (no padding, URL-safe) of a
 * random 24-byte nonce and the XChaCha20-Poly1305 ciphertext of the secret
 * under subkey AF_SUBKEY_SECRETS; the setting's name is the additional
 * data, so a sealed value copied to another setting does not open. The
 * catalog (and every backup of it) holds only sealed values; the plain
 * secret exists in guarded memory (sodium_malloc) while it is used.
 * Threading: no state; safe from any thread.
 */
#ifndef ALBUMFS_SECRET_H
#define ALBUMFS_SECRET_H

#include <stddef.h>

#include "store/key.h"

#define SECRET_MAX 1024        /* bytes of a secret */
#define SECRET_SEALED_MAX 1500 /* characters of its sealed text (1423 at most) */

/* Seal `plain` (NUL-terminated, at most SECRET_MAX bytes) for setting
 * `name`. *sealed is malloc'd text (caller frees). 0, -E2BIG, -ENOMEM. */
int secret_seal(const struct af_key *key, const char *name, const char *plain, char **sealed)
    __attribute__((warn_unused_result));

/* Open a sealed value of setting `name`. *plain is NUL-terminated, in
 * guarded memory the caller frees with secret_free. -EINVAL: not a sealed
 * value; -EBADMSG: it does not open under this key and name (another
 * library's, moved, or damaged); -ENOMEM. *plain is NULL on failure. */
int secret_open(const struct af_key *key, const char *name, const char *sealed, char **plain)
    __attribute__((warn_unused_result));

/* Wipe and release a secret from secret_open (NULL is fine). */
void secret_free(char *plain);

#endif
