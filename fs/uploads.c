/* uploads.c — files being written through a mount, until they are photos.
 *
 * A file an owner or editor creates in a set (or writes over a photo) is an
 * upload: bytes held encrypted in the library's staging folder
 * (store/staging.h), shown in its writer's world only — in its set's
 * listing, to lookups and stat, with the size written so far — and in
 * nobody else's, on no other mount. It becomes a photo (a new one, or a new
 * version of the photo of its name) through change_photo_add, the one
 * import pipeline, which decodes all of it first (docs/filesystem.md
 * "Writing").
 *
 * Kinds, from the name (upload_kind_of), decided again at each rename:
 *   PHOTO  an ordinary name, or the name of an existing photo: committed
 *          when a handle that wrote is flushed (close) — close() answers
 *          the commit's error;
 *   TEMP   a name starting with '.' that no photo has (rsync's
 *          ".IMG.jpg.Ab12Cd", gio's ".goutputstream-XXXXXX"): committed
 *          when renamed to an ordinary name — rename() answers the error;
 *   JUNK   names_is_junk (.DS_Store, ._*, Thumbs.db, ...): never a photo;
 *          accepted, kept for its writer until it is deleted or the mount
 *          ends. Junk is also what anyone may write into a drop folder
 *          (Favourites/<Set>/, High-res/<Set>/, Private/<Set>/: the
 *          AppleDouble file Finder writes beside a photo it copies there),
 *          listed in that folder and nowhere else.
 *
 * States and transitions (each performed by the function named):
 *
 *     uploads_create --> LISTED --uploads_commit (ok)--> COMMITTED
 *                          |  ^ uploads_write/truncate: dirty
 *                          |  | uploads_commit failed: stays LISTED
 *                          |  +-- uploads_move (a rename: new place, kind)
 *                          |
 *                          +--uploads_drop / last close of a PHOTO upload
 *                          |  never committed (uploads_closed)--> DROPPED
 *     COMMITTED --write--> dirty: the next flush commits another version
 *     any state --last reference gone (uploads_put)--> freed
 *
 * LISTED uploads are in the table under (world, album, set, name): they
 * are what tree.c shows. COMMITTED and DROPPED ones are off the table and
 * live on only for the handles still open on them (a write after a
 * commit, through a descriptor still open, makes the next flush commit
 * again under the same name; a DROPPED upload is never committed).
 *
 * Invariants, at a crash at any point (kill -9, power cut):
 *   1. Nothing of an upload is readable after its process is gone: the
 *      staged bytes are encrypted under a key that lived only in memory.
 *   2. close() (or rename()) answered 0 only after change_photo_add
 *      committed: the blob was in the vault (fsync'd) before the catalog
 *      row naming it, so an acknowledged photo survives whole, and a photo
 *      the catalog names is always complete.
 *   3. A crash between storing the blob and committing its row leaves a
 *      commit intent (staging_intent_begin) beside the blob; the next
 *      daemon to start removes that blob if still no row names it
 *      (uploads_init), so `albumctl verify` finds no orphan.
 *
 * After a commit the photo's views that people with grants browse are
 * queued for rendering in the background (renderq.c; listings leave out
 * what is not made yet, so no wrong size is ever shown), and the watcher
 * is woken: the catalog's generation moved, so every mount follows.
 *
 * Locking (daemon.h): fs->uploads_lock guards the tables and each upload's
 * name, place and reference count; upload->lock its bytes and state, and
 * is held across a commit (only requests on that upload wait). Order:
 * upload->lock, then uploads_lock, nodes_lock, worlds_lock (a commit's
 * actor) or the render queue's and watcher's locks; never the reverse.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <sodium.h>

#include "changes/photos.h"
#include "fs/daemon.h"
#include "media/prepare.h"
#include "media/probe.h"
#include "store/staging.h"

/* Uploads listed at once on one mount (each holds a descriptor). */
#define UPLOADS_MAX 4096

enum upload_kind {
    UPLOAD_PHOTO,
    UPLOAD_TEMP,
    UPLOAD_JUNK,
};

struct upload {
    int64_t id;            /* > 0, never reused on this mount (fixed) */
    struct world *world;   /* whose it is (fixed) */
    /* uploads_lock: */
    int64_t album_id, set_id; /* set 0: in the album itself (junk only) */
    enum node_kind place;     /* the kind of folder it is in: NODE_SET, or
                               * NODE_ALBUM or a drop folder (junk only) */
    enum af_view place_view;  /* that folder's view (High-res/<Set>/) */
    char name[AF_NAME_MAX + 1];
    char *key;             /* its table key while LISTED, else NULL */
    unsigned refs;         /* the table's, each handle's, each caller's */
    enum upload_kind kind;
    /* the bytes and the state (lock): */
    pthread_mutex_t lock;
    struct af_staged *data;
    bool dirty;            /* made, written or truncated since its last commit */
    bool dropped;          /* deleted, replaced or abandoned */
    int failed;            /* a write failed (negative errno): it is not
                            * committed until truncated to nothing */
    int64_t photo_id;      /* the photo it became (0: none yet) */
    unsigned writers;      /* open handles that may write */
    /* read without a lock (stat, listings): */
    _Atomic uint64_t size;
    _Atomic af_time mtime;
};

/* The table key of `name` in folder dir of dir's world. */
static char *table_key(const struct node *dir, const char *name)
{
    return g_strdup_printf("%p/%d/%u/%lld/%lld/%s", (const void *)dir->world, (int)dir->kind,
                           (unsigned)dir->view, (long long)dir->album_id, (long long)dir->set_id,
                           name);
}

/* Whether upload u is in folder dir. Caller holds uploads_lock. */
static bool in_folder(const struct upload *u, const struct node *dir)
{
    return u->world == dir->world && u->place == dir->kind && u->place_view == dir->view &&
           u->album_id == dir->album_id && u->set_id == dir->set_id;
}

/* Place upload u in folder dir. Caller holds uploads_lock (or u is new). */
static void place_in(struct upload *u, const struct node *dir)
{
    u->album_id = dir->album_id;
    u->set_id = dir->set_id;
    u->place = dir->kind;
    u->place_view = dir->view;
}

int64_t uploads_id(const struct upload *u)
{
    return u->id; /* fixed */
}

bool uploads_is_junk(const char *name)
{
    return names_is_junk(name);
}

static enum upload_kind upload_kind_of(const char *name, bool replaces_photo)
{
    if (names_is_junk(name))
        return UPLOAD_JUNK;
    if (name[0] == '.' && !replaces_photo)
        return UPLOAD_TEMP;
    return UPLOAD_PHOTO;
}

/* A name fit to show in a log line: control bytes become '?'. */
static void printable(const char *name, char *out, size_t len)
{
    size_t i;

    for (i = 0; name[i] && i + 1 < len; i++)
        out[i] = ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) ? '?' : name[i];
    out[i] = '\0';
}

/* ---- the table ---- */

static void unlist(struct afs *fs, struct upload *u)
{
    if (!u->key)
        return;
    g_hash_table_remove(fs->uploads, u->key);
    g_free(u->key);
    u->key = NULL;
    u->refs--; /* the table's */
}

static void upload_free(struct upload *u)
{
    staged_free(u->data);
    pthread_mutex_destroy(&u->lock);
    g_free(u->key);
    g_free(u);
}

void uploads_put(struct afs *fs, struct upload *u)
{
    bool last;

    if (!u)
        return;
    pthread_mutex_lock(&fs->uploads_lock);
    last = --u->refs == 0;
    if (last)
        g_hash_table_remove(fs->uploads_by_id, &u->id);
    pthread_mutex_unlock(&fs->uploads_lock);
    if (last)
        upload_free(u);
}

static void recovered(struct afs *fs, const char *blob)
{
    afs_log(LOG_NOTICE, "removed blob %.16s… from the vault: an upload stored it and was "
                        "interrupted (a crash) before it became a photo", blob);
}

/* A leftover commit intent: remove its blob if no row names it (if one
 * does, the commit made it: nothing to undo). */
static int forget_blob(const char *blob, void *arg)
{
    struct afs *fs = arg;
    struct af_catalog *c = afs_catalog(fs);
    bool removed = false;
    int rc = c ? change_blob_forget(fs->lib, c, blob, &removed) : -EIO;

    if (removed)
        recovered(fs, blob);
    return rc;
}

int uploads_init(struct afs *fs)
{
    int rc;

    pthread_mutex_init(&fs->uploads_lock, NULL);
    fs->uploads = g_hash_table_new(g_str_hash, g_str_equal);
    fs->uploads_by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
    fs->next_upload_id = 1;
    rc = staging_open(fs->lib->dir, MEDIA_MAX_FILE_BYTES, &fs->staging);
    if (rc < 0)
        return rc;
    rc = staging_recover(fs->staging, forget_blob, fs);
    if (rc < 0)
        afs_log(LOG_WARNING, "cannot look for interrupted uploads in %s/%s: %s", fs->lib->dir,
                STAGING_DIR, strerror(-rc));
    return 0;
}

void uploads_release(struct afs *fs)
{
    GHashTableIter it;
    gpointer value;

    if (!fs->uploads_by_id)
        return;
    /* The handles were disposed of; what is left is listed and nobody's. */
    g_hash_table_iter_init(&it, fs->uploads_by_id);
    while (g_hash_table_iter_next(&it, NULL, &value))
        upload_free(value);
    g_hash_table_destroy(fs->uploads_by_id);
    g_hash_table_destroy(fs->uploads);
    fs->uploads = fs->uploads_by_id = NULL;
    staging_close(fs->staging);
    fs->staging = NULL;
    pthread_mutex_destroy(&fs->uploads_lock);
}

int uploads_create(struct afs *fs, const struct node *dir, const char *name, bool replaces_photo,
                   struct upload **out)
{
    char *key = table_key(dir, name);
    struct upload *u;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&fs->uploads_lock);
    u = g_hash_table_lookup(fs->uploads, key);
    if (u) {
        u->refs++;
        pthread_mutex_unlock(&fs->uploads_lock);
        g_free(key);
        *out = u;
        return 0;
    }
    if (g_hash_table_size(fs->uploads) >= UPLOADS_MAX) {
        pthread_mutex_unlock(&fs->uploads_lock);
        g_free(key);
        return -ENFILE;
    }
    pthread_mutex_unlock(&fs->uploads_lock);
    u = g_new0(struct upload, 1);
    rc = staged_new(fs->staging, &u->data);
    if (rc < 0) {
        char shown[AF_NAME_MAX + 1];

        printable(name, shown, sizeof shown);
        afs_log(rc == -EIO ? LOG_ERR : LOG_NOTICE,
                "%s did not become a photo: cannot make its staging file (%s)", shown,
                strerror(-rc));
        g_free(u);
        g_free(key);
        return rc;
    }
    pthread_mutex_init(&u->lock, NULL);
    u->world = dir->world;
    place_in(u, dir);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->kind = upload_kind_of(name, replaces_photo);
    u->dirty = true;
    atomic_store(&u->mtime, (af_time)time(NULL));
    pthread_mutex_lock(&fs->uploads_lock);
    if (g_hash_table_contains(fs->uploads, key)) {
        /* Made meanwhile by another request: that one it is. */
        struct upload *other = g_hash_table_lookup(fs->uploads, key);

        other->refs++;
        pthread_mutex_unlock(&fs->uploads_lock);
        upload_free(u);
        g_free(key);
        *out = other;
        return 0;
    }
    u->id = fs->next_upload_id++;
    u->key = key;
    u->refs = 2; /* the table's and the caller's */
    g_hash_table_insert(fs->uploads, u->key, u);
    g_hash_table_insert(fs->uploads_by_id, &u->id, u);
    pthread_mutex_unlock(&fs->uploads_lock);
    *out = u;
    return 0;
}

struct upload *uploads_get(struct afs *fs, int64_t id)
{
    struct upload *u;

    pthread_mutex_lock(&fs->uploads_lock);
    u = g_hash_table_lookup(fs->uploads_by_id, &id);
    if (u)
        u->refs++;
    pthread_mutex_unlock(&fs->uploads_lock);
    return u;
}

static void entry_of(const struct upload *u, struct upload_entry *out)
{
    out->id = u->id;
    snprintf(out->name, sizeof out->name, "%s", u->name);
    out->size = atomic_load(&u->size);
    out->mtime = atomic_load(&u->mtime);
}

int uploads_lookup(struct afs *fs, const struct node *dir, const char *name,
                   struct upload_entry *out)
{
    char *key = table_key(dir, name);
    struct upload *u;

    pthread_mutex_lock(&fs->uploads_lock);
    u = g_hash_table_lookup(fs->uploads, key);
    if (u)
        entry_of(u, out);
    pthread_mutex_unlock(&fs->uploads_lock);
    g_free(key);
    return u ? 0 : -ENOENT;
}

int uploads_stat(struct afs *fs, int64_t id, struct upload_entry *out)
{
    struct upload *u;

    pthread_mutex_lock(&fs->uploads_lock);
    u = g_hash_table_lookup(fs->uploads_by_id, &id);
    if (u)
        entry_of(u, out);
    pthread_mutex_unlock(&fs->uploads_lock);
    return u ? 0 : -ENOENT;
}

int uploads_list(struct afs *fs, const struct node *dir, struct upload_entry **out, size_t *n)
{
    GHashTableIter it;
    gpointer value;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&fs->uploads_lock);
    if (g_hash_table_size(fs->uploads) == 0) {
        pthread_mutex_unlock(&fs->uploads_lock);
        return 0;
    }
    *out = calloc(g_hash_table_size(fs->uploads), sizeof **out);
    if (!*out) {
        pthread_mutex_unlock(&fs->uploads_lock);
        return -ENOMEM;
    }
    g_hash_table_iter_init(&it, fs->uploads);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const struct upload *u = value;

        if (in_folder(u, dir))
            entry_of(u, &(*out)[k++]);
    }
    pthread_mutex_unlock(&fs->uploads_lock);
    *n = k;
    return 0;
}

bool uploads_any_in(struct afs *fs, const struct world *w, int64_t album_id, int64_t set_id)
{
    GHashTableIter it;
    gpointer value;
    bool any = false;

    pthread_mutex_lock(&fs->uploads_lock);
    g_hash_table_iter_init(&it, fs->uploads);
    while (!any && g_hash_table_iter_next(&it, NULL, &value)) {
        const struct upload *u = value;

        any = u->world == w && u->place == NODE_SET && u->album_id == album_id &&
              u->set_id == set_id;
    }
    pthread_mutex_unlock(&fs->uploads_lock);
    return any;
}

/* ---- bytes ---- */

ssize_t uploads_write(struct afs *fs, struct upload *u, const void *buf, size_t len, off_t off)
{
    ssize_t rc;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&u->lock);
    rc = staged_pwrite(u->data, buf, len, (uint64_t)off);
    if (rc < 0)
        u->failed = (int)rc;
    if (rc > 0) {
        u->dirty = true;
        atomic_store(&u->size, staged_size(u->data));
        atomic_store(&u->mtime, (af_time)time(NULL));
    }
    pthread_mutex_unlock(&u->lock);
    if (rc == -EFBIG)
        afs_log(LOG_NOTICE, "a write to %s would pass %llu MiB, the largest photo or document",
                u->name, MEDIA_MAX_FILE_BYTES >> 20);
    return rc;
}

ssize_t uploads_read(struct afs *fs, struct upload *u, void *buf, size_t len, off_t off)
{
    ssize_t rc;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&u->lock);
    rc = staged_pread(u->data, buf, len, (uint64_t)off);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int uploads_truncate(struct afs *fs, struct upload *u, uint64_t size)
{
    int rc;

    pthread_mutex_lock(&u->lock);
    rc = staged_truncate(u->data, size);
    if (rc < 0)
        u->failed = rc;
    if (rc == 0 && size == 0)
        u->failed = 0; /* written again from the start */
    if (rc == 0) {
        u->dirty = true;
        atomic_store(&u->size, size);
        atomic_store(&u->mtime, (af_time)time(NULL));
    }
    pthread_mutex_unlock(&u->lock);
    return rc;
}

/* Copy the bytes of vault blob `blob` into the upload (writing a photo
 * without truncating it starts from its bytes). Caller holds u->lock. */
static int fill_from_blob(struct afs *fs, struct upload *u, const char *blob)
{
    struct af_blob *b = NULL;
    char *buf = malloc(STAGING_CHUNK);
    uint64_t off = 0;
    ssize_t got = 0;
    int rc = buf ? vault_blob_open(fs->lib->vault, blob, &b) : -ENOMEM;

    while (rc == 0 && (got = vault_blob_pread(b, buf, STAGING_CHUNK, off)) > 0) {
        ssize_t put = staged_pwrite(u->data, buf, (size_t)got, off);

        rc = put < 0 ? (int)put : 0;
        off += (uint64_t)got;
    }
    if (rc == 0 && got < 0)
        rc = (int)got;
    if (rc == 0)
        atomic_store(&u->size, staged_size(u->data));
    if (b)
        vault_blob_close(b);
    if (buf) {
        sodium_memzero(buf, STAGING_CHUNK);
        free(buf);
    }
    return rc;
}

int uploads_start_from(struct afs *fs, struct upload *u, const char *blob)
{
    int rc;

    pthread_mutex_lock(&u->lock);
    if (staged_size(u->data) == 0 && u->dirty && !u->photo_id) {
        rc = fill_from_blob(fs, u, blob);
        u->dirty = rc < 0; /* the photo's own bytes: nothing new yet */
    } else {
        rc = 0;
    }
    pthread_mutex_unlock(&u->lock);
    return rc;
}

/* ---- becoming a photo ---- */

static void queue_view(const struct rendition_request *req, void *arg)
{
    renderq_submit(arg, req, NULL, NULL);
}

/* Say why an upload did not become a photo. */
static void refused(const char *album, const char *set, const char *name, int rc,
                    const char *why)
{
    char shown[AF_NAME_MAX + 1];

    printable(name, shown, sizeof shown);
    afs_log(rc == -EIO ? LOG_ERR : LOG_NOTICE, "%s/%s/%s did not become a photo: %s", album,
            set, shown, why[0] ? why : strerror(-rc));
}

/* Commit the bytes of u as `name` in set set_id (caller holds u->lock):
 * change_photo_add, then the views, then the watcher. The node ino (0:
 * none) takes the photo's identity. *photo_id (may be NULL) gets the
 * photo. 0 or negative errno, with a log line. */
static int commit(struct afs *fs, struct upload *u, int64_t album_id, int64_t set_id,
                  const char *name, fuse_ino_t ino, int64_t *photo_id)
{
    struct af_catalog *c = afs_catalog(fs);
    struct staging_intent *intent = NULL;
    struct change_added added;
    struct world_actor wa;
    struct cat_album a;
    struct cat_set s;
    char blob[VAULT_ID_HEX], why[256] = "";
    void *buf = NULL;
    size_t len = 0;
    int rc;

    if (!c)
        return -EIO;
    rc = staged_read_all(u->data, &buf, &len);
    if (rc < 0) {
        snprintf(why, sizeof why, "cannot read what was written: %s", strerror(-rc));
        goto out;
    }
    rc = world_actor_get(fs, u->world, &wa);
    if (rc == 0) {
        vault_address(fs->lib->vault, buf, len, blob);
        rc = staging_intent_begin(fs->staging, blob, &intent);
        if (rc == 0)
            rc = change_photo_add(fs->lib, c, &wa.actor, set_id, name, buf, len, &added, why,
                                  sizeof why);
        staging_intent_end(intent);
    }
    world_actor_release(&wa);
    if (rc < 0)
        goto out;
    u->dirty = false;
    u->photo_id = added.photo_id;
    if (photo_id)
        *photo_id = added.photo_id;
    if (ino) {
        struct node proto = {.kind = NODE_FILE, .world = u->world, .view = AF_VIEW_ORIGINAL,
                             .album_id = album_id, .set_id = set_id,
                             .photo_id = added.photo_id, .version_id = added.version_id};

        nodes_rebind(fs, ino, &proto);
    }
    if (!added.unchanged &&
        prepare_photo_missing(fs->lib, c, added.photo_id, AF_VIEW_PROOF, queue_view, fs) < 0)
        afs_log(LOG_WARNING, "cannot queue the views of a new photo: %s", catalog_errmsg(c));
    watcher_kick(fs);
out:
    if (rc < 0) {
        bool named = catalog_album_by_id(c, album_id, &a) == 0 &&
                     catalog_set_by_id(c, set_id, &s) == 0;

        refused(named ? a.name : "?", named ? s.name : "?", name, rc, why);
    }
    staged_buffer_free(buf, len);
    return rc;
}

/* The commit's errno as close() or rename() answers it: a busy catalog is
 * a retry later (EAGAIN), the rest as they are. */
static int commit_errno(int rc)
{
    return rc == -EBUSY ? -EAGAIN : rc;
}

int uploads_flush(struct afs *fs, struct upload *u, fuse_ino_t ino)
{
    int64_t album_id, set_id;
    char name[AF_NAME_MAX + 1];
    bool due;
    int rc = 0;

    pthread_mutex_lock(&u->lock);
    pthread_mutex_lock(&fs->uploads_lock);
    due = u->kind == UPLOAD_PHOTO && u->dirty && !u->dropped && (u->key || u->photo_id);
    album_id = u->album_id;
    set_id = u->set_id;
    snprintf(name, sizeof name, "%s", u->name);
    pthread_mutex_unlock(&fs->uploads_lock);
    if (due && set_id == 0) {
        rc = -EPERM; /* only junk may sit in an album itself */
    } else if (due && u->failed) {
        /* A write was refused (a full disk, past the largest photo): what
         * is there is not the file; close() says so again. */
        char shown[AF_NAME_MAX + 1];

        rc = u->failed;
        printable(name, shown, sizeof shown);
        afs_log(LOG_NOTICE, "%s did not become a photo: a write to it failed (%s)", shown,
                strerror(-rc));
    } else if (due)
        rc = commit(fs, u, album_id, set_id, name, ino, NULL);
    if (due && rc == 0) {
        pthread_mutex_lock(&fs->uploads_lock);
        unlist(fs, u);
        pthread_mutex_unlock(&fs->uploads_lock);
    }
    pthread_mutex_unlock(&u->lock);
    return commit_errno(rc);
}

int uploads_commit_as(struct afs *fs, struct upload *u, const struct node *dir,
                      const char *name, int64_t *photo_id)
{
    int rc;

    pthread_mutex_lock(&u->lock);
    rc = u->dropped ? -ENOENT : commit(fs, u, dir->album_id, dir->set_id, name, 0, photo_id);
    if (rc == 0) {
        pthread_mutex_lock(&fs->uploads_lock);
        unlist(fs, u);
        snprintf(u->name, sizeof u->name, "%s", name);
        place_in(u, dir);
        u->kind = UPLOAD_PHOTO;
        pthread_mutex_unlock(&fs->uploads_lock);
    }
    pthread_mutex_unlock(&u->lock);
    return commit_errno(rc);
}

bool uploads_commits_at_rename(struct afs *fs, struct upload *u, const char *newname)
{
    bool now;

    pthread_mutex_lock(&u->lock);
    now = upload_kind_of(newname, false) == UPLOAD_PHOTO && u->writers == 0 && !u->dropped;
    pthread_mutex_unlock(&u->lock);
    return now;
}

/* Drop the LISTED upload at key (another one is renamed over it). Caller
 * holds uploads_lock; the dropped one is put by the caller after unlock. */
static struct upload *take_listed(struct afs *fs, const char *key)
{
    struct upload *u = g_hash_table_lookup(fs->uploads, key);

    if (u) {
        g_hash_table_remove(fs->uploads, key);
        g_free(u->key);
        u->key = NULL; /* the table's reference passes to the caller */
    }
    return u;
}

static void mark_dropped(struct upload *u)
{
    pthread_mutex_lock(&u->lock);
    u->dropped = true;
    pthread_mutex_unlock(&u->lock);
}

int uploads_move(struct afs *fs, struct upload *u, const struct node *dir, const char *name,
                 bool onto_photo)
{
    char *key = table_key(dir, name);
    struct upload *replaced = NULL;
    int rc = 0;

    pthread_mutex_lock(&u->lock);
    pthread_mutex_lock(&fs->uploads_lock);
    if (!u->key || u->dropped) {
        rc = -ENOENT;
    } else if (strcmp(u->key, key) != 0) {
        replaced = take_listed(fs, key);
        g_hash_table_remove(fs->uploads, u->key);
        g_free(u->key);
        u->key = key;
        key = NULL;
        g_hash_table_insert(fs->uploads, u->key, u);
        snprintf(u->name, sizeof u->name, "%s", name);
        place_in(u, dir);
        u->kind = upload_kind_of(name, onto_photo);
    }
    pthread_mutex_unlock(&fs->uploads_lock);
    pthread_mutex_unlock(&u->lock);
    if (replaced) {
        mark_dropped(replaced);
        uploads_put(fs, replaced);
    }
    g_free(key);
    return rc;
}

void uploads_drop(struct afs *fs, struct upload *u)
{
    pthread_mutex_lock(&u->lock);
    u->dropped = true;
    pthread_mutex_lock(&fs->uploads_lock);
    unlist(fs, u);
    pthread_mutex_unlock(&fs->uploads_lock);
    pthread_mutex_unlock(&u->lock);
    atomic_store(&fs->inval_wanted, true); /* the kernel may know its name */
    watcher_kick(fs);
}

void uploads_opened(struct afs *fs, struct upload *u)
{
    pthread_mutex_lock(&u->lock);
    u->writers++;
    pthread_mutex_unlock(&u->lock);
}

void uploads_closed(struct afs *fs, struct upload *u)
{
    bool abandoned;

    pthread_mutex_lock(&u->lock);
    u->writers--;
    abandoned = u->writers == 0 && u->kind == UPLOAD_PHOTO && !u->photo_id && !u->dropped;
    pthread_mutex_unlock(&u->lock);
    /* Written under a photo's name and closed without becoming one (it did
     * not decode, the disk was full): nothing of it is kept. */
    if (abandoned)
        uploads_drop(fs, u);
}
