/* staging.c — encrypted scratch files for uploads in progress (staging.h).
 *
 * A staged file on disk is an array of slots, slot i at i * SLOT_BYTES:
 *   24-byte random nonce || 16-byte tag || STAGING_CHUNK bytes of ciphertext
 * sealed with XChaCha20-Poly1305-IETF under the file's own key, with the
 * slot index (u64le) as additional data, so a slot moved elsewhere in the
 * file does not authenticate. Every slot holds a whole chunk: the bytes of
 * the last chunk past the file's size are zeros (written as zeros, and
 * zeroed again by a truncation), which is what a later growth must show.
 * Which slots were written (the others are holes: zeros) and the size are
 * kept in memory only; so is the key. Nothing of a staged file can be read
 * back after its process is gone.
 *
 * Names: "up-<16 hex>" for staged files (unlinked once locked: see
 * staged_new) and "commit-<64 hex>" for commit intents, each held with an
 * exclusive flock by its process while it is needed. A lock is released by
 * the kernel when its process dies, so a free lock means a leftover.
 */
#include "store/staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store/byteorder_private.h"
#include "store/io_private.h"
#include "store/sysio.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SLOT_BYTES ((uint64_t)NONCE_BYTES + TAG_BYTES + STAGING_CHUNK)
#define STAGED_PREFIX "up-"
#define INTENT_PREFIX "commit-"
#define NAME_RANDOM_BYTES 8
#define BLOB_HEX 64
#define NAME_MAX_BYTES (sizeof INTENT_PREFIX + BLOB_HEX)

struct af_staging {
    int dirfd;          /* LIBRARY/uploads */
    uint64_t max_bytes; /* a staged file's largest size */
};

struct af_staged {
    struct af_staging *st;
    int fd;                  /* the unlinked file */
    uint64_t size;           /* plaintext bytes */
    unsigned char *written;  /* bitmap: slot i holds sealed bytes (else a hole) */
    size_t slots;            /* capacity of `written`, in slots */
    unsigned char *key;      /* sodium_malloc'd */
    unsigned char *chunk;    /* one plaintext chunk of scratch */
};

struct staging_intent {
    struct af_staging *st;
    int fd;
    char name[NAME_MAX_BYTES];
};

/* ---- small helpers ---- */

/* Exactly len bytes at off: a slot we wrote cannot be shorter (-EIO). */
static int pread_exact(int fd, void *buf, size_t len, uint64_t off)
{
    ssize_t n = io_pread_full(fd, buf, len, off);

    return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

static bool slot_written(const struct af_staged *f, uint64_t i)
{
    return i < f->slots && (f->written[i / 8] >> (i % 8)) & 1;
}

static void slot_mark(struct af_staged *f, uint64_t i, bool on)
{
    if (on)
        f->written[i / 8] |= (unsigned char)(1u << (i % 8));
    else
        f->written[i / 8] &= (unsigned char)~(1u << (i % 8));
}

/* Slot i into f->chunk (zeros for a hole). 0 or -EIO / disk errno. */
static int slot_load(struct af_staged *f, uint64_t i)
{
    unsigned char sealed[NONCE_BYTES + TAG_BYTES], ad[8];
    int rc;

    if (!slot_written(f, i)) {
        memset(f->chunk, 0, STAGING_CHUNK);
        return 0;
    }
    rc = pread_exact(f->fd, sealed, sizeof sealed, i * SLOT_BYTES);
    if (rc == 0)
        rc = pread_exact(f->fd, f->chunk, STAGING_CHUNK, i * SLOT_BYTES + sizeof sealed);
    if (rc < 0)
        return rc;
    store_le64(ad, i);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            f->chunk, NULL, f->chunk, STAGING_CHUNK, sealed + NONCE_BYTES, ad, sizeof ad,
            sealed, f->key) != 0) {
        memset(f->chunk, 0, STAGING_CHUNK);
        return -EIO;
    }
    return 0;
}

/* Seal f->chunk into slot i (f->chunk is left encrypted: reload to reuse). */
static int slot_store(struct af_staged *f, uint64_t i)
{
    unsigned char sealed[NONCE_BYTES + TAG_BYTES], ad[8];
    int rc;

    randombytes_buf(sealed, NONCE_BYTES);
    store_le64(ad, i);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(f->chunk, sealed + NONCE_BYTES, NULL,
                                                        f->chunk, STAGING_CHUNK, ad, sizeof ad,
                                                        NULL, sealed, f->key);
    rc = io_pwrite_full(f->fd, sealed, sizeof sealed, i * SLOT_BYTES);
    if (rc == 0)
        rc = io_pwrite_full(f->fd, f->chunk, STAGING_CHUNK, i * SLOT_BYTES + sizeof sealed);
    if (rc == 0)
        slot_mark(f, i, true);
    return rc;
}

/* Call each(folder fd, name, arg) for the entries of st's folder whose name
 * starts with prefix. */
static int each_named(struct af_staging *st, const char *prefix,
                      int (*each)(struct af_staging *, const char *, void *), void *arg)
{
    struct dirent *de;
    DIR *d;
    int fd, rc = 0;

    fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        rc = -errno;
        close(fd);
        return rc;
    }
    while (rc >= 0 && (de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            rc = each(st, de->d_name, arg);
    closedir(d);
    return rc;
}

/* Open `name` and take its lock without waiting: the fd, -EWOULDBLOCK when
 * a live process holds it, or another negative errno. */
static int lock_existing(struct af_staging *st, const char *name)
{
    int fd = openat(st->dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return fd;
}

static int remove_leftover(struct af_staging *st, const char *name, void *arg)
{
    int fd = lock_existing(st, name);

    (void)arg;
    if (fd >= 0) {
        unlinkat(st->dirfd, name, 0); /* its process is gone; so is its key */
        close(fd);
    }
    return 0;
}

/* ---- the folder ---- */

int staging_open(const char *library_dir, uint64_t max_bytes, struct af_staging **out)
{
    struct af_staging *st;
    char path[PATH_MAX];
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return -EIO;
    if (snprintf(path, sizeof path, "%s/%s", library_dir, STAGING_DIR) >= (int)sizeof path)
        return -ENAMETOOLONG;
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    st = calloc(1, sizeof *st);
    if (!st)
        return -ENOMEM;
    st->max_bytes = max_bytes;
    st->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (st->dirfd < 0) {
        rc = -errno;
        free(st);
        return rc;
    }
    rc = each_named(st, STAGED_PREFIX, remove_leftover, NULL);
    if (rc < 0) {
        staging_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void staging_close(struct af_staging *st)
{
    if (!st)
        return;
    close(st->dirfd);
    free(st);
}

/* ---- one staged file ---- */

/* Create a file of a fresh random name, lock it and remove its name. The
 * lock keeps staging_open of another process from taking the instant
 * between creating and unlinking for a leftover; if it did (our lock then
 * fails), we try another name. */
static int create_unlinked(struct af_staging *st)
{
    for (int tries = 0; tries < 16; tries++) {
        unsigned char rnd[NAME_RANDOM_BYTES];
        char name[sizeof STAGED_PREFIX + 2 * NAME_RANDOM_BYTES];
        int fd;

        randombytes_buf(rnd, sizeof rnd);
        memcpy(name, STAGED_PREFIX, sizeof STAGED_PREFIX - 1);
        sodium_bin2hex(name + sizeof STAGED_PREFIX - 1, 2 * NAME_RANDOM_BYTES + 1, rnd,
                       sizeof rnd);
        fd = sysio_openat(st->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            close(fd); /* a clean-up took it: it removes the name */
            continue;
        }
        if (unlinkat(st->dirfd, name, 0) < 0 && errno != ENOENT) {
            int rc = -errno;

            close(fd);
            return rc;
        }
        return fd;
    }
    return -EAGAIN;
}

int staged_new(struct af_staging *st, struct af_staged **out)
{
    struct af_staged *f;
    int rc = -ENOMEM;

    *out = NULL;
    f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->st = st;
    f->fd = -1;
    f->slots = (size_t)(st->max_bytes / STAGING_CHUNK + 1);
    f->written = calloc(f->slots / 8 + 1, 1);
    f->chunk = malloc(STAGING_CHUNK);
    f->key = sodium_malloc(KEY_BYTES);
    if (!f->written || !f->chunk || !f->key)
        goto fail;
    crypto_aead_xchacha20poly1305_ietf_keygen(f->key);
    rc = create_unlinked(st);
    if (rc < 0)
        goto fail;
    f->fd = rc;
    *out = f;
    return 0;

fail:
    staged_free(f);
    return rc;
}

void staged_free(struct af_staged *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->key)
        sodium_free(f->key);
    if (f->chunk) {
        sodium_memzero(f->chunk, STAGING_CHUNK);
        free(f->chunk);
    }
    free(f->written);
    free(f);
}

uint64_t staged_size(const struct af_staged *f)
{
    return f->size;
}

ssize_t staged_pwrite(struct af_staged *f, const void *buf, size_t len, uint64_t off)
{
    const unsigned char *p = buf;
    uint64_t end = off + len;
    size_t done = 0;
    int rc = 0;

    if (len == 0)
        return 0;
    if (end < off || end > f->st->max_bytes)
        return -EFBIG;
    while (done < len) {
        uint64_t pos = off + done, i = pos / STAGING_CHUNK;
        size_t at = (size_t)(pos % STAGING_CHUNK);
        size_t n = STAGING_CHUNK - at < len - done ? STAGING_CHUNK - at : len - done;

        if (n == STAGING_CHUNK)
            rc = 0; /* a whole chunk: nothing of the old one survives */
        else
            rc = slot_load(f, i);
        if (rc < 0)
            break;
        memcpy(f->chunk + at, p + done, n);
        rc = slot_store(f, i);
        if (rc < 0)
            break;
        done += n;
        if (off + done > f->size)
            f->size = off + done;
    }
    sodium_memzero(f->chunk, STAGING_CHUNK);
    return done > 0 && rc < 0 ? (ssize_t)done : rc < 0 ? rc : (ssize_t)done;
}

ssize_t staged_pread(struct af_staged *f, void *buf, size_t len, uint64_t off)
{
    unsigned char *p = buf;
    size_t done = 0;
    int rc = 0;

    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    while (done < len) {
        uint64_t pos = off + done, i = pos / STAGING_CHUNK;
        size_t at = (size_t)(pos % STAGING_CHUNK);
        size_t n = STAGING_CHUNK - at < len - done ? STAGING_CHUNK - at : len - done;

        rc = slot_load(f, i);
        if (rc < 0)
            break;
        memcpy(p + done, f->chunk + at, n);
        done += n;
    }
    sodium_memzero(f->chunk, STAGING_CHUNK);
    return rc < 0 ? rc : (ssize_t)done;
}

int staged_truncate(struct af_staged *f, uint64_t size)
{
    uint64_t keep, first_gone;
    int rc = 0;

    if (size > f->st->max_bytes)
        return -EFBIG;
    if (size >= f->size) {
        f->size = size; /* the new bytes are zeros: holes, or the zeroed tail */
        return 0;
    }
    keep = size / STAGING_CHUNK;
    first_gone = keep;
    if (size % STAGING_CHUNK != 0) {
        first_gone = keep + 1;
        if (slot_written(f, keep)) {
            rc = slot_load(f, keep);
            if (rc == 0) {
                memset(f->chunk + size % STAGING_CHUNK, 0, STAGING_CHUNK - size % STAGING_CHUNK);
                rc = slot_store(f, keep);
            }
            sodium_memzero(f->chunk, STAGING_CHUNK);
            if (rc < 0)
                return rc;
        }
    }
    for (uint64_t i = first_gone; i < f->slots; i++)
        slot_mark(f, i, false);
    if (ftruncate(f->fd, (off_t)(first_gone * SLOT_BYTES)) < 0)
        return -errno;
    f->size = size;
    return 0;
}

int staged_read_all(struct af_staged *f, void **buf, size_t *len)
{
    size_t n = (size_t)f->size;
    unsigned char *p;
    ssize_t got;

    *buf = NULL;
    *len = 0;
    if ((uint64_t)n != f->size)
        return -EFBIG;
    p = malloc(n ? n : 1);
    if (!p)
        return -ENOMEM;
    got = staged_pread(f, p, n, 0);
    if (got < 0 || (size_t)got != n) {
        staged_buffer_free(p, n);
        return got < 0 ? (int)got : -EIO;
    }
    *buf = p;
    *len = n;
    return 0;
}

void staged_buffer_free(void *buf, size_t len)
{
    if (!buf)
        return;
    sodium_memzero(buf, len);
    free(buf);
}

/* ---- commit intents ---- */

static bool blob_id_valid(const char *id)
{
    size_t n = strspn(id, "0123456789abcdef");

    return n == BLOB_HEX && id[n] == '\0';
}

int staging_intent_begin(struct af_staging *st, const char *blob_id, struct staging_intent **out)
{
    struct staging_intent *in;

    *out = NULL;
    if (!blob_id_valid(blob_id))
        return -EINVAL;
    in = calloc(1, sizeof *in);
    if (!in)
        return -ENOMEM;
    in->st = st;
    snprintf(in->name, sizeof in->name, "%s%s", INTENT_PREFIX, blob_id);
    /* Lock the file at that name: another commit of the same bytes may
     * hold it (wait for it), or end it and remove the name under us (then
     * the lock is on a file no longer there: take the new one). */
    for (;;) {
        struct stat held, named;
        int rc;

        in->fd = openat(st->dirfd, in->name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (in->fd < 0) {
            rc = -errno;
            free(in);
            return rc;
        }
        while ((rc = flock(in->fd, LOCK_EX)) < 0 && errno == EINTR)
            ;
        if (rc == 0 && fstat(in->fd, &held) == 0 &&
            fstatat(st->dirfd, in->name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            held.st_ino == named.st_ino && held.st_dev == named.st_dev)
            break;
        rc = rc < 0 ? -errno : 0;
        close(in->fd);
        if (rc < 0) {
            free(in);
            return rc;
        }
    }
    /* The intent must be on disk before the blob is. */
    if (fsync(st->dirfd) < 0) {
        int rc = -errno;

        staging_intent_end(in);
        return rc;
    }
    *out = in;
    return 0;
}

void staging_intent_end(struct staging_intent *in)
{
    if (!in)
        return;
    unlinkat(in->st->dirfd, in->name, 0); /* before the unlock: no one waits on a ghost */
    close(in->fd);
    free(in);
}

struct recovery {
    int (*leftover)(const char *blob_id, void *arg);
    void *arg;
    int count;
};

static int recover_one(struct af_staging *st, const char *name, void *arg)
{
    struct recovery *r = arg;
    const char *id = name + sizeof INTENT_PREFIX - 1;
    int fd;

    if (!blob_id_valid(id))
        return 0; /* not ours */
    fd = lock_existing(st, name);
    if (fd < 0)
        return 0; /* its commit is under way, or it is gone */
    r->count++;
    if (r->leftover(id, r->arg) == 0)
        unlinkat(st->dirfd, name, 0);
    close(fd);
    return 0;
}

int staging_recover(struct af_staging *st, int (*leftover)(const char *blob_id, void *arg),
                    void *arg)
{
    struct recovery r = {leftover, arg, 0};
    int rc = each_named(st, INTENT_PREFIX, recover_one, &r);

    return rc < 0 ? rc : r.count;
}
