/* make_seeds.c — writes the fuzz seeds that only albumfs itself can make:
 * files sealed or checked under a key. Run by hand (docs/fuzzing.md), not
 * by the tests; its output is checked in.
 *
 *   build/fuzz/tests/fuzz/make_seeds    (writes into tests/fuzz/ of the source)
 *
 * data/test.key and data/repo.config are made only when missing (every
 * other seed depends on them: a new key would invalidate them all); then
 * corpus/vault/ gets blobs of several sizes (the plaintext is
 * fuzz_pattern_byte), corpus/key/ the test key and a passphrase key file,
 * corpus/manifest/ sealed manifests, a config and manifest bodies, each
 * behind the byte that picks it in fuzz_manifest.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo.h"
#include "backup/snapshot.h"
#include "backup/snapshot_private.h"
#include "store/vault.h"
#include "tests/fuzz/fuzz_util.h"

static const char *const out_dir = ALBUMFS_FUZZ_DIR;

static void __attribute__((noreturn)) die(const char *what, int err)
{
    fprintf(stderr, "make_seeds: %s: %s\n", what, strerror(err < 0 ? -err : err));
    exit(1);
}

/* The whole file at path (malloc'd) and its length. */
static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *buf = NULL;
    FILE *f = fopen(path, "rb");
    long n;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        die(path, errno);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        die(path, EIO);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* out_dir/rel, with `pick` (if >= 0) before the bytes. */
static void put(const char *rel, int pick, const unsigned char *data, size_t len)
{
    unsigned char *buf = malloc(len + 1);
    char path[1024];
    size_t n = 0;

    if (!buf)
        die("malloc", ENOMEM);
    if (pick >= 0)
        buf[n++] = (unsigned char)pick;
    memcpy(buf + n, data, len);
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    fuzz_write_file(path, buf, n + len, 0644);
    free(buf);
    printf("make_seeds: %s (%zu bytes)\n", rel, n + len);
}

static void copy_in(const char *from, const char *rel, int pick)
{
    size_t len;
    unsigned char *buf = slurp(from, &len);

    put(rel, pick, buf, len);
    free(buf);
}

static bool exists(const char *rel)
{
    char path[1024];

    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    return access(path, F_OK) == 0;
}

static void make_key(void)
{
    struct af_key *key;
    char path[512];
    int rc;

    fuzz_path(path, sizeof path, "new.key");
    rc = key_create(path, NULL, 0, &key);
    if (rc < 0)
        die("key_create", rc);
    key_free(key);
    copy_in(path, "data/test.key", -1);
}

static void make_repo_config(void)
{
    struct bk_repo *r;
    char dir[512], config[600];
    const char *why;
    int rc;

    fuzz_path(dir, sizeof dir, "new-repo");
    if (mkdir(dir, 0700) != 0)
        die(dir, errno);
    rc = repo_open(dir, fuzz_test_key(), REPO_WRITE, &r, &why);
    if (rc < 0)
        die(why, rc);
    repo_close(r);
    snprintf(config, sizeof config, "%s/config", dir);
    copy_in(config, "data/repo.config", -1);
}

static void make_vault_seeds(void)
{
    static const size_t sizes[] = {0, 1, 1000, VAULT_CHUNK_SIZE, VAULT_CHUNK_SIZE + 1,
                                   2 * VAULT_CHUNK_SIZE + 1};
    struct af_vault *v;
    char dir[512], blob[600], rel[64];
    int rc;

    fuzz_path(dir, sizeof dir, "vault");
    rc = vault_open(dir, fuzz_test_key(), AF_SUBKEY_VAULT, &v);
    if (rc < 0)
        die("vault_open", rc);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *plain = malloc(sizes[i] + 1);

        for (size_t k = 0; k < sizes[i]; k++)
            plain[k] = fuzz_pattern_byte(k);
        rc = vault_put_named(v, FUZZ_BLOB_ID, plain, sizes[i]);
        if (rc < 0)
            die("vault_put_named", rc);
        free(plain);
        snprintf(blob, sizeof blob, "%s/00/%s", dir, FUZZ_BLOB_ID);
        snprintf(rel, sizeof rel, "corpus/vault/blob-%zu", sizes[i]);
        copy_in(blob, rel, -1);
    }
    vault_free(v);
}

static void make_key_seeds(void)
{
    char from[1024], path[512];
    struct af_key *key;
    int rc;

    snprintf(from, sizeof from, "%s/data/test.key", out_dir);
    copy_in(from, "corpus/key/random.key", -1);
    fuzz_path(path, sizeof path, "passphrase.key");
    rc = key_create(path, "correct horse", 13, &key);
    if (rc < 0)
        die("key_create", rc);
    key_free(key);
    copy_in(path, "corpus/key/passphrase.key", -1);
}

/* Manifests naming n blobs, sealed by snapshot_write in the seeds'
 * repository; and bodies of n blobs for the decoder alone (the blob count
 * is the u64 at offset 72, docs/backup.md §4). */
static void make_manifest_seeds(void)
{
    unsigned char body[SNAPSHOT_BODY_FIXED + 3 * SNAPSHOT_BLOB_ENTRY];
    char dir[512], config[1024], path[1024], rel[64];
    struct snapshot s = {.time_ms = 1767225600000, .photos = 3, .total_bytes = 4096};
    struct snapshot_blob blobs[3];
    struct bk_repo *r;
    const char *why;
    int rc;

    fuzz_path(dir, sizeof dir, "repo");
    snprintf(path, sizeof path, "%s/snapshots", dir);
    if (mkdir(dir, 0700) != 0 || mkdir(path, 0700) != 0)
        die(dir, errno);
    snprintf(config, sizeof config, "%s/data/repo.config", out_dir);
    snprintf(path, sizeof path, "%s/config", dir);
    {
        size_t len;
        unsigned char *bytes = slurp(config, &len);

        fuzz_write_file(path, bytes, len, 0600);
        free(bytes);
    }
    rc = repo_open(dir, fuzz_test_key(), REPO_READ, &r, &why);
    if (rc < 0)
        die(why, rc);
    for (size_t i = 0; i < 3; i++) {
        snprintf(blobs[i].id, sizeof blobs[i].id, "%064zx", i + 1);
        blobs[i].size = 1000 * (i + 1);
    }
    snprintf(s.catalog, sizeof s.catalog, "%064x", 0xca7);
    s.catalog_size = 2048;
    s.blobs = blobs;
    for (size_t n = 0; n <= 3; n += 3) {
        s.n_blobs = n;
        rc = snapshot_write(r, &s);
        if (rc < 0)
            die("snapshot_write", rc);
        snprintf(path, sizeof path, "%s/snapshots/%s", dir, s.id);
        snprintf(rel, sizeof rel, "corpus/manifest/manifest-%zu", n);
        copy_in(path, rel, 0);
    }
    repo_close(r);
    for (size_t n = 0; n <= 3; n += 3) {
        memset(body, 0, sizeof body);
        body[72] = (unsigned char)n;
        for (size_t k = SNAPSHOT_BODY_FIXED; k < sizeof body; k++)
            body[k] = fuzz_pattern_byte(k);
        snprintf(rel, sizeof rel, "corpus/manifest/body-%zu", n);
        put(rel, 1, body, SNAPSHOT_BODY_FIXED + n * SNAPSHOT_BLOB_ENTRY);
    }
    copy_in(config, "corpus/manifest/config", 2);
}

int main(void)
{
    if (!exists("data/test.key"))
        make_key();
    if (!exists("data/repo.config"))
        make_repo_config();
    make_vault_seeds();
    make_key_seeds();
    make_manifest_seeds();
    return 0;
}
