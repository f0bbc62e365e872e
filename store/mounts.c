/* mounts.c — the library's register of running daemons (mounts.h).
 *
 * File format, one field a line (the mountpoint last, so that it may hold
 * any byte but NUL; it ends at the end of the file):
 *   pid 1234
 *   started 1764770000
 *   serves owner
 *   mountpoint /home/anna/Albums
 */
#include "store/mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PREFIX "albumfs-"
#define FILE_MAX (PATH_MAX + 256)

/* Whether pid is a live albumfs process. */
static bool albumfs_running(pid_t pid)
{
    char path[64], comm[32] = "";
    FILE *f;

    if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
        return false;
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
    f = fopen(path, "re");
    if (!f)
        return false;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = '\0';
    fclose(f);
    return strncmp(comm, "albumfs", 7) == 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
    char *w = s;

    for (char *r = s; *r; w++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 4;
        } else
            *w = *r++;
    }
    *w = '\0';
}

/* Whether a fuse.albumfs mount is at mountpoint. */
static bool albumfs_mounted(const char *mountpoint)
{
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    FILE *f = fopen("/proc/self/mountinfo", "re");

    if (!f)
        return false;
    while (!found && getline(&line, &cap, f) > 0) {
        /* id parent major:minor root MOUNTPOINT options ... - FSTYPE source ... */
        char *fields[5], *sep = strstr(line, " - "), *save = NULL, *p = line;
        int i;

        if (!sep)
            continue;
        *sep = '\0';
        for (i = 0; i < 5 && (fields[i] = strtok_r(p, " ", &save)); i++)
            p = NULL;
        if (i < 5 || strncmp(sep + 3, "fuse.albumfs ", 13) != 0)
            continue;
        unescape(fields[4]);
        found = strcmp(fields[4], mountpoint) == 0;
    }
    free(line);
    fclose(f);
    return found;
}

/* Parse a register file's text into *e. 0 or -EINVAL. */
static int parse_entry(const char *text, struct mount_entry *e)
{
    const char *serves = strstr(text, "\nserves "), *mp = strstr(text, "\nmountpoint ");
    const char *end;
    long long pid, started;

    memset(e, 0, sizeof *e);
    if (sscanf(text, "pid %lld started %lld", &pid, &started) != 2 || !serves || !mp ||
        mp < serves)
        return -EINVAL;
    serves += strlen("\nserves ");
    mp += strlen("\nmountpoint ");
    end = mp + strlen(mp);
    if (end > mp && end[-1] == '\n')
        end--;
    snprintf(e->serves, sizeof e->serves, "%.*s", (int)(mp - strlen("\nmountpoint ") - serves),
             serves);
    snprintf(e->mountpoint, sizeof e->mountpoint, "%.*s", (int)(end - mp), mp);
    e->pid = (pid_t)pid;
    e->started = (af_time)started;
    return 0;
}

static int read_entry(int dirfd, const char *name, struct mount_entry *e)
{
    char text[FILE_MAX];
    ssize_t got;
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return -errno;
    got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got < 0)
        return -EIO;
    text[got] = '\0';
    return parse_entry(text, e);
}

int mounts_list(const char *libdir, struct mount_entry **rows, size_t *n)
{
    char dir[PATH_MAX];
    struct mount_entry *out = NULL;
    struct dirent *d;
    size_t count = 0;
    DIR *dp;

    *rows = NULL;
    *n = 0;
    if (snprintf(dir, sizeof dir, "%s/" MOUNTS_DIR, libdir) >= (int)sizeof dir)
        return -ENAMETOOLONG;
    dp = opendir(dir);
    if (!dp)
        return errno == ENOENT ? 0 : -errno;
    while ((d = readdir(dp))) {
        struct mount_entry e, *grown;

        if (strncmp(d->d_name, PREFIX, strlen(PREFIX)) != 0 ||
            read_entry(dirfd(dp), d->d_name, &e) < 0)
            continue;
        e.running = albumfs_running(e.pid);
        e.up = e.running && albumfs_mounted(e.mountpoint);
        grown = realloc(out, (count + 1) * sizeof *out);
        if (!grown) {
            free(out);
            closedir(dp);
            return -ENOMEM;
        }
        out = grown;
        out[count++] = e;
    }
    closedir(dp);
    for (size_t i = 1; i < count; i++) /* by pid: a stable order */
        for (size_t j = i; j > 0 && out[j - 1].pid > out[j].pid; j--) {
            struct mount_entry t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    *rows = out;
    *n = count;
    return 0;
}

/* Remove the files of daemons that are gone (killed without a chance to
 * unregister). */
static void remove_stale(const char *dir)
{
    struct dirent *d;
    DIR *dp = opendir(dir);

    if (!dp)
        return;
    while ((d = readdir(dp))) {
        struct mount_entry e;

        if (strncmp(d->d_name, PREFIX, strlen(PREFIX)) == 0 &&
            read_entry(dirfd(dp), d->d_name, &e) == 0 && !albumfs_running(e.pid))
            (void)unlinkat(dirfd(dp), d->d_name, 0);
    }
    closedir(dp);
}

int mounts_register(const char *libdir, uid_t owner_uid, const char *mountpoint,
                    const char *serves, char *path, size_t len)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 16], text[FILE_MAX];
    int fd, n, rc = 0;

    path[0] = '\0';
    if (snprintf(dir, sizeof dir, "%s/" MOUNTS_DIR, libdir) >= (int)sizeof dir)
        return -ENAMETOOLONG;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    if (geteuid() == 0 && owner_uid != 0 && chown(dir, owner_uid, (gid_t)-1) < 0)
        return -errno;
    remove_stale(dir);
    n = snprintf(text, sizeof text, "pid %ld\nstarted %lld\nserves %s\nmountpoint %s\n",
                 (long)getpid(), (long long)time(NULL), serves, mountpoint);
    if (n < 0 || n >= (int)sizeof text ||
        snprintf(tmp, sizeof tmp, "%s/." PREFIX "%ld", dir, (long)getpid()) >= (int)sizeof tmp ||
        snprintf(path, len, "%s/" PREFIX "%ld", dir, (long)getpid()) >= (int)len) {
        path[0] = '\0';
        return -ENAMETOOLONG;
    }
    /* Written whole under a temporary name, then renamed: a reader never
     * sees half a file. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = -errno;
        goto fail;
    }
    if (write(fd, text, (size_t)n) != n)
        rc = -EIO;
    if (rc == 0 && geteuid() == 0 && owner_uid != 0 && fchown(fd, owner_uid, (gid_t)-1) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc == 0)
        return 0;
    (void)unlink(tmp);
fail:
    path[0] = '\0';
    return rc;
}

void mounts_unregister(const char *path)
{
    if (path[0])
        (void)unlink(path);
}
