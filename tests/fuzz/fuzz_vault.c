/* fuzz_vault.c — libFuzzer harness for store/vault.c reading a blob file
 * it did not write: the header and the chunk framing, under the fixed test
 * key (fuzz_util.h).
 *
 * Input: the bytes of a blob file, stored as the blob FUZZ_BLOB_ID of a
 * scratch vault; the seeds (make_seeds.c) are real blobs of that id whose
 * plaintext is fuzz_pattern_byte(0..size). Then: open, read it chunk by
 * chunk, at an odd offset and whole, and verify it. Invariants:
 *   - every failure is -EIO (a file that is there but wrong), never a crash;
 *   - whatever is read authenticated, so it is the pattern at its offset:
 *     nothing but genuine plaintext ever comes out, however the file was
 *     altered (a forged chunk would show as a byte off the pattern);
 *   - a chunk that fails leaves the caller's buffer without its plaintext
 *     (FILL, or the ciphertext left in place, never the pattern).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/vault.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILL 0xa5

static struct af_vault *vault;
static char blob_path[512];
static uint8_t *buf; /* room for the largest read: a chunk, or a whole blob and a byte */
static size_t buf_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[512], fan[512];

    (void)argc;
    (void)argv;
    fuzz_path(dir, sizeof dir, "vault");
    if (vault_open(dir, fuzz_test_key(), AF_SUBKEY_VAULT, &vault) != 0)
        abort();
    fuzz_path(fan, sizeof fan, "vault/00");
    if (mkdir(fan, 0700) != 0)
        abort();
    fuzz_path(blob_path, sizeof blob_path, "vault/00/" FUZZ_BLOB_ID);
    return 0;
}

/* Whether buf[0..len) is the pattern from plaintext offset off. */
static bool is_pattern(const uint8_t *p, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != fuzz_pattern_byte(off + i))
            return false;
    return true;
}

/* Read [off, off + len) and check it. 0 or -EIO. */
static int check_read(struct af_blob *b, uint64_t off, size_t len)
{
    uint64_t size = vault_blob_size(b);
    size_t want = off >= size ? 0 : len < size - off ? len : (size_t)(size - off);
    ssize_t n;

    memset(buf, FILL, len);
    n = vault_blob_pread(b, buf, len, off);
    FUZZ_CHECK(n == (ssize_t)want || n == -EIO);
    if (n >= 0) {
        FUZZ_CHECK(is_pattern(buf, want, off));
        return 0;
    }
    /* A failed read of one chunk: no plaintext of it reached buf (a
     * plaintext of under 16 bytes might match its ciphertext by chance). */
    if (want >= 16 && off / VAULT_CHUNK_SIZE == (off + want - 1) / VAULT_CHUNK_SIZE)
        FUZZ_CHECK(!is_pattern(buf, want, off));
    return -EIO;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct af_blob *b = NULL;
    uint64_t blob_size;
    void *all = NULL;
    size_t all_len = 0;
    int rc;

    fuzz_write_file(blob_path, data, size, 0600);
    rc = vault_blob_open(vault, FUZZ_BLOB_ID, &b);
    FUZZ_CHECK(rc == 0 || rc == -EIO);
    if (rc < 0) {
        FUZZ_CHECK(b == NULL);
        FUZZ_CHECK(vault_read_all(vault, FUZZ_BLOB_ID, &all, &all_len) == -EIO);
        FUZZ_CHECK(all == NULL && all_len == 0);
        FUZZ_CHECK(vault_verify(vault, FUZZ_BLOB_ID, 0) == -EIO);
        return 0;
    }
    blob_size = vault_blob_size(b);
    FUZZ_CHECK(blob_size <= size); /* the file holds the plaintext and more */
    if (buf_len < blob_size + 1 || buf_len < VAULT_CHUNK_SIZE) {
        free(buf);
        buf_len = blob_size + 1 > VAULT_CHUNK_SIZE ? blob_size + 1 : VAULT_CHUNK_SIZE;
        buf = malloc(buf_len);
        if (!buf)
            abort();
    }
    for (uint64_t off = 0; off < blob_size; off += VAULT_CHUNK_SIZE)
        (void)check_read(b, off, VAULT_CHUNK_SIZE);
    (void)check_read(b, blob_size / 3, (size_t)(blob_size / 2) + 1);
    rc = check_read(b, 0, (size_t)blob_size + 1);
    vault_blob_close(b);

    FUZZ_CHECK(vault_read_all(vault, FUZZ_BLOB_ID, &all, &all_len) == rc);
    if (rc == 0)
        FUZZ_CHECK(all_len == blob_size && is_pattern(all, all_len, 0));
    free(all);
    FUZZ_CHECK(vault_verify(vault, FUZZ_BLOB_ID, 0) == rc);
    return 0;
}
