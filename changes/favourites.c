/* favourites.c — adding and removing favourites (see favourites.h). */
#include "changes/favourites.h"

#include <time.h>

#include "changes/changes_private.h"

int change_favourite(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                     bool on)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    int rc;

    if ((rc = catalog_begin(c)) < 0)
        return rc;
    rc = change_load_photo(c, photo_id, &t);
    if (rc == 0)
        rc = policy_may_favourite(a->who, &t.entry, now);
    if (rc == 0)
        rc = catalog_favourite_set(c, &a->person, photo_id, on);
    if (rc == 1) {
        int err = change_record(c, a, on ? "favourite-added" : "favourite-removed", t.album.id,
                                photo_id, t.photo.name, now);
        if (err < 0)
            rc = err;
    }
    return change_end(c, rc);
}
