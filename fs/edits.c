/* edits.c — renames, moves, deletes and sets through a mount.
 *
 * The owner and editors change the library with the operations a file
 * manager and a shell both offer (docs/filesystem.md "Writing"):
 *   rename a photo in its set      change_photo_rename
 *   rename/move it to another set  change_photo_move (any album the person
 *                                  may write; EPERM into one they may not)
 *   onto an existing photo         EEXIST: a photo is never overwritten by
 *                                  another one (its versions would mix)
 *   rename an upload               it becomes a photo now (a temporary
 *                                  name renamed to an ordinary one, closed),
 *                                  a new version when the target is a
 *                                  photo; else it moves (uploads.c)
 *   rename a set in its album      change_set_rename (EXDEV to another
 *                                  album: mv then copies and deletes)
 *   rename an album (owner)        change_album_rename
 *   unlink a photo                 change_photo_delete: to the trash
 *   unlink an upload               dropped
 *   mkdir in an album              change_set_create, team-only
 *   rmdir of a set                 change_set_delete (ENOTEMPTY)
 * The change layer checks the policy and records the activity; this file
 * maps mount folders to its calls and keeps the inode table true: a
 * renamed entry keeps its node and number (nodes_move), and the watcher
 * invalidates what other people and mounts hold once the catalog's
 * generation moved.
 * People without a write role on the album get EROFS, as for every write
 * (refusals are queued for the activity log), and hidden names never reach
 * here (the kernel's lookup answered ENOENT).
 * No state and no lock of its own; runs on request threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "changes/folders.h"
#include "changes/photos.h"
#include "fs/daemon.h"

int edits_may_write(struct afs *fs, const struct node *dir)
{
    struct stat st;
    int rc;

    if (dir->kind != NODE_ROOT && dir->kind != NODE_ALBUM && dir->kind != NODE_SET)
        return -EROFS;
    if (!dir->world)
        return -EROFS; /* the multi-user root */
    rc = tree_stat(fs, dir, &st); /* hidden: ENOENT */
    if (rc < 0)
        return rc;
    if (tree_may_change(fs, dir))
        return 0;
    /* A client's set shows u+w only so that a move onto a drop folder
     * reaches us (tree.c); anything else written there is EPERM, which
     * Samba and sftp-server tell their clients as "access denied" and
     * "permission denied", as they did when the kernel refused it. */
    return (st.st_mode & S_IWUSR) ? -EPERM : -EROFS;
}

/* Run change(c, actor, arg) as the person of world w: 0 or negative errno. */
typedef int (*change_fn)(struct af_catalog *c, const struct change_actor *a, const void *arg);

static int as_person(struct afs *fs, struct world *w, change_fn change, const void *arg)
{
    struct af_catalog *c = afs_catalog(fs);
    struct world_actor wa;
    int rc;

    if (!c)
        return -EIO;
    rc = world_actor_get(fs, w, &wa);
    if (rc == 0)
        rc = change(c, &wa.actor, arg);
    world_actor_release(&wa);
    if (rc == 0)
        watcher_kick(fs); /* the generation moved: every mount follows */
    return rc == -EBUSY ? -EAGAIN : rc;
}

/* ---- the changes, as change_fn ---- */

struct photo_place {
    int64_t photo_id, set_id;
    bool same_set;
    const char *name;
};

static int rename_photo(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    const struct photo_place *p = arg;

    if (p->same_set)
        return change_photo_rename(c, a, p->photo_id, p->name);
    return change_photo_move(c, a, p->photo_id, p->set_id, p->name);
}

static int delete_photo(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    return change_photo_delete(c, a, *(const int64_t *)arg);
}

struct folder_name {
    int64_t id;
    const char *name;
    int64_t *made; /* set_create: the new set */
};

static int rename_set(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    const struct folder_name *f = arg;

    return change_set_rename(c, a, f->id, f->name);
}

static int rename_album(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    const struct folder_name *f = arg;

    return change_album_rename(c, a, f->id, f->name);
}

static int create_set(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    const struct folder_name *f = arg;

    return change_set_create(c, a, f->id, f->name, AF_VIS_TEAM, f->made);
}

static int delete_set(struct af_catalog *c, const struct change_actor *a, const void *arg)
{
    return change_set_delete(c, a, *(const int64_t *)arg);
}

/* ---- helpers ---- */

/* What `name` is in dir for its person: 0 with *t, or -ENOENT. A view not
 * rendered yet (-EAGAIN) exists all the same. */
static int child(struct afs *fs, const struct node *dir, const char *name, struct tree_entry *t)
{
    int rc = tree_child(fs, dir, name, t);

    return rc == -EAGAIN ? 0 : rc;
}

/* Whether rc refuses a write for want of a right (for the activity log). */
static bool is_refusal(int rc)
{
    return rc == -EROFS || rc == -EPERM;
}

/* The refusal of a write (EROFS, EPERM) goes to the activity log. */
static int refused(struct afs *fs, const struct node *n, int64_t photo_id, const char *op, int rc)
{
    audit_refused(fs, n->world, n->album_id, photo_id, op, rc);
    return rc;
}

/* ---- rename ---- */

/* An upload renamed: a photo now, or moved. */
static int rename_upload(struct afs *fs, fuse_ino_t parent, const char *name,
                         fuse_ino_t newparent, const struct node *to, const char *newname,
                         const struct tree_entry *src, const struct tree_entry *dst, bool exists)
{
    struct upload *u = uploads_get(fs, src->proto.upload_id);
    struct upload *over = NULL;
    bool onto_photo = exists && !dst->proto.upload_id;
    struct node proto = src->proto;
    int64_t photo_id = 0;
    int rc;

    if (!u)
        return -ENOENT;
    if (exists && dst->proto.upload_id)
        over = uploads_get(fs, dst->proto.upload_id);
    if (to->kind == NODE_SET && uploads_commits_at_rename(fs, u, newname)) {
        rc = uploads_commit_as(fs, u, to, newname, &photo_id);
        if (rc == 0) {
            struct cat_photo p;
            struct af_catalog *c = afs_catalog(fs);

            proto.upload_id = 0;
            proto.photo_id = photo_id;
            proto.view = AF_VIEW_ORIGINAL;
            if (c && catalog_photo_by_id(c, photo_id, &p) == 0)
                proto.version_id = p.version_id;
            if (over)
                uploads_drop(fs, over); /* the photo took its name */
        }
    } else if (to->kind == NODE_ALBUM && !uploads_is_junk(newname)) {
        rc = -EPERM; /* photos live in sets */
    } else {
        rc = uploads_move(fs, u, to, newname, onto_photo);
    }
    if (rc == 0) {
        proto.album_id = to->album_id;
        proto.set_id = to->set_id;
        nodes_move(fs, parent, name, newparent, newname, &proto);
    }
    uploads_put(fs, over);
    uploads_put(fs, u);
    return rc;
}

/* A photo renamed or moved into set folder `to`. */
static int rename_stored_photo(struct afs *fs, fuse_ino_t parent, const char *name,
                               fuse_ino_t newparent, const struct node *to, const char *newname,
                               const struct tree_entry *src, const struct tree_entry *dst,
                               bool exists)
{
    struct photo_place p = {src->proto.photo_id, to->set_id, to->set_id == src->proto.set_id,
                            newname};
    struct node proto = src->proto;
    struct upload *over = NULL;
    int rc;

    if (to->kind != NODE_SET)
        return -EPERM; /* photos live in sets */
    if (exists && !dst->proto.upload_id)
        return -EEXIST; /* never over another photo: docs/filesystem.md */
    if (exists)
        over = uploads_get(fs, dst->proto.upload_id);
    rc = as_person(fs, to->world, rename_photo, &p);
    if (rc == 0) {
        if (over)
            uploads_drop(fs, over);
        proto.album_id = to->album_id;
        proto.set_id = to->set_id;
        nodes_move(fs, parent, name, newparent, newname, &proto);
    }
    uploads_put(fs, over);
    return rc;
}

int edits_rename(struct afs *fs, fuse_ino_t parent, const struct node *from, const char *name,
                 fuse_ino_t newparent, const struct node *to, const char *newname,
                 unsigned flags)
{
    struct tree_entry src, dst;
    bool exists;
    int rc;

    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL; /* RENAME_EXCHANGE, RENAME_WHITEOUT */
    rc = edits_may_write(fs, from);
    if (rc == 0 && (rc = edits_may_write(fs, to)) == -EROFS &&
        (to->kind == NODE_ROOT || to->kind == NODE_ALBUM || to->kind == NODE_SET))
        rc = -EPERM; /* writes here, but may not write there */
    if (rc < 0)
        return is_refusal(rc) ? refused(fs, from, 0, "rename", rc) : rc;
    if ((rc = child(fs, from, name, &src)) < 0)
        return rc;
    memset(&dst, 0, sizeof dst);
    rc = child(fs, to, newname, &dst);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    exists = rc == 0;
    if (exists && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (exists && parent == newparent && strcmp(name, newname) == 0)
        return 0;
    if (src.proto.kind == NODE_FILE && src.proto.upload_id)
        return rename_upload(fs, parent, name, newparent, to, newname, &src, &dst, exists);
    if (src.proto.kind == NODE_FILE)
        return rename_stored_photo(fs, parent, name, newparent, to, newname, &src, &dst, exists);
    if (exists)
        return S_ISDIR(dst.st.st_mode) ? -EEXIST : -ENOTDIR;
    if (src.proto.kind == NODE_SET) {
        struct folder_name f = {src.proto.set_id, newname, NULL};

        if (to->kind != NODE_ALBUM)
            return -EPERM;
        if (to->album_id != src.proto.album_id)
            return -EXDEV; /* mv copies it and deletes the original */
        rc = as_person(fs, to->world, rename_set, &f);
    } else if (src.proto.kind == NODE_ALBUM) {
        struct folder_name f = {src.proto.album_id, newname, NULL};

        if (to->kind != from->kind)
            return -EPERM;
        rc = as_person(fs, to->world, rename_album, &f);
    } else {
        return refused(fs, from, 0, "rename", -EROFS); /* Web-size/, Favourites/, ... */
    }
    if (rc == 0)
        nodes_move(fs, parent, name, newparent, newname, NULL);
    return rc;
}

/* ---- unlink, mkdir, rmdir ---- */

int edits_unlink(struct afs *fs, const struct node *dir, const char *name)
{
    struct tree_entry t;
    struct upload *u;
    int rc = edits_may_write(fs, dir);

    if (is_refusal(rc))
        return refused(fs, dir, 0, "delete", rc);
    if (rc < 0 || (rc = child(fs, dir, name, &t)) < 0)
        return rc;
    if (t.proto.kind == NODE_README)
        return refused(fs, dir, 0, "delete", -EROFS); /* the album's rules stay */
    if (t.proto.kind != NODE_FILE)
        return -EISDIR;
    if (t.proto.upload_id) {
        u = uploads_get(fs, t.proto.upload_id);
        if (!u)
            return -ENOENT;
        uploads_drop(fs, u);
        uploads_put(fs, u);
        return 0;
    }
    return as_person(fs, dir->world, delete_photo, &t.proto.photo_id);
}

int edits_mkdir(struct afs *fs, const struct node *dir, const char *name)
{
    int64_t made = 0;
    struct folder_name f = {dir->album_id, name, &made};
    int rc = edits_may_write(fs, dir);

    if (is_refusal(rc))
        return refused(fs, dir, 0, "mkdir", rc);
    if (rc < 0)
        return rc;
    if (dir->kind != NODE_ALBUM)
        return -EPERM; /* sets hold photos; albums are made with albumctl */
    return as_person(fs, dir->world, create_set, &f);
}

int edits_rmdir(struct afs *fs, const struct node *dir, const char *name)
{
    struct tree_entry t;
    int rc = edits_may_write(fs, dir);

    if (is_refusal(rc))
        return refused(fs, dir, 0, "rmdir", rc);
    if (rc < 0 || (rc = child(fs, dir, name, &t)) < 0)
        return rc;
    if (t.proto.kind == NODE_FILE || t.proto.kind == NODE_README)
        return -ENOTDIR;
    if (t.proto.kind != NODE_SET)
        return refused(fs, dir, 0, "rmdir", -EROFS); /* Web-size/, ... */
    if (uploads_any_in(fs, dir->world, t.proto.album_id, t.proto.set_id))
        return -ENOTEMPTY; /* files still being written there */
    return as_person(fs, dir->world, delete_set, &t.proto.set_id);
}
