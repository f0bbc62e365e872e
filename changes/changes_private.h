/* changes_private.h — what the files of changes/ share (private to it):
 * loading the rows a change is about, and ending its transaction.
 * No state; one thread per catalog connection, as everywhere in changes/.
 */
#ifndef ALBUMFS_CHANGES_PRIVATE_H
#define ALBUMFS_CHANGES_PRIVATE_H

#include <stdint.h>

#include "changes/actor.h"
#include "store/library.h"

/* A photo with its set and album, and its policy entry. */
struct change_target {
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    struct af_entry entry;
};

/* Load photo_id (in the trash or not; its set even if deleted) into *t.
 * 0 or -ENOENT / catalog errno. Call inside the change's transaction. */
int change_load_photo(struct af_catalog *c, int64_t photo_id, struct change_target *t);

/* A set (not deleted) and its album into *t (t->photo zeroed); t->entry
 * is the set's entry. 0 or -ENOENT / catalog errno. */
int change_load_set(struct af_catalog *c, int64_t set_id, struct change_target *t);

/* An album into *t (set and photo zeroed); t->entry is the album's. */
int change_load_album(struct af_catalog *c, int64_t album_id, struct change_target *t);

/* What a change is about. */
enum change_on {
    CHANGE_ON_ALBUM,   /* an album */
    CHANGE_ON_SET,     /* a live set */
    CHANGE_ON_PHOTO,   /* a photo not in the trash */
    CHANGE_ON_TRASHED, /* a photo in the trash */
    CHANGE_ON_ANY_PHOTO, /* a photo, in the trash or not */
};

/* Begin the change's transaction, load `on` id into *t and ask
 * policy_may_modify: 0 inside the transaction, or negative errno with it
 * ended. */
int change_begin(struct af_catalog *c, const struct change_actor *a, enum change_on on,
                 int64_t id, af_time now, struct change_target *t);

/* Record activity `kind` by a in album_id (through the grant a acts by
 * there at now) about photo_id with detail. Inside the transaction. */
int change_record(struct af_catalog *c, const struct change_actor *a, const char *kind,
                  int64_t album_id, int64_t photo_id, const char *detail, af_time now);

/* change_photo_purge with `why` appended to the activity's detail (" (the
 * trash's window ended)"; "" for none): trash.c purges through it. */
int change_purge_as(struct af_library *lib, struct af_catalog *c, const struct change_actor *a,
                    int64_t photo_id, const char *why);

/* End the transaction: commit when rc >= 0 (a failing commit's errno
 * replaces rc), roll back otherwise. Returns rc. */
int change_end(struct af_catalog *c, int rc);

#endif
