/* lookup_timing.c — the stat() latency of names in one folder
 * (bench/lookup_timing.sh).
 *
 *   lookup_timing DIR NAMES
 *
 * NAMES holds one file name a line. For each, in that order, one
 * fstatat() relative to DIR (opened once, so only the last component is
 * looked up), timed with CLOCK_MONOTONIC; printed as
 * "NAME<TAB>NANOSECONDS<TAB>RESULT", RESULT being "ok" or the errno number.
 * Exit status 0, or 1 when DIR or NAMES cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long ns_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv)
{
    char line[1024];
    FILE *names;
    int dir, rc = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: lookup_timing DIR NAMES\n");
        return 1;
    }
    dir = open(argv[1], O_RDONLY | O_DIRECTORY);
    if (dir < 0) {
        fprintf(stderr, "lookup_timing: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    names = fopen(argv[2], "r");
    if (!names) {
        fprintf(stderr, "lookup_timing: %s: %s\n", argv[2], strerror(errno));
        rc = 1;
        goto out;
    }
    while (fgets(line, sizeof line, names)) {
        struct timespec t0, t1;
        struct stat st;
        int err;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0')
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = fstatat(dir, line, &st, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (err)
            printf("%s\t%lld\t%d\n", line, ns_between(&t0, &t1), err);
        else
            printf("%s\t%lld\tok\n", line, ns_between(&t0, &t1));
    }
    fclose(names);
out:
    close(dir);
    return rc;
}
