/* detach.c — going into the background, the way people start albumfs.
 *
 * `albumfs MOUNTPOINT ...` without -f (the README, fstab, `mount -t
 * fuse.albumfs`, the invitation) returns once the mount is ready, with
 * status 0; or, when the daemon cannot start, with its failure status and
 * its reason already printed on stderr.
 *
 * The fork comes FIRST, before anything is opened: SQLite's POSIX record
 * locks, mlock'd key memory and threads do not cross fork(), and a daemon
 * that opened its catalog before forking holds no locks on it (another
 * process then checkpoints and deletes the -wal and -shm files under it:
 * lost writes and a corrupt catalog). So the parent opens nothing; it waits
 * on a pipe while the child (the daemon) opens the library, mounts and
 * starts its threads, then reads one byte ("ready") or end-of-file (the
 * child failed and exited: the parent takes the child's exit status).
 *
 * Calling sequence, in the daemon:
 *   detach_start()   right after the command line is parsed; returns in
 *                    the child only (a new session, no terminal).
 *   ... open, mount, start threads; messages still reach stderr ...
 *   detach_ready()   the mount serves: messages go to the log (log.c),
 *                    stdin/stdout/stderr become /dev/null, the parent exits 0.
 * In the foreground neither is called.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/daemon.h"

static int ready_fd = -1; /* the child's end of the pipe, until ready */

/* The parent: wait for the child's verdict and exit with it. */
static void __attribute__((noreturn)) await_child(pid_t child, int fd)
{
    char byte;
    ssize_t n;
    int status;

    do
        n = read(fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1)
        _exit(0);
    /* The child exited (or crashed) before it was ready. */
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            _exit(1);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        fprintf(stderr, "albumfs: the daemon died on signal %d while starting\n",
                WTERMSIG(status));
    _exit(1);
}

int detach_start(void)
{
    int pipefd[2];
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        int rc = -errno;

        close(pipefd[0]);
        close(pipefd[1]);
        return rc;
    }
    if (pid > 0) {
        close(pipefd[1]);
        await_child(pid, pipefd[0]);
    }
    close(pipefd[0]);
    ready_fd = pipefd[1];
    if (setsid() < 0)
        return -errno;
    return 0;
}

void detach_ready(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    char byte = 1;

    log_detached();
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    if (ready_fd >= 0) {
        (void)!write(ready_fd, &byte, 1);
        close(ready_fd);
        ready_fd = -1;
    }
}
