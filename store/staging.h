/* staging.h — encrypted scratch files for uploads in progress, and the
 * intents that let a crashed commit be cleaned up.
 *
 * A file written through a mount is not a photo until it is complete and
 * decodes (docs/filesystem.md "Writing"). Until then its bytes live here,
 * in LIBRARY/uploads/ (0700), encrypted before they reach the disk: each
 * staged file has its own random key, made when the file is and held only
 * in sodium_malloc'd memory, and is stored as fixed slots of STAGING_CHUNK
 * plaintext bytes, each sealed with XChaCha20-Poly1305 under a fresh random
 * nonce with the slot's index as additional data. Writes may land at any
 * offset in any order (FUSE splits and reorders them); a slot never written
 * reads as zeros (a hole); truncation zeroes the tail of the last slot it
 * keeps and gives the disk space of the rest back.
 *
 * A staged file's name is removed right after it is created (it lives on
 * through its descriptor), so a crash leaves nothing readable: only the
 * name of a file caught between its creation and that removal (an instant)
 * can be left, and its key died with the process. staging_open removes such
 * leftovers — every "up-*" file no live process holds locked (flock).
 *
 * Commit intents: a daemon that stores a blob in the vault for a new photo
 * first records "commit-<blob id>" here (locked while it commits). A crash
 * between storing the blob and committing its catalog row leaves the
 * intent behind; staging_recover hands each such id (its writer is gone:
 * its lock is free) to the caller, who removes the blob when no catalog row
 * names it, so a crash leaves no orphan blob for `albumctl verify` to
 * report.
 *
 * Threading: an af_staging may be used from any number of threads; one
 * af_staged from one thread at a time (the caller serialises).
 */
#ifndef ALBUMFS_STAGING_H
#define ALBUMFS_STAGING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STAGING_DIR "uploads"
#define STAGING_CHUNK 65536u

struct af_staging; /* the uploads/ folder of a library */
struct af_staged;  /* one file being written */
struct staging_intent;

/* Open (creating it 0700) LIBRARY/uploads/ and remove the leftovers of
 * processes that died (see above). Staged files may grow to max_bytes.
 * Caller frees with staging_close. */
int staging_open(const char *library_dir, uint64_t max_bytes, struct af_staging **out)
    __attribute__((warn_unused_result));
void staging_close(struct af_staging *st);

/* A new, empty staged file with a fresh random key. Caller frees with
 * staged_free. */
int staged_new(struct af_staging *st, struct af_staged **out) __attribute__((warn_unused_result));
/* Close it: its bytes are gone for good (the key is wiped). */
void staged_free(struct af_staged *f);

uint64_t staged_size(const struct af_staged *f);

/* Write len bytes at off: len, or -EFBIG when the file would pass
 * max_bytes (nothing written), -ENOSPC/-EDQUOT/-EIO from the disk. */
ssize_t staged_pwrite(struct af_staged *f, const void *buf, size_t len, uint64_t off)
    __attribute__((warn_unused_result));
/* Read up to len bytes at off: the count (0 at or past the end), or -EIO
 * when a slot does not authenticate (nothing of it is copied out). */
ssize_t staged_pread(struct af_staged *f, void *buf, size_t len, uint64_t off)
    __attribute__((warn_unused_result));
/* Set the size (shrinking or growing with zeros). -EFBIG past max_bytes. */
int staged_truncate(struct af_staged *f, uint64_t size) __attribute__((warn_unused_result));

/* All of it, decrypted, in one buffer of staged_size bytes (a 1-byte
 * allocation for an empty file). Caller frees with staged_buffer_free,
 * which wipes it. */
int staged_read_all(struct af_staged *f, void **buf, size_t *len)
    __attribute__((warn_unused_result));
void staged_buffer_free(void *buf, size_t len);

/* Record that the vault blob blob_id (64 hex digits) is being stored for a
 * commit; held (locked) until staging_intent_end, which removes it. Waits
 * while another process holds an intent for the same blob. */
int staging_intent_begin(struct af_staging *st, const char *blob_id,
                         struct staging_intent **out) __attribute__((warn_unused_result));
void staging_intent_end(struct staging_intent *in);

/* For each intent whose process died, call leftover(blob_id, arg): when it
 * returns 0 the intent is removed, otherwise it stays for the next call.
 * Returns the number of intents handed over, or a negative errno. */
int staging_recover(struct af_staging *st, int (*leftover)(const char *blob_id, void *arg),
                    void *arg);

#endif
