/* fuzz_timefmt.c — libFuzzer harness for store/timefmt.c: the dates and
 * durations people type (expiries, --since).
 *
 * Input: 8 bytes of "now" (little-endian; clamped to 1970..9999 as a clock
 * may be), then the text (up to its first NUL). Invariants:
 *   - timefmt_parse gives 0 or -EINVAL; on 0 the time is after the epoch,
 *     or 0 for exactly "never"; on -EINVAL *out is untouched;
 *   - a date means the same whatever "now" is, and prints back to a text
 *     that parses to the same time (round trip);
 *   - a duration read forward (timefmt_parse) and back
 *     (timefmt_parse_since) lies the same distance either side of now;
 *   - timefmt_print of any 64-bit time writes a terminated string into 21
 *     bytes, and every time it prints as a date parses back to itself.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TIME_MAX 253402300799 /* 9999-12-31T23:59:59Z */
#define UNTOUCHED INT64_MIN

static int64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static bool is_date(const char *text)
{
    return strspn(text, "0123456789") == 4 && text[4] == '-';
}

/* Print t and parse it back: the same time, for every time in range. */
static void check_print(int64_t t)
{
    char buf[21];
    int64_t back = UNTOUCHED;

    memset(buf, 'x', sizeof buf);
    timefmt_print(t, buf, sizeof buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof buf));
    if (t > 0 && t <= TIME_MAX) {
        FUZZ_CHECK(timefmt_parse(buf, 0, &back) == 0 && back == t);
        back = UNTOUCHED;
        FUZZ_CHECK(timefmt_parse_since(buf, 0, &back) == 0 && back == t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t now, fwd = UNTOUCHED, back = UNTOUCHED, other = UNTOUCHED;
    int rc_fwd, rc_back;
    char *text;

    if (size < 8)
        return 0;
    now = load_le64(data);
    check_print(now);
    now = now < 1 ? 1 : now > TIME_MAX ? TIME_MAX : now;
    text = fuzz_string(data + 8, size - 8);

    rc_fwd = timefmt_parse(text, now, &fwd);
    rc_back = timefmt_parse_since(text, now, &back);
    FUZZ_CHECK(rc_fwd == 0 || (rc_fwd == -EINVAL && fwd == UNTOUCHED));
    FUZZ_CHECK(rc_back == 0 || (rc_back == -EINVAL && back == UNTOUCHED));
    if (strcmp(text, "never") == 0) {
        FUZZ_CHECK(rc_fwd == 0 && fwd == 0 && rc_back == -EINVAL);
    } else if (is_date(text)) {
        FUZZ_CHECK(rc_fwd == rc_back && (rc_fwd < 0 || (fwd == back && fwd > 0)));
        FUZZ_CHECK(timefmt_parse(text, now / 2 + 1, &other) == rc_fwd &&
                   (rc_fwd < 0 || other == fwd));
        if (rc_fwd == 0)
            check_print(fwd);
    } else {
        FUZZ_CHECK(rc_fwd < 0 || fwd > now);
        FUZZ_CHECK(rc_back < 0 || (back < now && back > 0));
        if (rc_fwd == 0 && rc_back == 0)
            FUZZ_CHECK(fwd - now == now - back);
    }
    free(text);
    return 0;
}
