/* ops_file.c — open, read, write, flush, fsync, release.
 *
 * An open file reads either an original from the vault or a rendered view
 * from the cache, decrypting only the chunks a read covers. Bytes behind an
 * inode never change (a new version is a new node, tree.c; a new rendering
 * a new blob, and the watcher drops the kernel's pages when that happens),
 * so the kernel may keep them cached (keep_cache). A handle holds the blob
 * it opened: renames, moves and new versions do not change what it reads.
 * Every read re-checks the policy when grants may have changed since the
 * last check (the watcher's epoch moved): a file opened before a revocation
 * fails on its next read. Opening a view that is not rendered (or was
 * trimmed from the cache) waits for the render pool, answered from a
 * render thread.
 * Opening for writing: a file being written (an upload) opens on it; a
 * photo opens a new upload of its name, a new version when it closes —
 * from nothing with O_TRUNC, else from the photo's bytes (owner and
 * editors, in a set's folder). A file in a set's folder of Favourites/ or
 * High-res/ opens a handle that swallows what is written (cp and touch
 * re-open what they just put there). Everything else is EROFS.
 * Uploads are written and read through the page cache's back (direct_io):
 * every write reaches uploads.c. A flush (each close) of a handle that may
 * write commits the upload when due and answers its error (uploads.c); a
 * handle that only reads is opened with noflush, so its close() costs no
 * round trip.
 * Opening a web-size or high-res view is a download, and a refused write a
 * refusal: both are queued for the activity log (audit.c).
 * READ ME.txt (readme.c) opens read-only on the text made at open, with
 * direct_io: no page of an older text is ever served; reading it is not a
 * download.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <sodium.h>

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
    fi->noflush = 1; /* a reader's close() has nothing to flush: no round trip */
    if (fuse_reply_open(req, fi) != 0) {
        afs_file_handle_release(fs, h);
        return;
    }
    /* A pool-charged high-res view was recorded when it was taken. */
    if (!(n->view == AF_VIEW_HIGHRES && src.pool_id))
        audit_download(fs, n, src.grant_id);
}

/* Answer an open with a handle on upload up (its reference passes on). */
static void open_on_upload(struct afs *fs, fuse_req_t req, struct fuse_file_info *fi,
                           const struct node *n, struct upload *up, bool writer)
{
    struct filehandle *h = afs_file_handle(fs, n, NULL);

    if (!h) {
        uploads_put(fs, up);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    afs_file_handle_upload(fs, h, up, writer);
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1; /* every byte through uploads.c, none from stale pages */
    if (fuse_reply_open(req, fi) != 0)
        afs_file_handle_release(fs, h);
}

/* A photo opened for writing by someone who may write it: a new upload of
 * its name in its set, which node ino now stands for. */
static int open_new_version(struct afs *fs, fuse_ino_t ino, const struct node *n,
                            const struct node *dir, const struct file_source *src, int flags,
                            struct upload **up)
{
    struct af_catalog *c = afs_catalog(fs);
    struct cat_photo p;
    struct node proto = *n;
    int rc = c ? catalog_photo_by_id(c, n->photo_id, &p) : -EIO;

    *up = NULL;
    if (rc == 0)
        rc = uploads_create(fs, dir, p.name, true, up);
    if (rc == 0 && (flags & O_TRUNC))
        rc = uploads_truncate(fs, *up, 0);
    else if (rc == 0)
        rc = uploads_start_from(fs, *up, src->blob);
    if (rc < 0) {
        uploads_put(fs, *up);
        *up = NULL;
        return rc;
    }
    proto.photo_id = 0;
    proto.version_id = 0;
    proto.upload_id = uploads_id(*up);
    nodes_rebind(fs, ino, &proto);
    return 0;
}

/* An open that may write: on an upload, a new version of a photo, or a
 * sink in a drop folder. Hidden stays hidden (the answer of a read). */
static void open_for_writing(struct afs *fs, fuse_req_t req, fuse_ino_t ino,
                             struct fuse_file_info *fi, const struct node *n)
{
    struct file_source src;
    struct upload *up = NULL;
    struct node dir;
    int rc = tree_source(fs, n, &src);

    if (rc < 0 && rc != -EAGAIN) {
        audit_refused(fs, n->world, n->album_id, n->photo_id, "write", rc);
        fuse_reply_err(req, -rc);
        return;
    }
    if (!nodes_get(fs, n->parent, &dir)) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (afs_is_drop_folder(&dir)) {
        open_on_upload(fs, req, fi, n, NULL, false); /* a sink */
        return;
    }
    if (rc < 0 || !src.writable || dir.kind != NODE_SET) {
        audit_refused(fs, n->world, n->album_id, n->photo_id, "write", -EROFS);
        fuse_reply_err(req, EROFS);
        return;
    }
    rc = open_new_version(fs, ino, n, &dir, &src, fi->flags, &up);
    if (rc < 0)
        fuse_reply_err(req, -rc);
    else
        open_on_upload(fs, req, fi, n, up, true);
}

/* READ ME.txt (readme.c): read-only; the handle keeps the text made now,
 * read past the page cache (direct_io) so no older text is ever served
 * and no size but this text's bounds a read. */
static void open_readme(struct afs *fs, fuse_req_t req, struct fuse_file_info *fi,
                        const struct node *n, bool writes)
{
    struct filehandle *h = NULL;
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int rc = readme_of(fs, n, &text, &len, &st);

    if (rc == 0 && writes) {
        audit_refused(fs, n->world, n->album_id, 0, "write", -EROFS);
        rc = -EROFS;
    }
    if (rc == 0 && !(h = afs_file_handle(fs, n, NULL)))
        rc = -ENOMEM;
    if (rc < 0) {
        free(text);
        fuse_reply_err(req, -rc);
        return;
    }
    h->text = text;
    h->text_len = len;
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fi->noflush = 1;
    if (fuse_reply_open(req, fi) != 0)
        afs_file_handle_release(fs, h);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    bool writes = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
    struct node n;

    if (!nodes_get(fs, ino, &n) ||
        (afs_shared(fs) && (!n.world || (ctx->uid != n.world->uid && ctx->uid != 0)))) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (n.kind == NODE_README) {
        open_readme(fs, req, fi, &n, writes);
        return;
    }
    if (n.kind != NODE_FILE) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if (n.upload_id) {
        struct upload *up = uploads_get(fs, n.upload_id);
        int rc = up ? 0 : -ENOENT;

        if (rc == 0 && (fi->flags & O_TRUNC))
            rc = uploads_truncate(fs, up, 0);
        if (rc < 0) {
            uploads_put(fs, up);
            fuse_reply_err(req, -rc);
        } else {
            open_on_upload(fs, req, fi, &n, up, writes);
        }
        return;
    }
    if (writes)
        open_for_writing(fs, req, ino, fi, &n);
    else
        answer_open(fs, req, fi, &n, true);
}

static void dispose_file_handle(struct afs_handle *link)
{
    struct filehandle *h = (struct filehandle *)link;

    if (h->blob)
        vault_blob_close(h->blob);
    free(h->text);
    if (h->up && h->writer)
        uploads_closed(h->fs, h->up);
    uploads_put(h->fs, h->up);
    free(h);
}

void afs_file_handle_upload(struct afs *fs, struct filehandle *h, struct upload *up, bool writer)
{
    h->up = up;
    h->writer = up && writer;
    if (h->writer)
        uploads_opened(fs, up);
}

struct filehandle *afs_file_handle(struct afs *fs, const struct node *n, struct af_blob *blob)
{
    struct filehandle *h = calloc(1, sizeof *h);

    if (!h)
        return NULL;
    h->fs = fs;
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
    ssize_t rc;

    if (h->blob || h->text || (h->up && !h->writer)) {
        fuse_reply_err(req, EBADF);
        return;
    }
    if (!h->up) {
        fuse_reply_write(req, size); /* the photo is already there: the bytes are not needed */
        return;
    }
    rc = uploads_write(afs_of(req), h->up, buf, size, off);
    if (rc < 0)
        fuse_reply_err(req, (int)-rc);
    else
        fuse_reply_write(req, (size_t)rc);
}

/* Each close() of a descriptor: a writer's commits its upload when due,
 * and close() answers what the commit did. */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct filehandle *h = (struct filehandle *)(uintptr_t)fi->fh;

    if (h && h->up && h->writer)
        fuse_reply_err(req, -uploads_flush(afs_of(req), h->up, ino));
    else
        fuse_reply_err(req, 0);
}

/* Bytes become durable when the file becomes a photo (at close: the vault
 * and the catalog are synced then); until then there is nothing to keep. */
static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    fuse_reply_err(req, 0);
}

/* A read of a file being written: what was written so far. */
static void read_upload(fuse_req_t req, struct upload *up, size_t size, off_t off)
{
    char *buf = malloc(size ? size : 1);
    ssize_t got;

    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    got = uploads_read(afs_of(req), up, buf, size, off);
    if (got < 0)
        fuse_reply_err(req, (int)-got);
    else
        fuse_reply_buf(req, buf, (size_t)got);
    sodium_memzero(buf, size ? size : 1);
    free(buf);
}

/* A read of READ ME.txt, answered from a copy of the slice: once the
 * kernel has the answer, the reader may close the file and its release
 * (another thread) free the text while this thread is still returning
 * from the write that answered (ASan saw exactly that). */
static void read_text(fuse_req_t req, const struct filehandle *h, size_t size, off_t off)
{
    size_t n;
    char *slice;

    if (off < 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    if ((uint64_t)off >= h->text_len) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    n = size < h->text_len - (size_t)off ? size : h->text_len - (size_t)off;
    slice = malloc(n);
    if (!slice) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    memcpy(slice, h->text + off, n);
    fuse_reply_buf(req, slice, n);
    free(slice);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct afs *fs = afs_of(req);
    struct filehandle *h = (struct filehandle *)(uintptr_t)fi->fh;
    int64_t epoch = atomic_load(&fs->epoch);
    char *buf;
    ssize_t got;

    if (h->up) {
        read_upload(req, h->up, size, off);
        return;
    }
    if (h->text) { /* READ ME.txt: the text made at open; never a download */
        read_text(req, h, size, off);
        return;
    }
    if (!h->blob) {
        fuse_reply_err(req, EBADF); /* a write sink */
        return;
    }
    if (epoch != h->checked_epoch) {
        /* Still allowed? (Its bytes are the ones it opened, whatever the
         * photo's name, place or current version is now.) */
        int rc = tree_recheck(fs, &h->node);

        if (rc < 0) {
            fuse_reply_err(req, -rc);
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
    ops->flush = op_flush;
    ops->fsync = op_fsync;
    ops->release = op_release;
}
