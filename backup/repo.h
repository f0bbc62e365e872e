/* repo.h — a backup repository: a directory that holds the snapshots of one
 * library (docs/backup.md has the byte layout).
 *
 *   DEST/config          format version, repository id, key check (60 bytes)
 *   DEST/lock            flock'd (exclusive) by a backup while it writes
 *   DEST/blobs/          vault layout (docs/vault.md): ab/<id>, tmp/put-*
 *   DEST/snapshots/<id>  encrypted snapshot manifests (snapshot.h)
 *
 * Blobs are the library's vault blob files copied byte for byte (already
 * encrypted and authenticated), plus the catalog copy stored through the
 * vault's own encryption. A repository belongs to the library whose key
 * made its config: another key is refused before anything is read.
 *
 * Ownership: struct bk_repo owns its directory fd, lock fd, the vault
 * opened on blobs/ and the derived backup keys (sodium_malloc'd).
 * Threading: one thread at a time. Locking: repo_open(REPO_WRITE) takes an
 * exclusive non-blocking flock on DEST/lock for the repository's lifetime;
 * readers take none (a backup only adds files, each by rename).
 */
#ifndef ALBUMFS_BACKUP_REPO_H
#define ALBUMFS_BACKUP_REPO_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/key.h"
#include "store/vault.h"

#define REPO_FORMAT_VERSION 1u
#define REPO_ID_BYTES 16
#define REPO_CONFIG_BYTES 60

enum repo_mode {
    REPO_READ,  /* must exist; nothing is written */
    REPO_WRITE, /* created if DEST is an empty directory; locked */
};

/* crypto_kdf subkey ids under subkey(AF_SUBKEY_BACKUP), context "afbackup". */
enum repo_key_id {
    REPO_KEY_MANIFEST = 1, /* XChaCha20-Poly1305 of snapshot manifests */
    REPO_KEY_CHECK = 2,    /* keyed BLAKE2b of the config: the key check */
};

struct bk_repo {
    char dir[PATH_MAX];
    char blobs_dir[PATH_MAX];            /* DEST/blobs */
    int dirfd;
    int lockfd;                          /* -1 unless REPO_WRITE */
    unsigned char id[REPO_ID_BYTES];
    unsigned char *manifest_key;         /* AF_KEY_BYTES, sodium_malloc'd, read-only */
    struct af_vault *blobs;              /* DEST/blobs under the library key */
};

/* Derive a repository key (REPO_KEY_*) from the library key. */
void repo_derive(const struct af_key *key, enum repo_key_id which,
                 unsigned char out[AF_KEY_BYTES]);

/* Open the repository at dir with the library key. *why gets a one-line
 * reason on failure. Errors: -ENOENT no such directory; -ENOTDIR; -EROFS or
 * -EACCES cannot write (REPO_WRITE); -EWOULDBLOCK another backup holds the
 * lock; -EINVAL not a repository (REPO_READ: no config; REPO_WRITE: a
 * non-empty directory without one; either: a damaged config); -EPROTO made
 * by a newer format; -EKEYREJECTED another library's repository (or a
 * wrong key). Caller frees with repo_close. */
int repo_open(const char *dir, const struct af_key *key, enum repo_mode mode,
              struct bk_repo **out, const char **why) __attribute__((warn_unused_result));
void repo_close(struct bk_repo *r);

/* Copy the blob file src (a vault blob of that id) into the vault-layout
 * directory dst_vault (its ab/<id>, through tmp/put-*, fsync'd, renamed,
 * directory fsync'd) unless a file of the same size is already there.
 * *written: bytes copied (0 when skipped). */
int repo_copy_blob(const char *src, const char *dst_vault, const char *id,
                   uint64_t *written) __attribute__((warn_unused_result));

/* Copy the regular file src to tmp (O_EXCL, 0600), fsync it and rename it
 * to dst; the caller fsyncs dst's directory. *written: bytes copied. */
int repo_copy_file(const char *src, const char *tmp, const char *dst, uint64_t *written)
    __attribute__((warn_unused_result));

/* Test seam for the crash tests: when $ALBUMFS_TEST_CRASH is `where`
 * ("copy", "catalog", "blob", "manifest", "restore"; in a forget "forget"
 * after each manifest removed, "prune" between forgetting and pruning,
 * "prune-blob" after each blob removed), or "where:N" and this is the N-th
 * time the point is reached, the process kills itself with SIGKILL there,
 * as a power cut or kill -9 would stop it. */
void repo_crash_point(const char *where);

/* Path of blob id inside a vault-layout directory. 0 or -ENAMETOOLONG. */
int repo_blob_path(const char *vault_dir, const char *id, char out[PATH_MAX]);

/* Size of the repository's blob file id: 0, -ENOENT, or errno. */
int repo_blob_size(const struct bk_repo *r, const char *id, uint64_t *size);

/* Create a directory under dirfd if missing (0700), and fsync dirfd. */
int repo_mkdir(int dirfd, const char *name);

/* ---- small file-system helpers shared by backup/ ---- */

/* fsync the directory `name` under dirfd (AT_FDCWD for a path). */
int repo_fsync_dir(int dirfd, const char *name);

/* write() all of buf, retrying on EINTR and short writes. */
int repo_write_all(int fd, const void *buf, size_t len);

/* opendir of `name` under dirfd; caller closes with closedir. */
int repo_opendir(int dirfd, const char *name, DIR **out);

/* Remove an SQLite database file and the -wal, -shm and -journal files
 * beside it (a temporary copy of a catalog). */
void repo_remove_sqlite_files(const char *path);

/* Whether s is exactly len lowercase hex digits. */
bool repo_is_hex(const char *s, size_t len);

#endif
