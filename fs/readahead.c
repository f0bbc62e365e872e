/* readahead.c — a larger kernel read-ahead window for this mount.
 *
 * The kernel reads ahead of a sequential reader in windows of the mount's
 * read_ahead_kb (128 KiB by default for FUSE), and a window is one or two
 * requests: one decrypting thread at a time. A window of a few MiB arrives
 * as several 1 MiB requests at once, decrypted on every core (measured in
 * bench/README.md). The window is a property of the mount's backing device
 * (/sys/class/bdi/MAJ:MIN/read_ahead_kb), writable by root only, and the
 * kernel lowers it to what the FUSE INIT reply allowed, so it is raised
 * after INIT (watcher.c). A daemon that may not write it keeps the kernel's
 * default and says so once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/daemon.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo: undo it. */
static void unescape_octal(char *s)
{
    char *out = s;

    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *out++ = *s++;
        }
    }
    *out = '\0';
}

/* "MAJ:MIN" of the newest mount at `path` (mounts stack: the last wins). */
static int mount_device(const char *path, char dev[32])
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char *line = NULL;
    size_t cap = 0;
    int rc = -ENOENT;

    if (!f)
        return -errno;
    while (getline(&line, &cap, f) > 0) {
        char majmin[32], where[PATH_MAX];

        /* id parent MAJ:MIN root mountpoint ... */
        if (sscanf(line, "%*s %*s %31s %*s %4095s", majmin, where) != 2)
            continue;
        unescape_octal(where);
        if (strcmp(where, path) == 0) {
            memcpy(dev, majmin, sizeof majmin);
            rc = 0;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

int readahead_raise(const char *mountpoint, unsigned kib)
{
    char dev[32], sysfs[96], value[16];
    int fd, len, rc;
    ssize_t put;

    rc = mount_device(mountpoint, dev);
    if (rc < 0)
        return rc;
    snprintf(sysfs, sizeof sysfs, "/sys/class/bdi/%s/read_ahead_kb", dev);
    fd = open(sysfs, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    len = snprintf(value, sizeof value, "%u\n", kib);
    put = write(fd, value, (size_t)len);
    rc = put == len ? 0 : put < 0 ? -errno : -EIO;
    close(fd);
    return rc;
}
