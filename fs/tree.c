/* tree.c — what each directory holds for a person, and entry attributes.
 *
 * The layout of a world (docs/filesystem.md):
 *   <Album>/                          an album the person may see
 *   <Album>/<Set>/                    a set they may see
 *   <Album>/<Set>/<photo>             their browsing view: the original for
 *                                     owner and editors, a proof otherwise
 *   <Album>/Web-size/<Set>/<photo>    web-size downloads, where allowed
 *   <Album>/High-res/<Set>/<photo>    high-res downloads, where allowed; from
 *                                     a limited allowance only the photos
 *                                     already taken (so browsing never
 *                                     charges); taking = putting a photo there
 *   <Album>/Favourites/<Set>/<photo>  the person's favourites, where allowed
 *   <Album>/Private/<Set>/<photo>     the photos marked private, where the
 *                                     person may mark them (putting one
 *                                     there marks it, deleting it there
 *                                     unmarks it: ops_write.c)
 * Files are named by the photo's own name where a person browses originals
 * (owner and editors, in sets and Favourites/) and by its view name
 * everywhere else (every file of people who browse proofs, and Web-size/
 * and High-res/): a stored name, unique in its set and chosen once
 * ("X.png" -> "X.png.jpg", or "X.png (2).jpg" when that was taken;
 * store/catalog_view_names.c). So every folder shows each name once, and a
 * name resolves through one catalog query whether it is hidden or was never
 * used: the same queries and policy questions either way, then ENOENT.
 * Documents are shown as they are, under their view name where photos are.
 *
 * Every answer goes through the policy with the world's current grants and
 * the current time: a hidden entry is simply absent. Catalog reads happen
 * outside worlds_lock; policy questions inside it (read-locked).
 * A view that has not been rendered yet is left out of listings (a listing
 * never renders) and queued for the render pool; looking it up by name
 * returns -EAGAIN so the caller can wait for it off the request thread.
 * Files being written (uploads.c) are in their writer's world only: they
 * join the listing of their set (or album or drop folder, for junk names)
 * there, in the place of a photo of the same name, and nowhere else.
 * Each album also lists READ ME.txt, its rules for the person (readme.c).
 * A set that kept a reserved name from before it was reserved (a set
 * "Favourites", "Private", "READ ME.txt") stands in its place: the album
 * folder or file of that name is left out for the people who see the set.
 * Permission bits say who may write: folders and files of albums the
 * person may modify (owner, editors) carry u+w, and so does the owner's
 * root (albums are renamed there); so do the drop folders, and a set's
 * folder for whoever may put its photos into one (a drag there is a move:
 * shown_writable_set). What a person may change is tree_may_change's
 * answer, not the bits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/daemon.h"

/* ---- one read transaction per request ---- */

/* The reads of one request (a listing, a lookup, a getattr, an open) in one
 * read transaction: one snapshot of the catalog and one WAL read lock for
 * all of them (store/catalog.h catalog_read_begin). */
struct snapshot {
    struct af_catalog *c;
    bool own;
};

static struct snapshot snapshot_begin(struct afs *fs)
{
    struct snapshot s = {afs_catalog(fs), false};

    if (s.c)
        catalog_read_begin(s.c, &s.own);
    return s;
}

static void snapshot_end(struct snapshot s)
{
    if (s.c)
        catalog_read_end(s.c, s.own);
}

/* ---- the folders of an album besides its sets ---- */

struct album_folder {
    enum node_kind kind;  /* NODE_VIEWDIR, NODE_FAVDIR or NODE_PRIVDIR */
    enum af_view view;    /* VIEWDIR: its view */
    const char *name;
};

static const struct album_folder album_folders[] = {
    {NODE_VIEWDIR, AF_VIEW_WEB, AFS_DIR_WEB},
    {NODE_VIEWDIR, AF_VIEW_HIGHRES, AFS_DIR_HIGHRES},
    {NODE_FAVDIR, 0, AFS_DIR_FAVOURITES},
    {NODE_PRIVDIR, 0, AFS_DIR_PRIVATE},
};
#define N_ALBUM_FOLDERS (sizeof album_folders / sizeof album_folders[0])

/* ---- naming ---- */

/* Which of its names each photo has in set folder dir for w (caller holds
 * worlds_lock for reading). */
static enum cat_name_kind folder_names(const struct world *w, const struct node *dir,
                                       const struct cat_album *a, const struct cat_set *s,
                                       af_time now)
{
    if (dir->kind == NODE_VIEWSET)
        return CAT_NAME_VIEW;
    return subject_name_kind(&w->who.subject, a, s, now);
}

/* ---- attributes ---- */

bool afs_is_set_folder(enum node_kind kind)
{
    return kind == NODE_SET || kind == NODE_VIEWSET || kind == NODE_FAVSET ||
           kind == NODE_PRIVSET;
}

/* Whether a folder of this kind (and view) is one people put photos into:
 * a set's folder in Favourites/, Private/ or High-res/. */
static bool is_drop_kind(enum node_kind kind, enum af_view view)
{
    return kind == NODE_FAVSET || kind == NODE_PRIVSET ||
           (kind == NODE_VIEWSET && view == AF_VIEW_HIGHRES);
}

bool afs_is_drop_folder(const struct node *dir)
{
    return is_drop_kind(dir->kind, dir->view);
}

/* Folders are r-x; the folders people put photos into (a set's folder in
 * Favourites/, Private/ or High-res/) also carry u+w, so file managers offer to drop
 * there, and so do those shown `writable`: what the person may change
 * (albums and sets of an owner or editor, the owner's root) and the
 * folders of a set whose photos they may put into a drop folder
 * (shown_writable_set). A person's own folder on a multi-user mount is
 * theirs alone. The bits are what the kernel checks; what the daemon lets
 * a person change is tree_may_change's answer, not these bits. */
static void fill_dir(const struct world *w, enum node_kind kind, enum af_view view, af_time mtime,
                     nlink_t links, bool writable, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFDIR | 0555;
    /* Of the album folders' set folders only those one puts photos into are
     * writable (not Web-size/<Set>/, where writes are EROFS). */
    if (writable || is_drop_kind(kind, view))
        st->st_mode = S_IFDIR | 0755;
    if (kind == NODE_PERSON)
        st->st_mode = S_IFDIR | 0500;
    st->st_nlink = links;
    st->st_uid = w ? w->uid : 0;
    st->st_gid = w ? w->gid : 0;
    st->st_size = 4096;
    st->st_blocks = 8;
    st->st_blksize = 65536;
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)mtime;
}

/* Files are r--, rw- for those who may write them (a new version) and in
 * the folders people put photos into (putting one again opens it for
 * writing: Samba refuses that itself on a file without u+w); a
 * photo marked private has no read bit for others (chmod o-r is how a
 * client marks one; docs/filesystem.md). */
static void fill_file(const struct world *w, uint64_t size, af_time mtime, bool is_private,
                      bool writable, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | (is_private ? 0440 : 0444) | (writable ? 0200 : 0);
    st->st_nlink = 1;
    st->st_uid = w->uid;
    st->st_gid = w->gid;
    st->st_size = (off_t)size;
    st->st_blocks = (blkcnt_t)((size + 511) / 512);
    st->st_blksize = 65536;
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)mtime;
}

/* ---- policy questions (caller holds worlds_lock for reading) ---- */

/* Whether set s has a folder inside album folder f for w. */
static bool set_in_folder(const struct world *w, const struct cat_album *a,
                          const struct cat_set *s, const struct album_folder *f, af_time now)
{
    struct af_entry e;

    entry_for_set(a, s, &e);
    if (!policy_may_see(&w->who.subject, &e, now))
        return false;
    entry_for_any_photo(a, s, &e);
    if (f->kind == NODE_FAVDIR)
        return policy_may_favourite(&w->who.subject, &e, now) == 0;
    if (f->kind == NODE_PRIVDIR)
        return policy_may_mark_private(&w->who.subject, &e, now) == 0;
    return (subject_offered_views(&w->who.subject, &e, now) & f->view) != 0;
}

/* Whether w may put the photos of set s into one of album a's drop folders
 * (Favourites/, Private/, High-res/). The set's folder then shows u+w,
 * though w changes nothing there (Web-size/<Set>/ stays r-x): a file
 * manager's drag of a photo onto a drop folder is a move (rename), which
 * the kernel allows only out of a folder the caller may write, and albumfs
 * answers it as a copy (ops_write.c). Anything else written there reaches
 * the daemon and is refused (EPERM, edits.c). Caller holds worlds_lock for
 * reading. */
static bool shown_writable_set(const struct world *w, const struct cat_album *a,
                               const struct cat_set *s, af_time now)
{
    for (size_t k = 0; k < N_ALBUM_FOLDERS; k++) {
        const struct album_folder *f = &album_folders[k];
        bool drop = f->kind == NODE_FAVDIR || f->kind == NODE_PRIVDIR ||
                    (f->kind == NODE_VIEWDIR && f->view == AF_VIEW_HIGHRES);

        if (drop && set_in_folder(w, a, s, f, now))
            return true;
    }
    return false;
}

/* The album folder a folder node belongs to (itself, or its parent for a
 * set's folder inside it), or NULL for any other node. */
static const struct album_folder *folder_of(const struct node *n)
{
    bool fav = n->kind == NODE_FAVDIR || n->kind == NODE_FAVSET;
    bool priv = n->kind == NODE_PRIVDIR || n->kind == NODE_PRIVSET;
    bool view = n->kind == NODE_VIEWDIR || n->kind == NODE_VIEWSET;

    for (size_t k = 0; k < N_ALBUM_FOLDERS; k++) {
        const struct album_folder *f = &album_folders[k];

        if ((fav && f->kind == NODE_FAVDIR) || (priv && f->kind == NODE_PRIVDIR) ||
            (view && f->kind == NODE_VIEWDIR && f->view == n->view))
            return f;
    }
    return NULL;
}

/* 2 + the set folders album folder f shows w. */
static nlink_t folder_links(const struct world *w, const struct cat_album *a,
                            const struct cat_set *sets, size_t n, const struct album_folder *f,
                            af_time now)
{
    nlink_t links = 2;

    for (size_t i = 0; i < n; i++)
        links += set_in_folder(w, a, &sets[i], f, now) ? 1 : 0;
    return links;
}

/* 2 + the folders album a shows w (visible sets and album folders). */
static nlink_t album_links(const struct world *w, const struct cat_album *a,
                           const struct cat_set *sets, size_t n, af_time now)
{
    nlink_t links = 2;

    for (size_t i = 0; i < n; i++) {
        struct af_entry e;

        entry_for_set(a, &sets[i], &e);
        links += policy_may_see(&w->who.subject, &e, now) ? 1 : 0;
    }
    for (size_t k = 0; k < N_ALBUM_FOLDERS; k++)
        links += folder_links(w, a, sets, n, &album_folders[k], now) > 2 ? 1 : 0;
    return links;
}

/* ---- files ---- */

/* Decide how photo p appears as `view` for w: 0 and *src; -ENOENT/-EACCES.
 * Caller holds worlds_lock for reading. */
static int decide_file(const struct world *w, const struct cat_album *a, const struct cat_set *s,
                       const struct cat_photo *p, enum af_view view, af_time now,
                       struct file_source *src)
{
    struct af_entry e;
    struct af_render r;
    int rc;

    memset(src, 0, sizeof *src);
    entry_for_photo(a, s, p, &e);
    if (!policy_may_see(&w->who.subject, &e, now))
        return -ENOENT;
    if (!(subject_offered_views(&w->who.subject, &e, now) & view))
        return -EACCES;
    src->mtime = p->mtime;
    src->is_private = p->is_private;
    /* Only an original is written (a new version); views are made. */
    src->writable = view == AF_VIEW_ORIGINAL && policy_may_modify(&w->who.subject, &e, now) == 0;
    src->version_id = p->version_id;
    if (view == AF_VIEW_ORIGINAL) {
        g_strlcpy(src->blob, p->blob, sizeof src->blob);
        src->size = p->size;
        return 0;
    }
    if (p->kind == MEDIA_DOCUMENT)
        return -ENOENT; /* documents have no image views */
    rc = policy_render(&w->who.subject, &e, view, now, &r);
    if (rc < 0)
        return rc;
    src->is_rendition = true;
    src->grant_id = r.grant_id;
    src->pool_id = r.pool_id;
    renditions_request(p, &r, r.recipient_mark ? w->who.label : "", &src->request);
    return 0;
}

/* The view a folder shows of photo p: the browsing view in a set or in
 * Favourites/, the folder's view in a view folder (documents only in their
 * own set and in Favourites/). 0 when it shows none. */
static enum af_view folder_view(const struct world *w, const struct node *dir,
                                const struct af_entry *e, af_time now)
{
    if (dir->kind == NODE_VIEWSET)
        return e->kind == AF_ENTRY_DOCUMENT ? 0 : dir->view;
    return policy_default_view(&w->who.subject, e, now);
}

/* Phase one of placing photo p in folder dir (worlds_lock held): the
 * policy's answer. Phase two (place_check) asks the catalog. */
static int place_decide(const struct world *w, const struct node *dir, const struct cat_album *a,
                        const struct cat_set *s, const struct cat_photo *p, af_time now,
                        struct file_source *src)
{
    struct af_entry e;
    enum af_view view;

    entry_for_photo(a, s, p, &e);
    if (!policy_may_see(&w->who.subject, &e, now))
        return -ENOENT;
    if (dir->kind == NODE_FAVSET && policy_may_favourite(&w->who.subject, &e, now) < 0)
        return -ENOENT;
    if (dir->kind == NODE_PRIVSET && policy_may_mark_private(&w->who.subject, &e, now) < 0)
        return -ENOENT;
    view = folder_view(w, dir, &e, now);
    if (!view)
        return -ENOENT;
    return decide_file(w, a, s, p, view, now, src) < 0 ? -ENOENT : 0;
}

/* Phase two: favourites are in Favourites/, photos marked private in
 * Private/, and a limited allowance's High-res/ shows only photos already
 * taken. `favs` (photo ids) may be NULL to ask the catalog one photo at a
 * time. */
static int place_check(struct afs *fs, struct af_catalog *c, const struct node *dir,
                       const struct cat_photo *p, const struct file_source *src, GHashTable *favs)
{
    struct world_id who;
    int rc = 1;

    if (dir->kind == NODE_FAVSET && !favs) {
        worlds_identity(fs, dir->world, &who);
        rc = catalog_is_favourite(c, &who.person, p->id);
    } else if (dir->kind == NODE_FAVSET) {
        rc = g_hash_table_contains(favs, &p->id);
    } else if (dir->kind == NODE_PRIVSET) {
        rc = p->is_private;
    } else if (dir->kind == NODE_VIEWSET && dir->view == AF_VIEW_HIGHRES && src->pool_id) {
        rc = catalog_pool_is_charged(c, src->pool_id, p->id);
    }
    return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

/* Complete a rendition source with its recorded size: 0, or -EAGAIN when it
 * has not been made yet. Runs outside worlds_lock. */
static int resolve_rendition(struct afs *fs, struct af_catalog *c,
                             const struct watermark_settings *wm, struct file_source *src)
{
    renditions_id(fs->lib, &src->request, wm, src->rendition.id);
    if (renditions_find(c, src->rendition.id, &src->rendition) < 0)
        return -EAGAIN;
    src->size = src->rendition.size;
    return 0;
}

/* ---- the entries of a directory ---- */

struct lister {
    struct tree_entry *v;
    size_t n, cap;
    bool partial; /* something is left out or shown for now (tree_list) */
};

static struct tree_entry *add(struct lister *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct tree_entry *v = realloc(l->v, cap * sizeof *v);

        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    return &l->v[l->n++];
}

static struct tree_entry *add_dir(struct lister *l, struct world *w, enum node_kind kind,
                                  int64_t album_id, int64_t set_id, enum af_view view,
                                  const char *name, af_time mtime, nlink_t links, bool writable)
{
    struct tree_entry *t = add(l);

    if (!t)
        return NULL;
    t->proto.kind = kind;
    t->proto.world = w;
    t->proto.album_id = album_id;
    t->proto.set_id = set_id;
    t->proto.view = view;
    g_strlcpy(t->name, name, sizeof t->name);
    fill_dir(w, kind, view, mtime, links, writable, &t->st);
    return t;
}

/* The uploads of dir's world in folder dir (a set; an album or a drop
 * folder: junk names) join its listing; with `names`, a set of their names is made
 * there (NULL when none; caller destroys it). */
static int add_uploads(struct afs *fs, const struct node *dir, struct lister *l, GHashTable **names)
{
    struct upload_entry *ups = NULL;
    size_t n = 0;
    int rc = uploads_list(fs, dir, &ups, &n);

    l->partial |= n > 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct tree_entry *t = add(l);

        if (!t) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_FILE;
        t->proto.world = dir->world;
        t->proto.album_id = dir->album_id;
        t->proto.set_id = dir->set_id;
        t->proto.upload_id = ups[i].id;
        g_strlcpy(t->name, ups[i].name, sizeof t->name);
        fill_file(dir->world, ups[i].size, ups[i].mtime, false, true, &t->st);
        if (names && !*names)
            *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (names)
            g_hash_table_add(*names, g_strdup(ups[i].name));
    }
    free(ups);
    return rc;
}

/* The upload `name` of set or drop folder dir in its world: 0 with *out,
 * -ENOENT. */
static int upload_child(struct afs *fs, const struct node *dir, const char *name,
                        struct tree_entry *out)
{
    struct upload_entry u;
    int rc = uploads_lookup(fs, dir, name, &u);

    if (rc < 0)
        return rc;
    out->proto.kind = NODE_FILE;
    out->proto.world = dir->world;
    out->proto.album_id = dir->album_id;
    out->proto.set_id = dir->set_id;
    out->proto.upload_id = u.id;
    g_strlcpy(out->name, name, sizeof out->name);
    fill_file(dir->world, u.size, u.mtime, false, true, &out->st);
    return 0;
}

static int list_albums(struct afs *fs, struct af_catalog *c, struct world *w, struct lister *l)
{
    struct cat_album *albums = NULL;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    int rc = catalog_albums(c, &albums, &n);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct cat_set *sets = NULL;
        size_t nsets = 0;
        struct af_entry e;
        nlink_t links = 0;
        bool writable = false;

        rc = catalog_sets(c, albums[i].id, &sets, &nsets);
        if (rc < 0)
            break;
        entry_for_album(&albums[i], &e);
        pthread_rwlock_rdlock(&fs->worlds_lock);
        if (policy_may_see(&w->who.subject, &e, now)) {
            links = album_links(w, &albums[i], sets, nsets, now);
            writable = policy_may_modify(&w->who.subject, &e, now) == 0;
        }
        pthread_rwlock_unlock(&fs->worlds_lock);
        free(sets);
        if (links && !add_dir(l, w, NODE_ALBUM, albums[i].id, 0, 0, albums[i].name,
                              albums[i].mtime, links, writable))
            rc = -ENOMEM;
    }
    free(albums);
    return rc;
}

/* READ ME.txt of album a joins its listing (readme.c), unless a set of
 * that name, from before the name was reserved, stands there. */
static int add_readme(struct afs *fs, struct af_catalog *c, const struct node *dir,
                      const struct cat_album *a, struct lister *l)
{
    struct tree_entry *t;
    char *text = NULL;
    size_t len = 0;
    int rc = readme_text(fs, c, dir->world, a, &text, &len);

    free(text);
    if (rc < 0)
        return rc;
    if (!(t = add(l)))
        return -ENOMEM;
    t->proto.kind = NODE_README;
    t->proto.world = dir->world;
    t->proto.album_id = a->id;
    g_strlcpy(t->name, AFS_README, sizeof t->name);
    fill_file(dir->world, len, a->mtime, false, false, &t->st);
    return 0;
}

/* An album: its visible sets, then the album folders it offers, its
 * READ ME.txt and the uploads of junk names its person is writing. */
static int list_album(struct afs *fs, struct af_catalog *c, const struct node *dir,
                      struct lister *l)
{
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set *sets = NULL;
    struct af_entry e;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    bool readme_taken = false;
    GHashTable *shown = g_hash_table_new(g_str_hash, g_str_equal); /* the sets' names */
    int rc;

    if ((rc = catalog_album_by_id(c, dir->album_id, &a)) < 0 ||
        (rc = catalog_sets(c, a.id, &sets, &n)) < 0) {
        g_hash_table_destroy(shown);
        return rc;
    }
    entry_for_album(&a, &e);
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (!policy_may_see(&w->who.subject, &e, now))
        rc = -ENOENT;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        entry_for_set(&a, &sets[i], &e);
        if (!policy_may_see(&w->who.subject, &e, now))
            continue;
        readme_taken |= strcmp(sets[i].name, AFS_README) == 0;
        g_hash_table_add(shown, sets[i].name);
        if (!add_dir(l, w, NODE_SET, a.id, sets[i].id, 0, sets[i].name, sets[i].mtime, 2,
                     policy_may_modify(&w->who.subject, &e, now) == 0 ||
                         shown_writable_set(w, &a, &sets[i], now)))
            rc = -ENOMEM;
    }
    for (size_t k = 0; rc == 0 && k < N_ALBUM_FOLDERS; k++) {
        const struct album_folder *f = &album_folders[k];
        nlink_t links = folder_links(w, &a, sets, n, f, now);

        if (links > 2 && !g_hash_table_contains(shown, f->name) &&
            !add_dir(l, w, f->kind, a.id, 0, f->view, f->name, a.mtime, links, false))
            rc = -ENOMEM;
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    g_hash_table_destroy(shown);
    free(sets);
    if (rc == 0 && !readme_taken)
        rc = add_readme(fs, c, dir, &a, l);
    if (rc == 0)
        rc = add_uploads(fs, dir, l, NULL);
    return rc;
}

/* An album folder (Web-size/, High-res/, Favourites/, Private/): a folder
 * per set. */
static int list_album_folder(struct afs *fs, struct af_catalog *c, const struct node *dir,
                             struct lister *l)
{
    const struct album_folder *f = folder_of(dir);
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set *sets = NULL;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    enum node_kind child = dir->kind == NODE_FAVDIR    ? NODE_FAVSET
                           : dir->kind == NODE_PRIVDIR ? NODE_PRIVSET
                                                       : NODE_VIEWSET;
    int rc;

    if (!f)
        return -ENOENT;
    if ((rc = catalog_album_by_id(c, dir->album_id, &a)) < 0 ||
        (rc = catalog_sets(c, a.id, &sets, &n)) < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (folder_links(w, &a, sets, n, f, now) == 2)
        rc = -ENOENT;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (set_in_folder(w, &a, &sets[i], f, now) &&
            !add_dir(l, w, child, a.id, sets[i].id, dir->view, sets[i].name, sets[i].mtime, 2,
                     false))
            rc = -ENOMEM;
    pthread_rwlock_unlock(&fs->worlds_lock);
    free(sets);
    return rc;
}

/* Whether a set's folder (in the album or in an album folder) exists for
 * its person. Caller holds worlds_lock for reading. */
static bool set_folder_shown(const struct world *w, const struct node *dir,
                             const struct cat_album *a, const struct cat_set *s, af_time now)
{
    const struct album_folder *f;
    struct af_entry e;

    if (dir->kind == NODE_SET) {
        entry_for_set(a, s, &e);
        return policy_may_see(&w->who.subject, &e, now);
    }
    f = folder_of(dir);
    return f && set_in_folder(w, a, s, f, now);
}

static void *favourite_ids(struct afs *fs, struct af_catalog *c, struct world *w, int64_t album_id)
{
    struct cat_favourite *favs = NULL;
    struct world_id who;
    size_t n = 0;
    GHashTable *ids;

    worlds_identity(fs, w, &who);
    if (catalog_favourites(c, album_id, &who.person, &favs, &n) < 0)
        return NULL;
    ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    for (size_t i = 0; i < n; i++)
        g_hash_table_add(ids, g_memdup2(&favs[i].photo_id, sizeof favs[i].photo_id));
    free(favs);
    return ids;
}

static int list_photos(struct afs *fs, struct af_catalog *c, const struct node *dir,
                       struct lister *l)
{
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set s;
    struct cat_photo *photos = NULL;
    struct file_source *src = NULL;
    struct watermark_settings wm;
    GHashTable *favs = NULL, *writing = NULL;
    enum cat_name_kind names = CAT_NAME_VIEW;
    size_t n = 0, kept = 0;
    af_time now = (af_time)time(NULL);
    int rc;

    if ((rc = catalog_album_by_id(c, dir->album_id, &a)) < 0 ||
        (rc = catalog_set_by_id(c, dir->set_id, &s)) < 0 ||
        (rc = renditions_watermark(c, &wm)) < 0 ||
        (rc = catalog_photos(c, s.id, &photos, &n)) < 0)
        return rc;
    src = calloc(n ? n : 1, sizeof *src);
    if (!src) {
        free(photos);
        return -ENOMEM;
    }
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (!set_folder_shown(w, dir, &a, &s, now))
        rc = -ENOENT;
    else
        names = folder_names(w, dir, &a, &s, now);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (place_decide(w, dir, &a, &s, &photos[i], now, &src[kept]) < 0)
            continue;
        photos[kept++] = photos[i];
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (rc == 0 && dir->kind == NODE_FAVSET && !(favs = favourite_ids(fs, c, w, a.id)))
        rc = -EIO;
    if (rc == 0 && (dir->kind == NODE_SET || afs_is_drop_folder(dir)))
        rc = add_uploads(fs, dir, l, &writing);
    for (size_t i = 0; rc == 0 && i < kept; i++) {
        const char *name = photo_file_name(&photos[i], names);
        struct tree_entry *t;

        if (writing && g_hash_table_contains(writing, name))
            continue; /* being written again: the upload stands in its place */
        if (place_check(fs, c, dir, &photos[i], &src[i], favs) < 0)
            continue;
        if (src[i].is_rendition && resolve_rendition(fs, c, &wm, &src[i]) < 0) {
            renderq_submit(fs, &src[i].request, NULL, NULL);
            l->partial = true;
            continue;
        }
        if (!(t = add(l))) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_FILE;
        t->proto.world = w;
        t->proto.album_id = a.id;
        t->proto.set_id = s.id;
        t->proto.photo_id = photos[i].id;
        t->proto.version_id = photos[i].version_id;
        t->proto.view = src[i].is_rendition ? src[i].request.view : AF_VIEW_ORIGINAL;
        g_strlcpy(t->name, name, sizeof t->name);
        fill_file(w, src[i].size, photos[i].mtime, photos[i].is_private,
                  src[i].writable || afs_is_drop_folder(dir), &t->st);
    }
    if (favs)
        g_hash_table_destroy(favs);
    if (writing)
        g_hash_table_destroy(writing);
    free(src);
    free(photos);
    return rc;
}

static int list_now(struct afs *fs, const struct node *dir, struct tree_entry **entries, size_t *n,
                    bool *partial)
{
    struct af_catalog *c = afs_catalog(fs);
    struct lister l = {0};
    int rc;

    *entries = NULL;
    *n = 0;
    if (!c)
        return -EIO;
    if (!dir->world)
        return -ENOENT;
    switch (dir->kind) {
    case NODE_ROOT:
    case NODE_PERSON:
        rc = list_albums(fs, c, dir->world, &l);
        break;
    case NODE_ALBUM:
        rc = list_album(fs, c, dir, &l);
        break;
    case NODE_VIEWDIR:
    case NODE_FAVDIR:
    case NODE_PRIVDIR:
        rc = list_album_folder(fs, c, dir, &l);
        break;
    case NODE_SET:
    case NODE_VIEWSET:
    case NODE_FAVSET:
    case NODE_PRIVSET:
        rc = list_photos(fs, c, dir, &l);
        break;
    default:
        rc = -ENOTDIR;
        break;
    }
    if (rc < 0) {
        free(l.v);
        return rc;
    }
    *entries = l.v;
    *n = l.n;
    if (partial)
        *partial = l.partial;
    return 0;
}

int tree_list(struct afs *fs, const struct node *dir, struct tree_entry **entries, size_t *n,
              bool *partial)
{
    struct snapshot snap = snapshot_begin(fs);
    int rc = list_now(fs, dir, entries, n, partial);

    snapshot_end(snap);
    return rc;
}

/* ---- one child by name ---- */

/* Photo `name` of folder dir as w may see it there (ignoring whether it is
 * a favourite or taken when `anywhere`): 0 with *p and *src, -ENOENT.
 * A name no photo has takes the steps of a photo's name hidden from w: one
 * catalog query (reading one row either way), then the same policy
 * questions, about a stand-in marked private when there is no photo, so
 * that neither answers sooner (docs/security.md). */
static int photo_in_folder(struct afs *fs, struct af_catalog *c, const struct node *dir,
                           const char *name, bool anywhere, struct cat_album *a,
                           struct cat_photo *p, struct file_source *src)
{
    struct world *w = dir->world;
    struct cat_set s;
    enum cat_name_kind names;
    af_time now = (af_time)time(NULL);
    int rc, found;

    if ((rc = catalog_album_by_id(c, dir->album_id, a)) < 0 ||
        (rc = catalog_set_by_id(c, dir->set_id, &s)) < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    names = folder_names(w, dir, a, &s, now);
    pthread_rwlock_unlock(&fs->worlds_lock);
    found = catalog_photo_by_file_name(c, s.id, name, names, p);
    if (found < 0 && found != -ENOENT)
        return found;
    if (found == -ENOENT)
        p->is_private = true; /* the stand-in (all else zero) */
    pthread_rwlock_rdlock(&fs->worlds_lock);
    rc = set_folder_shown(w, dir, a, &s, now) ? place_decide(w, dir, a, &s, p, now, src) : -ENOENT;
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (found < 0 || rc < 0)
        return -ENOENT;
    return anywhere ? 0 : place_check(fs, c, dir, p, src, NULL);
}

int tree_photo_for_name(struct afs *fs, const struct node *dir, const char *name,
                        int64_t *photo_id)
{
    struct af_catalog *c = afs_catalog(fs);
    struct cat_album a;
    struct cat_photo p;
    struct file_source src;
    int rc;

    if (!c)
        return -EIO;
    if (!dir->world || (dir->kind != NODE_FAVSET && dir->kind != NODE_PRIVSET &&
                        dir->kind != NODE_VIEWSET))
        return -ENOENT;
    rc = photo_in_folder(fs, c, dir, name, true, &a, &p, &src);
    if (rc == 0)
        *photo_id = p.id;
    return rc;
}

static int child_now(struct afs *fs, const struct node *dir, const char *name,
                     struct tree_entry *out)
{
    struct af_catalog *c = afs_catalog(fs);
    struct lister l = {0};
    int rc;

    memset(out, 0, sizeof *out);
    if (!c)
        return -EIO;
    if (!dir->world)
        return -ENOENT;
    if (afs_is_set_folder(dir->kind)) {
        /* One photo: find it by name rather than listing the whole set. */
        struct cat_album a;
        struct cat_photo p;
        struct file_source src;
        struct watermark_settings wm;

        if ((dir->kind == NODE_SET || afs_is_drop_folder(dir)) &&
            upload_child(fs, dir, name, out) == 0)
            return 0;
        rc = photo_in_folder(fs, c, dir, name, false, &a, &p, &src);
        if (rc < 0)
            return rc;
        out->proto.kind = NODE_FILE;
        out->proto.world = dir->world;
        out->proto.album_id = a.id;
        out->proto.set_id = p.set_id;
        out->proto.photo_id = p.id;
        out->proto.version_id = p.version_id;
        out->proto.view = src.is_rendition ? src.request.view : AF_VIEW_ORIGINAL;
        g_strlcpy(out->name, name, sizeof out->name);
        if (src.is_rendition) {
            if ((rc = renditions_watermark(c, &wm)) < 0)
                return rc;
            if (resolve_rendition(fs, c, &wm, &src) < 0)
                return -EAGAIN; /* tree_source gives the request to render */
        }
        fill_file(dir->world, src.size, p.mtime, p.is_private,
                  src.writable || afs_is_drop_folder(dir), &out->st);
        return 0;
    }
    /* Albums and album folders: few entries; list and pick. */
    rc = tree_list(fs, dir, &l.v, &l.n, NULL);
    if (rc < 0)
        return rc;
    rc = -ENOENT;
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.v[i].name, name) == 0) {
            *out = l.v[i];
            rc = 0;
            break;
        }
    }
    free(l.v);
    return rc;
}

int tree_child(struct afs *fs, const struct node *dir, const char *name, struct tree_entry *out)
{
    struct snapshot snap = snapshot_begin(fs);
    int rc = child_now(fs, dir, name, out);

    snapshot_end(snap);
    return rc;
}

/* ---- a known node ---- */

/* How strictly a known file node must still match its photo. */
enum source_check {
    SOURCE_EXACT,  /* the same set and version, not in the trash: an open */
    SOURCE_ATTRS,  /* the same set, not in the trash; the photo as it is now */
    SOURCE_HANDLE, /* the photo wherever it is now, if the view is still
                    * allowed: what an open file re-checks */
    SOURCE_SEEN,   /* the same set, not in the trash, the view allowed:
                    * whether the name is there for its person, nothing
                    * more (no rendition looked up) */
};

/* Photo p as it was at its version version_id (an older one): 0, or
 * -ENOENT when that version is gone. */
static int as_version(struct af_catalog *c, int64_t version_id, struct cat_photo *p)
{
    struct cat_version *v = NULL;
    size_t n = 0;
    int rc = catalog_versions(c, p->id, &v, &n);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (v[i].id != version_id)
            continue;
        p->version_id = v[i].id;
        g_strlcpy(p->blob, v[i].blob, sizeof p->blob);
        p->size = v[i].size;
        p->width = v[i].width;
        p->height = v[i].height;
        g_strlcpy(p->mime, v[i].mime, sizeof p->mime);
        p->mtime = v[i].created;
        free(v);
        return 0;
    }
    free(v);
    return rc < 0 ? rc : -ENOENT;
}

static int source_now(struct afs *fs, const struct node *n, enum source_check how,
                      struct file_source *src)
{
    struct af_catalog *c = afs_catalog(fs);
    struct world *w = n->world;
    struct cat_album a;
    struct cat_set s;
    struct cat_photo p;
    struct watermark_settings wm;
    af_time now = (af_time)time(NULL);
    int rc;

    memset(src, 0, sizeof *src);
    if (!c)
        return -EIO;
    if (n->kind != NODE_FILE || !w)
        return -EISDIR;
    if (n->upload_id)
        return -ENOENT; /* bytes being written are read through their handle */
    if ((rc = catalog_photo_by_id(c, n->photo_id, &p)) < 0 ||
        (rc = catalog_album_by_id(c, p.album_id, &a)) < 0 ||
        (rc = catalog_set_by_id_any(c, p.set_id, &s)) < 0)
        return rc == -ENOENT ? -ENOENT : rc;
    if (how != SOURCE_HANDLE && (p.set_id != n->set_id || p.trashed))
        return -ENOENT; /* moved or deleted since the kernel learnt this name */
    if (how == SOURCE_EXACT && n->version_id && p.version_id != n->version_id)
        return -ESTALE; /* a new version: the kernel looks the name up again */
    if (how == SOURCE_ATTRS && n->version_id && p.version_id != n->version_id &&
        (rc = as_version(c, n->version_id, &p)) < 0)
        return rc; /* files still open on it are told its own size */
    pthread_rwlock_rdlock(&fs->worlds_lock);
    rc = decide_file(w, &a, &s, &p, n->view, now, src);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (rc < 0 || !src->is_rendition || how == SOURCE_HANDLE || how == SOURCE_SEEN)
        return rc;
    /* Only a rendition's id depends on the watermark: an original's
     * getattr, getxattr and open skip these four settings reads
     * (bench/README.md: a warm ls -lR is two getxattr per file). */
    if ((rc = renditions_watermark(c, &wm)) < 0)
        return rc;
    return resolve_rendition(fs, c, &wm, src);
}

static int source_of(struct afs *fs, const struct node *n, enum source_check how,
                     struct file_source *src)
{
    struct snapshot snap = snapshot_begin(fs);
    int rc = source_now(fs, n, how, src);

    snapshot_end(snap);
    return rc;
}

int tree_source(struct afs *fs, const struct node *n, struct file_source *src)
{
    return source_of(fs, n, SOURCE_EXACT, src);
}

int tree_visible(struct afs *fs, const struct node *n)
{
    struct file_source src;
    struct stat st;

    if (n->kind == NODE_FILE && !n->upload_id)
        return source_of(fs, n, SOURCE_SEEN, &src);
    return tree_stat(fs, n, &st);
}

int tree_recheck(struct afs *fs, const struct node *n)
{
    struct file_source src;

    return source_of(fs, n, SOURCE_HANDLE, &src);
}

/* Whether a set folder still exists for its person (0), and whether it is
 * shown writable (*writable, fill_dir). */
static int set_folder_visible(struct afs *fs, struct af_catalog *c, const struct node *n,
                              bool *writable)
{
    struct cat_album a;
    struct cat_set s;
    struct af_entry e;
    af_time now = (af_time)time(NULL);
    int rc;

    if ((rc = catalog_album_by_id(c, n->album_id, &a)) < 0 ||
        (rc = catalog_set_by_id(c, n->set_id, &s)) < 0)
        return rc;
    entry_for_set(&a, &s, &e);
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (!set_folder_shown(n->world, n, &a, &s, now))
        rc = -ENOENT;
    *writable = n->kind == NODE_SET && (policy_may_modify(&n->world->who.subject, &e, now) == 0 ||
                                        shown_writable_set(n->world, &a, &s, now));
    pthread_rwlock_unlock(&fs->worlds_lock);
    return rc;
}

/* Whether the person of w may change album a (owner, editors), or for
 * a == NULL the root (the owner renames albums there). */
static bool may_change(struct afs *fs, const struct world *w, const struct cat_album *a)
{
    struct af_entry e;
    bool yes;

    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (a) {
        entry_for_album(a, &e);
        yes = policy_may_modify(&w->who.subject, &e, (af_time)time(NULL)) == 0;
    } else {
        yes = policy_may_administer(&w->who.subject) == 0;
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    return yes;
}

bool tree_may_change(struct afs *fs, const struct node *dir)
{
    struct af_catalog *c = afs_catalog(fs);
    struct cat_album a;
    struct cat_set s;
    struct af_entry e;
    bool yes;

    if (!dir->world || !c)
        return false;
    if (dir->kind == NODE_ROOT)
        return may_change(fs, dir->world, NULL);
    if ((dir->kind != NODE_ALBUM && dir->kind != NODE_SET) ||
        catalog_album_by_id(c, dir->album_id, &a) < 0)
        return false;
    if (dir->kind == NODE_ALBUM)
        return may_change(fs, dir->world, &a);
    if (catalog_set_by_id(c, dir->set_id, &s) < 0)
        return false;
    entry_for_set(&a, &s, &e);
    pthread_rwlock_rdlock(&fs->worlds_lock);
    yes = policy_may_modify(&dir->world->who.subject, &e, (af_time)time(NULL)) == 0;
    pthread_rwlock_unlock(&fs->worlds_lock);
    return yes;
}

static int stat_now(struct afs *fs, const struct node *n, struct stat *st)
{
    struct af_catalog *c = afs_catalog(fs);
    struct tree_entry *entries = NULL;
    size_t count = 0;
    nlink_t subdirs = 0;
    af_time mtime = fs->started;
    bool writable = false;
    int rc;

    if (n->kind == NODE_FILE && n->upload_id) {
        struct upload_entry u;

        rc = uploads_stat(fs, n->upload_id, &u);
        if (rc < 0)
            return rc;
        fill_file(n->world, u.size, u.mtime, false, true, st);
        return 0;
    }
    if (n->kind == NODE_README) {
        char *text = NULL;
        size_t len;

        rc = readme_of(fs, n, &text, &len, st);
        free(text);
        return rc;
    }
    if (n->kind == NODE_FILE) {
        struct file_source src;

        /* source_of read the photo already: its answer carries all. */
        rc = source_of(fs, n, SOURCE_ATTRS, &src);
        if (rc < 0)
            return rc;
        fill_file(n->world, src.size, src.mtime, src.is_private,
                  src.writable || afs_is_dropped_in(fs, n), st);
        return 0;
    }
    if (!n->world) { /* multi-user root: only the people's folders */
        fill_dir(NULL, NODE_ROOT, 0, fs->started, 2, false, st);
        if (fs->cfg.link_gateway) { /* the gateway's account may pass, nobody lists */
            st->st_mode = S_IFDIR | 0100;
            st->st_uid = fs->cfg.gateway_uid;
            st->st_gid = fs->cfg.gateway_gid;
        }
        return 0;
    }
    if (!c)
        return -EIO;
    if (n->kind == NODE_ROOT)
        writable = may_change(fs, n->world, NULL);
    if (n->kind == NODE_ALBUM || n->kind == NODE_VIEWDIR || n->kind == NODE_FAVDIR ||
        n->kind == NODE_PRIVDIR) {
        struct cat_album a;

        if ((rc = catalog_album_by_id(c, n->album_id, &a)) < 0)
            return rc;
        mtime = a.mtime;
        writable = n->kind == NODE_ALBUM && may_change(fs, n->world, &a);
    } else if (afs_is_set_folder(n->kind)) {
        struct cat_set s;

        if ((rc = catalog_set_by_id(c, n->set_id, &s)) < 0)
            return rc;
        mtime = s.mtime;
    }
    /* Listing checks the folder is still visible; its link count is 2 plus
     * the subfolders it shows. Set folders hold only files: no listing. */
    if (afs_is_set_folder(n->kind)) {
        rc = set_folder_visible(fs, c, n, &writable);
        if (rc < 0)
            return rc;
    } else {
        rc = tree_list(fs, n, &entries, &count, NULL);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < count; i++)
            subdirs += S_ISDIR(entries[i].st.st_mode) ? 1 : 0;
        free(entries);
    }
    fill_dir(n->world, n->kind, n->view, mtime, 2 + subdirs, writable, st);
    return 0;
}

int tree_stat(struct afs *fs, const struct node *n, struct stat *st)
{
    struct snapshot snap = snapshot_begin(fs);
    int rc = stat_now(fs, n, st);

    snapshot_end(snap);
    return rc;
}
