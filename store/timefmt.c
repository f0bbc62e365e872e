/* timefmt.c — parsing and printing the times people type and read (expiries).
 *
 * Accepted, all in UTC, nothing before or after:
 *   YYYY-MM-DD                      midnight at the start of that day
 *   YYYY-MM-DDTHH:MM[:SS][Z]        'T' or a space between date and time
 *   N{s,m,h,d,w}                    N > 0 seconds/minutes/hours/days/weeks from now
 *                                   (timefmt_parse_since: that long before now)
 *   never                           0, as timefmt_print writes it (not a "since")
 * Units are lower case only, so that "m" (minutes) is never read as months.
 * A time at or before the epoch is refused: 0 means "never" to the catalog.
 * Pure functions; thread-safe.
 */
#include "store/timefmt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define YEAR_MIN 1970
#define YEAR_MAX 9999

static const struct {
    char unit;
    int64_t seconds;
} units[] = {
    { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
};

/* Read exactly n decimal digits at *p into *out and advance past them. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Advance past c if *p is c. */
static bool literal(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

static int parse_date(const char *p, int64_t *out)
{
    int year, month, day, hour = 0, min = 0, sec = 0;
    struct tm tm = { 0 };
    time_t t;

    if (!digits(&p, 4, &year) || !literal(&p, '-') || !digits(&p, 2, &month) ||
        !literal(&p, '-') || !digits(&p, 2, &day))
        return -EINVAL;
    if (literal(&p, 'T') || literal(&p, ' ')) {
        if (!digits(&p, 2, &hour) || !literal(&p, ':') || !digits(&p, 2, &min))
            return -EINVAL;
        if (literal(&p, ':') && !digits(&p, 2, &sec))
            return -EINVAL;
        (void)literal(&p, 'Z');
    }
    if (*p != '\0')
        return -EINVAL;
    if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 59)
        return -EINVAL;
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t <= 0)
        return -EINVAL;
    *out = t;
    return 0;
}

/* N{unit} counted forward (direction 1) or back (-1) from now. */
static int parse_duration(const char *p, int64_t now, int direction, int64_t *out)
{
    int64_t n = 0, seconds;

    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';

        if (n > (INT64_MAX - d) / 10)
            return -EINVAL;
        n = n * 10 + d;
    }
    if (n == 0 || *p == '\0' || p[1] != '\0')
        return -EINVAL;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (units[i].unit != *p)
            continue;
        if (n > INT64_MAX / units[i].seconds)
            return -EINVAL;
        seconds = n * units[i].seconds;
        if (direction > 0 ? now > INT64_MAX - seconds || now + seconds <= 0
                          : now - seconds <= 0)
            return -EINVAL;
        *out = direction > 0 ? now + seconds : now - seconds;
        return 0;
    }
    return -EINVAL;
}

int timefmt_parse(const char *text, int64_t now, int64_t *out)
{
    if (text == NULL)
        return -EINVAL;
    if (strcmp(text, "never") == 0) {
        *out = 0;
        return 0;
    }
    if (strspn(text, "0123456789") == 4 && text[4] == '-')
        return parse_date(text, out);
    return parse_duration(text, now, 1, out);
}

int timefmt_parse_since(const char *text, int64_t now, int64_t *out)
{
    if (text == NULL || strcmp(text, "never") == 0)
        return -EINVAL;
    if (strspn(text, "0123456789") == 4 && text[4] == '-')
        return parse_date(text, out);
    return parse_duration(text, now, -1, out);
}

int timefmt_parse_duration(const char *text, int64_t *seconds)
{
    if (text == NULL)
        return -EINVAL;
    return parse_duration(text, 0, 1, seconds);
}

void timefmt_print_duration(int64_t seconds, char *buf, size_t len)
{
    size_t i = sizeof units / sizeof units[0];

    if (buf == NULL || len == 0)
        return;
    while (--i > 0 && (seconds == 0 || seconds % units[i].seconds != 0))
        ;
    snprintf(buf, len, "%lld%c", (long long)(seconds / units[i].seconds), units[i].unit);
}

void timefmt_print(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (buf == NULL || len == 0)
        return;
    if (t == 0)
        snprintf(buf, len, "never");
    else if (gmtime_r(&tt, &tm) == NULL)
        snprintf(buf, len, "invalid");
    else
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
