/* fuzz_names.c — libFuzzer harness for policy/names.c: the names and
 * e-mail addresses people type, junk-file names, and view-name candidates.
 *
 * Input: one name (up to its first NUL); the byte after the NUL, if any,
 * picks document-or-photo and the candidate number k. Invariants:
 *   - names_check accepts exactly the names that are 1..255 bytes of valid
 *     UTF-8 (as GLib decodes it) with no '/', no control character (C0,
 *     DEL, C1), not "." or "..", and not starting or ending with a space
 *     (Unicode Zs, U+2028, U+2029, U+FEFF); a refusal gives -EINVAL or
 *     -ENAMETOOLONG and a reason;
 *   - an accepted address is ≤ 254 bytes with one '@', at most 64 bytes
 *     before it, a '.' after it, no space or control character;
 *   - every view candidate of an accepted name passes names_check, and is
 *     the name itself for k = 1 when the name is kept (a document, a JPEG);
 *     otherwise it ends in ".jpg" (photos) or the document's extension.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "policy/names.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_control(const char *s)
{
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
            return true;
    }
    return false;
}

static bool is_space_char(gunichar c)
{
    return g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR || c == 0x2028 || c == 0x2029 ||
           c == 0xfeff;
}

/* The rules of names.h, decided with GLib's UTF-8 decoder rather than
 * names.c's own. */
static bool follows_rules(const char *name)
{
    size_t len = strlen(name);

    return len >= 1 && len <= AF_NAME_MAX && g_utf8_validate(name, -1, NULL) &&
           !strchr(name, '/') && !has_control(name) && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0 && !is_space_char(g_utf8_get_char(name)) &&
           !is_space_char(g_utf8_get_char(g_utf8_prev_char(name + len)));
}

static void check_name(const char *name)
{
    const char *why = NULL;
    int rc = names_check(name, &why);

    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG);
    FUZZ_CHECK((rc == 0) == (why == NULL));
    FUZZ_CHECK(names_check(name, NULL) == rc);
    FUZZ_CHECK((rc == 0) == follows_rules(name)); /* nothing wrongly accepted or refused */
    FUZZ_CHECK(rc != -ENAMETOOLONG || strlen(name) > AF_NAME_MAX);
}

static void check_email(const char *email)
{
    const char *why = NULL, *at;
    int rc = names_check_email(email, &why);

    FUZZ_CHECK(rc == 0 || rc == -EINVAL);
    FUZZ_CHECK((rc == 0) == (why == NULL));
    if (rc < 0)
        return;
    at = strchr(email, '@');
    FUZZ_CHECK(strlen(email) <= AF_EMAIL_MAX);
    FUZZ_CHECK(at && at > email && at - email <= 64 && !strchr(at + 1, '@'));
    FUZZ_CHECK(strchr(at + 1, '.'));
    FUZZ_CHECK(g_utf8_validate(email, -1, NULL));
    FUZZ_CHECK(!has_control(email) && !strchr(email, ' '));
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return n >= t && strcmp(s + n - t, tail) == 0;
}

static void check_candidate(const char *name, bool is_document, unsigned k)
{
    char buf[AF_NAME_MAX + 1], again[AF_NAME_MAX + 1];
    const char *dot = strrchr(name, '.');
    bool jpeg = dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);

    FUZZ_CHECK(names_view_candidate(name, is_document, 0, buf) == -EINVAL);
    FUZZ_CHECK(names_view_candidate(name, is_document, k, buf) == 0);
    FUZZ_CHECK(names_check(buf, NULL) == 0);
    FUZZ_CHECK(names_view_candidate(name, is_document, k, again) == 0 && strcmp(buf, again) == 0);
    if (k == 1 && (is_document || jpeg))
        FUZZ_CHECK(strcmp(buf, name) == 0);
    else if (!is_document && !jpeg)
        FUZZ_CHECK(ends_with(buf, ".jpg"));
    if (k > 1) {
        char number[16];

        snprintf(number, sizeof number, " (%u)", k);
        FUZZ_CHECK(strstr(buf, number));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = fuzz_string(data, size);
    size_t used = strlen(name) + 1;
    uint8_t pick = used < size ? data[used] : 0;

    check_name(name);
    check_email(name);
    (void)names_is_junk(name);
    if (names_check(name, NULL) == 0)
        check_candidate(name, pick & 1, pick == 0xff ? UINT_MAX : 1 + (pick >> 1) * 41u);
    free(name);
    return 0;
}
