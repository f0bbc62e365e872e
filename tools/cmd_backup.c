/* cmd_backup.c — 'albumctl backup [run]', 'backup list', 'backup verify',
 * 'backup forget': snapshots of the library in a backup repository
 * (backup/, docs/backup.md); 'backup settings' is in cmd_backup_settings.c.
 *
 * Each subcommand opens the library (its key opens the repository) and the
 * repository at DEST (default: the backup.destination setting); 'backup'
 * and 'forget' hold the repository's lock while they run. 'backup
 * --if-due' (what the systemd timer runs) backs up only when the schedule
 * says one is due, then applies the keep policy; a failed backup while
 * backups are overdue tells the owner (backup/schedule.h).
 * Recorded in the activity: backup, backup-failed (at most one identical
 * failure an hour), backup-forget, backup-verify-failed.
 * Exit status: 0 success (or nothing due); 1 the backup failed or verify
 * found a problem (each named on stderr); 2 bad option or argument.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "backup/forget.h"
#include "backup/schedule.h"
#include "store/timefmt.h"
#include "tools/backup_settings.h"
#include "tools/cli.h"

enum {
    OPT_READ_DATA = CLI_OPT_FIRST,
    OPT_KEEP_DAILY,
    OPT_KEEP_WEEKLY,
    OPT_KEEP_MONTHLY,
    OPT_IF_DUE,
};

#define FAILURE_WINDOW 3600 /* seconds: one identical 'backup-failed' per window */

/* DEST from the argument, else the library's default destination. */
static int destination(struct cli *cli, int argc, char **argv, char dest[PATH_MAX])
{
    struct backup_settings set;
    int err;

    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one argument, DEST");
    if (argc - optind == 1) {
        snprintf(dest, PATH_MAX, "%s", argv[optind]);
        return CLI_OK;
    }
    err = backup_settings_load(cli_catalog(cli), &set);
    if (err)
        return cli_fail_errno(cli, err, "reading the default destination");
    if (!set.destination[0])
        return cli_usage(cli, "give the backup repository's folder, DEST, or set a default "
                         "with 'albumctl backup settings --destination DIR'");
    snprintf(dest, PATH_MAX, "%s", set.destination);
    return CLI_OK;
}

/* Options: the common ones (and --read-data where allowed); at most one
 * positional, DEST, into dest; the library opened. */
static int parse(struct cli *cli, int argc, char **argv, bool *read_data, char dest[PATH_MAX])
{
    static const struct option with_read[] = {
        {"read-data", no_argument, NULL, OPT_READ_DATA},
        CLI_COMMON_OPTIONS,
    };
    static const struct option plain[] = {CLI_COMMON_OPTIONS};
    int c, st;

    while ((c = cli_next_opt(cli, argc, argv, read_data ? with_read : plain)) > 0)
        if (c == OPT_READ_DATA)
            *read_data = true;
    if (c < 0)
        return CLI_USAGE;
    st = cli_open_library(cli);
    return st == CLI_OK ? destination(cli, argc, argv, dest) : st;
}

static int open_repo(struct cli *cli, const char *dest, enum repo_mode mode,
                     struct bk_repo **r)
{
    const char *why;
    int err = repo_open(dest, cli->lib->key, mode, r, &why);

    if (err == 0)
        return CLI_OK;
    if (*why)
        return cli_fail(cli, "%s: %s", cli_printable(dest), cli_why(why, err));
    return cli_fail_errno(cli, err, "cannot open the backup repository %s", cli_printable(dest));
}

/* Record an owner action in the activity log, in a transaction of its own. */
static int record(struct cli *cli, const char *kind, const char *detail)
{
    int st = cli_begin(cli);

    if (st == CLI_OK && cli_activity(cli, kind, 0, 0, 0, detail) < 0) {
        catalog_rollback(cli_catalog(cli));
        st = cli_fail(cli, "recording %s in the activity log: %s", kind,
                      catalog_errmsg(cli_catalog(cli)));
    } else if (st == CLI_OK)
        st = cli_commit(cli);
    return st;
}

static void time_text(int64_t ms, char *buf, size_t len)
{
    timefmt_print(ms / 1000, buf, len);
}

static void snapshot_json(struct json *j, const struct snapshot *s)
{
    char when[32];

    time_text(s->time_ms, when, sizeof when);
    json_kv_string(j, "snapshot", s->id);
    json_kv_string(j, "time", when);
    json_kv_int(j, "photos", (int64_t)s->photos);
    json_kv_int(j, "blobs", (int64_t)s->n_blobs + 1);
    json_kv_int(j, "size", (int64_t)s->total_bytes);
    json_kv_int(j, "new_bytes", (int64_t)s->new_bytes);
}

/* ---- forgetting (backup forget, and after a scheduled backup) ---- */

static void forget_json(struct json *j, const struct forget_result *res)
{
    json_object_begin(j);
    json_kv_int(j, "kept", (int64_t)res->kept);
    json_key(j, "forgotten");
    json_array_begin(j);
    for (size_t i = 0; i < res->n_forgotten; i++)
        json_string(j, res->forgotten[i]);
    json_array_end(j);
    json_kv_int(j, "blobs_removed", (int64_t)res->blobs_removed);
    json_kv_int(j, "bytes_freed", (int64_t)res->bytes_freed);
    json_object_end(j);
}

static void forget_text(const struct forget_result *res)
{
    printf("kept %zu snapshot%s, forgot %zu; removed %" PRIu64 " blob%s, %" PRIu64
           " bytes freed\n", res->kept, res->kept == 1 ? "" : "s", res->n_forgotten,
           res->blobs_removed, res->blobs_removed == 1 ? "" : "s", res->bytes_freed);
}

/* Apply p to the repository r (opened REPO_WRITE) at dest and record it. */
static int forget(struct cli *cli, struct bk_repo *r, const char *dest,
                  const struct forget_policy *p, struct forget_result *res)
{
    const char *why;
    gchar *detail;
    int err = backup_forget(r, p, res, &why), st;

    if (err) {
        if (*why)
            return cli_fail(cli, "%s: %s", cli_printable(dest), cli_why(why, err));
        return cli_fail_errno(cli, err, "forgetting snapshots in %s", cli_printable(dest));
    }
    detail = g_strdup_printf("kept %zu, forgot %zu, removed %" PRIu64 " blobs (%" PRIu64
                             " bytes) in %s", res->kept, res->n_forgotten, res->blobs_removed,
                             res->bytes_freed, dest);
    st = record(cli, "backup-forget", detail);
    g_free(detail);
    return st;
}

/* ---- taking a snapshot ---- */

/* A backup to dest failed for `why`: record it and, when backups are
 * overdue, tell the owner. */
static void failed(struct cli *cli, const struct schedule_state *sched, const char *dest,
                   const char *why)
{
    gchar *detail = g_strdup_printf("%s: %s", dest, why);
    char since[32];
    int err = cli_begin(cli) == CLI_OK ? 0 : -EIO;

    if (err == 0)
        err = catalog_activity_add_limited(cli_catalog(cli), "backup-failed", "owner", 0, 0, 0,
                                           detail, cli->now - FAILURE_WINDOW, 1);
    if (err >= 0)
        err = cli_commit(cli) == CLI_OK ? 0 : -EIO;
    else
        catalog_rollback(cli_catalog(cli));
    g_free(detail);
    if (sched->schedule == BACKUP_SCHEDULE_OFF)
        return;
    err = schedule_notify_overdue(cli->lib, sched, dest, why, cli->now);
    timefmt_print(sched->since, since, sizeof since);
    if (err == 1)
        cli_warn(cli, "no backup has succeeded since %s; the owner was told (notify.owner)",
                 since);
    else if (err == -ENOENT)
        cli_warn(cli, "no backup has succeeded since %s, and no owner address is set to "
                 "tell ('albumctl notify settings --owner EMAIL')", since);
    else if (err < 0)
        cli_warn(cli, "no backup has succeeded since %s, and telling the owner failed: %s",
                 since, strerror(-err));
}

static void backup_output(struct cli *cli, const char *dest, const struct snapshot *s,
                          const struct forget_result *forgot)
{
    char when[32];

    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "repository", dest);
        snapshot_json(&cli->out, s);
        json_key(&cli->out, "forget");
        if (forgot)
            forget_json(&cli->out, forgot);
        else
            json_null(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return;
    }
    time_text(s->time_ms, when, sizeof when);
    printf("snapshot %s at %s: %" PRIu64 " photos, %zu blobs, %" PRIu64 " bytes, %" PRIu64
           " new\n", s->id, when, s->photos, s->n_blobs + 1, s->total_bytes, s->new_bytes);
    if (forgot)
        forget_text(forgot);
}

/* Take a snapshot into dest; with keep (a scheduled backup's policy, or
 * NULL) forget and prune after it. */
static int take(struct cli *cli, const char *dest, const struct forget_policy *keep,
                const struct schedule_state *sched)
{
    struct forget_result forgot = {0};
    struct bk_repo *r = NULL;
    struct snapshot *s = NULL;
    struct cli_meter m;
    char bad[VAULT_ID_HEX] = "";
    gchar *msg;
    const char *why;
    bool pruned = false;
    int st = CLI_OK, err;

    err = repo_open(dest, cli->lib->key, REPO_WRITE, &r, &why);
    if (err == 0) {
        cli_meter_start(&m, cli);
        err = backup_run(cli->lib, r, cli_meter_backup, &m, &s, &why, bad);
        cli_meter_done(&m);
    }
    if (err) {
        msg = !*why ? g_strdup(strerror(-err))
              : r   ? g_strdup_printf("%s: %s", why, strerror(-err))
                    : g_strdup(cli_why(why, err));
        if (bad[0] && r)
            st = cli_fail(cli, "backup to %s failed at blob %.16s…: %s; the earlier snapshots "
                          "are intact", cli_printable(dest), bad, msg);
        else if (r)
            st = cli_fail(cli, "backup to %s failed: %s; the earlier snapshots are intact",
                          cli_printable(dest), msg);
        else
            st = cli_fail(cli, "%s: %s", cli_printable(dest), msg);
        failed(cli, sched, dest, msg);
        g_free(msg);
        repo_close(r);
        return st;
    }
    st = record(cli, "backup", s->id);
    if (st == CLI_OK && keep && (keep->daily || keep->weekly || keep->monthly)) {
        st = forget(cli, r, dest, keep, &forgot);
        pruned = st == CLI_OK;
    }
    repo_close(r);
    backup_output(cli, dest, s, pruned ? &forgot : NULL);
    free(forgot.forgotten);
    snapshot_free(s);
    return st;
}

/* --if-due when none is: say when one will be. */
static int not_due(struct cli *cli, const struct schedule_state *sched)
{
    char last[32], next[32];

    timefmt_print(sched->last_success, last, sizeof last);
    timefmt_print(sched->next_due, next, sizeof next);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_bool(&cli->out, "due", false);
        backup_schedule_json(&cli->out, sched);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (sched->schedule == BACKUP_SCHEDULE_OFF)
        printf("no backup is due: no schedule is set ('albumctl backup settings --schedule "
               "daily')\n");
    else
        printf("no backup is due: the last one was at %s; the next is due at %s (%s)\n", last,
               next, backup_schedule_name(sched->schedule));
    return CLI_OK;
}

static int run_backup(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"if-due", no_argument, NULL, OPT_IF_DUE},
        CLI_COMMON_OPTIONS,
    };
    struct backup_settings set;
    struct schedule_state sched;
    char dest[PATH_MAX];
    bool if_due = false;
    int c, st, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if (c == OPT_IF_DUE)
            if_due = true;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one argument, DEST");
    st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = backup_settings_state(cli_catalog(cli), cli->now, &set, &sched);
    if (err)
        return cli_fail_errno(cli, err, "reading the backup settings");
    if (if_due && !sched.due)
        return not_due(cli, &sched);
    st = destination(cli, argc, argv, dest);
    if (st != CLI_OK) {
        if (if_due)
            failed(cli, &sched, "(none)", "no destination is set");
        return st;
    }
    return take(cli, dest, if_due ? &set.keep : NULL, &sched);
}

static int cmp_time(const void *a, const void *b)
{
    const struct snapshot *x = *(struct snapshot *const *)a, *y = *(struct snapshot *const *)b;

    return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

static int run_list(struct cli *cli, int argc, char **argv)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL;
    struct snapshot **snaps = NULL;
    struct bk_repo *r = NULL;
    struct cli_table t;
    char dest[PATH_MAX];
    size_t n = 0, good = 0;
    int st, err;

    st = parse(cli, argc, argv, NULL, dest);
    if (st == CLI_OK)
        st = open_repo(cli, dest, REPO_READ, &r);
    if (st != CLI_OK)
        return st;
    err = snapshot_list(r, &ids, &n);
    snaps = calloc(n + 1, sizeof *snaps);
    if (err || !snaps) {
        st = cli_fail_errno(cli, err ? err : -ENOMEM, "listing the snapshots in %s",
                            cli_printable(dest));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        err = snapshot_read(r, ids[i], &snaps[good]);
        if (err == 0)
            good++;
        else
            st = cli_fail(cli, "snapshot %s cannot be read (%s); run 'albumctl backup verify'",
                          ids[i], strerror(-err));
    }
    qsort(snaps, good, sizeof *snaps, cmp_time);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "snapshots");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < good; i++) {
            json_object_begin(&cli->out);
            snapshot_json(&cli->out, snaps[i]);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        cli_table_init(&t, 5);
        cli_table_row(&t, "SNAPSHOT", "TIME", "PHOTOS", "SIZE", "NEW");
        for (size_t i = 0; i < good; i++) {
            char when[32], photos[24], size[24], fresh[24];
            time_text(snaps[i]->time_ms, when, sizeof when);
            snprintf(photos, sizeof photos, "%" PRIu64, snaps[i]->photos);
            snprintf(size, sizeof size, "%" PRIu64, snaps[i]->total_bytes);
            snprintf(fresh, sizeof fresh, "%" PRIu64, snaps[i]->new_bytes);
            cli_table_row(&t, snaps[i]->id, when, photos, size, fresh);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
out:
    for (size_t i = 0; i < good; i++)
        snapshot_free(snaps[i]);
    free(snaps);
    free(ids);
    repo_close(r);
    return st;
}

static const char *problem_text(int err)
{
    switch (err) {
    case -ENOENT:
        return "missing";
    case -EFBIG:
        return "has the wrong size (truncated or altered)";
    case -EBADMSG:
        return "does not authenticate (damaged, altered or swapped)";
    case -EPROTO:
        return "was written by a newer albumfs";
    default:
        return strerror(-err);
    }
}

static void report_problems(struct cli *cli, const struct check_result *res)
{
    for (size_t i = 0; i < res->n_problems; i++) {
        const struct check_problem *p = &res->problems[i];
        if (p->blob[0])
            cli_fail(cli, "snapshot %s: blob %.16s… %s", p->snapshot, p->blob,
                     problem_text(p->err));
        else
            cli_fail(cli, "snapshot %s: the manifest %s", p->snapshot, problem_text(p->err));
    }
}

static int record_failed_verify(struct cli *cli, const char *dest, size_t problems)
{
    gchar *detail = g_strdup_printf("%zu problem%s in %s", problems, problems == 1 ? "" : "s",
                                    dest);
    int st = record(cli, "backup-verify-failed", detail);

    g_free(detail);
    return st;
}

static int run_verify(struct cli *cli, int argc, char **argv)
{
    struct cli_meter m;
    struct check_result res;
    struct bk_repo *r = NULL;
    char dest[PATH_MAX];
    bool read_data = false;
    int st, err;

    st = parse(cli, argc, argv, &read_data, dest);
    if (st == CLI_OK)
        st = open_repo(cli, dest, REPO_READ, &r);
    if (st != CLI_OK)
        return st;
    cli_meter_start(&m, cli);
    err = backup_check(r, read_data, cli_meter_backup, &m, &res);
    cli_meter_done(&m);
    repo_close(r);
    if (err)
        return cli_fail_errno(cli, err, "checking %s", cli_printable(dest));
    report_problems(cli, &res);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "repository", dest);
        json_kv_bool(&cli->out, "read_data", read_data);
        json_kv_int(&cli->out, "snapshots", (int64_t)res.snapshots);
        json_kv_int(&cli->out, "blobs", (int64_t)res.blobs);
        json_key(&cli->out, "problems");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < res.n_problems; i++) {
            json_object_begin(&cli->out);
            json_kv_string(&cli->out, "snapshot", res.problems[i].snapshot);
            json_key(&cli->out, "blob");
            if (res.problems[i].blob[0])
                json_string(&cli->out, res.problems[i].blob);
            else
                json_null(&cli->out);
            json_kv_string(&cli->out, "error", problem_text(res.problems[i].err));
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("%zu snapshot%s, %zu blob%s checked%s: %zu problem%s\n", res.snapshots,
               res.snapshots == 1 ? "" : "s", res.blobs, res.blobs == 1 ? "" : "s",
               read_data ? " (every byte read)" : "", res.n_problems,
               res.n_problems == 1 ? "" : "s");
    st = res.n_problems ? CLI_FAIL : CLI_OK;
    if (res.n_problems)
        record_failed_verify(cli, dest, res.n_problems);
    g_free(res.problems);
    return st;
}

static int parse_keep(struct cli *cli, int argc, char **argv, struct forget_policy *p,
                      char dest[PATH_MAX])
{
    static const struct option opts[] = {
        {"keep-daily", required_argument, NULL, OPT_KEEP_DAILY},
        {"keep-weekly", required_argument, NULL, OPT_KEEP_WEEKLY},
        {"keep-monthly", required_argument, NULL, OPT_KEEP_MONTHLY},
        CLI_COMMON_OPTIONS,
    };
    struct backup_settings set;
    bool given = false;
    int c, st = CLI_OK, err;

    while (st == CLI_OK && (c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        unsigned *n = c == OPT_KEEP_DAILY ? &p->daily : c == OPT_KEEP_WEEKLY ? &p->weekly
                                                                            : &p->monthly;
        st = cli_parse_u32(cli, opts[c - OPT_KEEP_DAILY].name, optarg, 0, BACKUP_KEEP_MAX, n);
        given = true;
    }
    if (st != CLI_OK)
        return st;
    if (c < 0)
        return CLI_USAGE;
    if (given && !p->daily && !p->weekly && !p->monthly)
        return cli_usage(cli, "give at least one of --keep-daily, --keep-weekly and "
                         "--keep-monthly above 0 (forgetting every snapshot is not allowed)");
    st = cli_open_library(cli);
    if (st != CLI_OK || given)
        return st == CLI_OK ? destination(cli, argc, argv, dest) : st;
    err = backup_settings_load(cli_catalog(cli), &set);
    if (err)
        return cli_fail_errno(cli, err, "reading the backup settings");
    *p = set.keep;
    if (!p->daily && !p->weekly && !p->monthly)
        return cli_usage(cli, "give at least one of --keep-daily, --keep-weekly and "
                         "--keep-monthly above 0, or set a policy with 'albumctl backup "
                         "settings --keep-daily N'");
    return destination(cli, argc, argv, dest);
}

static int run_forget(struct cli *cli, int argc, char **argv)
{
    struct forget_policy p = {0};
    struct forget_result res = {0};
    struct bk_repo *r = NULL;
    char dest[PATH_MAX];
    int st;

    st = parse_keep(cli, argc, argv, &p, dest);
    if (st == CLI_OK)
        st = open_repo(cli, dest, REPO_WRITE, &r);
    if (st != CLI_OK)
        return st;
    st = forget(cli, r, dest, &p, &res);
    repo_close(r);
    if (st == CLI_OK && cli->json) {
        forget_json(&cli->out, &res);
        json_finish(&cli->out);
    } else if (st == CLI_OK)
        forget_text(&res);
    free(res.forgotten);
    return st;
}

static const struct cli_cmd subs[] = {
    {.name = "run",
     .summary = "Take a snapshot of the library into the repository at DEST.",
     .usage = "[DEST] [--if-due] [--json]",
     .help = "DEST is a folder: an empty one becomes a new repository. Only blobs not\n"
             "already in the repository are copied, so a second backup writes about what\n"
             "changed. Renditions are not kept (they are made again). Another backup to\n"
             "the same repository at the same time is refused.\n"
             "\n"
             "options:\n"
             "  --if-due  only when the schedule ('backup settings --schedule') says one is\n"
             "            due, then forget and prune by the keep policy set there; a\n"
             "            failure while backups are overdue e-mails the owner. This is\n"
             "            what the albumfs-backup timer runs every hour.",
     .run = run_backup},
    {.name = "list",
     .summary = "List the snapshots in the repository at DEST.",
     .usage = "[DEST] [--json]",
     .run = run_list},
    {.name = "verify",
     .summary = "Check every snapshot's manifest and blobs in the repository at DEST.",
     .usage = "[DEST] [--read-data] [--json]",
     .help = "Every manifest must authenticate and every blob it names be present with its\n"
             "size. Status 1 and one line per problem on stderr when something is wrong.\n"
             "\n"
             "options:\n"
             "  --read-data  also decrypt and authenticate every byte of every blob",
     .run = run_verify},
    {.name = "forget",
     .summary = "Forget the snapshots a keep policy does not keep, and prune their blobs.",
     .usage = "[DEST] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--json]",
     .help = "Keeps, for each of the N most recent days (ISO weeks, months, in UTC) that\n"
             "have snapshots, the newest snapshot of that day (week, month); a snapshot kept\n"
             "by any rule stays. The others' manifests are removed, then every blob no\n"
             "kept snapshot names. Safe if interrupted: run it again. Refused while a\n"
             "backup writes to the repository, and when a manifest cannot be read.\n"
             "\n"
             "options:\n"
             "  --keep-daily N    --keep-weekly N    --keep-monthly N   (default: the policy\n"
             "                    set with 'backup settings'; at least one above 0)",
     .run = run_forget},
    {.name = "settings",
     .summary = "Show or set the default destination, the schedule and the keep policy.",
     .usage = "[--destination DIR] [--schedule hourly|daily|weekly|off] [--keep-daily N] "
              "[--keep-weekly N] [--keep-monthly N] [--json]",
     .help = BACKUP_SETTINGS_HELP,
     .run = backup_settings_run},
    {0},
};

const struct cli_cmd cmd_backup = {
    .name = "backup",
    .summary = "Back up the library into an encrypted repository; list and verify it.",
    .usage = "[run] [DEST] | list [DEST] | verify [DEST] [--read-data] | forget [DEST] ... | "
             "settings",
    .help = "A repository is a folder (an external disk, a NAS or a remote mount) holding\n"
            "encrypted snapshots of this library: catalog, photos and settings. Restore\n"
            "with 'albumctl restore'. Keep the library's key file (or passphrase)\n"
            "elsewhere: without it no backup can be read. DEST defaults to the destination\n"
            "set with 'backup settings --destination DIR'; 'backup settings --schedule\n"
            "daily' and 'systemctl enable --now albumfs-backup.timer' make backups\n"
            "automatic. See docs/backup.md.",
    .subs = subs,
    .implicit = "run",
};
