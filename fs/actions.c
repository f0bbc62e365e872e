/* actions.c — what people do through the mount: favourites, taking
 * high-res downloads, private marks, first views.
 *
 * Each action asks the policy first (with the world's grants, read-locked),
 * then changes the catalog in one short transaction, then records the event
 * in the activity log (who, what, through which grant) and, for milestones
 * the owner asked to hear about (the grant's notify setting), queues a
 * notification — delivered later by the notifier thread, never here.
 * A private mark and a favourite are changed and recorded by changes/
 * (change_mark_private, change_favourite), the functions albumctl uses;
 * this file keeps the milestones and notifications around them.
 * Runs on FUSE request threads, each with its own catalog connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/daemon.h"
#include "changes/favourites.h"
#include "changes/marks.h"
#include "store/notify.h"

/* Everything an action needs to know about a photo for a person. */
struct target {
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    struct af_entry entry;
};

static int load_target(struct af_catalog *c, int64_t photo_id, struct target *t)
{
    int rc;

    if ((rc = catalog_photo_by_id(c, photo_id, &t->photo)) < 0 ||
        (rc = catalog_set_by_id(c, t->photo.set_id, &t->set)) < 0 ||
        (rc = catalog_album_by_id(c, t->photo.album_id, &t->album)) < 0)
        return rc;
    entry_for_photo(&t->album, &t->set, &t->photo, &t->entry);
    return 0;
}

/* Whether grant `id` of w asks for notifications. Caller holds worlds_lock. */
static bool grant_notifies(const struct world *w, int64_t id)
{
    for (size_t i = 0; i < w->who.subject.n_grants; i++)
        if (w->who.grants[i].id == id)
            return w->who.grants[i].settings.notify;
    return false;
}

/* The grant giving w its role on the album, and whether it asks for
 * notifications. Caller holds worlds_lock for reading. */
static int64_t via_grant(const struct world *w, int64_t album_id, af_time now, bool *notify)
{
    int64_t via = 0;

    policy_album_role(&w->who.subject, album_id, now, &via);
    *notify = grant_notifies(w, via);
    return via;
}

/* A milestone reached by person `who` in album a: recorded once, notified
 * if asked. */
static void milestone(struct af_catalog *c, const struct world_id *who, const struct cat_album *a,
                      const char *kind, enum notify_milestone what, bool notify,
                      const char *detail)
{
    char person[64];

    catalog_person_key(&who->person, person, sizeof person);
    if (catalog_milestone(c, person, a->id, kind) == 1 && notify)
        (void)notify_milestone(c, what, a->name, who->label, detail);
}

int world_actor_get(struct afs *fs, struct world *w, struct world_actor *out)
{
    const struct af_subject_buf *who = &w->who;
    int rc = 0;

    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&fs->worlds_lock);
    out->subject = *who;
    out->subject.grants = NULL;
    if (who->subject.n_grants) {
        out->subject.grants = malloc(who->subject.n_grants * sizeof *who->grants);
        if (out->subject.grants)
            memcpy(out->subject.grants, who->grants, who->subject.n_grants * sizeof *who->grants);
        else
            rc = -ENOMEM;
    }
    if (rc < 0)
        out->subject.subject.n_grants = 0; /* sees nothing; the caller returns rc */
    out->subject.subject.grants = out->subject.grants;
    out->id.kind = w->kind;
    out->id.person = w->person;
    snprintf(out->id.label, sizeof out->id.label, "%s", who->label);
    pthread_rwlock_unlock(&fs->worlds_lock);
    out->actor.who = &out->subject.subject;
    out->actor.person = out->id.person;
    out->actor.label = out->id.label;
    return rc;
}

void world_actor_release(struct world_actor *a)
{
    subject_release(&a->subject);
}

int actions_favourite(struct afs *fs, struct world *w, int64_t photo_id, bool on)
{
    struct af_catalog *c = afs_catalog(fs);
    struct world_actor wa;
    struct target t;
    af_time now = (af_time)time(NULL);
    bool notify;
    int rc;

    if (!c)
        return -EIO;
    if ((rc = load_target(c, photo_id, &t)) < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    via_grant(w, t.album.id, now, &notify);
    pthread_rwlock_unlock(&fs->worlds_lock);
    rc = world_actor_get(fs, w, &wa);
    if (rc == 0)
        rc = change_favourite(c, &wa.actor, photo_id, on);
    if (rc == 1 && on)
        milestone(c, &wa.id, &t.album, "first-favourite", NOTIFY_FIRST_FAVOURITE, notify,
                  t.photo.name);
    world_actor_release(&wa);
    return rc < 0 ? rc : 0;
}

int actions_take(struct afs *fs, struct world *w, int64_t photo_id)
{
    struct af_catalog *c = afs_catalog(fs);
    struct af_render r;
    struct cat_pool pool;
    struct world_id who;
    struct target t;
    af_time now = (af_time)time(NULL);
    char detail[2 * AF_NAME_MAX + 128];
    bool notify = false;
    int rc;

    if (!c)
        return -EIO;
    if ((rc = load_target(c, photo_id, &t)) < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    rc = policy_may_see(&w->who.subject, &t.entry, now) ? 0 : -ENOENT;
    if (rc == 0)
        rc = policy_render(&w->who.subject, &t.entry, AF_VIEW_HIGHRES, now, &r);
    if (rc == 0)
        notify = grant_notifies(w, r.grant_id);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (rc < 0)
        return rc;
    if (r.pool_id == 0)
        return 0; /* unlimited: nothing to count */
    worlds_identity(fs, w, &who);
    rc = catalog_pool_charge(c, r.pool_id, photo_id, r.grant_id);
    if (rc == -EDQUOT) {
        (void)catalog_activity_add_limited(c, "download-refused", who.label, r.grant_id,
                                           t.album.id, photo_id, "allowance used up",
                                           now - AUDIT_REFUSAL_WINDOW, AUDIT_REFUSALS_RECORDED);
        return rc;
    }
    if (rc <= 0)
        return rc; /* taken before: free */
    if (catalog_pool_by_id(c, r.pool_id, &pool) < 0)
        return 0;
    if (pool.limit >= 0)
        snprintf(detail, sizeof detail, "high-res %s, pool %s: %lld of %lld used", t.photo.name,
                 pool.name, (long long)pool.used, (long long)pool.limit);
    else
        snprintf(detail, sizeof detail, "high-res %s, pool %s", t.photo.name, pool.name);
    (void)catalog_activity_add(c, "download", who.label, r.grant_id, t.album.id, photo_id,
                               detail);
    milestone(c, &who, &t.album, "first-download", NOTIFY_DOWNLOAD, notify, detail);
    if (pool.limit >= 0 && pool.used >= pool.limit) {
        (void)catalog_activity_add(c, "allowance-used-up", who.label, r.grant_id, t.album.id,
                                   0, pool.name);
        if (notify)
            (void)notify_milestone(c, NOTIFY_ALLOWANCE_USED_UP, t.album.name, who.label,
                                   detail);
    }
    return 0;
}

int actions_mark_private(struct afs *fs, struct world *w, int64_t photo_id, bool on)
{
    struct af_catalog *c = afs_catalog(fs);
    struct world_actor wa;
    int rc;

    if (!c)
        return -EIO;
    rc = world_actor_get(fs, w, &wa);
    if (rc == 0)
        rc = change_mark_private(c, &wa.actor, photo_id, on);
    world_actor_release(&wa);
    return rc < 0 ? rc : 0;
}

/* A first view waiting to be recorded by the watcher thread. */
struct viewed {
    struct world *w;
    int64_t album_id;
};

void actions_album_viewed(struct afs *fs, struct world *w, int64_t album_id)
{
    struct world_id who;
    struct viewed *v;
    bool seen;

    worlds_identity(fs, w, &who);
    if (who.kind == AFS_MODE_OWNER)
        return;
    pthread_mutex_lock(&fs->views_lock);
    if (!w->seen_albums)
        w->seen_albums = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    seen = g_hash_table_contains(w->seen_albums, &album_id);
    if (!seen)
        g_hash_table_add(w->seen_albums, g_memdup2(&album_id, sizeof album_id));
    pthread_mutex_unlock(&fs->views_lock);
    if (seen)
        return;
    /* Recorded off the request path: a lookup never waits for a write lock. */
    v = g_new(struct viewed, 1);
    v->w = w;
    v->album_id = album_id;
    g_async_queue_push(fs->viewed, v);
}

/* Record one first view: the milestone, its activity row and the owner's
 * notification in one transaction, so it is all or nothing. 0 when done
 * (or nothing to do: the album is gone, or it was seen before). */
static int record_first_view(struct afs *fs, struct af_catalog *c, const struct viewed *v)
{
    struct cat_album a;
    struct world_id who;
    af_time now = (af_time)time(NULL);
    char person[64];
    int64_t grant;
    bool notify;
    int rc;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    grant = via_grant(v->w, v->album_id, now, &notify);
    pthread_rwlock_unlock(&fs->worlds_lock);
    worlds_identity(fs, v->w, &who);
    catalog_person_key(&who.person, person, sizeof person);
    rc = catalog_album_by_id(c, v->album_id, &a);
    if (rc < 0)
        return rc == -ENOENT ? 0 : rc;
    rc = catalog_begin(c);
    if (rc < 0)
        return rc;
    rc = catalog_milestone(c, person, v->album_id, "first-view");
    if (rc == 1) {
        rc = catalog_activity_add(c, "album-first-view", who.label, grant, v->album_id, 0, "");
        if (rc >= 0 && notify)
            rc = notify_milestone(c, NOTIFY_FIRST_VIEW, a.name, who.label, "");
    }
    if (rc >= 0)
        rc = catalog_commit(c);
    if (rc < 0)
        catalog_rollback(c);
    return rc < 0 ? rc : 0;
}

void actions_record_views(struct afs *fs)
{
    struct af_catalog *c = afs_catalog(fs);
    struct viewed *v;

    while (c && (v = g_async_queue_try_pop(fs->viewed))) {
        if (record_first_view(fs, c, v) < 0) {
            /* The catalog is busy (or failing): first in line again, tried
             * on the watcher's next tick. */
            g_async_queue_push_front(fs->viewed, v);
            break;
        }
        g_free(v);
    }
}
