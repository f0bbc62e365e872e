/* cmd_grant.c — 'albumctl grant': give a user or a team a role on an album
 * with settings ('grant ALBUM ...' is short for 'grant add ALBUM ...'),
 * 'grant change' (a grant's expiry and settings, links' too) and 'grant
 * list'. Links get their grant from 'albumctl link create'. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"

enum { OPT_USER = CLI_OPT_FIRST, OPT_TEAM, OPT_ROLE, OPT_NO_PREPARE, OPT_INVITE };

static int parse_role(struct cli *cli, const char *val, enum af_role *role)
{
    if (policy_role_parse(val, role) != 0 ||
        (*role != AF_ROLE_CLIENT && *role != AF_ROLE_INVITED && *role != AF_ROLE_EDITOR &&
         *role != AF_ROLE_GUEST))
        return cli_usage(cli, "--role is client, invited or editor, not '%s'",
                         cli_printable(val));
    if (*role == AF_ROLE_GUEST)
        return cli_usage(cli, "guest is the role of share links; create one with "
                         "'albumctl link create ALBUM'");
    return CLI_OK;
}

/* The new grant: its id, or with --json all of it as stored. */
static int print_grant(struct cli *cli, int64_t id)
{
    struct cat_grant g;
    int err;

    if (!cli->json) {
        printf("%" PRId64 "\n", id);
        return CLI_OK;
    }
    err = catalog_grant_by_id(cli_catalog(cli), id, &g);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64 " back", id);
    grant_json(cli, &g);
    json_finish(&cli->out);
    return CLI_OK;
}

static int run_grant_add(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, OPT_USER},
        {"team", required_argument, NULL, OPT_TEAM},
        {"role", required_argument, NULL, OPT_ROLE},
        {"no-prepare", no_argument, NULL, OPT_NO_PREPARE},
        {"invite", no_argument, NULL, OPT_INVITE},
        GRANT_SETTINGS_OPTIONS,
        CLI_COMMON_OPTIONS,
    };
    const char *email = NULL, *team_name = NULL, *role_name = NULL;
    char detail[AF_EMAIL_MAX + 64];
    enum af_role role = AF_ROLE_NONE;
    bool prepare = true, send_invite = false;
    struct grant_opts o;
    struct cat_album album;
    struct cat_user user;
    struct cat_team team;
    struct cat_grant g;
    int c, st = CLI_OK, err;

    grant_opts_init(&o);
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_USER)
            email = optarg;
        else if (c == OPT_TEAM)
            team_name = optarg;
        else if (c == OPT_ROLE)
            role_name = optarg;
        else if (c == OPT_NO_PREPARE)
            prepare = false;
        else if (c == OPT_INVITE)
            send_invite = true;
        else
            st = grant_opts_parse(cli, &o, c, optarg);
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one ALBUM");
    if (!email == !team_name)
        return cli_usage(cli, "name either --user EMAIL or --team TEAM");
    if (!role_name)
        return cli_usage(cli, "--role is required: client, invited or editor");
    st = parse_role(cli, role_name, &role);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK)
        st = email ? cli_find_user(cli, email, &user) : cli_find_team(cli, team_name, &team);
    if (st == CLI_OK)
        st = grant_opts_build(cli, &o, role, &album, &g);
    if (st != CLI_OK)
        return st;

    g.principal = email ? CAT_PRINCIPAL_USER : CAT_PRINCIPAL_TEAM;
    g.principal_id = email ? user.id : team.id;
    g_strlcpy(g.principal_name, email ? user.email : team.name, sizeof(g.principal_name));
    snprintf(g.album_name, sizeof(g.album_name), "%s", album.name);
    g.created = cli->now;
    snprintf(detail, sizeof(detail), "%s %s%s", policy_role_name(role), email ? "" : "team ",
             g.principal_name);

    st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    st = grant_opts_pool(cli, &o, &album, g.principal_name, &g);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        return st;
    }
    err = catalog_grant_add(cli_catalog(cli), &g);
    if (err == 0)
        err = cli_activity(cli, "grant-issued", g.grant.id, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail_errno(cli, err, "saving the grant");
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        st = print_grant(cli, g.grant.id);
    if (st == CLI_OK && prepare)
        cli_prepare_views(cli, &album, NULL);
    if (st == CLI_OK && send_invite)
        st = cli_invite(cli, &album, email ? &user : NULL, email ? NULL : &team);
    return st;
}

static int run_grant_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_grant *grants = NULL;
    size_t n = 0;
    int st, err;

    st = cli_optional_album(cli, argc, argv, &album);
    if (st == CLI_OK)
        st = cli_record_expiries(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grants(cli_catalog(cli), album.id, &grants, &n);
    if (err)
        return cli_fail_errno(cli, err, "listing grants");

    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "grants");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++)
            grant_json(cli, &grants[i]);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table t;
        cli_table_init(&t, 8);
        cli_table_row(&t, "ID", "ALBUM", "PRINCIPAL", "ROLE", "EXPIRES", "STATUS", "VIA",
                      "SETTINGS");
        for (size_t i = 0; i < n; i++) {
            const struct cat_grant *g = &grants[i];
            char id[24], expires[32], who[AF_EMAIL_MAX + 8], summary[1024], via[32] = "-";

            snprintf(id, sizeof(id), "%" PRId64, g->grant.id);
            if (g->via_link_id > 0)
                snprintf(via, sizeof(via), "link:%" PRId64, g->via_link_id);
            timefmt_print(g->grant.expires, expires, sizeof(expires));
            grant_summary(cli, &g->grant.settings, summary, sizeof(summary));
            cli_table_row(&t, id, g->album_name, grant_principal_label(g, who, sizeof(who)),
                          policy_role_name(g->grant.role), expires, grant_status(cli, &g->grant),
                          via, summary);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    free(grants);
    return CLI_OK;
}

/* Refuse to change grant g unless it is live, or expired and --expires is
 * given (extending an expired grant is allowed; a revoked one is over). */
static int check_changeable(struct cli *cli, const struct cat_grant *g,
                            const struct grant_opts *o)
{
    char when[32];

    if (g->grant.revoked) {
        timefmt_print(g->grant.revoked, when, sizeof(when));
        return cli_fail(cli, "grant %" PRId64 " was revoked on %s and cannot change; issue a "
                        "new one ('albumctl grant' or 'albumctl link create')", g->grant.id, when);
    }
    if (!policy_grant_live(&g->grant, cli->now) && !o->expires_given) {
        timefmt_print(g->grant.expires, when, sizeof(when));
        return cli_fail(cli, "grant %" PRId64 " expired on %s; give --expires to extend it "
                        "(settings may change with it)", g->grant.id, when);
    }
    return CLI_OK;
}

static int run_grant_change(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {GRANT_SETTINGS_OPTIONS, CLI_COMMON_OPTIONS};
    char detail[AF_EMAIL_MAX + 1100], typed[1024], pool_owner[AF_EMAIL_MAX + 8];
    struct grant_opts o;
    struct cat_album album;
    struct cat_grant g, after;
    int64_t id;
    int c, st = CLI_OK, err;

    grant_opts_init(&o);
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if ((st = grant_opts_parse(cli, &o, c, optarg)) != CLI_OK)
            return st;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind == 1 && !grant_opts_any(&o))
        return cli_usage(cli, "nothing to change: give --expires or a setting");
    st = cli_find_grant(cli, argc, argv, &g);
    if (st != CLI_OK)
        return st;
    id = g.grant.id;
    err = catalog_album_by_id(cli_catalog(cli), g.grant.album_id, &album);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64 "'s album", id);
    st = check_changeable(cli, &g, &o);
    after = g;
    if (st == CLI_OK)
        st = grant_opts_apply(cli, &o, g.grant.role, &album, &after.grant.settings);
    if (st != CLI_OK)
        return st;
    if (o.expires_given)
        after.grant.expires = o.expires;
    if (g.principal == CAT_PRINCIPAL_LINK) /* the default pool, named as link create does */
        snprintf(pool_owner, sizeof(pool_owner), "link-%" PRId64, g.principal_id);
    else
        snprintf(pool_owner, sizeof(pool_owner), "%s", g.principal_name);
    grant_opts_describe(&o, typed, sizeof(typed));
    snprintf(detail, sizeof(detail), "%s %s: %s", policy_role_name(g.grant.role),
             g.principal_name, typed);

    st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    st = grant_opts_pool(cli, &o, &album, pool_owner, &after);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        return st;
    }
    err = catalog_grant_update(cli_catalog(cli), id, after.grant.expires, &after.grant.settings);
    if (err == 0)
        err = cli_activity(cli, "grant-changed", id, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EALREADY)
            return cli_fail(cli, "grant %" PRId64 " was revoked meanwhile; nothing changed", id);
        return cli_fail_errno(cli, err, "changing grant %" PRId64, id);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (!cli->json) {
        char who[AF_EMAIL_MAX + 8];
        printf("changed grant %" PRId64 " (%s on %s): %s\n", id,
               grant_principal_label(&g, who, sizeof(who)), album.name, typed);
        return CLI_OK;
    }
    return print_grant(cli, id);
}

static const struct cli_cmd grant_subs[] = {
    {
        .name = "add",
        .summary = "Give a user or a team a role on an album; prints the grant id.",
        .usage = "ALBUM (--user EMAIL | --team TEAM) --role client|invited|editor [settings] "
                 "[--no-prepare] [--invite]",
        .help =
            "'albumctl grant ALBUM ...' is short for 'albumctl grant add ALBUM ...'.\n"
            "Roles (SPEC §3): client sees public and client sets and private photos;\n"
            "invited sees public sets only; editor (the team) sees and changes everything.\n"
            "Several grants on one album add up. With --json the whole grant is printed.\n"
            "Then the views the grant opens are rendered ahead of time (see 'albumctl\n"
            "prepare'); --no-prepare skips that.\n"
            "--invite e-mails the user (or each member of the team) an invitation saying\n"
            "how to open the gallery from their own computer (the addresses of 'albumctl\n"
            "notify settings'), what they may do there and until when, and tries to\n"
            "deliver it at once; a delivery that fails is a warning, the invitation\n"
            "stays queued. 'albumctl notify preview GRANT_ID' prints it unsent.\n"
            "\n"
            "settings (defaults follow least privilege):\n" GRANT_SETTINGS_HELP,
        .run = run_grant_add,
    },
    {
        .name = "change",
        .summary = "Change a grant's expiry or settings (a user's, a team's or a link's).",
        .usage = "GRANT_ID [--expires DATE|DURATION|never] [settings]",
        .help =
            "Only the options given change; the others keep their values. The role's\n"
            "limits hold as at creation: asking for more is refused, nothing changes.\n"
            "--download-sets replaces the grant's download sets. Live mounts follow within\n"
            "a second. Recorded as grant-changed with the options as typed.\n"
            "A revoked grant cannot change. An expired grant can be extended: give\n"
            "--expires (a later date, a duration from now, or never), with or without\n"
            "other settings. With --json the whole grant is printed as it is now.\n"
            "\n"
            "settings:\n" GRANT_SETTINGS_HELP,
        .run = run_grant_change,
    },
    {
        .name = "list",
        .summary = "List grants (of one album, or all), live, expired or revoked.",
        .usage = "[ALBUM] [--json]",
        .help = "VIA names the share link a person's grant was claimed through (they\n"
                "confirmed their address with a code sent there: see albumfs --email);\n"
                "revoking that link revokes it too. --json prints every setting of every\n"
                "grant, and via_link (the link's id, or null).\n",
        .run = run_grant_list,
    },
    {0},
};

const struct cli_cmd cmd_grant = {
    .name = "grant",
    .summary = "Grants: who may see an album, in which role, with which settings.",
    .help = "'albumctl grant ALBUM ...' is short for 'albumctl grant add ALBUM ...'.\n",
    .subs = grant_subs,
    .implicit = "add",
};
