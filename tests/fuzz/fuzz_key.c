/* fuzz_key.c — libFuzzer harness for store/key.c reading a key file.
 *
 * Input: the bytes of a key file. key_file_parse (key_private.h) reads them
 * as they are; then the same bytes are written as a 0600 file and loaded
 * with key_load (no passphrase: a passphrase file is framed and refused
 * with -ENOKEY, never stretched, so an input costs microseconds) and
 * key_needs_passphrase. Invariants:
 *   - key_file_parse gives 0 or -EINVAL; on 0 the fields point inside the
 *     input and a passphrase file's costs are within libsodium's limits;
 *   - key_load agrees with it: -EINVAL for what does not parse; for a
 *     random key, 0 only when the check value matches (so only for the
 *     seed's bytes) and -EINVAL otherwise; -ENOKEY for a passphrase file;
 *   - key_needs_passphrase says 1 exactly for passphrase files.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/key.h"
#include "store/key_private.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const unsigned char *p, size_t n, const uint8_t *data, size_t size)
{
    return p >= data && p + n <= data + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct key_file kf;
    struct af_key *key = NULL;
    char path[512];
    int parsed, loaded;

    parsed = key_file_parse(data, size, &kf);
    FUZZ_CHECK(parsed == 0 || parsed == -EINVAL);
    if (parsed == 0) {
        FUZZ_CHECK(inside(kf.check, 32, data, size));
        if (kf.kind == KEY_KIND_RANDOM) {
            FUZZ_CHECK(inside(kf.master, AF_KEY_BYTES, data, size) && !kf.salt);
        } else {
            FUZZ_CHECK(kf.kind == KEY_KIND_PASSPHRASE && !kf.master);
            FUZZ_CHECK(inside(kf.salt, crypto_pwhash_argon2id_SALTBYTES, data, size));
            FUZZ_CHECK(kf.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
                       kf.opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX);
            FUZZ_CHECK(kf.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
                       kf.memlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX);
        }
    }

    fuzz_path(path, sizeof path, "key");
    fuzz_write_file(path, data, size, 0600);
    loaded = key_load(path, NULL, 0, &key);
    if (parsed < 0)
        FUZZ_CHECK(loaded == -EINVAL);
    else if (kf.kind == KEY_KIND_PASSPHRASE)
        FUZZ_CHECK(loaded == -ENOKEY);
    else
        FUZZ_CHECK(loaded == 0 || loaded == -EINVAL);
    FUZZ_CHECK((loaded == 0) == (key != NULL));
    key_free(key);
    FUZZ_CHECK(key_needs_passphrase(path) ==
               (parsed < 0 ? -EINVAL : kf.kind == KEY_KIND_PASSPHRASE));
    return 0;
}
