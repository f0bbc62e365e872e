/* daemon.h — the albumfs daemon's state and the interfaces between its parts.
 *
 * All daemon state lives in one struct afs reached from each request
 * (fuse_req_userdata). Parts:
 *   options.c  command line and -o options into struct afs_config
 *   worlds.c   a person's world: who they are and their grants (reloaded
 *              when the catalog changes)
 *   nodes.c    the inode table: numbers handed to the kernel, per world
 *   tree.c     what a directory holds for a person, and entry attributes
 *   ops_dir.c  lookup, getattr, readdir(plus), opendir/releasedir, statfs
 *   ops_file.c open, read, write, flush, fsync, release
 *   ops_write.c what changes names: create, mknod, link, unlink, rename,
 *              mkdir, rmdir, setattr (and the refusals of the rest)
 *   ops_xattr.c the read-only extended attributes
 *   handles.c  every open handle, so shutdown frees what was never released
 *   uploads.c  files being written through the mount, until they are photos
 *   edits.c    renames, moves, deletes and sets, through changes/
 *   actions.c  what people change: favourites, takes, private marks, first views
 *   audit.c    what people read or were refused, queued for the watcher to record
 *   readme.c   the READ ME.txt of each album: its rules for the person, now
 *   renderq.c  the bounded pool that renders views off the request path
 *   watcher.c  notices catalog changes and expiries; invalidates caches;
 *              writes the views read (cache_use.c) and trims the cache
 *   cache_use.c which rendered views were read, noted in memory for the
 *              watcher to record (the cache is trimmed by last use)
 *   readahead.c raises the kernel's read-ahead window for the mount
 *   notifier.c delivers queued notification e-mails (store/notify.h)
 *   gateway.c  --link-gateway: the socket where share links log in (for a
 *              WebDAV server's albumfs-link-login, link_login.c)
 *   detach.c   going into the background: fork first, report readiness
 *   service.c  readiness for systemd (sd_notify) and SIGHUP's reload
 *   log.c      where messages go: stderr, then syslog or -o log_file
 *   main.c     start-up, the session loop and shutdown
 *
 * Locks (none is held while calling into SQLite, libvips or the kernel,
 * and none is taken while another is held, except upload->lock below):
 *   nodes_lock    the node table and nlookup counts (nodes.c);
 *   worlds_lock   (rwlock) the multi-user world table and each world's
 *                 changing identity: kind, user, person, who. Written only
 *                 by the watcher's reload and when a world is added;
 *                 readers copy what they need (worlds_identity);
 *   views_lock    each world's seen_albums (actions.c);
 *   handles_lock  the list of open handles (handles.c);
 *   cache_use_lock the rendered views read since the last flush
 *                 (cache_use.c);
 *   gateway->lock the count of logins being answered (gateway.c);
 *   uploads_lock  the table of uploads and each upload's name, place and
 *                 reference count (uploads.c);
 *   upload->lock  one upload's bytes and state; held across its commit
 *                 (SQLite, libvips), so only requests on that one upload
 *                 wait; may be held while taking uploads_lock, nodes_lock,
 *                 worlds_lock (read) and the render queue's and watcher's
 *                 own locks, none of which is ever held while taking it.
 * A world's uid, gid, dirname and link are set before it is published and
 * never change; a world lives until unmount.
 */
#ifndef ALBUMFS_DAEMON_H
#define ALBUMFS_DAEMON_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "changes/actor.h"
#include "media/renditions.h"
#include "store/library.h"
#include "store/subject.h"

/* Long timeouts: the watcher invalidates explicitly on every change. */
#define AFS_TIMEOUT 3600.0

enum afs_mode {
    AFS_MODE_OWNER = 0,
    AFS_MODE_USER,
    AFS_MODE_LINK,
    AFS_MODE_MULTI,
};

struct afs_config {
    char *library;        /* NULL: library_locate default */
    char *mountpoint;
    char *mount_path;     /* the mountpoint made canonical; NULL if it does not resolve */
    char *person;         /* --user EMAIL */
    char *link;           /* --link TOKEN, or read from link_file */
    char *link_file;      /* --link-file F: the token's file */
    char *password_file;  /* for --link */
    char *email;          /* for --link: claim access of one's own */
    char *code_file;      /* for --email: the confirmation code sent there */
    char *passphrase_file;
    char *log_file;       /* -o log_file=PATH: messages there, not syslog */
    int multi_user;
    int link_gateway;     /* --link-gateway: one folder per logged-in link */
    char *gateway_user;   /* --gateway-user: the account the WebDAV server runs as */
    uid_t gateway_uid;    /* ...resolved by options_parse */
    gid_t gateway_gid;
    char *gateway_socket; /* --gateway-socket, or MOUNTPOINT.login */
    int allow_other;      /* -o allow_other given (refused unless multi_user) */
    int allow_root;       /* -o allow_root given (refused) */
    int foreground;
    int debug;
    unsigned threads;        /* FUSE worker threads: the online CPUs, at least 2 */
    unsigned render_threads;
    unsigned readahead_kib; /* kernel read-ahead window; 0: the kernel's default */
    unsigned max_inodes;    /* file nodes beyond this are handed back (nodes.c); 0: no bound */
};

/* Names of the folders holding download views, at the top of each album. */
#define AFS_DIR_WEB "Web-size"
#define AFS_DIR_HIGHRES "High-res"
#define AFS_DIR_FAVOURITES "Favourites"
/* ...and of the folder photos are dropped into to hide them from guests. */
#define AFS_DIR_PRIVATE "Private"
/* The file of the album's rules beside them (reserved for sets). */
#define AFS_README NAMES_README

enum node_kind {
    NODE_ROOT = 0,  /* the mount's root */
    NODE_PERSON,    /* multi-user: one person's world under the root */
    NODE_ALBUM,
    NODE_SET,
    NODE_VIEWDIR,   /* Web-size/ or High-res/ inside an album */
    NODE_VIEWSET,   /* a set's folder inside a view folder */
    NODE_FAVDIR,    /* Favourites/ inside an album */
    NODE_FAVSET,    /* a set's folder inside Favourites/ */
    NODE_PRIVDIR,   /* Private/ inside an album */
    NODE_PRIVSET,   /* a set's folder inside Private/ */
    NODE_FILE,      /* one view of a photo, or a document */
    NODE_README,    /* READ ME.txt inside an album: its rules (readme.c) */
};

struct world;

/* An open file or directory handle, on the daemon's list from open until
 * release (handles.c); embedded first in each kind of handle. */
struct afs_handle {
    struct afs_handle *prev, *next;
    void (*dispose)(struct afs_handle *h); /* frees the handle and what it owns */
};

struct node {
    fuse_ino_t ino;
    fuse_ino_t parent;
    uint64_t nlookup;  /* kernel references (nodes_lock) */
    enum node_kind kind;
    struct world *world; /* NULL only for the root of a multi-user mount */
    enum af_view view;   /* NODE_VIEWDIR/VIEWSET/FILE */
    int64_t album_id, set_id, photo_id;
    int64_t version_id;  /* NODE_FILE of a photo: the version it shows */
    int64_t upload_id;   /* NODE_FILE of an upload being written (else 0) */
    int64_t seen_epoch;  /* the watcher's epoch when it was last found
                          * visible, 0 if not since its identity or place
                          * changed (nodes_lock; nodes_note_visible) */
    char *name;          /* owned */
};

struct world {
    uid_t uid;                   /* files appear owned by this uid... (fixed) */
    gid_t gid;                   /* ...and this group (the person's own) (fixed) */
    struct cat_link link;        /* AFS_MODE_LINK (fixed) */
    char dirname[256];           /* multi-user: the person's folder name (fixed) */
    enum afs_mode kind;          /* OWNER, USER, LINK; MULTI: unmapped (worlds_lock) */
    struct cat_user user;        /* AFS_MODE_USER (worlds_lock) */
    struct af_subject_buf who;   /* the grants (worlds_lock) */
    struct cat_person person;    /* for favourites and milestones (worlds_lock) */
    GHashTable *seen_albums;     /* album ids whose first view is recorded (views_lock) */
};

/* A copy of who a world is now, for use outside worlds_lock. */
struct world_id {
    enum afs_mode kind;
    struct cat_person person;
    char label[AF_EMAIL_MAX + 1]; /* "owner", the e-mail, or "link:<id>" */
};

struct afs {
    struct afs_config cfg;
    struct af_library *lib;
    struct fuse_session *se;
    uid_t owner_uid;             /* owner of the library (multi-user owner view) */
    time_t started;              /* mtime of the root and the people's folders */
    char run_file[PATH_MAX];     /* this daemon's entry in the library's run/
                                  * (store/mounts.h); "" when not registered */
    pthread_t main_thread;       /* runs the session loop (set before any other thread) */
    atomic_bool initialised;     /* the kernel's INIT was answered */

    pthread_mutex_t nodes_lock;
    GHashTable *by_ino;          /* fuse_ino_t -> struct node* */
    GHashTable *by_key;          /* (parent, name) -> struct node*: the node is its own key */
    fuse_ino_t next_ino;
    GArray *file_order;          /* fuse_ino_t of file nodes, oldest first, from
                                  * file_order_head on (nodes_over_limit) */
    size_t file_order_head;
    /* Keys the inode numbers people see (fixed): the first
     * crypto_shorthash_KEYBYTES of a library subkey. */
    unsigned char ino_key[AF_KEY_BYTES];

    pthread_rwlock_t worlds_lock;
    struct world *single;        /* the world of a single-person mount (fixed) */
    GHashTable *multi;           /* multi-user: uid -> struct world*; link gateway:
                                  * session folder name -> struct world* (worlds_lock) */
    pthread_mutex_t views_lock;  /* every world's seen_albums */

    pthread_key_t catalog_key;   /* per-thread catalog connection */
    struct renderq *renderq;
    struct watcher *watcher;
    GAsyncQueue *viewed;         /* first views to record (actions.c) */
    GAsyncQueue *audit;          /* downloads and refusals to record (audit.c) */
    struct notifier *notifier;
    _Atomic int64_t generation;  /* catalog generation of the last reload (watcher) */
    _Atomic int64_t told_generation; /* ...once the kernel was told to drop what it
                                  * kept: its listings are no older (ops_dir.c) */
    atomic_bool reload_wanted;   /* a world was loaded at another generation */
    atomic_bool inval_wanted;    /* an answer may have re-planted stale entries */
    atomic_bool library_lost;    /* catalog.db replaced or removed: stopping */
    _Atomic int64_t epoch;       /* bumped whenever grants were reloaded */

    pthread_mutex_t handles_lock;
    struct afs_handle handles;   /* list head of open handles (handles_lock) */

    struct af_staging *staging;  /* LIBRARY/uploads: upload bytes (fixed) */
    pthread_mutex_t uploads_lock;
    GHashTable *uploads;         /* "<world>/<album>/<set>/<name>" -> struct upload*
                                  * (uploads_lock) */
    GHashTable *uploads_by_id;   /* upload id -> struct upload* (uploads_lock) */
    int64_t next_upload_id;      /* uploads_lock */

    struct gateway *gateway;     /* --link-gateway: the login socket (gateway.c) */

    pthread_mutex_t cache_use_lock;
    GHashTable *cache_used;      /* rendition id -> last read, not yet in the
                                  * catalog (cache_use_lock) */
};

/* Whether the mount's root holds one folder per world (a multi-user mount,
 * or a link gateway's sessions) rather than being one person's world. */
static inline bool afs_shared(const struct afs *fs)
{
    return fs->cfg.multi_user || fs->cfg.link_gateway;
}

/* ---- options.c ---- */
/* Parse argv; 0 on success, 1 when --help/--version was handled, -EINVAL. */
int options_parse(struct fuse_args *args, struct afs_config *cfg);
/* Overwrite the values of --user, --link, --email and of person=, link=,
 * email= inside -o in argv itself (what /proc/PID/cmdline shows), once
 * options_parse has copied them: call before the daemon forks. */
void options_scrub_argv(int argc, char *argv[]);
void options_release(struct afs_config *cfg);

/* ---- detach.c ---- */
/* Fork; the parent waits for detach_ready (exit 0) or the child's exit
 * (its status) and never returns. In the child: 0, or -errno. */
int detach_start(void);
/* The mount serves: log to syslog/file, stdio to /dev/null, parent exits 0. */
void detach_ready(void);

/* ---- service.c ---- */
/* Tell systemd STATE ("READY=1", ...) when it asked ($NOTIFY_SOCKET). */
void service_notify(const char *state);
/* SIGHUP sets a flag instead of stopping; the watcher takes it. */
int service_catch_hangup(void);
bool service_take_hangup(void);

/* ---- log.c ---- */
/* Messages to PATH (NULL: stderr until detached, then syslog). */
int log_open(const char *path);
/* The log file opened again by its name (after logrotate moved it). */
int log_reopen(void);
void log_detached(void);
void log_close(void);
/* A crash said in the log, with a backtrace, before the process dies. */
int log_catch_crashes(void);
/* One message (no trailing newline, no "albumfs:" prefix). */
void afs_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- catalog per thread (main.c) ---- */
/* This thread's catalog connection, opened on first use; NULL (logged)
 * on failure. */
struct af_catalog *afs_catalog(struct afs *fs);

/* ---- worlds.c ---- */
int worlds_init(struct afs *fs, const char **why);
void worlds_release(struct afs *fs);
/* Reload every world's grants (and multi-user uid mappings). */
void worlds_reload(struct afs *fs);
/* Copy who w is now (under worlds_lock) into *out. */
void worlds_identity(struct afs *fs, struct world *w, struct world_id *out);
/* Multi-user: the world of `uid` (created on first use), NULL if unmapped. */
struct world *worlds_for_uid(struct afs *fs, uid_t uid);
/* Multi-user: the world whose folder is `name`, NULL if none. Link
 * gateway: the session `name`, NULL if none or its link is no longer live. */
struct world *worlds_by_dirname(struct afs *fs, const char *name);
/* Link gateway: the session of a link that just logged in (its password
 * checked): the one it has while its link stays live, else a new one named
 * by 128 random bits. 0 with its folder name in dirname, or -errno. */
#define WORLDS_SESSION_NAME_CHARS 32
int worlds_link_session(struct afs *fs, const struct cat_link *link,
                        char dirname[WORLDS_SESSION_NAME_CHARS + 1]);
/* The earliest future expiry among every world's grants (0: none). */
af_time worlds_next_expiry(struct afs *fs);

/* ---- handles.c ---- */
void handles_init(struct afs *fs);
/* Put h on the list of open handles; dispose frees it at release. */
void handles_track(struct afs *fs, struct afs_handle *h, void (*dispose)(struct afs_handle *));
/* Take h off the list and dispose of it (the kernel released it). */
void handles_release(struct afs *fs, struct afs_handle *h);
/* At shutdown, after the session loop: dispose of every handle left. */
void handles_release_all(struct afs *fs);

/* ---- cache_use.c ---- */
void cache_use_init(struct afs *fs);
/* After the watcher stopped (it flushes what is left). */
void cache_use_release(struct afs *fs);
/* A request read the rendition now (cheap: memory only). */
void cache_use_note(struct afs *fs, const char *rendition_id);
/* Watcher: write the uses noted so far to the catalog, one transaction. */
void cache_use_flush(struct afs *fs, struct af_catalog *c);

/* ---- nodes.c ---- */
int nodes_init(struct afs *fs);
void nodes_release(struct afs *fs);
/* Find or add the child `name` of `parent` with the given identity, and
 * count one kernel lookup. The returned pointer stays valid until the
 * kernel forgets it. Returns NULL on allocation failure. */
struct node *nodes_lookup(struct afs *fs, fuse_ino_t parent, const char *name,
                          const struct node *proto);
/* The node with this inode number, or NULL (a copy is made into *out). */
bool nodes_get(struct afs *fs, fuse_ino_t ino, struct node *out);
/* The node the name `name` of `parent` stands for now (a copy). */
bool nodes_child(struct afs *fs, fuse_ino_t parent, const char *name, struct node *out);
/* The node ino takes the identity of proto (an upload that became a photo). */
void nodes_rebind(struct afs *fs, fuse_ino_t ino, const struct node *proto);
/* A rename: the node of parent/name is now newparent/newname (same node,
 * same number), with the identity of proto unless NULL; a node that was at
 * the new name is unindexed (the kernel replaced it). */
void nodes_move(struct afs *fs, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                const char *newname, const struct node *proto);
void nodes_forget(struct afs *fs, fuse_ino_t ino, uint64_t n);
/* Node ino was found visible by a check that began at the watcher's
 * `epoch`: until the epoch moves, a check whose answer could only be
 * "visible" or ENOENT may be skipped (ops_xattr.c). */
void nodes_note_visible(struct afs *fs, fuse_ino_t ino, int64_t epoch);
/* The inode number (st_ino, d_ino) people see for a node: a keyed hash of
 * what it is and whose world it is in, so it says nothing about anything
 * else (1 for the root). */
uint64_t nodes_public_ino(const struct afs *fs, const struct node *n);
/* Snapshot of (parent, name, ino) of every node, for invalidation. The
 * caller frees with nodes_snapshot_free. */
struct node_ref {
    fuse_ino_t parent, ino;
    char *name;
    bool is_dir;
};
size_t nodes_snapshot(struct afs *fs, struct node_ref **out);
void nodes_snapshot_free(struct node_ref *refs, size_t n);
/* When the table holds more than max nodes: the oldest photo files among
 * them, enough to go an eighth below max, for the caller to invalidate
 * (the kernel then forgets them). Freed with nodes_snapshot_free. */
size_t nodes_over_limit(struct afs *fs, size_t max, struct node_ref **out);

/* ---- tree.c ---- */
/* One entry of a directory as this person sees it. */
struct tree_entry {
    struct node proto;   /* identity (kind, ids, view, world); name below */
    char name[AF_NAME_MAX + 8];
    struct stat st;      /* attributes (st_ino filled by the caller) */
};
/* Everything `dir` holds for its world right now (hidden entries omitted).
 * Caller frees *entries with free(). Views not rendered yet are queued for
 * rendering and omitted. *partial (unless NULL): whether the names will
 * change without the catalog changing (a view was omitted, or a file being
 * written is listed), so the kernel must not keep them. */
int tree_list(struct afs *fs, const struct node *dir, struct tree_entry **entries, size_t *n,
              bool *partial);
/* Whether a folder of this kind holds a set's photos (the set itself, or
 * its folder inside an album folder). */
bool afs_is_set_folder(enum node_kind kind);
/* The one child `name` of `dir`: 0 with *out, -ENOENT if it does not exist
 * for this person, -EAGAIN if it is a view still to be rendered (*out then
 * describes it; the caller renders it and asks again). */
int tree_child(struct afs *fs, const struct node *dir, const char *name, struct tree_entry *out);
/* Attributes of a known node, re-checked against the policy now. */
int tree_stat(struct afs *fs, const struct node *n, struct stat *st);
/* Whether a known node is still there for its person: 0, or -ENOENT when
 * hidden or gone (as tree_stat answers, without working out a rendered
 * view's size: for questions that need no attributes). */
int tree_visible(struct afs *fs, const struct node *n);
/* Whether the person of dir's world may change what folder dir holds: the
 * root (the owner), an album or a set they may modify (owner, editors).
 * Not the u+w bit, which a client's set folders carry too (tree.c). */
bool tree_may_change(struct afs *fs, const struct node *dir);
/* For a file node: what to read. 0 with *src, -ENOENT hidden, -EACCES no
 * longer allowed, -EAGAIN a view that must be rendered first. */
struct file_source {
    bool is_rendition;
    uint64_t size;                 /* bytes a read returns (known unless -EAGAIN) */
    af_time mtime;
    bool is_private;               /* the photo is marked private (mode 0440) */
    char blob[VAULT_ID_HEX];       /* original: vault address */
    struct rendition_info rendition;
    struct rendition_request request; /* to render when -EAGAIN */
    int64_t grant_id;              /* the grant that allows this view (0: by role) */
    int64_t pool_id;               /* high-res drawn from this pool (0: none) */
    bool writable;                 /* the person may write it (a new version) */
    int64_t version_id;            /* the photo's current version */
};
/* -ESTALE when the node shows an older version than the photo's current
 * one (the kernel then looks the name up again and finds the new node). */
int tree_source(struct afs *fs, const struct node *n, struct file_source *src);
/* What an open file re-checks when grants may have changed: 0 while the
 * person may still read that view of the photo wherever it is now (a
 * rename, a move or a new version do not matter: the handle keeps reading
 * the bytes it opened), -ENOENT / -EACCES otherwise. */
int tree_recheck(struct afs *fs, const struct node *n);

/* The photo `name` names in the set folder (or Favourites/High-res set
 * folder) `dir`, as the person sees it there or could put it there: 0 with
 * *photo_id, -ENOENT. */
int tree_photo_for_name(struct afs *fs, const struct node *dir, const char *name,
                        int64_t *photo_id);

/* ---- readme.c: READ ME.txt in every album folder ---- */
/* The text of album a's READ ME.txt for the person of world w now
 * (policy/rules_text.h): *text malloc'd (caller frees), *len its bytes.
 * -ENOENT when w may not see the album. */
int readme_text(struct afs *fs, struct af_catalog *c, struct world *w, const struct cat_album *a,
                char **text, size_t *len);
/* The same for a NODE_README node, with its attributes (size = *len). */
int readme_of(struct afs *fs, const struct node *n, char **text, size_t *len, struct stat *st);

/* ---- uploads.c: files being written through the mount ---- */
struct upload;
/* What a listing or a stat shows of an upload. */
struct upload_entry {
    int64_t id;
    char name[AF_NAME_MAX + 1];
    uint64_t size;
    af_time mtime;
};
/* The staging folder (leftovers removed) and the recovery of commits a
 * crash interrupted. Before the session loop (uses this thread's catalog). */
int uploads_init(struct afs *fs);
/* At shutdown, after handles_release_all. */
void uploads_release(struct afs *fs);
/* Whether a name is junk a file manager writes (never a photo). */
bool uploads_is_junk(const char *name);
/* The upload `name` in folder dir (a set; or an album or a drop folder,
 * for junk) of dir's world, made empty unless one is listed there already (then that one).
 * replaces_photo: the name is an existing photo's (committed at close
 * whatever the name). Caller puts *out. -ENFILE when too many are open. */
int uploads_create(struct afs *fs, const struct node *dir, const char *name, bool replaces_photo,
                   struct upload **out);
/* A referenced upload (caller puts it), or NULL. */
struct upload *uploads_get(struct afs *fs, int64_t id);
void uploads_put(struct afs *fs, struct upload *u);
int64_t uploads_id(const struct upload *u);
/* For tree.c: one listed upload by name, by id, or all of one folder
 * (caller frees *out with free()); whether a folder holds any. */
int uploads_lookup(struct afs *fs, const struct node *dir, const char *name,
                   struct upload_entry *out);
int uploads_stat(struct afs *fs, int64_t id, struct upload_entry *out);
int uploads_list(struct afs *fs, const struct node *dir, struct upload_entry **out, size_t *n);
bool uploads_any_in(struct afs *fs, const struct world *w, int64_t album_id, int64_t set_id);
/* Bytes: the count or negative errno (-EFBIG past the largest photo). */
ssize_t uploads_write(struct afs *fs, struct upload *u, const void *buf, size_t len, off_t off);
ssize_t uploads_read(struct afs *fs, struct upload *u, void *buf, size_t len, off_t off);
int uploads_truncate(struct afs *fs, struct upload *u, uint64_t size);
/* Begin a new upload of a photo with its current bytes (vault blob): an
 * open for writing without O_TRUNC. */
int uploads_start_from(struct afs *fs, struct upload *u, const char *blob);
/* A handle that may write was opened / released. The last release of an
 * upload under a photo's name that did not become one drops it. */
void uploads_opened(struct afs *fs, struct upload *u);
void uploads_closed(struct afs *fs, struct upload *u);
/* A writer's handle on node ino was flushed (close): commit when due (a
 * photo's name, written since). 0 or the errno close() answers. */
int uploads_flush(struct afs *fs, struct upload *u, fuse_ino_t ino);
/* A rename: whether renaming it to newname commits it now (an ordinary
 * name, and no handle still writing); then commit it as `name` in set
 * folder dir (0, *photo_id), or else move it there (a name it keeps
 * writing under; onto_photo: newname is an existing photo's). */
bool uploads_commits_at_rename(struct afs *fs, struct upload *u, const char *newname);
int uploads_commit_as(struct afs *fs, struct upload *u, const struct node *dir,
                      const char *name, int64_t *photo_id);
int uploads_move(struct afs *fs, struct upload *u, const struct node *dir, const char *name,
                 bool onto_photo);
/* Deleted (or replaced): off its folder; its bytes go with the last handle. */
void uploads_drop(struct afs *fs, struct upload *u);

/* ---- edits.c: renames, moves, deletes and sets (changes/) ---- */
/* Each returns 0 or the negative errno the request answers; audit and the
 * kernel's view of names (nodes_move) are handled inside. */
int edits_rename(struct afs *fs, fuse_ino_t parent, const struct node *from, const char *name,
                 fuse_ino_t newparent, const struct node *to, const char *newname,
                 unsigned flags);
/* unlink in a set or album: a photo to the trash, an upload dropped. */
int edits_unlink(struct afs *fs, const struct node *dir, const char *name);
/* mkdir in an album: a new set, team-only. */
int edits_mkdir(struct afs *fs, const struct node *dir, const char *name);
/* rmdir of a set: -ENOTEMPTY while it holds photos or uploads. */
int edits_rmdir(struct afs *fs, const struct node *dir, const char *name);
/* 0 when the person of dir's world may change album dir->album_id (or, for
 * the root, administer: the owner); -EROFS otherwise, -EPERM in a
 * client's set (shown u+w for moves onto drop folders), -ENOENT hidden. */
int edits_may_write(struct afs *fs, const struct node *dir);

/* ---- actions.c: what people do through the mount ---- */
/* The person of world w as changes/ takes them: a copy of their grants and
 * identity now, used outside worlds_lock. Self-referencing: not to be
 * copied; released with world_actor_release. */
struct world_actor {
    struct af_subject_buf subject; /* grants copied (owned) */
    struct world_id id;
    struct change_actor actor;     /* points into subject and id */
};
int world_actor_get(struct afs *fs, struct world *w, struct world_actor *out);
void world_actor_release(struct world_actor *a);
/* Favourite or unfavourite a photo for the person of world w. */
int actions_favourite(struct afs *fs, struct world *w, int64_t photo_id, bool on);
/* Take a photo's high-res view (charge its pool once). -EDQUOT when empty. */
int actions_take(struct afs *fs, struct world *w, int64_t photo_id);
/* Mark or unmark a photo private. */
int actions_mark_private(struct afs *fs, struct world *w, int64_t photo_id, bool on);
/* Note the person's first view of an album (cheap after the first); the
 * record is written by actions_record_views, on the watcher thread, which
 * keeps what it could not write (a busy catalog) for its next tick. */
void actions_album_viewed(struct afs *fs, struct world *w, int64_t album_id);
void actions_record_views(struct afs *fs);

/* ---- audit.c: downloads and refusals, recorded off the request path ---- */
/* Identical refusals recorded per person, operation, photo and errno... */
#define AUDIT_REFUSALS_RECORDED 10
/* ...within this many seconds (a loop cannot flood the log). */
#define AUDIT_REFUSAL_WINDOW 600
/* File node n (a web-size or high-res view) was opened for reading through
 * grant_id: queue its download (recorded once per person, photo, view). */
void audit_download(struct afs *fs, const struct node *n, int64_t grant_id);
/* Operation `op` (a string literal: "chmod", "write", "take", ...) by the
 * person of world w on album_id/photo_id (0: none) was answered rc: queue
 * it when it is a refusal (-EPERM, -EACCES, -EROFS). */
void audit_refused(struct afs *fs, struct world *w, int64_t album_id, int64_t photo_id,
                   const char *op, int rc);
/* Record what is queued (watcher thread; main.c at shutdown). 0, or the
 * first catalog error met (the events are dropped). */
int audit_flush(struct afs *fs);

/* ---- renderq.c ---- */
/* A request waiting on a render: called from a render thread with the result. */
typedef void (*renderq_done)(struct afs *fs, int rc, void *arg);
int renderq_start(struct afs *fs, unsigned threads);
void renderq_stop(struct afs *fs);
/* Render (or find) the view; `done` is called exactly once, from a render
 * thread, or immediately when the queue is stopping (rc -ESHUTDOWN). Several
 * waiters on one rendition share one render. arg may be NULL with done NULL
 * for background work. */
/* The errno a request waiting on a render answers when the render ended
 * with rc < 0: ENOSPC/EDQUOT/ENOMEM as they are (a full disk is not
 * damage), EINTR when the mount is stopping, EIO for the rest. */
int renderq_errno(int rc);
void renderq_submit(struct afs *fs, const struct rendition_request *req, renderq_done done,
                    void *arg);

/* ---- watcher.c ---- */
int watcher_start(struct afs *fs);
void watcher_stop(struct afs *fs);
/* Wake the watcher now (a request saw a known entry become hidden). */
void watcher_kick(struct afs *fs);
/* Whether the library's catalog is no longer the file this daemon opened
 * (replaced or deleted): the watcher stops the daemon; other threads need
 * not report the failures that follow. */
bool watcher_library_changed(struct afs *fs);
/* A request decided at `epoch` what entries to give the kernel, and has
 * given them: if grants changed meanwhile, the watcher's invalidation may
 * have come before the answer, so it invalidates once more. */
void watcher_replied(struct afs *fs, int64_t epoch);
/* The kernel may keep folder ino's listing, which was just given with
 * something left out or shown only for now (tree_list's *partial): the
 * watcher drops it from the kernel every tick for about a second (until
 * the kernel surely took the reply). */
void watcher_forget_listing(struct afs *fs, fuse_ino_t ino);

/* ---- readahead.c ---- */
/* Set the read-ahead window of the FUSE mount at mountpoint (canonical
 * path) to kib KiB. Only after INIT was answered (the kernel lowers the
 * window to what INIT allowed). -EACCES unless root. */
int readahead_raise(const char *mountpoint, unsigned kib);

/* ---- notifier.c ---- */
int notifier_start(struct afs *fs);
void notifier_stop(struct afs *fs);

/* ---- gateway.c: where share links log in (--link-gateway) ---- */
/* Create the login socket (a stale one left by a daemon that died is
 * replaced; one another daemon answers on is not): before any thread
 * starts (it sets the umask for a moment). -errno with *why. */
int gateway_open(struct afs *fs, const char **why);
/* Answer logins (after the mount is up); stop: no new login, wait for
 * those being answered, remove the socket. */
int gateway_start(struct afs *fs);
void gateway_stop(struct afs *fs);

/* ---- ops ---- */
/* The node for ino as the caller may use it (on a multi-user mount, only
 * in their own world); -ENOENT otherwise. */
int afs_caller_node(struct afs *fs, fuse_req_t req, fuse_ino_t ino, struct node *out);
/* A reply entry for node n with attributes st (timeouts by node kind). */
void afs_fill_entry(const struct afs *fs, const struct node *n, const struct stat *st,
                    struct fuse_entry_param *e);
/* Open-file handles (ops_file.c): a stored file's blob, or an upload; a
 * handle with neither swallows writes: it is what copying a photo into
 * Favourites/ or High-res/ opens. */
struct filehandle {
    struct afs_handle link;  /* first: on the list of open handles */
    struct afs *fs;
    struct af_blob *blob;    /* a stored photo or view, or NULL */
    struct upload *up;       /* a file being written (referenced), or NULL */
    bool writer;             /* counted among up's writers */
    bool rendition;          /* blob is a rendered view in the cache */
    char *text;              /* READ ME.txt as it was at open (owned), or NULL */
    size_t text_len;
    struct node node;        /* identity, to re-check the policy */
    int64_t checked_epoch;   /* watcher epoch of the last policy check */
};
/* A new tracked handle reading blob (NULL: a write sink); NULL if out of
 * memory (blob is then still the caller's). */
struct filehandle *afs_file_handle(struct afs *fs, const struct node *n, struct af_blob *blob);
/* Give handle h upload up (its reference passes to h); writer: h may
 * write it (counted, so the last writer's release can drop it). */
void afs_file_handle_upload(struct afs *fs, struct filehandle *h, struct upload *up, bool writer);
/* Release a handle made by afs_file_handle (closing its blob, letting go
 * of its upload). */
void afs_file_handle_release(struct afs *fs, struct filehandle *h);
/* Whether dir is a folder people put photos into (a set's folder in
 * Favourites/, High-res/ or Private/). */
bool afs_is_drop_folder(const struct node *dir);
/* Whether the caller, who sees n with attributes st, may write n: for a
 * file its u+w bit (owner and editors, tree.c), outside drop folders; for
 * a folder tree_may_change. */
bool afs_may_write(struct afs *fs, const struct node *n, const struct stat *st);
/* Whether n is a file in a drop folder (what was put there: size, times
 * and attributes are accepted without effect). */
bool afs_is_dropped_in(struct afs *fs, const struct node *n);
extern const struct fuse_lowlevel_ops afs_ops;
void ops_dir_register(struct fuse_lowlevel_ops *ops);
void ops_file_register(struct fuse_lowlevel_ops *ops);
void ops_write_register(struct fuse_lowlevel_ops *ops);
void ops_xattr_register(struct fuse_lowlevel_ops *ops);

#endif
