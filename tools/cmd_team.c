/* cmd_team.c — 'albumctl team add|add-member|list|remove-member|remove':
 * named groups of users (the studio's team, a wedding couple) that grants
 * can name. Every change is recorded in the activity, in its transaction;
 * removing a team revokes its grants (tools/people.h). */
#include <errno.h>
#include <stdlib.h>

#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/people.h"

static int run_team_add(struct cli *cli, int argc, char **argv)
{
    int64_t id;
    const char *name;
    int st = cli_args(cli, argc, argv, 1, "a team name");
    int err;

    if (st != CLI_OK)
        return st;
    name = argv[optind];
    st = cli_check_name(cli, "team", name);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_team_add(cli_catalog(cli), name, &id);
    if (err == 0)
        err = cli_activity(cli, "team-added", 0, 0, 0, name);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return cli_fail(cli, "team '%s' already exists; see 'albumctl team list'", name);
        return cli_fail_errno(cli, err, "adding team '%s'", name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", id);
        json_kv_string(&cli->out, "name", name);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("added team %s\n", name);
    return CLI_OK;
}

/* The member-change JSON of 'team add-member' and 'team remove-member'. */
static void print_member(struct cli *cli, const struct cat_team *team,
                         const struct cat_user *user, const char *text_verb)
{
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "team", team->name);
        json_kv_string(&cli->out, "member", user->email);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("%s %s %s team %s\n", text_verb, user->email,
               text_verb[0] == 'a' ? "to" : "from", team->name);
}

/* TEAM EMAIL: both found (the library opened). An exit status. */
static int team_and_user(struct cli *cli, int argc, char **argv, struct cat_team *team,
                         struct cat_user *user)
{
    int st = cli_args(cli, argc, argv, 2, "TEAM EMAIL");

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_team(cli, argv[optind], team);
    if (st == CLI_OK)
        st = cli_find_user(cli, argv[optind + 1], user);
    return st;
}

static int run_team_add_member(struct cli *cli, int argc, char **argv)
{
    char detail[AF_NAME_MAX + AF_EMAIL_MAX + 8];
    struct cat_team team;
    struct cat_user user;
    int st = team_and_user(cli, argc, argv, &team, &user);
    int err;

    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    snprintf(detail, sizeof(detail), "%s: %s", team.name, user.email);
    err = catalog_team_add_member(cli_catalog(cli), team.id, user.id);
    if (err == 0)
        err = cli_activity(cli, "team-member-added", 0, 0, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return cli_fail(cli, "%s is already a member of team '%s'", user.email, team.name);
        return cli_fail_errno(cli, err, "adding %s to team '%s'", user.email, team.name);
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        print_member(cli, &team, &user, "added");
    return st;
}

/* Run the removal (team member or whole team) `what` inside one
 * transaction begun here: `remove` does it, then the album editors are
 * checked and the activity recorded. An exit status. */
static int removal(struct cli *cli, const char *what, const char *kind, const char *detail,
                   int (*remove)(struct cli *cli, void *arg), void *arg)
{
    struct people_editors editors = {NULL, 0};
    int st = cli_begin(cli);
    int err = 0;

    if (st != CLI_OK)
        return st;
    st = people_editors_before(cli, &editors);
    if (st == CLI_OK)
        st = remove(cli, arg);
    if (st == CLI_OK && (err = cli_activity(cli, kind, 0, 0, 0, detail)) != 0)
        st = cli_fail_errno(cli, err, "recording %s", kind);
    if (st == CLI_OK)
        st = people_editors_kept(cli, &editors, what);
    people_editors_free(&editors);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        return st;
    }
    return cli_commit(cli);
}

struct member_arg {
    const struct cat_team *team;
    const struct cat_user *user;
};

static int remove_member(struct cli *cli, void *p)
{
    const struct member_arg *m = p;
    int err = catalog_team_remove_member(cli_catalog(cli), m->team->id, m->user->id);

    if (err == -ENOENT)
        return cli_fail(cli, "%s is not a member of team '%s'; see 'albumctl team list'",
                        m->user->email, m->team->name);
    if (err)
        return cli_fail_errno(cli, err, "removing %s from team '%s'", m->user->email,
                              m->team->name);
    return CLI_OK;
}

static int run_team_remove_member(struct cli *cli, int argc, char **argv)
{
    char what[AF_NAME_MAX + AF_EMAIL_MAX + 32], detail[AF_NAME_MAX + AF_EMAIL_MAX + 8];
    struct cat_team team;
    struct cat_user user;
    struct member_arg m = {&team, &user};
    int st = team_and_user(cli, argc, argv, &team, &user);

    if (st != CLI_OK)
        return st;
    snprintf(what, sizeof(what), "removing %s from team %s", user.email, team.name);
    snprintf(detail, sizeof(detail), "%s: %s", team.name, user.email);
    st = removal(cli, what, "team-member-removed", detail, remove_member, &m);
    if (st == CLI_OK)
        print_member(cli, &team, &user, "removed");
    return st;
}

struct team_arg {
    const struct cat_team *team;
    size_t revoked;
};

static int remove_team(struct cli *cli, void *p)
{
    struct team_arg *t = p;
    int err = people_revoke_grants(cli, CAT_GRANTS_OF_TEAM, t->team->id, &t->revoked);

    if (err == 0)
        err = catalog_team_remove(cli_catalog(cli), t->team->id, cli->now);
    if (err)
        return cli_fail_errno(cli, err, "removing team '%s'", t->team->name);
    return CLI_OK;
}

static int run_team_remove(struct cli *cli, int argc, char **argv)
{
    char what[AF_NAME_MAX + 32];
    struct cat_team team;
    struct team_arg t = {&team, 0};
    int st = cli_args(cli, argc, argv, 1, "a team name");

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_team(cli, argv[optind], &team);
    if (st != CLI_OK)
        return st;
    snprintf(what, sizeof(what), "removing team %s", team.name);
    st = removal(cli, what, "team-removed", team.name, remove_team, &t);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "removed", team.name);
        json_kv_int(&cli->out, "grants_revoked", (int64_t)t.revoked);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("removed team %s (%zu grant%s revoked; its members stay users)\n", team.name,
               t.revoked, t.revoked == 1 ? "" : "s");
    return CLI_OK;
}

static void team_list_json(struct cli *cli, const struct cat_team *teams, size_t n,
                           struct cat_user *const *members, const size_t *nm)
{
    json_object_begin(&cli->out);
    json_key(&cli->out, "teams");
    json_array_begin(&cli->out);
    for (size_t i = 0; i < n; i++) {
        char when[32];
        timefmt_print(teams[i].created, when, sizeof(when));
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", teams[i].id);
        json_kv_string(&cli->out, "name", teams[i].name);
        json_kv_string(&cli->out, "created", when);
        json_key(&cli->out, "members");
        json_array_begin(&cli->out);
        for (size_t m = 0; m < nm[i]; m++)
            json_string(&cli->out, members[i][m].email);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
    }
    json_array_end(&cli->out);
    json_object_end(&cli->out);
    json_finish(&cli->out);
}

static void team_list_text(const struct cat_team *teams, size_t n,
                           struct cat_user *const *members, const size_t *nm)
{
    struct cli_table t;

    cli_table_init(&t, 2);
    cli_table_row(&t, "TEAM", "MEMBERS");
    for (size_t i = 0; i < n; i++) {
        GString *list = g_string_new(nm[i] ? NULL : "-");
        for (size_t m = 0; m < nm[i]; m++)
            g_string_append_printf(list, "%s%s", m ? ", " : "", members[i][m].email);
        cli_table_row(&t, teams[i].name, list->str);
        g_string_free(list, TRUE);
    }
    cli_table_print(&t, stdout);
    cli_table_release(&t);
}

static int run_team_list(struct cli *cli, int argc, char **argv)
{
    struct cat_team *teams = NULL;
    struct cat_user **members;
    size_t n = 0, *nm;
    int st = cli_args(cli, argc, argv, 0, "no arguments");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_teams(cli_catalog(cli), &teams, &n);
    if (err)
        return cli_fail_errno(cli, err, "listing teams");
    members = g_new0(struct cat_user *, n ? n : 1);
    nm = g_new0(size_t, n ? n : 1);
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        err = catalog_team_members(cli_catalog(cli), teams[i].id, &members[i], &nm[i]);
        if (err)
            st = cli_fail_errno(cli, err, "listing members of team '%s'", teams[i].name);
    }
    if (st == CLI_OK && cli->json)
        team_list_json(cli, teams, n, members, nm);
    else if (st == CLI_OK)
        team_list_text(teams, n, members, nm);
    for (size_t i = 0; i < n; i++)
        free(members[i]);
    g_free(members);
    g_free(nm);
    free(teams);
    return st;
}

static const struct cli_cmd team_subs[] = {
    {
        .name = "add",
        .summary = "Create a team.",
        .usage = "TEAM",
        .run = run_team_add,
    },
    {
        .name = "add-member",
        .summary = "Add a user to a team (grants to the team then reach them).",
        .usage = "TEAM EMAIL",
        .run = run_team_add_member,
    },
    {
        .name = "list",
        .summary = "List teams and their members.",
        .usage = "[--json]",
        .run = run_team_list,
    },
    {
        .name = "remove-member",
        .summary = "Take a user out of a team (the team's grants no longer reach them).",
        .usage = "TEAM EMAIL [--json]",
        .help = "Live mounts follow within a second. Refused when it would leave an album\n"
                "without an editor (revoke that grant first). Recorded as\n"
                "team-member-removed.\n",
        .run = run_team_remove_member,
    },
    {
        .name = "remove",
        .summary = "Remove a team: its grants are revoked, its members stay users.",
        .usage = "TEAM [--json]",
        .help = "Revokes every grant of the team (each recorded as grant-revoked) and\n"
                "empties it; grants keep naming it. Refused when it would leave an album\n"
                "without an editor (revoke that grant first). 'team add' brings a removed\n"
                "team back, empty and without grants. Recorded as team-removed.\n",
        .run = run_team_remove,
    },
    {0},
};

const struct cli_cmd cmd_team = {
    .name = "team",
    .summary = "Teams: named groups of users that a grant can name at once.",
    .subs = team_subs,
};
