/* check.c — 'backup verify': every snapshot's manifest authenticates, every
 * blob it names is there with the size it recorded and, with read_data,
 * every byte of every blob decrypts and authenticates (vault_verify, with
 * the content address checked). Each distinct blob is read once however
 * many snapshots name it. Reads only; takes no lock (see repo.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "backup/backup.h"

static int add_problem(GArray *problems, const char *snapshot, const char *blob, int err)
{
    struct check_problem p = {.err = err};

    snprintf(p.snapshot, sizeof p.snapshot, "%s", snapshot);
    snprintf(p.blob, sizeof p.blob, "%s", blob ? blob : "");
    g_array_append_val(problems, p);
    return 0;
}

/* One blob named by snapshot sid with its recorded size; results cached
 * in seen (id -> errno as a pointer-sized int, 0 when good). */
static void check_blob(struct bk_repo *r, bool read_data, GHashTable *seen, GArray *problems,
                       const char *sid, const char *id, uint64_t want)
{
    gpointer cached;
    uint64_t size = 0;
    int err;

    if (g_hash_table_lookup_extended(seen, id, NULL, &cached)) {
        err = GPOINTER_TO_INT(cached);
    } else {
        err = repo_blob_size(r, id, &size);
        if (err == 0 && size != want)
            err = -EFBIG;
        if (err == 0 && read_data) {
            err = vault_verify(r->blobs, id, 1);
            if (err == -EIO)
                err = -EBADMSG;
        }
        g_hash_table_insert(seen, g_strdup(id), GINT_TO_POINTER(err));
    }
    if (err)
        add_problem(problems, sid, id, err);
}

int backup_check(struct bk_repo *r, bool read_data, backup_progress_fn progress, void *arg,
                 struct check_result *res)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL;
    GHashTable *seen;
    GArray *problems;
    size_t n = 0;
    int rc;

    memset(res, 0, sizeof *res);
    rc = snapshot_list(r, &ids, &n);
    if (rc < 0)
        return rc;
    seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    problems = g_array_new(FALSE, TRUE, sizeof(struct check_problem));
    for (size_t i = 0; i < n; i++) {
        struct snapshot *s = NULL;

        if (progress)
            progress(arg, i, n);
        rc = snapshot_read(r, ids[i], &s);
        if (rc == -EINVAL)
            rc = -EBADMSG; /* malformed: for the owner, the same as tampered with */
        if (rc < 0) {
            add_problem(problems, ids[i], NULL, rc);
            continue;
        }
        check_blob(r, read_data, seen, problems, ids[i], s->catalog, s->catalog_size);
        for (size_t b = 0; b < s->n_blobs; b++)
            check_blob(r, read_data, seen, problems, ids[i], s->blobs[b].id, s->blobs[b].size);
        snapshot_free(s);
    }
    if (progress)
        progress(arg, n, n);
    res->snapshots = n;
    res->blobs = g_hash_table_size(seen);
    res->n_problems = problems->len;
    res->problems = (struct check_problem *)(void *)g_array_free(problems, FALSE);
    g_hash_table_destroy(seen);
    free(ids);
    return 0;
}
