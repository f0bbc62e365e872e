/* links.c — share-link tokens and passwords (see links.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/links.h"
#include "store/notify.h"

#define TOKEN_BYTES 32
#define FAILURE_WINDOW_SECONDS (15 * 60)
#define FAILURE_DELAY_CAP_MS 8000
#define FAILURES_TO_NOTIFY 5 /* within the window: the owner hears of it, once */

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

void links_new_token(char *buf, size_t len)
{
    unsigned char raw[TOKEN_BYTES];
    unsigned bits = 0, acc = 0;
    size_t k = 0;

    if (len < LINK_TOKEN_CHARS + 1) {
        if (len)
            buf[0] = '\0';
        return;
    }
    randombytes_buf(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            buf[k++] = base32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        buf[k++] = base32[(acc << (5 - bits)) & 31];
    buf[k] = '\0';
    sodium_memzero(raw, sizeof raw);
}

static int token_well_formed(const char *token)
{
    size_t n = strlen(token);

    if (n != LINK_TOKEN_CHARS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr(base32, token[i]) || token[i] == '\0')
            return 0;
    return 1;
}

int links_hash_password(const char *password, char out[CAT_PWHASH_MAX])
{
    size_t n = strlen(password);

    if (n < LINK_PASSWORD_MIN || n > LINK_PASSWORD_MAX)
        return -EINVAL;
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -ENOMEM;
    return 0;
}

int links_read_password_file(const char *path, char **out)
{
    FILE *f;
    char *buf;
    size_t n;
    int rc = 0;

    *out = NULL;
    f = fopen(path, "re");
    if (!f)
        return -errno;
    buf = sodium_malloc(LINK_PASSWORD_MAX + 2);
    if (!buf) {
        fclose(f);
        return -ENOMEM;
    }
    n = fread(buf, 1, LINK_PASSWORD_MAX + 1, f);
    if (ferror(f))
        rc = -EIO;
    else if (n > LINK_PASSWORD_MAX)
        rc = -E2BIG;
    fclose(f);
    if (rc < 0) {
        sodium_free(buf);
        return rc;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    *out = buf;
    return 0;
}

void links_password_free(char *password)
{
    sodium_free(password); /* zeroes the memory */
}

/* Sleep longer for each recent failure on this link: 0.25 s, 0.5 s, 1 s, ... */
static void slow_down(int64_t recent_failures)
{
    long ms = 250;
    struct timespec ts;

    for (int64_t i = 1; i < recent_failures && ms < FAILURE_DELAY_CAP_MS; i++)
        ms *= 2;
    if (ms > FAILURE_DELAY_CAP_MS)
        ms = FAILURE_DELAY_CAP_MS;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

int links_resolve(struct af_library *lib, const char *token, const char *password,
                  struct cat_link *out)
{
    unsigned char hash[CAT_TOKEN_HASH_BYTES];
    char detail[40];
    int64_t recent = 0;
    int rc;

    if (!token || !token_well_formed(token))
        return -ENOENT;
    library_token_hash(lib, token, hash);
    rc = catalog_link_by_token_hash(lib->catalog, hash, out);
    if (rc < 0)
        return rc;
    if (!out->has_password)
        return 0;
    if (!password)
        return -EACCES; /* asked for, not guessed: nothing to slow down */
    if (crypto_pwhash_str_verify(out->password_hash, password, strlen(password)) == 0)
        return 0;
    snprintf(detail, sizeof detail, "link:%lld", (long long)out->id);
    if (catalog_activity_count(lib->catalog, "link-password-wrong", detail,
                               (af_time)time(NULL) - FAILURE_WINDOW_SECONDS, &recent) < 0)
        recent = 0;
    /* Logged before the delay so parallel guessers all pay for each other. */
    (void)catalog_activity_add(lib->catalog, "link-password-wrong", detail, 0, out->album_id, 0,
                               detail);
    if (recent + 1 >= FAILURES_TO_NOTIFY &&
        catalog_milestone(lib->catalog, detail, out->album_id, "wrong-passwords") == 1) {
        struct cat_album album;
        char line[96];

        snprintf(line, sizeof line, "%lld wrong passwords in %d minutes",
                 (long long)(recent + 1), FAILURE_WINDOW_SECONDS / 60);
        if (catalog_album_by_id(lib->catalog, out->album_id, &album) == 0)
            (void)notify_milestone(lib->catalog, NOTIFY_WRONG_PASSWORDS, album.name, detail, line);
    }
    slow_down(recent + 1);
    return -EACCES;
}
