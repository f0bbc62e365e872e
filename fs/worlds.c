/* worlds.c — each person's world on a mount.
 *
 * A world is one person as the policy sees them: the owner, a user with
 * every grant naming them (directly or through a team), or a link with its
 * grants. A single-person mount has one world at its root. A multi-user
 * mount has one world per calling uid, made on first contact: the library
 * owner's uid gets the owner's world, a uid mapped with `albumctl user add
 * --uid` gets that user's, and any other uid gets none.
 * Grants are reloaded (worlds_reload) whenever the watcher sees the catalog
 * change or a grant expire; readers hold worlds_lock for reading while they
 * consult a subject.
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

/* Load (or reload) the grants of w; caller holds worlds_lock for writing. */
static int load_subject(struct afs *fs, struct af_catalog *c, struct world *w)
{
    struct af_subject_buf fresh;
    int rc;

    switch (w->kind) {
    case AFS_MODE_OWNER:
        subject_owner(&fresh);
        rc = 0;
        break;
    case AFS_MODE_USER:
        rc = subject_for_user(c, &w->user, &fresh);
        break;
    case AFS_MODE_LINK:
        rc = subject_for_link(c, &w->link, &fresh);
        break;
    default:
        subject_nobody(&fresh);
        rc = 0;
        break;
    }
    w->person.user_id = w->kind == AFS_MODE_USER ? w->user.id : 0;
    w->person.link_id = w->kind == AFS_MODE_LINK ? w->link.id : 0;
    if (rc < 0) {
        /* Deny by default: a world whose grants cannot be read sees nothing. */
        subject_release(&w->who);
        subject_nobody(&w->who);
        return rc;
    }
    subject_release(&w->who);
    w->who = fresh;
    return 0;
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
}

/* Resolve what uid w->uid is now: owner, a mapped user, or nobody. */
static void resolve_uid(struct afs *fs, struct af_catalog *c, struct world *w)
{
    if (w->uid == fs->owner_uid)
        w->kind = AFS_MODE_OWNER;
    else if (catalog_user_by_uid(c, w->uid, &w->user) == 0)
        w->kind = AFS_MODE_USER;
    else
        w->kind = AFS_MODE_MULTI; /* unmapped: sees nothing */
}

struct world *worlds_for_uid(struct afs *fs, uid_t uid)
{
    struct af_catalog *c;
    struct world *w;
    int key = (int)uid;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    w = g_hash_table_lookup(fs->multi, &key);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (w)
        return w->kind == AFS_MODE_MULTI ? NULL : w;
    c = afs_catalog(fs);
    if (!c)
        return NULL;
    w = g_new0(struct world, 1);
    w->uid = uid;
    subject_nobody(&w->who);
    describe_uid(uid, w->dirname, sizeof w->dirname, &w->gid);
    pthread_rwlock_wrlock(&fs->worlds_lock);
    if (g_hash_table_lookup(fs->multi, &key)) { /* another thread won */
        world_free(w);
        w = g_hash_table_lookup(fs->multi, &key);
    } else {
        resolve_uid(fs, c, w);
        load_subject(fs, c, w);
        /* Worlds live until unmount: nodes point at them. */
        g_hash_table_insert(fs->multi, &w->uid, w);
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    return w->kind == AFS_MODE_MULTI ? NULL : w;
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
    GHashTableIter it;
    gpointer value;

    if (!c)
        return;
    pthread_rwlock_wrlock(&fs->worlds_lock);
    if (fs->single) {
        load_subject(fs, c, fs->single);
    } else {
        g_hash_table_iter_init(&it, fs->multi);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            resolve_uid(fs, c, value);
            load_subject(fs, c, value);
        }
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
}
