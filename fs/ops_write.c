/* ops_write.c — every operation that changes names or attributes.
 *
 * People change things through a mount with operations a file manager and
 * a shell both offer (docs/filesystem.md, docs/clients.md):
 *   - favourites: put a photo into Favourites/<Set>/ (copy, link or touch
 *     its name there) to add it; delete it there to remove it;
 *   - high-res downloads: put a photo into High-res/<Set>/ the same way to
 *     take it (a limited allowance is charged once, there and then; EDQUOT
 *     when it is used up); taking is never undone by deleting;
 *   - private marks: put a photo into Private/<Set>/ to mark it private,
 *     delete it there to unmark it; or chmod o-r on a photo, o+r to unmark;
 *   - putting is create, mknod, link, or a rename of the photo (a file
 *     manager's move, which leaves it where it was too) into the folder;
 *   - what file managers write along (names_is_junk: ._IMG_1.jpg,
 *     .DS_Store, Thumbs.db, desktop.ini) into a drop folder is accepted
 *     and kept for its writer only, like junk in an album (uploads.c),
 *     never a photo, so the copy it comes with goes on;
 *   - the owner and editors write: a file created in a set is an upload
 *     (uploads.c) until it becomes a photo; rename, unlink, mkdir and rmdir
 *     rename, move and delete photos and sets (edits.c).
 * Putting works by name: the photo of that name in that set is meant, and
 * the bytes written by a copy are not kept (the photo is already stored).
 * Everything else that would write is EROFS on visible entries — the
 * kernel has already answered ENOENT for hidden names before we see them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/daemon.h"

static struct afs *afs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

bool afs_may_write(struct afs *fs, const struct node *n, const struct stat *st)
{
    if (n->kind != NODE_FILE)
        return tree_may_change(fs, n);
    return (st->st_mode & S_IWUSR) && !afs_is_drop_folder(n);
}

bool afs_is_dropped_in(struct afs *fs, const struct node *n)
{
    struct node dir;

    return n->kind == NODE_FILE && nodes_get(fs, n->parent, &dir) && afs_is_drop_folder(&dir);
}

/* What putting a photo into (on) or deleting it from (!on) drop folder
 * dir does: 0 or negative errno. Taking is never undone (EPERM). */
static int drop_action(struct afs *fs, const struct node *dir, int64_t photo_id, bool on)
{
    int rc;

    if (dir->kind == NODE_FAVSET)
        rc = actions_favourite(fs, dir->world, photo_id, on);
    else if (dir->kind == NODE_PRIVSET)
        rc = actions_mark_private(fs, dir->world, photo_id, on);
    else
        rc = on ? actions_take(fs, dir->world, photo_id) : -EPERM;
    audit_refused(fs, dir->world, dir->album_id, photo_id,
                  dir->kind == NODE_FAVSET    ? "favourite"
                  : dir->kind == NODE_PRIVSET ? "private"
                  : on                        ? "take"
                                              : "delete",
                  rc);
    if (rc == 0 && dir->kind == NODE_PRIVSET)
        watcher_kick(fs); /* guests lose (or get back) the photo now */
    return rc;
}

/* Put photo `name` into drop folder dir: favourite it, mark it private or
 * take it. */
static int put_photo(struct afs *fs, const struct node *dir, const char *name, int64_t must_be)
{
    int64_t photo_id;
    int rc = tree_photo_for_name(fs, dir, name, &photo_id);

    if (rc < 0)
        return rc == -ENOENT ? -ENOENT : rc;
    if (must_be && photo_id != must_be)
        return -EXDEV; /* `ln A/x B/y`: only a photo itself can be linked */
    return drop_action(fs, dir, photo_id, true);
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
                        const char *name, struct fuse_file_info *fi, struct upload *up,
                        bool may_wait);

static void entry_rendered(struct afs *fs, int rc, void *arg)
{
    struct pending_entry *p = arg;

    if (rc < 0)
        fuse_reply_err(p->req, renderq_errno(rc));
    else
        reply_entry(fs, p->req, p->parent, &p->dir, p->name, p->create ? &p->fi : NULL, NULL,
                    false);
    free(p);
}

/* Answer a create, mknod, link or mkdir with the entry `name` of dir now
 * is (and for a create an open handle on it: on upload `up` when given,
 * whose reference passes to the handle, else a write sink). */
static void reply_entry(struct afs *fs, fuse_req_t req, fuse_ino_t parent, const struct node *dir,
                        const char *name, struct fuse_file_info *fi, struct upload *up,
                        bool may_wait)
{
    struct fuse_entry_param e;
    struct tree_entry t;
    struct filehandle *h = NULL;
    struct node *n;
    int64_t epoch = atomic_load(&fs->epoch);
    int rc = tree_child(fs, dir, name, &t);

    if (!fi && up) {
        uploads_put(fs, up); /* no handle to hold it: the table does */
        up = NULL;
    }
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
        uploads_put(fs, up);
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    n = nodes_lookup(fs, parent, t.name, &t.proto);
    if (!n || (fi && !(h = afs_file_handle(fs, n, NULL)))) {
        if (n)
            nodes_forget(fs, n->ino, 1);
        uploads_put(fs, up);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    if (h && up)
        afs_file_handle_upload(fs, h, up, true);
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

/* A new file `name` in folder dir written by its person (create, mknod):
 * the upload to write it into, referenced in *up. -EROFS for people who
 * may not write there, -EPERM where files may not go (an album takes only
 * junk), -EINVAL for a name no photo may have, -EEXIST with O_EXCL. */
static int new_file(struct afs *fs, const struct node *dir, const char *name, int flags,
                    struct upload **up)
{
    struct tree_entry t;
    const char *why;
    bool junk = uploads_is_junk(name);
    int rc = edits_may_write(fs, dir);

    *up = NULL;
    if (rc < 0)
        return rc;
    if (dir->kind != NODE_SET && !(dir->kind == NODE_ALBUM && junk))
        return -EPERM;
    if (!junk && names_check(name, &why) < 0)
        return -EINVAL;
    rc = tree_child(fs, dir, name, &t);
    if (rc == 0 && (flags & O_EXCL))
        return -EEXIST;
    if (rc == 0 && t.proto.upload_id) { /* one being written: that one */
        *up = uploads_get(fs, t.proto.upload_id);
        rc = *up ? 0 : -ENOENT;
        if (rc == 0 && (flags & O_TRUNC))
            rc = uploads_truncate(fs, *up, 0);
        return rc;
    }
    rc = uploads_create(fs, dir, name, rc == 0, up);
    if (rc == 0 && t.proto.photo_id && !(flags & O_TRUNC)) {
        struct file_source src;

        /* An existing photo opened by create without O_TRUNC: its bytes. */
        rc = tree_source(fs, &t.proto, &src);
        if (rc == 0)
            rc = uploads_start_from(fs, *up, src.blob);
    }
    return rc;
}

/* create and mknod: put a photo into a drop folder, or start an upload. */
static void add_file(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct upload *up = NULL;
    struct node dir;
    int rc = afs_caller_node(fs, req, parent, &dir);
    bool seen = rc == 0;

    if (rc == 0 && !S_ISREG(mode))
        rc = -EROFS; /* no devices, fifos or sockets */
    else if (rc == 0 && afs_is_drop_folder(&dir) && uploads_is_junk(name))
        rc = uploads_create(fs, &dir, name, false, &up); /* kept, never a photo */
    else if (rc == 0 && afs_is_drop_folder(&dir))
        rc = put_photo(fs, &dir, name, 0);
    else if (rc == 0)
        rc = new_file(fs, &dir, name, fi ? fi->flags : O_CREAT, &up);
    if (seen && (rc == -EROFS || rc == -EPERM))
        audit_refused(fs, dir.world, dir.album_id, 0, "create", rc);
    if (rc < 0) {
        uploads_put(fs, up);
        /* In a drop folder: no such photo to put there. */
        fuse_reply_err(req, rc == -ENOENT && afs_is_drop_folder(&dir) ? EACCES : -rc);
        return;
    }
    reply_entry(fs, req, parent, &dir, name, fi, up, true);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    add_file(req, parent, name, mode, fi);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    add_file(req, parent, name, mode, NULL);
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
        reply_entry(fs, req, newparent, &dir, newname, NULL, NULL, true);
}

/* Junk `name` its person wrote into drop folder dir, deleted: 0, or
 * -ENOENT when there is none of that name. */
static int drop_junk(struct afs *fs, const struct node *dir, const char *name)
{
    struct upload_entry e;
    struct upload *u;

    if (uploads_lookup(fs, dir, name, &e) < 0 || !(u = uploads_get(fs, e.id)))
        return -ENOENT;
    uploads_drop(fs, u);
    uploads_put(fs, u);
    return 0;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int64_t photo_id;
    int rc = afs_caller_node(fs, req, parent, &dir);

    if (rc == 0 && (dir.kind == NODE_SET || dir.kind == NODE_ALBUM)) {
        fuse_reply_err(req, -edits_unlink(fs, &dir, name));
        return;
    }
    if (rc == 0 && !afs_is_drop_folder(&dir))
        rc = -EROFS;
    if (rc == 0 && drop_junk(fs, &dir, name) == 0) {
        fuse_reply_err(req, 0);
        return;
    }
    if (rc == -EROFS)
        audit_refused(fs, dir.world, dir.album_id, 0, "delete", rc);
    if (rc == 0)
        rc = tree_photo_for_name(fs, &dir, name, &photo_id);
    if (rc == 0)
        rc = drop_action(fs, &dir, photo_id, false); /* EPERM in High-res/ */
    fuse_reply_err(req, -rc);
}

/* The upload a setattr is about: the handle's, or the node's. NULL when
 * it is not one (the caller puts what it gets). */
static struct upload *setattr_upload(struct afs *fs, const struct node *n,
                                     const struct fuse_file_info *fi)
{
    struct filehandle *h = fi ? (struct filehandle *)(uintptr_t)fi->fh : NULL;

    if (h && h->up)
        return uploads_get(fs, uploads_id(h->up));
    return n->upload_id ? uploads_get(fs, n->upload_id) : NULL;
}

/* Attributes. chmod o-r / o+r of a photo marks / unmarks it private, for
 * whoever may (the only mode bit with a meaning). Whoever may write an
 * entry (its u+w bit: owner and editors, tree.c) may also change the size
 * of a file being written (truncate), and set times, other mode bits and
 * its shown owner and group, accepted without effect (cp -p, tar, rsync
 * set them); a stored photo is rewritten by opening it, not by a size
 * change (EPERM). In drop folders size and times are accepted without
 * effect on what was just put there (cp and touch do that). Everything
 * else: chown and modes EPERM, size and times EROFS. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    const int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                      FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
    struct upload *up = NULL;
    struct node n;
    struct stat st;
    const char *op = "chmod";
    bool writer = false, dropped_in = false;
    int rc = afs_caller_node(fs, req, ino, &n);

    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc == 0) {
        dropped_in = afs_is_dropped_in(fs, &n);
        /* A photo put into a drop folder shows u+w for puts (tree.c), but
         * only junk written there is the writer's own. */
        writer = afs_may_write(fs, &n, &st) && !(dropped_in && !n.upload_id);
        up = setattr_upload(fs, &n, fi);
    }
    if (rc == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
        op = "chown";
        if (!writer || ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != st.st_uid) ||
            ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != st.st_gid))
            rc = -EPERM;
    }
    if (rc == 0 && (to_set & FUSE_SET_ATTR_MODE)) {
        mode_t want = attr->st_mode & 07777, have = st.st_mode & 07777;
        bool marks = n.kind == NODE_FILE && !n.upload_id;

        if (!writer && (!marks || (want & ~(mode_t)S_IROTH) != (have & ~(mode_t)S_IROTH)))
            rc = -EPERM; /* only o+r / o-r on a photo has a meaning */
        else if (marks && (want & S_IROTH) != (have & S_IROTH))
            rc = actions_mark_private(fs, n.world, n.photo_id, !(want & S_IROTH));
    }
    if (rc == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
        op = "write";
        if (up)
            rc = uploads_truncate(fs, up, (uint64_t)attr->st_size);
        else if (!dropped_in)
            rc = writer ? -EPERM : -EROFS;
    }
    if (rc == 0 && (to_set & times) && !writer && !dropped_in) {
        op = "write";
        rc = -EROFS;
    }
    uploads_put(fs, up);
    if (rc == -EPERM || rc == -EACCES || rc == -EROFS)
        audit_refused(fs, n.world, n.album_id, n.photo_id, op, rc);
    if (rc == 0)
        rc = tree_stat(fs, &n, &st);
    if (rc < 0) {
        fuse_reply_err(req, rc == -EAGAIN ? EIO : -rc);
        return;
    }
    st.st_ino = nodes_public_ino(fs, &n);
    fuse_reply_attr(req, &st, n.upload_id ? 0.0 : AFS_TIMEOUT);
}

/* ---- names: mkdir, rmdir, rename (edits.c) ---- */

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int rc = afs_caller_node(fs, req, parent, &dir);

    if (rc == 0)
        rc = edits_mkdir(fs, &dir, name);
    if (rc < 0)
        fuse_reply_err(req, -rc);
    else
        reply_entry(fs, req, parent, &dir, name, NULL, NULL, false);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct afs *fs = afs_of(req);
    struct node dir;
    int rc = afs_caller_node(fs, req, parent, &dir);

    if (rc == 0)
        rc = edits_rmdir(fs, &dir, name);
    fuse_reply_err(req, -rc);
}

/* A rename into drop folder `to`: a photo (from its set or another album
 * folder, as a file manager moves it) is put there, and stays where it
 * was (-EXDEV when `newname` names another photo); junk the person wrote
 * into a drop folder, renamed onto a photo's name (a copy written under a
 * temporary name), puts that photo and is dropped. A folder, or a file
 * being uploaded into a set: EPERM. The kernel lets a move out of a
 * folder through only when it shows u+w: a client's set folders do where
 * they may put its photos somewhere (tree.c shown_writable_set). */
static int rename_into_drop(struct afs *fs, const struct node *from,
                            const char *name, const struct node *to, const char *newname)
{
    struct tree_entry src;
    int rc = tree_child(fs, from, name, &src);

    if (rc == -EAGAIN)
        rc = 0; /* a view not rendered yet is the photo all the same */
    if (rc < 0)
        return rc;
    if (src.proto.kind != NODE_FILE)
        return -EPERM;
    if (src.proto.upload_id) {
        if (!afs_is_drop_folder(from) || uploads_is_junk(newname))
            return -EPERM; /* a file being written is no photo to put */
        rc = put_photo(fs, to, newname, 0);
        if (rc == 0)
            (void)drop_junk(fs, from, name);
        return rc == -ENOENT ? -EACCES : rc;
    }
    rc = put_photo(fs, to, newname, src.proto.photo_id);
    return rc == -ENOENT ? -EACCES : rc;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    struct afs *fs = afs_of(req);
    struct node from, to;
    int rc = afs_caller_node(fs, req, parent, &from);

    if (rc == 0)
        rc = afs_caller_node(fs, req, newparent, &to);
    if (rc == 0 && afs_is_drop_folder(&to) && !(flags & ~(unsigned)RENAME_NOREPLACE)) {
        rc = rename_into_drop(fs, &from, name, &to, newname);
        if (rc == 0) { /* the kernel moved its name; the photo is still where it was */
            atomic_store(&fs->inval_wanted, true);
            watcher_kick(fs);
        }
    } else if (rc == 0)
        rc = edits_rename(fs, parent, &from, name, newparent, &to, newname, flags);
    fuse_reply_err(req, -rc);
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

static void deny_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    refuse(req, parent, "symlink");
}

void ops_write_register(struct fuse_lowlevel_ops *ops)
{
    ops->create = op_create;
    ops->mknod = op_mknod;
    ops->link = op_link;
    ops->unlink = op_unlink;
    ops->setattr = op_setattr;
    ops->mkdir = op_mkdir;
    ops->rmdir = op_rmdir;
    ops->symlink = deny_symlink;
    ops->rename = op_rename;
}
