/* fuzz_manifest.c — libFuzzer harness for the backup repository files
 * backup/ reads back: snapshot manifests (backup/snapshot.c) and the
 * repository's config (backup/repo.c).
 *
 * Input: a first byte that picks what the rest is —
 *   0: a manifest file, stored under the snapshot id it names (bytes 12..19,
 *      docs/backup.md §4) in a repository whose config is the seeds' own
 *      (data/repo.config, under the test key), and read with snapshot_read;
 *   1: a manifest body as it is after decryption, decoded with
 *      snapshot_decode_body (snapshot_private.h), then written with
 *      snapshot_write and read back: the decryption cannot be forged, so
 *      this is how the decoder behind it meets any bytes;
 *   2: a config file, opened with repo_open(REPO_READ).
 * Invariants:
 *   - snapshot_read: 0, -EINVAL, -EPROTO or -EBADMSG (never a crash), and a
 *     manifest that opens is one written under this key (a seed);
 *   - a decoded body has exactly SNAPSHOT_BODY_FIXED bytes and
 *     SNAPSHOT_BLOB_ENTRY per blob it names,
 *     and what snapshot_write seals, snapshot_read gives back unchanged;
 *   - repo_open: 0 only with the seed's config; otherwise -EINVAL, -EPROTO
 *     or -EKEYREJECTED with a reason.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "backup/repo.h"
#include "backup/snapshot.h"
#include "backup/snapshot_private.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { PICK_MANIFEST, PICK_BODY, PICK_CONFIG, N_PICKS };

static struct bk_repo *repo;   /* the seeds' repository */
static char other_dir[512];    /* a repository that gets the fuzzed config */

/* A repository folder at scratch/name with the config file `config`. */
static void make_repo(const char *name, const void *config, size_t len, char *dir, size_t dlen)
{
    char path[600];

    fuzz_path(dir, dlen, name);
    if (mkdir(dir, 0700) != 0)
        abort();
    snprintf(path, sizeof path, "%s/config", dir);
    fuzz_write_file(path, config, len, 0600);
    snprintf(path, sizeof path, "%s/snapshots", dir);
    if (mkdir(path, 0700) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char config[REPO_CONFIG_BYTES + 1];
    char dir[512];
    const char *why;
    size_t len;
    FILE *f;

    (void)argc;
    (void)argv;
    f = fopen(ALBUMFS_FUZZ_DIR "/data/repo.config", "rb");
    if (!f)
        abort();
    len = fread(config, 1, sizeof config, f);
    fclose(f);
    make_repo("repo", config, len, dir, sizeof dir);
    make_repo("other", config, len, other_dir, sizeof other_dir);
    if (repo_open(dir, fuzz_test_key(), REPO_READ, &repo, &why) != 0) {
        fprintf(stderr, "fuzz_manifest: %s\n", why);
        abort();
    }
    return 0;
}

static void check_manifest_file(const uint8_t *data, size_t size)
{
    char id[SNAPSHOT_ID_HEX] = "0000000000000000", path[600];
    struct snapshot *s = NULL;
    int rc;

    if (size >= 20)
        sodium_bin2hex(id, sizeof id, data + 12, SNAPSHOT_ID_BYTES);
    snprintf(path, sizeof path, "%s/snapshots/%s", repo->dir, id);
    fuzz_write_file(path, data, size, 0600);
    rc = snapshot_read(repo, id, &s);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EPROTO || rc == -EBADMSG);
    FUZZ_CHECK((rc == 0) == (s != NULL));
    if (s)
        FUZZ_CHECK(strcmp(s->id, id) == 0);
    snapshot_free(s);
    unlink(path);
}

static bool same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
    if (a->time_ms != b->time_ms || strcmp(a->catalog, b->catalog) != 0 ||
        a->catalog_size != b->catalog_size || a->photos != b->photos ||
        a->total_bytes != b->total_bytes || a->new_bytes != b->new_bytes ||
        a->n_blobs != b->n_blobs)
        return false;
    for (size_t i = 0; i < a->n_blobs; i++)
        if (strcmp(a->blobs[i].id, b->blobs[i].id) != 0 || a->blobs[i].size != b->blobs[i].size)
            return false;
    return true;
}

static void check_body(const uint8_t *data, size_t size)
{
    struct snapshot s = {0}, *back = NULL;
    char path[600];
    int rc = snapshot_decode_body(data, size, &s);

    FUZZ_CHECK(rc == 0 || rc == -EINVAL);
    if (rc < 0) {
        FUZZ_CHECK(s.blobs == NULL);
        return;
    }
    FUZZ_CHECK(size == SNAPSHOT_BODY_FIXED + s.n_blobs * SNAPSHOT_BLOB_ENTRY);
    FUZZ_CHECK(snapshot_write(repo, &s) == 0);
    FUZZ_CHECK(snapshot_read(repo, s.id, &back) == 0);
    FUZZ_CHECK(same_snapshot(&s, back));
    snprintf(path, sizeof path, "%s/snapshots/%s", repo->dir, s.id);
    unlink(path);
    snapshot_free(back);
    free(s.blobs);
}

static void check_config(const uint8_t *data, size_t size)
{
    struct bk_repo *r = NULL;
    const char *why = NULL;
    char path[600];
    int rc;

    snprintf(path, sizeof path, "%s/config", other_dir);
    fuzz_write_file(path, data, size, 0600);
    rc = repo_open(other_dir, fuzz_test_key(), REPO_READ, &r, &why);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EPROTO || rc == -EKEYREJECTED);
    FUZZ_CHECK((rc == 0) == (r != NULL));
    FUZZ_CHECK(rc == 0 || (why && *why));
    repo_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % N_PICKS) {
    case PICK_MANIFEST:
        check_manifest_file(data + 1, size - 1);
        break;
    case PICK_BODY:
        check_body(data + 1, size - 1);
        break;
    default:
        check_config(data + 1, size - 1);
        break;
    }
    return 0;
}
