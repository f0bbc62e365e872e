/* ops_dir.c — lookup, forget, getattr, directories, statfs, xattrs.
 *
 * Each handler sends exactly one reply. Errors come from tree.c as negative
 * errno and go out unchanged: ENOENT for anything hidden. On a multi-user
 * mount the root holds one folder per person, shown only to that person
 * (and root); those folders are never cached by the kernel (timeouts 0) so
 * another person's lookup always reaches the daemon and is refused. A link
 * gateway's root lists nothing; its sessions' folders are found by name,
 * by the gateway's account only (and root), and never cached either.
 * A lookup of a view that is not rendered yet waits for the render pool
 * and is answered from a render thread; nothing else waits behind it.
 * The kernel keeps the listings of a person's folders (cache_readdir,
 * keep_cache) until the watcher drops them at the next catalog change; so
 * opening a set's folder checks only that it is still there, and the
 * listing is taken at the first read, when the kernel has none. Opening
 * a folder while the watcher has yet to drop them tells the kernel to
 * drop its listing there and then. A listing that will change without the
 * catalog changing (a view still to render, a file being written) is
 * dropped by the watcher after; the multi-user root, listed per caller, is
 * never kept.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "fs/daemon.h"

#define AFS_UNKNOWN_INO 0xffffffffu

static struct afs *afs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

/* Whether the caller may act in world w: its own uid or root. */
static bool caller_owns(struct afs *fs, fuse_req_t req, const struct world *w)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);

    if (!afs_shared(fs))
        return true;
    return w && (ctx->uid == w->uid || ctx->uid == 0);
}

int afs_caller_node(struct afs *fs, fuse_req_t req, fuse_ino_t ino, struct node *out)
{
    if (!nodes_get(fs, ino, out))
        return -ENOENT;
    if (out->kind == NODE_ROOT && !out->world)
        return 0; /* the multi-user root itself */
    return caller_owns(fs, req, out->world) ? 0 : -ENOENT;
}

void afs_fill_entry(const struct afs *fs, const struct node *n, const struct stat *st,
                    struct fuse_entry_param *e)
{
    /* A person's folder is checked at every lookup (multi-user: the kernel's
     * dentry cache is shared by every uid), and a file being written
     * changes size and becomes a photo: never cached. The folder's
     * attributes are (no one reaches its inode but through a lookup the
     * daemon answered for that caller, and the watcher drops them when the
     * catalog changes): Samba stats a share's root for every file it
     * serves, and each stat would be a round trip. */
    bool volatile_entry = n->kind == NODE_PERSON || n->upload_id;

    memset(e, 0, sizeof *e);
    e->ino = n->ino;
    e->generation = 1;
    e->attr = *st;
    e->attr.st_ino = nodes_public_ino(fs, n);
    /* READ ME.txt's size follows the rules (an allowance used): its
     * attributes are asked for afresh every time. */
    e->attr_timeout = n->upload_id || n->kind == NODE_README ? 0.0 : AFS_TIMEOUT;
    e->entry_timeout = volatile_entry ? 0.0 : AFS_TIMEOUT;
}

/* ---- the multi-user root ---- */

static struct world *person_by_name(struct afs *fs, fuse_req_t req, const char *name)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    struct world *w;

    if (fs->cfg.link_gateway)
        return ctx->uid == fs->cfg.gateway_uid || ctx->uid == 0 ? worlds_by_dirname(fs, name)
                                                                : NULL;
    if (ctx->uid == 0) {
        struct passwd pw, *res = NULL;
        char buf[1024];

        if (getpwnam_r(name, &pw, buf, sizeof buf, &res) == 0 && res)
            return worlds_for_uid(fs, res->pw_uid);
        return worlds_by_dirname(fs, name);
    }
    w = worlds_for_uid(fs, ctx->uid);
    return (w && strcmp(w->dirname, name) == 0) ? w : NULL;
}

static int person_entry(struct afs *fs, struct world *w, struct tree_entry *t)
{
    struct node top = {.kind = NODE_PERSON, .world = w};

    memset(t, 0, sizeof *t);
    t->proto = top;
    snprintf(t->name, sizeof t->name, "%s", w->dirname);
    return tree_stat(fs, &top, &t->st);
}

/* ---- lookup ---- */

struct pending_lookup {
    fuse_req_t req;
    fuse_ino_t parent;
    struct node dir;
    char name[];
};

static void answer_lookup(struct afs *fs, fuse_req_t req, fuse_ino_t parent, const struct node *dir,
                          const char *name, bool may_wait);

static void lookup_rendered(struct afs *fs, int rc, void *arg)
{
    struct pending_lookup *p = arg;

    if (rc < 0)
        fuse_reply_err(p->req, renderq_errno(rc));
    else
        answer_lookup(fs, p->req, p->parent, &p->dir, p->name, false);
    free(p);
}

static void answer_lookup(struct afs *fs, fuse_req_t req, fuse_ino_t parent, const struct node *dir,
                          const char *name, bool may_wait)
{
    struct fuse_entry_param e;
    struct tree_entry t;
    struct node *n;
    int64_t epoch = atomic_load(&fs->epoch);
    int rc;

    if (dir->kind == NODE_ROOT && !dir->world) {
        struct world *w = person_by_name(fs, req, name);

        rc = w ? person_entry(fs, w, &t) : -ENOENT;
    } else {
        rc = tree_child(fs, dir, name, &t);
    }
    if (rc == -EAGAIN && may_wait) {
        struct file_source src;
        struct pending_lookup *p;
        size_t len = strlen(name) + 1;

        if (tree_source(fs, &t.proto, &src) != -EAGAIN) {
            fuse_reply_err(req, EIO);
            return;
        }
        p = malloc(sizeof *p + len);
        if (!p) {
            fuse_reply_err(req, ENOMEM);
            return;
        }
        p->req = req;
        p->parent = parent;
        p->dir = *dir;
        memcpy(p->name, name, len);
        renderq_submit(fs, &src.request, lookup_rendered, p);
        return;
    }
    if (rc < 0) {
        if (rc == -ENOENT)
            watcher_kick(fs); /* perhaps newly hidden: drop cached pages soon */
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    n = nodes_lookup(fs, parent, t.name, &t.proto);
    if (!n) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    if (n->kind == NODE_ALBUM)
        actions_album_viewed(fs, n->world, n->album_id);
    afs_fill_entry(fs, n, &t.st, &e);
    if (fuse_reply_entry(req, &e) != 0)
        nodes_forget(fs, n->ino, 1);
    else
        watcher_replied(fs, epoch);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int rc = afs_caller_node(fs, req, parent, &dir);

    if (rc < 0) {
        fuse_reply_err(req, -rc);
        return;
    }
    if (strlen(name) > AF_NAME_MAX) {
        fuse_reply_err(req, ENAMETOOLONG);
        return;
    }
    answer_lookup(fs, req, parent, &dir, name, true);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    nodes_forget(afs_of(req), ino, nlookup);
    fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    struct afs *fs = afs_of(req);

    for (size_t i = 0; i < count; i++)
        nodes_forget(fs, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

/* ---- attributes ---- */

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct node n;
    struct stat st;
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc < 0) {
        if (rc == -ENOENT)
            watcher_kick(fs); /* a known entry is gone: drop its caches soon */
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    st.st_ino = nodes_public_ino(fs, &n);
    fuse_reply_attr(req, &st, n.kind == NODE_README || n.upload_id ? 0.0 : AFS_TIMEOUT);
}

/* ---- directories ---- */

/* An open folder. Its listing is taken at opendir and taken again when a
 * reader starts over (offset 0 after the first read: rewinddir, a file
 * manager's refresh) or when grants or the catalog changed since (the
 * watcher's epoch moved), so a folder held open lists the new truth and
 * never hands out an entry that is hidden now. The first read at offset 0
 * uses the listing opendir took (every `ls` would otherwise pay for two).
 * Offsets index into the current listing. */
struct dirhandle {
    struct afs_handle link;  /* first: on the list of open handles */
    pthread_mutex_t lock;    /* the listing below (one reader at a time) */
    struct node dir;         /* the folder, as opened */
    uint64_t self_ino;       /* its public inode number, for "." */
    bool kernel_keeps;       /* opened with cache_readdir (fixed) */
    bool listed;             /* entries hold a listing... */
    int64_t epoch;           /* ...taken at the watcher's epoch... */
    bool partial;            /* ...with something left out for now (tree_list) */
    bool unread;             /* listed by opendir, not read yet */
    struct tree_entry *entries;
    size_t n;
};

static int list_multi_root(struct afs *fs, fuse_req_t req, struct tree_entry **out, size_t *n)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    struct tree_entry *v = NULL;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (fs->cfg.link_gateway)
        return 0; /* sessions are entered by name, never listed */
    if (ctx->uid == 0) {
        /* Root sees every mapped person's folder. */
        struct af_catalog *c = afs_catalog(fs);
        struct cat_user *users = NULL;
        size_t nu = 0;
        int rc = c ? catalog_users(c, &users, &nu) : -EIO;

        if (rc < 0)
            return rc;
        v = calloc(nu + 1, sizeof *v);
        if (!v) {
            free(users);
            return -ENOMEM;
        }
        for (size_t i = 0; i <= nu; i++) {
            uid_t uid = i < nu ? (uid_t)users[i].uid : fs->owner_uid;
            struct world *w;

            if (i < nu && users[i].uid < 0)
                continue;
            w = worlds_for_uid(fs, uid);
            if (w && person_entry(fs, w, &v[k]) == 0)
                k++;
        }
        free(users);
    } else {
        struct world *w = worlds_for_uid(fs, ctx->uid);

        v = calloc(1, sizeof *v);
        if (!v)
            return -ENOMEM;
        if (w && person_entry(fs, w, &v[0]) == 0)
            k = 1;
    }
    *out = v;
    *n = k;
    return 0;
}

static void dispose_dirhandle(struct afs_handle *link)
{
    struct dirhandle *d = (struct dirhandle *)link;

    pthread_mutex_destroy(&d->lock);
    free(d->entries);
    free(d);
}

/* (Re)take d's listing for the caller of req. Caller holds d->lock, or d
 * is not shared yet. */
static int list_dir(struct afs *fs, fuse_req_t req, struct dirhandle *d)
{
    struct tree_entry *entries = NULL;
    size_t n = 0;
    int64_t epoch = atomic_load(&fs->epoch);
    bool partial = false;
    int rc;

    if (d->dir.kind == NODE_ROOT && !d->dir.world)
        rc = list_multi_root(fs, req, &entries, &n);
    else
        rc = tree_list(fs, &d->dir, &entries, &n, &partial);
    if (rc < 0)
        return rc;
    free(d->entries);
    d->entries = entries;
    d->n = n;
    d->listed = true;
    d->epoch = epoch;
    d->partial = partial;
    return 0;
}

/* Whether the kernel may keep (or go on using) what folder n lists: not
 * the multi-user or gateway root (listed per caller), and not while the
 * watcher has a catalog change still to tell the kernel of (a lookup
 * already finds what changed; what the kernel keeps may be older). */
static bool kernel_may_keep(struct afs *fs, const struct node *n)
{
    struct af_catalog *c = afs_catalog(fs);
    int64_t gen;

    return n->world && c && catalog_generation(c, &gen) == 0 &&
           gen == atomic_load(&fs->told_generation);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct dirhandle *d;
    struct node n;
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc < 0) {
        fuse_reply_err(req, -rc);
        return;
    }
    if (n.kind == NODE_FILE || n.kind == NODE_README) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    d = calloc(1, sizeof *d);
    if (!d) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    d->dir = n;
    d->self_ino = nodes_public_ino(fs, &n);
    d->kernel_keeps = kernel_may_keep(fs, &n);
    if (d->kernel_keeps && afs_is_set_folder(n.kind)) {
        /* Only whether it is still there: the kernel may still hold the
         * listing, and the first read takes it if not. */
        rc = tree_visible(fs, &n);
    } else {
        rc = list_dir(fs, req, d);
        d->unread = true;
        d->kernel_keeps &= !d->partial;
    }
    if (rc < 0) {
        free(d->entries);
        free(d);
        fuse_reply_err(req, -rc);
        return;
    }
    pthread_mutex_init(&d->lock, NULL);
    handles_track(fs, &d->link, dispose_dirhandle);
    fi->fh = (uint64_t)(uintptr_t)d;
    fi->cache_readdir = d->kernel_keeps;
    fi->keep_cache = d->kernel_keeps;
    if (fuse_reply_open(req, fi) != 0)
        handles_release(fs, &d->link);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi, bool plus)
{
    struct afs *fs = afs_of(req);
    struct dirhandle *d = (struct dirhandle *)(uintptr_t)fi->fh;
    char *buf = malloc(size ? size : 1);
    int64_t epoch = atomic_load(&fs->epoch);
    size_t used = 0;
    bool keeps, forget;
    int rc = 0;

    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (!d->listed || (off == 0 && !d->unread) || d->epoch != epoch)
        rc = list_dir(fs, req, d);
    d->unread = false;
    if (rc < 0) {
        pthread_mutex_unlock(&d->lock);
        free(buf);
        fuse_reply_err(req, -rc);
        return;
    }
    epoch = d->epoch;
    /* d may be released as soon as the reply is sent: copied now. */
    keeps = d->kernel_keeps;
    forget = keeps && d->partial;
    /* Offsets: 1 is ".", 2 is "..", 2 + i + 1 is entry i. */
    for (off_t pos = off; pos < (off_t)d->n + 2; pos++) {
        struct fuse_entry_param e;
        struct node *n = NULL;
        const char *name;
        size_t want;

        memset(&e, 0, sizeof e);
        if (pos < 2) {
            name = pos == 0 ? "." : "..";
            e.attr.st_mode = S_IFDIR;
            e.attr.st_ino = pos == 0 ? d->self_ino : AFS_UNKNOWN_INO;
        } else {
            struct tree_entry *t = &d->entries[pos - 2];

            name = t->name;
            if (plus) {
                n = nodes_lookup(fs, ino, t->name, &t->proto);
                if (!n)
                    break;
                afs_fill_entry(fs, n, &t->st, &e);
            } else {
                /* The number a lookup would give: it depends only on
                 * what the entry is. */
                e.attr = t->st;
                e.attr.st_ino = nodes_public_ino(fs, &t->proto);
            }
        }
        if (plus)
            want = fuse_add_direntry_plus(req, buf + used, size - used, name, &e, pos + 1);
        else
            want = fuse_add_direntry(req, buf + used, size - used, name, &e.attr, pos + 1);
        if (want > size - used) {
            if (n)
                nodes_forget(fs, n->ino, 1);
            break;
        }
        used += want;
    }
    pthread_mutex_unlock(&d->lock);
    fuse_reply_buf(req, buf, used);
    free(buf);
    if (forget || (keeps && atomic_load(&fs->epoch) != epoch))
        watcher_forget_listing(fs, ino);
    watcher_replied(fs, epoch);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    readdir_common(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    readdir_common(req, ino, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct dirhandle *d = (struct dirhandle *)(uintptr_t)fi->fh;

    if (d)
        handles_release(afs_of(req), &d->link);
    fuse_reply_err(req, 0);
}

/* The size and free space a mount reports: the same constant for
 * everyone, always. File managers check a destination's free space before
 * copying (Windows Explorer and the macOS Finder refuse "not enough
 * space" up front, also over SMB and WebDAV), and putting a photo into a
 * drop folder stores nothing; an upload finds out about a full disk when
 * it writes (ENOSPC). The library's real free space would tell a guest
 * when someone imports into albums hidden from them. */
#define AFS_STATFS_BLOCKS (UINT64_C(16) << 24) /* 16 TiB of 64 KiB blocks */

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs sv;

    memset(&sv, 0, sizeof sv);
    sv.f_bsize = 65536;
    sv.f_frsize = 65536;
    sv.f_blocks = sv.f_bfree = sv.f_bavail = AFS_STATFS_BLOCKS;
    sv.f_files = sv.f_ffree = sv.f_favail = UINT32_MAX;
    sv.f_namemax = AF_NAME_MAX;
    fuse_reply_statfs(req, &sv);
}

void ops_dir_register(struct fuse_lowlevel_ops *ops)
{
    ops->lookup = op_lookup;
    ops->forget = op_forget;
    ops->forget_multi = op_forget_multi;
    ops->getattr = op_getattr;
    ops->opendir = op_opendir;
    ops->readdir = op_readdir;
    ops->readdirplus = op_readdirplus;
    ops->releasedir = op_releasedir;
    ops->statfs = op_statfs;
}
