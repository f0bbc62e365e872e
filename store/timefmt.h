/* timefmt.h — parsing and printing the times people type and read.
 *
 * Expiries are given as an absolute date ("2026-12-31", "2026-12-31T18:00",
 * "2026-12-31 18:00:00", optionally with "Z") in UTC, or as a duration from
 * now ("90m", "36h", "30d", "2w"). Times print as ISO 8601 UTC.
 */
#ifndef ALBUMFS_TIMEFMT_H
#define ALBUMFS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Parse `text` relative to `now`. 0 and *out, or -EINVAL. */
int timefmt_parse(const char *text, int64_t now, int64_t *out);

/* A point in the past for filters ("--since"): a date as timefmt_parse
 * reads it, or a duration counted back from `now` ("2d": two days ago).
 * "never" and times at or before the epoch are refused. 0 and *out, or
 * -EINVAL (*out unchanged). */
int timefmt_parse_since(const char *text, int64_t now, int64_t *out);

/* "2026-11-23T19:30:00Z" into buf (at least 21 bytes); "never" for 0. */
void timefmt_print(int64_t t, char *buf, size_t len);

#endif
