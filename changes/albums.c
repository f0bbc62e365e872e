/* albums.c — closing and archiving albums (albums.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "changes/albums.h"
#include "changes/changes_private.h"

/* Begin the owner's change of album_id: 0 inside the transaction with *t
 * loaded, or a negative errno with it ended. */
static int begin_owner_change(struct af_catalog *c, const struct change_actor *a,
                              int64_t album_id, af_time now, struct change_target *t)
{
    int rc = change_begin(c, a, CHANGE_ON_ALBUM, album_id, now, t);

    if (rc < 0)
        return rc;
    rc = policy_may_administer(a->who);
    return rc < 0 ? change_end(c, rc) : 0;
}

int change_album_close(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                       struct cat_grant **revoked, size_t *n)
{
    af_time now = (af_time)time(NULL);
    struct cat_grant *rows = NULL;
    struct change_target t;
    char detail[AF_EMAIL_MAX + 32];
    size_t count = 0;
    int rc;

    *revoked = NULL;
    *n = 0;
    if ((rc = begin_owner_change(c, a, album_id, now, &t)) < 0)
        return rc;
    rc = catalog_grants_unrevoked(c, CAT_GRANTS_OF_ALBUM, album_id, &rows, &count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = catalog_grant_revoke(c, rows[i].grant.id, now);
        snprintf(detail, sizeof detail, "%s %s", policy_role_name(rows[i].grant.role),
                 rows[i].principal_name);
        if (rc == 0)
            rc = catalog_activity_add(c, "grant-revoked", a->label, rows[i].grant.id, album_id,
                                      0, detail);
    }
    if (rc == 0 && count > 0) {
        snprintf(detail, sizeof detail, "%zu grant%s revoked", count, count == 1 ? "" : "s");
        rc = change_record(c, a, "album-closed", album_id, 0, detail, now);
    }
    rc = change_end(c, rc);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *revoked = rows;
    *n = count;
    return 0;
}

int change_album_archive(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                         bool on)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    int rc;

    if ((rc = begin_owner_change(c, a, album_id, now, &t)) < 0)
        return rc;
    if ((t.album.archived != 0) == on)
        return change_end(c, 0);
    rc = catalog_album_set_archived(c, album_id, on ? now : 0);
    if (rc == 0)
        rc = change_record(c, a, on ? "album-archived" : "album-unarchived", album_id, 0,
                           t.album.name, now);
    return change_end(c, rc < 0 ? rc : 1);
}
