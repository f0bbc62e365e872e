/* folders.c — changes to sets and albums (see folders.h).
 *
 * Editors create, rename and delete sets (SPEC §3: "create/rename sets");
 * a set's visibility decides which grants see it, and renaming an album
 * changes every mount's folder of it: studio decisions, the owner's alone.
 */
#include "changes/folders.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "changes/changes_private.h"

int change_set_name_check(const char *name, const char **why)
{
    int rc = names_check(name, why);

    if (rc < 0)
        return rc;
    return names_check_reserved_in_album(name, why);
}

int change_set_create(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                      const char *name, enum af_visibility vis, int64_t *set_id)
{
    af_time now = (af_time)time(NULL);
    char detail[AF_NAME_MAX + 32];
    struct change_target t;
    int64_t id = 0;
    int rc = change_set_name_check(name, NULL);

    if (rc < 0 || (rc = change_begin(c, a, CHANGE_ON_ALBUM, album_id, now, &t)) < 0)
        return rc;
    rc = catalog_set_create(c, album_id, name, vis, &id);
    snprintf(detail, sizeof detail, "%s (%s)", name, policy_visibility_name(vis));
    if (rc == 0)
        rc = change_record(c, a, "set-created", album_id, 0, detail, now);
    rc = change_end(c, rc);
    if (rc == 0 && set_id)
        *set_id = id;
    return rc;
}

int change_set_rename(struct af_catalog *c, const struct change_actor *a, int64_t set_id,
                      const char *new_name)
{
    af_time now = (af_time)time(NULL);
    char detail[2 * AF_NAME_MAX + 8];
    struct change_target t;
    int rc = change_set_name_check(new_name, NULL);

    if (rc < 0 || (rc = change_begin(c, a, CHANGE_ON_SET, set_id, now, &t)) < 0)
        return rc;
    if (strcmp(t.set.name, new_name) == 0)
        return change_end(c, 0);
    rc = catalog_set_rename(c, set_id, new_name);
    snprintf(detail, sizeof detail, "%s -> %s", t.set.name, new_name);
    if (rc == 0)
        rc = change_record(c, a, "set-renamed", t.album.id, 0, detail, now);
    return change_end(c, rc);
}

int change_set_delete(struct af_catalog *c, const struct change_actor *a, int64_t set_id)
{
    af_time now = (af_time)time(NULL);
    struct change_target t;
    int rc = change_begin(c, a, CHANGE_ON_SET, set_id, now, &t);

    if (rc < 0)
        return rc;
    rc = catalog_set_delete(c, set_id, now);
    if (rc == 0)
        rc = change_record(c, a, "set-deleted", t.album.id, 0, t.set.name, now);
    return change_end(c, rc);
}

int change_set_visibility(struct af_catalog *c, const struct change_actor *a, int64_t set_id,
                          enum af_visibility vis)
{
    af_time now = (af_time)time(NULL);
    char detail[AF_NAME_MAX + 32];
    struct change_target t;
    int rc = change_begin(c, a, CHANGE_ON_SET, set_id, now, &t);

    if (rc < 0)
        return rc;
    rc = policy_may_administer(a->who);
    if (rc < 0 || t.set.visibility == vis)
        return change_end(c, rc);
    rc = catalog_set_visibility(c, set_id, vis);
    snprintf(detail, sizeof detail, "%s: %s -> %s", t.set.name,
             policy_visibility_name(t.set.visibility), policy_visibility_name(vis));
    if (rc == 0)
        rc = change_record(c, a, "visibility-changed", t.album.id, 0, detail, now);
    return change_end(c, rc);
}

int change_album_rename(struct af_catalog *c, const struct change_actor *a, int64_t album_id,
                        const char *new_name)
{
    af_time now = (af_time)time(NULL);
    char detail[2 * AF_NAME_MAX + 8];
    struct change_target t;
    int rc = names_check(new_name, NULL);

    /* Hidden: -ENOENT; an editor: -EPERM (modify allows, administer not). */
    if (rc < 0 || (rc = change_begin(c, a, CHANGE_ON_ALBUM, album_id, now, &t)) < 0)
        return rc;
    rc = policy_may_administer(a->who);
    if (rc < 0 || strcmp(t.album.name, new_name) == 0)
        return change_end(c, rc);
    rc = catalog_album_rename(c, album_id, new_name);
    snprintf(detail, sizeof detail, "%s -> %s", t.album.name, new_name);
    if (rc == 0)
        rc = change_record(c, a, "album-renamed", album_id, 0, detail, now);
    return change_end(c, rc);
}
