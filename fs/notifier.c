/* notifier.c — delivers the outbox (store/notify.h) while the daemon runs.
 *
 * Filesystem requests only queue messages; this dedicated thread hands
 * them to the SMTP server or the mail command of the settings (the library
 * key opens the server's password), so a slow or hanging delivery never
 * holds up a request. It wakes every two seconds, and once more when the
 * daemon stops (a milestone queued just before unmounting still goes out).
 * Each pass uses the thread's own catalog connection and the delivery
 * timeout of setting notify.timeout; a pass stops early after a delivery
 * timed out, so stopping waits for at most about one timeout.
 * Owns: struct notifier (fs->notifier), written by notifier_start and
 * notifier_stop only; `stopping` is protected by `lock`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "fs/daemon.h"
#include "store/notify.h"

#define PASS_EVERY_SECONDS 2

struct notifier {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping; /* lock */
};

/* One delivery pass; a catalog failure is reported once until it heals. */
static void deliver(struct afs *fs, bool *reported)
{
    struct af_catalog *c = afs_catalog(fs);
    int rc = c ? notify_deliver_due(c, fs->lib->key, notify_timeout(c)) : -EIO;

    if (rc >= 0) {
        *reported = false;
        return;
    }
    if (!*reported && !watcher_library_changed(fs))
        afs_log(LOG_WARNING, "cannot deliver notifications: %s; still trying",
                c && rc == -EIO ? catalog_errmsg(c) : strerror(-rc));
    *reported = true;
}

static void *run(void *p)
{
    struct afs *fs = p;
    struct notifier *n = fs->notifier;
    bool reported = false, stopping = false;

    while (!stopping) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += PASS_EVERY_SECONDS;
        pthread_mutex_lock(&n->lock);
        if (!n->stopping)
            pthread_cond_timedwait(&n->cond, &n->lock, &until);
        stopping = n->stopping;
        pthread_mutex_unlock(&n->lock);
        deliver(fs, &reported); /* the last pass runs after the stop request */
    }
    return NULL;
}

int notifier_start(struct afs *fs)
{
    struct notifier *n = calloc(1, sizeof *n);

    if (!n)
        return -ENOMEM;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->cond, NULL);
    fs->notifier = n;
    if (pthread_create(&n->thread, NULL, run, fs) != 0) {
        fs->notifier = NULL;
        pthread_cond_destroy(&n->cond);
        pthread_mutex_destroy(&n->lock);
        free(n);
        return -EAGAIN;
    }
    return 0;
}

void notifier_stop(struct afs *fs)
{
    struct notifier *n = fs->notifier;

    if (!n)
        return;
    pthread_mutex_lock(&n->lock);
    n->stopping = true;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->lock);
    pthread_join(n->thread, NULL);
    pthread_cond_destroy(&n->cond);
    pthread_mutex_destroy(&n->lock);
    free(n);
    fs->notifier = NULL;
}
