/* ops_xattr.c — extended attributes: read-only facts about files.
 *
 * user.albumfs.view (original, proof, web, highres), user.albumfs.private
 * (0/1) and, for people who keep favourites, user.albumfs.favourite (0/1).
 * Asked of a hidden entry they answer ENOENT (the visibility check comes
 * first); any other name ENODATA.
 *
 * Setting or removing an attribute is a write. Where the person may write
 * (owner and editors; what was just put into a drop folder), attributes
 * other than ours are accepted without effect and not kept, as times and
 * mode bits are (ops_write.c): Samba stores DOS attributes in
 * user.DOSATTRIB after creating a file and when a client sets them, and
 * fails the client's copy if that is refused. Ours, and everything for
 * everyone else, EROFS (a refusal in the activity log). Runs on request
 * threads; its one state is each node's seen_epoch (nodes.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/daemon.h"

static struct afs *afs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

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

    if (n->kind != NODE_FILE || n->upload_id)
        return -ENODATA; /* folders, and files being written */
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
    int64_t epoch = atomic_load(&fs->epoch);
    int rc = afs_caller_node(fs, req, ino, &n);

    /* `ls -l` asks security.selinux and system.posix_acl_access of every
     * file, and Samba the latter of every file it serves: for names
     * albumfs does not serve, the visibility check (hidden is ENOENT) is
     * all the catalog work there is, and it is done once per node until
     * the watcher's epoch moves (a catalog change or an expiry: the
     * moment the kernel drops the node's name and attributes too). A file
     * being written is checked every time. */
    if (rc == 0 && ours(name)) {
        rc = tree_stat(fs, &n, &st); /* hidden: ENOENT */
    } else if (rc == 0 && (n.seen_epoch != epoch || n.upload_id)) {
        rc = tree_visible(fs, &n);
        if (rc == 0)
            nodes_note_visible(fs, ino, epoch);
    }
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

/* Set or remove (op) attribute `name` of the node ino stands for: 0
 * (without effect) or a negative errno. */
static int xattr_change(fuse_req_t req, fuse_ino_t ino, const char *name, const char *op)
{
    struct afs *fs = afs_of(req);
    struct node n;
    struct stat st;
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc == 0)
        rc = tree_stat(fs, &n, &st); /* hidden: ENOENT */
    if (rc == 0 && (ours(name) || !(afs_may_write(fs, &n, &st) || afs_is_dropped_in(fs, &n)))) {
        audit_refused(fs, n.world, n.album_id, n.photo_id, op, -EROFS);
        rc = -EROFS;
    }
    return rc == -EAGAIN ? -EIO : rc;
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                        size_t size, int flags)
{
    fuse_reply_err(req, -xattr_change(req, ino, name, "setxattr"));
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    fuse_reply_err(req, -xattr_change(req, ino, name, "removexattr"));
}

void ops_xattr_register(struct fuse_lowlevel_ops *ops)
{
    ops->getxattr = op_getxattr;
    ops->listxattr = op_listxattr;
    ops->setxattr = op_setxattr;
    ops->removexattr = op_removexattr;
}
