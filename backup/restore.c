/* restore.c — a whole snapshot into a new library folder (see backup.h).
 *
 * States, each step performed by the function named:
 *   CHECKED   `to` is missing or an empty folder (check_target)
 *   CREATED   `to` made 0700 with key (copied from the key file), vault/
 *   BLOBS     every vault blob copied as-is from the repository, then
 *             authenticated in place (restore_one,
 *             on PARALLEL_THREADS threads at once: backup/parallel.h)
 *   CATALOG   the catalog copy authenticated, decrypted into catalog.tmp,
 *             fsync'd, renamed to catalog.db (restore_catalog); `to` fsync'd
 * On failure at any step what was made is removed (the folder itself only
 * if this restore created it). Invariant: a folder with catalog.db in it
 * holds every blob the catalog names, authenticated, since catalog.db is
 * renamed into place last. A crash mid-way leaves a folder without
 * catalog.db, which library_open refuses ("the catalog is missing").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/parallel.h"
#include "store/sysio.h"

#define READ_CHUNK (1u << 20)

static int check_target(const char *to, bool *created, const char **why)
{
    struct stat st;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    *created = false;
    if (stat(to, &st) < 0) {
        if (errno != ENOENT)
            return -errno;
        if (mkdir(to, 0700) < 0) {
            *why = "cannot create the new library folder";
            return -errno;
        }
        *created = true;
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        *why = "the target exists and is not a folder";
        return -ENOTDIR;
    }
    d = opendir(to);
    if (!d)
        return -errno;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            rc = strcmp(de->d_name, "key") == 0 ? -EEXIST : (rc ? rc : -ENOTEMPTY);
    closedir(d);
    if (rc == -EEXIST)
        *why = "the target is a library; restore into a new folder";
    else if (rc < 0)
        *why = "the target folder is not empty; restore into a new folder";
    else if (chmod(to, 0700) < 0)
        rc = -errno;
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Undo: remove what this restore made in `to`. */
static void remove_target(const char *to, bool created)
{
    static const char *const names[] = {"catalog.tmp", "catalog.db", "key", "key.tmp",
                                        "vault", "cache"};
    char path[PATH_MAX];

    if (created) {
        nftw(to, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", to, names[i]);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* What a blob job of a whole restore needs. */
struct restore_job {
    struct bk_repo *r;
    const struct snapshot *s;
    struct af_vault *dst;
    const char *vault_dir;
    bool *landed; /* blob i was copied: a failure after is its check's */
};

/* Blob i: copied into the new vault, then authenticated there: every
 * chunk's tag, under a key bound to the blob's id and size, so a byte
 * changed, a file cut short or one put under another id fails. (The
 * content address, a second hash over the plaintext, guards against
 * nothing more here — only the key could make a blob that authenticates —
 * and would double the CPU a restore takes: backup verify --read-data and
 * albumctl verify check it.) */
static int restore_one(void *arg, size_t i, uint64_t *bytes)
{
    const struct restore_job *j = arg;
    const char *id = j->s->blobs[i].id;
    char src[PATH_MAX];
    uint64_t written;
    int rc = repo_blob_path(j->r->blobs_dir, id, src);

    if (rc == 0)
        rc = repo_copy_blob(src, j->vault_dir, id, &written);
    j->landed[i] = rc == 0;
    if (rc == 0)
        rc = vault_verify(j->dst, id, 0);
    *bytes = j->s->blobs[i].size;
    return rc;
}

static int restore_blobs(struct bk_repo *r, const struct snapshot *s, struct af_vault *dst,
                         const char *vault_dir, backup_progress_fn progress, void *arg,
                         const char **why, char bad_blob[VAULT_ID_HEX])
{
    struct restore_job job = {r, s, dst, vault_dir, calloc(s->n_blobs + 1, sizeof(bool))};
    struct backup_progress pr = {.files_total = s->n_blobs};
    size_t failed = 0;
    int rc;

    if (!job.landed)
        return -ENOMEM;
    for (size_t i = 0; i < s->n_blobs; i++)
        pr.bytes_total += s->blobs[i].size;
    rc = parallel_run(s->n_blobs, restore_one, &job, &pr, progress, arg, &failed);
    if (rc < 0) {
        snprintf(bad_blob, VAULT_ID_HEX, "%s", s->blobs[failed].id);
        *why = rc == -ENOENT && !job.landed[failed] ? "a blob is missing from the repository"
               : rc == -EIO && job.landed[failed]   ? "a blob in the repository does not "
                                                      "authenticate (damaged or altered)"
                                                    : "cannot copy a blob into the new library";
    }
    free(job.landed);
    return rc;
}

int backup_extract_catalog(struct bk_repo *r, const struct snapshot *s, const char *path,
                           const char **why, char bad_blob[VAULT_ID_HEX])
{
    unsigned char *buf = NULL;
    struct af_blob *b = NULL;
    uint64_t off = 0;
    int fd = -1, rc;

    rc = vault_verify(r->blobs, s->catalog, 1);
    if (rc == 0)
        rc = vault_blob_open(r->blobs, s->catalog, &b);
    if (rc < 0) {
        snprintf(bad_blob, VAULT_ID_HEX, "%s", s->catalog);
        *why = rc == -ENOENT ? "the catalog copy is missing from the repository"
                             : "the catalog copy in the repository does not authenticate";
        return rc;
    }
    buf = malloc(READ_CHUNK);
    fd = sysio_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (!buf || fd < 0) {
        rc = buf ? -errno : -ENOMEM;
        *why = "cannot write the catalog copy";
        goto out;
    }
    for (;;) {
        ssize_t n = vault_blob_pread(b, buf, READ_CHUNK, off);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        rc = repo_write_all(fd, buf, (size_t)n);
        if (rc < 0)
            break;
        off += (uint64_t)n;
    }
    if (rc == 0 && sysio_fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    fd = -1;
    if (rc < 0) {
        *why = "cannot write the catalog copy";
        unlink(path);
    }
out:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(buf);
    vault_blob_close(b);
    return rc;
}

/* Decrypt the catalog blob into to/catalog.db (through catalog.tmp). */
static int restore_catalog(struct bk_repo *r, const struct snapshot *s, const char *to,
                           const char **why, char bad_blob[VAULT_ID_HEX])
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    int rc;

    snprintf(tmp, sizeof tmp, "%s/catalog.tmp", to);
    snprintf(dst, sizeof dst, "%s/catalog.db", to);
    rc = backup_extract_catalog(r, s, tmp, why, bad_blob);
    if (rc == 0 && sysio_rename(tmp, dst) < 0) {
        rc = -errno;
        *why = "cannot write the new catalog";
    }
    return rc;
}

int backup_restore(struct bk_repo *r, const struct snapshot *s, const struct af_key *key,
                   const char *key_file, const char *to, backup_progress_fn progress,
                   void *arg, const char **why, char bad_blob[VAULT_ID_HEX])
{
    char path[PATH_MAX], tmp[PATH_MAX];
    struct af_vault *vault = NULL;
    uint64_t n;
    bool created;
    int rc;

    *why = "";
    bad_blob[0] = '\0';
    rc = check_target(to, &created, why);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof path, "%s/key", to);
    snprintf(tmp, sizeof tmp, "%s/key.tmp", to);
    rc = repo_copy_file(key_file, tmp, path, &n);
    if (rc == 0 && chmod(path, 0600) < 0)
        rc = -errno;
    if (rc < 0) {
        *why = "cannot copy the key file into the new library";
        goto fail;
    }
    snprintf(path, sizeof path, "%s/vault", to);
    rc = vault_open(path, key, AF_SUBKEY_VAULT, &vault);
    if (rc < 0) {
        *why = "cannot create the new library's vault";
        goto fail;
    }
    rc = restore_blobs(r, s, vault, path, progress, arg, why, bad_blob);
    if (rc == 0)
        rc = restore_catalog(r, s, to, why, bad_blob);
    if (rc == 0)
        rc = repo_fsync_dir(AT_FDCWD, to);
    if (rc < 0)
        goto fail;
    vault_free(vault);
    return 0;
fail:
    vault_free(vault);
    remove_target(to, created);
    return rc;
}
