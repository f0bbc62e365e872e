/* sysio.h — the system calls through which the library writes, and the
 * seam where tests make them fail.
 *
 * Every write that must be durable — vault blobs, the key file, the
 * catalog (SQLite's own calls, through its VFS's system-call table),
 * backup repositories — goes through these wrappers, after SQLite's
 * aSyscall[] design. In a build configured with -DALBUMFS_FAULT_INJECTION=ON
 * the environment variable ALBUMFS_FAULT makes chosen calls fail:
 *
 *   ALBUMFS_FAULT=OP:N:ERRNO[,OP:N:ERRNO...]
 *     OP     open | write | pwrite | fsync | rename
 *     N      the Nth call of OP in the process fails (1 = the first);
 *            "N+" fails the Nth and every later one (a disk that stays full)
 *     ERRNO  ENOSPC | EIO | EINTR | EDQUOT | EROFS
 *   ALBUMFS_FAULT_COUNT=FILE  at exit, append "OP COUNT" lines: how many
 *                             calls of each OP the process made (so a test
 *                             knows how far to sweep N)
 *   ALBUMFS_FAULT_AFTER=FILE  count (and fail) only the calls made once FILE
 *                             exists (an absolute path): a test creates it
 *                             when a daemon is up, so that N counts from
 *                             there and not from the calls of mounting
 *
 * "open" counts only opens that create or write (O_WRONLY, O_RDWR,
 * O_CREAT). Builds without the option compile the wrappers to the plain
 * calls and ignore the variables. docs/security.md says how tests use it.
 *
 * Threading: the counters are atomic; the plan is read once, before any
 * wrapped call can race (sysio_init, called from library_open and
 * library_init, and again harmlessly by the first wrapped call).
 */
#ifndef ALBUMFS_SYSIO_H
#define ALBUMFS_SYSIO_H

#include <sys/types.h>

/* Read ALBUMFS_FAULT once and hook SQLite's unix VFS (idempotent). */
void sysio_init(void);

/* open, fsync and rename are made again when interrupted (EINTR); write
 * and pwrite are not (their callers loop over short counts and EINTR). */
int sysio_open(const char *path, int flags, mode_t mode);
int sysio_openat(int dirfd, const char *path, int flags, mode_t mode);
ssize_t sysio_write(int fd, const void *buf, size_t len);
ssize_t sysio_pwrite(int fd, const void *buf, size_t len, off_t off);
int sysio_fsync(int fd);
int sysio_rename(const char *from, const char *to);
int sysio_renameat(int fromdir, const char *from, int todir, const char *to);

#endif
