/* fuzz_links.c — libFuzzer harness for the secrets people hand albumfs in
 * files and on the command line: link tokens (--link, --link-file) and link
 * passwords (--password-file) in store/links.c, confirmation codes
 * (--code-file, as typed) in store/claims.c.
 *
 * Input: the bytes of a file, written with mode 0600 and read as a token
 * file, a password file and a code file; the first line of the input is
 * also checked as a typed token and a typed code. Invariants:
 *   - a token read is its file's first line without the blanks around it:
 *     non-empty, no newline, shorter than the buffer; "" on every failure
 *     (-EINVAL empty, -E2BIG too long);
 *   - a password read is the file's first line without its line end: no
 *     CR or LF, at most LINK_PASSWORD_MAX bytes; a longer file is -E2BIG;
 *   - a code read holds no CR or LF, at most CLAIM_CODE_FILE_MAX bytes, and
 *     more than blanks and dashes (-ENODATA otherwise);
 *   - a well-formed token is exactly 52 characters of lowercase base32;
 *   - claims_code_normalise leaves a string in out, and says yes only for
 *     exactly CLAIM_CODE_CHARS characters of the code alphabet.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/claims.h"
#include "store/links.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

static bool all_in(const char *s, const char *set)
{
    return s[strspn(s, set)] == '\0';
}

static void check_typed(const char *text)
{
    char out[CLAIM_CODE_CHARS + 1];
    bool code;

    if (links_token_well_formed(text))
        FUZZ_CHECK(strlen(text) == LINK_TOKEN_CHARS && all_in(text, alphabet));
    memset(out, 0xaa, sizeof out);
    code = claims_code_normalise(text, out);
    FUZZ_CHECK(memchr(out, '\0', sizeof out));
    if (code)
        FUZZ_CHECK(strlen(out) == CLAIM_CODE_CHARS && all_in(out, alphabet));
}

static void check_token_file(const char *path, const char *first_line)
{
    char token[LINK_TOKEN_CHARS + 2];
    int rc;

    memset(token, 'x', sizeof token);
    rc = links_read_token_file(path, token, sizeof token);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    if (rc < 0) {
        FUZZ_CHECK(token[0] == '\0');
        return;
    }
    FUZZ_CHECK(token[0] && strlen(token) < sizeof token && !strchr(token, '\n'));
    FUZZ_CHECK(!strchr(" \t", token[0]) && !strchr(" \t\r", token[strlen(token) - 1]));
    FUZZ_CHECK(strstr(first_line, token));
    check_typed(token);
}

static void check_password_file(const char *path, const char *text, size_t size)
{
    char *password = NULL;
    int rc = links_read_password_file(path, &password);

    FUZZ_CHECK(rc == 0 || rc == -E2BIG);
    FUZZ_CHECK((rc == 0) == (size <= LINK_PASSWORD_MAX));
    if (rc < 0) {
        FUZZ_CHECK(password == NULL);
        return;
    }
    FUZZ_CHECK(strlen(password) <= LINK_PASSWORD_MAX && !strpbrk(password, "\r\n"));
    FUZZ_CHECK(strncmp(password, text, strlen(password)) == 0);
    links_password_free(password);
}

static void check_code_file(const char *path)
{
    char code[CLAIM_CODE_FILE_MAX + 1];
    int rc;

    memset(code, 'x', sizeof code);
    rc = claims_read_code_file(path, code);
    FUZZ_CHECK(rc == 0 || rc == -ENODATA);
    FUZZ_CHECK(memchr(code, '\0', sizeof code));
    FUZZ_CHECK(!strpbrk(code, "\r\n"));
    FUZZ_CHECK((rc == 0) == (code[strspn(code, " \t-")] != '\0'));
    check_typed(code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char path[512];

    fuzz_path(path, sizeof path, "secret");
    fuzz_write_file(path, data, size, 0600);
    text[strcspn(text, "\n")] = '\0';
    check_typed(text);
    check_token_file(path, text);
    check_password_file(path, text, size);
    check_code_file(path);
    free(text);
    return 0;
}
