/* cmd_user.c — 'albumctl user add|list|change|remove': the people grants
 * name. Every change is recorded in the activity, in its transaction;
 * removing a user revokes their grants and keeps their row and activity
 * (tools/people.h). */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/people.h"

enum { OPT_NAME = CLI_OPT_FIRST, OPT_UID };

/* --uid: a number or the login name of a local account (or, with
 * allow_none, "none": -1). */
static int parse_uid(struct cli *cli, const char *val, bool allow_none, int64_t *uid)
{
    struct passwd *pw;

    if (allow_none && strcmp(val, "none") == 0) {
        *uid = -1;
        return CLI_OK;
    }
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

    if (catalog_user_by_email(cli_catalog(cli), email, &other) == 0 && !other.removed)
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
        st = c == OPT_NAME ? cli_check_text(cli, "--name", optarg)
                           : parse_uid(cli, optarg, false, &uid);
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
    if (err == 0)
        err = cli_activity(cli, "user-added", 0, 0, 0, email);
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

/* The user as JSON (read back), or `text` on stdout. */
static int print_user(struct cli *cli, const char *email, const char *text)
{
    struct cat_user user;
    int err;

    if (!cli->json) {
        puts(text);
        return CLI_OK;
    }
    err = catalog_user_by_email(cli_catalog(cli), email, &user);
    if (err)
        return cli_fail_errno(cli, err, "reading user '%s' back", email);
    user_json(&cli->out, &user);
    json_finish(&cli->out);
    return CLI_OK;
}

static int run_user_change(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"uid", required_argument, NULL, OPT_UID},
        CLI_COMMON_OPTIONS,
    };
    const char *name = NULL, *uid_arg = NULL;
    char detail[AF_EMAIL_MAX + AF_NAME_MAX + 64], text[AF_EMAIL_MAX + 32];
    struct cat_user user;
    int64_t uid = -1;
    int c, st, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_NAME) {
            st = cli_check_text(cli, "--name", optarg);
            name = optarg;
        } else {
            st = parse_uid(cli, optarg, true, &uid);
            uid_arg = optarg;
        }
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one e-mail address");
    if (!name && !uid_arg)
        return cli_usage(cli, "nothing to change: give --name NAME or --uid UID|LOGIN|none");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_user(cli, argv[optind], &user);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    snprintf(detail, sizeof(detail), "%s:%s%s%s%s", user.email, name ? " --name " : "",
             name ? name : "", uid_arg ? " --uid " : "", uid_arg ? uid_arg : "");
    err = catalog_user_update(cli_catalog(cli), user.id, name ? name : user.name,
                              uid_arg ? uid : user.uid);
    if (err == 0)
        err = cli_activity(cli, "user-changed", 0, 0, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return explain_duplicate(cli, "", uid);
        return cli_fail_errno(cli, err, "changing user '%s'", user.email);
    }
    st = cli_commit(cli);
    snprintf(text, sizeof(text), "changed user %s", user.email);
    return st == CLI_OK ? print_user(cli, user.email, text) : st;
}

static int run_user_remove(struct cli *cli, int argc, char **argv)
{
    struct people_editors editors = {NULL, 0};
    char what[AF_EMAIL_MAX + 32], detail[AF_EMAIL_MAX + 64];
    struct cat_user user;
    size_t revoked = 0;
    int st = cli_args(cli, argc, argv, 1, "one e-mail address");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_user(cli, argv[optind], &user);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    snprintf(what, sizeof(what), "removing user %s", user.email);
    st = people_editors_before(cli, &editors);
    err = st == CLI_OK ? people_revoke_grants(cli, CAT_GRANTS_OF_USER, user.id, &revoked) : 0;
    if (st == CLI_OK && err == 0)
        err = catalog_user_remove(cli_catalog(cli), user.id, cli->now);
    snprintf(detail, sizeof(detail), "%s (%zu grant%s revoked)", user.email, revoked,
             revoked == 1 ? "" : "s");
    if (st == CLI_OK && err == 0)
        err = cli_activity(cli, "user-removed", 0, 0, 0, detail);
    if (st == CLI_OK && err == 0)
        st = people_editors_kept(cli, &editors, what);
    people_editors_free(&editors);
    if (st == CLI_OK && err)
        st = cli_fail_errno(cli, err, "removing user '%s'", user.email);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        return st;
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "removed", user.email);
        json_kv_int(&cli->out, "grants_revoked", (int64_t)revoked);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("removed user %s (%zu grant%s revoked; their activity is kept)\n", user.email,
               revoked, revoked == 1 ? "" : "s");
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
    {
        .name = "change",
        .summary = "Change a person's display name or Unix account.",
        .usage = "EMAIL [--name NAME] [--uid UID|LOGIN|none]",
        .help =
            "options:\n"
            "  --name NAME            new display name\n"
            "  --uid UID|LOGIN|none   the local account on multi-user mounts; none unmaps\n"
            "                         them (refused when another person has that account)\n"
            "Live multi-user mounts follow within a second. Recorded as user-changed.\n",
        .run = run_user_change,
    },
    {
        .name = "remove",
        .summary = "Remove a person: their grants are revoked, their activity kept.",
        .usage = "EMAIL [--json]",
        .help =
            "Revokes every grant of theirs (each recorded as grant-revoked), takes them\n"
            "out of their teams and unmaps their Unix account; live mounts stop serving\n"
            "them within a second. Their favourites and activity stay, and grants keep\n"
            "naming them. Refused when it would leave an album without an editor (revoke\n"
            "that grant first). 'user add' brings a removed person back, without grants.\n"
            "Recorded as user-removed.\n",
        .run = run_user_remove,
    },
    {0},
};

const struct cli_cmd cmd_user = {
    .name = "user",
    .summary = "People: clients, invited guests and team members.",
    .subs = user_subs,
};
