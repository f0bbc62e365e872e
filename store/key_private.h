/* key_private.h — the key file's bytes as key.c reads them, without any
 * file access or key stretching: for store/key.c and its fuzz harness
 * (tests/fuzz/fuzz_key.c) only. The layout is in docs/vault.md §1.
 * Pure; thread-safe.
 */
#ifndef ALBUMFS_KEY_PRIVATE_H
#define ALBUMFS_KEY_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

enum key_kind {
    KEY_KIND_RANDOM = 1,
    KEY_KIND_PASSPHRASE = 2,
};

/* A key file's fields; the pointers point into the parsed buffer. */
struct key_file {
    enum key_kind kind;
    const unsigned char *master; /* random: the AF_KEY_BYTES key bytes; else NULL */
    uint64_t opslimit;           /* passphrase: Argon2id costs, within libsodium's */
    uint64_t memlimit;           /*   MIN..MAX; else 0 */
    const unsigned char *salt;   /* passphrase: crypto_pwhash_argon2id_SALTBYTES; else NULL */
    const unsigned char *check;  /* the check value (32 bytes) */
};

/* Check the framing of the len bytes of a key file at buf (magic, version,
 * kind, exact length; for a passphrase file the algorithm and the costs)
 * and point *out at its fields. 0, or -EINVAL with *out zeroed. The check
 * value is not verified here (it needs the key). */
int key_file_parse(const unsigned char *buf, size_t len, struct key_file *out);

#endif
