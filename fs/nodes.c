/* nodes.c — the inode table of a mount.
 *
 * Node ids (the kernel's handles for entries) are handed out in order as
 * the kernel first meets an entry and are never reused. They are not what
 * people see: st_ino and d_ino are nodes_public_ino, a keyed hash
 * (SipHash-2-4 under a subkey of the library key) of the entry's identity:
 * its kind, view, album, set and photo, and the uid whose world it is in.
 * So an inode number depends on nothing but what it names: on a multi-user
 * mount one person cannot count, from gaps in their own numbers, what
 * another person looked at, and numbers stay the same across remounts. A
 * node lives while the kernel holds lookups on it (counted from lookup and
 * readdirplus, released by forget); the root lives for the whole mount.
 * The table is bounded (-o max_inodes, default 100,000): the kernel keeps
 * every entry it met until memory runs short, which on a big machine is
 * never, so `ls -lR` of a million photos would keep a million nodes. Beyond
 * the bound the watcher hands the oldest photo files back to the kernel
 * (nodes_over_limit, then an entry invalidation each): the kernel forgets
 * those it does not hold open, and meets them again by a new lookup, under
 * the same public inode number. Folders stay (their children hang on them).
 * A node is indexed by its parent and name (by_key, the node its own key)
 * for as long as that name means it. A rename moves the node to its new
 * place (nodes_move): the same node, the same number, as the kernel's own
 * dentry moves; an upload that becomes a photo keeps its node and takes
 * the photo's identity (nodes_rebind). A node's identity includes the
 * photo's version: a new version under a name is a new node, so the kernel
 * never mixes the pages of two versions in one inode (an open file keeps
 * reading its own).
 * Everything here but nodes_public_ino (pure) runs under fs->nodes_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fs/daemon.h"

/* by_key: a node is found by its (parent, name); lookups pass a probe. */
static guint key_hash(gconstpointer p)
{
    const struct node *n = p;

    return g_str_hash(n->name) * 31u + (guint)n->parent;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    const struct node *x = a, *y = b;

    return x->parent == y->parent && strcmp(x->name, y->name) == 0;
}

static struct node probe(fuse_ino_t parent, const char *name)
{
    return (struct node){.parent = parent, .name = (char *)name};
}

static void node_free(gpointer p)
{
    struct node *n = p;

    g_free(n->name);
    g_free(n);
}

int nodes_init(struct afs *fs)
{
    struct node *root;

    pthread_mutex_init(&fs->nodes_lock, NULL);
    fs->by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
    fs->by_key = g_hash_table_new(key_hash, key_equal);
    root = g_new0(struct node, 1);
    root->ino = FUSE_ROOT_ID;
    root->parent = FUSE_ROOT_ID;
    root->kind = NODE_ROOT;
    root->world = fs->single;
    root->name = g_strdup("");
    root->nlookup = 1; /* never forgotten */
    g_hash_table_insert(fs->by_ino, &root->ino, root);
    fs->next_ino = FUSE_ROOT_ID + 1;
    fs->file_order = g_array_new(FALSE, FALSE, sizeof(fuse_ino_t));
    fs->file_order_head = 0;
    return 0;
}

void nodes_release(struct afs *fs)
{
    if (fs->by_key)
        g_hash_table_destroy(fs->by_key);
    if (fs->by_ino)
        g_hash_table_destroy(fs->by_ino);
    fs->by_key = fs->by_ino = NULL;
    if (fs->file_order)
        g_array_free(fs->file_order, TRUE);
    fs->file_order = NULL;
    pthread_mutex_destroy(&fs->nodes_lock);
}

/* Same identity: the same thing seen the same way by the same person. */
static bool same_identity(const struct node *a, const struct node *b)
{
    return a->kind == b->kind && a->world == b->world && a->view == b->view &&
           a->album_id == b->album_id && a->set_id == b->set_id && a->photo_id == b->photo_id &&
           a->version_id == b->version_id && a->upload_id == b->upload_id;
}

/* Give n the identity of proto (its place in the tree stays). */
static void take_identity(struct node *n, const struct node *proto)
{
    n->kind = proto->kind;
    n->world = proto->world;
    n->view = proto->view;
    n->album_id = proto->album_id;
    n->set_id = proto->set_id;
    n->photo_id = proto->photo_id;
    n->version_id = proto->version_id;
    n->upload_id = proto->upload_id;
    n->seen_epoch = 0;
}

static void unindex(struct afs *fs, struct node *n)
{
    struct node *cur = g_hash_table_lookup(fs->by_key, n);

    if (cur == n)
        g_hash_table_remove(fs->by_key, n);
}

struct node *nodes_lookup(struct afs *fs, fuse_ino_t parent, const char *name,
                          const struct node *proto)
{
    struct node key = probe(parent, name);
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_key, &key);
    if (n && !same_identity(n, proto)) {
        /* The name now means something else (e.g. a photo replaced by
         * another of the same name in a new set): a new inode, and the
         * old one lives on unindexed until the kernel forgets it. */
        unindex(fs, n);
        n = NULL;
    }
    if (!n) {
        n = g_new0(struct node, 1);
        *n = *proto;
        n->ino = fs->next_ino++;
        n->parent = parent;
        n->nlookup = 0;
        n->name = g_strdup(name);
        g_hash_table_insert(fs->by_ino, &n->ino, n);
        g_hash_table_replace(fs->by_key, n, n);
        if (n->kind == NODE_FILE)
            g_array_append_val(fs->file_order, n->ino);
    }
    n->nlookup++;
    pthread_mutex_unlock(&fs->nodes_lock);
    return n;
}

bool nodes_child(struct afs *fs, fuse_ino_t parent, const char *name, struct node *out)
{
    struct node key = probe(parent, name);
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_key, &key);
    if (n) {
        *out = *n;
        out->name = NULL;
    }
    pthread_mutex_unlock(&fs->nodes_lock);
    return n != NULL;
}

void nodes_rebind(struct afs *fs, fuse_ino_t ino, const struct node *proto)
{
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_ino, &ino);
    if (n && n->ino != FUSE_ROOT_ID)
        take_identity(n, proto);
    pthread_mutex_unlock(&fs->nodes_lock);
}

void nodes_move(struct afs *fs, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                const char *newname, const struct node *proto)
{
    struct node key = probe(parent, name), newkey = probe(newparent, newname);
    struct node *n, *replaced;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_key, &key);
    replaced = g_hash_table_lookup(fs->by_key, &newkey);
    if (replaced && replaced != n)
        unindex(fs, replaced); /* the kernel dropped it; it lives until forgotten */
    if (n) {
        unindex(fs, n);
        g_free(n->name);
        n->parent = newparent;
        n->name = g_strdup(newname);
        n->seen_epoch = 0;
        if (proto)
            take_identity(n, proto);
        g_hash_table_replace(fs->by_key, n, n);
    }
    pthread_mutex_unlock(&fs->nodes_lock);
}

void nodes_note_visible(struct afs *fs, fuse_ino_t ino, int64_t epoch)
{
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_ino, &ino);
    if (n)
        n->seen_epoch = epoch;
    pthread_mutex_unlock(&fs->nodes_lock);
}

bool nodes_get(struct afs *fs, fuse_ino_t ino, struct node *out)
{
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_ino, &ino);
    if (n) {
        *out = *n;
        out->name = NULL; /* not owned by the copy */
    }
    pthread_mutex_unlock(&fs->nodes_lock);
    return n != NULL;
}

void nodes_forget(struct afs *fs, fuse_ino_t ino, uint64_t count)
{
    struct node *n;

    if (ino == FUSE_ROOT_ID)
        return;
    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_ino, &ino);
    if (n) {
        n->nlookup = count >= n->nlookup ? 0 : n->nlookup - count;
        if (n->nlookup == 0) {
            unindex(fs, n);
            g_hash_table_remove(fs->by_ino, &ino);
        }
    }
    pthread_mutex_unlock(&fs->nodes_lock);
}

size_t nodes_snapshot(struct afs *fs, struct node_ref **out)
{
    GHashTableIter it;
    gpointer value;
    struct node_ref *refs;
    size_t k = 0;

    pthread_mutex_lock(&fs->nodes_lock);
    refs = g_new0(struct node_ref, g_hash_table_size(fs->by_ino) + 1);
    g_hash_table_iter_init(&it, fs->by_ino);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const struct node *n = value;

        refs[k].parent = n->parent;
        refs[k].ino = n->ino;
        refs[k].name = g_strdup(n->name);
        refs[k].is_dir = n->kind != NODE_FILE && n->kind != NODE_README;
        k++;
    }
    pthread_mutex_unlock(&fs->nodes_lock);
    *out = refs;
    return k;
}

/* A photo file the kernel may be asked to forget: indexed under its name,
 * not an upload being written. */
static const struct node *forgettable(struct afs *fs, fuse_ino_t ino)
{
    const struct node *n = g_hash_table_lookup(fs->by_ino, &ino);

    if (!n || n->kind != NODE_FILE || n->upload_id || g_hash_table_lookup(fs->by_key, n) != n)
        return NULL;
    return n;
}

/* Drop what is behind the head, and the inodes no longer in the table once
 * they are most of the array (the array stays within about twice the
 * table). */
static void compact_file_order(struct afs *fs)
{
    GArray *a = fs->file_order;
    size_t kept = 0;

    if (a->len - fs->file_order_head <= 2 * (size_t)g_hash_table_size(fs->by_ino) + 1024)
        return;
    for (size_t i = fs->file_order_head; i < a->len; i++) {
        fuse_ino_t ino = g_array_index(a, fuse_ino_t, i);

        if (g_hash_table_contains(fs->by_ino, &ino))
            g_array_index(a, fuse_ino_t, kept++) = ino;
    }
    g_array_set_size(a, kept);
    fs->file_order_head = 0;
}

size_t nodes_over_limit(struct afs *fs, size_t max, struct node_ref **out)
{
    struct node_ref *refs = NULL;
    size_t k = 0, total, want;

    pthread_mutex_lock(&fs->nodes_lock);
    total = g_hash_table_size(fs->by_ino);
    want = total > max ? total - max + max / 8 : 0;
    if (want > fs->file_order->len - fs->file_order_head) /* folders are not handed back */
        want = fs->file_order->len - fs->file_order_head;
    if (want)
        refs = g_new0(struct node_ref, want);
    while (k < want && fs->file_order_head < fs->file_order->len) {
        fuse_ino_t ino = g_array_index(fs->file_order, fuse_ino_t, fs->file_order_head++);
        const struct node *n = forgettable(fs, ino);

        if (!n)
            continue;
        refs[k].parent = n->parent;
        refs[k].ino = n->ino;
        refs[k].name = g_strdup(n->name);
        k++;
    }
    compact_file_order(fs);
    pthread_mutex_unlock(&fs->nodes_lock);
    *out = refs;
    return k;
}

void nodes_snapshot_free(struct node_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_free(refs[i].name);
    g_free(refs);
}

_Static_assert(sizeof ((struct afs *)0)->ino_key >= crypto_shorthash_KEYBYTES,
               "the inode key holds a SipHash key");

uint64_t nodes_public_ino(const struct afs *fs, const struct node *n)
{
    struct {
        uint64_t uid, kind, view;
        int64_t album_id, set_id, photo_id, upload_id;
    } what;
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t ino = 0;

    if (n->ino == FUSE_ROOT_ID)
        return FUSE_ROOT_ID;
    memset(&what, 0, sizeof what);
    /* One world from another: a multi-user world by its uid, a gateway
     * session by its link. */
    if (fs->cfg.link_gateway && n->world)
        what.uid = (uint64_t)n->world->link.id | (UINT64_C(1) << 63);
    else if (fs->cfg.multi_user && n->world)
        what.uid = (uint64_t)n->world->uid + 1;
    what.kind = (uint64_t)n->kind;
    what.view = (uint64_t)n->view;
    /* A file is numbered by its photo (or upload) alone, so a rename or a
     * move keeps its number; folders by their album and set. */
    what.album_id = n->kind == NODE_FILE ? 0 : n->album_id;
    what.set_id = n->kind == NODE_FILE ? 0 : n->set_id;
    what.photo_id = n->photo_id;
    what.upload_id = n->upload_id;
    /* SipHash-2-4, a keyed PRF made for short inputs: computed for every
     * entry of every listing, where a keyed BLAKE2b cost a fifth of a warm
     * `find` (bench/README.md "Listings"). */
    crypto_shorthash(h, (const unsigned char *)&what, sizeof what, fs->ino_key);
    for (size_t i = 0; i < sizeof h; i++)
        ino = ino << 8 | h[i];
    /* Clear of the root's number and of the "unknown" answers. */
    return ino > FUSE_ROOT_ID && ino != 0xffffffffu ? ino : ino + 2;
}
