/* fuzz_util.h — what the libFuzzer harnesses of tests/fuzz share: a
 * scratch folder per process, files written into it, C strings cut from
 * an input, the fixed test key, the plaintext pattern of the seed blobs,
 * and a check that aborts (a crash to libFuzzer) with a message.
 *
 * Threading: libFuzzer runs one input at a time in one thread; so do these.
 * Ownership: strings returned are malloc'd; the caller frees them.
 */
#ifndef ALBUMFS_FUZZ_UTIL_H
#define ALBUMFS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/key.h"

/* An invariant of the code under test: on failure print where and what,
 * and abort, which libFuzzer reports as a crash with the input saved. */
#define FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* The process's scratch folder, made on the first call under $TMPDIR (else
 * /tmp) and removed with everything in it when the process exits. */
const char *fuzz_scratch(void);

/* scratch/name into buf[len] (aborts when it does not fit). */
void fuzz_path(char *buf, size_t len, const char *name);

/* Replace the file at path with len bytes of data, mode `mode` (aborts on
 * failure: the harness, not the code under test, went wrong). */
void fuzz_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* The bytes of data[0..len) up to the first NUL, as a C string. */
char *fuzz_string(const uint8_t *data, size_t len);

/* Split data[0..len) at NUL bytes into n C strings (those missing are "";
 * what follows the n-th is ignored). Free with fuzz_fields_free. */
void fuzz_fields(const uint8_t *data, size_t len, char **fields, size_t n);
void fuzz_fields_free(char **fields, size_t n);

/* The library key every seed was made with: tests/fuzz/data/test.key (a
 * random key; copied into the scratch folder with mode 0600, as key_load
 * wants). Loaded once; aborts on failure. */
const struct af_key *fuzz_test_key(void);

/* The blob id the vault harness stores its input under, and the seed blobs
 * (corpus/vault/) are written with. */
#define FUZZ_BLOB_ID "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Byte i of the plaintext of every seed blob (tests/fuzz/make_seeds.c):
 * a pattern with no period, so a chunk read from the wrong place shows. */
uint8_t fuzz_pattern_byte(uint64_t i);

#endif
