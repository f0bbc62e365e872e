/* cmd_user.c — 'albumctl user add|list': the people grants name. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_NAME = CLI_OPT_FIRST, OPT_UID };

/* A display name: valid UTF-8 without control characters, 1..255 bytes. */
static int check_display_name(struct cli *cli, const char *name)
{
    if (name[0] == '\0' || strlen(name) > AF_NAME_MAX || !g_utf8_validate(name, -1, NULL))
        return cli_usage(cli, "--name must be 1 to %d bytes of UTF-8 text", AF_NAME_MAX);
    for (const char *p = name; *p; p = g_utf8_next_char(p))
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return cli_usage(cli, "--name must not contain control characters");
    return CLI_OK;
}

/* --uid: a number or the login name of a local account. */
static int parse_uid(struct cli *cli, const char *val, int64_t *uid)
{
    struct passwd *pw;

    if (val[0] >= '0' && val[0] <= '9') {
        int st = cli_parse_i64(cli, "--uid", val, 0, uid);
        if (st == CLI_OK && *uid >= (int64_t)UINT32_MAX)
            return cli_usage(cli, "--uid %s is not a valid uid", val);
        return st;
    }
    pw = getpwnam(val);
    if (!pw)
        return cli_usage(cli, "--uid '%s' is neither a number nor a local account",
                         cli_printable(val));
    *uid = pw->pw_uid;
    return CLI_OK;
}

static void user_json(struct json *j, const struct cat_user *u)
{
    char when[32];

    timefmt_print(u->created, when, sizeof(when));
    json_object_begin(j);
    json_kv_int(j, "id", u->id);
    json_kv_string(j, "email", u->email);
    json_kv_string(j, "name", u->name);
    json_key(j, "uid");
    if (u->uid < 0)
        json_null(j);
    else
        json_int(j, u->uid);
    json_kv_string(j, "created", when);
    json_object_end(j);
}

/* Which of e-mail or uid made the insert a duplicate. */
static int explain_duplicate(struct cli *cli, const char *email, int64_t uid)
{
    struct cat_user other;

    if (catalog_user_by_email(cli_catalog(cli), email, &other) == 0)
        return cli_fail(cli, "user '%s' already exists; see 'albumctl user list'", email);
    if (uid >= 0 && catalog_user_by_uid(cli_catalog(cli), uid, &other) == 0)
        return cli_fail(cli, "uid %" PRId64 " is already mapped to user '%s'; choose another "
                        "--uid", uid, other.email);
    return cli_fail(cli, "user '%s' already exists; see 'albumctl user list'", email);
}

static int run_user_add(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"uid", required_argument, NULL, OPT_UID},
        CLI_COMMON_OPTIONS,
    };
    const char *name = "", *email, *why = "invalid";
    int64_t uid = -1;
    struct cat_user user;
    int c, st, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        st = c == OPT_NAME ? check_display_name(cli, optarg) : parse_uid(cli, optarg, &uid);
        if (st != CLI_OK)
            return st;
        if (c == OPT_NAME)
            name = optarg;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one e-mail address");
    email = argv[optind];
    if (names_check_email(email, &why) != 0)
        return cli_usage(cli, "'%s' is not an e-mail address: %s", cli_printable(email), why);

    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_user_add(cli_catalog(cli), email, name, uid, &user.id);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return explain_duplicate(cli, email, uid);
        return cli_fail_errno(cli, err, "adding user '%s'", email);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;

    if (cli->json) {
        err = catalog_user_by_email(cli_catalog(cli), email, &user);
        if (err)
            return cli_fail_errno(cli, err, "reading user '%s' back", email);
        user_json(&cli->out, &user);
        json_finish(&cli->out);
    } else
        printf("added user %s\n", email);
    return CLI_OK;
}

static int run_user_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    struct cat_user *users = NULL;
    size_t n = 0;
    int c, st, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_users(cli_catalog(cli), &users, &n);
    if (err)
        return cli_fail_errno(cli, err, "listing users");

    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "users");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++)
            user_json(&cli->out, &users[i]);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table t;
        cli_table_init(&t, 4);
        cli_table_row(&t, "EMAIL", "NAME", "UID", "ADDED");
        for (size_t i = 0; i < n; i++) {
            char uid[24], when[32];
            if (users[i].uid < 0)
                snprintf(uid, sizeof(uid), "-");
            else
                snprintf(uid, sizeof(uid), "%" PRId64, users[i].uid);
            timefmt_print(users[i].created, when, sizeof(when));
            cli_table_row(&t, users[i].email, users[i].name[0] ? users[i].name : "-", uid, when);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    free(users);
    return CLI_OK;
}

static const struct cli_cmd user_subs[] = {
    {
        .name = "add",
        .summary = "Add a person, identified by e-mail.",
        .usage = "EMAIL [--name NAME] [--uid UID|LOGIN]",
        .help =
            "options:\n"
            "  --name NAME      display name (used in recipient watermarks)\n"
            "  --uid UID|LOGIN  the local Unix account this person uses on multi-user\n"
            "                   mounts (a number or a login name); one account per person\n",
        .run = run_user_add,
    },
    {
        .name = "list",
        .summary = "List people.",
        .usage = "[--json]",
        .run = run_user_list,
    },
    {0},
};

const struct cli_cmd cmd_user = {
    .name = "user",
    .summary = "People: clients, invited guests and team members.",
    .subs = user_subs,
};
