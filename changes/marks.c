/* marks.c — marking photos private and taking marks off (see marks.h). */
#include "changes/marks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "changes/changes_private.h"

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

int change_mark_private(struct af_catalog *c, const struct change_actor *a, int64_t photo_id,
                        bool on)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    enum af_marker was;
    enum af_role role;
    bool studio;
    char mine[32];
    int rc;

    if ((rc = catalog_begin(c)) < 0)
        return rc;
    if ((rc = change_load_photo(c, photo_id, &t)) < 0)
        return change_end(c, rc);
    rc = policy_may_see(a->who, &t.entry, now) ? 0 : -ENOENT;
    if (rc == 0)
        rc = policy_may_mark_private(a->who, &t.entry, now);
    if (rc < 0)
        return change_end(c, rc);
    role = change_actor_role(a, t.album.id, now, NULL);
    studio = role >= AF_ROLE_EDITOR;
    if (studio)
        snprintf(mine, sizeof mine, "owner");
    else
        catalog_person_key(&a->person, mine, sizeof mine);
    was = marks_marker(&t.photo);
    /* Already so: unmarked, or marked (unless the studio takes over a
     * client's mark). */
    if (t.photo.is_private == on && (!on || !studio || was == AF_MARKER_STUDIO))
        return change_end(c, 0);
    rc = policy_may_set_private(role, was);
    if (rc == 0)
        rc = catalog_photo_set_private(c, photo_id, on, mine);
    if (rc == 0)
        rc = change_record(c, a, on ? "private-marked" : "private-unmarked", t.album.id,
                           photo_id, t.photo.name, now);
    return change_end(c, rc < 0 ? rc : 1);
}
