/* cache_use.c — which rendered views people read, for trimming the cache
 * least recently used first.
 *
 * A read through the mount must not write the catalog (a write transaction
 * per open would serialise readers behind SQLite's write lock), so request
 * threads only note the rendition and the time in a small table in memory
 * (cache_use_note: one hash insert under cache_use_lock). The watcher
 * thread hands the table's contents to the catalog in one transaction
 * (cache_use_flush) every few seconds, before it trims the cache, and once
 * more when the mount stops, so the trim always orders by recent use.
 * A flush that fails puts its uses back (the later time wins) for the next.
 *
 * Locking: cache_use_lock guards fs->cache_used and nothing else; it is
 * never held while calling SQLite (the table is swapped out first).
 * Owns: fs->cache_used (rendition id -> its last read, both g_malloc'd), until
 * cache_use_release.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "fs/daemon.h"

void cache_use_init(struct afs *fs)
{
    pthread_mutex_init(&fs->cache_use_lock, NULL);
    fs->cache_used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void cache_use_release(struct afs *fs)
{
    g_hash_table_unref(fs->cache_used);
    fs->cache_used = NULL;
    pthread_mutex_destroy(&fs->cache_use_lock);
}

/* Note id as read at `at` in table (the later of two times wins). */
static void note(GHashTable *table, const char *id, af_time at)
{
    af_time *known = g_hash_table_lookup(table, id);

    if (known) {
        if (*known < at)
            *known = at;
        return;
    }
    known = g_new(af_time, 1);
    *known = at;
    g_hash_table_insert(table, g_strdup(id), known);
}

void cache_use_note(struct afs *fs, const char *rendition_id)
{
    af_time now = (af_time)time(NULL);

    pthread_mutex_lock(&fs->cache_use_lock);
    note(fs->cache_used, rendition_id, now);
    pthread_mutex_unlock(&fs->cache_use_lock);
}

void cache_use_flush(struct afs *fs, struct af_catalog *c)
{
    struct cat_rendition_use *uses;
    GHashTableIter it;
    gpointer id, at;
    GHashTable *taken;
    size_t n = 0;
    int rc;

    pthread_mutex_lock(&fs->cache_use_lock);
    taken = fs->cache_used;
    if (g_hash_table_size(taken) == 0) {
        pthread_mutex_unlock(&fs->cache_use_lock);
        return;
    }
    fs->cache_used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    pthread_mutex_unlock(&fs->cache_use_lock);

    uses = calloc(g_hash_table_size(taken), sizeof *uses);
    rc = uses ? 0 : -ENOMEM;
    g_hash_table_iter_init(&it, taken);
    while (uses && g_hash_table_iter_next(&it, &id, &at)) {
        snprintf(uses[n].id, sizeof uses[n].id, "%s", (const char *)id);
        uses[n++].at = *(const af_time *)at;
    }
    if (rc == 0 && c)
        rc = catalog_renditions_touch(c, uses, n);
    else if (rc == 0)
        rc = -EIO;
    if (rc < 0) {
        afs_log(LOG_WARNING, "cannot record which views were read: %s",
                c ? catalog_errmsg(c) : strerror(-rc));
        pthread_mutex_lock(&fs->cache_use_lock);
        g_hash_table_iter_init(&it, taken);
        while (g_hash_table_iter_next(&it, &id, &at))
            note(fs->cache_used, id, *(const af_time *)at);
        pthread_mutex_unlock(&fs->cache_use_lock);
    }
    free(uses);
    g_hash_table_unref(taken);
}
