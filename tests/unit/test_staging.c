/* test_staging.c — unit tests for store/staging.c: encrypted scratch files
 * for uploads in progress, and commit intents.
 *
 * Each test gets a fresh mkdtemp "library" under /tmp with a staging folder
 * allowing files of MAX bytes. The staged file's bytes on disk are reached
 * through /proc/self/fd (its name is gone), to show that no plaintext is
 * there and that a changed slot does not authenticate.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/staging.h"

#define MAX (1024u * 1024u + 100u)
#define CH ((size_t)STAGING_CHUNK)

struct fixture {
    char dir[64];
    char uploads[96];
    struct af_staging *st;
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
    strcpy(f->dir, "/tmp/albumfs-staging-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->uploads, sizeof f->uploads, "%s/%s", f->dir, STAGING_DIR);
    if (staging_open(f->dir, MAX, &f->st) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    staging_close(f->st);
    rc = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* Deterministic bytes: byte k of the pattern with seed s. */
static void fill(unsigned char *p, size_t len, uint64_t from, unsigned s)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)((from + i) * 31u + s + ((from + i) >> 9));
}

/* Entries of the uploads folder. */
static size_t entries(const struct fixture *f)
{
    DIR *d = opendir(f->uploads);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* An fd of our own on the (unlinked) staged file, found through
 * /proc/self/fd: the newest descriptor naming a deleted file of the
 * uploads folder. */
static int staged_fd(const struct fixture *f)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    char path[PATH_MAX], target[PATH_MAX];
    int found = -1;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        ssize_t n;

        snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
        n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strncmp(target, f->uploads, strlen(f->uploads)) == 0 && strstr(target, "(deleted)") &&
            atoi(de->d_name) > found)
            found = atoi(de->d_name);
    }
    closedir(d);
    assert_true(found >= 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", found);
    return open(path, O_RDWR);
}

static void test_roundtrip_out_of_order(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s;
    size_t len = 5 * CH + 777;
    unsigned char *want = malloc(len), *got = malloc(len);
    void *all;
    size_t all_len;

    assert_int_equal(staged_new(f->st, &s), 0);
    assert_int_equal(entries(f), 0); /* the name is gone at once */
    fill(want, len, 0, 7);
    /* Pieces written back to front, none aligned, some crossing chunks. */
    for (size_t end = len; end > 0;) {
        size_t piece = end > 12345 ? 12345 : end;

        assert_int_equal(staged_pwrite(s, want + end - piece, piece, end - piece), (ssize_t)piece);
        end -= piece;
    }
    assert_int_equal(staged_size(s), len);
    assert_int_equal(staged_pread(s, got, len, 0), (ssize_t)len);
    assert_memory_equal(got, want, len);
    /* Reads: across a chunk boundary, at the end, past the end. */
    assert_int_equal(staged_pread(s, got, 100, CH - 50), 100);
    assert_memory_equal(got, want + CH - 50, 100);
    assert_int_equal(staged_pread(s, got, 1000, len - 10), 10);
    assert_int_equal(staged_pread(s, got, 10, len), 0);
    assert_int_equal(staged_read_all(s, &all, &all_len), 0);
    assert_int_equal(all_len, len);
    assert_memory_equal(all, want, len);
    staged_buffer_free(all, all_len);
    staged_free(s);
    free(want);
    free(got);
}

static void test_holes_read_as_zeros(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s;
    unsigned char buf[64], zeros[64] = {0}, *got = malloc(3 * CH);

    assert_int_equal(staged_new(f->st, &s), 0);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(staged_pwrite(s, buf, sizeof buf, 3 * CH + 10), (ssize_t)sizeof buf);
    assert_int_equal(staged_size(s), 3 * CH + 10 + sizeof buf);
    assert_int_equal(staged_pread(s, got, 3 * CH, 0), (ssize_t)(3 * CH));
    for (size_t i = 0; i < 3 * CH; i++)
        assert_int_equal(got[i], 0);
    assert_int_equal(staged_pread(s, got, 10 + sizeof buf, 3 * CH), (ssize_t)(10 + sizeof buf));
    assert_memory_equal(got, zeros, 10);
    assert_memory_equal(got + 10, buf, sizeof buf);
    staged_free(s);
    free(got);
}

static void test_truncate(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s;
    size_t len = 2 * CH + 500;
    unsigned char *want = malloc(len), *got = malloc(len + CH);
    struct stat st;
    int fd;

    assert_int_equal(staged_new(f->st, &s), 0);
    fill(want, len, 0, 3);
    assert_int_equal(staged_pwrite(s, want, len, 0), (ssize_t)len);
    /* Down into the middle of the second chunk, then up again: the bytes
     * past the cut read as zeros, not as what was there. */
    assert_int_equal(staged_truncate(s, CH + 100), 0);
    assert_int_equal(staged_size(s), CH + 100);
    fd = staged_fd(f);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_true((uint64_t)st.st_size < 2 * (CH + 40) + 1); /* the third slot's space is freed */
    close(fd);
    assert_int_equal(staged_truncate(s, len + CH), 0);
    assert_int_equal(staged_pread(s, got, len + CH, 0), (ssize_t)(len + CH));
    assert_memory_equal(got, want, CH + 100);
    for (size_t i = CH + 100; i < len + CH; i++)
        assert_int_equal(got[i], 0);
    /* To zero and written again. */
    assert_int_equal(staged_truncate(s, 0), 0);
    assert_int_equal(staged_pread(s, got, 10, 0), 0);
    assert_int_equal(staged_pwrite(s, want, 10, 0), 10);
    assert_int_equal(staged_pread(s, got, 100, 0), 10);
    assert_memory_equal(got, want, 10);
    staged_free(s);
    free(want);
    free(got);
}

static void test_limits(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s;
    unsigned char buf[200] = {1};

    assert_int_equal(staged_new(f->st, &s), 0);
    assert_int_equal(staged_pwrite(s, buf, sizeof buf, MAX - 100), -EFBIG);
    assert_int_equal(staged_size(s), 0); /* nothing of it was written */
    assert_int_equal(staged_pwrite(s, buf, 100, MAX - 100), 100);
    assert_int_equal(staged_size(s), MAX);
    assert_int_equal(staged_pwrite(s, buf, 1, MAX), -EFBIG);
    assert_int_equal(staged_pwrite(s, buf, 1, UINT64_MAX), -EFBIG);
    assert_int_equal(staged_truncate(s, MAX + 1), -EFBIG);
    assert_int_equal(staged_pwrite(s, buf, 0, MAX + 5), 0);
    staged_free(s);
}

static void test_no_plaintext_on_disk(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s;
    const char *secret = "THE-PLAINTEXT-OF-A-PHOTO";
    size_t len = 3 * CH;
    unsigned char *data = malloc(len), *disk = malloc(4 * CH);
    ssize_t n;
    int fd;

    for (size_t i = 0; i < len; i += strlen(secret))
        memcpy(data + i, secret, len - i < strlen(secret) ? len - i : strlen(secret));
    assert_int_equal(staged_new(f->st, &s), 0);
    assert_int_equal(staged_pwrite(s, data, len, 0), (ssize_t)len);
    fd = staged_fd(f);
    assert_true(fd >= 0);
    n = pread(fd, disk, 4 * CH, 0);
    assert_true(n > (ssize_t)len);
    assert_null(memmem(disk, (size_t)n, secret, strlen(secret)));
    assert_null(memmem(disk, (size_t)n, secret + 8, 8));
    close(fd);
    staged_free(s);
    free(data);
    free(disk);
}

static void test_tampering_detected(void **state)
{
    struct fixture *f = *state;
    struct af_staged *s, *other;
    unsigned char buf[3 * CH], slot[CH + 40];
    int fd;

    memset(buf, 'a', sizeof buf);
    assert_int_equal(staged_new(f->st, &s), 0);
    assert_int_equal(staged_pwrite(s, buf, sizeof buf, 0), (ssize_t)sizeof buf);
    fd = staged_fd(f);
    /* One bit of the second slot's ciphertext. */
    assert_int_equal(pread(fd, slot, 1, CH + 40 + 40 + 5), 1);
    slot[0] ^= 1;
    assert_int_equal(pwrite(fd, slot, 1, CH + 40 + 40 + 5), 1);
    assert_int_equal(staged_pread(s, buf, 10, 0), 10);
    assert_int_equal(staged_pread(s, buf, 10, CH), -EIO);
    /* Slot 2 copied over slot 0: its index is bound in. */
    assert_int_equal(pread(fd, slot, sizeof slot, 2 * (CH + 40)), (ssize_t)sizeof slot);
    assert_int_equal(pwrite(fd, slot, sizeof slot, 0), (ssize_t)sizeof slot);
    assert_int_equal(staged_pread(s, buf, 10, 0), -EIO);
    close(fd);
    /* Another staged file's slot: another key. */
    assert_int_equal(staged_new(f->st, &other), 0);
    assert_int_equal(staged_pwrite(other, buf, CH, 0), (ssize_t)CH);
    fd = staged_fd(f);
    assert_int_equal(pread(fd, slot, sizeof slot, 0), (ssize_t)sizeof slot);
    close(fd);
    staged_free(other);
    fd = staged_fd(f);
    assert_int_equal(pwrite(fd, slot, sizeof slot, 2 * (CH + 40)), (ssize_t)sizeof slot);
    close(fd);
    assert_int_equal(staged_pread(s, buf, 10, 2 * CH), -EIO);
    staged_free(s);
}

static void test_leftovers_removed_at_open(void **state)
{
    struct fixture *f = *state;
    struct af_staging *again;
    char path[192], held[192];
    int fd, lock;

    /* A crashed process's file (nobody holds it), one a live process holds,
     * and a file that is not ours. */
    snprintf(path, sizeof path, "%s/up-0123456789abcdef", f->uploads);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "garbage", 7), 7);
    close(fd);
    snprintf(held, sizeof held, "%s/up-fedcba9876543210", f->uploads);
    lock = open(held, O_CREAT | O_WRONLY, 0600);
    assert_int_equal(flock(lock, LOCK_EX), 0);
    snprintf(path, sizeof path, "%s/README", f->uploads);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    assert_int_equal(entries(f), 3);
    assert_int_equal(staging_open(f->dir, MAX, &again), 0);
    assert_int_equal(entries(f), 2);
    assert_int_equal(access(held, F_OK), 0);
    close(lock);
    staging_close(again);
    assert_int_equal(staging_open(f->dir, MAX, &again), 0);
    assert_int_equal(entries(f), 1); /* README stays */
    staging_close(again);
}

static int recorded_count;
static char recorded[4][80];
static int record_leftover(const char *id, void *arg)
{
    int *answer = arg;

    snprintf(recorded[recorded_count++ % 4], sizeof recorded[0], "%s", id);
    return *answer;
}

static void test_intents(void **state)
{
    struct fixture *f = *state;
    struct staging_intent *in;
    char id[65], dead[65], path[256];
    int answer = 0, fd;

    memset(id, 'a', 64);
    id[64] = '\0';
    memset(dead, 'b', 64);
    dead[64] = '\0';
    assert_int_equal(staging_intent_begin(f->st, "not-hex", &in), -EINVAL);
    assert_null(in);
    assert_int_equal(staging_intent_begin(f->st, id, &in), 0);
    assert_int_equal(entries(f), 1);
    /* A live intent is not a leftover. */
    recorded_count = 0;
    assert_int_equal(staging_recover(f->st, record_leftover, &answer), 0);
    assert_int_equal(recorded_count, 0);
    staging_intent_end(in);
    assert_int_equal(entries(f), 0);
    /* A dead process's intent: handed over; kept while the caller fails. */
    snprintf(path, sizeof path, "%s/commit-%s", f->uploads, dead);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    answer = -EIO;
    assert_int_equal(staging_recover(f->st, record_leftover, &answer), 1);
    assert_string_equal(recorded[0], dead);
    assert_int_equal(entries(f), 1);
    answer = 0;
    assert_int_equal(staging_recover(f->st, record_leftover, &answer), 1);
    assert_int_equal(entries(f), 0);
    /* A name that is not an intent of ours is left alone. */
    snprintf(path, sizeof path, "%s/commit-xyz", f->uploads);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    assert_int_equal(staging_recover(f->st, record_leftover, &answer), 0);
    assert_int_equal(entries(f), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holes_read_as_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_plaintext_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftovers_removed_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intents, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
