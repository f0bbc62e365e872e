/* schedule.c — backup settings, due and overdue backups (see schedule.h).
 *
 * Periods are computed in local time with mktime (tm_isdst = -1), so a
 * day is a calendar day across daylight-saving changes: the start of the
 * period holding t is t's hour (day, ISO week) with the smaller fields
 * zeroed, and the next period starts one hour (day, 7 days) later by the
 * calendar.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/schedule.h"
#include "store/notify.h"
#include "store/timefmt.h"

#define NOTIFY_EVERY (24 * 3600) /* seconds between two overdue messages */

static const char *const names[] = {
    [BACKUP_SCHEDULE_OFF] = "off",
    [BACKUP_SCHEDULE_HOURLY] = "hourly",
    [BACKUP_SCHEDULE_DAILY] = "daily",
    [BACKUP_SCHEDULE_WEEKLY] = "weekly",
};

const char *backup_schedule_name(enum backup_schedule s)
{
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "off";
}

int backup_schedule_parse(const char *text, enum backup_schedule *out)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (enum backup_schedule)i;
            return 0;
        }
    return -EINVAL;
}

/* A whole number setting into *out (unset, empty or malformed: 0). */
static int keep_setting(struct af_catalog *c, const char *key, unsigned *out)
{
    char buf[32], *end;
    unsigned long v;
    int rc = catalog_setting_get(c, key, buf, sizeof buf);

    *out = 0;
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    v = strtoul(buf, &end, 10);
    if (buf[0] >= '0' && buf[0] <= '9' && !*end && v <= BACKUP_KEEP_MAX)
        *out = (unsigned)v;
    return 0;
}

int backup_settings_load(struct af_catalog *c, struct backup_settings *out)
{
    char sched[16];
    int rc;

    memset(out, 0, sizeof *out);
    rc = catalog_setting_get(c, BACKUP_SETTING_DESTINATION, out->destination,
                             sizeof out->destination);
    if (rc == -ENOENT)
        rc = 0;
    if (rc == 0) {
        rc = catalog_setting_get(c, BACKUP_SETTING_SCHEDULE, sched, sizeof sched);
        if (rc == 0 && backup_schedule_parse(sched, &out->schedule) < 0)
            out->schedule = BACKUP_SCHEDULE_OFF;
        if (rc == -ENOENT)
            rc = 0;
    }
    if (rc == 0)
        rc = keep_setting(c, BACKUP_SETTING_KEEP_DAILY, &out->keep.daily);
    if (rc == 0)
        rc = keep_setting(c, BACKUP_SETTING_KEEP_WEEKLY, &out->keep.weekly);
    if (rc == 0)
        rc = keep_setting(c, BACKUP_SETTING_KEEP_MONTHLY, &out->keep.monthly);
    return rc;
}

/* The start of the period of s holding t (step 0), or of the one after
 * it (step 1). */
static af_time period_start(enum backup_schedule s, af_time t, int step)
{
    time_t tt = (time_t)t;
    struct tm tm;

    localtime_r(&tt, &tm);
    tm.tm_sec = 0;
    tm.tm_min = 0;
    if (s == BACKUP_SCHEDULE_HOURLY) {
        tm.tm_hour += step;
    } else {
        tm.tm_hour = 0;
        if (s == BACKUP_SCHEDULE_WEEKLY)
            tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
        tm.tm_mday += step * (s == BACKUP_SCHEDULE_WEEKLY ? 7 : 1);
    }
    tm.tm_isdst = -1;
    return (af_time)mktime(&tm);
}

int schedule_state(struct af_catalog *c, enum backup_schedule s, af_time now,
                   struct schedule_state *out)
{
    af_time changed = 0, current;
    int rc;

    memset(out, 0, sizeof *out);
    out->schedule = s;
    rc = catalog_activity_last(c, "backup", &out->last_success);
    if (rc == 0)
        rc = catalog_activity_last(c, "backup-settings-changed", &changed);
    if (rc < 0 || s == BACKUP_SCHEDULE_OFF)
        return rc;
    out->since = out->last_success > changed ? out->last_success : changed;
    current = period_start(s, now, 0);
    out->due = out->last_success < current;
    out->next_due = out->due ? now : period_start(s, now, 1);
    /* The previous period began before `since`: one whole period without
     * a backup has not gone by yet. */
    out->overdue = out->since < period_start(s, current - 1, 0);
    return 0;
}

int backup_settings_state(struct af_catalog *c, af_time now, struct backup_settings *set,
                          struct schedule_state *st)
{
    int rc = backup_settings_load(c, set);

    return rc < 0 ? rc : schedule_state(c, set->schedule, now, st);
}

int schedule_notify_overdue(struct af_library *lib, const struct schedule_state *st,
                            const char *dest, const char *why, af_time now)
{
    struct af_catalog *c = lib->catalog;
    char since[32], detail[PATH_MAX + 64];
    af_time told = 0;
    int rc, queued;

    if (!st->overdue)
        return 0;
    rc = catalog_activity_last(c, "backup-overdue", &told);
    if (rc < 0)
        return rc;
    if (told && now - told < NOTIFY_EVERY)
        return 0;
    timefmt_print(st->since, since, sizeof since);
    rc = catalog_begin(c);
    if (rc < 0)
        return rc;
    queued = notify_backup_overdue(c, lib->dir, since, backup_schedule_name(st->schedule), dest,
                                   why);
    snprintf(detail, sizeof detail, "no backup since %s%s", since,
             queued == 0 ? "; owner notified" : "");
    rc = queued == 0 || queued == -ENOENT ? 0 : queued;
    if (rc == 0)
        rc = catalog_activity_add(c, "backup-overdue", "albumfs", 0, 0, 0, detail);
    if (rc == 0)
        rc = catalog_commit(c);
    if (rc < 0) {
        catalog_rollback(c);
        return rc;
    }
    if (queued == 0 && notify_has_delivery(c))
        notify_deliver_due(c, lib->key, notify_timeout(c));
    return queued == 0 ? 1 : queued;
}
