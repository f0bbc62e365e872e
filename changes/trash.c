/* trash.c — the trash's window and its end (see trash.h).
 *
 * The window is the setting "trash.window": whole seconds, written by
 * change_trash_set_window only. The end of the window purges each photo in
 * its own transaction (change_purge_as), as the owner would, recorded by
 * the actor "albumfs": a busy catalog stops it after what it did, and the
 * next run goes on.
 */
#include "changes/trash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "changes/changes_private.h"

int change_trash_window(struct af_catalog *c, af_time *out)
{
    char text[32], *end;
    long long v;
    int rc;

    *out = CHANGE_TRASH_WINDOW_DEFAULT;
    rc = catalog_setting_get(c, CHANGE_TRASH_WINDOW_KEY, text, sizeof text);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    errno = 0;
    v = strtoll(text, &end, 10);
    /* Only change_trash_set_window writes it; anything else was not. */
    if (errno || *end || v < CHANGE_TRASH_WINDOW_MIN || v > CHANGE_TRASH_WINDOW_MAX)
        return -EIO;
    *out = (af_time)v;
    return 0;
}

int change_trash_set_window(struct af_catalog *c, const struct change_actor *a, af_time window)
{
    af_time now = (af_time)time(NULL);
    char text[32];
    int rc = policy_may_administer(a->who);

    if (rc < 0)
        return rc;
    if (window < CHANGE_TRASH_WINDOW_MIN || window > CHANGE_TRASH_WINDOW_MAX)
        return -EINVAL;
    snprintf(text, sizeof text, "%" PRId64, (int64_t)window);
    if ((rc = catalog_begin(c)) < 0)
        return rc;
    rc = catalog_setting_set(c, CHANGE_TRASH_WINDOW_KEY, text);
    if (rc == 0)
        rc = change_record(c, a, "trash-window", 0, 0, text, now);
    return change_end(c, rc);
}

int change_trash_expire(struct af_library *lib, struct af_catalog *c, af_time now)
{
    struct af_subject_buf owner;
    struct change_actor a;
    struct cat_trashed *rows = NULL;
    af_time window;
    size_t n = 0;
    int rc, purged = 0;

    if ((rc = change_trash_window(c, &window)) < 0)
        return rc;
    if ((rc = catalog_trash(c, 0, now - window, &rows, &n)) < 0)
        return rc;
    change_actor_owner(&a, &owner);
    a.label = "albumfs";
    for (size_t i = 0; i < n && rc >= 0; i++) {
        rc = change_purge_as(lib, c, &a, rows[i].photo.id, " (the trash's window ended)");
        if (rc == 0)
            purged++;
        else if (rc == -ENOENT)
            rc = 0; /* purged or restored meanwhile */
    }
    free(rows);
    return rc < 0 ? rc : purged;
}
