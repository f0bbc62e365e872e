/* link_door.c — a share link's client door at the command line (see
 * link_door.h). */
#include "tools/link_door.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/claims.h"
#include "store/links.h"

int link_door_read_password(struct cli *cli, const char *path, const char *what, char **out)
{
    size_t len;
    int err = links_read_password_file(path, out);

    if (err == -E2BIG)
        return cli_usage(cli, "%s must be at most %d characters", what, LINK_PASSWORD_MAX);
    if (err)
        return cli_fail_errno(cli, err, "cannot read password file '%s'", cli_printable(path));
    len = strlen(*out);
    if (len >= LINK_PASSWORD_MIN && len <= LINK_PASSWORD_MAX)
        return CLI_OK;
    links_password_free(*out);
    *out = NULL;
    return cli_usage(cli, "%s must be at least %d characters%s", what, LINK_PASSWORD_MIN,
                     len > LINK_PASSWORD_MAX ? " and at most 1024" : "");
}

int link_door_hash(struct cli *cli, const char *password, char hash[CAT_PWHASH_MAX])
{
    int err = links_hash_password(password, hash);

    return err ? cli_fail_errno(cli, err, "cannot hash the link password") : CLI_OK;
}

int link_door_parse_setting(struct cli *cli, struct grant_opts *o, const char *arg)
{
    static const struct option settings[] = {GRANT_SETTINGS_OPTIONS, {0}};
    const char *eq = strchr(arg, '=');

    for (size_t i = 0; eq && settings[i].name; i++)
        if (strlen(settings[i].name) == (size_t)(eq - arg) &&
            strncmp(settings[i].name, arg, (size_t)(eq - arg)) == 0)
            return grant_opts_parse(cli, o, settings[i].val, eq + 1);
    return cli_usage(cli, "--client-settings takes SETTING=VALUE with a setting of 'albumctl "
                     "grant' without its dashes (web=on, highres=original, expires=30d), not "
                     "'%s'", cli_printable(arg));
}

/* Revoke the grants of client door `id` that are not revoked yet, each
 * with a 'grant-revoked' activity row, and the grants people claimed
 * through the door (as revoking a link's grant does). 0 or negative
 * errno. */
static int revoke_all(struct cli *cli, int64_t id)
{
    struct af_grant *rows = NULL;
    struct cat_grant *claims = NULL;
    struct cat_grant door = {.principal = CAT_PRINCIPAL_LINK, .principal_id = id};
    char detail[48];
    size_t n = 0, n_claims = 0;
    int err = catalog_grants_for_link(cli_catalog(cli), id, &rows, &n);

    snprintf(detail, sizeof(detail), "client link:%" PRId64, id);
    for (size_t i = 0; err == 0 && i < n; i++) {
        if (rows[i].revoked)
            continue;
        err = catalog_grant_revoke(cli_catalog(cli), rows[i].id, cli->now);
        if (err == 0)
            err = cli_activity(cli, "grant-revoked", rows[i].id, rows[i].album_id, 0, detail);
        door.grant.album_id = rows[i].album_id;
        if (err == 0)
            err = claims_revoke_with_link(cli_catalog(cli), &door, cli->now, "owner", &claims,
                                          &n_claims);
        free(claims);
        claims = NULL;
    }
    free(rows);
    return err;
}

int link_door_open(struct cli *cli, const struct cat_album *album, const struct cat_link *link,
                   const char *hash, const struct grant_opts *co, struct cat_grant *g,
                   int64_t *door_id)
{
    unsigned char never_a_token[CAT_TOKEN_HASH_BYTES];
    int st, err = 0;

    *door_id = link->client_door;
    if (*door_id > 0) {
        err = revoke_all(cli, *door_id); /* its old grant goes with its old password */
        if (err == 0)
            err = catalog_link_set_password(cli_catalog(cli), *door_id, hash);
    } else {
        randombytes_buf(never_a_token, sizeof(never_a_token));
        err = catalog_link_add(cli_catalog(cli), album->id, never_a_token, hash, door_id);
        if (err == 0)
            err = catalog_link_door_add(cli_catalog(cli), link->id, *door_id);
    }
    if (err)
        return cli_fail_errno(cli, err, "saving the client door");
    g->principal = CAT_PRINCIPAL_LINK;
    g->principal_id = *door_id;
    snprintf(g->principal_name, sizeof(g->principal_name), "link-%" PRId64, *door_id);
    snprintf(g->album_name, sizeof(g->album_name), "%s", album->name);
    g->created = cli->now;
    st = grant_opts_pool(cli, co, album, g->principal_name, g);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_add(cli_catalog(cli), g);
    if (err)
        return cli_fail_errno(cli, err, "saving the client door's grant");
    return CLI_OK;
}

int link_door_close(struct cli *cli, const struct cat_link *link)
{
    int err = revoke_all(cli, link->client_door);

    if (err == 0)
        err = catalog_link_set_password(cli_catalog(cli), link->client_door, NULL);
    return err ? cli_fail_errno(cli, err, "closing the client door") : CLI_OK;
}

int link_door_follow(struct cli *cli, int64_t link_id)
{
    struct af_grant *rows = NULL;
    struct cat_link link;
    size_t n = 0;
    bool open = false;
    int err = catalog_link_by_id(cli_catalog(cli), link_id, &link);

    if (err || link.client_door == 0)
        return err;
    err = catalog_grants_for_link(cli_catalog(cli), link_id, &rows, &n);
    for (size_t i = 0; err == 0 && i < n; i++)
        open = open || rows[i].revoked == 0;
    free(rows);
    return err || open ? err : revoke_all(cli, link.client_door);
}
