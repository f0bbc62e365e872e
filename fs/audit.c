/* audit.c — what happens on a mount that changes nothing but that the
 * owner must see (SPEC §6): downloads of web-size views and of high-res
 * views no allowance counts (a pool-charged take is recorded by
 * actions_take), and refused operations (a chmod without the right, a
 * write where one may not write, a refused take or favourite).
 *
 * Request threads only queue an event (audit_download, audit_refused) on
 * fs->audit, a GAsyncQueue with its own lock: no lock of daemon.h is held
 * and nothing waits for SQLite. The watcher thread writes what is queued
 * every tick (audit_flush), and main.c flushes once more after every
 * thread stopped, so a clean unmount loses nothing. A world named by a
 * queued event lives until unmount (daemon.h), so the pointer stays good.
 *
 * Downloads are recorded once per person, photo and view (the catalog's
 * downloads table decides, so a restart does not record them again).
 * Refusals are recorded at most AUDIT_REFUSALS_RECORDED times per person,
 * operation, photo and errno within AUDIT_REFUSAL_WINDOW seconds
 * (catalog_activity_add_limited), and at most AUDIT_QUEUE_MAX events wait
 * in the queue: a loop refused faster than the watcher writes loses only
 * refusals that would be over the limit anyway. The owner's own mount
 * records neither.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/daemon.h"

#define AUDIT_QUEUE_MAX 4096

struct audit_event {
    struct world *w;
    int64_t album_id, photo_id;
    enum af_view view; /* a download: the view read; 0 for a refusal */
    int64_t grant_id;  /* a download: the grant it came through */
    const char *op;    /* a refusal: "chmod", "write", ... (a literal) */
    int err;           /* a refusal: the errno answered (positive) */
};

/* The errno's name, as the activity log shows it. */
static const char *errno_name(int err)
{
    switch (err) {
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case EROFS:
        return "EROFS";
    default:
        return "error";
    }
}

/* Whether w is a person whose actions are recorded (not the owner, not an
 * unmapped user). */
static bool recorded_person(struct afs *fs, struct world *w)
{
    struct world_id who;

    if (!w)
        return false;
    worlds_identity(fs, w, &who);
    return who.kind == AFS_MODE_USER || who.kind == AFS_MODE_LINK;
}

void audit_download(struct afs *fs, const struct node *n, int64_t grant_id)
{
    struct audit_event *e;

    if (n->kind != NODE_FILE || (n->view != AF_VIEW_WEB && n->view != AF_VIEW_HIGHRES) ||
        !recorded_person(fs, n->world))
        return;
    e = g_new0(struct audit_event, 1);
    e->w = n->world;
    e->album_id = n->album_id;
    e->photo_id = n->photo_id;
    e->view = n->view;
    e->grant_id = grant_id;
    g_async_queue_push(fs->audit, e);
}

void audit_refused(struct afs *fs, struct world *w, int64_t album_id, int64_t photo_id,
                   const char *op, int rc)
{
    struct audit_event *e;

    if ((rc != -EPERM && rc != -EACCES && rc != -EROFS) || !recorded_person(fs, w) ||
        g_async_queue_length(fs->audit) >= AUDIT_QUEUE_MAX)
        return;
    e = g_new0(struct audit_event, 1);
    e->w = w;
    e->album_id = album_id;
    e->photo_id = photo_id;
    e->op = op;
    e->err = -rc;
    g_async_queue_push(fs->audit, e);
}

static int record_download(struct af_catalog *c, const struct world_id *who,
                           const struct audit_event *e)
{
    char person[64], detail[AF_NAME_MAX + 64];
    struct cat_photo p;
    int rc = catalog_photo_by_id(c, e->photo_id, &p);

    if (rc < 0)
        return rc == -ENOENT ? 0 : rc; /* gone meanwhile: nothing to name */
    catalog_person_key(&who->person, person, sizeof person);
    snprintf(detail, sizeof detail, "%s %s", e->view == AF_VIEW_WEB ? "web-size" : "high-res",
             p.name);
    rc = catalog_download_record(c, person, who->label, e->grant_id, e->album_id, e->photo_id,
                                 e->view, detail);
    return rc < 0 ? rc : 0;
}

static int record_refusal(struct afs *fs, struct af_catalog *c, const struct world_id *who,
                          const struct audit_event *e)
{
    af_time now = (af_time)time(NULL);
    char detail[64];
    int64_t grant = 0;
    int rc;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (e->album_id)
        policy_album_role(&e->w->who.subject, e->album_id, now, &grant);
    pthread_rwlock_unlock(&fs->worlds_lock);
    snprintf(detail, sizeof detail, "%s: %s", e->op, errno_name(e->err));
    rc = catalog_activity_add_limited(c, "refused", who->label, grant, e->album_id, e->photo_id,
                                      detail, now - AUDIT_REFUSAL_WINDOW,
                                      AUDIT_REFUSALS_RECORDED);
    return rc < 0 ? rc : 0;
}

int audit_flush(struct afs *fs)
{
    struct af_catalog *c = afs_catalog(fs);
    struct audit_event *e;
    int first = 0;

    while ((e = g_async_queue_try_pop(fs->audit))) {
        struct world_id who;
        int rc = -EIO;

        worlds_identity(fs, e->w, &who);
        if (c && e->view)
            rc = record_download(c, &who, e);
        else if (c)
            rc = record_refusal(fs, c, &who, e);
        if (rc < 0 && first == 0)
            first = rc;
        g_free(e);
    }
    return first;
}
