/* fuzz_util.c — helpers shared by the fuzz harnesses (see fuzz_util.h). */
#include "tests/fuzz/fuzz_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[256];

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_scratch(void)
{
    nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_scratch(void)
{
    const char *tmp = getenv("TMPDIR");

    if (scratch[0])
        return scratch;
    snprintf(scratch, sizeof scratch, "%s/albumfs-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(remove_scratch);
    return scratch;
}

void fuzz_path(char *buf, size_t len, const char *name)
{
    if ((size_t)snprintf(buf, len, "%s/%s", fuzz_scratch(), name) >= len) {
        fprintf(stderr, "fuzz: path too long: %s\n", name);
        abort();
    }
}

void fuzz_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    const unsigned char *p = data;
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 || fchmod(fd, mode) < 0) {
        perror(path);
        abort();
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror(path);
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

char *fuzz_string(const uint8_t *data, size_t len)
{
    const uint8_t *nul = memchr(data, '\0', len);
    size_t n = nul ? (size_t)(nul - data) : len;
    char *s = malloc(n + 1);

    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

void fuzz_fields(const uint8_t *data, size_t len, char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *nul = memchr(data, '\0', len);
        size_t used = nul ? (size_t)(nul - data) + 1 : len;

        fields[i] = fuzz_string(data, len);
        data += used;
        len -= used;
    }
}

void fuzz_fields_free(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
}

const struct af_key *fuzz_test_key(void)
{
    static struct af_key *key;
    unsigned char buf[128];
    char path[512];
    size_t len;
    FILE *f;

    if (key)
        return key;
    f = fopen(ALBUMFS_FUZZ_DIR "/data/test.key", "rb");
    if (!f) {
        perror(ALBUMFS_FUZZ_DIR "/data/test.key");
        abort();
    }
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fuzz_path(path, sizeof path, "test.key");
    fuzz_write_file(path, buf, len, 0600);
    if (key_load(path, NULL, 0, &key) != 0) {
        fprintf(stderr, "fuzz: %s does not load\n", ALBUMFS_FUZZ_DIR "/data/test.key");
        abort();
    }
    return key;
}

uint8_t fuzz_pattern_byte(uint64_t i)
{
    /* Knuth's multiplicative hash of the offset: no period below 2^32. */
    return (uint8_t)((uint32_t)(i * 2654435761u) >> 24);
}
