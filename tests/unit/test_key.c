/* test_key.c — unit tests for store/key.c: key files and subkeys.
 *
 * Each test gets a fresh mkdtemp directory under /tmp, removed afterwards.
 * One test rebuilds a passphrase key file byte by byte from docs/vault.md
 * with libsodium alone, so the documented format and the code agree.
 */
#include <errno.h>
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

#include "store/key.h"

#define PASS "correct horse battery staple"

struct fixture {
    char dir[64];
    char path[128];
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
    strcpy(f->dir, "/tmp/albumfs-key-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/library.key", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);

    free(f);
    return rc;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static size_t read_file(const char *path, unsigned char *buf, size_t max)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    assert_true(fd >= 0);
    n = read(fd, buf, max);
    assert_true(n >= 0);
    close(fd);
    return (size_t)n;
}

static void assert_same_subkeys(const struct af_key *a, const struct af_key *b)
{
    for (int p = AF_SUBKEY_VAULT; p <= AF_SUBKEY_BACKUP; p++) {
        unsigned char ka[AF_KEY_BYTES], kb[AF_KEY_BYTES];
        key_derive(a, (enum af_subkey)p, ka);
        key_derive(b, (enum af_subkey)p, kb);
        assert_memory_equal(ka, kb, AF_KEY_BYTES);
    }
}

static void test_random_round_trip(void **state)
{
    struct fixture *f = *state;
    struct af_key *created, *loaded;
    struct stat st;

    assert_int_equal(key_create(f->path, NULL, 0, &created), 0);
    assert_non_null(created);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 74);
    assert_int_equal(key_needs_passphrase(f->path), 0);

    assert_int_equal(key_load(f->path, NULL, 0, &loaded), 0);
    assert_same_subkeys(created, loaded);
    key_free(loaded);
    /* A passphrase offered for a random key is not needed and ignored. */
    assert_int_equal(key_load(f->path, "x", 1, &loaded), 0);
    assert_same_subkeys(created, loaded);
    key_free(loaded);
    key_free(created);
}

static void test_subkeys_differ(void **state)
{
    struct fixture *f = *state;
    unsigned char k[AF_SUBKEY_BACKUP + 1][AF_KEY_BYTES];
    unsigned char other[AF_KEY_BYTES];
    char path2[160];
    struct af_key *key, *key2;

    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    for (int p = AF_SUBKEY_VAULT; p <= AF_SUBKEY_BACKUP; p++)
        key_derive(key, (enum af_subkey)p, k[p]);
    for (int p = AF_SUBKEY_VAULT; p <= AF_SUBKEY_BACKUP; p++)
        for (int q = p + 1; q <= AF_SUBKEY_BACKUP; q++)
            assert_memory_not_equal(k[p], k[q], AF_KEY_BYTES);

    /* A second key gives different subkeys for the same purpose. */
    snprintf(path2, sizeof path2, "%s/second.key", f->dir);
    assert_int_equal(key_create(path2, NULL, 0, &key2), 0);
    key_derive(key2, AF_SUBKEY_VAULT, other);
    assert_memory_not_equal(k[AF_SUBKEY_VAULT], other, AF_KEY_BYTES);
    key_free(key2);
    key_free(key);
}

static void test_subkeys_are_crypto_kdf(void **state)
{
    struct fixture *f = *state;
    unsigned char file[128], want[AF_KEY_BYTES], got[AF_KEY_BYTES];
    struct af_key *key;

    /* Random key file: the key is bytes 10..41; subkeys are crypto_kdf
     * with context "albumfs1" and the purpose as id (docs/vault.md). */
    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    assert_int_equal(read_file(f->path, file, sizeof file), 74);
    assert_memory_equal(file, "ALBUMKEY\x01\x01", 10);
    assert_int_equal(crypto_kdf_derive_from_key(want, sizeof want, AF_SUBKEY_CACHE, "albumfs1",
                                                file + 10), 0);
    key_derive(key, AF_SUBKEY_CACHE, got);
    assert_memory_equal(want, got, sizeof want);
    key_free(key);
}

static void test_passphrase_round_trip(void **state)
{
    struct fixture *f = *state;
    struct af_key *created, *loaded;
    unsigned char file[128];
    struct stat st;

    assert_int_equal(key_create(f->path, PASS, strlen(PASS), &created), 0);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(read_file(f->path, file, sizeof file), 78);
    assert_memory_equal(file, "ALBUMKEY\x01\x02", 10);
    assert_int_equal(key_needs_passphrase(f->path), 1);

    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &loaded), 0);
    assert_same_subkeys(created, loaded);
    key_free(loaded);
    key_free(created);
}

static void test_wrong_and_missing_passphrase(void **state)
{
    struct fixture *f = *state;
    struct af_key *key;

    assert_int_equal(key_create(f->path, PASS, strlen(PASS), &key), 0);
    key_free(key);
    assert_int_equal(key_load(f->path, "wrong", 5, &key), -EKEYREJECTED);
    assert_null(key);
    /* One character short is wrong too: the length is part of it. */
    assert_int_equal(key_load(f->path, PASS, strlen(PASS) - 1, &key), -EKEYREJECTED);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -ENOKEY);
    assert_null(key);
}

/* A key file written from the documented layout with libsodium directly. */
static void test_documented_passphrase_layout(void **state)
{
    struct fixture *f = *state;
    const uint64_t ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
    const uint64_t mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    unsigned char file[78], master[32], check_key[32], want[32], got[32];
    const char *check_input = "albumfs key check v1";
    struct af_key *key;

    memcpy(file, "ALBUMKEY", 8);
    file[8] = 1;
    file[9] = 2;
    for (int i = 0; i < 4; i++)
        file[10 + i] = (unsigned char)(crypto_pwhash_ALG_ARGON2ID13 >> (8 * i));
    for (int i = 0; i < 8; i++) {
        file[14 + i] = (unsigned char)(ops >> (8 * i));
        file[22 + i] = (unsigned char)(mem >> (8 * i));
    }
    for (int i = 0; i < 16; i++)
        file[30 + i] = (unsigned char)(i * 7 + 1);
    assert_int_equal(crypto_pwhash(master, sizeof master, PASS, strlen(PASS), file + 30, ops,
                                   (size_t)mem, crypto_pwhash_ALG_ARGON2ID13), 0);
    assert_int_equal(crypto_kdf_derive_from_key(check_key, sizeof check_key, 1, "afkcheck",
                                                master), 0);
    assert_int_equal(crypto_generichash(file + 46, 32, (const unsigned char *)check_input,
                                        strlen(check_input), check_key, sizeof check_key), 0);
    write_file(f->path, file, sizeof file, 0600);

    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &key), 0);
    assert_int_equal(crypto_kdf_derive_from_key(want, sizeof want, AF_SUBKEY_TOKEN, "albumfs1",
                                                master), 0);
    key_derive(key, AF_SUBKEY_TOKEN, got);
    assert_memory_equal(want, got, sizeof want);
    key_free(key);
}

static void test_permissions(void **state)
{
    struct fixture *f = *state;
    struct af_key *key;
    const mode_t refused[] = { 0644, 0640, 0604, 0620, 0602, 0610, 0601, 0660 };

    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    key_free(key);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(chmod(f->path, refused[i]), 0);
        assert_int_equal(key_load(f->path, NULL, 0, &key), -EACCES);
        assert_null(key);
        assert_int_equal(key_needs_passphrase(f->path), -EACCES);
    }
    assert_int_equal(chmod(f->path, 0400), 0);
    assert_int_equal(key_load(f->path, NULL, 0, &key), 0);
    key_free(key);
}

static void test_foreign_owner(void **state)
{
    struct fixture *f = *state;
    struct af_key *key;

    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    key_free(key);
    assert_int_equal(chown(f->path, 65534, 65534), 0);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EACCES);
}

static void test_not_a_key_file(void **state)
{
    struct fixture *f = *state;
    unsigned char good[128], bad[128], noise[74];
    struct af_key *key;
    size_t len;

    write_file(f->path, "hello, world\n", 13, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    assert_int_equal(key_needs_passphrase(f->path), -EINVAL);
    write_file(f->path, "", 0, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    randombytes_buf(noise, sizeof noise);
    write_file(f->path, noise, sizeof noise, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    unlink(f->path);

    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    key_free(key);
    len = read_file(f->path, good, sizeof good);

    /* each of: bad version, unknown kind, one byte short, one byte long,
     * a damaged key byte (the check value catches it) */
    memcpy(bad, good, len);
    bad[8] = 2;
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    memcpy(bad, good, len);
    bad[9] = 3;
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    write_file(f->path, good, len - 1, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    memcpy(bad, good, len);
    bad[len] = 0;
    write_file(f->path, bad, len + 1, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    memcpy(bad, good, len);
    bad[20] ^= 0x01;
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    assert_null(key);

    /* A directory is not a key file either. */
    assert_int_equal(key_load(f->dir, NULL, 0, &key), -EINVAL);
}

static void test_bad_passphrase_params(void **state)
{
    struct fixture *f = *state;
    unsigned char good[128], bad[128];
    struct af_key *key;
    size_t len;

    assert_int_equal(key_create(f->path, PASS, strlen(PASS), &key), 0);
    key_free(key);
    len = read_file(f->path, good, sizeof good);
    /* unknown algorithm; opslimit 0; memlimit below the minimum */
    memcpy(bad, good, len);
    bad[10] = 1;
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &key), -EINVAL);
    memcpy(bad, good, len);
    memset(bad + 14, 0, 8);
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &key), -EINVAL);
    memcpy(bad, good, len);
    memset(bad + 22, 0, 8);
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &key), -EINVAL);
    /* the file is damaged whether or not a passphrase is at hand */
    assert_int_equal(key_load(f->path, NULL, 0, &key), -EINVAL);
    assert_int_equal(key_needs_passphrase(f->path), -EINVAL);
    /* a changed salt derives another key: rejected like a wrong passphrase */
    memcpy(bad, good, len);
    bad[30] ^= 0x80;
    write_file(f->path, bad, len, 0600);
    assert_int_equal(key_load(f->path, PASS, strlen(PASS), &key), -EKEYREJECTED);
    assert_null(key);
}

static void test_create_refuses_existing(void **state)
{
    struct fixture *f = *state;
    unsigned char before[128], after[128];
    struct af_key *key;
    char missing[160];
    size_t n;

    assert_int_equal(key_create(f->path, NULL, 0, &key), 0);
    key_free(key);
    n = read_file(f->path, before, sizeof before);
    assert_int_equal(key_create(f->path, NULL, 0, &key), -EEXIST);
    assert_null(key);
    assert_int_equal(key_create(f->path, PASS, strlen(PASS), &key), -EEXIST);
    assert_int_equal(read_file(f->path, after, sizeof after), n);
    assert_memory_equal(before, after, n);

    snprintf(missing, sizeof missing, "%s/no/such/dir.key", f->dir);
    assert_int_equal(key_create(missing, NULL, 0, &key), -ENOENT);
    /* An empty passphrase is refused, and leaves no file. */
    unlink(f->path);
    assert_int_equal(key_create(f->path, "", 0, &key), -EINVAL);
    assert_int_equal(access(f->path, F_OK), -1);
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    struct af_key *key;

    assert_int_equal(key_load(f->path, NULL, 0, &key), -ENOENT);
    assert_null(key);
    assert_int_equal(key_needs_passphrase(f->path), -ENOENT);
    key_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subkeys_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subkeys_are_crypto_kdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_and_missing_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documented_passphrase_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_passphrase_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refuses_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
