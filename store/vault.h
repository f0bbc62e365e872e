/* vault.h — encrypted, content-addressed blob store (SPEC §7).
 *
 * A blob is the bytes of one photo version, document or rendered view.
 * Blobs are addressed by a keyed BLAKE2b-256 of their plaintext (the same
 * bytes are stored once; the address reveals nothing without the key) or,
 * for derived data such as renditions, by an id the caller chooses.
 * On disk: DIR/ab/abcdef… (hex id), a header then fixed 64 KiB chunks, each
 * an XSalsa20-Poly1305 box under a key derived from the header (so bound to
 * the file's id and size) with the chunk index and a final-chunk flag in
 * its nonce (version 1 blobs, still read, used XChaCha20-Poly1305 with the
 * header as additional data): truncation,
 * reordering, swapping chunks or whole files between ids, and a wrong key
 * are all detected (-EIO), and plaintext leaves only after authentication.
 * Reading byte N decrypts only the chunks covering it.
 * Writes go to DIR/tmp, are fsync'd, renamed into place and the directory
 * fsync'd: a crash never leaves a partial blob under a real id.
 * See docs/vault.md for the byte layout.
 *
 * Threading: a vault and an open blob may be used from many threads at
 * once (reads use pread and per-call buffers).
 */
#ifndef ALBUMFS_VAULT_H
#define ALBUMFS_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/key.h"

#define VAULT_ID_BYTES 32
#define VAULT_ID_HEX (VAULT_ID_BYTES * 2 + 1) /* with NUL */
#define VAULT_CHUNK_SIZE 65536u

struct af_vault; /* directory + derived keys (guarded memory) */
struct af_blob;  /* an open blob */

/* Open the vault rooted at `dir` (created 0700 with its tmp/ if missing)
 * with subkeys of `key` for `purpose`: AF_SUBKEY_VAULT for photos,
 * AF_SUBKEY_CACHE for renditions. Caller frees with vault_free. */
int vault_open(const char *dir, const struct af_key *key, enum af_subkey purpose,
               struct af_vault **out) __attribute__((warn_unused_result));
void vault_free(struct af_vault *v);

/* Store the contents of the regular file `fd` (read from offset 0 to EOF
 * with pread; the fd's position is not used). Content-addressed: if the
 * blob already exists nothing is written. id_hex receives the address,
 * *size the plaintext length (may be NULL). -ENOSPC on a full disk, with
 * nothing left behind. */
int vault_put_fd(struct af_vault *v, int fd, char id_hex[VAULT_ID_HEX], uint64_t *size)
    __attribute__((warn_unused_result));

/* Same for a buffer in memory. */
int vault_put_buffer(struct af_vault *v, const void *buf, size_t len,
                     char id_hex[VAULT_ID_HEX]) __attribute__((warn_unused_result));

/* Store a buffer under an id the caller chose (64 lowercase hex digits),
 * replacing any blob of that id atomically. For derived data (renditions). */
int vault_put_named(struct af_vault *v, const char *id_hex, const void *buf, size_t len)
    __attribute__((warn_unused_result));

/* The keyed content address of a buffer, as vault_put_buffer would give. */
void vault_address(const struct af_vault *v, const void *buf, size_t len,
                   char id_hex[VAULT_ID_HEX]);

/* 1 if a blob of that id exists, 0 if not, negative errno on error. */
int vault_exists(const struct af_vault *v, const char *id_hex);

/* Every blob id in the vault (blobs being written in tmp/ excepted), in no
 * particular order. *ids is an array of *n ids; caller frees with free(). */
int vault_list(const struct af_vault *v, char (**ids)[VAULT_ID_HEX], size_t *n)
    __attribute__((warn_unused_result));

/* Remove a blob (ENOENT if absent). */
int vault_remove(struct af_vault *v, const char *id_hex);

/* Remove a blob the caller found unused (no catalog row names it: a
 * leftover of an interrupted import), unless it was stored within the last
 * min_age seconds — storing the same bytes again counts, so an import
 * running meanwhile keeps it. Safe against concurrent puts: the blob is
 * moved aside into tmp/ first and judged there. 1 removed, 0 kept (young),
 * -ENOENT absent, or a negative errno. */
int vault_remove_unused(struct af_vault *v, const char *id_hex, unsigned min_age);

/* Open a blob for reading: -ENOENT if absent, -EIO if the header does not
 * authenticate or the file size disagrees with it (truncation).
 * Caller closes with vault_blob_close. */
int vault_blob_open(struct af_vault *v, const char *id_hex, struct af_blob **out)
    __attribute__((warn_unused_result));

/* The id the blob was opened by (valid until vault_blob_close). */
const char *vault_blob_id(const struct af_blob *b);

/* Plaintext size, known from the header without reading content. */
uint64_t vault_blob_size(const struct af_blob *b);

/* Read up to len bytes at plaintext offset off. Returns the number of bytes
 * read (0 at or past EOF) or -EIO if a chunk fails to authenticate (nothing
 * of that chunk is copied out). Thread-safe. */
ssize_t vault_blob_pread(struct af_blob *b, void *buf, size_t len, uint64_t off);

/* Done with b. The vault may keep a small blob's file open for the next
 * open of its id, while that file stays as it was (docs/vault.md "Kept
 * blobs"); vault_remove and vault_free close it. */
void vault_blob_close(struct af_blob *b);

/* Read a whole blob into a malloc'd buffer (caller frees with free()).
 * For small blobs (renditions, images under decode). */
int vault_read_all(struct af_vault *v, const char *id_hex, void **buf, size_t *len)
    __attribute__((warn_unused_result));

/* Decrypt and authenticate every chunk; for content-addressed blobs also
 * check the address. 0, -ENOENT or -EIO. */
int vault_verify(struct af_vault *v, const char *id_hex, int content_addressed);

#endif
