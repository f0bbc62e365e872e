/* io_private.h — whole reads and writes at an offset, retried on EINTR and
 * short counts.
 *
 * Private to store/: the vault and the staging files read and write their
 * records with these (writes through store/sysio.h, the fault seam). No state; thread-safe as pread/pwrite.
 */
#ifndef ALBUMFS_IO_PRIVATE_H
#define ALBUMFS_IO_PRIVATE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "store/sysio.h"

/* pread until len bytes or EOF: the byte count, or negative errno. */
static inline ssize_t io_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (unsigned char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* pwrite all len bytes: 0, or negative errno. */
static inline int io_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = sysio_pwrite(fd, (const unsigned char *)buf + done, len - done,
                                 (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}

#endif
