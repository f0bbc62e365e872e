/* cmd_revoke.c — 'albumctl revoke GRANT_ID': end a grant now (users, teams
 * and links alike). Revoking a link's grant also revokes the grants people
 * claimed through that link (store/claims.h) unless --keep-claims is given;
 * and the last of a link's grants closes its client door (link_door.h);
 * all of it is one transaction. Live mounts stop honouring them within a
 * second. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "store/claims.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"
#include "tools/link_door.h"

enum { OPT_KEEP_CLAIMS = CLI_OPT_FIRST };

static void print_revoked(struct cli *cli, const struct cat_grant *g,
                          const struct cat_grant *claims, size_t n)
{
    if (!cli->json) {
        printf("revoked grant %" PRId64 " (%s on %s)\n", g->grant.id, g->principal_name,
               g->album_name);
        for (size_t i = 0; i < n; i++)
            printf("revoked grant %" PRId64 " (%s on %s, claimed through %s)\n",
                   claims[i].grant.id, claims[i].principal_name, claims[i].album_name,
                   g->principal_name);
        return;
    }
    json_object_begin(&cli->out);
    json_kv_int(&cli->out, "id", g->grant.id);
    json_kv_string(&cli->out, "album", g->album_name);
    principal_json(&cli->out, g);
    json_kv_string(&cli->out, "status", "revoked");
    json_key(&cli->out, "claims_revoked");
    json_array_begin(&cli->out);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", claims[i].grant.id);
        principal_json(&cli->out, &claims[i]);
        json_object_end(&cli->out);
    }
    json_array_end(&cli->out);
    json_object_end(&cli->out);
    json_finish(&cli->out);
}

static int run_revoke(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"keep-claims", no_argument, NULL, OPT_KEEP_CLAIMS},
        CLI_COMMON_OPTIONS,
    };
    struct cat_grant g, *claims = NULL;
    char detail[AF_EMAIL_MAX + 32];
    bool keep_claims = false;
    size_t n_claims = 0;
    int64_t id;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if (c == OPT_KEEP_CLAIMS)
            keep_claims = true;
    if (c < 0)
        return CLI_USAGE;
    st = cli_find_grant(cli, argc, argv, &g);
    if (st != CLI_OK)
        return st;
    id = g.grant.id;
    if (keep_claims && g.principal != CAT_PRINCIPAL_LINK)
        return cli_usage(cli, "--keep-claims goes with a link's grant; grant %" PRId64
                         " is %s's", id, g.principal_name);
    st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_revoke(cli_catalog(cli), id, cli->now);
    snprintf(detail, sizeof(detail), "%s %s", policy_role_name(g.grant.role), g.principal_name);
    if (err == 0)
        err = cli_activity(cli, "grant-revoked", id, g.grant.album_id, 0, detail);
    if (err == 0 && g.principal == CAT_PRINCIPAL_LINK)
        err = link_door_follow(cli, g.principal_id);
    if (err == 0 && !keep_claims)
        err = claims_revoke_with_link(cli_catalog(cli), &g, cli->now, "owner", &claims,
                                      &n_claims);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EALREADY)
            return cli_fail(cli, "grant %" PRId64 " is already revoked; nothing to do", id);
        if (err == -ENOENT)
            return cli_fail(cli, "no grant %" PRId64 "; see 'albumctl grant list'", id);
        return cli_fail_errno(cli, err, "revoking grant %" PRId64, id);
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        print_revoked(cli, &g, claims, n_claims);
    free(claims);
    return st;
}

const struct cli_cmd cmd_revoke = {
    .name = "revoke",
    .summary = "Revoke a grant (a user's, a team's or a link's) now.",
    .usage = "GRANT_ID [--keep-claims]",
    .help = "Grant ids are printed by 'albumctl grant' and listed by 'albumctl grant list'.\n"
            "A revoked grant stays in the list (status revoked); revoking it again fails.\n"
            "Revoking a link's grant also revokes the grants people claimed through that\n"
            "link (VIA in 'grant list'); --keep-claims keeps them.\n",
    .run = run_revoke,
};
