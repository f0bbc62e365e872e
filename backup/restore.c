/* restore.c — a whole snapshot into a new library folder (see backup.h).
 *
 * States, each step performed by the function named:
 *   CHECKED   `to` is missing or an empty folder (check_target)
 *   CREATED   `to` made 0700 with key (copied from the key file), vault/
 *   BLOBS     every vault blob copied as-is from the repository, then
 *             authenticated in place with its address checked (restore_blobs)
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

static int restore_blobs(struct bk_repo *r, const struct snapshot *s, struct af_vault *dst,
                         const char *vault_dir, backup_progress_fn progress, void *arg,
                         const char **why, char bad_blob[VAULT_ID_HEX])
{
    char src[PATH_MAX];
    int rc = 0;

    for (size_t i = 0; i < s->n_blobs && rc == 0; i++) {
        uint64_t written;

        if (progress)
            progress(arg, i, s->n_blobs);
        rc = repo_blob_path(r->blobs_dir, s->blobs[i].id, src);
        if (rc == 0)
            rc = repo_copy_blob(src, vault_dir, s->blobs[i].id, &written);
        if (rc == 0)
            rc = vault_verify(dst, s->blobs[i].id, 1);
        if (rc < 0) {
            snprintf(bad_blob, VAULT_ID_HEX, "%s", s->blobs[i].id);
            *why = rc == -ENOENT ? "a blob is missing from the repository"
                   : rc == -EIO  ? "a blob in the repository does not authenticate "
                                   "(damaged or altered)"
                                 : "cannot copy a blob into the new library";
        }
    }
    if (progress && rc == 0)
        progress(arg, s->n_blobs, s->n_blobs);
    return rc;
}

/* Decrypt the catalog blob into to/catalog.db (through catalog.tmp). */
static int restore_catalog(struct bk_repo *r, const struct snapshot *s, const char *to,
                           const char **why, char bad_blob[VAULT_ID_HEX])
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    unsigned char *buf = NULL;
    struct af_blob *b = NULL;
    uint64_t off = 0;
    int fd = -1, rc;

    snprintf(tmp, sizeof tmp, "%s/catalog.tmp", to);
    snprintf(dst, sizeof dst, "%s/catalog.db", to);
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
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!buf || fd < 0) {
        rc = buf ? -errno : -ENOMEM;
        *why = "cannot write the new catalog";
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
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    fd = -1;
    if (rc == 0 && rename(tmp, dst) < 0)
        rc = -errno;
    if (rc < 0)
        *why = "cannot write the new catalog";
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    vault_blob_close(b);
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
