/* service.c — the daemon as a system service: readiness for systemd and
 * SIGHUP.
 *
 * Readiness: under systemd (Type=notify, which sets $NOTIFY_SOCKET) the
 * daemon says READY=1 once the mount serves, RELOADING=1 / READY=1 around a
 * reload and STOPPING=1 when it begins to stop — the sd_notify(3) datagram
 * protocol, spoken directly (one sendto on a Unix socket; no libsystemd).
 * Without $NOTIFY_SOCKET nothing is sent.
 *
 * SIGHUP asks for a reload instead of a stop (libfuse's handler would end
 * the session): the handler only sets a flag; the watcher thread takes it
 * on its next tick (service_take_hangup) and does the work there — the
 * catalog's grants and settings read again, the log file reopened (after
 * logrotate moved it), the reload logged.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "fs/daemon.h"

static atomic_bool hangup_seen;

void service_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    socklen_t len;
    size_t n;
    int fd;

    if (!path || (path[0] != '/' && path[0] != '@') || (n = strlen(path)) >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* an abstract socket */
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
        afs_log(LOG_WARNING, "cannot tell systemd \"%s\": %s", state, strerror(errno));
    close(fd);
}

static void on_hangup(int sig)
{
    (void)sig;
    atomic_store(&hangup_seen, true);
}

int service_catch_hangup(void)
{
    struct sigaction sa = {.sa_handler = on_hangup};

    sigemptyset(&sa.sa_mask);
    return sigaction(SIGHUP, &sa, NULL) < 0 ? -errno : 0;
}

bool service_take_hangup(void)
{
    return atomic_exchange(&hangup_seen, false);
}
