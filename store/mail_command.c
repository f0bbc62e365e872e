/* mail_command.c — handing one message to a delivery command
 * (notify.command, e.g. "/usr/sbin/sendmail -t"): mail_command.h.
 *
 * `/bin/sh -c "$command"` is started with posix_spawn — safe in the
 * threaded daemon — in a process group of its own, with default signal
 * dispositions, an empty signal mask and no descriptor but its three pipes.
 * The message is written to its stdin; stdout and stderr are read (the
 * first bytes kept, the rest drained) so a chatty command cannot block.
 * Exit status 0 is success; anything else, or no exit within the timeout
 * (the whole process group is then killed), is a failure with a one-line
 * reason taken from what the command said.
 * Threading: no state; each call owns its pipes and child. The caller
 * blocks SIGPIPE (notify.c does) so a command that does not read its input
 * cannot kill the process.
 */
#include "store/mail_command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_MAX 512        /* bytes of a command's stdout/stderr kept */
#define ERROR_LINE_MAX 160     /* bytes of its first line kept in the error */
#define TICK_MS 100            /* how often a running command is checked */

/* The first bytes of what a command wrote on one stream. */
struct capture {
    int fd;                 /* read end, -1 once closed */
    char text[CAPTURE_MAX];
    size_t len;
};

static int64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Read what is there now; keep the first CAPTURE_MAX bytes, drop the rest.
 * Closes the stream at end of file or on error. */
static void capture_read(struct capture *cap)
{
    char buf[4096];

    while (cap->fd >= 0) {
        ssize_t n = read(cap->fd, buf, sizeof buf);

        if (n > 0) {
            size_t keep = sizeof cap->text - 1 - cap->len;

            if (keep > (size_t)n)
                keep = (size_t)n;
            memcpy(cap->text + cap->len, buf, keep);
            cap->len += keep;
            cap->text[cap->len] = '\0';
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            close_fd(&cap->fd);
        return;
    }
}

/* Write more of the input; close the pipe when all of it is written or
 * the command stopped reading (EPIPE: not an error in itself, its exit
 * status says whether it worked). */
static void feed(int *fd, const char *input, size_t len, size_t *off)
{
    while (*fd >= 0 && *off < len) {
        ssize_t n = write(*fd, input + *off, len - *off);

        if (n > 0)
            *off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN)
            return;
        else
            close_fd(fd);
    }
    close_fd(fd);
}

/* Start /bin/sh -c command with the given stdin/stdout/stderr. */
static int spawn_shell(const char *command, int in, int out, int err, pid_t *pid)
{
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t all, none;
    int rc;

    sigfillset(&all);
    sigemptyset(&none);
    rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0)
        return -rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0)
        goto out_fa;
    if ((rc = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1)) != 0 ||
        (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                  POSIX_SPAWN_SETSIGMASK)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0)
        goto out_attr;
    rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
out_attr:
    posix_spawnattr_destroy(&attr);
out_fa:
    posix_spawn_file_actions_destroy(&fa);
    return -rc;
}

/* The first line of what the command said (stderr, else stdout), trimmed
 * and cut to ERROR_LINE_MAX bytes of whole characters; "" if nothing. */
static void first_line(const struct capture *err, const struct capture *out, char *buf,
                       size_t len)
{
    const struct capture *cap = err;
    const char *s;
    size_t n;

    s = cap->text + strspn(cap->text, " \t\r\n");
    if (!*s) {
        cap = out;
        s = cap->text + strspn(cap->text, " \t\r\n");
    }
    n = strcspn(s, "\r\n");
    if (n > ERROR_LINE_MAX)
        n = ERROR_LINE_MAX;
    while (n > 0 && s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* Why the command failed, from its wait status and what it said. */
static void describe_failure(int status, const struct capture *err, const struct capture *out,
                             char *why, size_t len)
{
    char line[ERROR_LINE_MAX + 1];
    const char *sig;

    first_line(err, out, line, sizeof line);
    if (WIFEXITED(status)) {
        snprintf(why, len, "exit status %d%s%s", WEXITSTATUS(status), line[0] ? ": " : "",
                 line);
    } else if (WIFSIGNALED(status)) {
        sig = sigabbrev_np(WTERMSIG(status));
        snprintf(why, len, "killed by SIG%s%s%s", sig ? sig : "?", line[0] ? ": " : "", line);
    } else {
        snprintf(why, len, "stopped with wait status %d", status);
    }
}

/* Feed `input` to the running command and collect its output until it
 * exits or the deadline passes (then its process group is killed). 0 when
 * it exited 0, -EIO when it failed, -ETIMEDOUT; *why says what happened.
 * Closes the descriptors as it finishes with them. */
static int converse(pid_t pid, int *in, struct capture *out, struct capture *err,
                    const char *input, int timeout_seconds, char *why, size_t len)
{
    int64_t deadline = monotonic_ms() + (int64_t)timeout_seconds * 1000;
    size_t input_len = strlen(input), off = 0;
    int status = 0;

    feed(in, input, input_len, &off);
    for (;;) {
        struct pollfd p[3];
        nfds_t n = 0;
        int64_t left = deadline - monotonic_ms();
        pid_t w;

        if (left <= 0) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            snprintf(why, len, "no answer within %d s; the command was stopped",
                     timeout_seconds);
            return -ETIMEDOUT;
        }
        if (*in >= 0)
            p[n++] = (struct pollfd){.fd = *in, .events = POLLOUT};
        if (out->fd >= 0)
            p[n++] = (struct pollfd){.fd = out->fd, .events = POLLIN};
        if (err->fd >= 0)
            p[n++] = (struct pollfd){.fd = err->fd, .events = POLLIN};
        /* Wake every tick even while the pipes are quiet: the command may
         * exit while something it started keeps them open. */
        if (poll(p, n, (int)(left < TICK_MS ? left : TICK_MS)) > 0) {
            feed(in, input, input_len, &off);
            capture_read(out);
            capture_read(err);
        }
        w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(why, len, "lost track of the command: %s", strerror(errno));
            return -ECHILD;
        }
    }
    capture_read(out); /* what it wrote just before exiting */
    capture_read(err);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        why[0] = '\0';
        return 0;
    }
    describe_failure(status, err, out, why, len);
    return -EIO;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

int mail_command_run(const char *command, const char *input, int timeout_seconds, char *why,
                       size_t len)
{
    int in[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    struct capture out = {.fd = -1}, err = {.fd = -1};
    pid_t pid;
    int rc;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 ||
        pipe2(err_pipe, O_CLOEXEC) < 0) {
        rc = -errno;
        snprintf(why, len, "cannot make pipes: %s", strerror(-rc));
        goto out_pipes;
    }
    rc = spawn_shell(command, in[0], out_pipe[1], err_pipe[1], &pid);
    close_fd(&in[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    if (rc < 0) {
        snprintf(why, len, "cannot start /bin/sh: %s", strerror(-rc));
        goto out_pipes;
    }
    out.fd = out_pipe[0];
    err.fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    if ((rc = set_nonblocking(in[1])) < 0 || (rc = set_nonblocking(out.fd)) < 0 ||
        (rc = set_nonblocking(err.fd)) < 0) {
        /* Cannot talk to it safely: stop it at once. */
        kill(-pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        snprintf(why, len, "cannot set up the pipes: %s", strerror(-rc));
        goto out_capture;
    }

    rc = converse(pid, &in[1], &out, &err, input, timeout_seconds, why, len);
out_capture:
    close_fd(&out.fd);
    close_fd(&err.fd);
out_pipes:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[0]);
    close_fd(&err_pipe[1]);
    return rc;
}
