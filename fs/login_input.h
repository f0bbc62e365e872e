/* login_input.h — what rclone's --auth-proxy hands albumfs-link-login on
 * stdin: a JSON object of strings, {"user": TOKEN, "pass": PASSWORD}
 * (other keys, such as "public_key", are skipped). Parsed by login_input.c;
 * fuzzed by tests/fuzz/fuzz_login.c. No state, no locks.
 */
#ifndef ALBUMFS_LOGIN_INPUT_H
#define ALBUMFS_LOGIN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/gateway_proto.h"

#define LOGIN_INPUT_MAX 65536 /* more than any login: refused */

struct login_credentials {
    char user[GATEWAY_USER_MAX + 1];
    char pass[GATEWAY_PASSWORD_MAX + 1];
    bool has_user, has_pass;
};

/* Parse the NUL-terminated text in (at most LOGIN_INPUT_MAX bytes) into
 * *cr (zeroed first): 0, or -1 when it is not one object of strings, a key
 * comes twice, a value holds a NUL or an invalid escape, or "user" or
 * "pass" is longer than a client door's user name or a password. Unescaped values are
 * NUL-terminated. scratch (LOGIN_INPUT_MAX bytes) holds skipped values. */
int login_input_parse(const char *in, struct login_credentials *cr, char *scratch);

#endif
