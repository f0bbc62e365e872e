/* library.c — locating, creating and opening a library (see library.h).
 *
 * Opening checks, in order: the directory exists and is a directory; this
 * account may enter it (if not, the reason names its owner); it holds a key
 * file; group and others cannot enter it; the key file only this account
 * can read; the key loads (with the passphrase if it needs one); the catalog is
 * an albumfs catalog at a schema this build knows. Each failure has its own
 * errno and a reason naming the file and the fix.
 *
 * Every file of a library is the owner's alone: the folder and the vaults'
 * folders 0700, the key, the catalog (with its -wal/-shm) and every blob
 * 0600 (catalog.c, key.c, vault.c create them so).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store/library.h"
#include "store/links.h"

static int join(char *out, size_t len, const char *dir, const char *name)
{
    int n = snprintf(out, len, "%s/%s", dir, name);

    return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int library_locate(const char *explicit_dir, char dir[PATH_MAX])
{
    const char *env = getenv("ALBUMFS_LIBRARY");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;

    if (explicit_dir && *explicit_dir)
        n = snprintf(dir, PATH_MAX, "%s", explicit_dir);
    else if (env && *env)
        n = snprintf(dir, PATH_MAX, "%s", env);
    else if (xdg && *xdg == '/')
        n = snprintf(dir, PATH_MAX, "%s/albumfs", xdg);
    else if (home && *home)
        n = snprintf(dir, PATH_MAX, "%s/.local/share/albumfs", home);
    else
        return -ENOENT;
    return (n < 0 || n >= PATH_MAX) ? -ENAMETOOLONG : 0;
}

/* Passphrase from a file, or NULL when none is named. */
static int read_passphrase(const char *file, char **out)
{
    const char *env = getenv("ALBUMFS_PASSPHRASE_FILE");

    *out = NULL;
    if (!file || !*file)
        file = (env && *env) ? env : NULL;
    if (!file)
        return 0;
    return links_read_password_file(file, out);
}

static int mkdir_p_private(const char *dir)
{
    char tmp[PATH_MAX];
    size_t n = strlen(dir);

    if (n >= sizeof tmp)
        return -ENAMETOOLONG;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int finish_open(struct af_library *lib, enum cat_open_flags flags)
{
    char path[PATH_MAX];
    unsigned char audit[AF_KEY_BYTES];
    struct stat st;
    int rc;

    rc = join(path, sizeof path, lib->dir, "catalog.db");
    if (rc < 0)
        return rc;
    rc = catalog_open(path, flags, &lib->catalog);
    if (rc < 0)
        return rc;
    /* Kept open until library_close, never closed earlier: closing any
     * descriptor of the file would drop SQLite's POSIX locks on it. */
    lib->catalog_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (lib->catalog_fd < 0 || fstat(lib->catalog_fd, &st) < 0)
        return -errno;
    lib->catalog_dev = st.st_dev;
    lib->catalog_ino = st.st_ino;
    key_derive(lib->key, AF_SUBKEY_AUDIT, audit);
    catalog_set_audit_key(lib->catalog, audit);
    sodium_memzero(audit, sizeof audit);
    key_derive(lib->key, AF_SUBKEY_TOKEN, lib->token_key);
    rc = join(path, sizeof path, lib->dir, "vault");
    if (rc < 0)
        return rc;
    rc = vault_open(path, lib->key, AF_SUBKEY_VAULT, &lib->vault);
    if (rc < 0)
        return rc;
    rc = join(path, sizeof path, lib->dir, "cache");
    if (rc < 0)
        return rc;
    return vault_open(path, lib->key, AF_SUBKEY_CACHE, &lib->cache);
}

int library_init(const char *dir, const char *passphrase_file, struct af_library **out)
{
    struct af_library *lib;
    char path[PATH_MAX], *pass = NULL;
    struct stat st;
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return -EIO;
    lib = calloc(1, sizeof *lib);
    if (lib)
        lib->catalog_fd = -1;
    if (!lib)
        return -ENOMEM;
    snprintf(lib->dir, sizeof lib->dir, "%s", dir);
    rc = join(path, sizeof path, dir, "key");
    if (rc < 0)
        goto fail;
    if (stat(path, &st) == 0) {
        rc = -EEXIST;
        goto fail;
    }
    rc = read_passphrase(passphrase_file, &pass);
    if (rc < 0)
        goto fail;
    if (pass && strlen(pass) < LIBRARY_PASSPHRASE_MIN) {
        rc = -EINVAL;
        goto fail;
    }
    rc = mkdir_p_private(dir);
    if (rc < 0)
        goto fail;
    if (chmod(dir, 0700) < 0) {
        rc = -errno;
        goto fail;
    }
    rc = key_create(path, pass, pass ? strlen(pass) : 0, &lib->key);
    if (rc < 0)
        goto fail;
    rc = finish_open(lib, CAT_OPEN_CREATE);
    if (rc < 0)
        goto fail;
    if (pass)
        links_password_free(pass);
    *out = lib;
    return 0;
fail:
    if (pass)
        links_password_free(pass);
    library_close(lib);
    return rc;
}

/* The name of the account uid, or its number. */
static void owner_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *found = NULL;
    char pwbuf[1024];

    if (getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found)
        snprintf(buf, len, "%s", found->pw_name);
    else
        snprintf(buf, len, "uid %u", (unsigned)uid);
}

/* The library folder exists, is a directory and this account may enter it
 * (root may enter any); *st receives its attributes. 0, or -errno with why. */
static int check_folder(const char *dir, struct stat *st, char *why, size_t why_len)
{
    char owner[64];

    if (stat(dir, st) < 0) {
        if (errno == EACCES) {
            snprintf(why, why_len, "permission denied: %s cannot be reached from this "
                     "account", dir);
            return -EACCES;
        }
        snprintf(why, why_len, "no library there; create one with 'albumctl init'");
        return -ENOENT;
    }
    if (!S_ISDIR(st->st_mode)) {
        snprintf(why, why_len, "not a directory");
        return -ENOTDIR;
    }
    if (access(dir, R_OK | X_OK) < 0) {
        owner_name(st->st_uid, owner, sizeof owner);
        snprintf(why, why_len, "permission denied: %s is owned by %s; open it as that "
                 "account", dir, owner);
        return -EACCES;
    }
    return 0;
}

int library_open(const char *dir, const char *passphrase_file, struct af_library **out,
                 char *why, size_t why_len)
{
    struct af_library *lib;
    char path[PATH_MAX], *pass = NULL;
    struct stat st, dir_st;
    int rc;

    *out = NULL;
    why[0] = '\0';
    if (sodium_init() < 0) {
        snprintf(why, why_len, "libsodium failed to initialise");
        return -EIO;
    }
    rc = check_folder(dir, &dir_st, why, why_len);
    if (rc < 0)
        return rc;
    lib = calloc(1, sizeof *lib);
    if (lib)
        lib->catalog_fd = -1;
    if (!lib)
        return -ENOMEM;
    snprintf(lib->dir, sizeof lib->dir, "%s", dir);
    rc = join(path, sizeof path, dir, "key");
    if (rc < 0)
        goto fail;
    if (stat(path, &st) < 0) {
        snprintf(why, why_len, "not an albumfs library (no key file); create one with "
                 "'albumctl init'");
        rc = -EINVAL;
        goto fail;
    }
    if (dir_st.st_mode & 077) { /* as a key others can read is refused */
        snprintf(why, why_len, "the library folder %s is open to group or others (mode "
                 "%04o); fix it with 'chmod 700 %s' as its owner", dir,
                 (unsigned)(dir_st.st_mode & 07777), dir);
        rc = -EPERM;
        goto fail;
    }
    rc = read_passphrase(passphrase_file, &pass);
    if (rc < 0) {
        snprintf(why, why_len, "cannot read the passphrase file");
        goto fail;
    }
    rc = key_load(path, pass, pass ? strlen(pass) : 0, &lib->key);
    switch (rc) {
    case 0:
        break;
    case -EACCES:
        snprintf(why, why_len, "the key file is readable by others or owned by another "
                 "account; fix it with 'chmod 600 %s' as its owner", path);
        goto fail;
    case -ENOKEY:
        snprintf(why, why_len, "the library key needs a passphrase; give --passphrase-file "
                 "or ALBUMFS_PASSPHRASE_FILE");
        goto fail;
    case -EKEYREJECTED:
        snprintf(why, why_len, "wrong passphrase for the library key");
        goto fail;
    default:
        snprintf(why, why_len, "the key file is damaged or not an albumfs key");
        goto fail;
    }
    rc = finish_open(lib, CAT_OPEN_EXISTING);
    if (rc < 0) {
        snprintf(why, why_len, "%s",
                 rc == -EINVAL   ? "not an albumfs catalog"
                 : rc == -EPROTO ? "the catalog is newer than this albumfs; upgrade albumfs"
                 : rc == -EBUSY  ? "the catalog is locked by another process; try again"
                 : rc == -ENOENT ? "the catalog is missing"
                 : rc == -EROFS  ? "the catalog cannot be opened for writing"
                                 : "cannot open the catalog or vault");
        if (rc != -EINVAL && rc != -EPROTO && rc != -EBUSY && rc != -ENOENT) {
            size_t used = strlen(why);
            snprintf(why + used, why_len - used, ": %s", strerror(-rc));
        }
        goto fail;
    }
    if (pass)
        links_password_free(pass);
    *out = lib;
    return 0;
fail:
    if (pass)
        links_password_free(pass);
    library_close(lib);
    return rc;
}

void library_close(struct af_library *lib)
{
    if (!lib)
        return;
    vault_free(lib->cache);
    vault_free(lib->vault);
    catalog_close(lib->catalog);
    if (lib->catalog_fd >= 0)
        close(lib->catalog_fd);
    key_free(lib->key);
    sodium_memzero(lib->token_key, sizeof lib->token_key);
    free(lib);
}

int library_open_catalog(const struct af_library *lib, struct af_catalog **out)
{
    char path[PATH_MAX];
    unsigned char audit[AF_KEY_BYTES];
    int rc = join(path, sizeof path, lib->dir, "catalog.db");

    if (rc < 0)
        return rc;
    rc = catalog_open(path, CAT_OPEN_EXISTING, out);
    if (rc < 0)
        return rc;
    rc = library_check_catalog(lib);
    if (rc < 0) {
        catalog_close(*out);
        *out = NULL;
        return rc;
    }
    key_derive(lib->key, AF_SUBKEY_AUDIT, audit);
    catalog_set_audit_key(*out, audit);
    sodium_memzero(audit, sizeof audit);
    return 0;
}

int library_check_catalog(const struct af_library *lib)
{
    char path[PATH_MAX];
    struct stat st;
    int rc = join(path, sizeof path, lib->dir, "catalog.db");

    if (rc < 0)
        return rc;
    if (stat(path, &st) == 0)
        return st.st_dev == lib->catalog_dev && st.st_ino == lib->catalog_ino ? 0 : -ESTALE;
    rc = -errno;
    /* Not at its path: deleted, or only moved away with its folder (which
     * may come back: the mount answers errors meanwhile)? */
    if (fstat(lib->catalog_fd, &st) == 0 && st.st_nlink == 0)
        return -ENOENT;
    return rc == -ENOENT ? -EAGAIN : rc;
}

void library_token_hash(const struct af_library *lib, const char *token,
                        unsigned char out[CAT_TOKEN_HASH_BYTES])
{
    crypto_generichash(out, CAT_TOKEN_HASH_BYTES, (const unsigned char *)token, strlen(token),
                       lib->token_key, sizeof lib->token_key);
}
