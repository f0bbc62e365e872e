/* parallel.c — running blob jobs on a few threads (see parallel.h).
 *
 * Workers take the next index under `lock` and report each end under it;
 * the calling thread sleeps on `changed` and calls the progress callback
 * with a copy of the counters taken under the lock. Lock order: only
 * `lock`; no job runs while holding it.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "backup/parallel.h"

struct run {
    parallel_job_fn job;
    void *arg;
    size_t n;
    pthread_mutex_t lock;          /* protects everything below */
    pthread_cond_t changed;        /* a job ended, or a worker left */
    size_t next;                   /* next index to take */
    unsigned running;              /* workers not yet gone */
    int rc;                        /* first error */
    size_t failed;                 /* its item */
    struct backup_progress pr;
};

static void *worker(void *p)
{
    struct run *run = p;

    pthread_mutex_lock(&run->lock);
    while (run->rc == 0 && run->next < run->n) {
        size_t i = run->next++;
        uint64_t bytes = 0;
        int rc;

        pthread_mutex_unlock(&run->lock);
        rc = run->job(run->arg, i, &bytes);
        pthread_mutex_lock(&run->lock);
        if (rc < 0 && run->rc == 0) {
            run->rc = rc;
            run->failed = i;
        } else if (rc == 0) {
            run->pr.files_done++;
            run->pr.bytes_done += bytes;
        }
        pthread_cond_signal(&run->changed);
    }
    run->running--;
    pthread_cond_signal(&run->changed);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

int parallel_run(size_t n, parallel_job_fn job, void *arg, struct backup_progress *pr,
                 backup_progress_fn progress, void *parg, size_t *failed)
{
    pthread_t threads[PARALLEL_THREADS];
    struct run run = {.job = job, .arg = arg, .n = n, .pr = *pr};
    unsigned started = 0;
    int rc;

    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.changed, NULL);
    if (progress)
        progress(parg, pr);
    pthread_mutex_lock(&run.lock);
    for (unsigned t = 0; t < PARALLEL_THREADS && t < n; t++)
        if (pthread_create(&threads[t], NULL, worker, &run) == 0) {
            started++;
            run.running++;
        }
    pthread_mutex_unlock(&run.lock);
    if (started == 0 && n > 0) {
        rc = -EAGAIN;
        *failed = 0;
        goto out;
    }
    pthread_mutex_lock(&run.lock);
    /* Every change is shown, the last one too: the workers may all have
     * finished before this thread first looks. */
    for (size_t shown = pr->files_done;;) {
        struct backup_progress now;

        while (run.running > 0 && run.pr.files_done == shown)
            pthread_cond_wait(&run.changed, &run.lock);
        if (run.pr.files_done == shown)
            break; /* all stopped, nothing new */
        now = run.pr;
        shown = now.files_done;
        pthread_mutex_unlock(&run.lock);
        if (progress)
            progress(parg, &now);
        pthread_mutex_lock(&run.lock);
    }
    pthread_mutex_unlock(&run.lock);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    rc = run.rc;
    *failed = run.failed;
    *pr = run.pr;
out:
    pthread_cond_destroy(&run.changed);
    pthread_mutex_destroy(&run.lock);
    return rc;
}
