/* repo.c — opening, creating and locking a backup repository, and copying
 * blob files into vault-layout directories (see repo.h; the bytes are in
 * docs/backup.md).
 *
 * Creating a repository (REPO_WRITE on an empty directory), in order:
 *   1. DEST/lock created and flock'd;
 *   2. DEST/config.tmp written and fsync'd, renamed to DEST/config, DEST fsync'd;
 *   3. DEST/blobs (with tmp/) and DEST/snapshots made, DEST fsync'd.
 * A crash before 2 leaves no config: DEST still counts as empty (only
 * "lock" and "config.tmp" may be there). A crash after 2 leaves a config:
 * the next REPO_WRITE open makes whatever of 3 is missing.
 *
 * Copying a blob file: read from src, written to DST/tmp/put-<16 hex>
 * (O_EXCL), fsync'd, renamed to DST/ab/<id>, DST/ab fsync'd. A crash leaves
 * at most a tmp/put-* file, which vault_open removes an hour later.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "backup/repo.h"
#include "store/sysio.h"

#define CONFIG_MAGIC "ALBUMREP"
#define CONFIG_CHECKED 28 /* bytes covered by the check value */
#define KDF_CONTEXT "afbackup"
#define COPY_BUFFER (1u << 20)

static const char not_a_repository[] =
    "the destination is not empty and is not an albumfs backup repository; choose an "
    "empty folder";

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void repo_derive(const struct af_key *key, enum repo_key_id which,
                 unsigned char out[AF_KEY_BYTES])
{
    unsigned char backup[AF_KEY_BYTES];

    key_derive(key, AF_SUBKEY_BACKUP, backup);
    crypto_kdf_derive_from_key(out, AF_KEY_BYTES, which, KDF_CONTEXT, backup);
    sodium_memzero(backup, sizeof backup);
}

int repo_fsync_dir(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return -errno;
    if (sysio_fsync(fd) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

int repo_mkdir(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0700) < 0)
        return errno == EEXIST ? 0 : -errno;
    return repo_fsync_dir(dirfd, ".");
}

static void config_check(const struct af_key *key, const unsigned char *config,
                         unsigned char out[32])
{
    unsigned char check_key[AF_KEY_BYTES];

    repo_derive(key, REPO_KEY_CHECK, check_key);
    crypto_generichash(out, 32, config, CONFIG_CHECKED, check_key, sizeof check_key);
    sodium_memzero(check_key, sizeof check_key);
}

int repo_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = sysio_write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write DEST/config for a new repository (steps 2 and 3 of creation). */
static int create_config(struct bk_repo *r, const struct af_key *key)
{
    unsigned char config[REPO_CONFIG_BYTES];
    int fd, rc;

    memcpy(config, CONFIG_MAGIC, 8);
    put_le32(config + 8, REPO_FORMAT_VERSION);
    randombytes_buf(config + 12, REPO_ID_BYTES);
    config_check(key, config, config + CONFIG_CHECKED);
    fd = sysio_openat(r->dirfd, "config.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    rc = repo_write_all(fd, config, sizeof config);
    if (rc == 0 && sysio_fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && sysio_renameat(r->dirfd, "config.tmp", r->dirfd, "config") < 0)
        rc = -errno;
    if (rc < 0) {
        unlinkat(r->dirfd, "config.tmp", 0);
        return rc;
    }
    return repo_fsync_dir(r->dirfd, ".");
}

int repo_opendir(int dirfd, const char *name, DIR **out)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    *out = NULL;
    if (fd < 0)
        return -errno;
    *out = fdopendir(fd);
    if (!*out) {
        close(fd);
        return -ENOMEM;
    }
    return 0;
}

bool repo_is_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* Whether DEST holds nothing but what an interrupted creation leaves. */
static int dir_is_empty(int dirfd)
{
    struct dirent *de;
    DIR *d;
    int rc = repo_opendir(dirfd, ".", &d);

    if (rc < 0)
        return rc;
    rc = 1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            strcmp(de->d_name, "lock") && strcmp(de->d_name, "config.tmp"))
            rc = 0;
    closedir(d);
    return rc;
}

/* Before anything is written into DEST (even the lock file): -EINVAL when
 * it holds neither a config nor only what an interrupted creation leaves. */
static int refuse_foreign(struct bk_repo *r)
{
    int rc;

    if (faccessat(r->dirfd, "config", F_OK, 0) == 0)
        return 0;
    rc = dir_is_empty(r->dirfd);
    return rc == 0 ? -EINVAL : rc < 0 ? rc : 0;
}

/* Read and check DEST/config. */
static int read_config(struct bk_repo *r, const struct af_key *key, const char **why)
{
    unsigned char config[REPO_CONFIG_BYTES + 1], check[32];
    ssize_t n;
    int fd = openat(r->dirfd, "config", O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0)
        return -errno;
    n = read(fd, config, sizeof config);
    rc = n < 0 ? -errno : 0;
    close(fd);
    if (rc < 0) {
        *why = "cannot read the repository's config file";
        return rc;
    }
    if (n != REPO_CONFIG_BYTES || memcmp(config, CONFIG_MAGIC, 8) != 0 ||
        get_le32(config + 8) == 0) {
        *why = "not an albumfs backup repository (its config file is damaged)";
        return -EINVAL;
    }
    if (get_le32(config + 8) > REPO_FORMAT_VERSION) {
        *why = "the repository was written by a newer albumfs; upgrade albumfs";
        return -EPROTO;
    }
    config_check(key, config, check);
    if (sodium_memcmp(check, config + CONFIG_CHECKED, sizeof check) != 0) {
        *why = "the repository belongs to another library (or the key is wrong)";
        return -EKEYREJECTED;
    }
    memcpy(r->id, config + 12, REPO_ID_BYTES);
    return 0;
}

static int take_lock(struct bk_repo *r, const char **why)
{
    r->lockfd = sysio_openat(r->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (r->lockfd < 0) {
        int err = -errno;
        *why = err == -EROFS || err == -EACCES || err == -EPERM
                   ? "the destination is read-only; check the disk or its permissions"
                   : "cannot create the repository's lock file";
        return err == -EPERM ? -EACCES : err;
    }
    if (flock(r->lockfd, LOCK_EX | LOCK_NB) < 0) {
        int err = -errno;
        *why = err == -EWOULDBLOCK
                   ? "another backup is writing to this repository; wait for it to finish"
                   : "cannot lock the repository";
        return err;
    }
    return 0;
}

/* Steps of opening for writing after the lock: config, then folders. */
static int open_for_writing(struct bk_repo *r, const struct af_key *key, const char **why)
{
    int rc = read_config(r, key, why);

    if (rc == -ENOENT) {
        rc = dir_is_empty(r->dirfd);
        if (rc == 0) {
            *why = not_a_repository; /* filled between refuse_foreign and the lock */
            return -EINVAL;
        }
        if (rc == 1)
            rc = create_config(r, key);
        if (rc == 0)
            rc = read_config(r, key, why);
        if (rc < 0 && !**why)
            *why = "cannot create the repository";
    }
    if (rc == 0)
        rc = repo_mkdir(r->dirfd, "blobs");
    if (rc == 0)
        rc = repo_mkdir(r->dirfd, "snapshots");
    if (rc < 0 && !**why)
        *why = "cannot create the repository's folders";
    return rc;
}

int repo_open(const char *dir, const struct af_key *key, enum repo_mode mode,
              struct bk_repo **out, const char **why)
{
    struct bk_repo *r;
    struct stat st;
    int rc;

    *out = NULL;
    *why = "";
    if (strlen(dir) >= sizeof r->dir - sizeof "/blobs")
        return -ENAMETOOLONG;
    if (stat(dir, &st) < 0) {
        rc = -errno;
        *why = rc == -ENOENT ? "the destination does not exist; create the folder or mount "
                               "the disk"
                             : "cannot reach the destination";
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        *why = "the destination is not a folder";
        return -ENOTDIR;
    }
    r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->lockfd = -1;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0) {
        rc = -errno;
        *why = "cannot open the destination";
        goto fail;
    }
    if (mode == REPO_WRITE) {
        rc = refuse_foreign(r);
        if (rc < 0)
            *why = not_a_repository;
        if (rc == 0)
            rc = take_lock(r, why);
        if (rc == 0)
            rc = open_for_writing(r, key, why);
    } else {
        rc = read_config(r, key, why);
        if (rc == -ENOENT) {
            *why = "not an albumfs backup repository (no config file)";
            rc = -EINVAL;
        }
    }
    if (rc < 0)
        goto fail;
    r->manifest_key = sodium_malloc(AF_KEY_BYTES);
    if (!r->manifest_key) {
        rc = -ENOMEM;
        goto fail;
    }
    repo_derive(key, REPO_KEY_MANIFEST, r->manifest_key);
    sodium_mprotect_readonly(r->manifest_key);
    if (snprintf(r->blobs_dir, sizeof r->blobs_dir, "%s/blobs", dir) >=
        (int)sizeof r->blobs_dir) {
        rc = -ENAMETOOLONG;
        goto fail;
    }
    rc = vault_open(r->blobs_dir, key, AF_SUBKEY_VAULT, &r->blobs);
    if (rc < 0) {
        *why = "cannot open the repository's blobs folder";
        goto fail;
    }
    *out = r;
    return 0;
fail:
    repo_close(r);
    return rc;
}

void repo_close(struct bk_repo *r)
{
    if (!r)
        return;
    vault_free(r->blobs);
    if (r->manifest_key)
        sodium_free(r->manifest_key);
    if (r->lockfd >= 0)
        close(r->lockfd); /* releases the flock */
    if (r->dirfd >= 0)
        close(r->dirfd);
    free(r);
}

int repo_blob_path(const char *vault_dir, const char *id, char out[PATH_MAX])
{
    int n = snprintf(out, PATH_MAX, "%s/%.2s/%s", vault_dir, id, id);

    return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int repo_blob_size(const struct bk_repo *r, const char *id, uint64_t *size)
{
    char path[PATH_MAX];
    struct stat st;
    int rc;

    *size = 0;
    rc = repo_blob_path(r->blobs_dir, id, path);
    if (rc < 0)
        return rc;
    if (stat(path, &st) < 0)
        return -errno;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Copy everything from in to out; *n gets the bytes copied. */
static int copy_fd(int in, int out, uint64_t *n)
{
    unsigned char *buf = malloc(COPY_BUFFER);
    int rc = 0;

    *n = 0;
    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t got = read(in, buf, COPY_BUFFER);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            break;
        }
        if (got == 0)
            break;
        rc = repo_write_all(out, buf, (size_t)got);
        if (rc < 0)
            break;
        *n += (uint64_t)got;
    }
    free(buf);
    return rc;
}

void repo_crash_point(const char *where)
{
    static unsigned long reached; /* times the named point was reached (one point a run) */
    const char *at = getenv("ALBUMFS_TEST_CRASH");
    size_t len = strlen(where);
    unsigned long nth = 1;

    if (!at || strncmp(at, where, len) != 0 || (at[len] != '\0' && at[len] != ':'))
        return;
    if (at[len] == ':')
        nth = strtoul(at + len + 1, NULL, 10);
    if (++reached == nth)
        raise(SIGKILL);
}

int repo_copy_file(const char *src, const char *tmp, const char *dst, uint64_t *written)
{
    struct stat st;
    uint64_t copied = 0;
    int in, out, rc;

    *written = 0;
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    if (fstat(in, &st) < 0) {
        rc = -errno;
        goto close_in;
    }
    out = sysio_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0) {
        rc = -errno;
        goto close_in;
    }
    rc = copy_fd(in, out, &copied);
    if (rc == 0 && copied != (uint64_t)st.st_size)
        rc = -EAGAIN; /* the source changed under us */
    if (rc == 0 && sysio_fsync(out) < 0)
        rc = -errno;
    if (close(out) < 0 && rc == 0)
        rc = -errno;
    repo_crash_point("copy");
    if (rc == 0 && sysio_rename(tmp, dst) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    else
        *written = copied;
close_in:
    close(in);
    return rc;
}

int repo_copy_blob(const char *src, const char *dst_vault, const char *id, uint64_t *written)
{
    char tmp[PATH_MAX], dst[PATH_MAX], fan[PATH_MAX], rnd_hex[17];
    unsigned char rnd[8];
    struct stat sst, dst_st;
    int rc;

    *written = 0;
    rc = repo_blob_path(dst_vault, id, dst);
    if (rc < 0)
        return rc;
    if (stat(src, &sst) < 0)
        return -errno;
    if (stat(dst, &dst_st) == 0 && dst_st.st_size == sst.st_size)
        return 0; /* already there: content-addressed, never copied twice */
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    snprintf(tmp, sizeof tmp, "%s/tmp/put-%s", dst_vault, rnd_hex);
    snprintf(fan, sizeof fan, "%s/%.2s", dst_vault, id);
    if (mkdir(fan, 0700) == 0)
        rc = repo_fsync_dir(AT_FDCWD, dst_vault);
    else if (errno != EEXIST)
        rc = -errno;
    if (rc == 0)
        rc = repo_copy_file(src, tmp, dst, written);
    if (rc == 0)
        rc = repo_fsync_dir(AT_FDCWD, fan);
    return rc;
}

void repo_remove_sqlite_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[PATH_MAX + 16];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
}
