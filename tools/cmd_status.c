/* cmd_status.c — 'albumctl status': the library at a glance. Counts from
 * the catalog (store/catalog.h: catalog_status), the grants expiring soon,
 * the allowance pools near empty, the outbox, the rendition cache, the
 * last backup (from the activity) and the daemons serving the library
 * (store/mounts.h), as text or one JSON document. Reads only. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/mounts.h"
#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"

#define SOON_SECONDS (7 * 24 * 3600) /* "expiring soon": within 7 days */

/* A pool is near empty when at most a tenth of its limit, or at most one
 * photo, is left (an exhausted pool included). */
static bool pool_near_empty(const struct cat_pool *p)
{
    int64_t left = p->limit - p->used;

    return p->limit >= 0 && (left <= 1 || left * 10 <= p->limit);
}

/* Everything status shows beyond the counts. */
struct status {
    struct cat_status counts;
    struct cat_grant *grants; /* every grant; the expiring ones are picked */
    size_t n_grants;
    struct cat_album *albums;
    size_t n_albums;
    GArray *pools;            /* struct cat_pool near empty */
    uint64_t cache_used, cache_max;
    struct cat_activity_entry *backups; /* "backup" events, oldest first */
    size_t n_backups;
    af_time last_backup_failure;
    struct mount_entry *mounts;
    size_t n_mounts;
};

static bool expiring(const struct cli *cli, const struct cat_grant *g)
{
    return policy_grant_live(&g->grant, cli->now) && g->grant.expires > 0 &&
           g->grant.expires <= cli->now + SOON_SECONDS;
}

static const char *album_name(const struct status *s, int64_t id)
{
    for (size_t i = 0; i < s->n_albums; i++)
        if (s->albums[i].id == id)
            return s->albums[i].name;
    return "";
}

static int gather(struct cli *cli, struct status *s)
{
    struct af_catalog *c = cli_catalog(cli);
    struct cat_activity_filter backups = {.kind = "backup"};
    int err = catalog_status(c, cli->now, SOON_SECONDS, &s->counts);

    if (err == 0)
        err = catalog_grants(c, 0, &s->grants, &s->n_grants);
    if (err == 0)
        err = catalog_albums(c, &s->albums, &s->n_albums);
    for (size_t i = 0; err == 0 && i < s->n_albums; i++) {
        struct cat_pool *pools = NULL;
        size_t n = 0;

        err = catalog_pools(c, s->albums[i].id, &pools, &n);
        for (size_t k = 0; err == 0 && k < n; k++)
            if (pool_near_empty(&pools[k]))
                g_array_append_val(s->pools, pools[k]);
        free(pools);
    }
    if (err == 0)
        err = catalog_rendition_cached_bytes(c, &s->cache_used);
    s->cache_max = cli_cache_bound(cli);
    if (err == 0)
        err = catalog_activity_query(c, &backups, &s->backups, &s->n_backups);
    if (err == 0)
        err = catalog_activity_last(c, "backup-failed", &s->last_backup_failure);
    if (err)
        return cli_fail_errno(cli, err, "reading the catalog");
    err = mounts_list(cli->lib->dir, &s->mounts, &s->n_mounts);
    if (err)
        return cli_fail_errno(cli, err, "reading %s/%s", cli->lib->dir, MOUNTS_DIR);
    return CLI_OK;
}

static void print_json(struct cli *cli, const struct status *s)
{
    struct json *j = &cli->out;
    const struct cat_status *n = &s->counts;

    json_object_begin(j);
    json_kv_string(j, "library", cli->lib->dir);
    json_key(j, "albums");
    json_object_begin(j);
    json_kv_int(j, "total", n->albums);
    json_kv_int(j, "archived", n->albums_archived);
    json_kv_int(j, "photos", n->photos);
    json_object_end(j);
    json_key(j, "people");
    json_object_begin(j);
    json_kv_int(j, "users", n->users);
    json_kv_int(j, "teams", n->teams);
    json_object_end(j);
    json_key(j, "grants");
    json_object_begin(j);
    json_kv_int(j, "live", n->grants_live);
    json_key(j, "expiring_within_7_days");
    json_array_begin(j);
    for (size_t i = 0; i < s->n_grants; i++)
        if (expiring(cli, &s->grants[i])) {
            json_object_begin(j);
            json_key(j, "grant");
            grant_ref_json(j, &s->grants[i]);
            cli_json_time(j, "expires", s->grants[i].grant.expires);
            json_object_end(j);
        }
    json_array_end(j);
    json_object_end(j);
    json_key(j, "links");
    json_object_begin(j);
    json_kv_int(j, "total", n->links);
    json_kv_int(j, "live", n->links_live);
    json_object_end(j);
    json_key(j, "pools_near_empty");
    json_array_begin(j);
    for (size_t i = 0; i < s->pools->len; i++) {
        const struct cat_pool *p = &g_array_index(s->pools, struct cat_pool, i);
        json_object_begin(j);
        json_kv_string(j, "album", album_name(s, p->album_id));
        json_key(j, "pool");
        pool_json(j, p);
        json_object_end(j);
    }
    json_array_end(j);
    json_key(j, "outbox");
    json_object_begin(j);
    json_kv_int(j, "pending", n->outbox_pending);
    json_kv_int(j, "failed", n->outbox_failed);
    json_object_end(j);
    json_key(j, "cache");
    json_object_begin(j);
    json_kv_int(j, "used_bytes", (int64_t)s->cache_used);
    json_kv_int(j, "max_bytes", (int64_t)s->cache_max);
    json_object_end(j);
    json_key(j, "last_backup");
    if (s->n_backups) {
        const struct cat_activity *b = &s->backups[s->n_backups - 1].event;
        json_object_begin(j);
        cli_json_time(j, "time", b->at);
        json_kv_string(j, "snapshot", b->detail);
        json_object_end(j);
    } else
        json_null(j);
    cli_json_time(j, "last_backup_failure", s->last_backup_failure);
    json_key(j, "mounts");
    json_array_begin(j);
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct mount_entry *m = &s->mounts[i];
        json_object_begin(j);
        json_kv_int(j, "pid", m->pid);
        json_kv_string(j, "mountpoint", m->mountpoint);
        json_kv_string(j, "serves", m->serves);
        cli_json_time(j, "started", m->started);
        json_kv_bool(j, "running", m->running);
        json_kv_bool(j, "up", m->up);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static const char *mount_state(const struct mount_entry *m)
{
    if (m->up)
        return "up";
    return m->running ? "running, not mounted" : "not running (a stale entry: the daemon was killed)";
}

static void print_text(struct cli *cli, const struct status *s)
{
    const struct cat_status *n = &s->counts;
    char when[32], who[AF_EMAIL_MAX + 8];

    printf("library      %s\n", cli->lib->dir);
    printf("albums       %" PRId64 " (%" PRId64 " archived), %" PRId64 " photos\n", n->albums,
           n->albums_archived, n->photos);
    printf("people       %" PRId64 " users, %" PRId64 " teams\n", n->users, n->teams);
    printf("grants       %" PRId64 " live, %" PRId64 " expiring within 7 days\n", n->grants_live,
           n->grants_expiring);
    for (size_t i = 0; i < s->n_grants; i++)
        if (expiring(cli, &s->grants[i])) {
            const struct cat_grant *g = &s->grants[i];
            timefmt_print(g->grant.expires, when, sizeof(when));
            printf("  grant %" PRId64 ": %s %s on %s expires %s\n", g->grant.id,
                   policy_role_name(g->grant.role), grant_principal_label(g, who, sizeof(who)),
                   g->album_name, when);
        }
    printf("links        %" PRId64 " (%" PRId64 " live)\n", n->links, n->links_live);
    printf("pools        %u near empty (at most a tenth or one photo left)\n", s->pools->len);
    for (size_t i = 0; i < s->pools->len; i++) {
        const struct cat_pool *p = &g_array_index(s->pools, struct cat_pool, i);
        printf("  %s/%s: %" PRId64 " of %" PRId64 " used\n", album_name(s, p->album_id), p->name,
               p->used, p->limit);
    }
    printf("outbox       %" PRId64 " pending, %" PRId64 " failed (retried; see 'albumctl notify "
           "list')\n", n->outbox_pending, n->outbox_failed);
    printf("cache        %.1f MiB of at most %.1f MiB\n", s->cache_used / 1048576.0,
           s->cache_max / 1048576.0);
    if (s->n_backups) {
        const struct cat_activity *b = &s->backups[s->n_backups - 1].event;
        timefmt_print(b->at, when, sizeof(when));
        printf("last backup  %s (snapshot %s)\n", when, b->detail);
    } else
        printf("last backup  none\n");
    if (s->last_backup_failure) {
        timefmt_print(s->last_backup_failure, when, sizeof(when));
        printf("backup failed %s (see 'albumctl activity --kind backup-failed')\n", when);
    }
    printf("mounts       %zu\n", s->n_mounts);
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct mount_entry *m = &s->mounts[i];
        printf("  %s  %s  pid %ld  %s\n", cli_printable(m->mountpoint), m->serves, (long)m->pid,
               mount_state(m));
    }
}

static int run_status(struct cli *cli, int argc, char **argv)
{
    struct status s;
    int st = cli_args(cli, argc, argv, 0, "no arguments");

    memset(&s, 0, sizeof(s));
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    s.pools = g_array_new(FALSE, FALSE, sizeof(struct cat_pool));
    st = gather(cli, &s);
    if (st == CLI_OK && cli->json)
        print_json(cli, &s);
    else if (st == CLI_OK)
        print_text(cli, &s);
    g_array_free(s.pools, TRUE);
    free(s.grants);
    free(s.albums);
    free(s.backups);
    free(s.mounts);
    return st;
}

const struct cli_cmd cmd_status = {
    .name = "status",
    .summary = "The library at a glance: albums, people, grants, links, pools, mail, mounts.",
    .usage = "[--json]",
    .help =
        "Shows: albums (archived ones counted) and photos; users and teams; live grants\n"
        "and those expiring within 7 days; share links (live: with a live grant);\n"
        "allowance pools near empty (at most a tenth of the limit, or one photo, left);\n"
        "the outbox (pending: never tried; failed: tried, retried later); the rendition\n"
        "cache's use and bound; the last backup and the last failed one; and the mounts\n"
        "serving the library. Each albumfs daemon registers itself in the library's\n"
        "run/ folder while it runs; a mount is 'up' when its daemon is running and the\n"
        "kernel lists a fuse.albumfs mount at its mountpoint. Reads only.\n",
    .run = run_status,
};
