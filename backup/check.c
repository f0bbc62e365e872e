/* check.c — 'backup verify': every snapshot's manifest authenticates, every
 * blob it names is there with the size it recorded and, with read_data,
 * every byte of every blob decrypts and authenticates (vault_verify, with
 * the content address checked). Every manifest is read first; then each
 * distinct blob is checked once however many snapshots name it, and its
 * problem reported for each snapshot that names it (manifests in name
 * order, each with its catalog first). Reads only; takes no lock (see
 * repo.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "backup/backup.h"

static void add_problem(GArray *problems, const char *snapshot, const char *blob, int err)
{
    struct check_problem p = {.err = err};

    snprintf(p.snapshot, sizeof p.snapshot, "%s", snapshot);
    snprintf(p.blob, sizeof p.blob, "%s", blob ? blob : "");
    g_array_append_val(problems, p);
}

/* One distinct blob to check: the size the first manifest naming it
 * recorded, and what the check found. */
struct blob_check {
    uint64_t want;
    int err;
};

static void note_blob(GHashTable *blobs, GPtrArray *order, const char *id, uint64_t want)
{
    struct blob_check *b;

    if (g_hash_table_contains(blobs, id))
        return;
    b = g_new0(struct blob_check, 1);
    b->want = want;
    g_hash_table_insert(blobs, g_strdup(id), b);
    g_ptr_array_add(order, g_strdup(id));
}

static int check_blob(struct bk_repo *r, bool read_data, const char *id, uint64_t want)
{
    uint64_t size = 0;
    int err = repo_blob_size(r, id, &size);

    if (err == 0 && size != want)
        err = -EFBIG;
    if (err == 0 && read_data) {
        err = vault_verify(r->blobs, id, 1);
        if (err == -EIO)
            err = -EBADMSG;
    }
    return err;
}

static void blob_problems(GArray *problems, GHashTable *blobs, const struct snapshot *s)
{
    struct blob_check *b = g_hash_table_lookup(blobs, s->catalog);

    if (b && b->err)
        add_problem(problems, s->id, s->catalog, b->err);
    for (size_t i = 0; i < s->n_blobs; i++) {
        b = g_hash_table_lookup(blobs, s->blobs[i].id);
        if (b && b->err)
            add_problem(problems, s->id, s->blobs[i].id, b->err);
    }
}

int backup_check(struct bk_repo *r, bool read_data, backup_progress_fn progress, void *arg,
                 struct check_result *res)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL;
    struct backup_progress pr = {0};
    struct snapshot **snaps;
    GHashTable *blobs;
    GPtrArray *order;
    GArray *problems;
    size_t n = 0;
    int rc;

    memset(res, 0, sizeof *res);
    rc = snapshot_list(r, &ids, &n);
    if (rc < 0)
        return rc;
    snaps = calloc(n + 1, sizeof *snaps);
    if (!snaps) {
        free(ids);
        return -ENOMEM;
    }
    blobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    order = g_ptr_array_new_with_free_func(g_free);
    problems = g_array_new(FALSE, TRUE, sizeof(struct check_problem));
    /* Every manifest first: the distinct blobs they name, in order. */
    for (size_t i = 0; i < n; i++) {
        rc = snapshot_read(r, ids[i], &snaps[i]);
        if (rc == -EINVAL)
            rc = -EBADMSG; /* malformed: for the owner, the same as tampered with */
        if (rc < 0) {
            add_problem(problems, ids[i], NULL, rc);
            continue;
        }
        note_blob(blobs, order, snaps[i]->catalog, snaps[i]->catalog_size);
        for (size_t b = 0; b < snaps[i]->n_blobs; b++)
            note_blob(blobs, order, snaps[i]->blobs[b].id, snaps[i]->blobs[b].size);
    }
    pr.files_total = order->len;
    for (guint i = 0; read_data && i < order->len; i++)
        pr.bytes_total += ((struct blob_check *)g_hash_table_lookup(
                               blobs, g_ptr_array_index(order, i)))->want;
    if (progress)
        progress(arg, &pr);
    /* Then each distinct blob once. */
    for (guint i = 0; i < order->len; i++) {
        const char *id = g_ptr_array_index(order, i);
        struct blob_check *b = g_hash_table_lookup(blobs, id);

        b->err = check_blob(r, read_data, id, b->want);
        pr.files_done++;
        if (read_data)
            pr.bytes_done += b->want;
        if (progress)
            progress(arg, &pr);
    }
    for (size_t i = 0; i < n; i++)
        if (snaps[i])
            blob_problems(problems, blobs, snaps[i]);
    res->snapshots = n;
    res->blobs = order->len;
    res->n_problems = problems->len;
    res->problems = (struct check_problem *)(void *)g_array_free(problems, FALSE);
    for (size_t i = 0; i < n; i++)
        snapshot_free(snaps[i]);
    free(snaps);
    g_ptr_array_free(order, TRUE);
    g_hash_table_destroy(blobs);
    free(ids);
    return 0;
}
