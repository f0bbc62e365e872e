/* backup_settings.h — 'albumctl backup settings' (private to tools/):
 * the default destination, the schedule and the keep policy of backups
 * (backup/schedule.h), shown with the last backup and the next one due.
 */
#ifndef ALBUMCTL_BACKUP_SETTINGS_H
#define ALBUMCTL_BACKUP_SETTINGS_H

#include "tools/cli.h"

#define BACKUP_SETTINGS_HELP                                                                \
    "With no option, shows the settings, the last backup and when the next is due.\n"     \
    "Changes are recorded as backup-settings-changed.\n"                                  \
    "\n"                                                                                  \
    "options:\n"                                                                          \
    "  --destination DIR  the repository 'backup', 'list', 'verify' and 'forget' use\n"  \
    "                     when DEST is not given (absolute; '' for none)\n"               \
    "  --schedule WHEN    hourly, daily or weekly: 'backup --if-due' (the\n"              \
    "                     albumfs-backup timer) backs up when none succeeded this\n"      \
    "                     hour, day or week (local time); off: never\n"                  \
    "  --keep-daily N, --keep-weekly N, --keep-monthly N\n"                               \
    "                     the policy a scheduled backup then forgets and prunes by,\n"   \
    "                     and 'backup forget' without options (0 each: keep all)"

int backup_settings_run(struct cli *cli, int argc, char **argv);

/* The members "schedule", "last_backup", "next_due" ("now" when one is
 * due; null when off or none) and "overdue" of a JSON object. */
struct schedule_state;
void backup_schedule_json(struct json *j, const struct schedule_state *st);

#endif
