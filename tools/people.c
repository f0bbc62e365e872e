/* people.c — revoking a removed user's or team's grants, and keeping every
 * album's last editor (people.h). */
#include "tools/people.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

int people_editors_before(struct cli *cli, struct people_editors *e)
{
    int err = catalog_albums_with_editors(cli_catalog(cli), cli->now, &e->ids, &e->n);

    if (err)
        return cli_fail_errno(cli, err, "reading the albums' editors");
    return CLI_OK;
}

int people_editors_kept(struct cli *cli, const struct people_editors *e, const char *what)
{
    struct people_editors now = {NULL, 0};
    struct cat_album album;
    size_t j = 0;
    int st = people_editors_before(cli, &now);

    /* Both lists are sorted by id: find the first album of e missing now. */
    for (size_t i = 0; st == CLI_OK && i < e->n; i++) {
        while (j < now.n && now.ids[j] < e->ids[i])
            j++;
        if (j < now.n && now.ids[j] == e->ids[i])
            continue;
        if (catalog_album_by_id(cli_catalog(cli), e->ids[i], &album) != 0)
            snprintf(album.name, sizeof(album.name), "%" PRId64, e->ids[i]);
        st = cli_fail(cli, "%s would leave album '%s' without an editor; revoke that editor "
                      "grant first if this is meant ('albumctl grant list \"%s\"', 'albumctl "
                      "revoke GRANT_ID')", what, album.name, album.name);
    }
    people_editors_free(&now);
    return st;
}

void people_editors_free(struct people_editors *e)
{
    free(e->ids);
    e->ids = NULL;
    e->n = 0;
}

int people_revoke_grants(struct cli *cli, enum cat_grants_of kind, int64_t id, size_t *n)
{
    struct cat_grant *rows = NULL;
    char detail[AF_EMAIL_MAX + 32];
    int err = catalog_grants_unrevoked(cli_catalog(cli), kind, id, &rows, n);

    for (size_t i = 0; err == 0 && i < *n; i++) {
        err = catalog_grant_revoke(cli_catalog(cli), rows[i].grant.id, cli->now);
        snprintf(detail, sizeof(detail), "%s %s", policy_role_name(rows[i].grant.role),
                 rows[i].principal_name);
        if (err == 0)
            err = cli_activity(cli, "grant-revoked", rows[i].grant.id, rows[i].grant.album_id, 0,
                               detail);
    }
    free(rows);
    return err;
}
