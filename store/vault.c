/* vault.c — the encrypted, content-addressed blob store (SPEC §7).
 *
 * A blob file is a 72-byte header (magic, version, chunk size, plaintext
 * size, blob id, 16 random bytes) followed by the plaintext in 64 KiB
 * chunks, each sealed with a tag beside it. Version 2 (written) seals chunk
 * i with XSalsa20-Poly1305 (crypto_secretbox) under a key of its own, a
 * keyed BLAKE2b of the whole header, with the nonce (u64le i || final
 * flag): every tag binds the file's id, size and random bytes, the chunk's
 * place and whether it is last. Version 1 (still read) used
 * XChaCha20-Poly1305-IETF under the purpose subkey with the header in each
 * chunk's additional data; version 2 decrypts about 13% faster here, which
 * is most of what a cold read of an original costs (bench/README.md).
 * An empty blob is one empty final chunk. Byte layout: docs/vault.md.
 *
 * Opening a blob checks the framing, that the header names the id the file
 * is stored under, that the file length is the one the header implies, and
 * decrypts the final chunk: that authenticates the header under this key.
 * Reads decrypt only the chunks they cover; libsodium verifies a tag before
 * it writes any plaintext, so nothing of a chunk that fails authentication
 * reaches the caller.
 *
 * Writes go to DIR/tmp/put-<random>, are fsync'd, renamed to DIR/ab/<id>
 * and the fan-out directory is fsync'd. Content addresses are BLAKE2b-256
 * keyed with the AF_SUBKEY_ADDRESS subkey. Large blobs are encrypted by two
 * threads (the chunks are independent); the address must be known first, as
 * it is in the header the blob key is derived from.
 *
 * A closed blob of a small file that read without error stays open for the
 * next open of its id (at most BLOB_KEEP per vault, oldest closed first):
 * a reopen costs one fstatat instead of the path walk, the inode, the
 * header and the final chunk. It is reused only while the name still
 * holds that file (device, inode, size, mtime, ctime); this vault's
 * removals and replacements close it first.
 *
 * Threading: after vault_open the vault is read-only state (a directory fd
 * and guarded keys) but for its pool of freed blob structures and its kept
 * blobs, both guarded by pool_lock; an open blob (an fd, a copy of its
 * header, its key) is read-only too but for its `failed` flag (atomic):
 * both may be shared by any number of threads. A blob is kept or taken
 * back whole under pool_lock, so a kept blob has no other user. A vault
 * must outlive its blobs.
 */
#include "store/vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "store/byteorder_private.h"
#include "store/io_private.h"
#include "store/sysio.h"

#define BLOB_MAGIC "ALBUMBLB"
#define BLOB_MAGIC_BYTES 8
#define BLOB_VERSION_AEAD 1u      /* read only */
#define BLOB_VERSION_SECRETBOX 2u /* written */
#define BLOB_ABYTES crypto_secretbox_MACBYTES
#define BLOB_RANDOM_BYTES 16
#define BLOB_KEY_PERSONAL "albumfs-blob-v2" /* 15 characters and its NUL: 16 bytes */

_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == BLOB_ABYTES,
               "both versions frame chunks alike");
_Static_assert(sizeof BLOB_KEY_PERSONAL == crypto_generichash_blake2b_PERSONALBYTES,
               "BLAKE2b personalisation is 16 bytes");
#define BLOB_SEALED_CHUNK ((uint64_t)VAULT_CHUNK_SIZE + BLOB_ABYTES)

/* Header byte offsets; integers little-endian. */
enum {
    HDR_OFF_VERSION = BLOB_MAGIC_BYTES,
    HDR_OFF_CHUNK = HDR_OFF_VERSION + 4,
    HDR_OFF_SIZE = HDR_OFF_CHUNK + 4,
    HDR_OFF_ID = HDR_OFF_SIZE + 8,
    HDR_OFF_RANDOM = HDR_OFF_ID + VAULT_ID_BYTES,
    HDR_BYTES = HDR_OFF_RANDOM + BLOB_RANDOM_BYTES,
    /* version 1's additional data: header, u64le chunk index, u8 final flag */
    AD_BYTES = HDR_BYTES + 8 + 1,
};

/* Chunks handled per pread/pwrite: bounds every buffer. */
#define PUT_BATCH_CHUNKS 16u  /* 1 MiB of plaintext per writer */
#define READ_BATCH_CHUNKS 4u  /* 256 KiB per preadv: read and decrypted while in cache */
#define HASH_BUFFER_BYTES (1u << 20)
#define PUT_THREAD_MIN_CHUNKS (2u * PUT_BATCH_CHUNKS)
#define STALE_TMP_SECONDS 3600

#define TMP_PREFIX "tmp/put-"
#define TMP_NAME_RANDOM_BYTES 8
#define TMP_PATH_BYTES (sizeof TMP_PREFIX + 2 * TMP_NAME_RANDOM_BYTES)
#define BLOB_PATH_BYTES (3 + VAULT_ID_HEX) /* "ab/" + hex + NUL */

struct vault_keys {
    unsigned char aead[AF_KEY_BYTES];    /* the purpose subkey */
    unsigned char address[AF_KEY_BYTES]; /* AF_SUBKEY_ADDRESS */
};

/* Closed blobs whose memory is kept for the next open (wiped, still
 * guarded): an open then costs no mmap, mprotect and munmap, whose TLB
 * shootdowns stall every thread of a busy daemon (bench/README.md). */
#define BLOB_POOL 32

/* Closed blobs kept open for their next open: views, mostly (a proof is
 * about 0.5 MiB), which Samba and file managers open again and again.
 * Bounded, so that a vault holds at most 64 descriptors and 64 MiB of
 * files another process may have removed. */
#define BLOB_KEEP 64
#define KEEP_MAX_FILE_BYTES (1 << 20)

struct af_vault {
    int dirfd;               /* the vault root; every path is relative to it */
    struct vault_keys *keys; /* sodium_malloc'd, read-only after open */
    pthread_mutex_t pool_lock;
    struct af_blob *pool[BLOB_POOL]; /* under pool_lock */
    size_t n_pool;                   /* under pool_lock */
    struct af_blob *kept[BLOB_KEEP]; /* under pool_lock; oldest first */
    size_t n_kept;                   /* under pool_lock */
};

/* Allocated with sodium_malloc (it holds a key). Closed, it is kept open
 * whole (kept blobs), or wiped and kept in the vault's pool, or freed with
 * sodium_free. */
struct af_blob {
    struct af_vault *v;
    int fd;
    uint32_t version;
    uint64_t size;    /* plaintext bytes */
    uint64_t nchunks; /* at least 1 */
    unsigned char header[HDR_BYTES];
    unsigned char key[crypto_secretbox_KEYBYTES]; /* version 2: the blob's own key */
    char id[VAULT_ID_HEX]; /* as opened */
    struct stat st;        /* the file as opened: a kept blob must still be it */
    atomic_bool failed;    /* a read failed: closed, not kept */
};

/* Where the plaintext of a put comes from: a file (fd >= 0) or memory. */
struct blob_source {
    int fd;
    const unsigned char *mem;
    uint64_t size;
    struct stat st; /* of fd when hashed: a change since makes the put fail */
};

/* One writer's share of the chunks of a put. */
struct encrypt_job {
    const struct blob_source *src;
    const unsigned char *key; /* the blob's own key */
    int fd;
    uint64_t nchunks;     /* in the whole blob */
    uint64_t first, end;  /* this job's chunks: [first, end) */
    int rc;
};

static uint64_t chunk_count(uint64_t size)
{
    uint64_t n = size / VAULT_CHUNK_SIZE + (size % VAULT_CHUNK_SIZE != 0);
    return n ? n : 1;
}

/* Plaintext bytes in chunk i of a blob of `size` bytes in `nchunks` chunks. */
static size_t chunk_len(uint64_t size, uint64_t nchunks, uint64_t i)
{
    return i + 1 < nchunks ? VAULT_CHUNK_SIZE : (size_t)(size - i * VAULT_CHUNK_SIZE);
}

static uint64_t chunk_offset(uint64_t i)
{
    return HDR_BYTES + i * BLOB_SEALED_CHUNK;
}

/* Version 2: the blob's key binds every header byte under the purpose
 * subkey; the nonce binds the chunk's place and whether it is last. */
static void blob_key(const unsigned char *header, const unsigned char *purpose_key,
                     unsigned char key[crypto_secretbox_KEYBYTES])
{
    crypto_generichash_blake2b_salt_personal(key, crypto_secretbox_KEYBYTES, header, HDR_BYTES,
                                             purpose_key, AF_KEY_BYTES, NULL,
                                             (const unsigned char *)BLOB_KEY_PERSONAL);
}

static void chunk_nonce(uint64_t i, uint64_t nchunks,
                        unsigned char nonce[crypto_secretbox_NONCEBYTES])
{
    memset(nonce, 0, crypto_secretbox_NONCEBYTES);
    store_le64(nonce, i);
    nonce[8] = i + 1 == nchunks;
}

/* Version 1: nonce (random bytes || u64le i), additional data (header ||
 * u64le i || final flag), under the purpose subkey. */
static int chunk_open_v1(const struct af_blob *b, uint64_t i, unsigned char *buf,
                         const unsigned char tag[BLOB_ABYTES])
{
    unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], ad[AD_BYTES];

    memcpy(nonce, b->header + HDR_OFF_RANDOM, BLOB_RANDOM_BYTES);
    store_le64(nonce + BLOB_RANDOM_BYTES, i);
    memcpy(ad, b->header, HDR_BYTES);
    store_le64(ad + HDR_BYTES, i);
    ad[HDR_BYTES + 8] = i + 1 == b->nchunks;
    return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
               buf, NULL, buf, chunk_len(b->size, b->nchunks, i), tag, ad, sizeof ad, nonce,
               b->v->keys->aead) == 0 ? 0 : -EIO;
}

/* id_hex must be 64 lowercase hex digits: one spelling per id. */
static int id_parse(const char *id_hex, unsigned char id[VAULT_ID_BYTES])
{
    for (size_t i = 0; i < VAULT_ID_HEX - 1; i++) {
        char c = id_hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -EINVAL;
    }
    if (id_hex[VAULT_ID_HEX - 1] != '\0')
        return -EINVAL;
    if (sodium_hex2bin(id, VAULT_ID_BYTES, id_hex, VAULT_ID_HEX - 1, NULL, NULL, NULL) != 0)
        return -EINVAL;
    return 0;
}

/* "ab/abcdef…": the fan-out directory is the first two hex digits. */
static void blob_path(const char *id_hex, char path[BLOB_PATH_BYTES])
{
    path[0] = id_hex[0];
    path[1] = id_hex[1];
    path[2] = '/';
    memcpy(path + 3, id_hex, VAULT_ID_HEX);
}

/* The path of the blob whose id a caller gave: -EINVAL unless a valid id. */
static int id_path(const char *id_hex, char path[BLOB_PATH_BYTES])
{
    unsigned char id[VAULT_ID_BYTES];
    int rc = id_parse(id_hex, id);

    if (rc == 0)
        blob_path(id_hex, path);
    return rc;
}

/* A fresh name in tmp/ (TMP_PATH_BYTES with its NUL). */
static void tmp_name(char tmp[TMP_PATH_BYTES])
{
    unsigned char rnd[TMP_NAME_RANDOM_BYTES];

    randombytes_buf(rnd, sizeof rnd);
    memcpy(tmp, TMP_PREFIX, sizeof TMP_PREFIX - 1);
    sodium_bin2hex(tmp + sizeof TMP_PREFIX - 1, TMP_PATH_BYTES - (sizeof TMP_PREFIX - 1), rnd,
                   sizeof rnd);
}

static int fsync_at(int dirfd, const char *path)
{
    int fd, rc = 0;

    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (sysio_fsync(fd) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* mkdirat that accepts an existing directory: 1 created, 0 existed, <0. */
static int mkdir_at(int dirfd, const char *path)
{
    if (mkdirat(dirfd, path, 0700) == 0)
        return 1;
    return errno == EEXIST ? 0 : -errno;
}

/* Call each(folder, name, arg) for every entry `name` of the folder `path`
 * under dirfd (folder: an fd of it), stopping at the first error. */
static int each_entry(int dirfd, const char *path, int (*each)(int, const char *, void *),
                      void *arg)
{
    struct dirent *de;
    DIR *d;
    int fd, rc = 0;

    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        rc = -errno;
        close(fd);
        return rc;
    }
    errno = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        rc = each(fd, de->d_name, arg);
        errno = 0;
    }
    if (rc == 0 && errno != 0)
        rc = -errno;
    closedir(d);
    return rc;
}

/* Remove put-* temp files that have not been written for an hour: what a
 * crash between creating and renaming leaves behind. Best effort per file
 * (another process may clean the same directory at the same time). */
static int remove_if_stale(int folder, const char *name, void *arg)
{
    const time_t *cutoff = arg;
    struct stat st;

    if (strncmp(name, "put-", 4) == 0 && fstatat(folder, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_mtime < *cutoff)
        unlinkat(folder, name, 0);
    return 0;
}

static int clean_stale_tmp(int dirfd)
{
    time_t cutoff = time(NULL) - STALE_TMP_SECONDS;

    return each_entry(dirfd, "tmp", remove_if_stale, &cutoff);
}

int vault_open(const char *dir, const struct af_key *key, enum af_subkey purpose,
               struct af_vault **out)
{
    struct af_vault *v;
    int created, rc;

    *out = NULL;
    if (sodium_init() < 0)
        return -EIO;
    v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    pthread_mutex_init(&v->pool_lock, NULL);
    created = mkdir(dir, 0700) == 0;
    if (!created && errno != EEXIST) {
        rc = -errno;
        goto free_v;
    }
    v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (v->dirfd < 0) {
        rc = -errno;
        goto free_v;
    }
    if (created) {
        rc = fsync_at(v->dirfd, "..");
        if (rc < 0)
            goto close_dir;
    }
    rc = mkdir_at(v->dirfd, "tmp");
    if (rc < 0)
        goto close_dir;
    rc = clean_stale_tmp(v->dirfd);
    if (rc < 0)
        goto close_dir;
    v->keys = sodium_malloc(sizeof *v->keys);
    if (!v->keys) {
        rc = -ENOMEM;
        goto close_dir;
    }
    key_derive(key, purpose, v->keys->aead);
    key_derive(key, AF_SUBKEY_ADDRESS, v->keys->address);
    if (sodium_mprotect_readonly(v->keys) != 0) {
        rc = -errno;
        goto free_keys;
    }
    *out = v;
    return 0;

free_keys:
    sodium_free(v->keys);
close_dir:
    close(v->dirfd);
free_v:
    pthread_mutex_destroy(&v->pool_lock);
    free(v);
    return rc;
}

/* Memory for a blob: from the pool, else new. */
static struct af_blob *blob_alloc(struct af_vault *v)
{
    struct af_blob *b = NULL;

    pthread_mutex_lock(&v->pool_lock);
    if (v->n_pool)
        b = v->pool[--v->n_pool];
    pthread_mutex_unlock(&v->pool_lock);
    return b ? b : sodium_malloc(sizeof *b);
}

/* Wipe b (its key) and keep it for the next open, or free it. */
static void blob_release(struct af_vault *v, struct af_blob *b)
{
    sodium_memzero(b, sizeof *b);
    pthread_mutex_lock(&v->pool_lock);
    if (v->n_pool < BLOB_POOL) {
        v->pool[v->n_pool++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&v->pool_lock);
    sodium_free(b); /* wipes again, unmaps */
}

/* ---- kept blobs ---- */

/* Close an open blob's file and give its memory back. */
static void blob_discard(struct af_blob *b)
{
    if (!b)
        return;
    close(b->fd);
    blob_release(b->v, b);
}

/* The index of the kept blob of id_hex, or n_kept. Under pool_lock. */
static size_t kept_find(const struct af_vault *v, const char *id_hex)
{
    size_t i = 0;

    while (i < v->n_kept && memcmp(v->kept[i]->id, id_hex, VAULT_ID_HEX - 1) != 0)
        i++;
    return i;
}

/* Take kept blob i out of the list. Under pool_lock. */
static struct af_blob *kept_remove_at(struct af_vault *v, size_t i)
{
    struct af_blob *b = v->kept[i];

    memmove(v->kept + i, v->kept + i + 1, (v->n_kept - i - 1) * sizeof *v->kept);
    v->n_kept--;
    return b;
}

/* The kept blob of id_hex, now the caller's, or NULL. */
static struct af_blob *kept_take(struct af_vault *v, const char *id_hex)
{
    struct af_blob *b = NULL;
    size_t i;

    pthread_mutex_lock(&v->pool_lock);
    i = kept_find(v, id_hex);
    if (i < v->n_kept)
        b = kept_remove_at(v, i);
    pthread_mutex_unlock(&v->pool_lock);
    return b;
}

/* Keep b for the next open of its id, in place of an older blob of that id
 * or, when the list is full, of the oldest. */
static void kept_add(struct af_vault *v, struct af_blob *b)
{
    struct af_blob *out = NULL;
    size_t i;

    pthread_mutex_lock(&v->pool_lock);
    i = kept_find(v, b->id);
    if (i < v->n_kept)
        out = kept_remove_at(v, i);
    else if (v->n_kept == BLOB_KEEP)
        out = kept_remove_at(v, 0);
    v->kept[v->n_kept++] = b;
    pthread_mutex_unlock(&v->pool_lock);
    blob_discard(out);
}

/* Close the kept blob of id_hex, if any: before its file goes. */
static void kept_forget(struct af_vault *v, const char *id_hex)
{
    blob_discard(kept_take(v, id_hex));
}

/* Close every kept blob; how many there were. */
static size_t kept_forget_all(struct af_vault *v)
{
    struct af_blob *all[BLOB_KEEP];
    size_t n;

    pthread_mutex_lock(&v->pool_lock);
    n = v->n_kept;
    memcpy(all, v->kept, n * sizeof *all);
    v->n_kept = 0;
    pthread_mutex_unlock(&v->pool_lock);
    for (size_t i = 0; i < n; i++)
        blob_discard(all[i]);
    return n;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A kept blob may serve an open while the name `path` holds the file it
 * opened, unchanged as far as its times tell. A write in place within one
 * tick of the clock goes unseen until a fresh open: the kept blob goes on
 * authenticating every chunk it reads under the header it checked, so it
 * returns bytes of the blob it opened or -EIO, never others. */
static bool kept_still_valid(const struct af_blob *b, const char *path)
{
    struct stat st;

    return fstatat(b->v->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, &b->st);
}

/* openat a blob's file; out of descriptors, close the kept blobs and try
 * once more. */
static int blob_file_open(struct af_vault *v, const char *path)
{
    int fd = openat(v->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && kept_forget_all(v) > 0)
        fd = openat(v->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    return fd;
}

void vault_free(struct af_vault *v)
{
    if (!v)
        return;
    kept_forget_all(v);
    for (size_t i = 0; i < v->n_pool; i++)
        sodium_free(v->pool[i]);
    pthread_mutex_destroy(&v->pool_lock);
    sodium_free(v->keys);
    close(v->dirfd);
    free(v);
}

void vault_address(const struct af_vault *v, const void *buf, size_t len,
                   char id_hex[VAULT_ID_HEX])
{
    unsigned char id[VAULT_ID_BYTES];

    crypto_generichash(id, sizeof id, buf, len, v->keys->address, sizeof v->keys->address);
    sodium_bin2hex(id_hex, VAULT_ID_HEX, id, sizeof id);
}

/* ---- reading ---- */

#define BLOB_MAX_SIZE \
    (((uint64_t)INT64_MAX - HDR_BYTES) / BLOB_SEALED_CHUNK * VAULT_CHUNK_SIZE)

static uint64_t blob_file_bytes(uint64_t size)
{
    return HDR_BYTES + size + chunk_count(size) * BLOB_ABYTES;
}

static int header_valid(const unsigned char *header, const unsigned char id[VAULT_ID_BYTES])
{
    uint32_t version = load_le32(header + HDR_OFF_VERSION);

    return memcmp(header, BLOB_MAGIC, BLOB_MAGIC_BYTES) == 0 &&
           (version == BLOB_VERSION_AEAD || version == BLOB_VERSION_SECRETBOX) &&
           load_le32(header + HDR_OFF_CHUNK) == VAULT_CHUNK_SIZE &&
           load_le64(header + HDR_OFF_SIZE) <= BLOB_MAX_SIZE &&
           sodium_memcmp(header + HDR_OFF_ID, id, VAULT_ID_BYTES) == 0;
}

/* Authenticate chunk i, its ciphertext in buf and its tag apart, and
 * decrypt it in place. 0 or -EIO; on failure buf holds no plaintext
 * (libsodium checks the tag first: version 2 leaves the ciphertext, version
 * 1 zeroes it). */
static int chunk_open_in_place(const struct af_blob *b, uint64_t i, unsigned char *buf,
                               const unsigned char tag[BLOB_ABYTES])
{
    unsigned char nonce[crypto_secretbox_NONCEBYTES];

    if (b->version == BLOB_VERSION_AEAD)
        return chunk_open_v1(b, i, buf, tag);
    chunk_nonce(i, b->nchunks, nonce);
    if (crypto_secretbox_open_detached(buf, buf, tag, chunk_len(b->size, b->nchunks, i), nonce,
                                       b->key) != 0)
        return -EIO;
    return 0;
}

/* preadv until every iovec is full: 0, -EIO at EOF, or negative errno. */
static int preadv_full(int fd, struct iovec *iov, int n, uint64_t off)
{
    while (n > 0) {
        ssize_t got = preadv(fd, iov, n, (off_t)off);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -errno;
        if (got == 0)
            return -EIO;
        off += (uint64_t)got;
        while (n > 0 && (size_t)got >= iov->iov_len) {
            got -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (unsigned char *)iov->iov_base + got;
            iov->iov_len -= (size_t)got;
        }
    }
    return 0;
}

/* Chunks [first, first + n) of b, each wanted in part or whole from
 * [off, end): the ciphertext of a wholly wanted chunk is read straight into
 * the caller's buffer and decrypted there; a partly wanted one (at most the
 * first and the last) goes through scratch. One preadv per batch. */
static int read_batch(const struct af_blob *b, unsigned char *out, uint64_t off, uint64_t end,
                      uint64_t first, uint64_t n, unsigned char *scratch)
{
    unsigned char tags[READ_BATCH_CHUNKS][BLOB_ABYTES];
    struct iovec iov[2 * READ_BATCH_CHUNKS];
    unsigned char *dst[READ_BATCH_CHUNKS];
    bool whole[READ_BATCH_CHUNKS];
    int rc;

    for (uint64_t j = 0; j < n; j++) {
        uint64_t c = first + j, start = c * VAULT_CHUNK_SIZE;
        size_t clen = chunk_len(b->size, b->nchunks, c);

        whole[j] = off <= start && end >= start + clen;
        dst[j] = whole[j] ? out + (start - off) : scratch + (j ? VAULT_CHUNK_SIZE : 0);
        iov[2 * j] = (struct iovec){ dst[j], clen };
        iov[2 * j + 1] = (struct iovec){ tags[j], BLOB_ABYTES };
    }
    rc = preadv_full(b->fd, iov, (int)(2 * n), chunk_offset(first));
    for (uint64_t j = 0; rc == 0 && j < n; j++) {
        uint64_t c = first + j, start = c * VAULT_CHUNK_SIZE;
        size_t clen = chunk_len(b->size, b->nchunks, c);
        size_t lo = off > start ? (size_t)(off - start) : 0;
        size_t hi = end < start + clen ? (size_t)(end - start) : clen;

        rc = chunk_open_in_place(b, c, dst[j], tags[j]);
        if (rc == 0 && !whole[j])
            memcpy(out + (start + lo - off), dst[j] + lo, hi - lo);
    }
    return rc;
}

/* Authenticate chunk i, discarding its plaintext. */
static int chunk_check(const struct af_blob *b, uint64_t i)
{
    size_t len = chunk_len(b->size, b->nchunks, i);
    uint64_t start = i * VAULT_CHUNK_SIZE;
    unsigned char *plain = malloc(len ? len : 1);
    int rc;

    if (!plain)
        return -ENOMEM;
    rc = read_batch(b, plain, start, start + len, i, 1, NULL);
    sodium_memzero(plain, len);
    free(plain);
    return rc;
}

int vault_blob_open(struct af_vault *v, const char *id_hex, struct af_blob **out)
{
    unsigned char id[VAULT_ID_BYTES];
    char path[BLOB_PATH_BYTES];
    struct af_blob *b;
    ssize_t n;
    int rc;

    *out = NULL;
    rc = id_parse(id_hex, id);
    if (rc < 0)
        return rc;
    blob_path(id_hex, path);
    b = kept_take(v, id_hex);
    if (b) {
        if (kept_still_valid(b, path)) {
            *out = b;
            return 0;
        }
        blob_discard(b);
    }
    b = blob_alloc(v);
    if (!b)
        return -ENOMEM;
    memset(b, 0, sizeof *b);
    b->v = v;
    memcpy(b->id, id_hex, VAULT_ID_HEX - 1);
    b->id[VAULT_ID_HEX - 1] = '\0';
    b->fd = blob_file_open(v, path);
    if (b->fd < 0) {
        rc = -errno;
        goto free_b;
    }
    n = io_pread_full(b->fd, b->header, HDR_BYTES, 0);
    if (n < 0) {
        rc = (int)n;
        goto close_fd;
    }
    if (n != HDR_BYTES || !header_valid(b->header, id)) {
        rc = -EIO;
        goto close_fd;
    }
    b->version = load_le32(b->header + HDR_OFF_VERSION);
    if (b->version == BLOB_VERSION_SECRETBOX)
        blob_key(b->header, v->keys->aead, b->key);
    b->size = load_le64(b->header + HDR_OFF_SIZE);
    b->nchunks = chunk_count(b->size);
    if (fstat(b->fd, &b->st) < 0) {
        rc = -errno;
        goto close_fd;
    }
    if ((uint64_t)b->st.st_size != blob_file_bytes(b->size)) {
        rc = -EIO;
        goto close_fd;
    }
    /* The final chunk's tag covers the whole header under this key. */
    rc = chunk_check(b, b->nchunks - 1);
    if (rc < 0)
        goto close_fd;
    *out = b;
    return 0;

close_fd:
    close(b->fd);
free_b:
    blob_release(v, b);
    return rc;
}

const char *vault_blob_id(const struct af_blob *b)
{
    return b->id;
}

uint64_t vault_blob_size(const struct af_blob *b)
{
    return b->size;
}

ssize_t vault_blob_pread(struct af_blob *b, void *buf, size_t len, uint64_t off)
{
    unsigned char *scratch = NULL;
    uint64_t first, last, end;
    int rc = 0;

    if (off >= b->size || len == 0)
        return 0;
    if (len > b->size - off)
        len = (size_t)(b->size - off);
    if (len > SSIZE_MAX)
        len = SSIZE_MAX;
    end = off + len;
    first = off / VAULT_CHUNK_SIZE;
    last = (end - 1) / VAULT_CHUNK_SIZE;
    if (off % VAULT_CHUNK_SIZE || (end % VAULT_CHUNK_SIZE && end != b->size)) {
        /* A chunk wanted in part: room for the first and the last. */
        scratch = malloc(2 * (size_t)VAULT_CHUNK_SIZE);
        if (!scratch)
            return -ENOMEM;
    }
    for (uint64_t i = first; i <= last && rc == 0; i += READ_BATCH_CHUNKS) {
        uint64_t n = last - i + 1 < READ_BATCH_CHUNKS ? last - i + 1 : READ_BATCH_CHUNKS;

        rc = read_batch(b, buf, off, end, i, n, scratch);
    }
    if (scratch) {
        sodium_memzero(scratch, 2 * (size_t)VAULT_CHUNK_SIZE);
        free(scratch);
    }
    if (rc < 0)
        atomic_store(&b->failed, true);
    return rc < 0 ? rc : (ssize_t)len;
}

void vault_blob_close(struct af_blob *b)
{
    if (b && !atomic_load(&b->failed) && b->st.st_size <= KEEP_MAX_FILE_BYTES)
        kept_add(b->v, b);
    else
        blob_discard(b);
}

int vault_read_all(struct af_vault *v, const char *id_hex, void **buf, size_t *len)
{
    struct af_blob *b;
    void *data;
    ssize_t n;
    int rc;

    *buf = NULL;
    *len = 0;
    rc = vault_blob_open(v, id_hex, &b);
    if (rc < 0)
        return rc;
    if (b->size > SSIZE_MAX) {
        rc = -EFBIG;
        goto close_blob;
    }
    data = malloc(b->size ? (size_t)b->size : 1);
    if (!data) {
        rc = -ENOMEM;
        goto close_blob;
    }
    /* The size fits ssize_t, so one call returns all of it or an error. */
    n = vault_blob_pread(b, data, (size_t)b->size, 0);
    if (n < 0) {
        rc = (int)n;
        goto free_data;
    }
    *buf = data;
    *len = (size_t)n;
    data = NULL;
free_data:
    free(data);
close_blob:
    vault_blob_close(b);
    return rc;
}

int vault_verify(struct af_vault *v, const char *id_hex, int content_addressed)
{
    crypto_generichash_state st;
    unsigned char sum[VAULT_ID_BYTES];
    struct af_blob *b;
    unsigned char *buf;
    uint64_t off;
    ssize_t n;
    int rc;

    rc = vault_blob_open(v, id_hex, &b);
    if (rc < 0)
        return rc;
    buf = malloc(HASH_BUFFER_BYTES);
    if (!buf) {
        rc = -ENOMEM;
        goto close_blob;
    }
    crypto_generichash_init(&st, v->keys->address, sizeof v->keys->address, sizeof sum);
    for (off = 0; off < b->size; off += (uint64_t)n) {
        n = vault_blob_pread(b, buf, HASH_BUFFER_BYTES, off);
        if (n < 0) {
            rc = (int)n;
            goto free_buf;
        }
        if (content_addressed)
            crypto_generichash_update(&st, buf, (unsigned long long)n);
    }
    crypto_generichash_final(&st, sum, sizeof sum);
    if (content_addressed && sodium_memcmp(sum, b->header + HDR_OFF_ID, sizeof sum) != 0)
        rc = -EIO;
free_buf:
    free(buf);
close_blob:
    vault_blob_close(b);
    return rc;
}

int vault_exists(const struct af_vault *v, const char *id_hex)
{
    char path[BLOB_PATH_BYTES];
    struct stat st;
    int rc = id_path(id_hex, path);

    if (rc < 0)
        return rc;
    if (fstatat(v->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 1;
    return errno == ENOENT ? 0 : -errno;
}

/* A growing list of blob ids (vault_list). */
struct id_list {
    char (*ids)[VAULT_ID_HEX];
    size_t n, cap;
};

static bool lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[len] == '\0';
}

static int id_list_add(struct id_list *l, const char *id_hex)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        void *p = realloc(l->ids, cap * sizeof *l->ids);

        if (!p)
            return -ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    memcpy(l->ids[l->n++], id_hex, VAULT_ID_HEX);
    return 0;
}

struct list_walk {
    const struct af_vault *v;
    struct id_list list;
    const char *fan; /* the fan-out folder being read */
};

static int add_blob(int folder, const char *name, void *arg)
{
    struct list_walk *w = arg;

    (void)folder;
    if (!lower_hex(name, VAULT_ID_HEX - 1) || memcmp(name, w->fan, 2) != 0)
        return 0;
    return id_list_add(&w->list, name);
}

static int add_fan(int folder, const char *name, void *arg)
{
    struct list_walk *w = arg;

    (void)folder;
    if (!lower_hex(name, 2))
        return 0;
    w->fan = name;
    return each_entry(w->v->dirfd, name, add_blob, w);
}

int vault_list(const struct af_vault *v, char (**ids)[VAULT_ID_HEX], size_t *n)
{
    struct list_walk w = {.v = v};
    int rc = each_entry(v->dirfd, ".", add_fan, &w);

    if (rc < 0) {
        free(w.list.ids);
        *ids = NULL;
        *n = 0;
        return rc;
    }
    *ids = w.list.ids;
    *n = w.list.n;
    return 0;
}

int vault_remove(struct af_vault *v, const char *id_hex)
{
    char path[BLOB_PATH_BYTES];
    int rc = id_path(id_hex, path);

    if (rc < 0)
        return rc;
    kept_forget(v, id_hex);
    if (unlinkat(v->dirfd, path, 0) < 0)
        return -errno;
    /* Make the removal durable: a purged photo must not come back. */
    path[2] = '\0';
    return fsync_at(v->dirfd, path);
}

int vault_remove_unused(struct af_vault *v, const char *id_hex, unsigned min_age)
{
    char path[BLOB_PATH_BYTES], tmp[TMP_PATH_BYTES];
    struct stat st;
    int rc = id_path(id_hex, path);

    if (rc < 0)
        return rc;
    kept_forget(v, id_hex);
    tmp_name(tmp);
    /* Aside first: a put of the same bytes from now on finds no blob and
     * writes one; a put that came before has made this one young. */
    if (renameat(v->dirfd, path, v->dirfd, tmp) < 0)
        return -errno;
    if (fstatat(v->dirfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        rc = -errno;
    } else if (time(NULL) - st.st_mtime < (time_t)min_age) {
        if (renameat2(v->dirfd, tmp, v->dirfd, path, RENAME_NOREPLACE) == 0)
            return 0;
        rc = errno == EEXIST ? 0 : -errno; /* written anew meanwhile: the same bytes */
        if (rc < 0)
            return rc;
    } else {
        rc = 1;
    }
    unlinkat(v->dirfd, tmp, 0);
    if (rc == 1) {
        path[2] = '\0';
        int err = fsync_at(v->dirfd, path);
        if (err < 0)
            return err;
    }
    return rc;
}

/* ---- writing ---- */

/* The plaintext of [off, off+len): a pointer into the source's memory, or
 * read into scratch. A file that ends early changed since it was hashed. */
static int source_view(const struct blob_source *src, uint64_t off, size_t len,
                       unsigned char *scratch, const unsigned char **out)
{
    ssize_t n;

    *out = NULL;
    if (src->fd < 0) {
        *out = src->mem + off;
        return 0;
    }
    n = io_pread_full(src->fd, scratch, len, off);
    if (n < 0)
        return (int)n;
    if ((size_t)n != len)
        return -EAGAIN;
    *out = scratch;
    return 0;
}

/* A file source must be as it was when hashed, or the address is wrong. */
static int source_unchanged(const struct blob_source *src)
{
    struct stat now;

    if (fstat(src->fd, &now) < 0)
        return -errno;
    if ((uint64_t)now.st_size != src->size || now.st_size != src->st.st_size ||
        now.st_ino != src->st.st_ino || now.st_dev != src->st.st_dev ||
        now.st_mtim.tv_sec != src->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != src->st.st_mtim.tv_nsec ||
        now.st_ctim.tv_sec != src->st.st_ctim.tv_sec ||
        now.st_ctim.tv_nsec != src->st.st_ctim.tv_nsec)
        return -EAGAIN;
    return 0;
}

/* Seal chunks [first, end) of the job, PUT_BATCH_CHUNKS per write. */
static int encrypt_range(const struct encrypt_job *job)
{
    const struct blob_source *src = job->src;
    unsigned char nonce[crypto_secretbox_NONCEBYTES];
    unsigned char *sealed, *scratch = NULL;
    uint64_t i, n;
    int rc = 0;

    sealed = malloc((size_t)PUT_BATCH_CHUNKS * BLOB_SEALED_CHUNK);
    if (!sealed)
        return -ENOMEM;
    if (src->fd >= 0) {
        scratch = malloc((size_t)PUT_BATCH_CHUNKS * VAULT_CHUNK_SIZE);
        if (!scratch) {
            rc = -ENOMEM;
            goto free_sealed;
        }
    }
    for (i = job->first; i < job->end; i += n) {
        const unsigned char *plain;
        unsigned char *c = sealed;
        size_t len;

        n = job->end - i < PUT_BATCH_CHUNKS ? job->end - i : PUT_BATCH_CHUNKS;
        len = (size_t)(n - 1) * VAULT_CHUNK_SIZE + chunk_len(src->size, job->nchunks, i + n - 1);
        rc = source_view(src, i * VAULT_CHUNK_SIZE, len, scratch, &plain);
        if (rc < 0)
            goto free_scratch;
        for (uint64_t j = i; j < i + n; j++) {
            size_t clen = chunk_len(src->size, job->nchunks, j);

            chunk_nonce(j, job->nchunks, nonce);
            crypto_secretbox_detached(c, c + clen, plain, clen, nonce, job->key);
            plain += clen;
            c += clen + BLOB_ABYTES;
        }
        rc = io_pwrite_full(job->fd, sealed, (size_t)(c - sealed), chunk_offset(i));
        if (rc < 0)
            goto free_scratch;
    }
free_scratch:
    free(scratch);
free_sealed:
    free(sealed);
    return rc;
}

static void *encrypt_thread(void *arg)
{
    struct encrypt_job *job = arg;

    job->rc = encrypt_range(job);
    return NULL;
}

/* Seal every chunk of src into fd under the key of the blob `header`
 * opens. With more than one CPU a large blob is split in two halves, the
 * second sealed by a helper thread; if the thread cannot be started the
 * halves are sealed one after the other. */
static int encrypt_chunks(const struct af_vault *v, const struct blob_source *src,
                          const unsigned char *header, int fd)
{
    uint64_t nchunks = chunk_count(src->size);
    struct encrypt_job jobs[2];
    unsigned char *key;
    pthread_t helper;
    int threaded = 0, rc;

    key = sodium_malloc(crypto_secretbox_KEYBYTES);
    if (!key)
        return -ENOMEM;
    blob_key(header, v->keys->aead, key);
    for (int k = 0; k < 2; k++)
        jobs[k] = (struct encrypt_job){ .src = src, .key = key, .fd = fd, .nchunks = nchunks };
    jobs[0].end = nchunks;
    if (nchunks >= PUT_THREAD_MIN_CHUNKS && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        jobs[0].end = jobs[1].first = nchunks / 2;
        jobs[1].end = nchunks;
        threaded = pthread_create(&helper, NULL, encrypt_thread, &jobs[1]) == 0;
    }
    jobs[0].rc = encrypt_range(&jobs[0]);
    if (threaded)
        pthread_join(helper, NULL);
    else if (jobs[0].rc == 0 && jobs[1].first < jobs[1].end)
        jobs[1].rc = encrypt_range(&jobs[1]);
    rc = jobs[0].rc < 0 ? jobs[0].rc : jobs[1].rc;
    sodium_free(key);
    return rc;
}

/* Write src as blob `id` under a temporary name, fsync it, rename it into
 * place (replacing any blob of that id) and fsync the fan-out directory.
 * On failure the temporary file is removed and nothing else changed. */
static int blob_write(struct af_vault *v, const struct blob_source *src,
                      const unsigned char id[VAULT_ID_BYTES])
{
    unsigned char header[HDR_BYTES];
    char id_hex[VAULT_ID_HEX], path[BLOB_PATH_BYTES], tmp[TMP_PATH_BYTES], fan[3];
    int fd, rc;

    memcpy(header, BLOB_MAGIC, BLOB_MAGIC_BYTES);
    store_le32(header + HDR_OFF_VERSION, BLOB_VERSION_SECRETBOX);
    store_le32(header + HDR_OFF_CHUNK, VAULT_CHUNK_SIZE);
    store_le64(header + HDR_OFF_SIZE, src->size);
    memcpy(header + HDR_OFF_ID, id, VAULT_ID_BYTES);
    randombytes_buf(header + HDR_OFF_RANDOM, BLOB_RANDOM_BYTES);

    sodium_bin2hex(id_hex, sizeof id_hex, id, VAULT_ID_BYTES);
    blob_path(id_hex, path);
    memcpy(fan, path, 2);
    fan[2] = '\0';
    tmp_name(tmp);

    fd = sysio_openat(v->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    rc = io_pwrite_full(fd, header, sizeof header, 0);
    if (rc < 0)
        goto unlink_tmp;
    rc = encrypt_chunks(v, src, header, fd);
    if (rc < 0)
        goto unlink_tmp;
    if (src->fd >= 0) {
        rc = source_unchanged(src);
        if (rc < 0)
            goto unlink_tmp;
    }
    if (sysio_fsync(fd) < 0) {
        rc = -errno;
        goto unlink_tmp;
    }
    rc = close(fd) < 0 ? -errno : 0;
    fd = -1;
    if (rc < 0)
        goto unlink_tmp;
    rc = mkdir_at(v->dirfd, fan);
    if (rc < 0)
        goto unlink_tmp;
    if (rc == 1 && sysio_fsync(v->dirfd) < 0) {
        rc = -errno;
        goto unlink_tmp;
    }
    if (sysio_renameat(v->dirfd, tmp, v->dirfd, path) < 0) {
        rc = -errno;
        goto unlink_tmp;
    }
    kept_forget(v, id_hex); /* it held the file just replaced */
    return fsync_at(v->dirfd, fan);

unlink_tmp:
    if (fd >= 0)
        close(fd);
    unlinkat(v->dirfd, tmp, 0);
    return rc;
}

/* Store src at its content address unless a blob there already
 * authenticates; a damaged one is replaced. */
static int store_content(struct af_vault *v, const struct blob_source *src,
                         const unsigned char id[VAULT_ID_BYTES])
{
    char id_hex[VAULT_ID_HEX];
    struct af_blob *b;
    int rc;

    sodium_bin2hex(id_hex, sizeof id_hex, id, VAULT_ID_BYTES);
    rc = vault_blob_open(v, id_hex, &b);
    if (rc == 0) {
        char path[BLOB_PATH_BYTES];

        vault_blob_close(b);
        /* Stored again: young again, so vault_remove_unused keeps it. If
         * that has just moved it aside, write it anew. */
        blob_path(id_hex, path);
        if (utimensat(v->dirfd, path, NULL, 0) == 0 || errno != ENOENT)
            return 0;
        return blob_write(v, src, id);
    }
    if (rc != -ENOENT && rc != -EIO)
        return rc;
    return blob_write(v, src, id);
}

/* Keyed hash of the whole file, read with pread to EOF. */
static int hash_fd(const struct af_vault *v, int fd, unsigned char id[VAULT_ID_BYTES],
                   uint64_t *size)
{
    crypto_generichash_state st;
    unsigned char *buf;
    uint64_t off = 0;
    ssize_t n;

    buf = malloc(HASH_BUFFER_BYTES);
    if (!buf)
        return -ENOMEM;
    crypto_generichash_init(&st, v->keys->address, sizeof v->keys->address, VAULT_ID_BYTES);
    while ((n = io_pread_full(fd, buf, HASH_BUFFER_BYTES, off)) > 0) {
        crypto_generichash_update(&st, buf, (unsigned long long)n);
        off += (uint64_t)n;
    }
    if (n == 0) {
        crypto_generichash_final(&st, id, VAULT_ID_BYTES);
        *size = off;
    }
    free(buf);
    return n < 0 ? (int)n : 0;
}

int vault_put_fd(struct af_vault *v, int fd, char id_hex[VAULT_ID_HEX], uint64_t *size)
{
    struct blob_source src = { .fd = fd };
    unsigned char id[VAULT_ID_BYTES];
    int rc;

    id_hex[0] = '\0';
    if (size)
        *size = 0;
    if (fstat(fd, &src.st) < 0)
        return -errno;
    if (!S_ISREG(src.st.st_mode))
        return -EINVAL;
    rc = hash_fd(v, fd, id, &src.size);
    if (rc < 0)
        return rc;
    rc = store_content(v, &src, id);
    if (rc < 0)
        return rc;
    sodium_bin2hex(id_hex, VAULT_ID_HEX, id, sizeof id);
    if (size)
        *size = src.size;
    return 0;
}

/* Stands in for a NULL buffer of length 0: no arithmetic on NULL. */
static const unsigned char empty_buffer[1];

int vault_put_buffer(struct af_vault *v, const void *buf, size_t len, char id_hex[VAULT_ID_HEX])
{
    struct blob_source src = { .fd = -1, .mem = len ? buf : empty_buffer, .size = len };
    unsigned char id[VAULT_ID_BYTES];
    int rc;

    id_hex[0] = '\0';
    crypto_generichash(id, sizeof id, src.mem, len, v->keys->address, sizeof v->keys->address);
    rc = store_content(v, &src, id);
    if (rc == 0)
        sodium_bin2hex(id_hex, VAULT_ID_HEX, id, sizeof id);
    return rc;
}

int vault_put_named(struct af_vault *v, const char *id_hex, const void *buf, size_t len)
{
    struct blob_source src = { .fd = -1, .mem = len ? buf : empty_buffer, .size = len };
    unsigned char id[VAULT_ID_BYTES];
    int rc;

    rc = id_parse(id_hex, id);
    if (rc < 0)
        return rc;
    return blob_write(v, &src, id);
}
