/* common.c — loading a change's rows and ending its transaction
 * (changes_private.h). */
#include <errno.h>
#include <string.h>

#include "changes/changes_private.h"

int change_load_photo(struct af_catalog *c, int64_t photo_id, struct change_target *t)
{
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = catalog_photo_by_id(c, photo_id, &t->photo)) < 0 ||
        (rc = catalog_set_by_id_any(c, t->photo.set_id, &t->set)) < 0 ||
        (rc = catalog_album_by_id(c, t->photo.album_id, &t->album)) < 0)
        return rc;
    entry_for_photo(&t->album, &t->set, &t->photo, &t->entry);
    return 0;
}

int change_load_set(struct af_catalog *c, int64_t set_id, struct change_target *t)
{
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = catalog_set_by_id(c, set_id, &t->set)) < 0 ||
        (rc = catalog_album_by_id(c, t->set.album_id, &t->album)) < 0)
        return rc;
    entry_for_set(&t->album, &t->set, &t->entry);
    return 0;
}

int change_load_album(struct af_catalog *c, int64_t album_id, struct change_target *t)
{
    int rc;

    memset(t, 0, sizeof *t);
    rc = catalog_album_by_id(c, album_id, &t->album);
    if (rc == 0)
        entry_for_album(&t->album, &t->entry);
    return rc;
}

int change_begin(struct af_catalog *c, const struct change_actor *a, enum change_on on,
                 int64_t id, af_time now, struct change_target *t)
{
    int rc = catalog_begin(c);

    if (rc < 0)
        return rc;
    switch (on) {
    case CHANGE_ON_ALBUM:
        rc = change_load_album(c, id, t);
        break;
    case CHANGE_ON_SET:
        rc = change_load_set(c, id, t);
        break;
    case CHANGE_ON_PHOTO:
    case CHANGE_ON_TRASHED:
    case CHANGE_ON_ANY_PHOTO:
        rc = change_load_photo(c, id, t);
        if (rc == 0 && on != CHANGE_ON_ANY_PHOTO &&
            (t->photo.trashed != 0) != (on == CHANGE_ON_TRASHED))
            rc = -ENOENT;
        break;
    }
    if (rc == 0)
        rc = policy_may_modify(a->who, &t->entry, now);
    return rc < 0 ? change_end(c, rc) : 0;
}

int change_record(struct af_catalog *c, const struct change_actor *a, const char *kind,
                  int64_t album_id, int64_t photo_id, const char *detail, af_time now)
{
    int64_t via = 0;

    change_actor_role(a, album_id, now, &via);
    return catalog_activity_add(c, kind, a->label, via, album_id, photo_id, detail);
}

int change_end(struct af_catalog *c, int rc)
{
    if (rc >= 0) {
        int err = catalog_commit(c);
        if (err == 0)
            return rc;
        rc = err;
    }
    catalog_rollback(c);
    return rc;
}
