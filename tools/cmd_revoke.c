/* cmd_revoke.c — 'albumctl revoke GRANT_ID': end a grant now (users, teams
 * and links alike). Live mounts stop honouring it within a second. */
#include <errno.h>
#include <inttypes.h>

#include "tools/cli.h"

static int run_revoke(struct cli *cli, int argc, char **argv)
{
    struct cat_grant g;
    char detail[AF_EMAIL_MAX + 32];
    int64_t id;
    int st = cli_args(cli, argc, argv, 1, "one GRANT_ID");
    int err;

    if (st == CLI_OK)
        st = cli_parse_i64(cli, "GRANT_ID", argv[optind], 1, &id);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_by_id(cli_catalog(cli), id, &g);
    if (err == -ENOENT)
        return cli_fail(cli, "no grant %" PRId64 "; see 'albumctl grant list'", id);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64, id);
    st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_revoke(cli_catalog(cli), id, cli->now);
    snprintf(detail, sizeof(detail), "%s %s", policy_role_name(g.grant.role), g.principal_name);
    if (err == 0)
        err = cli_activity(cli, "grant-revoked", id, g.grant.album_id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EALREADY)
            return cli_fail(cli, "grant %" PRId64 " is already revoked; nothing to do", id);
        if (err == -ENOENT)
            return cli_fail(cli, "no grant %" PRId64 "; see 'albumctl grant list'", id);
        return cli_fail_errno(cli, err, "revoking grant %" PRId64, id);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", id);
        json_kv_string(&cli->out, "album", g.album_name);
        json_kv_string(&cli->out, "principal", g.principal_name);
        json_kv_string(&cli->out, "status", "revoked");
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("revoked grant %" PRId64 " (%s on %s)\n", id, g.principal_name, g.album_name);
    return CLI_OK;
}

const struct cli_cmd cmd_revoke = {
    .name = "revoke",
    .summary = "Revoke a grant (a user's, a team's or a link's) now.",
    .usage = "GRANT_ID",
    .help = "Grant ids are printed by 'albumctl grant' and listed by 'albumctl grant list'.\n"
            "A revoked grant stays in the list (status revoked); revoking it again fails.\n",
    .run = run_revoke,
};
