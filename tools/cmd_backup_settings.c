/* cmd_backup_settings.c — 'albumctl backup settings' (see
 * backup_settings.h): sets the backup settings given (one transaction,
 * recorded as backup-settings-changed) and shows them all with the last
 * backup and when the next is due.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backup/schedule.h"
#include "store/timefmt.h"
#include "tools/backup_settings.h"

enum {
    OPT_DESTINATION = CLI_OPT_FIRST,
    OPT_SCHEDULE,
    OPT_KEEP_DAILY,
    OPT_KEEP_WEEKLY,
    OPT_KEEP_MONTHLY,
};

enum { SET_DESTINATION, SET_SCHEDULE, SET_KEEP_DAILY, SET_KEEP_WEEKLY, SET_KEEP_MONTHLY, N_SET };

/* Check one option's value; keep numbers are kept as given (decimal). */
static int check(struct cli *cli, int opt, const char *val, char number[16])
{
    enum backup_schedule sched;
    unsigned n;
    int st;

    switch (opt) {
    case OPT_DESTINATION:
        if (val[0] && val[0] != '/')
            return cli_usage(cli, "--destination must be an absolute path (or '' for none)");
        return CLI_OK;
    case OPT_SCHEDULE:
        if (backup_schedule_parse(val, &sched) < 0)
            return cli_usage(cli, "--schedule takes hourly, daily, weekly or off, not '%s'",
                             cli_printable(val));
        return CLI_OK;
    default:
        st = cli_parse_u32(cli, opt == OPT_KEEP_DAILY ? "keep-daily"
                                : opt == OPT_KEEP_WEEKLY ? "keep-weekly" : "keep-monthly",
                           val, 0, BACKUP_KEEP_MAX, &n);
        snprintf(number, 16, "%u", n);
        return st;
    }
}

void backup_schedule_json(struct json *j, const struct schedule_state *st)
{
    char last[32], next[32];

    timefmt_print(st->last_success, last, sizeof last);
    timefmt_print(st->next_due, next, sizeof next);
    json_kv_string(j, "schedule", backup_schedule_name(st->schedule));
    json_key(j, "last_backup");
    if (st->last_success)
        json_string(j, last);
    else
        json_null(j);
    json_key(j, "next_due");
    if (st->schedule == BACKUP_SCHEDULE_OFF)
        json_null(j);
    else
        json_string(j, st->due ? "now" : next);
    json_kv_bool(j, "overdue", st->overdue);
}

static void show(struct cli *cli, const struct backup_settings *set,
                 const struct schedule_state *sched)
{
    const struct forget_policy *k = &set->keep;
    char last[32], next[32];
    bool keep_all = !k->daily && !k->weekly && !k->monthly;

    timefmt_print(sched->last_success, last, sizeof last);
    if (sched->due)
        snprintf(next, sizeof next, "now");
    else
        timefmt_print(sched->next_due, next, sizeof next);
    if (!cli->json) {
        printf("destination: %s\n", set->destination[0] ? set->destination : "(none)");
        printf("schedule: %s\n", backup_schedule_name(set->schedule));
        if (keep_all)
            printf("keep: every snapshot\n");
        else
            printf("keep: %u daily, %u weekly, %u monthly\n", k->daily, k->weekly, k->monthly);
        printf("last backup: %s\n", last);
        if (set->schedule != BACKUP_SCHEDULE_OFF)
            printf("next due: %s%s\n", next, sched->overdue ? " (overdue)" : "");
        return;
    }
    json_object_begin(&cli->out);
    json_key(&cli->out, "destination");
    if (set->destination[0])
        json_string(&cli->out, set->destination);
    else
        json_null(&cli->out);
    json_key(&cli->out, "keep");
    json_object_begin(&cli->out);
    json_kv_int(&cli->out, "daily", k->daily);
    json_kv_int(&cli->out, "weekly", k->weekly);
    json_kv_int(&cli->out, "monthly", k->monthly);
    json_object_end(&cli->out);
    backup_schedule_json(&cli->out, sched);
    json_object_end(&cli->out);
    json_finish(&cli->out);
}

int backup_settings_run(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"destination", required_argument, NULL, OPT_DESTINATION},
        {"schedule", required_argument, NULL, OPT_SCHEDULE},
        {"keep-daily", required_argument, NULL, OPT_KEEP_DAILY},
        {"keep-weekly", required_argument, NULL, OPT_KEEP_WEEKLY},
        {"keep-monthly", required_argument, NULL, OPT_KEEP_MONTHLY},
        CLI_COMMON_OPTIONS,
    };
    struct cli_setting set[N_SET] = {
        [SET_DESTINATION] = {BACKUP_SETTING_DESTINATION, NULL},
        [SET_SCHEDULE] = {BACKUP_SETTING_SCHEDULE, NULL},
        [SET_KEEP_DAILY] = {BACKUP_SETTING_KEEP_DAILY, NULL},
        [SET_KEEP_WEEKLY] = {BACKUP_SETTING_KEEP_WEEKLY, NULL},
        [SET_KEEP_MONTHLY] = {BACKUP_SETTING_KEEP_MONTHLY, NULL},
    };
    char numbers[N_SET][16];
    struct backup_settings now;
    struct schedule_state sched;
    bool any = false;
    int c, st = CLI_OK, err;

    while (st == CLI_OK && (c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        int i = c - OPT_DESTINATION;

        st = check(cli, c, optarg, numbers[i]);
        set[i].value = c >= OPT_KEEP_DAILY ? numbers[i] : optarg;
        any = true;
    }
    if (st != CLI_OK)
        return st;
    if (c < 0)
        return CLI_USAGE;
    if (argc != optind)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st == CLI_OK && any)
        st = cli_save_settings(cli, set, N_SET, "backup-settings-changed", "the backup settings");
    if (st != CLI_OK)
        return st;
    err = backup_settings_state(cli_catalog(cli), cli->now, &now, &sched);
    if (err)
        return cli_fail_errno(cli, err, "reading the backup settings");
    show(cli, &now, &sched);
    return CLI_OK;
}
