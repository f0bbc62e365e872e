/* main.c — albumfs: start-up, the FUSE session loop, and shutdown.
 *
 * Order matters. The secrets on the command line are overwritten in argv
 * as soon as they are parsed (options_scrub_argv). Without -f the process
 * then forks (detach.c), before anything is opened, and the child does all
 * that follows; the parent waits and exits with the child's verdict. Then:
 * the log (log.c); libvips, before any thread exists; the library and the
 * person, before mounting, so a wrong password or an expired link fails
 * with a message and no mount; a link gateway's login socket; the mount;
 * the render pool, watcher, notifier and the gateway's logins; the daemon's
 * entry in the library's run/ folder (albumctl status reads it:
 * store/mounts.h); readiness (the parent exits 0). Everything is undone in
 * reverse.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fs/daemon.h"
#include "media/probe.h"
#include "store/mounts.h"
#include "store/staging.h"

static void close_catalog(void *p)
{
    catalog_close(p);
}

struct af_catalog *afs_catalog(struct afs *fs)
{
    struct af_catalog *c = pthread_getspecific(fs->catalog_key);
    int rc;

    if (c)
        return c;
    rc = library_open_catalog(fs->lib, &c);
    if (rc < 0) {
        /* The request answers EIO; the next one on this thread tries again.
         * A catalog gone or replaced is the watcher's to tell (it waits for
         * the library or stops). */
        if (rc != -ENOENT && rc != -ESTALE && rc != -EAGAIN)
            afs_log(LOG_ERR, "cannot open the catalog: %s", strerror(-rc));
        return NULL;
    }
    pthread_setspecific(fs->catalog_key, c);
    return c;
}

/* The daemon works from "/" (it keeps no directory busy): a relative
 * library path is made absolute first. One that does not resolve is left
 * for library_open to explain. */
static void make_absolute(char dir[PATH_MAX])
{
    char abs[PATH_MAX];

    if (dir[0] != '/' && realpath(dir, abs))
        memcpy(dir, abs, PATH_MAX);
}

/* Listing a set builds arrays of ~1 MB per 1,000 photos (catalog rows,
 * entries) and frees them at once. With glibc's defaults those are mapped
 * and unmapped, or the arena's top is given back with madvise, at every
 * listing, and every page is faulted in again the next time: a third of
 * the daemon's CPU in a warm `find` (bench/README.md "Listings"). Keep up
 * to KEEP_FREE_BYTES free per arena and map only what is larger than
 * MAP_ABOVE_BYTES; the daemon's resident size grows by at most that. */
#define MAP_ABOVE_BYTES (4 << 20)
#define KEEP_FREE_BYTES (16 << 20)

static void tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, MAP_ABOVE_BYTES);
    mallopt(M_TRIM_THRESHOLD, KEEP_FREE_BYTES);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    if (conn->capable & FUSE_CAP_READDIRPLUS)
        conn->want |= FUSE_CAP_READDIRPLUS;
    conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO; /* ls -l: one call, not one per file */
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;  /* bytes never change under an inode */
    if (conn->capable & FUSE_CAP_ASYNC_READ)
        conn->want |= FUSE_CAP_ASYNC_READ;
    if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
        conn->want |= FUSE_CAP_PARALLEL_DIROPS;
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    atomic_store(&((struct afs *)userdata)->initialised, true);
}

static struct fuse_lowlevel_ops make_ops(void)
{
    struct fuse_lowlevel_ops ops;

    memset(&ops, 0, sizeof ops);
    ops.init = op_init;
    ops_dir_register(&ops);
    ops_file_register(&ops);
    ops_write_register(&ops);
    ops_xattr_register(&ops);
    return ops;
}

/* Enter this daemon in the library's run/ folder. A failure is logged and
 * is not fatal: it only hides the mount from 'albumctl status'. */
static void register_mount(struct afs *fs)
{
    char serves[AF_EMAIL_MAX + 16];
    int rc;

    if (fs->cfg.multi_user)
        snprintf(serves, sizeof serves, "multi-user");
    else if (fs->cfg.person)
        snprintf(serves, sizeof serves, "user %s", fs->cfg.person);
    else if (fs->cfg.link)
        snprintf(serves, sizeof serves, "link");
    else
        snprintf(serves, sizeof serves, "owner");
    rc = mounts_register(fs->lib->dir, fs->owner_uid,
                         fs->cfg.mount_path ? fs->cfg.mount_path : fs->cfg.mountpoint, serves,
                         fs->run_file, sizeof fs->run_file);
    if (rc < 0)
        afs_log(LOG_WARNING, "cannot register this mount in %s/%s (albumctl status will not "
                "list it): %s", fs->lib->dir, MOUNTS_DIR, strerror(-rc));
}

static int add_mount_options(struct fuse_args *args, const struct afs *fs)
{
    char opts[PATH_MAX + 128];

    snprintf(opts, sizeof opts, "-ofsname=albumfs,subtype=albumfs,default_permissions%s",
             afs_shared(fs) ? ",allow_other" : "");
    return fuse_opt_add_arg(args, opts);
}

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_lowlevel_ops ops = make_ops();
    struct fuse_loop_config *loop = NULL;
    struct afs fs;
    char dir[PATH_MAX], lib_why[LIBRARY_WHY_MAX] = "";
    const char *why = "";
    struct stat st;
    int rc, status = 1;

    memset(&fs, 0, sizeof fs);
    tune_malloc();
    rc = options_parse(&args, &fs.cfg);
    if (rc != 0) {
        status = rc > 0 ? 0 : 2;
        goto out_args;
    }
    options_scrub_argv(argc, argv); /* before the fork: the parent shows them too */
    if (!fs.cfg.foreground && (rc = detach_start()) < 0) {
        fprintf(stderr, "albumfs: cannot go into the background: %s\n", strerror(-rc));
        goto out_args;
    }
    if ((rc = log_open(fs.cfg.log_file)) < 0) {
        fprintf(stderr, "albumfs: cannot open the log file %s: %s\n", fs.cfg.log_file,
                strerror(-rc));
        goto out_args;
    }
    if (media_init(argv[0], lib_why, sizeof lib_why) < 0) {
        afs_log(LOG_ERR, "%s", lib_why);
        goto out_log;
    }
    if ((rc = library_locate(fs.cfg.library, dir)) == 0)
        make_absolute(dir);
    if (rc < 0 ||
        (rc = library_open(dir, fs.cfg.passphrase_file, &fs.lib, lib_why, sizeof lib_why)) < 0) {
        afs_log(LOG_ERR, "library %s: %s", dir, lib_why[0] ? lib_why : strerror(-rc));
        goto out_media;
    }
    key_derive(fs.lib->key, AF_SUBKEY_INODE, fs.ino_key);
    fs.owner_uid = stat(dir, &st) == 0 ? st.st_uid : getuid();
    fs.started = time(NULL);
    fs.main_thread = pthread_self();
    fs.viewed = g_async_queue_new_full(g_free);
    fs.audit = g_async_queue_new_full(g_free);
    pthread_key_create(&fs.catalog_key, close_catalog);
    rc = worlds_init(&fs, &why);
    if (rc < 0) {
        afs_log(LOG_ERR, "%s", why[0] ? why : strerror(-rc));
        goto out_lib;
    }
    if ((rc = uploads_init(&fs)) < 0) {
        afs_log(LOG_ERR, "cannot open %s/%s for uploads: %s", fs.lib->dir, STAGING_DIR,
                strerror(-rc));
        goto out_uploads;
    }
    if ((rc = gateway_open(&fs, &why)) < 0) {
        afs_log(LOG_ERR, "%s %s: %s", why, fs.cfg.gateway_socket, strerror(-rc));
        goto out_uploads;
    }
    if (nodes_init(&fs) < 0 || add_mount_options(&args, &fs) < 0)
        goto out_nodes;
    fs.se = fuse_session_new(&args, &ops, sizeof ops, &fs);
    if (!fs.se)
        goto out_nodes;
    handles_init(&fs);
    cache_use_init(&fs);
    if (fuse_set_signal_handlers(fs.se) < 0 || service_catch_hangup() < 0 ||
        log_catch_crashes() < 0)
        goto out_session;
    if (fuse_session_mount(fs.se, fs.cfg.mountpoint) < 0) {
        afs_log(LOG_ERR, "cannot mount on %s%s", fs.cfg.mountpoint,
                fs.cfg.multi_user && geteuid() != 0
                    ? "; a multi-user mount started by an account other than root needs "
                      "'user_allow_other' in /etc/fuse.conf"
                    : "");
        goto out_signals;
    }
    if (chdir("/") < 0) /* keep no directory busy */
        goto out_unmount;
    if (renderq_start(&fs, fs.cfg.render_threads) < 0 || watcher_start(&fs) < 0 ||
        notifier_start(&fs) < 0 || gateway_start(&fs) < 0) {
        afs_log(LOG_ERR, "cannot start worker threads");
        goto out_threads;
    }
    loop = fuse_loop_cfg_create();
    if (!loop)
        goto out_threads;
    register_mount(&fs);
    if (!fs.cfg.foreground)
        detach_ready();
    afs_log(LOG_NOTICE, "serving %s on %s", fs.lib->dir, fs.cfg.mountpoint);
    service_notify("READY=1\nSTATUS=serving");
    fuse_loop_cfg_set_max_threads(loop, fs.cfg.threads);
    fuse_loop_cfg_set_idle_threads(loop, fs.cfg.threads);
    rc = fuse_session_loop_mt(fs.se, loop);
    service_notify("STOPPING=1");
    /* libfuse returns the number of the signal that stopped the loop: SIGTERM
     * (kill, systemd) and SIGINT (^C) are an orderly stop, not a failure
     * (systemd's Restart=on-failure reads them the same way). SIGHUP
     * reloads (service.c). */
    status = (rc == 0 || rc == SIGTERM || rc == SIGINT) ? 0 : 1;
    afs_log(LOG_NOTICE, "stopping (%s)", rc == 0 ? "unmounted" : strsignal(rc));
    fuse_loop_cfg_destroy(loop);
out_threads:
    gateway_stop(&fs); /* first: a login may wake the watcher */
    mounts_unregister(fs.run_file);
    notifier_stop(&fs);
    watcher_stop(&fs);
    renderq_stop(&fs);
    /* What the last requests and renders queued: nothing is lost at unmount
     * (unless the catalog is no longer the library's). */
    if (atomic_load(&fs.library_lost))
        status = 1;
    else if (audit_flush(&fs) < 0)
        afs_log(LOG_WARNING, "cannot record the last downloads and refusals");
out_unmount:
    fuse_session_unmount(fs.se);
out_signals:
    fuse_remove_signal_handlers(fs.se);
out_session:
    fuse_session_destroy(fs.se);
    handles_release_all(&fs);
    cache_use_release(&fs);
out_nodes:
    nodes_release(&fs);
    gateway_stop(&fs); /* the socket, when the mount did not get that far */
out_uploads:
    uploads_release(&fs);
    worlds_release(&fs);
out_lib:
    g_async_queue_unref(fs.viewed);
    g_async_queue_unref(fs.audit);
    {
        struct af_catalog *c = pthread_getspecific(fs.catalog_key);

        if (c)
            catalog_close(c);
        pthread_setspecific(fs.catalog_key, NULL);
    }
    library_close(fs.lib);
    sodium_memzero(fs.ino_key, sizeof fs.ino_key);
out_media:
    media_shutdown();
out_log:
    log_close();
out_args:
    options_release(&fs.cfg);
    fuse_opt_free_args(&args);
    return status;
}
