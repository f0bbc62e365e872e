/* read_latency.c — how long each file of a folder takes to read, as one
 * client of bench/run.sh -t crowd: the files of DIR in an order shuffled by
 * SEED, each opened, read whole and closed, one at a time; prints the
 * microseconds each took, a line per file. Exits 1 if any file cannot be
 * read (the bench then stops: a crowd that meets errors is not measured).
 *
 *   read_latency DIR SEED
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 100000

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Read path whole; 0, or -errno. */
static int read_whole(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ssize_t got;

    if (fd < 0)
        return -errno;
    while ((got = read(fd, buf, len)) > 0)
        ;
    if (got < 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return close(fd) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
    static char *names[MAX_FILES];
    static char buf[1 << 20];
    char path[4096];
    size_t n = 0;
    struct dirent *e;
    DIR *d;

    if (argc != 3) {
        fprintf(stderr, "usage: read_latency DIR SEED\n");
        return 2;
    }
    d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "read_latency: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) && n < MAX_FILES)
        if (e->d_name[0] != '.' && !(names[n++] = strdup(e->d_name)))
            return 1;
    closedir(d);
    srandom((unsigned)strtoul(argv[2], NULL, 10));
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)random() % i;
        char *t = names[i - 1];

        names[i - 1] = names[j];
        names[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        long long t0;
        int rc;

        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        t0 = now_us();
        rc = read_whole(path, buf, sizeof buf);
        if (rc < 0) {
            fprintf(stderr, "read_latency: %s: %s\n", path, strerror(-rc));
            return 1;
        }
        printf("%lld\n", now_us() - t0);
        free(names[i]);
    }
    return 0;
}
