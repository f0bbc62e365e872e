/* grant_settings.h — grant settings at the command line (private to tools/).
 *
 * 'albumctl grant' and 'albumctl link create' take the same options for a
 * grant's expiry and settings (SPEC §3). They are collected while parsing
 * (grant_opts_parse), then turned into a grant for a role and album
 * (grant_opts_build): start from policy_settings_default(role), apply what
 * was given, clamp with policy_settings_clamp, and refuse — rather than
 * silently narrow — when the clamp changed something that was asked for.
 * 'grant change' applies them onto a grant's settings (grant_opts_apply).
 * An archived album takes no new grant or link (grant_opts_build refuses).
 * The allowance pool is resolved or created inside the caller's
 * transaction (grant_opts_pool). The same module prints grants, as a text
 * summary or as JSON, for 'grant', 'grant list' and 'link create'.
 */
#ifndef ALBUMCTL_GRANT_SETTINGS_H
#define ALBUMCTL_GRANT_SETTINGS_H

#include "tools/cli.h"

/* Long option codes of the settings; commands number their own below. */
enum {
    GRANT_OPT_EXPIRES = CLI_OPT_FIRST + 64,
    GRANT_OPT_PROOF_EDGE,
    GRANT_OPT_WM_PROOFS,
    GRANT_OPT_WM_DOWNLOADS,
    GRANT_OPT_RECIPIENT,
    GRANT_OPT_WEB,
    GRANT_OPT_WEB_EDGE,
    GRANT_OPT_HIGHRES,
    GRANT_OPT_LIMIT,
    GRANT_OPT_POOL,
    GRANT_OPT_DOWNLOAD_SETS,
    GRANT_OPT_FAVOURITES,
    GRANT_OPT_MARK_PRIVATE,
    GRANT_OPT_NOTIFY,
    GRANT_OPT_METADATA,
};

#define GRANT_SETTINGS_OPTIONS                                                  \
    {"expires", required_argument, NULL, GRANT_OPT_EXPIRES},                    \
    {"proof-edge", required_argument, NULL, GRANT_OPT_PROOF_EDGE},              \
    {"watermark-proofs", required_argument, NULL, GRANT_OPT_WM_PROOFS},         \
    {"watermark-downloads", required_argument, NULL, GRANT_OPT_WM_DOWNLOADS},   \
    {"recipient-mark", required_argument, NULL, GRANT_OPT_RECIPIENT},           \
    {"web", required_argument, NULL, GRANT_OPT_WEB},                            \
    {"web-edge", required_argument, NULL, GRANT_OPT_WEB_EDGE},                  \
    {"highres", required_argument, NULL, GRANT_OPT_HIGHRES},                    \
    {"limit", required_argument, NULL, GRANT_OPT_LIMIT},                        \
    {"pool", required_argument, NULL, GRANT_OPT_POOL},                          \
    {"download-sets", required_argument, NULL, GRANT_OPT_DOWNLOAD_SETS},        \
    {"favourites", required_argument, NULL, GRANT_OPT_FAVOURITES},              \
    {"mark-private", required_argument, NULL, GRANT_OPT_MARK_PRIVATE},          \
    {"notify", required_argument, NULL, GRANT_OPT_NOTIFY},                      \
    {"metadata", required_argument, NULL, GRANT_OPT_METADATA}

/* The options' help, for the commands' help text. */
#define GRANT_SETTINGS_HELP                                                              \
    "  --expires DATE|DURATION   end of the grant: 2026-12-31, '2026-12-31 18:00' (UTC)\n" \
    "                            or from now: 90m, 36h, 30d, 2w; or never (default)\n"   \
    "  --proof-edge PX           long edge of proofs, 256-8192 (default 2048)\n"         \
    "  --watermark-proofs on|off     watermark proofs (default on)\n"                    \
    "  --watermark-downloads on|off  watermark web-size/high-res files (default on)\n"  \
    "  --recipient-mark on|off   faint recipient name on views (default off)\n"          \
    "  --web on|off              web-size downloads (default off)\n"                      \
    "  --web-edge PX             their long edge, 256-8192 (default 2048; turns --web on)\n" \
    "  --highres off|original|PX high-res downloads: none, original size, or at most\n"  \
    "                            PX on the long edge (default off)\n"                     \
    "  --limit N|unlimited       high-res allowance in photos (default unlimited); drawn\n" \
    "                            from --pool NAME, else from a pool named after the\n"   \
    "                            person, team or link (link-ID), created if missing\n"   \
    "  --pool NAME               share the allowance pool NAME of the album with other\n" \
    "                            grants (created with --limit if it does not exist)\n"   \
    "  --download-sets SET[,SET...]  only these sets may be downloaded (default: all\n" \
    "                            the grant sees); may be repeated; '' for all again\n"   \
    "  --favourites on|off       may pick favourites (default on, off for links)\n"      \
    "  --mark-private on|off     may mark photos private (default on for clients, if\n"  \
    "                            the album allows it; off otherwise)\n"                   \
    "  --notify on|off           notify the owner on milestones (default off)\n"         \
    "  --metadata strip-all|strip-gps|keep-all  metadata kept in high-res downloads\n"  \
    "                            (default strip-gps)\n"                                   \
    "The role's column of SPEC §3 caps every setting: asking for more is refused.\n"

/* Option values as given, before a role is known. */
struct grant_opts {
    unsigned given;                  /* GRANT_GIVEN_* bits */
    const char *expires_given;       /* --expires as typed; NULL if not given */
    af_time expires;                 /* 0 = never */
    struct af_grant_settings want;   /* the fields named by `given` */
    const char *opt[16];             /* per given bit: option name and value as */
    const char *val[16];             /* typed, for messages */
    const char *pool_name;           /* --pool */
    const char *limit_given;         /* --limit as typed; NULL if not given */
    int64_t limit;                   /* --limit; -1 = unlimited */
    size_t n_set_args;
    const char *set_args[AF_MAX_DOWNLOAD_SETS]; /* --download-sets values */
};

void grant_opts_init(struct grant_opts *o);

/* Handle option code c (one of GRANT_OPT_*) with its value: CLI_OK or
 * CLI_USAGE with a message. */
int grant_opts_parse(struct cli *cli, struct grant_opts *o, int c, const char *val);

/* Fill g (album, role, expiry, settings) for `role` on `album`. Resolves
 * --download-sets. The pool is decided later by grant_opts_pool; until
 * then g->grant.settings.pool_id is 0. CLI_OK, or a message and CLI_USAGE
 * (refused settings) / CLI_FAIL (unknown set). */
int grant_opts_build(struct cli *cli, const struct grant_opts *o, enum af_role role,
                     const struct cat_album *album, struct cat_grant *g);

/* Apply the settings given in o onto *s (a grant's settings for `role` on
 * `album`: the role's defaults, or a grant's settings now), then clamp
 * them as grant_opts_build does. --download-sets replace the sets there
 * were. *s is changed only on CLI_OK. */
int grant_opts_apply(struct cli *cli, const struct grant_opts *o, enum af_role role,
                     const struct cat_album *album, struct af_grant_settings *s);

/* Whether any setting or --expires was given. */
bool grant_opts_any(const struct grant_opts *o);

/* The options given, as typed ("--expires 30d --web on"), into buf. */
void grant_opts_describe(const struct grant_opts *o, char *buf, size_t len);

/* Inside a transaction: resolve or create the pool the grant draws from and
 * set g->grant.settings.pool_id. `principal` names the default pool.
 * CLI_OK or CLI_FAIL with a message (the caller rolls back). */
int grant_opts_pool(struct cli *cli, const struct grant_opts *o, const struct cat_album *album,
                    const char *principal, struct cat_grant *g);

/* Who a grant is for, as lists show it: "alice@example.com", "team:studio",
 * "link:3". Returns buf or the grant's own string. */
const char *grant_principal_label(const struct cat_grant *g, char *buf, size_t len);

/* "live", "expired" or "revoked" at cli->now. */
const char *grant_status(const struct cli *cli, const struct af_grant *g);

/* One-line summary of the settings that matter ("proof 2048 wm, web 1600,
 * highres original pool alice 2/10, ...") into buf. */
void grant_summary(struct cli *cli, const struct af_grant_settings *s, char *buf, size_t len);

/* The grant as a JSON object on cli->out (every setting). */
void grant_json(struct cli *cli, const struct cat_grant *g);
/* The grant in short: {"id", "album", "principal": {"kind", "id", "name"},
 * "role"}, the same types grant_json uses. */
void grant_ref_json(struct json *j, const struct cat_grant *g);

/* Key "principal" and who grant g is for: {"kind": "user"|"team"|"link",
 * "id": number, "name": string}, the one JSON type of a principal in every
 * command (docs/cli.md, "JSON types"). */
void principal_json(struct json *j, const struct cat_grant *g);

/* A pool: {"id", "name", "limit" (null: unlimited), "used", "left" (null:
 * unlimited)}, the one JSON type of a pool in every command.
 * pool_fields_json writes the same keys into an object already open. */
void pool_json(struct json *j, const struct cat_pool *p);
void pool_fields_json(struct json *j, const struct cat_pool *p);

#endif
