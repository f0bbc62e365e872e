/* secret.c — sealing and opening secrets kept in catalog settings
 * (secret.h): XChaCha20-Poly1305 under subkey AF_SUBKEY_SECRETS, the
 * setting's name as additional data, text as "s1:" + base64.
 * Threading: no state. Owns: nothing beyond what each call returns.
 */
#include "store/secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define PREFIX "s1:"
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define SEALED_MAX (NONCE_BYTES + SECRET_MAX + TAG_BYTES)

int secret_seal(const struct af_key *key, const char *name, const char *plain, char **sealed)
{
    unsigned char k[AF_KEY_BYTES], box[SEALED_MAX];
    size_t len = strlen(plain), b64_len;
    unsigned long long clen;
    char *text;

    *sealed = NULL;
    if (len > SECRET_MAX)
        return -E2BIG;
    b64_len = sodium_base64_ENCODED_LEN(NONCE_BYTES + len + TAG_BYTES, B64);
    text = malloc(strlen(PREFIX) + b64_len);
    if (!text)
        return -ENOMEM;
    key_derive(key, AF_SUBKEY_SECRETS, k);
    randombytes_buf(box, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE_BYTES, &clen,
                                               (const unsigned char *)plain, len,
                                               (const unsigned char *)name, strlen(name), NULL,
                                               box, k);
    sodium_memzero(k, sizeof k);
    memcpy(text, PREFIX, strlen(PREFIX));
    sodium_bin2base64(text + strlen(PREFIX), b64_len, box, NONCE_BYTES + (size_t)clen, B64);
    *sealed = text;
    return 0;
}

int secret_open(const struct af_key *key, const char *name, const char *sealed, char **plain)
{
    unsigned char k[AF_KEY_BYTES], box[SEALED_MAX];
    const char *b64 = sealed + strlen(PREFIX);
    unsigned long long mlen;
    size_t n;
    char *out;
    int rc;

    *plain = NULL;
    if (strncmp(sealed, PREFIX, strlen(PREFIX)) != 0 ||
        sodium_base642bin(box, sizeof box, b64, strlen(b64), NULL, &n, NULL, B64) != 0 ||
        n < NONCE_BYTES + TAG_BYTES)
        return -EINVAL;
    out = sodium_malloc(n - NONCE_BYTES - TAG_BYTES + 1);
    if (!out)
        return -ENOMEM;
    key_derive(key, AF_SUBKEY_SECRETS, k);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL,
                                                    box + NONCE_BYTES, n - NONCE_BYTES,
                                                    (const unsigned char *)name, strlen(name),
                                                    box, k);
    sodium_memzero(k, sizeof k);
    if (rc != 0) {
        sodium_free(out);
        return -EBADMSG;
    }
    out[mlen] = '\0';
    if (strlen(out) != (size_t)mlen) { /* a NUL inside: not one of ours */
        sodium_free(out);
        return -EINVAL;
    }
    *plain = out;
    return 0;
}

void secret_free(char *plain)
{
    if (plain)
        sodium_free(plain); /* wipes before releasing */
}
