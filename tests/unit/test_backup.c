/* test_backup.c — unit tests for backup/repo.c and backup/snapshot.c.
 *
 * Each test gets a fresh mkdtemp directory with a random library key and an
 * empty repository folder, removed afterwards. test_documented_manifest
 * decodes a repository's config and a snapshot manifest with libsodium
 * alone, from docs/backup.md (the master key read from the key file as
 * docs/vault.md lays it out), so the code and the document cannot drift
 * apart unnoticed. The others: tampering, renaming and newer formats are
 * refused, another library's key is refused, the lock admits one writer;
 * the forget policy keeps the newest snapshot of each day, week and month;
 * parallel_run runs every job once, reports progress from the calling
 * thread only, never backwards, and reports the item that failed (run
 * under ThreadSanitizer too).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "backup/forget.h"
#include "backup/parallel.h"
#include "backup/repo.h"
#include "backup/snapshot.h"

struct fixture {
    char dir[64];
    char repo[96];
    char keyfile[96];
    struct af_key *key;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/albumfs-backup-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->keyfile, sizeof f->keyfile, "%s/key", f->dir);
    snprintf(f->repo, sizeof f->repo, "%s/repo", f->dir);
    if (key_create(f->keyfile, NULL, 0, &f->key) != 0 || mkdir(f->repo, 0700) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    key_free(f->key);
    rc = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void spit(const char *path, const unsigned char *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A snapshot of two made-up blobs written into a new repository. */
static struct snapshot *write_sample(struct fixture *f, struct bk_repo *r)
{
    struct snapshot *s = calloc(1, sizeof *s);

    assert_non_null(s);
    s->time_ms = 1796000000123;
    memset(s->catalog, 'c', 64);
    s->catalog_size = 4096 + 88;
    s->photos = 7;
    s->total_bytes = 123456;
    s->new_bytes = 6543;
    s->n_blobs = 2;
    s->blobs = calloc(2, sizeof *s->blobs);
    assert_non_null(s->blobs);
    memset(s->blobs[0].id, 'a', 64);
    s->blobs[0].size = 1000;
    memset(s->blobs[1].id, '7', 64);
    s->blobs[1].size = (uint64_t)1 << 40;
    assert_int_equal(snapshot_write(r, s), 0);
    return s;
}

static void test_documented_manifest(void **state)
{
    struct fixture *f = *state;
    struct bk_repo *r;
    struct snapshot *s;
    const char *why;
    unsigned char *keyfile, *config, *file, master[32], backup[32], mkey[32], ckey[32];
    unsigned char check[32], body[200], id[8];
    unsigned long long body_len;
    size_t len;
    char path[160], want[65];

    assert_int_equal(repo_open(f->repo, f->key, REPO_WRITE, &r, &why), 0);
    s = write_sample(f, r);

    /* the key file: kind 1, the master key at offset 10 (docs/vault.md) */
    keyfile = slurp(f->keyfile, &len);
    assert_int_equal(len, 74);
    assert_int_equal(keyfile[9], 1);
    memcpy(master, keyfile + 10, 32);
    assert_int_equal(crypto_kdf_derive_from_key(backup, 32, 6, "albumfs1", master), 0);
    assert_int_equal(crypto_kdf_derive_from_key(mkey, 32, 1, "afbackup", backup), 0);
    assert_int_equal(crypto_kdf_derive_from_key(ckey, 32, 2, "afbackup", backup), 0);

    /* config: magic, version 1, repository id, check over bytes 0..27 */
    snprintf(path, sizeof path, "%s/config", f->repo);
    config = slurp(path, &len);
    assert_int_equal(len, 60);
    assert_memory_equal(config, "ALBUMREP", 8);
    assert_int_equal(le(config + 8, 4), 1);
    assert_int_equal(crypto_generichash(check, 32, config, 28, ckey, 32), 0);
    assert_memory_equal(check, config + 28, 32);

    /* manifest: header 60 bytes, then XChaCha20-Poly1305 (combined), AD = bytes 0..35 */
    snprintf(path, sizeof path, "%s/snapshots/%s", f->repo, s->id);
    file = slurp(path, &len);
    assert_int_equal(len, 60 + 80 + 2 * 40 + 16);
    assert_memory_equal(file, "ALBUMSNP", 8);
    assert_int_equal(le(file + 8, 4), 1);
    assert_int_equal(sodium_hex2bin(id, 8, s->id, 16, NULL, NULL, NULL), 0);
    assert_memory_equal(file + 12, id, 8);
    assert_memory_equal(file + 20, config + 12, 16);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(body, &body_len, NULL,
                                                                file + 60, len - 60, file, 36,
                                                                file + 36, mkey), 0);
    assert_int_equal(body_len, 80 + 2 * 40);
    assert_int_equal(le(body, 8), 1796000000123);
    sodium_bin2hex(want, sizeof want, body + 8, 32);
    assert_string_equal(want, s->catalog);
    assert_int_equal(le(body + 40, 8), 4096 + 88);
    assert_int_equal(le(body + 48, 8), 7);
    assert_int_equal(le(body + 56, 8), 123456);
    assert_int_equal(le(body + 64, 8), 6543);
    assert_int_equal(le(body + 72, 8), 2);
    sodium_bin2hex(want, sizeof want, body + 80, 32);
    assert_string_equal(want, s->blobs[0].id);
    assert_int_equal(le(body + 112, 8), 1000);
    sodium_bin2hex(want, sizeof want, body + 120, 32);
    assert_string_equal(want, s->blobs[1].id);
    assert_int_equal(le(body + 152, 8), (uint64_t)1 << 40);

    sodium_memzero(master, sizeof master);
    free(keyfile);
    free(config);
    free(file);
    snapshot_free(s);
    repo_close(r);
}

static void test_read_back_and_tampering(void **state)
{
    struct fixture *f = *state;
    struct bk_repo *r;
    struct snapshot *s, *back, *other;
    const char *why;
    unsigned char *file;
    size_t len;
    char path[160], path2[160];

    assert_int_equal(repo_open(f->repo, f->key, REPO_WRITE, &r, &why), 0);
    s = write_sample(f, r);
    other = write_sample(f, r);
    assert_int_equal(snapshot_read(r, s->id, &back), 0);
    assert_int_equal(back->time_ms, s->time_ms);
    assert_int_equal(back->n_blobs, 2);
    assert_string_equal(back->blobs[1].id, s->blobs[1].id);
    snapshot_free(back);
    assert_int_equal(snapshot_read(r, "0123456789abcdef", &back), -ENOENT);
    assert_int_equal(snapshot_read(r, "../config", &back), -ENOENT);

    snprintf(path, sizeof path, "%s/snapshots/%s", f->repo, s->id);
    snprintf(path2, sizeof path2, "%s/snapshots/%s", f->repo, other->id);
    file = slurp(path, &len);
    /* every byte of the file matters */
    for (size_t i = 0; i < len; i += 7) {
        file[i] ^= 0x20;
        spit(path, file, len);
        assert_true(snapshot_read(r, s->id, &back) < 0);
        file[i] ^= 0x20;
    }
    spit(path, file, len - 1);
    assert_int_equal(snapshot_read(r, s->id, &back), -EBADMSG);
    /* another snapshot's manifest under this id */
    spit(path, file, len);
    assert_int_equal(rename(path, path2), 0);
    assert_int_equal(snapshot_read(r, other->id, &back), -EBADMSG);
    /* a newer format */
    file[8] = 2;
    spit(path, file, len);
    assert_int_equal(snapshot_read(r, s->id, &back), -EPROTO);
    free(file);
    snapshot_free(s);
    snapshot_free(other);
    repo_close(r);
}

static void test_refusals(void **state)
{
    struct fixture *f = *state;
    struct bk_repo *r, *r2;
    struct af_key *stranger;
    const char *why;
    unsigned char *config;
    size_t len;
    char path[160];

    /* reading an empty folder, a missing one */
    assert_int_equal(repo_open(f->repo, f->key, REPO_READ, &r, &why), -EINVAL);
    snprintf(path, sizeof path, "%s/missing", f->dir);
    assert_int_equal(repo_open(path, f->key, REPO_WRITE, &r, &why), -ENOENT);
    /* a folder with other things in it does not become a repository */
    assert_int_equal(repo_open(f->dir, f->key, REPO_WRITE, &r, &why), -EINVAL);

    assert_int_equal(repo_open(f->repo, f->key, REPO_WRITE, &r, &why), 0);
    /* one writer at a time; readers are not held up */
    assert_int_equal(repo_open(f->repo, f->key, REPO_WRITE, &r2, &why), -EWOULDBLOCK);
    assert_int_equal(repo_open(f->repo, f->key, REPO_READ, &r2, &why), 0);
    repo_close(r2);
    repo_close(r);

    /* another library's key */
    snprintf(path, sizeof path, "%s/other.key", f->dir);
    assert_int_equal(key_create(path, NULL, 0, &stranger), 0);
    assert_int_equal(repo_open(f->repo, stranger, REPO_READ, &r, &why), -EKEYREJECTED);
    assert_int_equal(repo_open(f->repo, stranger, REPO_WRITE, &r, &why), -EKEYREJECTED);
    key_free(stranger);

    /* a newer repository format; a damaged config */
    snprintf(path, sizeof path, "%s/config", f->repo);
    config = slurp(path, &len);
    config[8] = 2;
    spit(path, config, len);
    assert_int_equal(repo_open(f->repo, f->key, REPO_READ, &r, &why), -EPROTO);
    config[8] = 1;
    config[40] ^= 1;
    spit(path, config, len);
    assert_int_equal(repo_open(f->repo, f->key, REPO_READ, &r, &why), -EKEYREJECTED);
    spit(path, config, len - 1);
    assert_int_equal(repo_open(f->repo, f->key, REPO_READ, &r, &why), -EINVAL);
    free(config);
}

/* The keep policy: the newest snapshot of each of the N latest days, ISO
 * weeks, months (UTC); any rule keeps. Times in no particular order. */
static void test_forget_select(void **state)
{
    const int64_t day = 86400000, d = 1796292000000; /* Thu 2026-12-03 10:00 UTC */
    const int64_t t[] = {d - 40 * day, d, d - 8 * day, d + 2 * 3600000, d - day, d - 2 * day};
    /* indexes:           0 Oct 24     1  2 Nov 25     3 Dec 3 12:00     4 Dec 2  5 Dec 1 */
    const struct {
        struct forget_policy p;
        const char *want;
    } cases[] = {
        {{.daily = 2}, "000110"},
        {{.daily = 10}, "101111"},
        {{.weekly = 2}, "001100"},
        {{.weekly = 3}, "101100"},
        {{.monthly = 2}, "001100"},
        {{.daily = 1, .monthly = 3}, "101100"},
        {{0}, "000000"},
    };
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bool keep[6];
        char got[7] = "";

        forget_select(t, 6, &cases[c].p, keep);
        for (int i = 0; i < 6; i++)
            got[i] = keep[i] ? '1' : '0';
        assert_string_equal(got, cases[c].want);
    }
}

/* ---- parallel_run ---- */

struct jobs {
    size_t n;
    int fail_at;          /* -1: none */
    int *runs;            /* each item's count (its own slot) */
    pthread_t caller;
    size_t progress_calls;
    size_t last_done;
};

static int count_job(void *arg, size_t i, uint64_t *bytes)
{
    struct jobs *j = arg;

    j->runs[i]++;
    *bytes = 10;
    return (int)i == j->fail_at ? -EIO : 0;
}

static void count_progress(void *arg, const struct backup_progress *p)
{
    struct jobs *j = arg;

    assert_true(pthread_equal(pthread_self(), j->caller));
    assert_true(p->files_done >= j->last_done); /* never backwards */
    j->last_done = p->files_done;
    j->progress_calls++;
}

static void test_parallel(void **state)
{
    int runs[200] = {0};
    struct jobs j = {.n = 200, .fail_at = -1, .runs = runs, .caller = pthread_self()};
    struct backup_progress pr = {.files_total = 200, .bytes_total = 2000};
    size_t failed = 0;

    (void)state;
    assert_int_equal(parallel_run(j.n, count_job, &j, &pr, count_progress, &j, &failed), 0);
    for (size_t i = 0; i < j.n; i++)
        assert_int_equal(runs[i], 1);
    assert_int_equal(pr.files_done, 200);
    assert_int_equal(pr.bytes_done, 2000);
    assert_true(j.progress_calls >= 2);
    assert_int_equal(j.last_done, 200);

    memset(runs, 0, sizeof runs);
    j = (struct jobs){.n = 200, .fail_at = 37, .runs = runs, .caller = pthread_self()};
    pr = (struct backup_progress){.files_total = 200};
    assert_int_equal(parallel_run(j.n, count_job, &j, &pr, count_progress, &j, &failed), -EIO);
    assert_int_equal(failed, 37);
    assert_int_equal(runs[37], 1);
    for (size_t i = 0; i < j.n; i++)
        assert_true(runs[i] <= 1);
    assert_true(pr.files_done <= 199); /* the failed one is not counted done */

    assert_int_equal(parallel_run(0, count_job, &j, &pr, NULL, NULL, &failed), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_documented_manifest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_back_and_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_forget_select),
        cmocka_unit_test(test_parallel),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
