/* cmd_team.c — 'albumctl team add|add-member|list': named groups of users
 * (the studio's team, a wedding couple) that grants can name. */
#include <errno.h>
#include <stdlib.h>

#include "store/timefmt.h"
#include "tools/cli.h"

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

static int run_team_add_member(struct cli *cli, int argc, char **argv)
{
    struct cat_team team;
    struct cat_user user;
    int st = cli_args(cli, argc, argv, 2, "TEAM EMAIL");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_team(cli, argv[optind], &team);
    if (st == CLI_OK)
        st = cli_find_user(cli, argv[optind + 1], &user);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_team_add_member(cli_catalog(cli), team.id, user.id);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return cli_fail(cli, "%s is already a member of team '%s'", user.email, team.name);
        return cli_fail_errno(cli, err, "adding %s to team '%s'", user.email, team.name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "team", team.name);
        json_kv_string(&cli->out, "member", user.email);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("added %s to team %s\n", user.email, team.name);
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
    {0},
};

const struct cli_cmd cmd_team = {
    .name = "team",
    .summary = "Teams: named groups of users that a grant can name at once.",
    .subs = team_subs,
};
