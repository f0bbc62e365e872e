/* tree.c — what each directory holds for a person, and entry attributes.
 *
 * The layout of a world (docs/filesystem.md):
 *   <Album>/                       an album the person may see
 *   <Album>/<Set>/                 a set they may see
 *   <Album>/<Set>/<photo>          their browsing view: the original for
 *                                  owner and editors, a proof otherwise
 *   <Album>/Web-size/<Set>/<photo> web-size downloads, where allowed
 *   <Album>/High-res/<Set>/<photo> high-res downloads, where allowed
 * Rendered views are JPEGs; a photo whose original is not a JPEG gets
 * ".jpg" appended to its name in those views. Documents appear in their set
 * under their own name, as they are.
 *
 * Every answer goes through the policy with the world's current grants and
 * the current time: a hidden entry is simply absent. Catalog reads happen
 * outside worlds_lock; policy questions inside it (read-locked).
 * A view that has not been rendered yet is left out of listings (a listing
 * never renders) and queued for the render pool; looking it up by name
 * returns -EAGAIN so the caller can wait for it off the request thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/daemon.h"

/* ---- naming ---- */

static bool is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');

    return dot && (g_ascii_strcasecmp(dot, ".jpg") == 0 || g_ascii_strcasecmp(dot, ".jpeg") == 0);
}

/* The file name of `view` of photo p. */
static void view_name(const struct cat_photo *p, enum af_view view, char *buf, size_t len)
{
    if (view == AF_VIEW_ORIGINAL || is_jpeg_name(p->name))
        snprintf(buf, len, "%s", p->name);
    else
        snprintf(buf, len, "%s.jpg", p->name);
}

/* ---- attributes ---- */

static bool multi(const struct afs *fs)
{
    return fs->cfg.multi_user != 0;
}

static void fill_dir(const struct afs *fs, const struct world *w, af_time mtime, nlink_t links,
                     struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFDIR | (multi(fs) ? 0500 : 0555);
    st->st_nlink = links;
    st->st_uid = w ? w->uid : 0;
    st->st_gid = w ? w->gid : 0;
    st->st_size = 4096;
    st->st_blocks = 8;
    st->st_blksize = 65536;
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)mtime;
}

static void fill_file(const struct afs *fs, const struct world *w, uint64_t size, af_time mtime,
                      struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | (multi(fs) ? 0400 : 0444);
    st->st_nlink = 1;
    st->st_uid = w->uid;
    st->st_gid = w->gid;
    st->st_size = (off_t)size;
    st->st_blocks = (blkcnt_t)((size + 511) / 512);
    st->st_blksize = 65536;
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)mtime;
}

/* ---- policy questions (caller holds worlds_lock for reading) ---- */

/* An ordinary photo of set s: what the view folders offer in that set. */
static unsigned set_views(const struct world *w, const struct cat_album *a,
                          const struct cat_set *s, af_time now)
{
    struct af_entry e;
    struct cat_photo probe;

    memset(&probe, 0, sizeof probe);
    probe.kind = MEDIA_PHOTO;
    entry_for_photo(a, s, &probe, &e);
    return subject_offered_views(&w->who.subject, &e, now);
}

/* Whether a view folder (Web-size/High-res) belongs in album a. High-res is
 * not offered to people whose browsing view is already the original. */
static bool offers_view_dir(const struct world *w, const struct cat_album *a,
                            const struct cat_set *sets, size_t n, enum af_view view, af_time now)
{
    for (size_t i = 0; i < n; i++) {
        struct af_entry e;
        unsigned views = set_views(w, a, &sets[i], now);

        entry_for_set(a, &sets[i], &e);
        if (!policy_may_see(&w->who.subject, &e, now) || !(views & view))
            continue;
        if (view == AF_VIEW_HIGHRES && (views & AF_VIEW_ORIGINAL))
            continue;
        return true;
    }
    return false;
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
    if (view == AF_VIEW_ORIGINAL) {
        snprintf(src->blob, sizeof src->blob, "%s", p->blob);
        src->size = p->size;
        src->mtime = p->mtime;
        return 0;
    }
    if (p->kind == MEDIA_DOCUMENT)
        return -ENOENT; /* documents have no image views */
    rc = policy_render(&w->who.subject, &e, view, now, &r);
    if (rc < 0)
        return rc;
    src->is_rendition = true;
    src->mtime = p->mtime;
    renditions_request(p, &r, r.recipient_mark ? w->who.label : "", &src->request);
    return 0;
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

/* 2 + the set folders that view folder `view` of album a shows this person
 * (as list_viewdir lists them). Caller holds worlds_lock for reading. */
static nlink_t view_dir_links(const struct world *w, const struct cat_album *a,
                              const struct cat_set *sets, size_t n, enum af_view view,
                              af_time now)
{
    nlink_t links = 2;

    for (size_t i = 0; i < n; i++) {
        struct af_entry e;

        entry_for_set(a, &sets[i], &e);
        if (policy_may_see(&w->who.subject, &e, now) && (set_views(w, a, &sets[i], now) & view))
            links++;
    }
    return links;
}

/* 2 + the folders album a shows this person (its visible sets and view
 * folders). Caller holds worlds_lock for reading. */
static nlink_t album_links(const struct world *w, const struct cat_album *a,
                           const struct cat_set *sets, size_t n, af_time now)
{
    nlink_t links = 2;

    for (size_t i = 0; i < n; i++) {
        struct af_entry e;

        entry_for_set(a, &sets[i], &e);
        links += policy_may_see(&w->who.subject, &e, now) ? 1 : 0;
    }
    links += offers_view_dir(w, a, sets, n, AF_VIEW_WEB, now) ? 1 : 0;
    links += offers_view_dir(w, a, sets, n, AF_VIEW_HIGHRES, now) ? 1 : 0;
    return links;
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
        struct tree_entry *t;
        nlink_t links = 0;

        rc = catalog_sets(c, albums[i].id, &sets, &nsets);
        if (rc < 0)
            break;
        entry_for_album(&albums[i], &e);
        pthread_rwlock_rdlock(&fs->worlds_lock);
        if (policy_may_see(&w->who.subject, &e, now))
            links = album_links(w, &albums[i], sets, nsets, now);
        pthread_rwlock_unlock(&fs->worlds_lock);
        free(sets);
        if (!links)
            continue;
        if (!(t = add(l))) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_ALBUM;
        t->proto.world = w;
        t->proto.album_id = albums[i].id;
        snprintf(t->name, sizeof t->name, "%s", albums[i].name);
        fill_dir(fs, w, albums[i].mtime, links, &t->st);
    }
    free(albums);
    return rc;
}

static int list_album(struct afs *fs, struct af_catalog *c, const struct node *dir,
                      struct lister *l)
{
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set *sets = NULL;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    static const enum af_view view_dirs[] = {AF_VIEW_WEB, AF_VIEW_HIGHRES};
    int rc = catalog_album_by_id(c, dir->album_id, &a);

    if (rc < 0)
        return rc;
    rc = catalog_sets(c, a.id, &sets, &n);
    if (rc < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    {
        struct af_entry e;

        entry_for_album(&a, &e);
        if (!policy_may_see(&w->who.subject, &e, now))
            rc = -ENOENT;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct af_entry e;
        struct tree_entry *t;

        entry_for_set(&a, &sets[i], &e);
        if (!policy_may_see(&w->who.subject, &e, now))
            continue;
        if (!(t = add(l))) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_SET;
        t->proto.world = w;
        t->proto.album_id = a.id;
        t->proto.set_id = sets[i].id;
        snprintf(t->name, sizeof t->name, "%s", sets[i].name);
        fill_dir(fs, w, sets[i].mtime, 2, &t->st);
    }
    for (size_t k = 0; rc == 0 && k < 2; k++) {
        struct tree_entry *t;

        if (!offers_view_dir(w, &a, sets, n, view_dirs[k], now))
            continue;
        if (!(t = add(l))) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_VIEWDIR;
        t->proto.world = w;
        t->proto.album_id = a.id;
        t->proto.view = view_dirs[k];
        snprintf(t->name, sizeof t->name, "%s",
                 view_dirs[k] == AF_VIEW_WEB ? AFS_DIR_WEB : AFS_DIR_HIGHRES);
        fill_dir(fs, w, a.mtime, view_dir_links(w, &a, sets, n, view_dirs[k], now), &t->st);
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    free(sets);
    return rc;
}

static int list_viewdir(struct afs *fs, struct af_catalog *c, const struct node *dir,
                        struct lister *l)
{
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set *sets = NULL;
    size_t n = 0;
    af_time now = (af_time)time(NULL);
    int rc = catalog_album_by_id(c, dir->album_id, &a);

    if (rc < 0)
        return rc;
    rc = catalog_sets(c, a.id, &sets, &n);
    if (rc < 0)
        return rc;
    pthread_rwlock_rdlock(&fs->worlds_lock);
    if (!offers_view_dir(w, &a, sets, n, dir->view, now))
        rc = -ENOENT;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct af_entry e;
        struct tree_entry *t;

        entry_for_set(&a, &sets[i], &e);
        if (!policy_may_see(&w->who.subject, &e, now) || !(set_views(w, &a, &sets[i], now) & dir->view))
            continue;
        if (!(t = add(l))) {
            rc = -ENOMEM;
            break;
        }
        t->proto.kind = NODE_VIEWSET;
        t->proto.world = w;
        t->proto.album_id = a.id;
        t->proto.set_id = sets[i].id;
        t->proto.view = dir->view;
        snprintf(t->name, sizeof t->name, "%s", sets[i].name);
        fill_dir(fs, w, sets[i].mtime, 2, &t->st);
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    free(sets);
    return rc;
}

/* The view a set folder shows of photo p: the default view in a set, the
 * folder's view in a view folder (documents only in their own set). */
static enum af_view folder_view(const struct world *w, const struct node *dir,
                                const struct af_entry *e, af_time now)
{
    if (dir->kind == NODE_VIEWSET)
        return e->kind == AF_ENTRY_DOCUMENT ? 0 : dir->view;
    return policy_default_view(&w->who.subject, e, now);
}

static int list_photos(struct afs *fs, struct af_catalog *c, const struct node *dir,
                       struct lister *l, bool queue_missing)
{
    struct world *w = dir->world;
    struct cat_album a;
    struct cat_set s;
    struct cat_photo *photos = NULL;
    struct file_source *src = NULL;
    struct watermark_settings wm;
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
    {
        struct af_entry e;

        entry_for_set(&a, &s, &e);
        if (!policy_may_see(&w->who.subject, &e, now) ||
            (dir->kind == NODE_VIEWSET && !(set_views(w, &a, &s, now) & dir->view)))
            rc = -ENOENT;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct af_entry e;
        enum af_view view;

        entry_for_photo(&a, &s, &photos[i], &e);
        if (!policy_may_see(&w->who.subject, &e, now))
            continue;
        view = folder_view(w, dir, &e, now);
        if (!view || decide_file(w, &a, &s, &photos[i], view, now, &src[i]) < 0)
            continue;
        src[i].request.view = view; /* mark as kept; ORIGINAL has view set here too */
        photos[kept] = photos[i];
        src[kept] = src[i];
        kept++;
    }
    pthread_rwlock_unlock(&fs->worlds_lock);
    for (size_t i = 0; rc == 0 && i < kept; i++) {
        struct tree_entry *t;
        uint64_t size = photos[i].size;

        if (src[i].is_rendition) {
            if (resolve_rendition(fs, c, &wm, &src[i]) < 0) {
                if (queue_missing)
                    renderq_submit(fs, &src[i].request, NULL, NULL);
                continue;
            }
            size = src[i].rendition.size;
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
        t->proto.view = src[i].request.view;
        view_name(&photos[i], src[i].request.view, t->name, sizeof t->name);
        fill_file(fs, w, size, photos[i].mtime, &t->st);
    }
    free(src);
    free(photos);
    return rc;
}

int tree_list(struct afs *fs, const struct node *dir, struct tree_entry **entries, size_t *n)
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
        rc = list_viewdir(fs, c, dir, &l);
        break;
    case NODE_SET:
    case NODE_VIEWSET:
        rc = list_photos(fs, c, dir, &l, true);
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
    return 0;
}

/* ---- one child by name ---- */

/* Split a view name back into the photo name it came from: "X.png.jpg" may be
 * the proof of "X.png", and "X.jpg" is its own name. */
static int photo_by_view_name(struct af_catalog *c, int64_t set_id, const char *name,
                              struct cat_photo *p)
{
    size_t len = strlen(name);
    char base[AF_NAME_MAX + 1];
    int rc = catalog_photo_by_name(c, set_id, name, p);

    if (rc != -ENOENT || len <= 4 || len - 4 > AF_NAME_MAX || !is_jpeg_name(name) ||
        g_ascii_strcasecmp(name + len - 4, ".jpg") != 0)
        return rc;
    memcpy(base, name, len - 4);
    base[len - 4] = '\0';
    return catalog_photo_by_name(c, set_id, base, p);
}

int tree_child(struct afs *fs, const struct node *dir, const char *name, struct tree_entry *out)
{
    struct af_catalog *c = afs_catalog(fs);
    struct lister l = {0};
    int rc;

    memset(out, 0, sizeof *out);
    if (!c)
        return -EIO;
    if (!dir->world)
        return -ENOENT;
    if (dir->kind == NODE_SET || dir->kind == NODE_VIEWSET) {
        /* One photo: find it by name rather than listing the whole set. */
        struct world *w = dir->world;
        struct cat_album a;
        struct cat_set s;
        struct cat_photo p;
        struct file_source src;
        struct watermark_settings wm;
        char want[AF_NAME_MAX + 8];
        af_time now = (af_time)time(NULL);
        enum af_view view = 0;

        if ((rc = catalog_album_by_id(c, dir->album_id, &a)) < 0 ||
            (rc = catalog_set_by_id(c, dir->set_id, &s)) < 0 ||
            (rc = photo_by_view_name(c, s.id, name, &p)) < 0 ||
            (rc = renditions_watermark(c, &wm)) < 0)
            return rc == -ENOENT ? -ENOENT : rc;
        pthread_rwlock_rdlock(&fs->worlds_lock);
        {
            struct af_entry e;

            entry_for_set(&a, &s, &e);
            if (!policy_may_see(&w->who.subject, &e, now) ||
                (dir->kind == NODE_VIEWSET && !(set_views(w, &a, &s, now) & dir->view))) {
                rc = -ENOENT;
            } else {
                entry_for_photo(&a, &s, &p, &e);
                view = policy_may_see(&w->who.subject, &e, now) ? folder_view(w, dir, &e, now) : 0;
                rc = view ? decide_file(w, &a, &s, &p, view, now, &src) : -ENOENT;
            }
        }
        pthread_rwlock_unlock(&fs->worlds_lock);
        if (rc < 0)
            return -ENOENT; /* visible-but-not-this-view is still "no such file" here */
        view_name(&p, view, want, sizeof want);
        if (strcmp(want, name) != 0)
            return -ENOENT; /* e.g. "X.png" asked where only "X.png.jpg" exists */
        out->proto.kind = NODE_FILE;
        out->proto.world = w;
        out->proto.album_id = a.id;
        out->proto.set_id = s.id;
        out->proto.photo_id = p.id;
        out->proto.view = view;
        snprintf(out->name, sizeof out->name, "%s", name);
        if (src.is_rendition) {
            rc = resolve_rendition(fs, c, &wm, &src);
            if (rc < 0)
                return -EAGAIN; /* tree_source gives the request to render */
            fill_file(fs, w, src.rendition.size, p.mtime, &out->st);
        } else {
            fill_file(fs, w, p.size, p.mtime, &out->st);
        }
        return 0;
    }
    /* Albums, sets and view folders: few entries; list and pick. */
    rc = tree_list(fs, dir, &l.v, &l.n);
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

/* ---- a known node ---- */

/* Whether a set folder (or a set's folder in a view folder) still exists
 * for its person. */
static int set_folder_visible(struct afs *fs, struct af_catalog *c, const struct node *n)
{
    struct world *w = n->world;
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
    if (!policy_may_see(&w->who.subject, &e, now) ||
        (n->kind == NODE_VIEWSET && !(set_views(w, &a, &s, now) & n->view)))
        rc = -ENOENT;
    pthread_rwlock_unlock(&fs->worlds_lock);
    return rc;
}

int tree_source(struct afs *fs, const struct node *n, struct file_source *src)
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
    if ((rc = catalog_album_by_id(c, n->album_id, &a)) < 0 ||
        (rc = catalog_photo_by_id(c, n->photo_id, &p)) < 0 ||
        (rc = catalog_set_by_id(c, p.set_id, &s)) < 0)
        return rc == -ENOENT ? -ENOENT : rc;
    if (p.set_id != n->set_id || p.trashed)
        return -ENOENT; /* moved or deleted since the kernel learnt this name */
    pthread_rwlock_rdlock(&fs->worlds_lock);
    rc = decide_file(w, &a, &s, &p, n->view, now, src);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (rc < 0 || !src->is_rendition)
        return rc;
    /* Only a rendition's id depends on the watermark: an original's
     * getattr, getxattr and open skip these four settings reads
     * (bench/README.md: a warm ls -lR is two getxattr per file). */
    if ((rc = renditions_watermark(c, &wm)) < 0)
        return rc;
    return resolve_rendition(fs, c, &wm, src);
}

int tree_stat(struct afs *fs, const struct node *n, struct stat *st)
{
    struct af_catalog *c = afs_catalog(fs);
    struct tree_entry *entries = NULL;
    size_t count = 0;
    nlink_t subdirs = 0;
    af_time mtime = fs->started;
    int rc;

    if (n->kind == NODE_FILE) {
        struct file_source src;

        rc = tree_source(fs, n, &src);
        if (rc < 0)
            return rc;
        fill_file(fs, n->world, src.size, src.mtime, st);
        return 0;
    }
    if (!n->world) { /* multi-user root: only the people's folders */
        fill_dir(fs, NULL, fs->started, 2, st);
        st->st_mode = S_IFDIR | 0555;
        return 0;
    }
    if (!c)
        return -EIO;
    if (n->kind == NODE_ALBUM || n->kind == NODE_VIEWDIR) {
        struct cat_album a;

        if ((rc = catalog_album_by_id(c, n->album_id, &a)) < 0)
            return rc;
        mtime = a.mtime;
    } else if (n->kind == NODE_SET || n->kind == NODE_VIEWSET) {
        struct cat_set s;

        if ((rc = catalog_set_by_id(c, n->set_id, &s)) < 0)
            return rc;
        mtime = s.mtime;
    }
    /* Listing checks the folder is still visible; its link count is 2 plus
     * the subfolders it shows. Sets hold only files: no need to list. */
    if (n->kind == NODE_SET || n->kind == NODE_VIEWSET) {
        rc = set_folder_visible(fs, c, n);
        if (rc < 0)
            return rc;
    } else {
        rc = tree_list(fs, n, &entries, &count);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < count; i++)
            subdirs += S_ISDIR(entries[i].st.st_mode) ? 1 : 0;
        free(entries);
    }
    fill_dir(fs, n->world, mtime, 2 + subdirs, st);
    return 0;
}
