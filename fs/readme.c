/* readme.c — the READ ME.txt file in every album folder of a mount.
 *
 * Each album a person sees holds a read-only file READ ME.txt (the name is
 * reserved for sets: policy/names.h) with the album's rules for that
 * person, in the words of policy/rules_text.h: their role, what they can
 * do and how, how many high-res photos remain right now, and when access
 * ends. It names nothing hidden from them (rules_text names no set).
 * Its text is made afresh for every stat and every open, so it is always
 * the truth of that moment: its size in a stat is the length of the text
 * made then, an open keeps the text it made (a reader reads one version
 * to its end), and the kernel caches neither (attributes never cached,
 * ops_dir.c; opened with direct_io, ops_file.c), so a size never disagrees
 * with the bytes a read returns unless the rules changed in between.
 * Reading it is no download and charges nothing. It cannot be written,
 * renamed, removed or marked (EROFS / EPERM, ops_write.c, edits.c).
 * Locks: worlds_lock (read) while the person's grants are read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/daemon.h"

int readme_text(struct afs *fs, struct af_catalog *c, struct world *w, const struct cat_album *a,
                char **text, size_t *len)
{
    struct rules_facts f;
    struct af_entry e;
    af_time now = (af_time)time(NULL);
    bool seen;
    int rc;

    *text = NULL;
    *len = 0;
    entry_for_album(a, &e);
    pthread_rwlock_rdlock(&fs->worlds_lock);
    seen = policy_may_see(&w->who.subject, &e, now);
    if (seen)
        rules_facts_for(&w->who.subject, a->id, a->clients_may_mark_private, now, &f);
    pthread_rwlock_unlock(&fs->worlds_lock);
    if (!seen)
        return -ENOENT;
    rc = subject_rules_pools(c, &f);
    if (rc < 0)
        return rc;
    *text = rules_text(&f, a->name, RULES_IN_GALLERY);
    if (!*text)
        return -ENOMEM;
    *len = strlen(*text);
    return 0;
}

int readme_of(struct afs *fs, const struct node *n, char **text, size_t *len, struct stat *st)
{
    struct af_catalog *c = afs_catalog(fs);
    struct cat_album a;
    int rc;

    *text = NULL;
    *len = 0;
    if (!c)
        return -EIO;
    if (n->kind != NODE_README || !n->world)
        return -ENOENT;
    if ((rc = catalog_album_by_id(c, n->album_id, &a)) < 0 ||
        (rc = readme_text(fs, c, n->world, &a, text, len)) < 0)
        return rc;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_uid = n->world->uid;
    st->st_gid = n->world->gid;
    st->st_size = (off_t)*len;
    st->st_blocks = (blkcnt_t)((*len + 511) / 512);
    st->st_blksize = 65536;
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)a.mtime;
    return 0;
}
