/* cmd_pool.c — 'albumctl pool': high-res allowance pools of an album
 * (SPEC §2, §3): list them with their use and grants, create one, change
 * its limit, forget its charges, show what was taken, and put grants in it
 * (the two main clients of a wedding sharing ten downloads).
 *
 * Charges are made by the daemon when a client takes a high-res photo
 * (catalog_pool_charge); here the owner only reads them or forgets them all.
 * Every change is one transaction with its activity entry (actor "owner").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"

enum { OPT_LIMIT = CLI_OPT_FIRST };

/* "N" or "unlimited" (-1); N >= 0 (0 stops new downloads). */
static int parse_limit(struct cli *cli, const char *what, const char *val, int64_t *out)
{
    if (strcmp(val, "unlimited") == 0) {
        *out = -1;
        return CLI_OK;
    }
    return cli_parse_i64(cli, what, val, 0, out);
}

static void limit_text(int64_t limit, char *buf, size_t len)
{
    if (limit < 0)
        snprintf(buf, len, "unlimited");
    else
        snprintf(buf, len, "%" PRId64, limit);
}

static int find_pool(struct cli *cli, const struct cat_album *album, const char *name,
                     struct cat_pool *out)
{
    int err = catalog_pool_by_name(cli_catalog(cli), album->id, name, out);

    if (err == -ENOENT)
        return cli_fail(cli, "no pool '%s' in album '%s'; see 'albumctl pool list \"%s\"'",
                        cli_printable(name), album->name, album->name);
    if (err)
        return cli_fail_errno(cli, err, "reading pool '%s'", cli_printable(name));
    return CLI_OK;
}

/* Open the library and find ALBUM (and POOL when pool_name is given). */
static int find_album_pool(struct cli *cli, const char *album_name, const char *pool_name,
                           struct cat_album *album, struct cat_pool *pool)
{
    int st = cli_open_library(cli);

    if (st == CLI_OK)
        st = cli_find_album(cli, album_name, album);
    if (st == CLI_OK && pool_name)
        st = find_pool(cli, album, pool_name, pool);
    return st;
}

/* Limit, use and what is left, as pool objects show them in JSON. */
/* ---- pool list ---- */

static bool in_pool(const struct cat_grant *g, const struct cat_pool *p)
{
    return g->grant.settings.pool_id == p->id;
}

static void list_json(struct cli *cli, const struct cat_album *album, const struct cat_pool *pools,
                      size_t n, const struct cat_grant *grants, size_t n_grants)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    json_kv_string(j, "album", album->name);
    json_key(j, "pools");
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(j);
        pool_fields_json(j, &pools[i]);
        json_key(j, "grants");
        json_array_begin(j);
        for (size_t k = 0; k < n_grants; k++) {
            if (!in_pool(&grants[k], &pools[i]))
                continue;
            json_object_begin(j);
            json_kv_int(j, "id", grants[k].grant.id);
            principal_json(j, &grants[k]);
            json_kv_string(j, "role", policy_role_name(grants[k].grant.role));
            json_kv_string(j, "status", grant_status(cli, &grants[k].grant));
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static void list_text(struct cli *cli, const struct cat_album *album, const struct cat_pool *pools,
                      size_t n, const struct cat_grant *grants, size_t n_grants)
{
    struct cli_table t;

    if (n == 0) {
        printf("album %s has no pools; high-res downloads of its grants are unlimited or "
               "off\n", album->name);
        return;
    }
    cli_table_init(&t, 5);
    cli_table_row(&t, "POOL", "LIMIT", "USED", "LEFT", "GRANTS");
    for (size_t i = 0; i < n; i++) {
        const struct cat_pool *p = &pools[i];
        GString *members = g_string_new(NULL);
        char limit[24], used[24], left[48];

        for (size_t k = 0; k < n_grants; k++) {
            const struct cat_grant *g = &grants[k];
            const char *status = grant_status(cli, &g->grant);
            char who[AF_EMAIL_MAX + 8];

            if (!in_pool(g, p))
                continue;
            g_string_append_printf(members, "%s%" PRId64 " %s%s%s", members->len ? ", " : "",
                                   g->grant.id, grant_principal_label(g, who, sizeof(who)),
                                   strcmp(status, "live") ? " " : "",
                                   strcmp(status, "live") ? status : "");
        }
        limit_text(p->limit, limit, sizeof(limit));
        snprintf(used, sizeof(used), "%" PRId64, p->used);
        if (p->limit < 0)
            snprintf(left, sizeof(left), "-");
        else if (p->used > p->limit)
            snprintf(left, sizeof(left), "0 (over by %" PRId64 ")", p->used - p->limit);
        else
            snprintf(left, sizeof(left), "%" PRId64, p->limit - p->used);
        cli_table_row(&t, p->name, limit, used, left, members->len ? members->str : "none");
        g_string_free(members, TRUE);
    }
    cli_table_print(&t, stdout);
    cli_table_release(&t);
}

static int run_pool_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_pool *pools = NULL;
    struct cat_grant *grants = NULL;
    size_t n = 0, n_grants = 0;
    int st = cli_args(cli, argc, argv, 1, "one ALBUM");
    int err;

    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], NULL, &album, NULL);
    if (st != CLI_OK)
        return st;
    err = catalog_pools(cli_catalog(cli), album.id, &pools, &n);
    if (err == 0)
        err = catalog_grants(cli_catalog(cli), album.id, &grants, &n_grants);
    if (err)
        st = cli_fail_errno(cli, err, "reading the pools of '%s'", album.name);
    else if (cli->json)
        list_json(cli, &album, pools, n, grants, n_grants);
    else
        list_text(cli, &album, pools, n, grants, n_grants);
    free(grants);
    free(pools);
    return st;
}

/* ---- pool add ---- */

static int run_pool_add(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"limit", required_argument, NULL, OPT_LIMIT},
        CLI_COMMON_OPTIONS,
    };
    struct cat_album album;
    struct cat_pool pool;
    char detail[AF_NAME_MAX + 32], limit_str[24];
    const char *name;
    int64_t limit = 0;
    bool limit_given = false;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if (c == OPT_LIMIT) {
            limit_given = true;
            st = parse_limit(cli, "--limit", optarg, &limit);
            if (st != CLI_OK)
                return st;
        }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 2)
        return cli_usage(cli, "expected ALBUM POOL");
    if (!limit_given)
        return cli_usage(cli, "--limit N|unlimited is required: how many high-res photos the "
                         "pool's grants may take together");
    name = argv[optind + 1];
    st = cli_check_name(cli, "pool", name);
    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], NULL, &album, NULL);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    limit_text(limit, limit_str, sizeof(limit_str));
    snprintf(detail, sizeof(detail), "%s: limit %s", name, limit_str);
    err = catalog_pool_add(cli_catalog(cli), album.id, name, limit, &pool.id);
    if (err == 0)
        err = cli_activity(cli, "pool-created", 0, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return cli_fail(cli, "album '%s' already has a pool '%s'; change its limit with "
                            "'albumctl pool set-limit'", album.name, cli_printable(name));
        return cli_fail_errno(cli, err, "creating pool '%s'", cli_printable(name));
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        pool = (struct cat_pool){.id = pool.id, .album_id = album.id, .limit = limit};
        snprintf(pool.name, sizeof(pool.name), "%s", name);
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        pool_fields_json(&cli->out, &pool);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("created pool %s in %s (limit %s); put grants in it with 'albumctl pool join'\n",
               name, album.name, limit_str);
    return CLI_OK;
}

/* ---- pool set-limit ---- */

static int run_pool_set_limit(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_pool pool;
    char detail[AF_NAME_MAX + 64], was[24], now[24];
    int64_t limit = 0, previous;
    int st = cli_args(cli, argc, argv, 3, "ALBUM POOL N|unlimited");
    int err;

    if (st == CLI_OK)
        st = parse_limit(cli, "the limit", argv[optind + 2], &limit);
    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], argv[optind + 1], &album, &pool);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    previous = pool.limit;
    limit_text(previous, was, sizeof(was));
    limit_text(limit, now, sizeof(now));
    snprintf(detail, sizeof(detail), "%s: %s -> %s", pool.name, was, now);
    err = catalog_pool_set_limit(cli_catalog(cli), pool.id, limit);
    if (err == 0)
        err = cli_activity(cli, "pool-limit-changed", 0, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail_errno(cli, err, "changing pool '%s'", pool.name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    pool.limit = limit;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        pool_fields_json(&cli->out, &pool);
        json_key(&cli->out, "previous_limit");
        if (previous < 0)
            json_null(&cli->out);
        else
            json_int(&cli->out, previous);
        json_kv_bool(&cli->out, "over_limit", limit >= 0 && pool.used > limit);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return CLI_OK;
    }
    printf("pool %s of %s: limit %s -> %s, %" PRId64 " used\n", pool.name, album.name, was, now,
           pool.used);
    if (limit >= 0 && pool.used >= limit)
        printf("the pool is %s: no new high-res photo can be taken until the limit is raised "
               "(photos already taken can be taken again)\n",
               pool.used > limit ? "over its new limit" : "used up");
    return CLI_OK;
}

/* ---- pool reset ---- */

static int run_pool_reset(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_pool pool;
    char detail[AF_NAME_MAX + 48], limit[24];
    int st = cli_args(cli, argc, argv, 2, "ALBUM POOL");
    int err;

    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], argv[optind + 1], &album, &pool);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    /* Read again inside the transaction: the count forgotten is exact. */
    err = catalog_pool_by_id(cli_catalog(cli), pool.id, &pool);
    snprintf(detail, sizeof(detail), "%s: %" PRId64 " charges forgotten", pool.name, pool.used);
    if (err == 0)
        err = catalog_pool_reset(cli_catalog(cli), pool.id);
    if (err == 0)
        err = cli_activity(cli, "pool-reset", 0, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail_errno(cli, err, "resetting pool '%s'", pool.name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        int64_t forgotten = pool.used;

        pool.used = 0;
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        pool_fields_json(&cli->out, &pool);
        json_kv_int(&cli->out, "forgotten", forgotten);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return CLI_OK;
    }
    limit_text(pool.limit, limit, sizeof(limit));
    printf("pool %s of %s: forgot %" PRId64 " charge%s; the full limit (%s) is available again\n",
           pool.name, album.name, pool.used, pool.used == 1 ? "" : "s", limit);
    return CLI_OK;
}

/* ---- pool charges ---- */

/* Grant `id` among the album's grants, or NULL. */
static const struct cat_grant *grant_by_id(const struct cat_grant *grants, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (grants[i].grant.id == id)
            return &grants[i];
    return NULL;
}

/* The principal of grant `id` as lists show it, from the album's grants. */
static const char *grant_label(const struct cat_grant *grants, size_t n, int64_t id, char *buf,
                               size_t len)
{
    const struct cat_grant *g = grant_by_id(grants, n, id);

    return g ? grant_principal_label(g, buf, len) : "";
}

static int run_pool_charges(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_pool pool;
    struct cat_charge *rows = NULL;
    struct cat_grant *grants = NULL;
    size_t n = 0, n_grants = 0;
    int st = cli_args(cli, argc, argv, 2, "ALBUM POOL");
    int err;

    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], argv[optind + 1], &album, &pool);
    if (st != CLI_OK)
        return st;
    err = catalog_pool_charges(cli_catalog(cli), pool.id, &rows, &n);
    if (err == 0)
        err = catalog_grants(cli_catalog(cli), album.id, &grants, &n_grants);
    if (err) {
        free(rows);
        return cli_fail_errno(cli, err, "reading the charges of pool '%s'", pool.name);
    }
    if (cli->json) {
        struct json *j = &cli->out;

        json_object_begin(j);
        json_kv_string(j, "album", album.name);
        json_key(j, "pool");
        pool_json(j, &pool);
        json_key(j, "charges");
        json_array_begin(j);
        for (size_t i = 0; i < n; i++) {
            const struct cat_grant *g;
            char when[32];

            timefmt_print(rows[i].at, when, sizeof(when));
            json_object_begin(j);
            json_kv_int(j, "photo_id", rows[i].photo_id);
            json_kv_string(j, "set", rows[i].set_name);
            json_kv_string(j, "photo", rows[i].photo_name);
            json_kv_string(j, "taken", when);
            json_kv_int(j, "grant_id", rows[i].grant_id);
            if ((g = grant_by_id(grants, n_grants, rows[i].grant_id)) != NULL)
                principal_json(j, g);
            else
                json_key(j, "principal"), json_null(j);
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
        json_finish(j);
    } else if (n == 0) {
        printf("nothing was taken from pool %s of %s yet\n", pool.name, album.name);
    } else {
        struct cli_table t;

        cli_table_init(&t, 3);
        cli_table_row(&t, "PHOTO", "TAKEN", "GRANT");
        for (size_t i = 0; i < n; i++) {
            char photo[2 * AF_NAME_MAX + 2], when[32], who[AF_EMAIL_MAX + 8];
            char grant[AF_EMAIL_MAX + 40];

            snprintf(photo, sizeof(photo), "%s/%s", rows[i].set_name, rows[i].photo_name);
            timefmt_print(rows[i].at, when, sizeof(when));
            snprintf(grant, sizeof(grant), "%" PRId64 " %s", rows[i].grant_id,
                     grant_label(grants, n_grants, rows[i].grant_id, who, sizeof(who)));
            cli_table_row(&t, photo, when, grant);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    free(grants);
    free(rows);
    return CLI_OK;
}

/* ---- pool join ---- */

/* What joining did to one grant, for the output. */
struct joined {
    struct cat_grant grant;
    char previous[AF_NAME_MAX + 1]; /* the pool it left, "" for none (unlimited) */
    bool changed;
};

/* Check that grant `id` may draw on `pool` and move it there (inside the
 * transaction). CLI_OK, or a message and CLI_FAIL. */
static int join_one(struct cli *cli, const struct cat_album *album, const struct cat_pool *pool,
                    int64_t id, struct joined *out)
{
    struct cat_grant *g = &out->grant;
    struct cat_pool old;
    char detail[2 * AF_NAME_MAX + 48];
    int err = catalog_grant_by_id(cli_catalog(cli), id, g);

    if (err == -ENOENT)
        return cli_fail(cli, "no grant %" PRId64 "; see 'albumctl grant list \"%s\"'", id,
                        album->name);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64, id);
    if (g->grant.album_id != album->id)
        return cli_fail(cli, "grant %" PRId64 " is on album '%s', not '%s'; a pool is shared "
                        "by grants of its own album", id, g->album_name, album->name);
    if (g->grant.revoked)
        return cli_fail(cli, "grant %" PRId64 " is revoked; nothing can draw on a pool "
                        "through it", id);
    if (g->grant.role == AF_ROLE_EDITOR)
        return cli_fail(cli, "grant %" PRId64 " is an editor's, and editors take high-res "
                        "photos without an allowance", id);
    if (g->grant.settings.highres == AF_HIGHRES_OFF)
        return cli_fail(cli, "grant %" PRId64 " gives no high-res downloads, which are what "
                        "a pool limits; issue a grant with --highres original|PX", id);
    out->previous[0] = '\0';
    if (g->grant.settings.pool_id == pool->id)
        return CLI_OK;
    if (g->grant.settings.pool_id) {
        err = catalog_pool_by_id(cli_catalog(cli), g->grant.settings.pool_id, &old);
        if (err)
            return cli_fail_errno(cli, err, "reading the pool of grant %" PRId64, id);
        snprintf(out->previous, sizeof(out->previous), "%s", old.name);
    }
    snprintf(detail, sizeof(detail), "%s (was %s)", pool->name,
             out->previous[0] ? out->previous : "unlimited");
    err = catalog_grant_set_pool(cli_catalog(cli), id, pool->id);
    if (err == 0)
        err = cli_activity(cli, "pool-joined", id, album->id, 0, detail);
    if (err)
        return cli_fail_errno(cli, err, "moving grant %" PRId64 " into pool '%s'", id,
                              pool->name);
    out->changed = true;
    return CLI_OK;
}

static void join_print(struct cli *cli, const struct cat_album *album, const struct cat_pool *pool,
                       const struct joined *j, size_t n)
{
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album->name);
        json_key(&cli->out, "pool");
        pool_json(&cli->out, pool);
        json_key(&cli->out, "grants");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "id", j[i].grant.grant.id);
            principal_json(&cli->out, &j[i].grant);
            json_kv_bool(&cli->out, "changed", j[i].changed);
            json_key(&cli->out, "previous_pool");
            if (j[i].previous[0])
                json_string(&cli->out, j[i].previous);
            else
                json_null(&cli->out);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char who[AF_EMAIL_MAX + 8];
        const char *label = grant_principal_label(&j[i].grant, who, sizeof(who));

        if (!j[i].changed)
            printf("grant %" PRId64 " (%s) already draws on pool %s\n", j[i].grant.grant.id,
                   label, pool->name);
        else
            printf("grant %" PRId64 " (%s) now draws on pool %s (was: %s)\n",
                   j[i].grant.grant.id, label, pool->name,
                   j[i].previous[0] ? j[i].previous : "no pool, unlimited");
    }
}

static int run_pool_join(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    struct cat_album album;
    struct cat_pool pool;
    struct joined *j = NULL;
    int64_t *ids;
    int c, st = CLI_OK;
    size_t n;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind < 3)
        return cli_usage(cli, "expected ALBUM POOL GRANT_ID...");
    n = (size_t)(argc - optind - 2);
    ids = g_new0(int64_t, n);
    for (size_t i = 0; i < n && st == CLI_OK; i++)
        st = cli_parse_i64(cli, "GRANT_ID", argv[optind + 2 + (int)i], 1, &ids[i]);
    if (st == CLI_OK)
        st = find_album_pool(cli, argv[optind], argv[optind + 1], &album, &pool);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        goto out;
    j = g_new0(struct joined, n);
    for (size_t i = 0; i < n && st == CLI_OK; i++)
        st = join_one(cli, &album, &pool, ids[i], &j[i]);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        goto out;
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        join_print(cli, &album, &pool, j, n);
out:
    g_free(j);
    g_free(ids);
    return st;
}

static const struct cli_cmd pool_subs[] = {
    {
        .name = "list",
        .summary = "List the pools of an album: limit, photos taken, what is left, grants.",
        .usage = "ALBUM [--json]",
        .run = run_pool_list,
    },
    {
        .name = "add",
        .summary = "Create a pool.",
        .usage = "ALBUM POOL --limit N|unlimited",
        .help = "A pool is a high-res allowance that several grants of the album share: N\n"
                "photos in all, each photo charged once whoever takes it. Put grants in it\n"
                "with 'albumctl pool join' (or 'albumctl grant ... --pool POOL').\n"
                "\n"
                "options:\n"
                "  --limit N|unlimited   photos the pool's grants may take together (required;\n"
                "                        0 lets nothing be taken until it is raised)\n",
        .run = run_pool_add,
    },
    {
        .name = "set-limit",
        .summary = "Change a pool's limit (below what was taken is allowed).",
        .usage = "ALBUM POOL N|unlimited",
        .help = "A limit at or below what was already taken stops new high-res downloads\n"
                "until it is raised; photos already taken stay free to take again.\n",
        .run = run_pool_set_limit,
    },
    {
        .name = "reset",
        .summary = "Forget every charge of a pool: the whole limit is available again.",
        .usage = "ALBUM POOL",
        .help = "Clients cannot undo a charge; the owner can forget them all. The charges\n"
                "are gone from 'pool charges'; the activity log keeps the downloads.\n",
        .run = run_pool_reset,
    },
    {
        .name = "charges",
        .summary = "Show which photos were taken from a pool, when, through which grant.",
        .usage = "ALBUM POOL [--json]",
        .run = run_pool_charges,
    },
    {
        .name = "join",
        .summary = "Make grants of the album draw on a pool (moving them from another).",
        .usage = "ALBUM POOL GRANT_ID...",
        .help = "Each grant must be a live or expired client, invited or link grant of the\n"
                "album with high-res downloads. All are moved or none (status 1, saying\n"
                "which grant was refused). Charges already made stay with their pool.\n",
        .run = run_pool_join,
    },
    {0},
};

const struct cli_cmd cmd_pool = {
    .name = "pool",
    .summary = "Allowance pools: high-res downloads shared by grants, and their charges.",
    .subs = pool_subs,
};
