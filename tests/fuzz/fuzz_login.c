/* fuzz_login.c — libFuzzer harness for what rclone's --auth-proxy hands
 * albumfs-link-login on stdin (fs/login_input.c): a JSON object holding a
 * share link's token and password, from whoever logs in over WebDAV.
 *
 * Input: the text (cut at its first NUL, at most LOGIN_INPUT_MAX - 1
 * bytes, as the program reads it). Invariants:
 *   - the parser never reads or writes out of bounds (ASan);
 *   - on success "user" and "pass", when present, are NUL-terminated
 *     within their buffers and hold no NUL before that (strlen < size);
 *   - a text that parses parses again the same way (no hidden state);
 *   - on failure nothing is promised but a zeroed or partly filled *cr.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/login_input.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[LOGIN_INPUT_MAX], scratch[LOGIN_INPUT_MAX];
    static struct login_credentials a, b;
    size_t n = size < LOGIN_INPUT_MAX - 1 ? size : LOGIN_INPUT_MAX - 1;

    memcpy(text, data, n);
    text[n] = '\0';
    if (login_input_parse(text, &a, scratch) < 0)
        return 0;
    FUZZ_CHECK(strnlen(a.user, sizeof a.user) < sizeof a.user);
    FUZZ_CHECK(strnlen(a.pass, sizeof a.pass) < sizeof a.pass);
    FUZZ_CHECK(a.has_user || a.user[0] == '\0');
    FUZZ_CHECK(a.has_pass || a.pass[0] == '\0');
    FUZZ_CHECK(login_input_parse(text, &b, scratch) == 0);
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    return 0;
}
