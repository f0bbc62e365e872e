/* sysio.c — the library's writing system calls, and their fault seam
 * (store/sysio.h says how a test drives it). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sysio.h"

enum sysio_op { OP_OPEN, OP_WRITE, OP_PWRITE, OP_FSYNC, OP_RENAME, N_OPS };

#ifdef ALBUMFS_FAULT_INJECTION

static const char *const op_names[N_OPS] = {"open", "write", "pwrite", "fsync", "rename"};

struct fault {
    long nth;        /* the call that fails (1-based); 0: none */
    bool and_later;  /* every call from nth on */
    int err;
};

static struct fault plan[N_OPS];
static atomic_long calls[N_OPS];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char *count_file;
static char *arm_file;    /* ALBUMFS_FAULT_AFTER: calls count once it exists */
static atomic_bool armed; /* it has been seen */

static const struct {
    const char *name;
    int err;
} errnos[] = {{"ENOSPC", ENOSPC}, {"EIO", EIO}, {"EINTR", EINTR}, {"EDQUOT", EDQUOT},
              {"EROFS", EROFS}};

/* One "OP:N[+]:ERRNO" item into plan; false when malformed. */
static bool parse_item(char *item)
{
    char *op = strtok(item, ":"), *nth = strtok(NULL, ":"), *err = strtok(NULL, ":"), *end;
    struct fault f = {0};
    int k;

    if (!op || !nth || !err)
        return false;
    for (k = 0; k < N_OPS && strcmp(op, op_names[k]) != 0; k++)
        ;
    f.nth = strtol(nth, &end, 10);
    f.and_later = *end == '+';
    if (k == N_OPS || f.nth < 1 || (*end && strcmp(end, "+") != 0))
        return false;
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
        if (strcmp(err, errnos[i].name) == 0)
            f.err = errnos[i].err;
    if (!f.err)
        return false;
    plan[k] = f;
    return true;
}

static void write_counts(void)
{
    FILE *f = fopen(count_file, "a");

    if (!f)
        return;
    for (int k = 0; k < N_OPS; k++)
        fprintf(f, "%s %ld\n", op_names[k], atomic_load(&calls[k]));
    fclose(f);
}

/* Whether calls count yet: always, unless ALBUMFS_FAULT_AFTER names a file
 * that does not exist yet (errno kept: a wrapped call's caller reads it). */
static bool counting(void)
{
    int saved = errno;

    if (!arm_file || atomic_load(&armed))
        return true;
    if (access(arm_file, F_OK) == 0)
        atomic_store(&armed, true);
    errno = saved;
    return atomic_load(&armed);
}

/* Whether this call of op is to fail; then errno is set. */
static bool inject(enum sysio_op op)
{
    long n;
    const struct fault *f = &plan[op];

    if (!counting())
        return false;
    n = atomic_fetch_add(&calls[op], 1) + 1;

    if (!f->nth || n < f->nth || (n > f->nth && !f->and_later))
        return false;
    errno = f->err;
    return true;
}

/* SQLite's own calls, counted and failed the same way. */
static sqlite3_syscall_ptr real_open, real_write, real_pwrite, real_pwrite64;

static int fault_sqlite_open(const char *path, int flags, int mode)
{
    if ((flags & (O_WRONLY | O_RDWR | O_CREAT)) && inject(OP_OPEN))
        return -1;
    return ((int (*)(const char *, int, int))real_open)(path, flags, mode);
}

static ssize_t fault_sqlite_write(int fd, const void *buf, size_t len)
{
    if (inject(OP_WRITE))
        return -1;
    return ((ssize_t(*)(int, const void *, size_t))real_write)(fd, buf, len);
}

static ssize_t fault_sqlite_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    if (inject(OP_PWRITE))
        return -1;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite)(fd, buf, len, off);
}

static ssize_t fault_sqlite_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    if (inject(OP_PWRITE))
        return -1;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite64)(fd, buf, len, off);
}

/* Replace SQLite's call `name` with ours, keeping the real one in *real. */
static void hook_sqlite(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr ours,
                        sqlite3_syscall_ptr *real)
{
    sqlite3_syscall_ptr cur = vfs->xGetSystemCall(vfs, name);

    if (!cur)
        return; /* not a call this SQLite build makes */
    *real = cur;
    vfs->xSetSystemCall(vfs, name, ours);
}

static void init_plan(void)
{
    const char *spec = getenv("ALBUMFS_FAULT");
    sqlite3_vfs *vfs;

    arm_file = getenv("ALBUMFS_FAULT_AFTER");
    if (arm_file)
        arm_file = strdup(arm_file);
    count_file = getenv("ALBUMFS_FAULT_COUNT");
    if (count_file) {
        count_file = strdup(count_file);
        if (count_file)
            atexit(write_counts);
    }
    if (spec) {
        char *copy = strdup(spec), *save = NULL;

        for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item;
             item = strtok_r(NULL, ",", &save))
            if (!parse_item(item))
                fprintf(stderr, "albumfs: ALBUMFS_FAULT: ignoring '%s'\n", item);
        free(copy);
    }
    if (!spec && !count_file)
        return;
    vfs = sqlite3_vfs_find("unix");
    if (vfs && vfs->iVersion >= 3) {
        hook_sqlite(vfs, "open", (sqlite3_syscall_ptr)fault_sqlite_open, &real_open);
        hook_sqlite(vfs, "write", (sqlite3_syscall_ptr)fault_sqlite_write, &real_write);
        hook_sqlite(vfs, "pwrite", (sqlite3_syscall_ptr)fault_sqlite_pwrite, &real_pwrite);
        hook_sqlite(vfs, "pwrite64", (sqlite3_syscall_ptr)fault_sqlite_pwrite64, &real_pwrite64);
    }
}

void sysio_init(void)
{
    pthread_once(&init_once, init_plan);
}

#define FAIL_IF_PLANNED(op)                                                                        \
    do {                                                                                           \
        sysio_init();                                                                              \
        if (inject(op))                                                                            \
            return -1;                                                                             \
    } while (0)

#else /* no fault injection: the plain calls */

void sysio_init(void)
{
}

#define FAIL_IF_PLANNED(op) ((void)(op))

#endif

/* The calls below that do one thing at once (open, fsync, rename) are made
 * again when a signal interrupted them (EINTR): an interruption is not a
 * failure, and none of their callers could do better. write and pwrite
 * return to their callers, which loop over short counts and EINTR. */

static int open_once(int dirfd, const char *path, int flags, mode_t mode)
{
    if (flags & (O_WRONLY | O_RDWR | O_CREAT))
        FAIL_IF_PLANNED(OP_OPEN);
    return openat(dirfd, path, flags, mode);
}

static int fsync_once(int fd)
{
    FAIL_IF_PLANNED(OP_FSYNC);
    return fsync(fd);
}

static int rename_once(int fromdir, const char *from, int todir, const char *to)
{
    FAIL_IF_PLANNED(OP_RENAME);
    return renameat(fromdir, from, todir, to);
}

int sysio_open(const char *path, int flags, mode_t mode)
{
    return sysio_openat(AT_FDCWD, path, flags, mode);
}

int sysio_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    int fd;

    while ((fd = open_once(dirfd, path, flags, mode)) < 0 && errno == EINTR)
        ;
    return fd;
}

ssize_t sysio_write(int fd, const void *buf, size_t len)
{
    FAIL_IF_PLANNED(OP_WRITE);
    return write(fd, buf, len);
}

ssize_t sysio_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    FAIL_IF_PLANNED(OP_PWRITE);
    return pwrite(fd, buf, len, off);
}

int sysio_fsync(int fd)
{
    int rc;

    while ((rc = fsync_once(fd)) < 0 && errno == EINTR)
        ;
    return rc;
}

int sysio_rename(const char *from, const char *to)
{
    return sysio_renameat(AT_FDCWD, from, AT_FDCWD, to);
}

int sysio_renameat(int fromdir, const char *from, int todir, const char *to)
{
    int rc;

    while ((rc = rename_once(fromdir, from, todir, to)) < 0 && errno == EINTR)
        ;
    return rc;
}
