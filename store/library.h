/* library.h — one photographer's library on disk: where it is and opening it.
 *
 * A library is a directory (mode 0700; group or others able to enter it is
 * refused) holding only files private to its owner:
 *   catalog.db   the SQLite catalog (plus -wal/-shm), 0600
 *   key          the library key file (0600)
 *   vault/       encrypted photo and document blobs
 *   cache/       encrypted rendered views (bounded)
 * Its location is --library DIR, else $ALBUMFS_LIBRARY, else
 * $XDG_DATA_HOME/albumfs, else ~/.local/share/albumfs.
 * A passphrase-protected key takes its passphrase from a file named by
 * --passphrase-file or $ALBUMFS_PASSPHRASE_FILE.
 */
#ifndef ALBUMFS_LIBRARY_H
#define ALBUMFS_LIBRARY_H

#include <limits.h>
#include <sys/types.h>

#include "store/catalog.h"
#include "store/key.h"
#include "store/vault.h"

struct af_library {
    char dir[PATH_MAX];
    struct af_key *key;
    struct af_catalog *catalog;
    struct af_vault *vault;  /* photos and documents */
    struct af_vault *cache;  /* rendered views */
    unsigned char token_key[AF_KEY_BYTES]; /* keyed hash of link tokens */
    int catalog_fd;    /* the catalog.db file opened first (kept open to */
    dev_t catalog_dev; /* see whether it is deleted); a later connection */
    ino_t catalog_ino; /* must open that same file */
};

/* Resolve the library directory (explicit may be NULL) into dir[PATH_MAX].
 * 0 or -ENAMETOOLONG / -ENOENT (no home). */
int library_locate(const char *explicit_dir, char dir[PATH_MAX]);

#define LIBRARY_PASSPHRASE_MIN 12 /* bytes; Argon2id slows guessing, length does the rest */

/* Create a new library at dir (which must not exist or be empty). The key is
 * random, or derived from the passphrase read from passphrase_file
 * (-EINVAL when it is shorter than LIBRARY_PASSPHRASE_MIN). */
int library_init(const char *dir, const char *passphrase_file, struct af_library **out)
    __attribute__((warn_unused_result));

/* Open an existing library. -ENOENT: no such directory; -ENOTDIR/-EINVAL:
 * not a library; -EPERM: the folder is open to group or others; -EACCES:
 * this account may not enter it, or the key is readable by others;
 * -ENOKEY: passphrase needed; -EKEYREJECTED: wrong passphrase. why[why_len]
 * receives a one-line reason naming the file and the fix.
 * Caller frees with library_close. */
#define LIBRARY_WHY_MAX (2 * PATH_MAX + 128)
int library_open(const char *dir, const char *passphrase_file, struct af_library **out,
                 char *why, size_t why_len) __attribute__((warn_unused_result));

void library_close(struct af_library *lib);

/* A new catalog connection to the same library (for another thread):
 * -ESTALE or -ENOENT when catalog.db is no longer the file opened first
 * (library_check_catalog). */
int library_open_catalog(const struct af_library *lib, struct af_catalog **out);

/* Whether the library's catalog.db is still the file it opened first: 0;
 * -ENOENT when that file was deleted (the library removed); -ESTALE when
 * another file took its place (a copy renamed over it: a restore, an
 * rsync); -EAGAIN when it is not at its path but not deleted either (the
 * library folder moved away, perhaps to come back); or another negative
 * errno from stat. A daemon must not serve from a catalog that is no
 * longer the library's. */
int library_check_catalog(const struct af_library *lib);

/* Keyed hash of a link token, as stored in the catalog. */
void library_token_hash(const struct af_library *lib, const char *token,
                        unsigned char out[CAT_TOKEN_HASH_BYTES]);

#endif
