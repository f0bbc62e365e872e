/* schedule.h — the backup settings, when a scheduled backup is due, and
 * telling the owner when backups are overdue (docs/backup.md, "Automatic
 * backups").
 *
 * Settings (library settings, set with 'albumctl backup settings'):
 *   backup.destination   the default repository (absolute path; "" none)
 *   backup.schedule      hourly, daily or weekly; unset or "off": none
 *   backup.keep_daily, backup.keep_weekly, backup.keep_monthly
 *                        the forget policy applied after each scheduled
 *                        backup and by 'backup forget' without --keep-*
 *                        (all 0 or unset: every snapshot is kept)
 * Due: a backup is due when none succeeded in the current period — this
 * hour, this day, this ISO week (from Monday) in the machine's local time —
 * so a timer running 'albumctl backup --if-due' every hour makes one backup
 * per period, at its first run in the period, however long backups take.
 * Overdue: a whole period went by without a successful backup, counted
 * from the last success or from the last change of the backup settings,
 * whichever is later (a new schedule does not complain about the time
 * before it). Successes are the activity log's "backup" events, settings
 * changes its "backup-settings-changed" events.
 * Stateless; each call uses the catalog connection it is given.
 */
#ifndef ALBUMFS_BACKUP_SCHEDULE_H
#define ALBUMFS_BACKUP_SCHEDULE_H

#include <limits.h>
#include <stdbool.h>

#include "backup/forget.h"
#include "store/library.h"

#define BACKUP_SETTING_DESTINATION "backup.destination"
#define BACKUP_SETTING_SCHEDULE "backup.schedule"
#define BACKUP_SETTING_KEEP_DAILY "backup.keep_daily"
#define BACKUP_SETTING_KEEP_WEEKLY "backup.keep_weekly"
#define BACKUP_SETTING_KEEP_MONTHLY "backup.keep_monthly"
#define BACKUP_KEEP_MAX 100000u

enum backup_schedule {
    BACKUP_SCHEDULE_OFF = 0,
    BACKUP_SCHEDULE_HOURLY,
    BACKUP_SCHEDULE_DAILY,
    BACKUP_SCHEDULE_WEEKLY,
};

struct backup_settings {
    char destination[PATH_MAX];    /* "" when none is set */
    enum backup_schedule schedule;
    struct forget_policy keep;     /* all 0: keep every snapshot */
};

/* Read the settings (unset ones as above; a value that does not parse
 * counts as unset). 0 or a catalog error. */
int backup_settings_load(struct af_catalog *c, struct backup_settings *out);

/* "off", "hourly", "daily", "weekly" and back: 0 or -EINVAL. */
const char *backup_schedule_name(enum backup_schedule s);
int backup_schedule_parse(const char *text, enum backup_schedule *out);

/* Where a schedule stands at `now`. */
struct schedule_state {
    enum backup_schedule schedule;
    af_time last_success; /* the latest "backup" event; 0: never */
    af_time since;        /* what "overdue" counts from */
    af_time next_due;     /* now when due, else when the next period begins; 0 when off */
    bool due;
    bool overdue;
};
int schedule_state(struct af_catalog *c, enum backup_schedule s, af_time now,
                   struct schedule_state *out);

/* backup_settings_load and schedule_state of its schedule at `now`. */
int backup_settings_state(struct af_catalog *c, af_time now, struct backup_settings *set,
                          struct schedule_state *st);

/* After a failed backup (to dest, failing with why): when st is overdue,
 * queue the "backup-overdue" message to the owner and record the event
 * "backup-overdue" (one transaction), at most once a day, then deliver
 * what is due when a delivery command is set. 1 when the owner was told
 * now, 0 when not needed or told within the day, -ENOENT when no
 * notify.owner is set (the event is recorded all the same), or errno. */
int schedule_notify_overdue(struct af_library *lib, const struct schedule_state *st,
                            const char *dest, const char *why, af_time now);

#endif
