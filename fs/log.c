/* log.c — where the daemon's messages go.
 *
 * Until the daemon detaches from the terminal (detach.c) a message goes to
 * stderr, so whoever started albumfs reads why it refused or failed. After
 * that stderr is /dev/null, and messages go to syslog (facility daemon,
 * ident "albumfs", with the pid) — the journal on a systemd machine. With
 * -o log_file=PATH they go to that file instead, from the start and in both
 * modes, one line each: "2026-12-02T18:59:01Z albumfs[PID]: message" (for
 * machines without a syslog daemon, and for the tests); until it detaches
 * they go to stderr as well.
 *
 * The destination is process-wide, like syslog itself: messages come from
 * every thread and from places that hold no struct afs (render callbacks).
 * The file is opened before any thread starts (log_open); the switch to
 * syslog (log_detached) happens once while threads run, hence atomic. Each
 * message is one write(2) to the file (O_APPEND), so lines from several
 * threads never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fs/daemon.h"

enum log_target {
    LOG_TO_STDERR = 0,
    LOG_TO_SYSLOG,
    LOG_TO_FILE,
};

static _Atomic int target = LOG_TO_STDERR; /* enum log_target */
static atomic_bool detached;               /* stderr is /dev/null now */
static int log_fd = -1;

int log_open(const char *path)
{
    if (!path)
        return 0;
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (log_fd < 0)
        return -errno;
    target = LOG_TO_FILE;
    return 0;
}

void log_detached(void)
{
    atomic_store(&detached, true);
    if (target == LOG_TO_FILE)
        return;
    openlog("albumfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    target = LOG_TO_SYSLOG;
}

void log_close(void)
{
    if (target == LOG_TO_SYSLOG)
        closelog();
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    target = LOG_TO_STDERR;
}

void afs_log(int priority, const char *fmt, ...)
{
    char msg[1024], line[1200], when[32];
    struct tm tm;
    time_t now;
    va_list ap;
    int n;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    switch (target) {
    case LOG_TO_SYSLOG:
        syslog(priority, "%s", msg);
        return;
    case LOG_TO_FILE:
        now = time(NULL);
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        n = snprintf(line, sizeof line, "%s albumfs[%ld]: %s\n", when, (long)getpid(), msg);
        if (n > 0)
            (void)!write(log_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        if (!atomic_load(&detached)) /* whoever started it reads why, too */
            fprintf(stderr, "albumfs: %s\n", msg);
        return;
    default:
        fprintf(stderr, "albumfs: %s\n", msg);
        return;
    }
}
