/* renderq.c — the render pool: views are made here, never on a request path.
 *
 * A fixed number of threads (one per core by default) take jobs from a
 * queue. Jobs for the same rendition are merged: the first request starts
 * the render, later ones wait on it, and all are answered when it is done.
 * Requests from people waiting (a lookup or an open) go ahead of
 * background work (views a listing found missing). Each thread has its own
 * catalog connection and calls vips_thread_shutdown() before it exits.
 * Design after Redis's bio.c: jobs in, results out, nothing shared but the
 * queue and its lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <vips/vips.h>

#include "fs/daemon.h"

/* Background work a listing found missing is dropped past this many jobs
 * (a listing of 100,000 unrendered photos must not queue 100,000 renders);
 * a later listing queues what is still missing. Waiting requests are never
 * dropped. */
#define RENDERQ_BG_MAX 2048

struct waiter {
    renderq_done done;
    void *arg;
    struct waiter *next;
};

struct job {
    struct rendition_request req;
    char *key; /* the whole request as text: equal requests merge (owned) */
    struct waiter *waiters;
    bool urgent;
    struct job *next;
};

struct renderq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct job *urgent_head, *urgent_tail;
    struct job *bg_head, *bg_tail;
    size_t bg_queued;     /* background jobs waiting (bounded by RENDERQ_BG_MAX) */
    GHashTable *pending;  /* key -> job (queued or running) */
    bool stopping;
    unsigned nthreads;
    pthread_t *threads;
};

static char *job_key(const struct rendition_request *req)
{
    return g_strdup_printf("%s|%u|%u|%d|%d|%s", req->blob, (unsigned)req->view, req->long_edge,
                           req->watermark, (int)req->metadata, req->recipient);
}

static void job_free(struct job *j)
{
    g_free(j->key);
    free(j);
}

static void push(struct job **head, struct job **tail, struct job *j)
{
    j->next = NULL;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
}

static struct job *pop(struct job **head, struct job **tail)
{
    struct job *j = *head;

    if (j) {
        *head = j->next;
        if (!*head)
            *tail = NULL;
    }
    return j;
}

static void answer(struct afs *fs, struct waiter *w, int rc)
{
    while (w) {
        struct waiter *next = w->next;

        if (w->done)
            w->done(fs, rc, w->arg);
        free(w);
        w = next;
    }
}

static void *worker(void *p)
{
    struct afs *fs = p;
    struct renderq *q = fs->renderq;

    for (;;) {
        struct job *j;
        struct rendition_info info;
        struct af_catalog *c;
        char why[256];
        int rc;

        pthread_mutex_lock(&q->lock);
        while (!q->stopping && !q->urgent_head && !q->bg_head)
            pthread_cond_wait(&q->cond, &q->lock);
        if (q->stopping) {
            pthread_mutex_unlock(&q->lock);
            break;
        }
        j = pop(&q->urgent_head, &q->urgent_tail);
        if (!j && (j = pop(&q->bg_head, &q->bg_tail)))
            q->bg_queued--;
        pthread_mutex_unlock(&q->lock);

        c = afs_catalog(fs);
        rc = c ? renditions_make(fs->lib, c, &j->req, &info, why, sizeof why) : -EIO;
        if (rc < 0 && !watcher_library_changed(fs))
            afs_log(LOG_ERR, "cannot render a view of %s: %s", j->req.blob,
                    why[0] ? why : strerror(-rc));

        pthread_mutex_lock(&q->lock);
        g_hash_table_remove(q->pending, j->key);
        pthread_mutex_unlock(&q->lock);
        answer(fs, j->waiters, rc);
        job_free(j);
    }
    vips_thread_shutdown();
    return NULL;
}

int renderq_start(struct afs *fs, unsigned threads)
{
    struct renderq *q = calloc(1, sizeof *q);

    if (!q)
        return -ENOMEM;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->pending = g_hash_table_new(g_str_hash, g_str_equal);
    q->nthreads = threads ? threads : 2;
    q->threads = calloc(q->nthreads, sizeof *q->threads);
    if (!q->threads) {
        g_hash_table_destroy(q->pending);
        free(q);
        return -ENOMEM;
    }
    fs->renderq = q;
    for (unsigned i = 0; i < q->nthreads; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, fs) != 0) {
            q->nthreads = i;
            renderq_stop(fs);
            return -EAGAIN;
        }
    }
    return 0;
}

static void drain(struct afs *fs, struct job *j)
{
    while (j) {
        struct job *next = j->next;

        answer(fs, j->waiters, -ESHUTDOWN);
        job_free(j);
        j = next;
    }
}

void renderq_stop(struct afs *fs)
{
    struct renderq *q = fs->renderq;

    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    drain(fs, q->urgent_head);
    drain(fs, q->bg_head);
    g_hash_table_destroy(q->pending);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q->threads);
    free(q);
    fs->renderq = NULL;
}

int renderq_errno(int rc)
{
    switch (rc) {
    case -ESHUTDOWN:
        return EINTR; /* the mount is going */
    case -ENOSPC:
    case -EDQUOT:
    case -ENOMEM:
        return -rc; /* the disk (or memory) is full: say so */
    default:
        return EIO;
    }
}

void renderq_submit(struct afs *fs, const struct rendition_request *req, renderq_done done,
                    void *arg)
{
    struct renderq *q = fs->renderq;
    struct waiter *w = NULL;
    struct job *j;
    char *key;

    if (done) {
        w = calloc(1, sizeof *w);
        if (!w) {
            done(fs, -ENOMEM, arg);
            return;
        }
        w->done = done;
        w->arg = arg;
    }
    key = job_key(req);
    pthread_mutex_lock(&q->lock);
    if (q->stopping) {
        pthread_mutex_unlock(&q->lock);
        g_free(key);
        answer(fs, w, -ESHUTDOWN);
        return;
    }
    j = g_hash_table_lookup(q->pending, key);
    if (j) {
        if (w) {
            w->next = j->waiters;
            j->waiters = w;
        }
        /* Someone is waiting now: a queued background job moves up. */
        if (w && !j->urgent) {
            struct job **pp = &q->bg_head, *prev = NULL;

            while (*pp && *pp != j) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            if (*pp == j) {
                *pp = j->next;
                if (q->bg_tail == j)
                    q->bg_tail = prev;
                q->bg_queued--;
                j->urgent = true;
                push(&q->urgent_head, &q->urgent_tail, j);
            }
        }
        pthread_mutex_unlock(&q->lock);
        g_free(key);
        return;
    }
    if (!w && q->bg_queued >= RENDERQ_BG_MAX) {
        pthread_mutex_unlock(&q->lock);
        g_free(key);
        return; /* the queue is long enough; a later listing asks again */
    }
    j = calloc(1, sizeof *j);
    if (!j) {
        pthread_mutex_unlock(&q->lock);
        g_free(key);
        answer(fs, w, -ENOMEM);
        return;
    }
    j->req = *req;
    j->key = key;
    j->waiters = w;
    j->urgent = w != NULL;
    g_hash_table_insert(q->pending, j->key, j);
    if (j->urgent) {
        push(&q->urgent_head, &q->urgent_tail, j);
    } else {
        push(&q->bg_head, &q->bg_tail, j);
        q->bg_queued++;
    }
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}
