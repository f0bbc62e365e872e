/* ops_write.c — every operation that changes something.
 *
 * People change three things through a mount, with operations a file
 * manager and a shell both offer (docs/filesystem.md, docs/clients.md):
 *   - favourites: put a photo into Favourites/<Set>/ (copy, link or touch
 *     its name there) to add it; delete it there to remove it;
 *   - high-res downloads: put a photo into High-res/<Set>/ the same way to
 *     take it (a limited allowance is charged once, there and then; EDQUOT
 *     when it is used up); taking is never undone by deleting;
 *   - private marks: chmod o-r on a photo marks it private, o+r unmarks.
 * Putting works by name: the photo of that name in that set is meant, and
 * the bytes written by a copy are not kept (the photo is already stored).
 * Read-only extended attributes (user.albumfs.*) tell what a file is.
 * Everything else that would write is EROFS on visible entries — the
 * kernel has already answered ENOENT for hidden names before we see them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/daemon.h"

static struct afs *afs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

bool afs_is_drop_folder(const struct node *dir)
{
    return dir->kind == NODE_FAVSET || (dir->kind == NODE_VIEWSET && dir->view == AF_VIEW_HIGHRES);
}

/* Put photo `name` into drop folder dir: favourite it or take it. */
static int put_photo(struct afs *fs, const struct node *dir, const char *name, int64_t must_be)
{
    int64_t photo_id;
    int rc = tree_photo_for_name(fs, dir, name, &photo_id);

    if (rc < 0)
        return rc == -ENOENT ? -ENOENT : rc;
    if (must_be && photo_id != must_be)
        return -EXDEV; /* `ln A/x B/y`: only a photo itself can be linked */
    if (dir->kind == NODE_FAVSET)
        rc = actions_favourite(fs, dir->world, photo_id, true);
    else
        rc = actions_take(fs, dir->world, photo_id);
    audit_refused(fs, dir->world, dir->album_id, photo_id,
                  dir->kind == NODE_FAVSET ? "favourite" : "take", rc);
    return rc;
}

/* ---- answering with the entry that now exists ---- */

struct pending_entry {
    fuse_req_t req;
    fuse_ino_t parent;
    struct node dir;
    bool create; /* reply with an open handle too */
    struct fuse_file_info fi;
    char name[];
};

static void reply_entry(struct afs *fs, fuse_req_t req, fuse_ino_t parent, const struct node *dir,
                        const char *name, struct fuse_file_info *fi, bool may_wait);

static void entry_rendered(struct afs *fs, int rc, void *arg)
{
    struct pending_entry *p = arg;

    if (rc < 0)
        fuse_reply_err(p->req, renderq_errno(rc));
    else
        reply_entry(fs, p->req, p->parent, &p->dir, p->name, p->create ? &p->fi : NULL, false);
    free(p);
}

static void reply_entry(struct afs *fs, fuse_req_t req, fuse_ino_t parent, const struct node *dir,
                        const char *name, struct fuse_file_info *fi, bool may_wait)
{
    struct fuse_entry_param e;
    struct tree_entry t;
    struct filehandle *h = NULL;
    struct node *n;
    int64_t epoch = atomic_load(&fs->epoch);
    int rc = tree_child(fs, dir, name, &t);

    if (rc == -EAGAIN && may_wait) {
        struct file_source src;
        size_t len = strlen(name) + 1;
        struct pending_entry *p;

        if (tree_source(fs, &t.proto, &src) != -EAGAIN || !(p = calloc(1, sizeof *p + len))) {
            fuse_reply_err(req, EIO);
            return;
        }
        p->req = req;
        p->parent = parent;
        p->dir = *dir;
        p->create = fi != NULL;
        if (fi)
            p->fi = *fi;
        memcpy(p->name, name, len);
        renderq_submit(fs, &src.request, entry_rendered, p);
        return;
    }
    if (rc < 0) {
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    n = nodes_lookup(fs, parent, t.name, &t.proto);
    if (!n || (fi && !(h = afs_file_handle(fs, n, NULL)))) {
        if (n)
            nodes_forget(fs, n->ino, 1);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    afs_fill_entry(fs, n, &t.st, &e);
    if (fi) {
        fi->fh = (uint64_t)(uintptr_t)h;
        fi->direct_io = 1;
        rc = fuse_reply_create(req, &e, fi);
    } else {
        rc = fuse_reply_entry(req, &e);
    }
    if (rc != 0) {
        if (h)
            afs_file_handle_release(fs, h);
        nodes_forget(fs, n->ino, 1);
        return;
    }
    watcher_replied(fs, epoch);
}

/* The folder a new name goes into, checked: 0 for a drop folder, -EROFS
 * for any other visible folder, -ENOENT for a hidden one. */
static int drop_folder(struct afs *fs, fuse_req_t req, fuse_ino_t parent, struct node *dir)
{
    int rc = afs_caller_node(fs, req, parent, dir);

    if (rc < 0)
        return rc;
    return afs_is_drop_folder(dir) ? 0 : -EROFS;
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int rc = drop_folder(fs, req, parent, &dir);

    if (rc == -EROFS)
        audit_refused(fs, dir.world, dir.album_id, 0, "create", rc);
    if (rc == 0)
        rc = put_photo(fs, &dir, name, 0);
    if (rc < 0)
        fuse_reply_err(req, rc == -ENOENT ? EACCES : -rc); /* no such photo to put here */
    else
        reply_entry(fs, req, parent, &dir, name, fi, true);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int rc = afs_caller_node(fs, req, parent, &dir);
    bool seen = rc == 0;

    if (!S_ISREG(mode) || (seen && !afs_is_drop_folder(&dir)))
        rc = -EROFS;
    if (seen && rc == -EROFS)
        audit_refused(fs, dir.world, dir.album_id, 0, "create", rc);
    if (rc == 0)
        rc = put_photo(fs, &dir, name, 0);
    if (rc < 0)
        fuse_reply_err(req, rc == -ENOENT ? EACCES : -rc);
    else
        reply_entry(fs, req, parent, &dir, name, NULL, true);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct afs *fs = afs_of(req);
    struct node src, dir;
    int rc = afs_caller_node(fs, req, ino, &src);

    if (rc == 0 && src.kind != NODE_FILE)
        rc = -EPERM; /* no hard links to folders */
    if (rc == 0)
        rc = drop_folder(fs, req, newparent, &dir);
    if (rc == -EPERM || rc == -EROFS)
        audit_refused(fs, src.world, src.album_id, src.photo_id, "link", rc);
    if (rc == 0)
        rc = put_photo(fs, &dir, newname, src.photo_id);
    if (rc < 0)
        fuse_reply_err(req, rc == -ENOENT ? EACCES : -rc);
    else
        reply_entry(fs, req, newparent, &dir, newname, NULL, true);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int64_t photo_id;
    int rc = afs_caller_node(fs, req, parent, &dir);

    if (rc == 0 && dir.kind != NODE_FAVSET)
        rc = (dir.kind == NODE_VIEWSET && dir.view == AF_VIEW_HIGHRES) ? -EPERM : -EROFS;
    if (rc == -EPERM || rc == -EROFS)
        audit_refused(fs, dir.world, dir.album_id, 0, "delete", rc);
    if (rc == 0)
        rc = tree_photo_for_name(fs, &dir, name, &photo_id);
    if (rc == 0)
        rc = actions_favourite(fs, dir.world, photo_id, false);
    fuse_reply_err(req, -rc);
}

/* chmod: only the "others may read" bit means something (private marks);
 * truncate and times are accepted without effect on what was just put in a
 * drop folder (cp and touch do that). */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    const int ignorable = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                          FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
    struct node n, dir;
    struct stat st;
    const char *op = "chmod";
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
        op = "chown";
        rc = -EPERM;
    }
    if (rc == 0 && (to_set & FUSE_SET_ATTR_MODE)) {
        mode_t want = attr->st_mode & 07777, have = st.st_mode & 07777;

        if (n.kind != NODE_FILE || (want & ~(mode_t)S_IROTH) != (have & ~(mode_t)S_IROTH))
            rc = -EPERM; /* only o+r / o-r on a photo has a meaning */
        else if (want != have)
            rc = actions_mark_private(fs, n.world, n.photo_id, !(want & S_IROTH));
    }
    if (rc == 0 && (to_set & ignorable) &&
        (n.kind != NODE_FILE || !nodes_get(fs, n.parent, &dir) || !afs_is_drop_folder(&dir))) {
        op = "write";
        rc = -EROFS;
    }
    if (rc == -EPERM || rc == -EACCES || rc == -EROFS)
        audit_refused(fs, n.world, n.album_id, n.photo_id, op, rc);
    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc < 0) {
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    st.st_ino = nodes_public_ino(fs, &n);
    fuse_reply_attr(req, &st, AFS_TIMEOUT);
}

/* ---- extended attributes: read-only facts ---- */

#define XATTR_VIEW "user.albumfs.view"
#define XATTR_PRIVATE "user.albumfs.private"
#define XATTR_FAVOURITE "user.albumfs.favourite"

/* The value of xattr `name` of node n into buf: its length, or -ENODATA. */
static int xattr_value(struct afs *fs, const struct node *n, const char *name, char *buf,
                       size_t len)
{
    struct af_catalog *c = afs_catalog(fs);
    struct world_id who;
    struct cat_photo p;
    int fav;

    if (n->kind != NODE_FILE)
        return -ENODATA;
    if (!c || catalog_photo_by_id(c, n->photo_id, &p) < 0)
        return -ENOENT;
    if (strcmp(name, XATTR_VIEW) == 0)
        return snprintf(buf, len, "%s", policy_view_name(n->view));
    if (strcmp(name, XATTR_PRIVATE) == 0)
        return snprintf(buf, len, "%d", p.is_private ? 1 : 0);
    if (strcmp(name, XATTR_FAVOURITE) != 0)
        return -ENODATA;
    worlds_identity(fs, n->world, &who);
    if (who.kind != AFS_MODE_OWNER && (fav = catalog_is_favourite(c, &who.person, p.id)) >= 0)
        return snprintf(buf, len, "%d", fav);
    return -ENODATA;
}

static bool ours(const char *name)
{
    return strcmp(name, XATTR_VIEW) == 0 || strcmp(name, XATTR_PRIVATE) == 0 ||
           strcmp(name, XATTR_FAVOURITE) == 0;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    struct afs *fs = afs_of(req);
    struct node n;
    struct stat st;
    char value[32];
    int rc = afs_caller_node(fs, req, ino, &n);

    /* `ls -l` asks security.selinux and system.posix_acl_access of every
     * file: for names albumfs does not serve, the visibility check (hidden
     * is ENOENT) is all the catalog work there is. */
    if (rc == 0)
        rc = tree_stat(fs, &n, &st); /* hidden: ENOENT */
    if (rc == 0)
        rc = ours(name) ? xattr_value(fs, &n, name, value, sizeof value) : -ENODATA;
    if (rc < 0)
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
    else if (size == 0)
        fuse_reply_xattr(req, (size_t)rc);
    else if ((size_t)rc > size)
        fuse_reply_err(req, ERANGE);
    else
        fuse_reply_buf(req, value, (size_t)rc);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    static const char *const names[] = {XATTR_VIEW, XATTR_PRIVATE, XATTR_FAVOURITE};
    struct afs *fs = afs_of(req);
    char list[128], value[32];
    size_t used = 0;
    struct node n;
    struct stat st;
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc < 0) {
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len = strlen(names[i]) + 1;

        if (xattr_value(fs, &n, names[i], value, sizeof value) >= 0) {
            memcpy(list + used, names[i], len);
            used += len;
        }
    }
    if (size == 0)
        fuse_reply_xattr(req, used);
    else if (used > size)
        fuse_reply_err(req, ERANGE);
    else
        fuse_reply_buf(req, list, used);
}

/* ---- everything else writes nothing ---- */

/* Refuse operation `op` on the node ino stands for with EROFS, and queue
 * the refusal for the activity log (audit.c) when the caller sees it. */
static void refuse(fuse_req_t req, fuse_ino_t ino, const char *op)
{
    struct afs *fs = afs_of(req);
    struct node n;

    if (afs_caller_node(fs, req, ino, &n) == 0)
        audit_refused(fs, n.world, n.album_id, n.photo_id, op, -EROFS);
    fuse_reply_err(req, EROFS);
}

static void deny_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    refuse(req, parent, "mkdir");
}

static void deny_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    refuse(req, parent, "rmdir");
}

static void deny_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    refuse(req, parent, "symlink");
}

static void deny_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                        const char *newname, unsigned int flags)
{
    refuse(req, parent, "rename");
}

static void deny_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                          size_t size, int flags)
{
    refuse(req, ino, "setxattr");
}

static void deny_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    refuse(req, ino, "removexattr");
}

void ops_write_register(struct fuse_lowlevel_ops *ops)
{
    ops->create = op_create;
    ops->mknod = op_mknod;
    ops->link = op_link;
    ops->unlink = op_unlink;
    ops->setattr = op_setattr;
    ops->getxattr = op_getxattr;
    ops->listxattr = op_listxattr;
    ops->mkdir = deny_mkdir;
    ops->rmdir = deny_rmdir;
    ops->symlink = deny_symlink;
    ops->rename = deny_rename;
    ops->setxattr = deny_setxattr;
    ops->removexattr = deny_removexattr;
}
