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
 * Identical lines are rate-limited: a message said LOG_BURST times within
 * LOG_WINDOW seconds is not said again in that window, and the next time it
 * is said it carries how many were left out (a damaged file read in a loop
 * must not fill the journal). The table of recent messages has its own
 * mutex (recent_lock), held only to count.
 * The file is opened before any thread starts (log_open) and opened again
 * by name on SIGHUP (log_reopen, from the watcher); the switch to
 * syslog (log_detached) happens once while threads run, hence atomic. Each
 * message is one write(2) to the file (O_APPEND), so lines from several
 * threads never interleave.
 * A crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) is said too, with a
 * backtrace when the destination is a file or stderr (log_catch_crashes):
 * a daemon that dies in the background must leave its reason behind. The
 * handler uses only write(2) and backtrace_symbols_fd (preloaded), then
 * dies of the same signal. Not installed under a sanitizer, which reports
 * crashes itself.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

#define LOG_BURST 3
#define LOG_WINDOW 60 /* seconds */
#define LOG_RECENT 32 /* distinct messages remembered */

struct recent_line {
    uint64_t hash;       /* of the message text; 0 = free slot */
    time_t window_start;
    unsigned said;       /* in this window */
    unsigned left_out;   /* in this window, beyond LOG_BURST */
};

static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct recent_line recent[LOG_RECENT]; /* recent_lock */

static _Atomic int target = LOG_TO_STDERR; /* enum log_target */
static atomic_bool detached;               /* stderr is /dev/null now */
static int log_fd = -1;
static char log_path[PATH_MAX]; /* absolute: the daemon moves to / after opening */

int log_open(const char *path)
{
    if (!path)
        return 0;
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (log_fd < 0)
        return -errno;
    if (!realpath(path, log_path))
        snprintf(log_path, sizeof log_path, "%s", path);
    target = LOG_TO_FILE;
    return 0;
}

/* dup2 swaps the file under log_fd in one step: a thread writing at that
 * moment writes whole lines to the old file or the new one. */
int log_reopen(void)
{
    int fd, rc = 0;

    if (target != LOG_TO_FILE)
        return 0;
    fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return -errno;
    if (dup3(fd, log_fd, O_CLOEXEC) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

void log_detached(void)
{
    atomic_store(&detached, true);
    if (target == LOG_TO_FILE)
        return;
    openlog("albumfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    target = LOG_TO_SYSLOG;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRASH_HANDLER 0
#else
#define CRASH_HANDLER 1
#endif

static void say_crash(int fd, int sig)
{
    char line[96];
    void *frames[48];
    int n = snprintf(line, sizeof line, "albumfs[%ld]: crashed: signal %d (%s); backtrace:\n",
                     (long)getpid(), sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");

    (void)!write(fd, line, (size_t)n);
    backtrace_symbols_fd(frames, backtrace(frames, 48), fd);
}

static void on_crash(int sig)
{
    int fd = atomic_load(&detached) ? -1 : STDERR_FILENO;

    if (target == LOG_TO_FILE)
        say_crash(log_fd, sig);
    else if (target == LOG_TO_SYSLOG)
        syslog(LOG_CRIT, "crashed: signal %d (%s)", sig, strsignal(sig)); /* best effort */
    if (fd >= 0)
        say_crash(fd, sig);
    raise(sig); /* SA_RESETHAND: the default action now, a core where enabled */
}

int log_catch_crashes(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    struct sigaction sa = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND | SA_NODEFER};
    void *warm[1];

    if (!CRASH_HANDLER)
        return 0;
    backtrace(warm, 1); /* loads libgcc now, not inside the handler */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        if (sigaction(fatal[i], &sa, NULL) < 0)
            return -errno;
    return 0;
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

/* FNV-1a: a table key, not a secret. */
static uint64_t text_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

/* Whether msg may be said now; *left_out: how many like it were not said
 * in the window that just ended (to be told with it). */
static bool may_say(const char *msg, time_t now, unsigned *left_out)
{
    uint64_t h = text_hash(msg);
    struct recent_line *slot = NULL, *oldest = &recent[0];
    bool ok;

    *left_out = 0;
    pthread_mutex_lock(&recent_lock);
    for (size_t i = 0; i < LOG_RECENT && !slot; i++) {
        if (recent[i].hash == h)
            slot = &recent[i];
        else if (recent[i].window_start < oldest->window_start)
            oldest = &recent[i];
    }
    if (!slot) {
        slot = oldest;
        *slot = (struct recent_line){.hash = h, .window_start = now};
    } else if (now - slot->window_start >= LOG_WINDOW) {
        *left_out = slot->left_out;
        *slot = (struct recent_line){.hash = h, .window_start = now};
    }
    ok = slot->said < LOG_BURST;
    if (ok)
        slot->said++;
    else
        slot->left_out++;
    pthread_mutex_unlock(&recent_lock);
    return ok;
}

void afs_log(int priority, const char *fmt, ...)
{
    char text[900], msg[1024], line[1200], when[32];
    unsigned left_out;
    struct tm tm;
    time_t now = time(NULL);
    va_list ap;
    int n;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!may_say(text, now, &left_out))
        return;
    if (left_out)
        snprintf(msg, sizeof msg, "%s (%u more like it were not logged in the minute before)",
                 text, left_out);
    else
        snprintf(msg, sizeof msg, "%s", text);
    switch (target) {
    case LOG_TO_SYSLOG:
        syslog(priority, "%s", msg);
        return;
    case LOG_TO_FILE:
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
