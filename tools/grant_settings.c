/* grant_settings.c — parsing the grant-setting options, building a clamped
 * grant from them, and printing grants (see grant_settings.h). */
#include "tools/grant_settings.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "store/timefmt.h"

/* One bit per setting a person can ask for. */
enum {
    G_PROOF_EDGE,
    G_WM_PROOFS,
    G_WM_DOWNLOADS,
    G_RECIPIENT,
    G_WEB,
    G_WEB_EDGE,
    G_HIGHRES,
    G_FAVOURITES,
    G_MARK_PRIVATE,
    G_NOTIFY,
    G_METADATA,
    G_SETS,
    G_COUNT,
};

/* Edges are only checked for being numbers here; the policy's clamp holds
 * the ranges (docs/policy.md) and a value it would change is refused. */
#define EDGE_MIN 1u
#define EDGE_MAX 1000000u

static const char *const metadata_names[] = {
    [AF_META_STRIP_ALL] = "strip-all",
    [AF_META_STRIP_GPS] = "strip-gps",
    [AF_META_KEEP_ALL] = "keep-all",
};

void grant_opts_init(struct grant_opts *o)
{
    memset(o, 0, sizeof(*o));
}

/* Remember that setting `bit` was given as `opt` with value `val`. */
static void grant_opts_mark(struct grant_opts *o, int bit, const char *opt, const char *val)
{
    o->given |= 1u << bit;
    o->opt[bit] = opt;
    o->val[bit] = val;
}

static int parse_bool_setting(struct cli *cli, struct grant_opts *o, int bit, const char *opt,
                              const char *val, bool *field)
{
    int st = cli_parse_onoff(cli, opt, val, field);

    if (st == CLI_OK)
        grant_opts_mark(o, bit, opt, val);
    return st;
}

int grant_opts_parse(struct cli *cli, struct grant_opts *o, int c, const char *val)
{
    struct af_grant_settings *w = &o->want;
    int st = CLI_OK;

    switch (c) {
    case GRANT_OPT_EXPIRES:
        o->expires_given = val;
        if (timefmt_parse(val, cli->now, &o->expires) != 0)
            return cli_usage(cli, "--expires takes a date (2026-12-31, '2026-12-31 18:00') "
                             "or a duration (90m, 36h, 30d, 2w), not '%s'", cli_printable(val));
        if (o->expires != 0 && o->expires <= cli->now)
            return cli_usage(cli, "--expires %s is in the past; give a later date or a "
                             "duration such as 30d", cli_printable(val));
        return CLI_OK;
    case GRANT_OPT_PROOF_EDGE:
        st = cli_parse_u32(cli, "proof-edge", val, EDGE_MIN, EDGE_MAX, &w->proof_long_edge);
        if (st == CLI_OK)
            grant_opts_mark(o, G_PROOF_EDGE, "proof-edge", val);
        return st;
    case GRANT_OPT_WEB_EDGE:
        st = cli_parse_u32(cli, "web-edge", val, EDGE_MIN, EDGE_MAX, &w->web_long_edge);
        if (st == CLI_OK)
            grant_opts_mark(o, G_WEB_EDGE, "web-edge", val);
        return st;
    case GRANT_OPT_WM_PROOFS:
        return parse_bool_setting(cli, o, G_WM_PROOFS, "watermark-proofs", val,
                                  &w->watermark_proofs);
    case GRANT_OPT_WM_DOWNLOADS:
        return parse_bool_setting(cli, o, G_WM_DOWNLOADS, "watermark-downloads", val,
                                  &w->watermark_downloads);
    case GRANT_OPT_RECIPIENT:
        return parse_bool_setting(cli, o, G_RECIPIENT, "recipient-mark", val,
                                  &w->watermark_recipient);
    case GRANT_OPT_WEB:
        return parse_bool_setting(cli, o, G_WEB, "web", val, &w->web_downloads);
    case GRANT_OPT_FAVOURITES:
        return parse_bool_setting(cli, o, G_FAVOURITES, "favourites", val, &w->may_favourite);
    case GRANT_OPT_MARK_PRIVATE:
        return parse_bool_setting(cli, o, G_MARK_PRIVATE, "mark-private", val,
                                  &w->may_mark_private);
    case GRANT_OPT_NOTIFY:
        return parse_bool_setting(cli, o, G_NOTIFY, "notify", val, &w->notify);
    case GRANT_OPT_HIGHRES:
        if (strcmp(val, "off") == 0)
            w->highres = AF_HIGHRES_OFF;
        else if (strcmp(val, "original") == 0)
            w->highres = AF_HIGHRES_ORIGINAL;
        else if (val[0] >= '0' && val[0] <= '9') {
            st = cli_parse_u32(cli, "highres", val, EDGE_MIN, EDGE_MAX,
                               &w->highres_long_edge);
            w->highres = AF_HIGHRES_MAX_EDGE;
        } else
            st = cli_usage(cli, "--highres takes 'off', 'original' or a long edge in pixels, "
                           "not '%s'", cli_printable(val));
        if (st == CLI_OK)
            grant_opts_mark(o, G_HIGHRES, "highres", val);
        return st;
    case GRANT_OPT_METADATA:
        for (size_t i = 0; i < sizeof(metadata_names) / sizeof(metadata_names[0]); i++)
            if (strcmp(val, metadata_names[i]) == 0) {
                w->highres_metadata = (enum af_metadata)i;
                grant_opts_mark(o, G_METADATA, "metadata", val);
                return CLI_OK;
            }
        return cli_usage(cli, "--metadata takes strip-all, strip-gps or keep-all, not '%s'",
                         cli_printable(val));
    case GRANT_OPT_LIMIT:
        o->limit_given = val;
        if (strcmp(val, "unlimited") == 0) {
            o->limit = -1;
            return CLI_OK;
        }
        return cli_parse_i64(cli, "--limit", val, 1, &o->limit);
    case GRANT_OPT_POOL:
        o->pool_name = val;
        return cli_check_name(cli, "pool", val);
    case GRANT_OPT_DOWNLOAD_SETS:
        if (val[0] == '\0') { /* every set the grant sees (grant change) */
            grant_opts_mark(o, G_SETS, "download-sets", "''");
            return CLI_OK;
        }
        if (o->n_set_args == AF_MAX_DOWNLOAD_SETS)
            return cli_usage(cli, "too many --download-sets (at most %d)", AF_MAX_DOWNLOAD_SETS);
        o->set_args[o->n_set_args++] = val;
        grant_opts_mark(o, G_SETS, "download-sets", val);
        return CLI_OK;
    default:
        return cli_usage(cli, "unexpected option");
    }
}

static bool grant_opts_wants_pool(const struct grant_opts *o)
{
    return o->pool_name || (o->limit_given && o->limit >= 0);
}

/* Add set `id` to the download sets unless it is there already. */
static int add_download_set(struct cli *cli, struct af_grant_settings *s, int64_t id)
{
    for (size_t i = 0; i < s->n_download_sets; i++)
        if (s->download_sets[i] == id)
            return CLI_OK;
    if (s->n_download_sets == AF_MAX_DOWNLOAD_SETS)
        return cli_usage(cli, "too many --download-sets (at most %d)", AF_MAX_DOWNLOAD_SETS);
    s->download_sets[s->n_download_sets++] = id;
    return CLI_OK;
}

/* One --download-sets value: a set name, or names separated by commas (a
 * name that itself contains a comma is matched whole first). */
static int resolve_download_sets(struct cli *cli, const char *arg, const struct cat_album *album,
                                 struct af_grant_settings *s)
{
    struct cat_set set;
    char name[AF_NAME_MAX + 1];
    const char *p = arg;
    int st;

    if (catalog_set_by_name(cli_catalog(cli), album->id, arg, &set) == 0)
        return add_download_set(cli, s, set.id);
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (len == 0 || len > AF_NAME_MAX)
            return cli_usage(cli, "--download-sets '%s' is not a list of set names",
                             cli_printable(arg));
        memcpy(name, p, len);
        name[len] = '\0';
        st = cli_find_set(cli, album, name, &set);
        if (st == CLI_OK)
            st = add_download_set(cli, s, set.id);
        if (st != CLI_OK)
            return st;
        if (!comma)
            return CLI_OK;
        p = comma + 1;
    }
}

/* Whether setting `bit` has the same value in a and b. */
static bool setting_equal(int bit, const struct af_grant_settings *a,
                          const struct af_grant_settings *b)
{
    switch (bit) {
    case G_PROOF_EDGE: return a->proof_long_edge == b->proof_long_edge;
    case G_WM_PROOFS: return a->watermark_proofs == b->watermark_proofs;
    case G_WM_DOWNLOADS: return a->watermark_downloads == b->watermark_downloads;
    case G_RECIPIENT: return a->watermark_recipient == b->watermark_recipient;
    case G_WEB: return a->web_downloads == b->web_downloads;
    case G_WEB_EDGE: return a->web_long_edge == b->web_long_edge;
    case G_HIGHRES:
        return a->highres == b->highres &&
               (a->highres != AF_HIGHRES_MAX_EDGE || a->highres_long_edge == b->highres_long_edge);
    case G_FAVOURITES: return a->may_favourite == b->may_favourite;
    case G_MARK_PRIVATE: return a->may_mark_private == b->may_mark_private;
    case G_NOTIFY: return a->notify == b->notify;
    case G_METADATA: return a->highres_metadata == b->highres_metadata;
    case G_SETS:
        return a->n_download_sets == b->n_download_sets &&
               memcmp(a->download_sets, b->download_sets,
                      a->n_download_sets * sizeof(a->download_sets[0])) == 0;
    default: return true;
    }
}

/* Copy setting `bit` from src to dst. */
static void setting_copy(int bit, struct af_grant_settings *dst,
                         const struct af_grant_settings *src)
{
    switch (bit) {
    case G_PROOF_EDGE: dst->proof_long_edge = src->proof_long_edge; break;
    case G_WM_PROOFS: dst->watermark_proofs = src->watermark_proofs; break;
    case G_WM_DOWNLOADS: dst->watermark_downloads = src->watermark_downloads; break;
    case G_RECIPIENT: dst->watermark_recipient = src->watermark_recipient; break;
    case G_WEB: dst->web_downloads = src->web_downloads; break;
    case G_WEB_EDGE: dst->web_long_edge = src->web_long_edge; break;
    case G_HIGHRES:
        dst->highres = src->highres;
        if (src->highres == AF_HIGHRES_MAX_EDGE)
            dst->highres_long_edge = src->highres_long_edge;
        break;
    case G_FAVOURITES: dst->may_favourite = src->may_favourite; break;
    case G_MARK_PRIVATE: dst->may_mark_private = src->may_mark_private; break;
    case G_NOTIFY: dst->notify = src->notify; break;
    case G_METADATA: dst->highres_metadata = src->highres_metadata; break;
    default: break; /* G_SETS is resolved from names */
    }
}

int grant_opts_apply(struct cli *cli, const struct grant_opts *o, enum af_role role,
                     const struct cat_album *album, struct af_grant_settings *out)
{
    struct af_grant_settings s = *out, asked;
    struct grant_opts eff = *o; /* with --web-edge's implied --web on */
    int st;

    if (eff.given & (1u << G_WEB_EDGE)) {
        if (!(eff.given & (1u << G_WEB))) {
            eff.want.web_downloads = true;
            grant_opts_mark(&eff, G_WEB, eff.opt[G_WEB_EDGE], eff.val[G_WEB_EDGE]);
        } else if (!eff.want.web_downloads)
            return cli_usage(cli, "--web-edge needs web-size downloads; leave out --web off");
    }

    for (int bit = 0; bit < G_COUNT; bit++)
        if (eff.given & (1u << bit))
            setting_copy(bit, &s, &eff.want);
    if (o->given & (1u << G_SETS))
        s.n_download_sets = 0; /* the sets named replace those there were */
    for (size_t i = 0; i < o->n_set_args; i++) {
        st = resolve_download_sets(cli, o->set_args[i], album, &s);
        if (st != CLI_OK)
            return st;
    }
    if (grant_opts_wants_pool(o) && s.highres == AF_HIGHRES_OFF)
        return cli_usage(cli, "--limit and --pool are allowances of high-res downloads; add "
                         "--highres original or --highres PX");

    asked = s;
    policy_settings_clamp(role, &s);
    for (int bit = 0; bit < G_COUNT; bit++)
        if ((eff.given & (1u << bit)) && !setting_equal(bit, &asked, &s))
            return cli_usage(cli, "a%s %s grant cannot have --%s %s (docs/policy.md lists "
                             "each role's limits); leave it out or choose another value or role",
                             role == AF_ROLE_INVITED ? "n" : "", policy_role_name(role),
                             eff.opt[bit], cli_printable(eff.val[bit]));
    *out = s;
    return CLI_OK;
}

int grant_opts_build(struct cli *cli, const struct grant_opts *o, enum af_role role,
                     const struct cat_album *album, struct cat_grant *g)
{
    int st;

    memset(g, 0, sizeof(*g));
    if (album->archived)
        return cli_fail(cli, "album '%s' is archived: no new grant or link until 'albumctl "
                        "album unarchive \"%s\"'", album->name, album->name);
    g->grant.album_id = album->id;
    g->grant.role = role;
    g->grant.expires = o->expires;
    policy_settings_default(role, &g->grant.settings);
    st = grant_opts_apply(cli, o, role, album, &g->grant.settings);
    g->grant.settings.pool_id = 0; /* set by grant_opts_pool */
    return st;
}

bool grant_opts_any(const struct grant_opts *o)
{
    return o->given || o->expires_given || o->limit_given || o->pool_name;
}

void grant_opts_describe(const struct grant_opts *o, char *buf, size_t len)
{
    GString *out = g_string_new(NULL);

    if (o->expires_given)
        g_string_append_printf(out, " --expires %s", o->expires_given);
    for (int bit = 0; bit < G_COUNT; bit++)
        if ((o->given & (1u << bit)) && bit != G_SETS)
            g_string_append_printf(out, " --%s %s", o->opt[bit], o->val[bit]);
    for (size_t i = 0; i < o->n_set_args; i++)
        g_string_append_printf(out, " --download-sets %s", o->set_args[i]);
    if ((o->given & (1u << G_SETS)) && o->n_set_args == 0)
        g_string_append(out, " --download-sets ''");
    if (o->limit_given)
        g_string_append_printf(out, " --limit %s", o->limit_given);
    if (o->pool_name)
        g_string_append_printf(out, " --pool %s", o->pool_name);
    snprintf(buf, len, "%s", out->len ? out->str + 1 : "");
    g_string_free(out, TRUE);
}

int grant_opts_pool(struct cli *cli, const struct grant_opts *o, const struct cat_album *album,
                    const char *principal, struct cat_grant *g)
{
    const char *name = o->pool_name ? o->pool_name : principal;
    struct cat_pool pool;
    int64_t id;
    int err;

    if (!grant_opts_wants_pool(o))
        return CLI_OK;
    err = catalog_pool_by_name(cli_catalog(cli), album->id, name, &pool);
    if (err == 0) {
        if (o->limit_given && pool.limit != o->limit)
            return cli_fail(cli, "pool '%s' of album '%s' already has a limit of %" PRId64
                            "%s; leave out --limit to share it, or name another --pool",
                            name, album->name, pool.limit, pool.limit < 0 ? " (unlimited)" : "");
        id = pool.id;
    } else if (err == -ENOENT) {
        if (!o->limit_given)
            return cli_fail(cli, "no pool '%s' in album '%s'; give --limit N to create it",
                            cli_printable(name), album->name);
        err = catalog_pool_add(cli_catalog(cli), album->id, name, o->limit, &id);
        if (err)
            return cli_fail_errno(cli, err, "creating pool '%s'", cli_printable(name));
    } else
        return cli_fail_errno(cli, err, "reading pool '%s'", cli_printable(name));
    g->grant.settings.pool_id = id;
    return CLI_OK;
}

const char *grant_principal_label(const struct cat_grant *g, char *buf, size_t len)
{
    if (g->principal == CAT_PRINCIPAL_TEAM) {
        snprintf(buf, len, "team:%s", g->principal_name);
        return buf;
    }
    return g->principal_name;
}

const char *grant_status(const struct cli *cli, const struct af_grant *g)
{
    if (g->revoked)
        return "revoked";
    return policy_grant_live(g, cli->now) ? "live" : "expired";
}

static const char *highres_name(const struct af_grant_settings *s, char *buf, size_t len)
{
    switch (s->highres) {
    case AF_HIGHRES_ORIGINAL:
        return "original";
    case AF_HIGHRES_MAX_EDGE:
        snprintf(buf, len, "%" PRIu32, s->highres_long_edge);
        return buf;
    default:
        return "off";
    }
}

void grant_summary(struct cli *cli, const struct af_grant_settings *s, char *buf, size_t len)
{
    GString *out = g_string_new(NULL);
    char edge[16];

    g_string_append_printf(out, "proof %" PRIu32 "%s", s->proof_long_edge,
                           s->watermark_proofs ? " wm" : "");
    if (s->web_downloads)
        g_string_append_printf(out, ", web %" PRIu32 "%s", s->web_long_edge,
                               s->watermark_downloads ? " wm" : "");
    if (s->highres != AF_HIGHRES_OFF) {
        g_string_append_printf(out, ", highres %s%s %s", highres_name(s, edge, sizeof(edge)),
                               s->watermark_downloads ? " wm" : "",
                               metadata_names[s->highres_metadata]);
        if (s->pool_id) {
            struct cat_pool p;
            if (catalog_pool_by_id(cli_catalog(cli), s->pool_id, &p) == 0) {
                g_string_append_printf(out, " pool %s %" PRId64 "/", p.name, p.used);
                if (p.limit < 0)
                    g_string_append(out, "unlimited");
                else
                    g_string_append_printf(out, "%" PRId64, p.limit);
            }
        }
    }
    if (s->n_download_sets) {
        g_string_append(out, ", download sets ");
        for (size_t i = 0; i < s->n_download_sets; i++) {
            struct cat_set set;
            if (catalog_set_by_id(cli_catalog(cli), s->download_sets[i], &set) == 0)
                g_string_append_printf(out, "%s%s", i ? "+" : "", set.name);
        }
    }
    if (s->may_favourite)
        g_string_append(out, ", favourites");
    if (s->may_mark_private)
        g_string_append(out, ", mark-private");
    if (s->watermark_recipient)
        g_string_append(out, ", recipient-mark");
    if (s->notify)
        g_string_append(out, ", notify");
    snprintf(buf, len, "%s", out->str);
    g_string_free(out, TRUE);
}

static void settings_json(struct cli *cli, const struct af_grant_settings *s)
{
    struct json *j = &cli->out;
    struct cat_pool p;
    char edge[16];

    json_object_begin(j);
    json_kv_int(j, "proof_edge", s->proof_long_edge);
    json_kv_bool(j, "watermark_proofs", s->watermark_proofs);
    json_kv_bool(j, "watermark_downloads", s->watermark_downloads);
    json_kv_bool(j, "recipient_mark", s->watermark_recipient);
    json_kv_bool(j, "web", s->web_downloads);
    json_kv_int(j, "web_edge", s->web_long_edge);
    json_kv_string(j, "highres", s->highres == AF_HIGHRES_MAX_EDGE ? "max-edge"
                                 : highres_name(s, edge, sizeof(edge)));
    json_key(j, "highres_edge");
    if (s->highres == AF_HIGHRES_MAX_EDGE)
        json_int(j, s->highres_long_edge);
    else
        json_null(j);
    json_kv_string(j, "metadata", metadata_names[s->highres_metadata]);
    json_key(j, "pool");
    if (s->pool_id && catalog_pool_by_id(cli_catalog(cli), s->pool_id, &p) == 0)
        pool_json(j, &p);
    else
        json_null(j);
    json_key(j, "download_sets");
    json_array_begin(j);
    for (size_t i = 0; i < s->n_download_sets; i++) {
        struct cat_set set;
        if (catalog_set_by_id(cli_catalog(cli), s->download_sets[i], &set) == 0)
            json_string(j, set.name);
    }
    json_array_end(j);
    json_kv_bool(j, "favourites", s->may_favourite);
    json_kv_bool(j, "mark_private", s->may_mark_private);
    json_kv_bool(j, "notify", s->notify);
    json_object_end(j);
}

static const char *principal_kind_name(enum cat_principal_kind k)
{
    switch (k) {
    case CAT_PRINCIPAL_USER: return "user";
    case CAT_PRINCIPAL_TEAM: return "team";
    case CAT_PRINCIPAL_LINK: return "link";
    default: return "unknown";
    }
}

void principal_json(struct json *j, const struct cat_grant *g)
{
    json_key(j, "principal");
    json_object_begin(j);
    json_kv_string(j, "kind", principal_kind_name(g->principal));
    json_kv_int(j, "id", g->principal_id);
    json_kv_string(j, "name", g->principal_name);
    json_object_end(j);
}

void pool_fields_json(struct json *j, const struct cat_pool *p)
{
    json_kv_int(j, "id", p->id);
    json_kv_string(j, "name", p->name);
    json_key(j, "limit");
    if (p->limit < 0)
        json_null(j);
    else
        json_int(j, p->limit);
    json_kv_int(j, "used", p->used);
    json_key(j, "left");
    if (p->limit < 0)
        json_null(j);
    else
        json_int(j, p->used < p->limit ? p->limit - p->used : 0);
}

void pool_json(struct json *j, const struct cat_pool *p)
{
    json_object_begin(j);
    pool_fields_json(j, p);
    json_object_end(j);
}

/* "id", "album", "principal" and "role" of a grant, inside its object. */
static void grant_ref_fields(struct json *j, const struct cat_grant *g)
{
    json_kv_int(j, "id", g->grant.id);
    json_kv_string(j, "album", g->album_name);
    principal_json(j, g);
    json_kv_string(j, "role", policy_role_name(g->grant.role));
}

void grant_ref_json(struct json *j, const struct cat_grant *g)
{
    json_object_begin(j);
    grant_ref_fields(j, g);
    json_object_end(j);
}

void grant_json(struct cli *cli, const struct cat_grant *g)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    grant_ref_fields(j, g);
    json_kv_string(j, "status", grant_status(cli, &g->grant));
    cli_json_time(j, "created", g->created);
    cli_json_time(j, "expires", g->grant.expires);
    cli_json_time(j, "revoked", g->grant.revoked);
    json_key(j, "via_link"); /* the link a user's grant was claimed through */
    if (g->via_link_id > 0)
        json_int(j, g->via_link_id);
    else
        json_null(j);
    json_key(j, "settings");
    settings_json(cli, &g->grant.settings);
    json_object_end(j);
}
