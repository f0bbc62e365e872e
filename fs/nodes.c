/* nodes.c — the inode table of a mount.
 *
 * Node ids (the kernel's handles for entries) are handed out in order as
 * the kernel first meets an entry and are never reused. They are not what
 * people see: st_ino and d_ino are nodes_public_ino, a keyed hash (a
 * subkey of the library key) of the entry's identity — its kind, view,
 * album, set and photo, and the uid whose world it is in. So an inode
 * number depends on nothing but what it names: on a multi-user mount one
 * person cannot count, from gaps in their own numbers, what another person
 * looked at, and numbers stay the same across remounts. A node lives while
 * the kernel holds lookups on it (counted from lookup and readdirplus,
 * released by forget); the root lives for the whole mount. Everything here
 * but nodes_public_ino (pure) runs under fs->nodes_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fs/daemon.h"

static char *make_key(fuse_ino_t parent, const char *name)
{
    return g_strdup_printf("%lu/%s", (unsigned long)parent, name);
}

static void node_free(gpointer p)
{
    struct node *n = p;

    g_free(n->name);
    g_free(n->key);
    g_free(n);
}

int nodes_init(struct afs *fs)
{
    struct node *root;

    pthread_mutex_init(&fs->nodes_lock, NULL);
    fs->by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
    fs->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    root = g_new0(struct node, 1);
    root->ino = FUSE_ROOT_ID;
    root->parent = FUSE_ROOT_ID;
    root->kind = NODE_ROOT;
    root->world = fs->single;
    root->name = g_strdup("");
    root->key = g_strdup("");
    root->nlookup = 1; /* never forgotten */
    g_hash_table_insert(fs->by_ino, &root->ino, root);
    fs->next_ino = FUSE_ROOT_ID + 1;
    return 0;
}

void nodes_release(struct afs *fs)
{
    if (fs->by_key)
        g_hash_table_destroy(fs->by_key);
    if (fs->by_ino)
        g_hash_table_destroy(fs->by_ino);
    fs->by_key = fs->by_ino = NULL;
    pthread_mutex_destroy(&fs->nodes_lock);
}

/* Same identity: the same thing seen the same way by the same person. */
static bool same_identity(const struct node *a, const struct node *b)
{
    return a->kind == b->kind && a->world == b->world && a->view == b->view &&
           a->album_id == b->album_id && a->set_id == b->set_id && a->photo_id == b->photo_id;
}

static void unindex(struct afs *fs, struct node *n)
{
    struct node *cur = g_hash_table_lookup(fs->by_key, n->key);

    if (cur == n)
        g_hash_table_remove(fs->by_key, n->key);
}

struct node *nodes_lookup(struct afs *fs, fuse_ino_t parent, const char *name,
                          const struct node *proto)
{
    char *key = make_key(parent, name);
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_key, key);
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
        n->key = key;
        key = NULL;
        g_hash_table_insert(fs->by_ino, &n->ino, n);
        g_hash_table_insert(fs->by_key, n->key, n);
    }
    n->nlookup++;
    pthread_mutex_unlock(&fs->nodes_lock);
    g_free(key);
    return n;
}

bool nodes_get(struct afs *fs, fuse_ino_t ino, struct node *out)
{
    struct node *n;

    pthread_mutex_lock(&fs->nodes_lock);
    n = g_hash_table_lookup(fs->by_ino, &ino);
    if (n) {
        *out = *n;
        out->name = NULL; /* not owned by the copy */
        out->key = NULL;
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
        k++;
    }
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

uint64_t nodes_public_ino(const struct afs *fs, const struct node *n)
{
    struct {
        uint64_t uid, kind, view;
        int64_t album_id, set_id, photo_id;
    } what;
    unsigned char h[8];
    uint64_t ino = 0;

    if (n->ino == FUSE_ROOT_ID)
        return FUSE_ROOT_ID;
    memset(&what, 0, sizeof what);
    what.uid = fs->cfg.multi_user && n->world ? (uint64_t)n->world->uid + 1 : 0;
    what.kind = (uint64_t)n->kind;
    what.view = (uint64_t)n->view;
    what.album_id = n->album_id;
    what.set_id = n->set_id;
    what.photo_id = n->photo_id;
    crypto_generichash(h, sizeof h, (const unsigned char *)&what, sizeof what, fs->ino_key,
                       sizeof fs->ino_key);
    for (size_t i = 0; i < sizeof h; i++)
        ino = ino << 8 | h[i];
    /* Clear of the root's number and of the "unknown" answers. */
    return ino > FUSE_ROOT_ID && ino != 0xffffffffu ? ino : ino + 2;
}
