/* worlds.c — each person's world on a mount.
 *
 * A world is one person as the policy sees them: the owner, a user with
 * every grant naming them (directly or through a team), or a link with its
 * grants. A single-person mount has one world at its root. A multi-user
 * mount has one world per calling uid, made on first contact: the library
 * owner's uid gets the owner's world, a uid mapped with `albumctl user add
 * --uid` gets that user's, and any other uid gets none. A link gateway
 * (--link-gateway) has one world per share link logged in through its
 * socket (gateway.c), a link's world as a --link mount has, owned by the
 * gateway's account and named by a random session id; a session whose link
 * died (revoked, expired) is ended for good at the next reload: its folder
 * is gone, and the link's next login gets a new one.
 *
 * Locking (daemon.h): a world's uid, gid, dirname and link never change
 * once it is published; its kind, user, person and grants (who) change when
 * the watcher reloads (worlds_reload: a revocation, a uid mapped to another
 * person) and are read and written under worlds_lock only — readers copy
 * what they need (worlds_identity) and let go. Nothing here holds
 * worlds_lock across a catalog call: the new grants are read first, then
 * swapped in under the write lock. A world made by worlds_for_uid while
 * the watcher reloads may have read an older catalog; it then asks the
 * watcher for another reload (reload_wanted). A person whose grants could
 * not be read (a catalog error, not an answer) keeps what they had — a new
 * uid nothing, its request refused and not remembered — and the watcher
 * is asked to read again: an error never maps someone to nobody until the
 * next change, nor ends a session.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fs/daemon.h"
#include "store/claims.h"
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

/* A live grant among who's (NULL if none). */
static const struct af_grant *live_grant(const struct af_subject_buf *who, af_time now)
{
    for (size_t i = 0; i < who->subject.n_grants; i++)
        if (policy_grant_live(&who->grants[i], now))
            return &who->grants[i];
    return NULL;
}

/* The live grant of a link's world, which claims are made from (NULL if
 * none: the link expired or was revoked). */
static const struct af_grant *link_live_grant(const struct world *w, af_time now)
{
    return live_grant(&w->who, now);
}

static int link_is_dead(const struct world *w, af_time now)
{
    return link_live_grant(w, now) == NULL;
}

/* Tell the person on stderr what became of their confirmation code. */
static void say_code_sent(const char *email, enum claim_sent outcome)
{
    const char *until = "until then you see what the link shows";

    switch (outcome) {
    case CLAIM_SENT:
        fprintf(stderr, "albumfs: a confirmation code was sent to %s; mount again with "
                "--code-file FILE (FILE holding the code) for access of your own; %s\n",
                email, until);
        break;
    case CLAIM_SENT_NO_COMMAND:
        fprintf(stderr, "albumfs: a confirmation code for %s waits in the photographer's outbox: "
                "this library has no e-mail delivery set up ('albumctl notify settings "
                "--command'); ask them for it, then mount again with --code-file FILE; %s\n",
                email, until);
        break;
    case CLAIM_NOT_SENT_ADDRESS:
        fprintf(stderr, "albumfs: no new confirmation code for %s: %d were sent in the last %d "
                "minutes; use the newest with --code-file FILE; %s\n", email,
                CLAIM_CODES_PER_ADDRESS, CLAIM_CODE_TTL_SECONDS / 60, until);
        break;
    case CLAIM_NOT_SENT_LINK:
        fprintf(stderr, "albumfs: no confirmation code for %s: this link asked for too many in "
                "the last hour; try again later; %s\n", email, until);
        break;
    }
}

/* A link holder gave an e-mail address (store/claims.h). Without a code:
 * one is sent there, and the mount keeps exactly the link's rights. With
 * the code from that message: the world becomes the address's user, with
 * a grant of their own claimed through the link. */
static int claim_link(struct afs *fs, struct af_catalog *c, struct world *w, const char **why)
{
    const struct af_grant *from = link_live_grant(w, (af_time)time(NULL));
    char code[CLAIM_CODE_FILE_MAX + 1];
    enum claim_sent outcome;
    int rc;

    if (!from) {
        *why = "this link has expired or was revoked";
        return -EKEYEXPIRED;
    }
    if (!fs->cfg.code_file) {
        rc = claims_send_code(fs->lib, c, &w->link, fs->cfg.email, &outcome);
        if (rc == 0)
            say_code_sent(fs->cfg.email, outcome);
        else
            *why = rc == -EINVAL ? "that is not an e-mail address"
                                 : "cannot queue a confirmation code; try again";
        return rc;
    }
    rc = claims_read_code_file(fs->cfg.code_file, code);
    if (rc < 0) {
        *why = rc == -EPERM    ? "the code file can be read by other users; chmod 600 it"
               : rc == -ENODATA ? "the code file holds no code"
                                : "cannot read the code file";
        return rc == -EPERM || rc == -ENODATA ? -EACCES : rc;
    }
    rc = claims_confirm(fs->lib, c, &w->link, from, fs->cfg.email, code, &w->user, why);
    sodium_memzero(code, sizeof code);
    if (rc < 0) {
        if (!(*why)[0])
            *why = "cannot record access of your own; try again";
        return rc;
    }
    w->kind = AFS_MODE_USER;
    rc = load_subject(fs, c, w);
    if (rc < 0)
        *why = "cannot read the grants";
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
        if (rc == 0 && w->user.removed)
            rc = -ENOENT; /* removed by the owner: as if never added */
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
        rc = claim_link(fs, c, w, why);
        if (rc < 0)
            goto out;
    }
    /* One more use of the link (albumctl link list). Only a count: a mount
     * whose catalog refuses the write (read-only) still serves. */
    if (fs->cfg.link && (rc = catalog_link_used(c, w->link.id, (af_time)time(NULL))) < 0 &&
        fs->cfg.debug)
        afs_log(LOG_NOTICE, "cannot count the link's use: %s", strerror(-rc));
    rc = 0;
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
    if (fs->cfg.link_gateway) {
        fs->multi = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, world_free);
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

/* Who uid is now: the owner, a mapped user, or nobody (AFS_MODE_MULTI,
 * an unmapped uid); a catalog error when that could not be read. */
static int resolve_uid(struct afs *fs, struct af_catalog *c, uid_t uid, struct identity *id)
{
    int rc = 0;

    memset(id, 0, sizeof *id);
    if (uid == fs->owner_uid)
        id->kind = AFS_MODE_OWNER;
    else if ((rc = catalog_user_by_uid(c, uid, &id->user)) == 0)
        id->kind = AFS_MODE_USER;
    else if (rc == -ENOENT)
        id->kind = AFS_MODE_MULTI; /* unmapped: sees nothing */
    return rc == -ENOENT ? 0 : rc;
}

/* Who the person of uid is now, grants and all: 0, or a catalog error
 * (then *id holds nothing to release and decides nothing). */
static int read_uid(struct afs *fs, struct af_catalog *c, uid_t uid, struct identity *id,
                    const struct cat_link *link)
{
    int rc = resolve_uid(fs, c, uid, id);

    return rc < 0 ? rc : read_subject(c, id, link);
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
    if (read_uid(fs, c, uid, &id, &w->link) < 0) {
        afs_log(LOG_WARNING, "cannot read who uid %u is (%s); refused, asking again",
                (unsigned)uid, catalog_errmsg(c));
        world_free(w); /* nothing decided: this request is refused, the next asks again */
        return NULL;
    }
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

/* A gateway session that may be used now. Caller holds worlds_lock. */
static bool session_live(const struct world *w, af_time now)
{
    return w->kind == AFS_MODE_LINK && link_live_grant(w, now);
}

struct world *worlds_by_dirname(struct afs *fs, const char *name)
{
    GHashTableIter it;
    gpointer value;
    struct world *found = NULL;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (fs->cfg.link_gateway) {
        found = g_hash_table_lookup(fs->multi, name);
        if (found && !session_live(found, (af_time)time(NULL)))
            found = NULL;
        pthread_rwlock_unlock(&fs->worlds_lock);
        return found;
    }
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

/* The live session of link_id (NULL if none). Caller holds worlds_lock. */
static struct world *session_of_link(struct afs *fs, int64_t link_id)
{
    af_time now = (af_time)time(NULL);
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, fs->multi);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        struct world *w = value;

        if (w->link.id == link_id && session_live(w, now))
            return w;
    }
    return NULL;
}

/* The live session of link_id, its name copied into dirname; false if none. */
static bool find_session(struct afs *fs, int64_t link_id, char *dirname)
{
    struct world *w;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    w = session_of_link(fs, link_id);
    if (w)
        memcpy(dirname, w->dirname, WORLDS_SESSION_NAME_CHARS + 1);
    pthread_rwlock_unlock(&fs->worlds_lock);
    return w != NULL;
}

int worlds_link_session(struct afs *fs, const struct cat_link *link,
                        char dirname[WORLDS_SESSION_NAME_CHARS + 1])
{
    unsigned char id[WORLDS_SESSION_NAME_CHARS / 2];
    struct af_catalog *c;
    struct identity ident = {.kind = AFS_MODE_LINK};
    struct world *w, *other;
    int64_t gen = 0;
    int rc;

    if (find_session(fs, link->id, dirname))
        return 0;
    c = afs_catalog(fs);
    if (!c || catalog_generation(c, &gen) < 0)
        return -EIO;
    w = g_new0(struct world, 1);
    w->uid = fs->cfg.gateway_uid;
    w->gid = fs->cfg.gateway_gid;
    w->link = *link;
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(w->dirname, sizeof w->dirname, id, sizeof id);
    subject_nobody(&w->who);
    rc = read_subject(c, &ident, &w->link);
    install_identity(w, &ident);
    if (rc < 0 || link_is_dead(w, (af_time)time(NULL))) {
        world_free(w);
        return rc < 0 ? rc : -EKEYEXPIRED;
    }
    pthread_rwlock_wrlock(&fs->worlds_lock);
    /* Two logins of one link at once: the first one in keeps its session. */
    other = session_of_link(fs, link->id);
    memcpy(dirname, other ? other->dirname : w->dirname, WORLDS_SESSION_NAME_CHARS + 1);
    if (!other) /* Worlds live until unmount: nodes point at them. */
        g_hash_table_insert(fs->multi, w->dirname, w);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (other) {
        world_free(w);
    } else if (gen != atomic_load(&fs->generation)) {
        atomic_store(&fs->reload_wanted, true);
        watcher_kick(fs);
    }
    return 0;
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
        int rc;

        /* A single world's kind and user are fixed at start-up (only the
         * watcher changes them, and only on multi-user mounts). */
        if (fs->single) {
            memset(&id, 0, sizeof id);
            id.kind = w->kind;
            id.user = w->user;
        } else if (fs->cfg.link_gateway) {
            /* Only this thread changes a session's kind: read unlocked. */
            if (w->kind != AFS_MODE_LINK)
                continue; /* ended for good */
            memset(&id, 0, sizeof id);
            id.kind = AFS_MODE_LINK;
        }
        rc = fs->single || fs->cfg.link_gateway ? read_subject(c, &id, &w->link)
                                                : read_uid(fs, c, w->uid, &id, &w->link);
        if (rc < 0) {
            /* Not read (a busy or failing catalog): the person keeps what
             * they had, no more, and a session does not end, until the
             * watcher's next reload, asked for now, reads it. */
            afs_log(LOG_WARNING, "cannot re-read the grants of %s (%s); asking again",
                    w->dirname[0] ? w->dirname : "the mount's person", catalog_errmsg(c));
            atomic_store(&fs->reload_wanted, true);
            continue;
        }
        if (fs->cfg.link_gateway && !live_grant(&id.who, (af_time)time(NULL))) {
            subject_release(&id.who); /* the link died: the session ends */
            memset(&id, 0, sizeof id);
            id.kind = AFS_MODE_MULTI;
            subject_nobody(&id.who);
        }
        pthread_rwlock_wrlock(&fs->worlds_lock);
        install_identity(w, &id);
        pthread_rwlock_unlock(&fs->worlds_lock);
    }
    g_ptr_array_free(all, TRUE);
}
