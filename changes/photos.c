/* photos.c — changes to photos and documents (see photos.h).
 *
 * Adding bytes (change_photo_add) is the one import pipeline: the name is
 * checked, the bytes are probed (they must decode completely) and, at the
 * same time on a thread of its own, encrypted into the vault, with no
 * catalog lock held; only then does one short transaction check the policy
 * again and record the photo or its new version with its activity. Bytes
 * that do not decode leave no blob behind: it is removed again unless a
 * row names it (the same bytes stored before; change_blob_forget). A
 * crash between the store and that removal leaves a blob nothing names,
 * which the daemon's commit intents clean up (fs/uploads.c) and
 * `albumctl verify` reports. A blob is content-addressed, so the
 * same bytes are stored once; a purge removes a blob nothing references
 * while it holds the catalog's write lock, so the add looks again, under
 * that lock, that its blob is still in the vault (and stores it again if a
 * purge took it between the two steps).
 *
 * Every other change here is one transaction: load the rows, ask the
 * policy, change the rows, record the activity. A purge also removes, in
 * its transaction, the vault blobs nothing references any more and the
 * photo's rendered views from the cache: files removed before the commit,
 * so no writer can start naming a blob between the question and the
 * removal (if the commit then failed, the photo would keep rows naming a
 * removed blob: purging it again finishes the job).
 */
#include "changes/photos.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changes/changes_private.h"

/* How often an add stores its blob again because a purge took it meanwhile. */
#define ADD_ATTEMPTS 3

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (!why || !why_len)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

int change_photo_name_check(const char *name, char *why, size_t why_len)
{
    const char *reason = NULL;
    int rc = names_check(name, &reason);

    if (rc < 0) {
        say(why, why_len, "the name cannot be used: it %s", reason);
        return rc;
    }
    if (names_is_junk(name)) {
        say(why, why_len, "the name cannot be used: file managers write files of that name "
                          "for themselves");
        return -EINVAL;
    }
    return 0;
}

int change_photo_size_check(uint64_t size, char *why, size_t why_len)
{
    if (size == 0) {
        say(why, why_len, "empty file");
        return -EINVAL;
    }
    if (size > MEDIA_MAX_FILE_BYTES) {
        say(why, why_len, "larger than %llu MiB; photos and documents are limited to that",
            MEDIA_MAX_FILE_BYTES >> 20);
        return -EFBIG;
    }
    return 0;
}

/* The set's rows and whether a may add to it: 0, -ENOENT or -EPERM. */
static int may_add(struct af_catalog *c, const struct change_actor *a, int64_t set_id,
                   af_time now, struct change_target *t)
{
    int rc = change_load_set(c, set_id, t);

    return rc < 0 ? rc : policy_may_modify(a->who, &t->entry, now);
}

/* Record the stored blob as `name` in the set: the transaction of an add.
 * 1 when done, 0 when the blob must be stored again (a purge removed it),
 * or negative errno. */
static int add_record(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                      int64_t set_id, const char *name, const char *blob,
                      struct change_added *out, af_time now)
{
    struct change_target t;
    struct cat_photo was;
    int rc = catalog_begin(c);

    if (rc < 0)
        return rc;
    if ((rc = may_add(c, a, set_id, now, &t)) < 0)
        return change_end(c, rc);
    rc = vault_exists(lib->vault, blob);
    if (rc <= 0)
        return change_end(c, rc);
    rc = catalog_photo_by_file_name(c, set_id, name, CAT_NAME_OWN, &was);
    if (rc < 0 && rc != -ENOENT)
        return change_end(c, rc);
    out->new_photo = rc == -ENOENT;
    rc = catalog_photo_add_version_by(c, set_id, name, blob, out->size, &out->info, a->label,
                                      &out->photo_id, &out->version_id);
    if (rc == -EEXIST) { /* those very bytes are its current version */
        out->unchanged = true;
        out->new_photo = false;
        catalog_rollback(c);
        return 1;
    }
    if (rc == 0)
        rc = change_record(c, a, out->new_photo ? "upload" : "version", t.album.id,
                           out->photo_id, name, now);
    rc = change_end(c, rc);
    return rc < 0 ? rc : 1;
}

int change_blob_forget(struct af_library *lib, struct af_catalog *c, const char *blob,
                       bool *removed)
{
    int rc = catalog_begin(c);

    *removed = false;
    if (rc < 0)
        return rc;
    rc = catalog_blob_referenced(c, blob);
    if (rc == 0) {
        rc = vault_remove(lib->vault, blob);
        *removed = rc == 0;
        if (rc == -ENOENT)
            rc = 0;
    } else if (rc == 1) {
        rc = 0; /* named: it stays */
    }
    if (rc == 0)
        rc = catalog_commit(c);
    if (rc < 0)
        catalog_rollback(c);
    return rc;
}

/* The vault store of an add, run beside the decode check. */
struct store_job {
    struct af_vault *vault;
    const void *buf;
    size_t len;
    char blob[VAULT_ID_HEX];
    int rc;
};

static void *store_bytes(void *arg)
{
    struct store_job *j = arg;

    j->rc = vault_put_buffer(j->vault, j->buf, j->len, j->blob);
    return NULL;
}

/* Decode-check the bytes (into out->info) while they are stored in the
 * vault (into blob): 0, or the check's error (nothing stored: a blob the
 * store made is forgotten again) or the store's. */
static int check_and_store(struct af_library *lib, struct af_catalog *c, const void *buf,
                           size_t len, struct change_added *out, char blob[VAULT_ID_HEX],
                           char *why, size_t why_len)
{
    struct store_job job = {.vault = lib->vault, .buf = buf, .len = len};
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, store_bytes, &job) == 0;
    bool removed;
    int rc = media_probe_buffer(buf, len, &out->info, why, why_len);

    if (threaded)
        pthread_join(thread, NULL);
    else if (rc == 0)
        store_bytes(&job); /* no thread to be had: one after the other */
    if (rc < 0) {
        if (why && why_len && !why[0])
            say(why, why_len, "%s", strerror(-rc));
        if (threaded && job.rc == 0)
            (void)change_blob_forget(lib, c, job.blob, &removed); /* else verify reports it */
        return rc;
    }
    if (job.rc < 0) {
        say(why, why_len, "cannot store it in the vault: %s", strerror(-job.rc));
        return job.rc;
    }
    memcpy(blob, job.blob, VAULT_ID_HEX);
    return 0;
}

int change_photo_add(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                     int64_t set_id, const char *name, const void *buf, size_t len,
                     struct change_added *out, char *why, size_t why_len)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    char blob[VAULT_ID_HEX];
    int rc;

    memset(out, 0, sizeof *out);
    if (why && why_len)
        why[0] = '\0';
    if ((rc = change_photo_name_check(name, why, why_len)) < 0 ||
        (rc = change_photo_size_check(len, why, why_len)) < 0)
        return rc;
    /* Asked before any decoding: a person who may not add makes no work. */
    if ((rc = may_add(c, a, set_id, now, &t)) < 0) {
        say(why, why_len, "%s", strerror(-rc));
        return rc;
    }
    rc = check_and_store(lib, c, buf, len, out, blob, why, why_len);
    if (rc < 0)
        return rc;
    out->size = len;
    for (int i = 0; i < ADD_ATTEMPTS; i++) {
        if (i > 0 && (rc = vault_put_buffer(lib->vault, buf, len, blob)) < 0) {
            say(why, why_len, "cannot store it in the vault: %s", strerror(-rc));
            return rc;
        }
        rc = add_record(lib, c, a, set_id, name, blob, out, now);
        if (rc != 0)
            break;
    }
    if (rc == 0)
        rc = -EAGAIN; /* purged under it every time */
    if (rc < 0) {
        say(why, why_len, "cannot record it in the catalog: %s%s", strerror(-rc),
            rc == -EBUSY ? "; the library stayed busy, try again" : "");
        return rc;
    }
    return 0;
}

int change_photo_rename(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                        const char *new_name)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    char detail[2 * AF_NAME_MAX + 8];
    int rc = change_photo_name_check(new_name, NULL, 0);

    if (rc < 0 || (rc = change_begin(c, a, CHANGE_ON_PHOTO, photo_id, now, &t)) < 0)
        return rc;
    if (strcmp(t.photo.name, new_name) == 0)
        return change_end(c, 0);
    rc = catalog_photo_place(c, photo_id, t.set.id, new_name);
    snprintf(detail, sizeof detail, "%s -> %s", t.photo.name, new_name);
    if (rc == 0)
        rc = change_record(c, a, "rename", t.album.id, photo_id, detail, now);
    return change_end(c, rc);
}

int change_photo_move(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                      int64_t to_set_id, const char *new_name)
{
    af_time now = (af_time)time(NULL);
    struct change_target t, to;
    char detail[6 * (AF_NAME_MAX + 1) + 8];
    const char *name;
    int rc = new_name ? change_photo_name_check(new_name, NULL, 0) : 0;

    if (rc < 0 || (rc = change_begin(c, a, CHANGE_ON_PHOTO, photo_id, now, &t)) < 0)
        return rc;
    name = new_name ? new_name : t.photo.name;
    rc = change_load_set(c, to_set_id, &to);
    if (rc == 0)
        rc = policy_may_modify(a->who, &to.entry, now);
    if (rc < 0 || (to_set_id == t.set.id && strcmp(name, t.photo.name) == 0))
        return change_end(c, rc);
    rc = catalog_photo_place(c, photo_id, to_set_id, name);
    if (rc < 0)
        return change_end(c, rc);
    /* Each album's log says where the photo went or came from. */
    snprintf(detail, sizeof detail, "%s/%s/%s -> %s/%s/%s", t.album.name, t.set.name,
             t.photo.name, to.album.name, to.set.name, name);
    rc = change_record(c, a, "move", to.album.id, photo_id, detail, now);
    if (rc == 0 && to.album.id != t.album.id)
        rc = change_record(c, a, "move", t.album.id, photo_id, detail, now);
    return change_end(c, rc);
}

int change_photo_delete(struct af_catalog *c, const struct change_actor *a, int64_t photo_id)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    int rc = change_begin(c, a, CHANGE_ON_PHOTO, photo_id, now, &t);

    if (rc < 0)
        return rc;
    rc = catalog_photo_trash(c, photo_id, now);
    if (rc == 0)
        rc = change_record(c, a, "delete", t.album.id, photo_id, t.photo.name, now);
    return change_end(c, rc);
}

int change_photo_restore(struct af_catalog *c, const struct change_actor *a, int64_t photo_id)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    int rc = change_begin(c, a, CHANGE_ON_TRASHED, photo_id, now, &t);

    if (rc < 0)
        return rc;
    if (t.set.deleted) {
        rc = catalog_set_undelete(c, t.set.id);
        if (rc == 0)
            rc = change_record(c, a, "set-restored", t.album.id, 0, t.set.name, now);
    }
    if (rc == 0)
        rc = catalog_photo_untrash(c, photo_id);
    if (rc == 0)
        rc = change_record(c, a, "restore", t.album.id, photo_id, t.photo.name, now);
    return change_end(c, rc);
}

/* Remove from the vaults what purging a photo left unreferenced: its blobs
 * nothing else names, and its rendered views. Inside the purge's
 * transaction. A blob or view gone already is no failure. */
static int free_blobs(struct af_library *lib, struct af_catalog *c,
                      char (*blobs)[VAULT_ID_HEX], size_t n_blobs,
                      char (*views)[VAULT_ID_HEX], size_t n_views)
{
    int rc = 0;

    for (size_t i = 0; i < n_blobs && rc >= 0; i++) {
        rc = catalog_blob_referenced(c, blobs[i]);
        if (rc == 0)
            rc = vault_remove(lib->vault, blobs[i]);
        if (rc == -ENOENT)
            rc = 0;
    }
    for (size_t i = 0; i < n_views && rc >= 0; i++) {
        rc = vault_remove(lib->cache, views[i]);
        if (rc == -ENOENT)
            rc = 0;
    }
    return rc < 0 ? rc : 0;
}

int change_purge_as(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                    int64_t photo_id, const char *why)
{
    af_time now = (af_time)time(NULL);
    char (*blobs)[VAULT_ID_HEX] = NULL, (*views)[VAULT_ID_HEX] = NULL;
    char detail[2 * AF_NAME_MAX + 64];
    size_t n_blobs = 0, n_views = 0;
    struct change_target t;
    int rc = change_begin(c, a, CHANGE_ON_ANY_PHOTO, photo_id, now, &t);

    if (rc < 0)
        return rc;
    rc = policy_may_administer(a->who);
    if (rc == 0)
        rc = catalog_photo_purge(c, photo_id, &blobs, &n_blobs, &views, &n_views);
    snprintf(detail, sizeof detail, "%s/%s%s", t.set.name, t.photo.name, why);
    if (rc == 0)
        rc = change_record(c, a, "purge", t.album.id, photo_id, detail, now);
    if (rc == 0)
        rc = free_blobs(lib, c, blobs, n_blobs, views, n_views);
    free(blobs);
    free(views);
    return change_end(c, rc);
}

int change_photo_purge(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                       int64_t photo_id)
{
    return change_purge_as(lib, c, a, photo_id, "");
}

int change_photo_restore_version(struct af_catalog *c, const struct change_actor *a,
                                 int64_t photo_id, int64_t version_number)
{
    af_time now = (af_time)time(NULL);
    struct cat_version *versions = NULL;
    struct change_target t;
    char detail[AF_NAME_MAX + 64];
    size_t n = 0;
    int rc = change_begin(c, a, CHANGE_ON_PHOTO, photo_id, now, &t);

    if (rc < 0)
        return rc;
    rc = catalog_versions(c, photo_id, &versions, &n);
    if (rc == 0 && (version_number < 1 || (uint64_t)version_number > n))
        rc = -ENOENT;
    if (rc == 0 && !versions[version_number - 1].current) {
        rc = catalog_version_readd(c, photo_id, versions[version_number - 1].id, a->label, NULL);
        snprintf(detail, sizeof detail, "%s: version %lld again, as version %zu", t.photo.name,
                 (long long)version_number, n + 1);
        if (rc == 0)
            rc = change_record(c, a, "version-restored", t.album.id, photo_id, detail, now);
    }
    free(versions);
    return change_end(c, rc);
}
