/* link_door.h — a share link's client door at the command line (private
 * to tools/; 'albumctl link create' and 'link change', cmd_link.c).
 *
 * One token, two passwords (issue 12, docs/policy.md "Two doors"): the
 * guest password opens the link's guest view, the client password its
 * client door, a link row of its own (store/links.h) with a client grant
 * built from --client-settings (least privilege: the client role's
 * defaults, no downloads unless given). The two passwords must differ.
 * Passwords are read into guarded memory, hashed before any transaction
 * and zeroed at once. No state, no locks.
 */
#ifndef ALBUMCTL_LINK_DOOR_H
#define ALBUMCTL_LINK_DOOR_H

#include "tools/cli.h"
#include "tools/grant_settings.h"

/* Read a link password from the first line of path into guarded memory
 * (*out, freed with links_password_free): CLI_OK, or a message (too short,
 * too long, unreadable). `what` names it in messages ("link password"). */
int link_door_read_password(struct cli *cli, const char *path, const char *what, char **out);

/* Argon2id string of password into hash: CLI_OK or a message. */
int link_door_hash(struct cli *cli, const char *password, char hash[CAT_PWHASH_MAX]);

/* A --client-settings KEY=VALUE (a setting named as its option, without
 * the dashes: web=on, highres=original, expires=30d) into o: CLI_OK or
 * CLI_USAGE with a message. */
int link_door_parse_setting(struct cli *cli, struct grant_opts *o, const char *arg);

/* Inside the caller's transaction: give link (of album) its client door
 * with password hash `hash` and a client grant from co (built by
 * grant_opts_build for AF_ROLE_CLIENT into *g). A link whose door was
 * closed before gets it back with a new grant. *door_id and g->grant.id
 * are set. CLI_OK, or a message (the caller rolls back). */
int link_door_open(struct cli *cli, const struct cat_album *album, const struct cat_link *link,
                   const char *hash, const struct grant_opts *co, struct cat_grant *g,
                   int64_t *door_id);

/* Inside the caller's transaction: close link's client door: its password
 * is removed and its grants revoked, with those claimed through it (its
 * favourites and marks stay, as any revoked grant's do). CLI_OK or a
 * message. */
int link_door_close(struct cli *cli, const struct cat_link *link);

/* Inside the caller's transaction, after a grant of link_id was revoked:
 * when the link has no unrevoked grant left, its client door's grants are
 * revoked too (a door never outlives its link; store/subject.h holds that
 * for mounts whatever the grants say). 0 or negative errno. */
int link_door_follow(struct cli *cli, int64_t link_id);

#endif
