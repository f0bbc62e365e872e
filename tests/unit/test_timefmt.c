/* test_timefmt.c — unit tests of store/timefmt.c: the dates and durations
 * people type for expiries, and how times are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "store/timefmt.h"

#define NOW ((int64_t)1800000000) /* 2027-01-15T08:00:00Z */

struct time_case {
    const char *text;
    int64_t want;
};

static void test_dates(void **state)
{
    static const struct time_case cases[] = {
        { "2026-12-31", 1798675200 },
        { "2026-12-31T18:00", 1798740000 },
        { "2026-12-31T18:00Z", 1798740000 },
        { "2026-12-31 18:00", 1798740000 },
        { "2026-12-31 18:00:30", 1798740030 },
        { "2026-12-31T18:00:30Z", 1798740030 },
        { "2026-12-31 18:00:30Z", 1798740030 },
        { "2028-02-29", 1835395200 },        /* leap year */
        { "2000-02-29T00:00", 951782400 },   /* divisible by 400: leap */
        { "1970-01-01T00:00:01", 1 },
        { "9999-12-31T23:59:59Z", 253402300799 },
        { "2038-01-19T03:14:08Z", 2147483648 }, /* past 32-bit time_t */
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = -1;

        if (timefmt_parse(cases[i].text, NOW, &got) != 0 || got != cases[i].want)
            fail_msg("%s: got %lld, want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].want);
    }
}

static void test_durations(void **state)
{
    static const struct time_case cases[] = {
        { "90s", NOW + 90 },
        { "1s", NOW + 1 },
        { "90m", NOW + 90 * 60 },
        { "36h", NOW + 36 * 3600 },
        { "30d", NOW + 30 * 86400 },
        { "2w", NOW + 14 * 86400 },
        { "007d", NOW + 7 * 86400 },
        { "1000000w", NOW + 1000000LL * 7 * 86400 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = -1;

        if (timefmt_parse(cases[i].text, NOW, &got) != 0 || got != cases[i].want)
            fail_msg("%s: got %lld, want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].want);
    }
}

static void test_never(void **state)
{
    int64_t got = -1;

    (void)state;
    assert_int_equal(timefmt_parse("never", NOW, &got), 0);
    assert_int_equal(got, 0);
}

static void test_bad_inputs(void **state)
{
    static const char *const bad[] = {
        "", " ", "never ", "Never", "0s", "0d", "-1d", "+1d", "30", "30x", "30dd", "30d ",
        " 30d", "30 d", "3.5h", "1M", "1D", "1y", "d", "s", "1e3s", "0x10s",
        "99999999999999999999s",   /* does not fit 64 bits */
        "9223372036854775807w",    /* fits, but not in seconds */
        "9223372036854775807s",    /* fits in seconds, not added to now */
        "2026-02-30", "2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-01-00",
        "2026-01-32", "2026-04-31", "2026-1-01", "2026-01-1", "26-01-01", "20260101",
        "2026/01/01", "2026-01-01T", "2026-01-01T24:00", "2026-01-01T23:60",
        "2026-01-01T23:59:60", "2026-01-01T1:00", "2026-01-01T10", "2026-01-01T10:00:",
        "2026-01-01T10:00:5", "2026-01-01Z", "2026-01-01T10:00ZZ", "2026-01-01T10:00+01:00",
        "2026-01-01t10:00", "2026-01-01  10:00", "2026-01-01T10:00 ", " 2026-01-01",
        "2026-01-01x", "1969-12-31", "1970-01-01", "1970-01-01T00:00:00Z", "10000-01-01",
        "2026-01-01T10:00:00.5Z", "-2026-01-01",
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t got = 12345;

        if (timefmt_parse(bad[i], NOW, &got) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        if (got != 12345)
            fail_msg("\"%s\" changed the output", bad[i]);
    }
    assert_int_equal(timefmt_parse(NULL, NOW, &(int64_t){ 0 }), -EINVAL);
}

static void test_duration_overflow(void **state)
{
    int64_t got = 0;

    (void)state;
    /* Largest that fits, from a now of 0. */
    assert_int_equal(timefmt_parse("9223372036854775807s", 0, &got), 0);
    assert_true(got == INT64_MAX);
    assert_int_equal(timefmt_parse("9223372036854775807s", 1, &got), -EINVAL);
    assert_int_equal(timefmt_parse("15250284452471w", 0, &got), 0);
    assert_int_equal(timefmt_parse("15250284452472w", 0, &got), -EINVAL);
}

/* Lengths of time alone (the trash's window), and back to text. */
static void test_lengths(void **state)
{
    static const char *const bad[] = {"", "0d", "-1d", "30", "30x", "2026-01-01", "never",
                                      "1M", " 1d", "1d "};
    static const struct {
        const char *text;
        int64_t seconds;
        const char *printed;
    } good[] = {
        {"30d", 30 * 86400, "30d"}, {"2w", 14 * 86400, "2w"}, {"14d", 14 * 86400, "2w"},
        {"36h", 36 * 3600, "36h"},  {"90m", 90 * 60, "90m"},  {"60m", 3600, "1h"},
        {"61s", 61, "61s"},
    };
    char buf[32];
    int64_t got;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(timefmt_parse_duration(good[i].text, &got), 0);
        assert_true(got == good[i].seconds);
        timefmt_print_duration(got, buf, sizeof buf);
        assert_string_equal(buf, good[i].printed);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (timefmt_parse_duration(bad[i], &got) != -EINVAL)
            fail_msg("accepted \"%s\" as a duration", bad[i]);
    assert_int_equal(timefmt_parse_duration(NULL, &got), -EINVAL);
}

static void test_print(void **state)
{
    char buf[32];
    char small[8];
    int64_t back = 0;

    (void)state;
    timefmt_print(0, buf, sizeof buf);
    assert_string_equal(buf, "never");
    timefmt_print(1798740030, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-31T18:00:30Z");
    assert_int_equal(strlen(buf), 20);
    timefmt_print(NOW, buf, 21); /* the documented minimum */
    assert_string_equal(buf, "2027-01-15T08:00:00Z");
    timefmt_print(1, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:01Z");
    /* What is printed parses back to the same time. */
    assert_int_equal(timefmt_parse(buf, NOW, &back), 0);
    assert_int_equal(back, 1);
    timefmt_print(0, buf, sizeof buf);
    assert_int_equal(timefmt_parse(buf, NOW, &back), 0);
    assert_int_equal(back, 0);
    /* A short buffer is cut, still terminated. */
    timefmt_print(NOW, small, sizeof small);
    assert_string_equal(small, "2027-01");
    timefmt_print(NOW, NULL, 0);
    /* A time no calendar holds. */
    timefmt_print(INT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "invalid");
}

/* --since: durations count back from now; dates are as for expiries. */
static void test_since(void **state)
{
    static const struct time_case cases[] = {
        { "2d", NOW - 2 * 86400 },
        { "90m", NOW - 90 * 60 },
        { "1w", NOW - 7 * 86400 },
        { "2026-12-31", 1798675200 },
        { "2026-12-31T18:00:30Z", 1798740030 },
        { "2099-01-01", 4070908800 }, /* the future is a valid date */
    };
    static const char *const bad[] = { "never", "", "2", "-2d", "+2d", "0d", "2 d",
                                       "2D", "2026-13-01", "yesterday" };
    int64_t got = 0;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got = 0;
        if (timefmt_parse_since(cases[i].text, NOW, &got) != 0 || got != cases[i].want)
            fail_msg("'%s' gave %lld", cases[i].text, (long long)got);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        got = 42;
        if (timefmt_parse_since(bad[i], NOW, &got) != -EINVAL || got != 42)
            fail_msg("'%s' was accepted", bad[i]);
    }
    assert_int_equal(timefmt_parse_since(NULL, NOW, &got), -EINVAL);
    /* Back past the epoch is refused, like any time at or before it. */
    assert_int_equal(timefmt_parse_since("1800000000s", NOW, &got), -EINVAL);
    assert_int_equal(timefmt_parse_since("1799999999s", NOW, &got), 0);
    assert_true(got == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_duration_overflow),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_print),
        cmocka_unit_test(test_since),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
