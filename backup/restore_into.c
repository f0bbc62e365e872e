/* restore_into.c — an album, a set or one photo from a snapshot back into
 * the live library (see backup.h; docs/backup.md, "Restoring into the live
 * library"). The owner alone may (policy_may_administer).
 *
 * States, each step performed by the function named:
 *   EXTRACTED  the snapshot's catalog copy authenticated and decrypted into
 *              LIBRARY/vault/tmp/put-restore-<hex>, opened once so that it
 *              is migrated to this schema (extract), and attached to the
 *              live catalog connection (catalog_restore_attach)
 *   PLANNED    the blobs the restored versions need (catalog_restore_blobs);
 *              a name the snapshot does not have stops here, nothing written
 *   BLOBS      each copied from the repository into the vault unless it is
 *              there (repo_copy_blob: temp file, fsync, rename) and
 *              authenticated where it landed (land_one, on a few threads:
 *              backup/parallel.h)
 *   RECORDED   one catalog transaction: the rows (catalog_restore_rows) and
 *              the activity record 'restored-from-backup' (record); when
 *              everything was there already, nothing is (rolled back)
 *   DONE       the blobs this run added that no version names (those of
 *              versions a live photo had already, or of a failed run)
 *              removed again (drop_unused); the copy detached and removed
 * Invariants after a crash at any point:
 *   1. The catalog holds all of a restore or nothing of it, and names a
 *      blob only once that blob is in the vault whole and authenticated.
 *   2. What a crash leaves is at most blobs no version names ('albumctl
 *      verify' reports them as orphans; the next restore of the same thing
 *      uses them) and vault/tmp/put-restore-* files, which vault_open
 *      removes an hour later.
 * drop_unused asks the catalog after the transaction: an import of exactly
 * the same bytes that commits between that question and the removal would
 * lose its blob (the same window as a purge's).
 * Threads: the blob jobs share the vaults (thread-safe, vault.h); the
 * catalog connection is used by the calling thread alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "backup/backup.h"
#include "backup/parallel.h"

/* EXTRACTED: the snapshot's catalog as a file in the vault's tmp/ (name in
 * copy), at this schema. */
static int extract(struct af_library *lib, struct bk_repo *r, const struct snapshot *s,
                   char copy[PATH_MAX], const char **why, char bad_blob[VAULT_ID_HEX])
{
    struct af_catalog *c = NULL;
    char rnd_hex[17];
    unsigned char rnd[8];
    int rc;

    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    if (snprintf(copy, PATH_MAX, "%s/vault/tmp/put-restore-%s", lib->dir, rnd_hex) >= PATH_MAX)
        return -ENAMETOOLONG;
    rc = backup_extract_catalog(r, s, copy, why, bad_blob);
    if (rc < 0)
        return rc;
    rc = catalog_open(copy, CAT_OPEN_EXISTING, &c);
    if (rc == -EPROTO)
        *why = "the snapshot was written by a newer albumfs; upgrade albumfs";
    else if (rc < 0)
        *why = "the snapshot's catalog does not open";
    catalog_close(c);
    return rc;
}

/* What the blob jobs of a restore into the live library share; each job
 * writes only its own item of added[] and written[]. */
struct land_job {
    struct af_library *lib;
    struct bk_repo *r;
    char (*ids)[VAULT_ID_HEX];
    char vault[PATH_MAX];
    bool *added;        /* this run made blob i */
    bool *landed;       /* blob i is in the vault: a failure after is its check's */
    uint64_t *written;  /* bytes it copied */
};

/* Blob i into the vault unless there, authenticated where it landed (as
 * restore.c's restore_one: every chunk's tag, bound to the id and size). */
static int land_one(void *arg, size_t i, uint64_t *bytes)
{
    struct land_job *j = arg;
    char src[PATH_MAX];
    int there = vault_exists(j->lib->vault, j->ids[i]), rc;

    rc = there < 0 ? there : repo_blob_path(j->r->blobs_dir, j->ids[i], src);
    if (rc == 0)
        rc = repo_copy_blob(src, j->vault, j->ids[i], &j->written[i]);
    j->added[i] = rc == 0 && there == 0;
    j->landed[i] = rc == 0;
    if (rc == 0)
        rc = vault_verify(j->lib->vault, j->ids[i], 0);
    if (rc == 0)
        rc = repo_blob_size(j->r, j->ids[i], bytes);
    return rc;
}

/* BLOBS: copy ids[] into the vault, authenticating each where it landed;
 * added[i] says whether this run made blob i. */
static int land(struct af_library *lib, struct bk_repo *r, char (*ids)[VAULT_ID_HEX], size_t n,
                bool *added, backup_progress_fn progress, void *arg,
                struct restore_into_result *out, const char **why, char bad_blob[VAULT_ID_HEX])
{
    struct land_job job = {.lib = lib, .r = r, .ids = ids, .added = added};
    struct backup_progress pr = {.files_total = n};
    size_t failed = 0;
    int rc;

    if (snprintf(job.vault, sizeof job.vault, "%s/vault", lib->dir) >= (int)sizeof job.vault)
        return -ENAMETOOLONG;
    job.written = calloc(n + 1, sizeof *job.written);
    job.landed = calloc(n + 1, sizeof *job.landed);
    if (!job.written || !job.landed) {
        free(job.written);
        free(job.landed);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t size = 0;
        if (repo_blob_size(r, ids[i], &size) == 0)
            pr.bytes_total += size;
    }
    rc = parallel_run(n, land_one, &job, &pr, progress, arg, &failed);
    out->blobs = n;
    for (size_t i = 0; i < n; i++) {
        out->blobs_copied += job.written[i] > 0;
        out->bytes_copied += job.written[i];
    }
    if (rc < 0) {
        bool checked = job.landed[failed]; /* else the copy failed */

        snprintf(bad_blob, VAULT_ID_HEX, "%s", ids[failed]);
        *why = rc == -ENOENT && !checked    ? "a blob is missing from the repository"
               : rc == -EIO && checked && added[failed]
                   ? "a blob in the repository does not authenticate (damaged or altered)"
               : rc == -EIO && checked ? "the library's own copy of a blob does not "
                                         "authenticate (run 'albumctl verify')"
                                       : "cannot copy a blob into the library's vault";
    }
    free(job.written);
    free(job.landed);
    return rc;
}

/* One line for the activity log: the snapshot, what and what came of it. */
static gchar *describe(const struct snapshot *s, const struct cat_restore_spec *spec,
                       const struct cat_restore_result *res)
{
    GString *d = g_string_new(NULL);

    g_string_printf(d, "snapshot %s: %s", s->id, spec->album);
    if (spec->set)
        g_string_append_printf(d, "/%s", spec->set);
    if (spec->photo)
        g_string_append_printf(d, "/%s", spec->photo);
    if (spec->as_name)
        g_string_append_printf(d, " as %s", spec->as_name);
    if (res->album_created)
        g_string_append(d, " (the album whole)");
    g_string_append_printf(d, ": photos added %lld, given older versions %lld, "
                              "already there %lld",
                           (long long)res->photos_added, (long long)res->photos_merged,
                           (long long)res->photos_unchanged);
    return g_string_free(d, FALSE);
}

/* RECORDED: the rows and the activity record in one transaction. */
static int record(struct af_library *lib, const char *actor, const struct snapshot *s,
                  const struct cat_restore_spec *spec, struct restore_into_result *out,
                  const char **why)
{
    struct af_catalog *c = lib->catalog;
    gchar *detail;
    int rc = catalog_begin(c);

    if (rc < 0) {
        *why = "cannot start a catalog transaction";
        return rc;
    }
    rc = catalog_restore_rows(c, spec, &out->rows, why);
    if (rc == 0 && !backup_restored_anything(out)) {
        catalog_rollback(c); /* nothing to record: it was all there */
        return 0;
    }
    if (rc == 0) {
        detail = describe(s, spec, &out->rows);
        rc = catalog_activity_add(c, "restored-from-backup", actor, 0, out->rows.album_id,
                                  out->rows.photo_id, detail);
        g_free(detail);
    }
    if (rc == 0)
        rc = catalog_commit(c);
    if (rc < 0) {
        catalog_rollback(c);
        if (!**why)
            *why = "cannot write the catalog";
    }
    return rc;
}

bool backup_restored_anything(const struct restore_into_result *res)
{
    const struct cat_restore_result *r = &res->rows;

    return r->album_created || r->sets_created || r->photos_added || r->versions_added;
}

/* After a failed restore: remove the blobs this run added that nothing names
 * (an import meanwhile stores its blob again if it finds it gone). */
static void drop_unused(struct af_library *lib, char (*ids)[VAULT_ID_HEX], size_t n,
                        const bool *added)
{
    for (size_t i = 0; i < n; i++)
        if (added[i] && catalog_blob_referenced(lib->catalog, ids[i]) == 0)
            vault_remove(lib->vault, ids[i]);
}

int backup_restore_into(struct af_library *lib, const struct af_subject *who, const char *actor,
                        struct bk_repo *r, const struct snapshot *s,
                        const struct cat_restore_spec *spec, backup_progress_fn progress,
                        void *arg, struct restore_into_result *out, const char **why,
                        char bad_blob[VAULT_ID_HEX])
{
    char (*ids)[VAULT_ID_HEX] = NULL;
    char copy[PATH_MAX] = "";
    bool *added = NULL, attached = false;
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof *out);
    *why = "";
    bad_blob[0] = '\0';
    if (policy_may_administer(who) < 0) {
        *why = "only the owner restores from a backup";
        return -EPERM;
    }
    rc = extract(lib, r, s, copy, why, bad_blob);
    if (rc == 0) {
        rc = catalog_restore_attach(lib->catalog, copy);
        attached = rc == 0;
        if (rc < 0)
            *why = "cannot read the snapshot's catalog";
    }
    if (rc == 0)
        rc = catalog_restore_blobs(lib->catalog, spec, &ids, &n, why);
    if (rc == 0 && !(added = calloc(n + 1, sizeof *added)))
        rc = -ENOMEM;
    if (rc == 0)
        rc = land(lib, r, ids, n, added, progress, arg, out, why, bad_blob);
    if (rc == 0) {
        repo_crash_point("restore");
        rc = record(lib, actor, s, spec, out, why);
    }
    if (added)
        drop_unused(lib, ids, n, added);
    if (attached)
        catalog_restore_detach(lib->catalog);
    if (copy[0])
        repo_remove_sqlite_files(copy);
    free(ids);
    free(added);
    return rc;
}
