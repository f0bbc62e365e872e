/* worlds.c — each person's world on a mount.
 *
 * A world is one person as the policy sees them: the owner, a user with
 * every grant naming them (directly or through a team), or a link with its
 * grants. A single-person mount has one world at its root. A multi-user
 * mount has one world per calling uid, made on first contact: the library
 * owner's uid gets the owner's world, a uid mapped with `albumctl user add
 * --uid` gets that user's, and any other uid gets none.
 *
 * Locking (daemon.h): a world's uid, gid, dirname and link never change
 * once it is published; its kind, user, person and grants (who) change when
 * the watcher reloads (worlds_reload: a revocation, a uid mapped to another
 * person) and are read and written under worlds_lock only — readers copy
 * what they need (worlds_identity) and let go. Nothing here holds
 * worlds_lock across a catalog call: the new grants are read first, then
 * swapped in under the write lock. A world made by worlds_for_uid while
 * the watcher reloads may have read an older catalog; it then asks the
 * watcher for another reload (reload_wanted).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs/daemon.h"
#include "store/links.h"

/* Who a world is: its kind, the user it is (AFS_MODE_USER) and its grants,
 * as read from the catalog; swapped into a world by install_identity. */
struct identity {
    enum afs_mode kind;
    struct cat_user user;
    struct af_subject_buf who;
};

/* Read the grants of a world of this kind. Deny by default: when they
 * cannot be read, the world sees nothing (and rc < 0 says why). */
static int read_subject(struct af_catalog *c, struct identity *id, const struct cat_link *link)
{
    int rc = 0;

    switch (id->kind) {
    case AFS_MODE_OWNER:
        subject_owner(&id->who);
        break;
    case AFS_MODE_USER:
        rc = subject_for_user(c, &id->user, &id->who);
        break;
    case AFS_MODE_LINK:
        rc = subject_for_link(c, link, &id->who);
        break;
    default:
        subject_nobody(&id->who);
        break;
    }
    if (rc < 0)
        subject_nobody(&id->who);
    return rc;
}

/* Make id the identity of w (id's grants now belong to w). Caller holds
 * worlds_lock for writing, or w is not published yet. */
static void install_identity(struct world *w, struct identity *id)
{
    subject_release(&w->who);
    w->kind = id->kind;
    w->user = id->user;
    w->who = id->who;
    memset(&w->person, 0, sizeof w->person);
    w->person.user_id = w->kind == AFS_MODE_USER ? w->user.id : 0;
    w->person.link_id = w->kind == AFS_MODE_LINK ? w->link.id : 0;
}

/* Load the grants of a world not published yet (start-up). */
static int load_subject(struct afs *fs, struct af_catalog *c, struct world *w)
{
    struct identity id = {.kind = w->kind, .user = w->user};
    int rc = read_subject(c, &id, &w->link);

    (void)fs;
    install_identity(w, &id);
    return rc;
}

void worlds_identity(struct afs *fs, struct world *w, struct world_id *out)
{
    pthread_rwlock_rdlock(&fs->worlds_lock);
    out->kind = w->kind;
    out->person = w->person;
    snprintf(out->label, sizeof out->label, "%s", w->who.label);
    pthread_rwlock_unlock(&fs->worlds_lock);
}

static af_time next_expiry(const struct world *w, af_time now)
{
    af_time next = 0;

    for (size_t i = 0; i < w->who.subject.n_grants; i++) {
        af_time e = w->who.grants[i].expires;

        if (e > now && (next == 0 || e < next))
            next = e;
    }
    return next;
}

/* The folder name (login name, else the number) and group of a uid. */
static void describe_uid(uid_t uid, char *name, size_t len, gid_t *gid)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];

    if (getpwuid_r(uid, &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name[0]) {
        snprintf(name, len, "%s", res->pw_name);
        *gid = res->pw_gid;
    } else {
        snprintf(name, len, "%u", (unsigned)uid);
        *gid = (gid_t)uid;
    }
}

static int link_is_dead(const struct world *w, af_time now)
{
    for (size_t i = 0; i < w->who.subject.n_grants; i++)
        if (policy_grant_live(&w->who.grants[i], now))
            return 0;
    return 1;
}

/* A person who came through a link gives an e-mail: they become a user with
 * a grant of their own on the link's album — role invited, the link's
 * settings, favourites allowed — unless they already hold a live grant
 * there. From then on what they do is theirs in the activity. */
static int claim_link(struct af_catalog *c, const struct world *link_world, const char *email,
                      struct cat_user *user, const char **why)
{
    const struct af_grant *from = NULL;
    struct af_grant *mine = NULL;
    struct cat_grant g;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    const char *bad;
    bool have = false;
    int rc;

    if (names_check_email(email, &bad) < 0) {
        *why = "that is not an e-mail address";
        return -EINVAL;
    }
    for (size_t i = 0; i < link_world->who.subject.n_grants && !from; i++)
        if (policy_grant_live(&link_world->who.grants[i], now))
            from = &link_world->who.grants[i];
    if (!from)
        return -EKEYEXPIRED;
    if ((rc = catalog_begin(c)) < 0)
        goto fail;
    rc = catalog_user_by_email(c, email, user);
    if (rc == -ENOENT && (rc = catalog_user_add(c, email, "", -1, NULL)) == 0)
        rc = catalog_user_by_email(c, email, user);
    if (rc == 0)
        rc = catalog_grants_for_user(c, user->id, &mine, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        have |= mine[i].album_id == from->album_id && policy_grant_live(&mine[i], now);
    free(mine);
    if (rc == 0 && !have) {
        memset(&g, 0, sizeof g);
        g.grant = *from;
        g.grant.role = AF_ROLE_INVITED;
        g.grant.settings.may_favourite = true;
        policy_settings_clamp(AF_ROLE_INVITED, &g.grant.settings);
        g.principal = CAT_PRINCIPAL_USER;
        g.principal_id = user->id;
        rc = catalog_grant_add(c, &g);
        if (rc == 0)
            rc = catalog_activity_add(c, "link-claimed", email, g.grant.id, from->album_id, 0,
                                      link_world->who.label);
    }
    if (rc < 0)
        goto fail;
    return catalog_commit(c);
fail:
    catalog_rollback(c);
    *why = "cannot record access of your own; try again";
    return rc;
}

static int single_world(struct afs *fs, struct af_catalog *c, const char **why)
{
    struct world *w = g_new0(struct world, 1);
    char *password = NULL;
    int rc = 0;

    w->uid = getuid();
    w->gid = getgid();
    if (fs->cfg.person) {
        w->kind = AFS_MODE_USER;
        rc = catalog_user_by_email(c, fs->cfg.person, &w->user);
        if (rc < 0)
            *why = "no such person in the catalog; add them with 'albumctl user add'";
    } else if (fs->cfg.link) {
        w->kind = AFS_MODE_LINK;
        if (fs->cfg.password_file && links_read_password_file(fs->cfg.password_file, &password) < 0) {
            *why = "cannot read the password file";
            rc = -EACCES;
            goto out;
        }
        rc = links_resolve(fs->lib, fs->cfg.link, password, &w->link, NULL);
        if (rc == -ENOENT)
            *why = "no such link";
        else if (rc == -EKEYEXPIRED)
            *why = "this link has expired or was revoked";
        else if (rc == -EAGAIN)
            *why = "too many password attempts on this link just now; try again in a minute";
        else if (rc == -EACCES)
            *why = password ? "wrong password for this link" : "this link needs a password; give --password-file";
    } else {
        w->kind = AFS_MODE_OWNER;
    }
    if (rc < 0)
        goto out;
    subject_nobody(&w->who);
    rc = load_subject(fs, c, w);
    if (rc < 0) {
        *why = "cannot read the grants";
        goto out;
    }
    /* Checked again with the grants loaded: revoked while the attempt
     * waited for its password turn. */
    if (w->kind == AFS_MODE_LINK && link_is_dead(w, (af_time)time(NULL))) {
        *why = "this link has expired or was revoked";
        rc = -EKEYEXPIRED;
        goto out;
    }
    if (w->kind == AFS_MODE_LINK && fs->cfg.email) {
        rc = claim_link(c, w, fs->cfg.email, &w->user, why);
        if (rc < 0)
            goto out;
        w->kind = AFS_MODE_USER;
        rc = load_subject(fs, c, w);
        if (rc < 0) {
            *why = "cannot read the grants";
            goto out;
        }
    }
    fs->single = w;
    w = NULL;
out:
    if (password)
        links_password_free(password);
    if (w) {
        subject_release(&w->who);
        g_free(w);
    }
    return rc;
}

static void world_free(gpointer p)
{
    struct world *w = p;

    if (w->seen_albums)
        g_hash_table_destroy(w->seen_albums);
    subject_release(&w->who);
    g_free(w);
}

int worlds_init(struct afs *fs, const char **why)
{
    struct af_catalog *c = afs_catalog(fs);

    pthread_rwlock_init(&fs->worlds_lock, NULL);
    pthread_mutex_init(&fs->views_lock, NULL);
    if (!c) {
        *why = "cannot open the catalog";
        return -EIO;
    }
    if (fs->cfg.multi_user) {
        fs->multi = g_hash_table_new_full(g_int_hash, g_int_equal, NULL, world_free);
        return 0;
    }
    return single_world(fs, c, why);
}

void worlds_release(struct afs *fs)
{
    if (fs->multi)
        g_hash_table_destroy(fs->multi);
    if (fs->single)
        world_free(fs->single);
    fs->multi = NULL;
    fs->single = NULL;
    pthread_rwlock_destroy(&fs->worlds_lock);
    pthread_mutex_destroy(&fs->views_lock);
}

/* Who uid is now: the owner, a mapped user, or nobody (AFS_MODE_MULTI). */
static void resolve_uid(struct afs *fs, struct af_catalog *c, uid_t uid, struct identity *id)
{
    memset(id, 0, sizeof *id);
    if (uid == fs->owner_uid)
        id->kind = AFS_MODE_OWNER;
    else if (catalog_user_by_uid(c, uid, &id->user) == 0)
        id->kind = AFS_MODE_USER;
    else
        id->kind = AFS_MODE_MULTI; /* unmapped: sees nothing */
}

/* Whether w is a person's world (not an unmapped uid's). */
static bool mapped(struct afs *fs, struct world *w)
{
    bool yes;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    yes = w->kind != AFS_MODE_MULTI;
    pthread_rwlock_unlock(&fs->worlds_lock);
    return yes;
}

struct world *worlds_for_uid(struct afs *fs, uid_t uid)
{
    struct af_catalog *c;
    struct identity id;
    struct world *w, *other;
    int64_t gen = 0;
    int key = (int)uid;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    w = g_hash_table_lookup(fs->multi, &key);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (w)
        return mapped(fs, w) ? w : NULL;
    c = afs_catalog(fs);
    if (!c || catalog_generation(c, &gen) < 0)
        return NULL;
    w = g_new0(struct world, 1);
    w->uid = uid;
    subject_nobody(&w->who);
    describe_uid(uid, w->dirname, sizeof w->dirname, &w->gid);
    resolve_uid(fs, c, uid, &id);
    read_subject(c, &id, &w->link);
    install_identity(w, &id);
    pthread_rwlock_wrlock(&fs->worlds_lock);
    other = g_hash_table_lookup(fs->multi, &key);
    if (!other) /* Worlds live until unmount: nodes point at them. */
        g_hash_table_insert(fs->multi, &w->uid, w);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (other) { /* another thread won */
        world_free(w);
        w = other;
    } else if (gen != atomic_load(&fs->generation)) {
        /* Read at another generation than the watcher's last reload. */
        atomic_store(&fs->reload_wanted, true);
        watcher_kick(fs);
    }
    return mapped(fs, w) ? w : NULL;
}

struct world *worlds_by_dirname(struct afs *fs, const char *name)
{
    GHashTableIter it;
    gpointer value;
    struct world *found = NULL;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    g_hash_table_iter_init(&it, fs->multi);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        struct world *w = value;

        if (w->kind != AFS_MODE_MULTI && strcmp(w->dirname, name) == 0) {
            found = w;
            break;
        }
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    return found;
}

af_time worlds_next_expiry(struct afs *fs)
{
    af_time now = (af_time)time(NULL), next = 0;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (fs->single) {
        next = next_expiry(fs->single, now);
    } else {
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, fs->multi);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            af_time e = next_expiry(value, now);

            if (e && (next == 0 || e < next))
                next = e;
        }
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    return next;
}

void worlds_reload(struct afs *fs)
{
    struct af_catalog *c = afs_catalog(fs);
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    if (!c) {
        g_ptr_array_free(all, TRUE);
        return;
    }
    /* Worlds are never freed before unmount: the pointers stay valid. */
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (fs->single) {
        g_ptr_array_add(all, fs->single);
    } else {
        g_hash_table_iter_init(&it, fs->multi);
        while (g_hash_table_iter_next(&it, NULL, &value))
            g_ptr_array_add(all, value);
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    for (guint i = 0; i < all->len; i++) {
        struct world *w = g_ptr_array_index(all, i);
        struct identity id;

        /* A single world's kind and user are fixed at start-up (only the
         * watcher changes them, and only on multi-user mounts). */
        if (fs->single) {
            memset(&id, 0, sizeof id);
            id.kind = w->kind;
            id.user = w->user;
        } else {
            resolve_uid(fs, c, w->uid, &id);
        }
        read_subject(c, &id, &w->link);
        pthread_rwlock_wrlock(&fs->worlds_lock);
        install_identity(w, &id);
        pthread_rwlock_unlock(&fs->worlds_lock);
    }
    g_ptr_array_free(all, TRUE);
}
