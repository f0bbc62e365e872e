/* cmd_notify.c — 'albumctl notify settings|outbox|send|test': where the
 * owner's notification e-mails and invitations go, what became of them, and
 * delivering them now (store/notify.h composes and delivers). Also the
 * invitations of 'albumctl grant --invite' (cli_invite). */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "store/notify.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_COMMAND = CLI_OPT_FIRST, OPT_OWNER, OPT_FROM, OPT_TIMEOUT, OPT_LIMIT };

#define OUTBOX_LIMIT 100

/* ---- delivering, shared by send, test and grant --invite ---- */

/* One attempt, kept for printing after the pass. */
struct attempt {
    int64_t id;
    char kind[32];
    char recipient[AF_EMAIL_MAX + 1];
    bool delivered;
    char error[256];
    af_time next_attempt;
};

static void collect(const struct notify_outcome *o, void *arg)
{
    GArray *attempts = arg;
    struct attempt a;

    memset(&a, 0, sizeof a);
    a.id = o->message->id;
    g_strlcpy(a.kind, o->message->kind, sizeof a.kind);
    g_strlcpy(a.recipient, o->message->recipient, sizeof a.recipient);
    a.delivered = o->delivered;
    g_strlcpy(a.error, o->error, sizeof a.error);
    a.next_attempt = o->next_attempt;
    g_array_append_val(attempts, a);
}

/* A setting into buf, "" when it is not set. */
static int read_setting(struct cli *cli, const char *key, char *buf, size_t len)
{
    int err = catalog_setting_get(cli_catalog(cli), key, buf, len);

    if (err == -ENOENT) {
        buf[0] = '\0';
        err = 0;
    }
    return err ? cli_fail_errno(cli, err, "reading %s", key) : CLI_OK;
}

/* Deliver what is due; every attempt is appended to `attempts`. */
static int deliver(struct cli *cli, GArray *attempts)
{
    int n = notify_deliver_report(cli_catalog(cli), notify_timeout(cli_catalog(cli)), collect,
                                  attempts);

    return n < 0 ? cli_fail_errno(cli, n, "delivering the outbox") : CLI_OK;
}

/* ---- grant --invite ---- */

/* A word for a shell command line: as it is when it needs no quotes. */
static char *shell_word(const char *s)
{
    if (s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_./@+-=:,%") == strlen(s))
        return g_strdup(s);
    return g_shell_quote(s);
}

/* The command lines that mount the album for `u`. Caller g_free's. */
static char *how_to_mount(struct cli *cli, const struct cat_user *u)
{
    char *email = shell_word(u->email), *lib = shell_word(cli->lib->dir), *how;

    how = g_strdup_printf("albumfs MOUNTPOINT --user %s --library %s", email, lib);
    if (u->uid >= 0) {
        struct passwd *pw = getpwuid((uid_t)u->uid);
        char *old = how;

        if (pw)
            how = g_strdup_printf("%s\n# or, on this computer's shared mount (albumfs "
                                  "--multi-user), open your folder %s", old, pw->pw_name);
        else
            how = g_strdup_printf("%s\n# or, on this computer's shared mount (albumfs "
                                  "--multi-user), open the folder of uid %" PRId64, old,
                                  u->uid);
        g_free(old);
    }
    g_free(lib);
    g_free(email);
    return how;
}

/* Queue an invitation to each of users[0..n) and try to deliver them. */
static int invite_users(struct cli *cli, const struct cat_album *album,
                        const struct cat_user *users, size_t n)
{
    char command[NOTIFY_COMMAND_MAX + 2];
    GArray *attempts;
    int st, err;

    for (size_t i = 0; i < n; i++) {
        char *how = how_to_mount(cli, &users[i]);

        err = notify_invite(cli_catalog(cli), users[i].email, album->name, how);
        g_free(how);
        if (err)
            return cli_fail_errno(cli, err, "the grant is saved, but the invitation to %s "
                                  "could not be queued", cli_printable(users[i].email));
    }
    st = read_setting(cli, "notify.command", command, sizeof command);
    if (st != CLI_OK)
        return st;
    if (!command[0]) {
        cli_fail(cli, "warning: no delivery command is set, so the invitation%s wait%s in the "
                 "outbox; set one with 'albumctl notify settings --command CMD'",
                 n == 1 ? "" : "s", n == 1 ? "s" : "");
        return CLI_OK;
    }
    attempts = g_array_new(FALSE, TRUE, sizeof(struct attempt));
    st = deliver(cli, attempts);
    /* The grant stands whatever became of the e-mail: warnings only. */
    for (size_t i = 0; st == CLI_OK && i < n; i++) {
        const struct attempt *last = NULL;

        for (guint j = 0; j < attempts->len; j++) {
            const struct attempt *a = &g_array_index(attempts, struct attempt, j);

            if (strcmp(a->kind, NOTIFY_KIND_INVITATION) == 0 &&
                g_ascii_strcasecmp(a->recipient, users[i].email) == 0)
                last = a; /* the newest: the one just queued */
        }
        if (!last)
            cli_fail(cli, "warning: the invitation to %s was not tried yet (a message before "
                     "it held up delivery); it waits in the outbox (see 'albumctl notify "
                     "outbox')", cli_printable(users[i].email));
        else if (!last->delivered)
            cli_fail(cli, "warning: could not deliver the invitation to %s: %s; it stays in "
                     "the outbox and is tried again (see 'albumctl notify outbox')",
                     cli_printable(last->recipient), cli_printable(last->error));
    }
    if (st != CLI_OK)
        cli_fail(cli, "warning: the invitation%s wait%s in the outbox", n == 1 ? "" : "s",
                 n == 1 ? "s" : "");
    g_array_free(attempts, TRUE);
    return CLI_OK;
}

int cli_invite(struct cli *cli, const struct cat_album *album, const struct cat_user *user,
               const struct cat_team *team)
{
    struct cat_user *members = NULL;
    size_t n = 0;
    int st, err;

    if (user)
        return invite_users(cli, album, user, 1);
    err = catalog_team_members(cli_catalog(cli), team->id, &members, &n);
    if (err)
        return cli_fail_errno(cli, err, "the grant is saved, but the members of team '%s' "
                              "could not be read to invite them", cli_printable(team->name));
    if (n == 0)
        cli_fail(cli, "warning: team '%s' has no members; nobody was invited",
                 cli_printable(team->name));
    st = n ? invite_users(cli, album, members, n) : CLI_OK;
    free(members);
    return st;
}

/* ---- notify settings ---- */

static int check_address_opt(struct cli *cli, const char *opt, const char *val)
{
    const char *why = "invalid";

    if (val[0] == '\0' || names_check_email(val, &why) == 0)
        return CLI_OK;
    return cli_usage(cli, "%s '%s' is not an e-mail address: %s", opt, cli_printable(val), why);
}

/* A setting as JSON: its value or null when unset. */
static void setting_json(struct cli *cli, const char *key, const char *value)
{
    json_key(&cli->out, key);
    if (value[0])
        json_string(&cli->out, value);
    else
        json_null(&cli->out);
}

static int print_settings(struct cli *cli)
{
    char command[NOTIFY_COMMAND_MAX + 2], owner[AF_EMAIL_MAX + 1], from[AF_EMAIL_MAX + 1];
    char sender[AF_EMAIL_MAX + 1];
    int timeout = notify_timeout(cli_catalog(cli));
    int st = read_setting(cli, "notify.command", command, sizeof command);

    if (st == CLI_OK)
        st = read_setting(cli, "notify.owner", owner, sizeof owner);
    if (st == CLI_OK)
        st = read_setting(cli, "notify.from", from, sizeof from);
    if (st != CLI_OK)
        return st;
    if (notify_sender(cli_catalog(cli), sender, sizeof sender) != 0)
        g_strlcpy(sender, "(not a valid address: set --from again)", sizeof sender);

    if (cli->json) {
        json_object_begin(&cli->out);
        setting_json(cli, "command", command);
        setting_json(cli, "owner", owner);
        setting_json(cli, "from", from);
        json_kv_string(&cli->out, "sender", sender);
        json_kv_int(&cli->out, "timeout", timeout);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return CLI_OK;
    }
    printf("command  %s\n", command[0] ? cli_printable(command)
                                       : "(none: messages wait in the outbox)");
    printf("owner    %s\n", owner[0] ? owner : "(none: no milestone messages)");
    printf("from     %s%s\n", cli_printable(sender), from[0] ? "" : " (default)");
    printf("timeout  %d s\n", timeout);
    return CLI_OK;
}

static int run_settings(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"command", required_argument, NULL, OPT_COMMAND},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"from", required_argument, NULL, OPT_FROM},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        CLI_COMMON_OPTIONS,
    };
    const char *command = NULL, *owner = NULL, *from = NULL;
    char timeout[16] = "";
    uint32_t seconds;
    int c, st = CLI_OK;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_COMMAND) {
            command = optarg;
            if (strlen(command) > NOTIFY_COMMAND_MAX)
                st = cli_usage(cli, "--command is longer than %d bytes", NOTIFY_COMMAND_MAX);
        } else if (c == OPT_OWNER) {
            owner = optarg;
            st = check_address_opt(cli, "--owner", owner);
        } else if (c == OPT_FROM) {
            from = optarg;
            st = check_address_opt(cli, "--from", from);
        } else {
            st = cli_parse_u32(cli, "timeout", optarg, 1, NOTIFY_TIMEOUT_MAX, &seconds);
            if (st == CLI_OK)
                snprintf(timeout, sizeof timeout, "%" PRIu32, seconds);
        }
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st != CLI_OK || (!command && !owner && !from && !timeout[0]))
        return st == CLI_OK ? print_settings(cli) : st;

    {
        const struct cli_setting settings[] = {
            {"notify.command", command},
            {"notify.owner", owner},
            {"notify.from", from},
            {"notify.timeout", timeout[0] ? timeout : NULL},
        };

        st = cli_save_settings(cli, settings, G_N_ELEMENTS(settings), "notify-settings",
                               "the settings");
    }
    return st == CLI_OK ? print_settings(cli) : st;
}

/* ---- notify outbox ---- */

static void message_json(struct cli *cli, const struct cat_message *m)
{
    char when[32];

    json_object_begin(&cli->out);
    json_kv_int(&cli->out, "id", m->id);
    timefmt_print(m->created, when, sizeof when);
    json_kv_string(&cli->out, "created", when);
    json_kv_string(&cli->out, "kind", m->kind);
    json_kv_string(&cli->out, "recipient", m->recipient);
    json_kv_string(&cli->out, "status", m->delivered ? "delivered" : "queued");
    json_kv_int(&cli->out, "attempts", m->attempts);
    json_key(&cli->out, "next_attempt");
    if (m->delivered) {
        json_null(&cli->out);
    } else {
        timefmt_print(m->next_attempt, when, sizeof when);
        json_string(&cli->out, when);
    }
    setting_json(cli, "last_error", m->last_error);
    json_object_end(&cli->out);
}

static int run_outbox(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"limit", required_argument, NULL, OPT_LIMIT},
        CLI_COMMON_OPTIONS,
    };
    struct cat_message *rows = NULL;
    int64_t limit = OUTBOX_LIMIT;
    size_t n = 0;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if ((st = cli_parse_i64(cli, "--limit", optarg, 1, &limit)) != CLI_OK)
            return st;
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_outbox_list(cli_catalog(cli), (size_t)limit, &rows, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the outbox");

    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "messages");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++)
            message_json(cli, &rows[i]);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table t;

        cli_table_init(&t, 8);
        cli_table_row(&t, "ID", "CREATED", "KIND", "TO", "STATUS", "ATTEMPTS", "NEXT TRY",
                      "LAST ERROR");
        for (size_t i = 0; i < n; i++) {
            const struct cat_message *m = &rows[i];
            char id[24], attempts[16], created[32], next[32];

            snprintf(id, sizeof id, "%" PRId64, m->id);
            snprintf(attempts, sizeof attempts, "%d", m->attempts);
            timefmt_print(m->created, created, sizeof created);
            if (m->delivered)
                g_strlcpy(next, "-", sizeof next);
            else
                timefmt_print(m->next_attempt, next, sizeof next);
            cli_table_row(&t, id, created, m->kind, m->recipient,
                          m->delivered ? "delivered" : "queued", attempts, next,
                          m->last_error[0] ? cli_printable(m->last_error) : "-");
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    catalog_messages_free(rows, n);
    return CLI_OK;
}

/* ---- notify send, notify test ---- */

/* Deliver what is due and say what happened: delivered messages on stdout,
 * failures on stderr. CLI_FAIL when any failed. */
static int send_and_report(struct cli *cli)
{
    char command[NOTIFY_COMMAND_MAX + 2];
    GArray *attempts;
    size_t delivered = 0, failed = 0;
    int st = read_setting(cli, "notify.command", command, sizeof command);

    if (st != CLI_OK)
        return st;
    if (!command[0])
        return cli_fail(cli, "no delivery command is set, so messages wait in the outbox; set "
                        "one with 'albumctl notify settings --command CMD'");
    attempts = g_array_new(FALSE, TRUE, sizeof(struct attempt));
    st = deliver(cli, attempts);
    for (guint i = 0; i < attempts->len; i++) {
        const struct attempt *a = &g_array_index(attempts, struct attempt, i);
        char next[32];

        if (a->delivered) {
            delivered++;
            if (!cli->json)
                printf("delivered message %" PRId64 " (%s) to %s\n", a->id, a->kind,
                       a->recipient);
            continue;
        }
        failed++;
        timefmt_print(a->next_attempt, next, sizeof next);
        cli_fail(cli, "message %" PRId64 " (%s) to %s: %s; it stays queued, next try at %s",
                 a->id, a->kind, cli_printable(a->recipient), cli_printable(a->error), next);
    }
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "delivered", (int64_t)delivered);
        json_kv_int(&cli->out, "failed", (int64_t)failed);
        json_key(&cli->out, "messages");
        json_array_begin(&cli->out);
        for (guint i = 0; i < attempts->len; i++) {
            const struct attempt *a = &g_array_index(attempts, struct attempt, i);
            char next[32];

            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "id", a->id);
            json_kv_string(&cli->out, "kind", a->kind);
            json_kv_string(&cli->out, "recipient", a->recipient);
            json_kv_bool(&cli->out, "delivered", a->delivered);
            setting_json(cli, "error", a->error);
            json_key(&cli->out, "next_attempt");
            if (a->delivered) {
                json_null(&cli->out);
            } else {
                timefmt_print(a->next_attempt, next, sizeof next);
                json_string(&cli->out, next);
            }
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("delivered %zu, failed %zu\n", delivered, failed);
    }
    g_array_free(attempts, TRUE);
    return st != CLI_OK ? st : failed ? CLI_FAIL : CLI_OK;
}

static int run_send(struct cli *cli, int argc, char **argv)
{
    int st = cli_args(cli, argc, argv, 0, "no arguments");

    if (st == CLI_OK)
        st = cli_open_library(cli);
    return st == CLI_OK ? send_and_report(cli) : st;
}

static int run_test(struct cli *cli, int argc, char **argv)
{
    char command[NOTIFY_COMMAND_MAX + 2];
    int st = cli_args(cli, argc, argv, 0, "no arguments"), err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = read_setting(cli, "notify.command", command, sizeof command);
    if (st != CLI_OK)
        return st;
    if (!command[0])
        return cli_fail(cli, "no delivery command is set; set one with 'albumctl notify "
                        "settings --command CMD', e.g. --command '/usr/sbin/sendmail -t'");
    err = notify_test(cli_catalog(cli));
    if (err == -ENOENT)
        return cli_fail(cli, "no owner address is set; set it with 'albumctl notify settings "
                        "--owner EMAIL'");
    if (err == -EINVAL)
        return cli_fail(cli, "cannot compose the message: the owner or sender address is not "
                        "a plain e-mail address; set them again with 'albumctl notify settings "
                        "--owner EMAIL --from EMAIL'");
    if (err)
        return cli_fail_errno(cli, err, "queuing the test message");
    return send_and_report(cli);
}

static const struct cli_cmd notify_subs[] = {
    {
        .name = "settings",
        .summary = "Show or change where notifications go and how they are sent.",
        .usage = "[--command CMD] [--owner EMAIL] [--from EMAIL] [--timeout SECONDS]",
        .help =
            "Without options, shows the settings. An empty value ('') unsets one.\n"
            "\n"
            "options:\n"
            "  --command CMD      the delivery command, run as /bin/sh -c CMD with one\n"
            "                     message (RFC 5322, To: header included) on stdin;\n"
            "                     exit status 0 means delivered. E.g. '/usr/sbin/sendmail -t'.\n"
            "                     Unset: messages wait in the outbox.\n"
            "  --owner EMAIL      the owner's address: milestone messages and tests go here\n"
            "  --from EMAIL       the sender address; default albumfs@HOSTNAME\n"
            "  --timeout SECONDS  how long one delivery may take before the command is\n"
            "                     killed, 1 to 3600; default 30\n",
        .run = run_settings,
    },
    {
        .name = "outbox",
        .summary = "List queued and delivered messages, newest first.",
        .usage = "[--limit N] [--json]",
        .help = "Shows each message's kind, recipient, status (queued or delivered),\n"
                "attempts, next try and the last error. --limit: at most N (default 100).\n",
        .run = run_outbox,
    },
    {
        .name = "send",
        .summary = "Deliver the messages that are due now.",
        .usage = "[--json]",
        .help = "Messages that failed before wait for their next try (after 1 min, 5 min,\n"
                "30 min, 2 h, then every 6 h). Status 1 if any message failed (the\n"
                "reason is printed; it stays queued) or no delivery command is set.\n"
                "A mounted albumfs delivers by itself every few seconds.\n",
        .run = run_send,
    },
    {
        .name = "test",
        .summary = "Queue a test message to the owner and deliver it now.",
        .usage = "[--json]",
        .help = "Needs --owner and --command set (see 'albumctl notify settings'). Also\n"
                "delivers whatever else is due. Status 1 if delivery failed.\n",
        .run = run_test,
    },
    {0},
};

const struct cli_cmd cmd_notify = {
    .name = "notify",
    .summary = "Notifications: milestone e-mails to the owner, invitations, the outbox.",
    .subs = notify_subs,
};
