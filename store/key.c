/* key.c — the library key file and the subkeys derived from it (SPEC §7).
 *
 * The key file is a small versioned binary record (byte layout in
 * docs/vault.md): a magic, a version, a kind, then either the 32 random key
 * bytes or the Argon2id salt and cost parameters, and last a check value,
 * a keyed BLAKE2b of a constant under a subkey of the master key. The check
 * tells a wrong passphrase (-EKEYREJECTED) or a damaged random key (-EINVAL)
 * from a good one, so a caller never gets a silently wrong key. A key derived
 * from a passphrase is never written anywhere.
 *
 * The master key lives in sodium_malloc'd memory, read-only once filled;
 * key_free wipes and releases it. Subkeys come from crypto_kdf with the
 * context "albumfs1" and the af_subkey value as subkey id.
 *
 * The file's framing is checked by key_file_parse (key_private.h), apart
 * from reading it so that its fuzz harness can call it on any bytes.
 *
 * Threading: a loaded key is immutable; key_derive may run in many threads.
 * Owns: nothing global; each af_key owns its guarded allocation.
 */
#include "store/key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store/byteorder_private.h"
#include "store/sysio.h"
#include "store/key_private.h"

#define KEY_MAGIC "ALBUMKEY"
#define KEY_MAGIC_BYTES 8
#define KEY_VERSION 1
#define KEY_KDF_CONTEXT "albumfs1"   /* subkeys handed out by key_derive */
#define KEY_CHECK_CONTEXT "afkcheck" /* the check value's own subkey (id 1) */
#define KEY_CHECK_INPUT "albumfs key check v1"
#define KEY_CHECK_BYTES crypto_generichash_BYTES
#define KEY_SALT_BYTES crypto_pwhash_argon2id_SALTBYTES

/* Byte offsets in the file; everything little-endian. */
enum {
    KEY_OFF_VERSION = KEY_MAGIC_BYTES,
    KEY_OFF_KIND = KEY_OFF_VERSION + 1,
    KEY_OFF_BODY = KEY_OFF_KIND + 1,
    /* kind random: the key, then the check */
    KEY_RANDOM_OFF_CHECK = KEY_OFF_BODY + AF_KEY_BYTES,
    KEY_RANDOM_FILE_BYTES = KEY_RANDOM_OFF_CHECK + KEY_CHECK_BYTES,
    /* kind passphrase: alg u32, opslimit u64, memlimit u64, salt, check */
    KEY_PASS_OFF_ALG = KEY_OFF_BODY,
    KEY_PASS_OFF_OPS = KEY_PASS_OFF_ALG + 4,
    KEY_PASS_OFF_MEM = KEY_PASS_OFF_OPS + 8,
    KEY_PASS_OFF_SALT = KEY_PASS_OFF_MEM + 8,
    KEY_PASS_OFF_CHECK = KEY_PASS_OFF_SALT + KEY_SALT_BYTES,
    KEY_PASS_FILE_BYTES = KEY_PASS_OFF_CHECK + KEY_CHECK_BYTES,
    /* read buffer: larger than any valid file, so an overlong one shows */
    KEY_FILE_MAX = 128,
};

struct af_key {
    unsigned char master[AF_KEY_BYTES];
};

/* The check value: BLAKE2b-256 of a constant, keyed with subkey 1 of the
 * master key in the "afkcheck" context (disjoint from key_derive's). */
static void key_check_value(const struct af_key *key, unsigned char out[KEY_CHECK_BYTES])
{
    unsigned char sub[AF_KEY_BYTES];

    crypto_kdf_derive_from_key(sub, sizeof sub, 1, KEY_CHECK_CONTEXT, key->master);
    crypto_generichash(out, KEY_CHECK_BYTES, (const unsigned char *)KEY_CHECK_INPUT,
                       strlen(KEY_CHECK_INPUT), sub, sizeof sub);
    sodium_memzero(sub, sizeof sub);
}

/* A guarded, writable key. 0 and *out (caller frees with key_free) or -ENOMEM. */
static int key_alloc(struct af_key **out)
{
    *out = sodium_malloc(sizeof **out);
    return *out ? 0 : -ENOMEM;
}

static int key_seal(struct af_key *key)
{
    return sodium_mprotect_readonly(key) == 0 ? 0 : -errno;
}

/* fsync the directory holding `path`, so a new entry in it is durable. */
static int fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int fd, rc = 0;

    if (!slash) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (!dir)
        return -ENOMEM;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    if (sysio_fsync(fd) < 0)
        rc = -errno;
    close(fd);
out:
    free(dir);
    return rc;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = sysio_write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Open, check ownership and mode, and read a key file into buf (the
 * caller wipes it). 0 and *len, or -ENOENT, -EACCES, -EINVAL (not a regular
 * file), another negative errno. */
static int key_file_read(const char *path, unsigned char buf[KEY_FILE_MAX], size_t *len)
{
    struct stat st;
    int fd, rc = 0;

    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = -EACCES;
        goto out;
    }
    while (*len < KEY_FILE_MAX) {
        ssize_t n = read(fd, buf + *len, KEY_FILE_MAX - *len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        *len += (size_t)n;
    }
out:
    close(fd);
    return rc;
}

int key_file_parse(const unsigned char *buf, size_t len, struct key_file *out)
{
    memset(out, 0, sizeof *out);
    if (len < KEY_OFF_BODY || memcmp(buf, KEY_MAGIC, KEY_MAGIC_BYTES) != 0 ||
        buf[KEY_OFF_VERSION] != KEY_VERSION)
        return -EINVAL;
    switch (buf[KEY_OFF_KIND]) {
    case KEY_KIND_RANDOM:
        if (len != KEY_RANDOM_FILE_BYTES)
            return -EINVAL;
        out->master = buf + KEY_OFF_BODY;
        out->check = buf + KEY_RANDOM_OFF_CHECK;
        break;
    case KEY_KIND_PASSPHRASE:
        if (len != KEY_PASS_FILE_BYTES ||
            load_le32(buf + KEY_PASS_OFF_ALG) != crypto_pwhash_ALG_ARGON2ID13)
            return -EINVAL;
        out->opslimit = load_le64(buf + KEY_PASS_OFF_OPS);
        out->memlimit = load_le64(buf + KEY_PASS_OFF_MEM);
        if (out->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
            out->opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
            out->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
            out->memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
            memset(out, 0, sizeof *out);
            return -EINVAL;
        }
        out->salt = buf + KEY_PASS_OFF_SALT;
        out->check = buf + KEY_PASS_OFF_CHECK;
        break;
    default:
        return -EINVAL;
    }
    out->kind = (enum key_kind)buf[KEY_OFF_KIND];
    return 0;
}

/* Run Argon2id into key->master, with costs within libsodium's limits
 * (key_file_parse checks those read from a file). 0, or -ENOMEM when the
 * memory cost cannot be met. */
static int key_stretch(struct af_key *key, const char *passphrase, size_t passphrase_len,
                       const unsigned char *salt, uint64_t opslimit, uint64_t memlimit)
{
    if (crypto_pwhash(key->master, sizeof key->master, passphrase, passphrase_len, salt,
                      opslimit, (size_t)memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -ENOMEM;
    return 0;
}

int key_create(const char *path, const char *passphrase, size_t passphrase_len,
               struct af_key **out)
{
    unsigned char file[KEY_FILE_MAX];
    struct af_key *key = NULL;
    size_t len;
    int fd, rc;

    *out = NULL;
    if (sodium_init() < 0)
        return -EIO;
    if (passphrase && passphrase_len == 0)
        return -EINVAL;
    rc = key_alloc(&key);
    if (rc < 0)
        return rc;
    /* Claim the path first: a clash fails before the costly derivation. */
    fd = sysio_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        rc = -errno;
        goto free_key;
    }
    memcpy(file, KEY_MAGIC, KEY_MAGIC_BYTES);
    file[KEY_OFF_VERSION] = KEY_VERSION;
    if (!passphrase) {
        file[KEY_OFF_KIND] = KEY_KIND_RANDOM;
        randombytes_buf(key->master, sizeof key->master);
        memcpy(file + KEY_OFF_BODY, key->master, sizeof key->master);
        key_check_value(key, file + KEY_RANDOM_OFF_CHECK);
        len = KEY_RANDOM_FILE_BYTES;
    } else {
        file[KEY_OFF_KIND] = KEY_KIND_PASSPHRASE;
        store_le32(file + KEY_PASS_OFF_ALG, crypto_pwhash_ALG_ARGON2ID13);
        store_le64(file + KEY_PASS_OFF_OPS, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
        store_le64(file + KEY_PASS_OFF_MEM, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
        randombytes_buf(file + KEY_PASS_OFF_SALT, KEY_SALT_BYTES);
        rc = key_stretch(key, passphrase, passphrase_len, file + KEY_PASS_OFF_SALT,
                         crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
        if (rc < 0)
            goto unlink_file;
        key_check_value(key, file + KEY_PASS_OFF_CHECK);
        len = KEY_PASS_FILE_BYTES;
    }
    /* The mode given to open() is filtered by the umask; say it exactly. */
    if (fchmod(fd, 0600) < 0) {
        rc = -errno;
        goto unlink_file;
    }
    rc = write_all(fd, file, len);
    if (rc < 0)
        goto unlink_file;
    if (sysio_fsync(fd) < 0) {
        rc = -errno;
        goto unlink_file;
    }
    rc = close(fd) < 0 ? -errno : 0;
    fd = -1;
    if (rc < 0)
        goto unlink_file;
    rc = fsync_parent(path);
    if (rc < 0)
        goto unlink_file;
    rc = key_seal(key);
    if (rc < 0)
        goto unlink_file;
    *out = key;
    key = NULL;
    goto wipe;

unlink_file:
    if (fd >= 0)
        close(fd);
    unlink(path);
wipe:
    sodium_memzero(file, sizeof file);
free_key:
    key_free(key);
    return rc;
}

int key_load(const char *path, const char *passphrase, size_t passphrase_len,
             struct af_key **out)
{
    unsigned char file[KEY_FILE_MAX];
    unsigned char check[KEY_CHECK_BYTES];
    struct key_file kf;
    struct af_key *key = NULL;
    size_t len;
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return -EIO;
    rc = key_file_read(path, file, &len);
    if (rc == 0)
        rc = key_file_parse(file, len, &kf);
    if (rc < 0)
        goto wipe;
    if (kf.kind == KEY_KIND_PASSPHRASE && !passphrase) {
        rc = -ENOKEY;
        goto wipe;
    }
    rc = key_alloc(&key);
    if (rc < 0)
        goto wipe;
    if (kf.kind == KEY_KIND_RANDOM) {
        /* A passphrase given for a random key is not needed, so ignored. */
        memcpy(key->master, kf.master, sizeof key->master);
    } else {
        rc = key_stretch(key, passphrase, passphrase_len, kf.salt, kf.opslimit, kf.memlimit);
        if (rc < 0)
            goto free_key;
    }
    key_check_value(key, check);
    if (sodium_memcmp(check, kf.check, sizeof check) != 0) {
        /* A random key that fails its own check is a damaged file. */
        rc = kf.kind == KEY_KIND_PASSPHRASE ? -EKEYREJECTED : -EINVAL;
        goto free_key;
    }
    rc = key_seal(key);
    if (rc < 0)
        goto free_key;
    *out = key;
    key = NULL;

free_key:
    key_free(key);
wipe:
    sodium_memzero(check, sizeof check);
    sodium_memzero(file, sizeof file);
    return rc;
}

int key_needs_passphrase(const char *path)
{
    unsigned char file[KEY_FILE_MAX];
    struct key_file kf;
    size_t len;
    int rc;

    if (sodium_init() < 0)
        return -EIO;
    rc = key_file_read(path, file, &len);
    if (rc == 0)
        rc = key_file_parse(file, len, &kf);
    if (rc == 0)
        rc = kf.kind == KEY_KIND_PASSPHRASE;
    sodium_memzero(file, sizeof file);
    return rc;
}

void key_derive(const struct af_key *key, enum af_subkey purpose,
                unsigned char out[AF_KEY_BYTES])
{
    crypto_kdf_derive_from_key(out, AF_KEY_BYTES, (uint64_t)purpose, KEY_KDF_CONTEXT,
                               key->master);
}

void key_free(struct af_key *key)
{
    /* sodium_free makes the region writable again, wipes it and unmaps it. */
    sodium_free(key);
}
