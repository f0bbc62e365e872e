/* key.h — the library key and the subkeys derived from it (SPEC §7).
 *
 * The library key is 32 random bytes kept in a file only the daemon's
 * account may read, or derived with Argon2id from a passphrase given to
 * `albumctl init` (the file then holds salt, cost parameters and a check
 * value, never the key). A key file that group or others can read, or that
 * another account owns, is refused. Keys live in sodium_malloc'd memory.
 * Every purpose gets its own subkey (crypto_kdf), so no key is used twice.
 */
#ifndef ALBUMFS_KEY_H
#define ALBUMFS_KEY_H

#include <stddef.h>
#include <stdint.h>

#define AF_KEY_BYTES 32

enum af_subkey {
    AF_SUBKEY_VAULT = 1,      /* AEAD of photo and document blobs */
    AF_SUBKEY_ADDRESS = 2,    /* keyed hash: content addresses of blobs */
    AF_SUBKEY_CACHE = 3,      /* AEAD of rendered views */
    AF_SUBKEY_AUDIT = 4,      /* keyed hash chaining the activity log */
    AF_SUBKEY_TOKEN = 5,      /* keyed hash of link tokens */
    AF_SUBKEY_BACKUP = 6,     /* backups */
    AF_SUBKEY_INODE = 7,      /* keyed hash: inode numbers a mount shows */
    AF_SUBKEY_SECRETS = 8,    /* AEAD of secrets kept in settings (store/secret.h) */
};

struct af_key; /* opaque; master key in guarded memory */

/* Create a new key file at `path` (must not exist; made 0600).
 * With passphrase == NULL the key is random; otherwise derived with
 * Argon2id (moderate limits) from the passphrase and a random salt.
 * 0 and *out (caller frees with key_free), or negative errno. */
int key_create(const char *path, const char *passphrase, size_t passphrase_len,
               struct af_key **out) __attribute__((warn_unused_result));

/* Load the key at `path`. passphrase may be NULL for a random key.
 * -EACCES: the file is readable by group/others or owned by someone else;
 * -ENOKEY: a passphrase is needed but none was given;
 * -EKEYREJECTED: wrong passphrase; -EINVAL: not a key file;
 * -ENOENT: no such file. */
int key_load(const char *path, const char *passphrase, size_t passphrase_len,
             struct af_key **out) __attribute__((warn_unused_result));

/* Whether the key file at `path` needs a passphrase: 1 yes, 0 no, <0 errno. */
int key_needs_passphrase(const char *path);

/* Derive the 32-byte subkey for `purpose` into out. */
void key_derive(const struct af_key *key, enum af_subkey purpose,
                unsigned char out[AF_KEY_BYTES]);

void key_free(struct af_key *key);

#endif
