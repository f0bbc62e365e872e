/* timefmt.h — parsing and printing the times people type and read.
 *
 * Expiries are given as an absolute date ("2026-12-31", "2026-12-31T18:00",
 * "2026-12-31 18:00:00", optionally with "Z") in UTC, or as a duration from
 * now ("90m", "36h", "30d", "2w"). Times print as ISO 8601 UTC. Lengths
 * of time (the trash's window) are durations alone.
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

/* A length of time alone ("90m", "36h", "30d", "2w"; no dates): 0 and
 * *seconds, or -EINVAL. */
int timefmt_parse_duration(const char *text, int64_t *seconds);

/* A length of time as timefmt_parse_duration reads it, in the largest
 * unit that divides it ("30d", "36h", "2w"), into buf. */
void timefmt_print_duration(int64_t seconds, char *buf, size_t len);

/* "2026-11-23T19:30:00Z" into buf (at least 21 bytes); "never" for 0. */
void timefmt_print(int64_t t, char *buf, size_t len);

#endif
