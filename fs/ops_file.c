/* ops_file.c — open, read, release; and the refusal of every write.
 *
 * An open file reads either an original from the vault or a rendered view
 * from the cache, decrypting only the chunks a read covers. Bytes behind an
 * inode never change (a new version or a new rendering is a new blob, and
 * the watcher drops the kernel's pages when that happens), so the kernel
 * may keep them cached (keep_cache).
 * Every read re-checks the policy when grants may have changed since the
 * last check (the watcher's epoch moved): a file opened before a revocation
 * fails on its next read. Opening a view that is not rendered (or was
 * trimmed from the cache) waits for the render pool, answered from a
 * render thread.
 * Opening for writing is allowed only for a file in a set's folder of
 * Favourites/ or High-res/ (cp and touch re-open what they just put there);
 * such a handle swallows what is written. Everything else is EROFS.
 * Opening a web-size or high-res view is a download, and a refused write a
 * refusal: both are queued for the activity log (audit.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "fs/daemon.h"

static struct afs *afs_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

static int open_source(struct afs *fs, const struct file_source *src, struct af_blob **blob)
{
    if (src->is_rendition)
        return renditions_open(fs->lib, &src->rendition, blob);
    return vault_blob_open(fs->lib->vault, src->blob, blob);
}

/* A rendered view whose bytes do not authenticate leaves the cache (it is
 * made again, identical, from the original); the damage is logged once,
 * by the call that dropped it (concurrent reads of the same damaged bytes
 * find them gone: -ENOENT). 0 when dropped now. */
static int drop_damaged_view(struct afs *fs, const char *id)
{
    struct af_catalog *c = afs_catalog(fs);
    int rc = c ? renditions_drop(fs->lib, c, id) : -EIO;

    if (rc == 0)
        afs_log(LOG_WARNING, "rendered view %s does not authenticate; dropped from the "
                             "cache, it is made again from the original", id);
    return rc;
}

struct pending_open {
    fuse_req_t req;
    struct fuse_file_info fi;
    struct node node;
};

static void answer_open(struct afs *fs, fuse_req_t req, struct fuse_file_info *fi,
                        const struct node *n, bool may_wait);

static void open_rendered(struct afs *fs, int rc, void *arg)
{
    struct pending_open *p = arg;

    if (rc < 0)
        fuse_reply_err(p->req, renderq_errno(rc));
    else
        answer_open(fs, p->req, &p->fi, &p->node, false);
    free(p);
}

static void answer_open(struct afs *fs, fuse_req_t req, struct fuse_file_info *fi,
                        const struct node *n, bool may_wait)
{
    struct file_source src;
    struct filehandle *h;
    struct af_blob *blob = NULL;
    int rc = tree_source(fs, n, &src);

    if (rc == 0)
        rc = open_source(fs, &src, &blob);
    if (rc == -EIO && src.is_rendition)
        rc = drop_damaged_view(fs, src.rendition.id) == -EIO ? -EIO : -ENOENT; /* made again */
    if (rc == -EAGAIN || (rc == -ENOENT && src.is_rendition)) {
        struct pending_open *p;

        if (!may_wait || !src.is_rendition) {
            fuse_reply_err(req, EIO);
            return;
        }
        p = malloc(sizeof *p);
        if (!p) {
            fuse_reply_err(req, ENOMEM);
            return;
        }
        p->req = req;
        p->fi = *fi;
        p->node = *n;
        renderq_submit(fs, &src.request, open_rendered, p);
        return;
    }
    if (rc < 0) {
        if (rc == -EIO)
            afs_log(LOG_ERR, "cannot open blob %s: it does not authenticate",
                    src.is_rendition ? src.rendition.id : src.blob);
        fuse_reply_err(req, -rc);
        return;
    }
    h = afs_file_handle(fs, n, blob);
    if (!h) {
        vault_blob_close(blob);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    h->rendition = src.is_rendition;
    if (src.is_rendition)
        cache_use_note(fs, src.rendition.id); /* for trimming, least recently read first */
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->keep_cache = 1;
    fi->direct_io = 0;
    if (fuse_reply_open(req, fi) != 0) {
        afs_file_handle_release(fs, h);
        return;
    }
    /* A pool-charged high-res view was recorded when it was taken. */
    if (!(n->view == AF_VIEW_HIGHRES && src.pool_id))
        audit_download(fs, n, src.grant_id);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    struct node n;

    if (!nodes_get(fs, ino, &n) ||
        (fs->cfg.multi_user && (!n.world || (ctx->uid != n.world->uid && ctx->uid != 0)))) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (n.kind != NODE_FILE) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
        struct file_source src;
        struct node dir;
        int rc = tree_source(fs, &n, &src);
        struct filehandle *h;

        /* Hidden stays hidden; visible is read-only except where things
         * are put (Favourites/, High-res/). */
        if (rc < 0 && rc != -EAGAIN) {
            audit_refused(fs, n.world, n.album_id, n.photo_id, "write", rc);
            fuse_reply_err(req, -rc);
            return;
        }
        if (!nodes_get(fs, n.parent, &dir) || !afs_is_drop_folder(&dir)) {
            audit_refused(fs, n.world, n.album_id, n.photo_id, "write", -EROFS);
            fuse_reply_err(req, EROFS);
            return;
        }
        h = afs_file_handle(fs, &n, NULL);
        if (!h) {
            fuse_reply_err(req, ENOMEM);
            return;
        }
        fi->fh = (uint64_t)(uintptr_t)h;
        fi->direct_io = 1;
        if (fuse_reply_open(req, fi) != 0)
            afs_file_handle_release(fs, h);
        return;
    }
    answer_open(fs, req, fi, &n, true);
}

static void dispose_file_handle(struct afs_handle *link)
{
    struct filehandle *h = (struct filehandle *)link;

    if (h->blob)
        vault_blob_close(h->blob);
    free(h);
}

struct filehandle *afs_file_handle(struct afs *fs, const struct node *n, struct af_blob *blob)
{
    struct filehandle *h = calloc(1, sizeof *h);

    if (!h)
        return NULL;
    h->blob = blob;
    h->node = *n;
    h->checked_epoch = atomic_load(&fs->epoch);
    handles_track(fs, &h->link, dispose_file_handle);
    return h;
}

void afs_file_handle_release(struct afs *fs, struct filehandle *h)
{
    handles_release(fs, &h->link);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    struct filehandle *h = (struct filehandle *)(uintptr_t)fi->fh;

    if (h->blob)
        fuse_reply_err(req, EBADF);
    else
        fuse_reply_write(req, size); /* the photo is already there: the bytes are not needed */
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct filehandle *h = (struct filehandle *)(uintptr_t)fi->fh;
    int64_t epoch = atomic_load(&fs->epoch);
    char *buf;
    ssize_t got;

    if (!h->blob) {
        fuse_reply_err(req, EBADF); /* a write sink */
        return;
    }
    if (epoch != h->checked_epoch) {
        struct file_source src;
        int rc = tree_source(fs, &h->node, &src);

        /* Still allowed, and still the same bytes? */
        if (rc == 0 && src.is_rendition &&
            strcmp(src.rendition.id, vault_blob_id(h->blob)) != 0)
            rc = -ESTALE;
        if (rc == 0 && !src.is_rendition && strcmp(src.blob, vault_blob_id(h->blob)) != 0)
            rc = -ESTALE;
        if (rc < 0) {
            fuse_reply_err(req, rc == -EAGAIN ? ESTALE : -rc);
            return;
        }
        h->checked_epoch = epoch;
    }
    if (off < 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    buf = malloc(size ? size : 1);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    got = vault_blob_pread(h->blob, buf, size, (uint64_t)off);
    if (got == -EIO && h->rendition) {
        /* This read fails (its bytes are gone); the next open of the view
         * gets it made again, and the making starts now. */
        struct file_source src;

        if (drop_damaged_view(fs, vault_blob_id(h->blob)) == 0 &&
            tree_source(fs, &h->node, &src) == 0 && src.is_rendition)
            renderq_submit(fs, &src.request, NULL, NULL);
        fuse_reply_err(req, EIO);
        free(buf);
        return;
    }
    if (got < 0) {
        afs_log(LOG_ERR, "read of blob %s at offset %lld failed: %s", vault_blob_id(h->blob),
                (long long)off, strerror((int)-got));
        fuse_reply_err(req, (int)-got);
    } else {
        fuse_reply_buf(req, buf, (size_t)got);
    }
    free(buf);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct filehandle *h = (struct filehandle *)(uintptr_t)fi->fh;

    if (h)
        afs_file_handle_release(afs_of(req), h);
    fuse_reply_err(req, 0);
}

void ops_file_register(struct fuse_lowlevel_ops *ops)
{
    ops->open = op_open;
    ops->read = op_read;
    ops->write = op_write;
    ops->release = op_release;
}
