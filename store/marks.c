/* marks.c — marking photos private and taking marks off (see marks.h). */
#include "store/marks.h"

#include <stdio.h>
#include <string.h>

enum af_marker marks_marker(const struct cat_photo *p)
{
    if (!p->is_private)
        return AF_MARKER_NONE;
    /* A client's person key; anything else (and a mark from before marks
     * said who made them) is the studio's. */
    if (strncmp(p->private_by, "user:", 5) == 0 || strncmp(p->private_by, "link:", 5) == 0)
        return AF_MARKER_CLIENT;
    return AF_MARKER_STUDIO;
}

int marks_set_private(struct af_catalog *c, const struct mark_actor *by, int64_t photo_id, bool on)
{
    bool studio = by->role >= AF_ROLE_EDITOR;
    enum af_marker was;
    struct cat_photo p;
    char mine[32];
    int rc;

    if (studio)
        snprintf(mine, sizeof mine, "owner");
    else
        catalog_person_key(&by->person, mine, sizeof mine);
    if ((rc = catalog_begin(c)) < 0)
        return rc;
    if ((rc = catalog_photo_by_id(c, photo_id, &p)) < 0)
        goto fail;
    was = marks_marker(&p);
    /* Already so: unmarked, or marked (unless the studio takes over a
     * client's mark). */
    if (p.is_private == on && (!on || !studio || was == AF_MARKER_STUDIO))
        goto fail; /* rc == 0: nothing to do */
    rc = policy_may_set_private(by->role, was);
    if (rc == 0)
        rc = catalog_photo_set_private(c, photo_id, on, mine);
    if (rc == 0)
        rc = catalog_activity_add(c, on ? "private-marked" : "private-unmarked", by->label,
                                  by->grant_id, p.album_id, photo_id, p.name);
    if (rc < 0)
        goto fail;
    rc = catalog_commit(c);
    if (rc < 0)
        goto fail;
    return 1;
fail:
    catalog_rollback(c);
    return rc;
}
