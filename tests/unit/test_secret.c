/* test_secret.c — unit tests for store/secret.c (secrets sealed in
 * settings) and the checks of store/mail_smtp.c (an SMTP server's
 * settings): a sealed secret opens under its key and setting name only,
 * tampering is detected, the format is the one docs/vault.md gives; host,
 * port, security and user/password combinations are refused as documented.
 * Keys are made in a fresh mkdtemp directory, removed afterwards.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/key.h"
#include "store/mail_smtp.h"
#include "store/secret.h"

#define NAME "notify.smtp.password"

struct fixture {
    char dir[64];
    struct af_key *a, *b; /* two libraries' keys */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char path[128];

    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/albumfs-secret-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(path, sizeof path, "%s/a", f->dir);
    if (key_create(path, NULL, 0, &f->a) != 0)
        return -1;
    unlink(path);
    snprintf(path, sizeof path, "%s/b", f->dir);
    if (key_create(path, NULL, 0, &f->b) != 0)
        return -1;
    unlink(path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = rmdir(f->dir);

    key_free(f->a);
    key_free(f->b);
    free(f);
    return rc;
}

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    char *sealed = NULL, *again = NULL, *plain = NULL;

    assert_int_equal(secret_seal(f->a, NAME, "app password", &sealed), 0);
    assert_int_equal(strncmp(sealed, "s1:", 3), 0);
    assert_null(strstr(sealed, "app password"));
    assert_true(strlen(sealed) <= SECRET_SEALED_MAX);
    assert_int_equal(secret_open(f->a, NAME, sealed, &plain), 0);
    assert_string_equal(plain, "app password");
    secret_free(plain);
    /* a fresh nonce every time */
    assert_int_equal(secret_seal(f->a, NAME, "app password", &again), 0);
    assert_string_not_equal(sealed, again);
    free(again);
    free(sealed);
}

static void test_refusals(void **state)
{
    struct fixture *f = *state;
    char *sealed = NULL, *plain = (char *)"unset", *big = malloc(SECRET_MAX + 2);

    assert_int_equal(secret_seal(f->a, NAME, "app password", &sealed), 0);
    /* another library's key, another setting */
    assert_int_equal(secret_open(f->b, NAME, sealed, &plain), -EBADMSG);
    assert_null(plain);
    assert_int_equal(secret_open(f->a, "notify.smtp.user", sealed, &plain), -EBADMSG);
    /* one character changed */
    sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
    assert_int_equal(secret_open(f->a, NAME, sealed, &plain), -EBADMSG);
    /* not sealed at all, cut short, too long */
    assert_int_equal(secret_open(f->a, NAME, "app password", &plain), -EINVAL);
    assert_int_equal(secret_open(f->a, NAME, "s1:", &plain), -EINVAL);
    assert_int_equal(secret_open(f->a, NAME, "s1:!!!!", &plain), -EINVAL);
    memset(big, 'x', SECRET_MAX + 1);
    big[SECRET_MAX + 1] = '\0';
    free(sealed);
    assert_int_equal(secret_seal(f->a, NAME, big, &sealed), -E2BIG);
    assert_null(sealed);
    big[SECRET_MAX] = '\0';
    assert_int_equal(secret_seal(f->a, NAME, big, &sealed), 0);
    assert_int_equal(secret_open(f->a, NAME, sealed, &plain), 0);
    assert_int_equal(strlen(plain), SECRET_MAX);
    secret_free(plain);
    free(sealed);
    free(big);
}

/* docs/vault.md: "s1:" + base64url(nonce || XChaCha20-Poly1305(secret,
 * ad = name, key = subkey 8)), opened here with libsodium alone. */
static void test_documented_format(void **state)
{
    struct fixture *f = *state;
    unsigned char k[AF_KEY_BYTES], box[256], out[64];
    unsigned long long n_out;
    char *sealed = NULL;
    size_t n;

    assert_int_equal(secret_seal(f->a, NAME, "pw", &sealed), 0);
    assert_int_equal(sodium_base642bin(box, sizeof box, sealed + 3, strlen(sealed + 3), NULL, &n,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    key_derive(f->a, AF_SUBKEY_SECRETS, k);
    assert_int_equal(AF_SUBKEY_SECRETS, 8);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                         out, &n_out, NULL, box + 24, n - 24, (const unsigned char *)NAME,
                         strlen(NAME), box, k),
                     0);
    assert_int_equal(n_out, 2);
    assert_memory_equal(out, "pw", 2);
    free(sealed);
}

static int parse(const char *host, const char *port, const char *security, const char *user,
                 const char *ca, bool pw, struct smtp_server *s)
{
    const char *why = NULL;
    int rc = smtp_server_parse(host, port, security, user, ca, pw, s, &why);

    if (rc != 0)
        assert_non_null(why);
    return rc;
}

static void test_smtp_settings(void **state)
{
    struct smtp_server s;

    (void)state;
    assert_int_equal(parse("smtp.example.com", NULL, NULL, NULL, NULL, false, &s), 0);
    assert_int_equal(s.port, 587);
    assert_int_equal(s.security, SMTP_STARTTLS);
    assert_int_equal(parse("smtp.example.com", "", "tls", "", "", false, &s), 0);
    assert_int_equal(s.port, 465);
    assert_int_equal(parse("127.0.0.1", "2525", "none", "u", "/etc/ssl/ca.pem", true, &s), 0);
    assert_int_equal(s.port, 2525);
    assert_string_equal(s.user, "u");
    assert_int_equal(parse("::1", NULL, "none", NULL, NULL, false, &s), 0);
    assert_int_equal(parse("LOCALHOST", NULL, "none", NULL, NULL, false, &s), 0);
    assert_int_equal(parse("2001:db8::1", NULL, NULL, NULL, NULL, false, &s), 0);

    assert_int_equal(parse(NULL, NULL, NULL, NULL, NULL, false, &s), -ENOENT);
    assert_int_equal(parse("", "25", NULL, NULL, NULL, false, &s), -ENOENT);
    static const char *const bad_hosts[] = {
        "bad host", "-a.example", "a-.example", "a..example", "a.example.", ".a", "a_b.example",
        "smtp.example.com\r\nRCPT TO:<x@y.z>", "[::1]", "h\xc3\xa9.example",
    };
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++)
        assert_int_equal(parse(bad_hosts[i], NULL, NULL, NULL, NULL, false, &s), -EINVAL);
    static const char *const bad_ports[] = {"0", "65536", "-1", "+25", " 25", "25 ", "x", "1e3"};
    for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++)
        assert_int_equal(parse("smtp.example.com", bad_ports[i], NULL, NULL, NULL, false, &s),
                         -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, "ssl", NULL, NULL, false, &s), -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, "none", NULL, NULL, false, &s), -EINVAL);
    assert_int_equal(parse("10.0.0.1", NULL, "none", NULL, NULL, false, &s), -EINVAL);
    assert_int_equal(parse("128.0.0.1", NULL, "none", NULL, NULL, false, &s), -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, NULL, "u", NULL, false, &s), -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, NULL, NULL, NULL, true, &s), -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, NULL, "u\nv", NULL, true, &s), -EINVAL);
    assert_int_equal(parse("smtp.example.com", NULL, NULL, NULL, "ca.pem", false, &s), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documented_format, setup, teardown),
        cmocka_unit_test(test_smtp_settings),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
