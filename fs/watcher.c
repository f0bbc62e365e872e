/* watcher.c — keeps a live mount true to the catalog.
 *
 * A dedicated thread (never a request handler: notifying the kernel from
 * inside a request for the same inode can deadlock) wakes ten times a
 * second, and at once when a request finds something it knew gone
 * (watcher_kick), so the kernel's caches follow the catalog quickly. When
 * the catalog's generation moved (albumctl changed something) or a grant
 * reached its expiry, it reloads every world's grants, bumps the epoch
 * (open files re-check the policy on their next read), and tells the
 * kernel to forget every name, attribute, folder listing and cached page
 * it holds from this mount, so nothing stale is served; a second later
 * it drops every folder's listing once more (one listed just before may
 * have reached the kernel just after). Listings given with something left
 * out for now (a view still to render, a file being written) are dropped
 * every tick for a second after (watcher_forget_listing). It records people's first views of albums,
 * their downloads and refusals (kept off the request path: actions.c,
 * audit.c), each grant that reached its expiry (at once for this mount's
 * people, every EXPIRIES_EVERY_SECONDS for anyone's), writes which
 * rendered views were read every few seconds (cache_use.c), and once a
 * minute it trims the rendition cache to its bound (setting
 * cache.max_bytes), least recently read first, right after writing the
 * reads, and purges the photos whose time in the trash ended
 * (changes/trash.h). At stop it writes what is still noted. Just after
 * the mount starts it raises the kernel's read-ahead window
 * (readahead.c). Every tick it checks that the library's catalog is still
 * the file it opened, and stops the daemon when it is not (library_gone).
 * Its lock guards its stop flag and the listings to forget; nothing else
 * is taken while it is held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <signal.h>

#include "changes/trash.h"
#include "fs/daemon.h"

#define TICK_MS 100
#define TRIM_EVERY_SECONDS 60
#define EXPIRIES_EVERY_SECONDS 10
#define USES_EVERY_SECONDS 2
#define DEFAULT_CACHE_BYTES (2ull << 30)
#define FORGET_LISTING_MS 1000

/* A folder whose listing the kernel must drop until `until` (monotonic). */
struct listing_to_forget {
    fuse_ino_t ino;
    int64_t until;
};

struct watcher {
    pthread_t thread;
    pthread_mutex_t lock;   /* the fields below */
    pthread_cond_t cond;
    bool stopping;
    GArray *forget;         /* struct listing_to_forget, one per folder */
};

/* Listings, attributes and pages first, then names: once any name is gone
 * from the kernel, no listing it keeps still shows it. */
static void invalidate_all(struct afs *fs)
{
    struct node_ref *refs = NULL;
    size_t n = nodes_snapshot(fs, &refs);

    for (size_t i = 0; i < n; i++)
        fuse_lowlevel_notify_inval_inode(fs->se, refs[i].ino, 0, 0);
    for (size_t i = 0; i < n; i++)
        if (refs[i].ino != FUSE_ROOT_ID)
            fuse_lowlevel_notify_inval_entry(fs->se, refs[i].parent, refs[i].name,
                                             strlen(refs[i].name));
    nodes_snapshot_free(refs, n);
}

static int64_t monotonic_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* Every folder's listing once more, a while after everything was dropped:
 * a listing taken before the change may have reached the kernel only after
 * its folder was dropped. */
static void drop_listings(struct afs *fs)
{
    struct node_ref *refs = NULL;
    size_t n = nodes_snapshot(fs, &refs);

    for (size_t i = 0; i < n; i++)
        if (refs[i].is_dir)
            fuse_lowlevel_notify_inval_inode(fs->se, refs[i].ino, 0, 0);
    nodes_snapshot_free(refs, n);
}

/* Listings given with something left out for now (watcher_forget_listing):
 * dropped from the kernel every tick until their time is up, so the one
 * the kernel took last is gone too. */
static void forget_listings(struct afs *fs)
{
    struct watcher *w = fs->watcher;
    int64_t now = monotonic_ms();
    fuse_ino_t *inos;
    guint n = 0;

    pthread_mutex_lock(&w->lock);
    if (w->forget->len == 0) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    inos = g_new(fuse_ino_t, w->forget->len);
    for (guint i = 0; i < w->forget->len;) {
        struct listing_to_forget *f = &g_array_index(w->forget, struct listing_to_forget, i);

        inos[n++] = f->ino;
        if (now >= f->until)
            g_array_remove_index_fast(w->forget, i);
        else
            i++;
    }
    pthread_mutex_unlock(&w->lock);
    for (guint i = 0; i < n; i++)
        fuse_lowlevel_notify_inval_inode(fs->se, inos[i], 0, 0);
    g_free(inos);
}

/* More file nodes than -o max_inodes: the oldest are handed back to the
 * kernel (nodes.c). */
static void bound_nodes(struct afs *fs, bool *said)
{
    struct node_ref *refs = NULL;
    size_t n;

    if (!fs->cfg.max_inodes)
        return;
    n = nodes_over_limit(fs, fs->cfg.max_inodes, &refs);
    if (n && !*said) /* once a mount: it explains the lookups that follow */
        afs_log(LOG_NOTICE, "more than %u files met: the oldest are handed back to the kernel "
                            "(-o max_inodes)", fs->cfg.max_inodes);
    *said |= n > 0;
    for (size_t i = 0; i < n; i++)
        fuse_lowlevel_notify_inval_entry(fs->se, refs[i].parent, refs[i].name,
                                         strlen(refs[i].name));
    nodes_snapshot_free(refs, n);
}

static void trim_cache(struct afs *fs, struct af_catalog *c)
{
    char buf[32];
    uint64_t max = DEFAULT_CACHE_BYTES;

    if (catalog_setting_get(c, "cache.max_bytes", buf, sizeof buf) == 0)
        max = strtoull(buf, NULL, 10);
    if (renditions_trim(fs->lib, c, max) < 0)
        afs_log(LOG_WARNING, "cannot trim the rendition cache: %s", catalog_errmsg(c));
}

/* Purge what the trash's window no longer keeps (recorded as "albumfs"). */
static void expire_trash(struct afs *fs, struct af_catalog *c, af_time now)
{
    int n = change_trash_expire(fs->lib, c, now);

    if (n < 0)
        afs_log(LOG_WARNING, "cannot purge the trash's expired photos: %s", strerror(-n));
    else if (n > 0)
        afs_log(LOG_INFO, "purged %d photo%s whose time in the trash ended", n,
                n == 1 ? "" : "s");
}

/* SIGHUP: the log file opened again, and at once the grants read again and
 * the settings (cache size, trash window) applied (a trim due now). */
static void reload_on_hangup(struct afs *fs, af_time *last_trim)
{
    int rc;

    service_notify("RELOADING=1");
    if ((rc = log_reopen()) < 0)
        afs_log(LOG_WARNING, "SIGHUP: cannot open the log file again (%s); logging on to "
                             "the old one", strerror(-rc));
    atomic_store(&fs->reload_wanted, true);
    *last_trim = 0;
    afs_log(LOG_NOTICE, "SIGHUP: reloading the catalog's grants and settings");
    service_notify("READY=1");
}

/* Raise the read-ahead window once, a tick after INIT was answered (the
 * kernel applies INIT's window when the answer arrives, after op_init). */
static void raise_readahead(struct afs *fs, bool *init_seen, bool *done)
{
    int rc;

    if (*done)
        return;
    if (!*init_seen) {
        *init_seen = atomic_load(&fs->initialised);
        return;
    }
    *done = true;
    if (!fs->cfg.readahead_kib || !fs->cfg.mount_path)
        return;
    rc = readahead_raise(fs->cfg.mount_path, fs->cfg.readahead_kib);
    /* Not root: expected, and said in the man page; said here under -d.
     * ENOENT: the mount went away before its first tick (a quick unmount). */
    if (rc < 0 && rc != -ENOENT && (rc != -EACCES || fs->cfg.debug))
        afs_log(LOG_NOTICE, "read-ahead stays at the kernel's default (%s%s)",
                strerror(-rc), rc == -EACCES ? ": raising it needs root" : "");
}

/* The library's catalog replaced (a restore, an rsync) or removed under
 * the mount: nothing more may be served or written from the old one. The
 * daemon stops as if sent SIGTERM, and exits with status 1 so that a
 * service manager starts it again on the library as it is now. */
bool watcher_library_changed(struct afs *fs)
{
    int rc;

    if (atomic_load(&fs->library_lost))
        return true;
    rc = library_check_catalog(fs->lib);
    return rc == -ENOENT || rc == -ESTALE;
}

static bool library_gone(struct afs *fs)
{
    int rc;

    if (!watcher_library_changed(fs))
        return false;
    rc = library_check_catalog(fs->lib);
    afs_log(LOG_ERR, "the catalog %s/catalog.db was %s under this mount; stopping (mount "
                     "again to serve the library as it is now)",
            fs->lib->dir, rc == -ENOENT ? "removed" : "replaced");
    atomic_store(&fs->library_lost, true);
    /* To the thread that waits in the session loop: a SIGTERM that lands on
     * another thread (this one) would set libfuse's exit flag and wake
     * nothing until the next request. */
    pthread_kill(fs->main_thread, SIGTERM);
    return true;
}

static void *watch(void *p)
{
    struct afs *fs = p;
    struct watcher *w = fs->watcher;
    af_time next_expiry = worlds_next_expiry(fs), last_trim = 0, last_expiries = 0;
    af_time last_uses = 0;
    bool reported = false, write_reported = false, init_seen = false, readahead_done = false;
    bool bound_said = false;
    int64_t redrop_at = 0; /* when to drop_listings (monotonic ms), 0: not due */

    for (;;) {
        struct timespec until;
        struct af_catalog *c;
        int64_t gen = 0;
        af_time now;
        bool expired;
        int rc;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->lock);
        if (!w->stopping)
            pthread_cond_timedwait(&w->cond, &w->lock, &until);
        if (w->stopping) {
            pthread_mutex_unlock(&w->lock);
            if (!atomic_load(&fs->library_lost)) {
                actions_record_views(fs); /* what is still queued */
                cache_use_flush(fs, afs_catalog(fs));
            }
            break;
        }
        pthread_mutex_unlock(&w->lock);
        if (atomic_load(&fs->library_lost) || library_gone(fs))
            continue;

        raise_readahead(fs, &init_seen, &readahead_done);
        forget_listings(fs);
        if (service_take_hangup())
            reload_on_hangup(fs, &last_trim);
        now = (af_time)time(NULL);
        c = afs_catalog(fs);
        rc = c ? catalog_generation(c, &gen) : -EIO;
        if (rc < 0) {
            if (!reported)
                afs_log(LOG_ERR, "cannot read the catalog (%s); still trying",
                        c ? catalog_errmsg(c) : "no connection");
            reported = true;
            continue;
        }
        reported = false;
        expired = next_expiry && now >= next_expiry;
        if (gen != atomic_load(&fs->generation) || atomic_exchange(&fs->reload_wanted, false) ||
            expired) {
            atomic_store(&fs->generation, gen);
            worlds_reload(fs);
            atomic_store(&fs->inval_wanted, false);
            atomic_fetch_add(&fs->epoch, 1);
            invalidate_all(fs);
            atomic_store(&fs->told_generation, gen);
            redrop_at = monotonic_ms() + FORGET_LISTING_MS;
        } else if (atomic_exchange(&fs->inval_wanted, false)) {
            invalidate_all(fs);
            redrop_at = monotonic_ms() + FORGET_LISTING_MS;
        } else if (redrop_at && monotonic_ms() >= redrop_at) {
            drop_listings(fs);
            redrop_at = 0;
        }
        bound_nodes(fs, &bound_said);
        /* Asked every tick: a multi-user world met since may expire sooner. */
        next_expiry = worlds_next_expiry(fs);
        actions_record_views(fs);
        rc = audit_flush(fs);
        if (rc == 0 && (expired || now - last_expiries >= EXPIRIES_EVERY_SECONDS)) {
            last_expiries = now;
            rc = catalog_grants_record_expired(c, now, NULL);
        }
        if (rc < 0 && !write_reported)
            afs_log(LOG_WARNING, "cannot record activity (%s); still trying", catalog_errmsg(c));
        write_reported = rc < 0;
        if (now - last_uses >= USES_EVERY_SECONDS || now - last_trim >= TRIM_EVERY_SECONDS) {
            last_uses = now;
            cache_use_flush(fs, c);
        }
        if (now - last_trim >= TRIM_EVERY_SECONDS) {
            last_trim = now;
            trim_cache(fs, c);
            expire_trash(fs, c, now);
        }
    }
    return NULL;
}

int watcher_start(struct afs *fs)
{
    struct watcher *w = calloc(1, sizeof *w);
    struct af_catalog *c = afs_catalog(fs);
    int64_t gen;

    if (!w)
        return -ENOMEM;
    if (!c || catalog_generation(c, &gen) < 0) {
        free(w);
        return -EIO;
    }
    atomic_store(&fs->generation, gen);
    atomic_store(&fs->told_generation, gen);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->forget = g_array_new(FALSE, FALSE, sizeof(struct listing_to_forget));
    fs->watcher = w;
    if (pthread_create(&w->thread, NULL, watch, fs) != 0) {
        fs->watcher = NULL;
        g_array_free(w->forget, TRUE);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return -EAGAIN;
    }
    return 0;
}

void watcher_kick(struct afs *fs)
{
    struct watcher *w = fs->watcher;

    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void watcher_replied(struct afs *fs, int64_t epoch)
{
    if (atomic_load(&fs->epoch) == epoch)
        return;
    atomic_store(&fs->inval_wanted, true);
    watcher_kick(fs);
}

void watcher_forget_listing(struct afs *fs, fuse_ino_t ino)
{
    struct watcher *w = fs->watcher;
    struct listing_to_forget f = {ino, monotonic_ms() + FORGET_LISTING_MS};
    guint i;

    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    for (i = 0; i < w->forget->len; i++) {
        struct listing_to_forget *have = &g_array_index(w->forget, struct listing_to_forget, i);

        if (have->ino == ino) {
            have->until = f.until;
            break;
        }
    }
    if (i == w->forget->len)
        g_array_append_val(w->forget, f);
    pthread_mutex_unlock(&w->lock);
}

void watcher_stop(struct afs *fs)
{
    struct watcher *w = fs->watcher;

    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    g_array_free(w->forget, TRUE);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
    fs->watcher = NULL;
}
