/* people.h — what removing people and teams shares (private to tools/):
 * 'user remove', 'team remove' and 'team remove-member' (cmd_user.c,
 * cmd_team.c).
 *
 * Grants are never deleted: removing a user or a team revokes the grants
 * that name it, each recorded as "grant-revoked", in the caller's
 * transaction. And no removal may silently take away an album's last
 * editor (the owner-like role: the studio's team): the albums with a live
 * editor are noted before the change (people_editors_before) and checked
 * inside the transaction after it (people_editors_kept), which refuses,
 * naming the album and what to do. Single-threaded, as albumctl.
 */
#ifndef ALBUMCTL_PEOPLE_H
#define ALBUMCTL_PEOPLE_H

#include "tools/cli.h"

/* Albums with a live editor now (malloc'd ids; free with people_editors_free). */
struct people_editors {
    int64_t *ids;
    size_t n;
};

/* Inside the transaction, before the change. CLI_OK or CLI_FAIL (message). */
int people_editors_before(struct cli *cli, struct people_editors *e);
/* Inside the transaction, after the change: CLI_OK when every album of e
 * still has a live editor, else CLI_FAIL with a message saying that
 * `what` ("removing user a@b") would leave album X without one (the caller
 * rolls back). */
int people_editors_kept(struct cli *cli, const struct people_editors *e, const char *what);
void people_editors_free(struct people_editors *e);

/* Revoke every grant of the user's own (CAT_GRANTS_OF_USER) or the team's
 * (CAT_GRANTS_OF_TEAM) that is not revoked yet, recording each; *n gets
 * how many. Inside the transaction. 0 or a negative errno. */
int people_revoke_grants(struct cli *cli, enum cat_grants_of kind, int64_t id, size_t *n);

#endif
