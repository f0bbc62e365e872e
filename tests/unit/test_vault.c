/* test_vault.c — unit tests for store/vault.c: the encrypted blob store.
 *
 * Each test gets a fresh mkdtemp directory under /tmp holding a random key
 * and a vault, removed afterwards. Tampering tests edit blob files at the
 * offsets docs/vault.md gives; one test decodes a blob with libsodium alone
 * from that document, so the documented layout and the code agree, and one
 * writes a version 1 blob the same way and reads it through the vault.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/key.h"
#include "store/vault.h"

/* The documented layout (docs/vault.md). */
#define HDR 72u
#define ABYTES 16u
#define SEALED (VAULT_CHUNK_SIZE + ABYTES)
#define CS ((size_t)VAULT_CHUNK_SIZE)

#define BIG_SIZE (5u * 1024 * 1024 + 123)

struct fixture {
    char dir[64];
    char vdir[96];
    struct af_key *key;
    struct af_vault *v;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char kpath[128];

    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/albumfs-vault-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(kpath, sizeof kpath, "%s/library.key", f->dir);
    snprintf(f->vdir, sizeof f->vdir, "%s/vault", f->dir);
    if (key_create(kpath, NULL, 0, &f->key) != 0)
        return -1;
    if (vault_open(f->vdir, f->key, AF_SUBKEY_VAULT, &f->v) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    vault_free(f->v);
    key_free(f->key);
    rc = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* Deterministic test bytes: the same (len, seed) always gives the same data. */
static unsigned char *make_data(size_t len, uint32_t seed)
{
    unsigned char s[randombytes_SEEDBYTES] = { 0 };
    unsigned char *p = malloc(len ? len : 1);

    assert_non_null(p);
    memcpy(s, &seed, sizeof seed);
    randombytes_buf_deterministic(p, len, s);
    return p;
}

static void blob_file(const struct fixture *f, const char *id, char *path, size_t n)
{
    snprintf(path, n, "%s/%.2s/%s", f->vdir, id, id);
}

static uint64_t sealed_file_size(uint64_t size)
{
    uint64_t chunks = size == 0 ? 1 : (size + CS - 1) / CS;
    return HDR + size + chunks * ABYTES;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *p;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    p = malloc((size_t)st.st_size + 1);
    assert_non_null(p);
    assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void flip_byte(const char *path, uint64_t off)
{
    unsigned char c;
    int fd = open(path, O_RDWR);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
    close(fd);
}

static int count_entries(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int tmp_entries(const struct fixture *f)
{
    char tmp[128];

    snprintf(tmp, sizeof tmp, "%s/tmp", f->vdir);
    return count_entries(tmp);
}

/* Read [off, off+len) and compare with the plaintext. */
static void check_range(struct af_blob *b, const unsigned char *data, uint64_t size, uint64_t off,
                        size_t len)
{
    size_t want = off >= size ? 0 : (len < size - off ? len : (size_t)(size - off));
    unsigned char *buf = malloc(len ? len : 1);
    ssize_t n;

    assert_non_null(buf);
    n = vault_blob_pread(b, buf, len, off);
    assert_int_equal(n, (ssize_t)want);
    if (want)
        assert_memory_equal(buf, data + off, want);
    free(buf);
}

static void put_and_check(struct fixture *f, const unsigned char *data, size_t len, char *id)
{
    char addr[VAULT_ID_HEX], path[256];
    struct af_blob *b;
    struct stat st;
    void *all;
    size_t all_len;

    assert_int_equal(vault_put_buffer(f->v, data, len, id), 0);
    assert_int_equal(strlen(id), 64);
    vault_address(f->v, data, len, addr);
    assert_string_equal(id, addr);
    assert_int_equal(vault_exists(f->v, id), 1);
    blob_file(f, id, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, sealed_file_size(len));

    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_blob_size(b), len);
    check_range(b, data, len, 0, len + 10);
    vault_blob_close(b);

    assert_int_equal(vault_read_all(f->v, id, &all, &all_len), 0);
    assert_int_equal(all_len, len);
    if (len)
        assert_memory_equal(all, data, len);
    free(all);
    assert_int_equal(vault_verify(f->v, id, 1), 0);
    assert_int_equal(tmp_entries(f), 0);
}

static void test_open_creates_dirs(void **state)
{
    struct fixture *f = *state;
    char tmp[128];
    struct stat st;

    assert_int_equal(stat(f->vdir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    snprintf(tmp, sizeof tmp, "%s/tmp", f->vdir);
    assert_int_equal(stat(tmp, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

static void test_round_trip_sizes(void **state)
{
    struct fixture *f = *state;
    const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536 + 7, BIG_SIZE };

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *data = make_data(sizes[i], (uint32_t)i);
        char id[VAULT_ID_HEX];
        put_and_check(f, data, sizes[i], id);
        free(data);
    }
}

static void test_put_fd(void **state)
{
    struct fixture *f = *state;
    const size_t sizes[] = { 0, 65537, BIG_SIZE };
    char path[128];
    int pipefd[2];

    snprintf(path, sizeof path, "%s/source", f->dir);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *data = make_data(sizes[i], 100 + (uint32_t)i);
        char id[VAULT_ID_HEX], addr[VAULT_ID_HEX];
        uint64_t size = 1;
        void *all;
        size_t len;
        int fd;

        spit(path, data, sizes[i]);
        fd = open(path, O_RDONLY);
        assert_true(fd >= 0);
        /* The file position does not matter: the put reads from offset 0. */
        lseek(fd, (off_t)(sizes[i] / 2), SEEK_SET);
        assert_int_equal(vault_put_fd(f->v, fd, id, &size), 0);
        close(fd);
        assert_int_equal(size, sizes[i]);
        vault_address(f->v, data, sizes[i], addr);
        assert_string_equal(id, addr);
        assert_int_equal(vault_read_all(f->v, id, &all, &len), 0);
        assert_int_equal(len, sizes[i]);
        if (len)
            assert_memory_equal(all, data, len);
        assert_int_equal(vault_verify(f->v, id, 1), 0);
        free(all);
        free(data);
    }
    assert_int_equal(tmp_entries(f), 0);

    assert_int_equal(pipe(pipefd), 0);
    {
        char id[VAULT_ID_HEX] = "x";
        assert_int_equal(vault_put_fd(f->v, pipefd[0], id, NULL), -EINVAL);
        assert_string_equal(id, "");
    }
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_pread_ranges(void **state)
{
    struct fixture *f = *state;
    const size_t sizes[] = { 3 * 65536 + 7, BIG_SIZE };
    const size_t lens[] = { 1, 2, 7, 4096, CS - 1, CS, CS + 1, 2 * CS, 2 * CS + 3, 300001 };

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t size = sizes[s];
        unsigned char *data = make_data(size, 200 + (uint32_t)s);
        char id[VAULT_ID_HEX];
        struct af_blob *b;
        uint32_t lcg = 12345;

        assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
        assert_int_equal(vault_blob_open(f->v, id, &b), 0);
        /* Around every chunk boundary, every length. */
        for (uint64_t c = 0; c * CS <= size; c++) {
            const int64_t deltas[] = { -3, -1, 0, 1, 5 };
            for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
                int64_t off = (int64_t)(c * CS) + deltas[d];
                if (off < 0)
                    continue;
                for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
                    check_range(b, data, size, (uint64_t)off, lens[l]);
            }
            if (c > 8)
                c += 7; /* the big blob: sample its boundaries */
        }
        /* And odd places anywhere. */
        for (int k = 0; k < 200; k++) {
            lcg = lcg * 1103515245u + 12345u;
            uint64_t off = lcg % (size + 100);
            lcg = lcg * 1103515245u + 12345u;
            check_range(b, data, size, off, 1 + lcg % 400000);
        }
        vault_blob_close(b);
        free(data);
    }
}

static void test_pread_eof(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7;
    unsigned char *data = make_data(size, 300);
    unsigned char buf[16];
    char id[VAULT_ID_HEX], empty[VAULT_ID_HEX];
    struct af_blob *b;

    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, size), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, size + 1), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, UINT64_MAX), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, UINT64_MAX - 3), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, (uint64_t)1 << 62), 0);
    assert_int_equal(vault_blob_pread(b, buf, 0, 5), 0);
    /* A huge length is cut at EOF, without overflowing off + len. */
    assert_int_equal(vault_blob_pread(b, buf, SIZE_MAX, size - 1), 1);
    assert_int_equal(buf[0], data[size - 1]);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, size - 5), 5);
    assert_memory_equal(buf, data + size - 5, 5);
    vault_blob_close(b);

    assert_int_equal(vault_put_buffer(f->v, NULL, 0, empty), 0);
    assert_int_equal(vault_blob_open(f->v, empty, &b), 0);
    assert_int_equal(vault_blob_size(b), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, 0), 0);
    vault_blob_close(b);
    free(data);
}

static void test_flipped_chunk_byte(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7; /* chunks 0..2 full, 3 has 7 bytes */
    unsigned char *data = make_data(size, 400);
    unsigned char *buf = malloc(2 * CS);
    char id[VAULT_ID_HEX], path[256];
    struct af_blob *b;

    assert_non_null(buf);
    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    blob_file(f, id, path, sizeof path);
    flip_byte(path, HDR + 1 * SEALED + 100);
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);

    memset(buf, 0xa5, CS);
    assert_int_equal(vault_blob_pread(b, buf, CS, 1 * CS), -EIO);
    assert_memory_not_equal(buf, data + CS, CS);
    memset(buf, 0xa5, CS);
    assert_int_equal(vault_blob_pread(b, buf, 10, CS + 5000), -EIO);
    assert_memory_not_equal(buf, data + CS + 5000, 10);
    assert_int_equal(vault_blob_pread(b, buf, 2 * CS, CS / 2), -EIO);
    /* The other chunks still read. */
    check_range(b, data, size, 0, CS);
    check_range(b, data, size, 2 * CS, CS + 7);
    check_range(b, data, size, 2 * CS + 3, 100);
    vault_blob_close(b);
    assert_int_equal(vault_verify(f->v, id, 1), -EIO);
    assert_int_equal(vault_verify(f->v, id, 0), -EIO);

    /* A flipped tag byte is as bad as a flipped ciphertext byte. */
    flip_byte(path, HDR + 1 * SEALED + 100);
    flip_byte(path, HDR + 2 * SEALED + CS + 3);
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_blob_pread(b, buf, 1, 2 * CS), -EIO);
    check_range(b, data, size, CS, CS);
    vault_blob_close(b);

    /* The final chunk is checked at open. */
    flip_byte(path, HDR + 2 * SEALED + CS + 3);
    flip_byte(path, HDR + 3 * SEALED + 2);
    assert_int_equal(vault_blob_open(f->v, id, &b), -EIO);
    assert_null(b);
    free(buf);
    free(data);
}

static void test_flipped_header_byte(void **state)
{
    struct fixture *f = *state;
    const size_t size = 65537;
    unsigned char *data = make_data(size, 500);
    char id[VAULT_ID_HEX], path[256];
    struct af_blob *b;
    void *all;
    size_t len;

    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    blob_file(f, id, path, sizeof path);
    for (uint64_t off = 0; off < HDR; off++) {
        flip_byte(path, off);
        assert_int_equal(vault_blob_open(f->v, id, &b), -EIO);
        assert_int_equal(vault_read_all(f->v, id, &all, &len), -EIO);
        assert_null(all);
        assert_int_equal(vault_verify(f->v, id, 0), -EIO);
        flip_byte(path, off);
    }
    assert_int_equal(vault_verify(f->v, id, 1), 0);
    free(data);
}

static void truncate_to(const char *path, uint64_t size)
{
    assert_int_equal(truncate(path, (off_t)size), 0);
}

static void test_truncation(void **state)
{
    struct fixture *f = *state;
    const size_t sizes[] = { 3 * 65536 + 7, 2 * 65536 };

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *data = make_data(sizes[i], 600 + (uint32_t)i), *file;
        uint64_t full = sealed_file_size(sizes[i]);
        const uint64_t cuts[] = { full - 1, full - SEALED, full - 7 - ABYTES, HDR, 10, 0 };
        char id[VAULT_ID_HEX], path[256];
        struct af_blob *b;
        size_t len;

        assert_int_equal(vault_put_buffer(f->v, data, sizes[i], id), 0);
        blob_file(f, id, path, sizeof path);
        file = slurp(path, &len);
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            truncate_to(path, cuts[c]);
            assert_int_equal(vault_blob_open(f->v, id, &b), -EIO);
            assert_int_equal(vault_verify(f->v, id, 1), -EIO);
            spit(path, file, len);
        }
        /* Appending is caught as well. */
        file[len] = 0;
        spit(path, file, len + 1);
        assert_int_equal(vault_blob_open(f->v, id, &b), -EIO);
        spit(path, file, len);
        assert_int_equal(vault_verify(f->v, id, 1), 0);
        free(file);
        free(data);
    }
}

static void test_swapped_chunks(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7;
    unsigned char *data = make_data(size, 700), *file, *tmp = malloc(SEALED);
    unsigned char buf[16];
    char id[VAULT_ID_HEX], path[256];
    struct af_blob *b;
    size_t len;

    assert_non_null(tmp);
    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    blob_file(f, id, path, sizeof path);
    file = slurp(path, &len);
    memcpy(tmp, file + HDR, SEALED);
    memmove(file + HDR, file + HDR + SEALED, SEALED);
    memcpy(file + HDR + SEALED, tmp, SEALED);
    spit(path, file, len);

    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, 0), -EIO);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, CS), -EIO);
    check_range(b, data, size, 2 * CS, 100);
    vault_blob_close(b);
    assert_int_equal(vault_verify(f->v, id, 1), -EIO);
    free(tmp);
    free(file);
    free(data);
}

static void test_chunk_from_other_blob(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7;
    unsigned char *a = make_data(size, 800), *c = make_data(size, 801), *fa, *fc;
    char ida[VAULT_ID_HEX], idc[VAULT_ID_HEX], pa[256], pc[256];
    unsigned char buf[16];
    struct af_blob *b;
    size_t la, lc;

    assert_int_equal(vault_put_buffer(f->v, a, size, ida), 0);
    assert_int_equal(vault_put_buffer(f->v, c, size, idc), 0);
    blob_file(f, ida, pa, sizeof pa);
    blob_file(f, idc, pc, sizeof pc);
    fa = slurp(pa, &la);
    fc = slurp(pc, &lc);
    assert_int_equal(la, lc);
    /* Chunk 1 of a, at the same place in c. */
    memcpy(fc + HDR + SEALED, fa + HDR + SEALED, SEALED);
    spit(pc, fc, lc);
    assert_int_equal(vault_blob_open(f->v, idc, &b), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, CS), -EIO);
    check_range(b, c, size, 0, CS);
    vault_blob_close(b);
    free(fa);
    free(fc);
    free(a);
    free(c);
}

static void test_file_under_other_id(void **state)
{
    struct fixture *f = *state;
    const size_t size = 100000;
    unsigned char *a = make_data(size, 900), *c = make_data(size, 901), *fa;
    char ida[VAULT_ID_HEX], idc[VAULT_ID_HEX], pa[256], pc[256], dir[256];
    const char *other = "ab00000000000000000000000000000000000000000000000000000000000001";
    struct af_blob *b;
    size_t la;

    assert_int_equal(vault_put_buffer(f->v, a, size, ida), 0);
    assert_int_equal(vault_put_buffer(f->v, c, size, idc), 0);
    blob_file(f, ida, pa, sizeof pa);
    blob_file(f, idc, pc, sizeof pc);
    fa = slurp(pa, &la);
    /* a's file copied over c */
    spit(pc, fa, la);
    assert_int_equal(vault_blob_open(f->v, idc, &b), -EIO);
    assert_int_equal(vault_verify(f->v, idc, 1), -EIO);
    /* a's file renamed to an id of its own */
    snprintf(dir, sizeof dir, "%s/ab", f->vdir);
    mkdir(dir, 0700);
    blob_file(f, other, pc, sizeof pc);
    assert_int_equal(rename(pa, pc), 0);
    assert_int_equal(vault_exists(f->v, other), 1);
    assert_int_equal(vault_blob_open(f->v, other, &b), -EIO);
    assert_int_equal(vault_exists(f->v, ida), 0);
    free(fa);
    free(a);
    free(c);
}

static void test_wrong_key(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7;
    unsigned char *data = make_data(size, 1000);
    char id[VAULT_ID_HEX], addr[VAULT_ID_HEX], kpath[128];
    struct af_vault *other, *cache;
    struct af_key *key2;
    struct af_blob *b;

    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    snprintf(kpath, sizeof kpath, "%s/other.key", f->dir);
    assert_int_equal(key_create(kpath, NULL, 0, &key2), 0);
    assert_int_equal(vault_open(f->vdir, key2, AF_SUBKEY_VAULT, &other), 0);
    assert_int_equal(vault_blob_open(other, id, &b), -EIO);
    assert_int_equal(vault_verify(other, id, 0), -EIO);
    vault_address(other, data, size, addr);
    assert_string_not_equal(addr, id);
    vault_free(other);
    key_free(key2);

    /* Same key, other purpose: another AEAD key, the same addresses. */
    assert_int_equal(vault_open(f->vdir, f->key, AF_SUBKEY_CACHE, &cache), 0);
    assert_int_equal(vault_blob_open(cache, id, &b), -EIO);
    vault_address(cache, data, size, addr);
    assert_string_equal(addr, id);
    vault_free(cache);
    free(data);
}

static void test_dedupe(void **state)
{
    struct fixture *f = *state;
    const size_t size = 200000;
    unsigned char *data = make_data(size, 1100);
    char id1[VAULT_ID_HEX], id2[VAULT_ID_HEX], id3[VAULT_ID_HEX], path[256], fan[128];
    char src[128];
    struct stat st1, st2;
    int fd;

    assert_int_equal(vault_put_buffer(f->v, data, size, id1), 0);
    blob_file(f, id1, path, sizeof path);
    assert_int_equal(stat(path, &st1), 0);
    assert_int_equal(vault_put_buffer(f->v, data, size, id2), 0);
    assert_string_equal(id1, id2);
    snprintf(src, sizeof src, "%s/source", f->dir);
    spit(src, data, size);
    fd = open(src, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(vault_put_fd(f->v, fd, id3, NULL), 0);
    close(fd);
    assert_string_equal(id1, id3);
    /* Not rewritten: same inode, one file. */
    assert_int_equal(stat(path, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);
    snprintf(fan, sizeof fan, "%s/%.2s", f->vdir, id1);
    assert_int_equal(count_entries(fan), 1);
    assert_int_equal(tmp_entries(f), 0);
    free(data);
}

static void test_damaged_blob_is_replaced(void **state)
{
    struct fixture *f = *state;
    const size_t size = 70000;
    unsigned char *data = make_data(size, 1200);
    char id[VAULT_ID_HEX], id2[VAULT_ID_HEX], path[256];
    struct stat st1, st2;

    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    blob_file(f, id, path, sizeof path);
    assert_int_equal(stat(path, &st1), 0);
    flip_byte(path, HDR + SEALED + 1); /* the final chunk */
    assert_int_equal(vault_verify(f->v, id, 1), -EIO);
    assert_int_equal(vault_put_buffer(f->v, data, size, id2), 0);
    assert_string_equal(id, id2);
    assert_int_equal(stat(path, &st2), 0);
    assert_int_not_equal(st1.st_ino, st2.st_ino);
    assert_int_equal(vault_verify(f->v, id, 1), 0);
    free(data);
}

static void test_put_named(void **state)
{
    struct fixture *f = *state;
    const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const char *bad[] = {
        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "../../../../etc/passwd",
        "",
    };
    unsigned char *a = make_data(100000, 1300), *c = make_data(5000, 1301);
    struct af_blob *b;
    void *all;
    size_t len;

    assert_int_equal(vault_exists(f->v, id), 0);
    assert_int_equal(vault_put_named(f->v, id, a, 100000), 0);
    assert_int_equal(vault_read_all(f->v, id, &all, &len), 0);
    assert_int_equal(len, 100000);
    assert_memory_equal(all, a, len);
    free(all);
    /* A reader that opened the old blob keeps reading it, whole; the next
     * open sees the new one, whole: the replacement is one rename. */
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_put_named(f->v, id, c, 5000), 0);
    assert_int_equal(vault_blob_size(b), 100000);
    check_range(b, a, 100000, 0, 100000);
    vault_blob_close(b);
    assert_int_equal(vault_read_all(f->v, id, &all, &len), 0);
    assert_int_equal(len, 5000);
    assert_memory_equal(all, c, len);
    free(all);
    assert_int_equal(vault_put_named(f->v, id, NULL, 0), 0);
    assert_int_equal(vault_read_all(f->v, id, &all, &len), 0);
    assert_int_equal(len, 0);
    free(all);
    /* Authentic, but not the content address of its bytes. */
    assert_int_equal(vault_verify(f->v, id, 0), 0);
    assert_int_equal(vault_verify(f->v, id, 1), -EIO);
    assert_int_equal(tmp_entries(f), 0);

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(vault_put_named(f->v, bad[i], a, 10), -EINVAL);
        assert_int_equal(vault_exists(f->v, bad[i]), -EINVAL);
        assert_int_equal(vault_blob_open(f->v, bad[i], &b), -EINVAL);
        assert_int_equal(vault_remove(f->v, bad[i]), -EINVAL);
        assert_int_equal(vault_verify(f->v, bad[i], 0), -EINVAL);
    }
    free(a);
    free(c);
}

static void test_crash_leftovers(void **state)
{
    struct fixture *f = *state;
    const size_t size = 150000;
    unsigned char *data = make_data(size, 1400);
    char id[VAULT_ID_HEX], path[256], stale[256], fresh[256], other[256];
    struct timespec old[2] = { { .tv_sec = 0, .tv_nsec = UTIME_OMIT } };
    struct af_vault *v2;
    struct af_blob *b;
    void *all;
    size_t len;

    /* A complete blob still under its temporary name: the crash came
     * before the rename. Nothing is visible under its id. */
    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    blob_file(f, id, path, sizeof path);
    snprintf(stale, sizeof stale, "%s/tmp/put-0123456789abcdef", f->vdir);
    assert_int_equal(rename(path, stale), 0);
    snprintf(fresh, sizeof fresh, "%s/tmp/put-fedcba9876543210", f->vdir);
    spit(fresh, data, 1000);
    snprintf(other, sizeof other, "%s/tmp/not-ours", f->vdir);
    spit(other, data, 10);
    assert_int_equal(vault_exists(f->v, id), 0);
    assert_int_equal(vault_blob_open(f->v, id, &b), -ENOENT);
    assert_int_equal(vault_read_all(f->v, id, &all, &len), -ENOENT);
    assert_int_equal(vault_verify(f->v, id, 1), -ENOENT);

    /* An hour later, opening the vault removes it; fresh temp files and
     * files that are not the vault's stay. */
    old[1].tv_sec = time(NULL) - 2 * 3600;
    old[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
    assert_int_equal(vault_open(f->vdir, f->key, AF_SUBKEY_VAULT, &v2), 0);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(vault_exists(v2, id), 0);
    vault_free(v2);
    free(data);
}

static void test_write_failure_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    const size_t size = 1u << 20;
    unsigned char *data = make_data(size, 1500);
    char id[VAULT_ID_HEX] = "x", addr[VAULT_ID_HEX];
    struct rlimit saved, small;
    void (*old_handler)(int);

    /* A file size limit makes the write fail the way a full disk does. */
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 300000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    assert_int_equal(vault_put_buffer(f->v, data, size, id), -EFBIG);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_string_equal(id, "");
    vault_address(f->v, data, size, addr);
    assert_int_equal(vault_exists(f->v, addr), 0);
    assert_int_equal(tmp_entries(f), 0);
    assert_int_equal(vault_put_buffer(f->v, data, size, id), 0);
    assert_string_equal(id, addr);
    free(data);
}

static void test_source_changed(void **state)
{
    struct fixture *f = *state;
    char id[VAULT_ID_HEX] = "x";
    uint64_t size = 1;
    int fd;

    /* A procfs file claims size 0 but has bytes: to the put it looks like a
     * file that changed between the hash pass and the encrypt pass. */
    fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        skip();
    assert_int_equal(vault_put_fd(f->v, fd, id, &size), -EAGAIN);
    close(fd);
    assert_string_equal(id, "");
    assert_int_equal(size, 0);
    assert_int_equal(tmp_entries(f), 0);
}

/* Open id in v, read it whole, compare with want, close (kept open). */
static void read_through(struct af_vault *v, const char *id, const unsigned char *want,
                         size_t len)
{
    struct af_blob *b;

    assert_int_equal(vault_blob_open(v, id, &b), 0);
    assert_int_equal(vault_blob_size(b), len);
    check_range(b, want, len, 0, len);
    vault_blob_close(b);
}

/* Descriptors of this process (and the one counting them). */
static int open_fds(void)
{
    return count_entries("/proc/self/fd");
}

static void test_remove(void **state)
{
    struct fixture *f = *state;
    unsigned char *data = make_data(1000, 1600);
    char id[VAULT_ID_HEX];
    struct af_blob *b;
    int fds;

    assert_int_equal(vault_put_buffer(f->v, data, 1000, id), 0);
    fds = open_fds();
    read_through(f->v, id, data, 1000); /* kept open */
    assert_int_equal(open_fds(), fds + 1);
    assert_int_equal(vault_remove(f->v, id), 0);
    assert_int_equal(open_fds(), fds); /* closed: the file's space is free */
    assert_int_equal(vault_exists(f->v, id), 0);
    assert_int_equal(vault_remove(f->v, id), -ENOENT);
    assert_int_equal(vault_blob_open(f->v, id, &b), -ENOENT);
    free(data);
}

/* Make blob id look stored `seconds` ago. */
static void age_blob(const struct fixture *f, const char *id, time_t seconds)
{
    char path[256];
    struct timespec when[2] = {{.tv_sec = time(NULL) - seconds}, {.tv_sec = time(NULL) - seconds}};

    blob_file(f, id, path, sizeof path);
    assert_int_equal(utimensat(AT_FDCWD, path, when, 0), 0);
}

/* Leftovers are removed only when old, and storing the same bytes again
 * (an import meeting a blob a sweep is judging) makes them young. */
static void test_remove_unused(void **state)
{
    struct fixture *f = *state;
    unsigned char *data = make_data(70000, 1700);
    char id[VAULT_ID_HEX], again[VAULT_ID_HEX];

    assert_int_equal(vault_put_buffer(f->v, data, 70000, id), 0);
    assert_int_equal(vault_remove_unused(f->v, id, 3600), 0); /* just stored: kept */
    assert_int_equal(vault_exists(f->v, id), 1);
    age_blob(f, id, 7200);
    assert_int_equal(vault_put_buffer(f->v, data, 70000, again), 0); /* stored again */
    assert_string_equal(id, again);
    assert_int_equal(vault_remove_unused(f->v, id, 3600), 0);
    assert_int_equal(vault_exists(f->v, id), 1);
    age_blob(f, id, 7200);
    assert_int_equal(vault_remove_unused(f->v, id, 3600), 1);
    assert_int_equal(vault_exists(f->v, id), 0);
    assert_int_equal(tmp_entries(f), 0); /* nothing left aside */
    assert_int_equal(vault_remove_unused(f->v, id, 3600), -ENOENT);
    /* put after a removal: written anew, whole */
    assert_int_equal(vault_put_buffer(f->v, data, 70000, again), 0);
    assert_int_equal(vault_verify(f->v, id, 1), 0);
    assert_int_equal(vault_remove_unused(f->v, "not-an-id", 0), -EINVAL);
    free(data);
}

struct reader {
    struct af_blob *b;
    const unsigned char *data;
    uint64_t size;
    uint32_t seed;
    int bad;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    unsigned char *buf = malloc(200000);

    for (int k = 0; buf && k < 300; k++) {
        uint64_t off;
        size_t len, want;
        ssize_t n;

        r->seed = r->seed * 1103515245u + 12345u;
        off = r->seed % r->size;
        r->seed = r->seed * 1103515245u + 12345u;
        len = 1 + r->seed % 200000;
        want = len < r->size - off ? len : (size_t)(r->size - off);
        n = vault_blob_pread(r->b, buf, len, off);
        if (n != (ssize_t)want || memcmp(buf, r->data + off, want) != 0)
            r->bad++;
    }
    if (!buf)
        r->bad++;
    free(buf);
    return NULL;
}

static void test_concurrent_reads(void **state)
{
    struct fixture *f = *state;
    unsigned char *data = make_data(BIG_SIZE, 1700);
    struct reader readers[4];
    pthread_t threads[4];
    char id[VAULT_ID_HEX];
    struct af_blob *b;

    assert_int_equal(vault_put_buffer(f->v, data, BIG_SIZE, id), 0);
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    for (int i = 0; i < 4; i++) {
        readers[i] = (struct reader){ .b = b, .data = data, .size = BIG_SIZE, .seed = 7u + i };
        assert_int_equal(pthread_create(&threads[i], NULL, reader_main, &readers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(readers[i].bad, 0);
    }
    vault_blob_close(b);
    free(data);
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Decode blob files with libsodium alone, following docs/vault.md. */
/* Version 2, as written today: decoded here with libsodium alone. */
static void test_documented_layout(void **state)
{
    struct fixture *f = *state;
    const size_t sizes[] = { 0, 3 * 65536 + 7 };
    unsigned char purpose[AF_KEY_BYTES], addr_key[AF_KEY_BYTES];

    key_derive(f->key, AF_SUBKEY_VAULT, purpose);
    key_derive(f->key, AF_SUBKEY_ADDRESS, addr_key);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned char *data = make_data(sizes[s], 1800), *file, *plain;
        unsigned char id[32], want_id[32], blob_key[32];
        char hex[VAULT_ID_HEX], path[256];
        uint64_t size, chunks, pos;
        size_t len;

        assert_int_equal(vault_put_buffer(f->v, data, sizes[s], hex), 0);
        blob_file(f, hex, path, sizeof path);
        file = slurp(path, &len);
        assert_memory_equal(file, "ALBUMBLB", 8);
        assert_memory_equal(file + 8, "\x02\x00\x00\x00", 4);
        assert_memory_equal(file + 12, "\x00\x00\x01\x00", 4);
        size = le64(file + 16);
        assert_int_equal(size, sizes[s]);
        assert_int_equal(sodium_hex2bin(id, sizeof id, hex, 64, NULL, NULL, NULL), 0);
        assert_memory_equal(file + 24, id, 32);
        assert_int_equal(crypto_generichash(want_id, 32, data, sizes[s], addr_key, 32), 0);
        assert_memory_equal(id, want_id, 32);
        assert_int_equal(crypto_generichash_blake2b_salt_personal(
                             blob_key, 32, file, HDR, purpose, 32, NULL,
                             (const unsigned char *)"albumfs-blob-v2"), 0);

        chunks = size == 0 ? 1 : (size + CS - 1) / CS;
        assert_int_equal(len, HDR + size + chunks * ABYTES);
        plain = malloc(size + 1);
        assert_non_null(plain);
        pos = HDR;
        for (uint64_t i = 0; i < chunks; i++) {
            size_t clen = i + 1 < chunks ? CS : (size_t)(size - i * CS);
            unsigned char nonce[24] = { 0 };

            for (int k = 0; k < 8; k++)
                nonce[k] = (unsigned char)(i >> (8 * k));
            nonce[8] = i + 1 == chunks;
            assert_int_equal(crypto_secretbox_open_detached(plain + i * CS, file + pos,
                                                            file + pos + clen, clen, nonce,
                                                            blob_key), 0);
            pos += clen + ABYTES;
        }
        if (size)
            assert_memory_equal(plain, data, size);
        free(plain);
        free(file);
        free(data);
    }
}

/* Version 1 (XChaCha20-Poly1305, header in the additional data), made here
 * from docs/vault.md with libsodium alone: libraries written before
 * version 2 keep reading, and tampering is still caught. */
static void write_version1_blob(struct fixture *f, const unsigned char *data, size_t size,
                                char hex[VAULT_ID_HEX])
{
    unsigned char purpose[AF_KEY_BYTES], addr_key[AF_KEY_BYTES], id[32];
    uint64_t chunks = size == 0 ? 1 : (size + CS - 1) / CS;
    size_t len = HDR + size + chunks * ABYTES, pos = HDR;
    unsigned char *file = calloc(1, len);
    char path[256];

    assert_non_null(file);
    key_derive(f->key, AF_SUBKEY_VAULT, purpose);
    key_derive(f->key, AF_SUBKEY_ADDRESS, addr_key);
    crypto_generichash(id, 32, data, size, addr_key, 32);
    sodium_bin2hex(hex, VAULT_ID_HEX, id, 32);
    memcpy(file, "ALBUMBLB\x01\x00\x00\x00\x00\x00\x01\x00", 16);
    for (int k = 0; k < 8; k++)
        file[16 + k] = (unsigned char)((uint64_t)size >> (8 * k));
    memcpy(file + 24, id, 32);
    randombytes_buf(file + 56, 16);
    for (uint64_t i = 0; i < chunks; i++) {
        size_t clen = i + 1 < chunks ? CS : (size_t)(size - i * CS);
        unsigned char nonce[24], ad[HDR + 9];

        memcpy(nonce, file + 56, 16);
        memcpy(ad, file, HDR);
        for (int k = 0; k < 8; k++) {
            nonce[16 + k] = (unsigned char)(i >> (8 * k));
            ad[HDR + k] = (unsigned char)(i >> (8 * k));
        }
        ad[HDR + 8] = i + 1 == chunks;
        crypto_aead_xchacha20poly1305_ietf_encrypt(file + pos, NULL, data + i * CS, clen, ad,
                                                   sizeof ad, NULL, nonce, purpose);
        pos += clen + ABYTES;
    }
    snprintf(path, sizeof path, "%s/%.2s", f->vdir, hex);
    assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
    blob_file(f, hex, path, sizeof path);
    spit(path, file, len);
    free(file);
}

static void test_version1_blobs_still_read(void **state)
{
    struct fixture *f = *state;
    const size_t size = 3 * 65536 + 7;
    unsigned char *data = make_data(size, 1801), back[16];
    char hex[VAULT_ID_HEX], path[256];
    struct af_blob *b;

    write_version1_blob(f, data, size, hex);
    assert_int_equal(vault_verify(f->v, hex, 1), 0);
    assert_int_equal(vault_blob_open(f->v, hex, &b), 0);
    check_range(b, data, size, 0, size);
    check_range(b, data, size, CS - 50, 100);
    check_range(b, data, size, size - 3, 10);
    vault_blob_close(b);

    /* a flipped byte in chunk 1: that chunk fails, chunk 0 still reads */
    blob_file(f, hex, path, sizeof path);
    flip_byte(path, HDR + SEALED + 10);
    assert_int_equal(vault_blob_open(f->v, hex, &b), 0);
    check_range(b, data, size, 0, CS);
    assert_int_equal(vault_blob_pread(b, back, sizeof back, CS + 5), -EIO);
    vault_blob_close(b);
    assert_int_equal(vault_verify(f->v, hex, 1), -EIO);
    free(data);
}

/* A closed blob kept open for its next open serves it only while the file
 * under its name is the one it opened: truncated, replaced or removed by
 * another process, the next open sees the file as it is now. Damage
 * written in place is refused (-EIO) whichever serves the read, and a
 * blob that failed a read is closed, not kept. */
static void test_kept_blob_follows_its_file(void **state)
{
    struct fixture *f = *state;
    size_t la = 3 * CS + 5, lc = 2 * CS;
    unsigned char *a = make_data(la, 1700), *c = make_data(lc, 1701);
    char id[VAULT_ID_HEX], path[256];
    unsigned char buf[100];
    struct af_vault *other;
    struct af_blob *b;
    int fds;

    memset(id, 'c', VAULT_ID_HEX - 1);
    id[VAULT_ID_HEX - 1] = '\0';
    blob_file(f, id, path, sizeof path);
    assert_int_equal(vault_open(f->vdir, f->key, AF_SUBKEY_VAULT, &other), 0);
    assert_int_equal(vault_put_named(f->v, id, a, la), 0);
    read_through(f->v, id, a, la);

    flip_byte(path, HDR + SEALED + 7); /* chunk 1, in place */
    fds = open_fds();
    assert_int_equal(vault_blob_open(f->v, id, &b), 0);
    assert_int_equal(vault_blob_pread(b, buf, sizeof buf, CS), -EIO);
    vault_blob_close(b);
    assert_int_equal(open_fds(), fds - 1); /* the kept one closed, none kept */
    flip_byte(path, HDR + SEALED + 7);
    read_through(f->v, id, a, la);

    assert_int_equal(truncate(path, (off_t)sealed_file_size(la) - 1), 0);
    assert_int_equal(vault_blob_open(f->v, id, &b), -EIO);
    assert_int_equal(vault_put_named(f->v, id, a, la), 0);
    read_through(f->v, id, a, la);

    assert_int_equal(vault_put_named(other, id, c, lc), 0);
    read_through(f->v, id, c, lc);

    assert_int_equal(vault_remove(other, id), 0);
    assert_int_equal(vault_blob_open(f->v, id, &b), -ENOENT);
    vault_free(other);
    free(a);
    free(c);
}

/* Kept blobs are few and small: at most 64 per vault, none of a file over
 * 1 MiB, all closed by vault_free. */
static void test_kept_blobs_are_bounded(void **state)
{
    struct fixture *f = *state;
    unsigned char *big = make_data(BIG_SIZE, 1799);
    char id[VAULT_ID_HEX];
    struct af_vault *v;
    int before = open_fds(), kept;

    assert_int_equal(vault_open(f->vdir, f->key, AF_SUBKEY_VAULT, &v), 0);
    assert_int_equal(vault_put_buffer(v, big, BIG_SIZE, id), 0);
    read_through(v, id, big, BIG_SIZE);
    assert_int_equal(open_fds(), before + 1); /* the vault's own directory */

    for (uint32_t i = 0; i < 100; i++) {
        unsigned char *data = make_data(1000, 1800 + i);

        assert_int_equal(vault_put_buffer(v, data, 1000, id), 0);
        read_through(v, id, data, 1000);
        free(data);
    }
    kept = open_fds() - before - 1;
    assert_true(kept > 0 && kept <= 64);
    vault_free(v);
    assert_int_equal(open_fds(), before);
    free(big);
}

/* A process out of descriptors closes its kept blobs to open one more. */
static void test_kept_blobs_yield_descriptors(void **state)
{
    struct fixture *f = *state;
    unsigned char *data[12];
    char ids[12][VAULT_ID_HEX];
    int *fillers, n_fillers = 0, top = 0, fd;
    struct rlimit old, low;
    struct dirent *de;
    DIR *d;

    for (uint32_t i = 0; i < 12; i++) {
        data[i] = make_data(5000, 1900 + i);
        assert_int_equal(vault_put_buffer(f->v, data[i], 5000, ids[i]), 0);
    }
    for (int i = 0; i < 11; i++)
        read_through(f->v, ids[i], data[i], 5000);

    /* No descriptor number left: the limit just above the highest in use,
     * every lower one taken. */
    d = opendir("/proc/self/fd");
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (atoi(de->d_name) > top)
            top = atoi(de->d_name);
    closedir(d);
    fillers = calloc((size_t)top + 1, sizeof *fillers);
    assert_non_null(fillers);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)top + 1;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
        assert_true(n_fillers <= top);
        fillers[n_fillers++] = fd;
    }
    assert_int_equal(errno, EMFILE);

    read_through(f->v, ids[11], data[11], 5000);

    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    while (n_fillers > 0)
        close(fillers[--n_fillers]);
    free(fillers);
    for (int i = 0; i < 12; i++) {
        read_through(f->v, ids[i], data[i], 5000);
        free(data[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pread_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pread_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_chunk_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_header_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunk_from_other_blob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_under_other_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_blob_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_leftovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_unused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documented_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version1_blobs_still_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_blob_follows_its_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_blobs_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_blobs_yield_descriptors, setup, teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
