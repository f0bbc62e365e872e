/* catalog_grants.c — allowance pools and grants (links: catalog_links.c).
 *
 * A grant joins a principal (user, team or link) to an album with a role
 * and the settings of SPEC §3. Grants are never deleted: revocation stamps
 * them, so the activity log can always name the grant an event came through.
 * A user's effective grants are their own plus those of their teams. A
 * user's grant claimed through a share link names that link (via_link_id).
 * A grant that reached its expiry is recorded once ("grant-expired"): the
 * row in grant_expiries and the event are written in one transaction, by
 * whichever process looks first (a mount's watcher, albumctl). A grant's
 * expiry and settings may change (catalog_grant_update) until it is
 * revoked; a person's mount never holds the grants of an archived album.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/catalog_private.h"
#include "store/timefmt.h"

/* ---- pools ---- */

#define POOL_COLS \
    "p.id, p.album_id, p.name, p.max_photos, " \
    "(SELECT count(*) FROM pool_charges ch WHERE ch.pool_id = p.id)"

static void read_pool(sqlite3_stmt *st, void *row)
{
    struct cat_pool *p = row;

    p->id = sqlite3_column_int64(st, 0);
    p->album_id = sqlite3_column_int64(st, 1);
    cat_col_text(st, 2, p->name, sizeof p->name);
    p->limit = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
    p->used = sqlite3_column_int64(st, 4);
}

int catalog_pool_add(struct af_catalog *c, int64_t album_id, const char *name, int64_t limit,
                     int64_t *id)
{
    sqlite3_stmt *st = cat_stmt(c, "INSERT INTO pools(album_id, name, max_photos, created) "
                                   "VALUES (?, ?, ?, ?)");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, album_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (limit >= 0)
        sqlite3_bind_int64(st, 3, limit);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, cat_now());
    rc = cat_exec(c, st);
    if (rc == 0 && id)
        *id = cat_last_id(c);
    return rc;
}

int catalog_pool_by_id(struct af_catalog *c, int64_t id, struct cat_pool *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " POOL_COLS " FROM pools p WHERE p.id = ?");

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cat_one(c, st, read_pool, out);
}

int catalog_pool_by_name(struct af_catalog *c, int64_t album_id, const char *name,
                         struct cat_pool *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " POOL_COLS " FROM pools p "
                                   "WHERE p.album_id = ? AND p.name = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, album_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    }
    return cat_one(c, st, read_pool, out);
}

int catalog_pools(struct af_catalog *c, int64_t album_id, struct cat_pool **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " POOL_COLS " FROM pools p WHERE p.album_id = ? "
                                   "ORDER BY p.name");
    if (st)
        sqlite3_bind_int64(st, 1, album_id);
    return cat_list(c, st, sizeof **rows, read_pool, (void **)rows, n);
}

/* ---- grants ---- */

#define GRANT_SETTINGS_COLS                                                             \
    "g.proof_long_edge, g.watermark_proofs, g.watermark_downloads, "                    \
    "g.watermark_recipient, g.web_downloads, g.web_long_edge, g.highres, "              \
    "g.highres_long_edge, coalesce(g.pool_id, 0), g.highres_metadata, g.may_favourite, " \
    "g.may_mark_private, g.notify"
#define GRANT_COLS \
    "g.id, g.album_id, g.role, g.expires, g.revoked, " GRANT_SETTINGS_COLS
#define GRANT_FULL_COLS                                                              \
    GRANT_COLS ", g.principal, coalesce(g.user_id, g.team_id, g.link_id), "       \
               "CASE g.principal WHEN 1 THEN (SELECT email FROM users WHERE id = g.user_id) " \
               "WHEN 2 THEN (SELECT name FROM teams WHERE id = g.team_id) "      \
               "ELSE 'link:' || g.link_id END, "                                  \
               "(SELECT name FROM albums WHERE id = g.album_id), g.created, "           \
               "coalesce(g.via_link_id, 0)"

/* Reads GRANT_COLS (18 columns) into an af_grant; download sets are loaded
 * separately. */
static void read_af_grant(sqlite3_stmt *st, void *row)
{
    struct af_grant *g = row;
    struct af_grant_settings *s = &g->settings;

    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(st, 0);
    g->album_id = sqlite3_column_int64(st, 1);
    g->role = (enum af_role)sqlite3_column_int(st, 2);
    g->expires = sqlite3_column_int64(st, 3);
    g->revoked = sqlite3_column_int64(st, 4);
    s->proof_long_edge = (uint32_t)sqlite3_column_int(st, 5);
    s->watermark_proofs = sqlite3_column_int(st, 6) != 0;
    s->watermark_downloads = sqlite3_column_int(st, 7) != 0;
    s->watermark_recipient = sqlite3_column_int(st, 8) != 0;
    s->web_downloads = sqlite3_column_int(st, 9) != 0;
    s->web_long_edge = (uint32_t)sqlite3_column_int(st, 10);
    s->highres = (enum af_highres)sqlite3_column_int(st, 11);
    s->highres_long_edge = (uint32_t)sqlite3_column_int(st, 12);
    s->pool_id = sqlite3_column_int64(st, 13);
    s->highres_metadata = (enum af_metadata)sqlite3_column_int(st, 14);
    s->may_favourite = sqlite3_column_int(st, 15) != 0;
    s->may_mark_private = sqlite3_column_int(st, 16) != 0;
    s->notify = sqlite3_column_int(st, 17) != 0;
}

static void read_cat_grant(sqlite3_stmt *st, void *row)
{
    struct cat_grant *g = row;

    memset(g, 0, sizeof *g);
    read_af_grant(st, &g->grant);
    g->principal = (enum cat_principal_kind)sqlite3_column_int(st, 18);
    g->principal_id = sqlite3_column_int64(st, 19);
    cat_col_text(st, 20, g->principal_name, sizeof g->principal_name);
    cat_col_text(st, 21, g->album_name, sizeof g->album_name);
    g->created = sqlite3_column_int64(st, 22);
    g->via_link_id = sqlite3_column_int64(st, 23);
}

static void read_id(sqlite3_stmt *st, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(st, 0);
}

/* Fill the download-set restriction of each grant. */
static int load_download_sets(struct af_catalog *c, struct af_grant *g)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT set_id FROM grant_download_sets WHERE grant_id = ? "
                                   "ORDER BY set_id");
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;

    if (st)
        sqlite3_bind_int64(st, 1, g->id);
    rc = cat_list(c, st, sizeof *ids, read_id, (void **)&ids, &n);
    if (rc < 0)
        return rc;
    if (n > AF_MAX_DOWNLOAD_SETS)
        n = AF_MAX_DOWNLOAD_SETS;
    if (n) /* ids is NULL when there are none */
        memcpy(g->settings.download_sets, ids, n * sizeof *ids);
    g->settings.n_download_sets = n;
    free(ids);
    return 0;
}

/* Bind the settings columns, in GRANT_SETTINGS_COLS order, from parameter
 * `first` on (13 parameters). */
static void bind_settings(sqlite3_stmt *st, int first, const struct af_grant_settings *s)
{
    const int v[] = {(int)s->proof_long_edge, s->watermark_proofs, s->watermark_downloads,
                     s->watermark_recipient, s->web_downloads, (int)s->web_long_edge,
                     (int)s->highres, (int)s->highres_long_edge, 0 /* pool: below */,
                     (int)s->highres_metadata, s->may_favourite, s->may_mark_private,
                     s->notify};

    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
        sqlite3_bind_int(st, first + i, v[i]);
    if (s->pool_id > 0)
        sqlite3_bind_int64(st, first + 8, s->pool_id);
    else
        sqlite3_bind_null(st, first + 8);
}

/* Give grant id (of album_id) s's download sets: -ENOENT for a set of
 * another album. Inside the caller's transaction. */
static int insert_download_sets(struct af_catalog *c, int64_t id, int64_t album_id,
                                const struct af_grant_settings *s)
{
    int rc = 0;

    for (size_t i = 0; i < s->n_download_sets && rc == 0; i++) {
        sqlite3_stmt *st = cat_stmt(c, "INSERT INTO grant_download_sets(grant_id, set_id) "
                                       "SELECT ?, id FROM sets WHERE id = ? AND album_id = ?");
        if (!st)
            return -EIO;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, s->download_sets[i]);
        sqlite3_bind_int64(st, 3, album_id);
        rc = cat_exec(c, st);
        if (rc == 0 && sqlite3_changes(c->db) != 1)
            rc = -ENOENT; /* a set of another album */
    }
    return rc;
}

int catalog_grant_add(struct af_catalog *c, struct cat_grant *cg)
{
    const struct af_grant *g = &cg->grant;
    const struct af_grant_settings *s = &g->settings;
    sqlite3_stmt *st;
    int64_t id = 0;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    if (cg->principal < CAT_PRINCIPAL_USER || cg->principal > CAT_PRINCIPAL_LINK) {
        rc = -EINVAL;
        goto out;
    }
    st = cat_stmt(c, "INSERT INTO grants(album_id, principal, user_id, team_id, link_id, role, "
                     "created, expires, revoked, proof_long_edge, watermark_proofs, "
                     "watermark_downloads, watermark_recipient, web_downloads, web_long_edge, "
                     "highres, highres_long_edge, pool_id, highres_metadata, may_favourite, "
                     "may_mark_private, notify, via_link_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, g->album_id);
    sqlite3_bind_int(st, 2, (int)cg->principal);
    /* Exactly one of user_id (3), team_id (4), link_id (5) is set. */
    sqlite3_bind_null(st, 3);
    sqlite3_bind_null(st, 4);
    sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 2 + (int)cg->principal, cg->principal_id);
    sqlite3_bind_int(st, 6, (int)g->role);
    sqlite3_bind_int64(st, 7, cat_now());
    sqlite3_bind_int64(st, 8, g->expires);
    bind_settings(st, 9, s);
    if (cg->via_link_id > 0)
        sqlite3_bind_int64(st, 22, cg->via_link_id);
    else
        sqlite3_bind_null(st, 22);
    rc = cat_exec(c, st);
    if (rc < 0)
        goto out;
    id = cat_last_id(c);
    rc = insert_download_sets(c, id, g->album_id, s);
out:
    rc = cat_tx_leave(c, own, rc);
    if (rc == 0)
        cg->grant.id = id;
    return rc;
}

int catalog_grant_by_id(struct af_catalog *c, int64_t id, struct cat_grant *out)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_FULL_COLS " FROM grants g WHERE g.id = ?");
    int rc;

    if (st)
        sqlite3_bind_int64(st, 1, id);
    rc = cat_one(c, st, read_cat_grant, out);
    if (rc == 0)
        rc = load_download_sets(c, &out->grant);
    return rc;
}

/* Every row of st as a cat_grant with its download sets. */
static int grant_rows_with_sets(struct af_catalog *c, sqlite3_stmt *st, struct cat_grant **rows,
                                size_t *n)
{
    int rc = cat_list(c, st, sizeof **rows, read_cat_grant, (void **)rows, n);

    for (size_t i = 0; rc == 0 && i < *n; i++)
        rc = load_download_sets(c, &(*rows)[i].grant);
    if (rc < 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int catalog_grants(struct af_catalog *c, int64_t album_id, struct cat_grant **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_FULL_COLS " FROM grants g "
                                   "WHERE ?1 = 0 OR g.album_id = ?1 ORDER BY g.id");

    if (st)
        sqlite3_bind_int64(st, 1, album_id);
    return grant_rows_with_sets(c, st, rows, n);
}

int catalog_grants_claimed_through(struct af_catalog *c, int64_t link_id, int64_t album_id,
                                   struct cat_grant **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_FULL_COLS " FROM grants g "
                                   "WHERE g.via_link_id = ? AND g.album_id = ? AND g.revoked = 0 "
                                   "ORDER BY g.id");
    if (st) {
        sqlite3_bind_int64(st, 1, link_id);
        sqlite3_bind_int64(st, 2, album_id);
    }
    return grant_rows_with_sets(c, st, rows, n);
}

/* Grant id into *g: 0, -ENOENT, or -EALREADY when it is revoked. */
static int grant_unrevoked(struct af_catalog *c, int64_t id, struct cat_grant *g)
{
    int rc = catalog_grant_by_id(c, id, g);

    return rc == 0 && g->grant.revoked != 0 ? -EALREADY : rc;
}

int catalog_grant_revoke(struct af_catalog *c, int64_t id, af_time when)
{
    struct cat_grant g;
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    if ((rc = grant_unrevoked(c, id, &g)) < 0)
        goto out;
    st = cat_stmt(c, "UPDATE grants SET revoked = ? WHERE id = ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, when > 0 ? when : 1);
    sqlite3_bind_int64(st, 2, id);
    rc = cat_exec(c, st);
out:
    return cat_tx_leave(c, own, rc);
}

/* Replace the download sets of grant id (of album_id) with s's. */
static int replace_download_sets(struct af_catalog *c, int64_t id, int64_t album_id,
                                 const struct af_grant_settings *s)
{
    sqlite3_stmt *st = cat_stmt(c, "DELETE FROM grant_download_sets WHERE grant_id = ?");
    int rc;

    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, id);
    rc = cat_exec(c, st);
    return rc < 0 ? rc : insert_download_sets(c, id, album_id, s);
}

int catalog_grant_update(struct af_catalog *c, int64_t id, af_time expires,
                         const struct af_grant_settings *s)
{
    struct cat_grant g;
    sqlite3_stmt *st;
    bool own;
    int rc = cat_tx_enter(c, &own);

    if (rc < 0)
        return rc;
    if ((rc = grant_unrevoked(c, id, &g)) < 0)
        goto out;
    st = cat_stmt(c, "UPDATE grants SET expires = ?, proof_long_edge = ?, watermark_proofs = ?, "
                     "watermark_downloads = ?, watermark_recipient = ?, web_downloads = ?, "
                     "web_long_edge = ?, highres = ?, highres_long_edge = ?, pool_id = ?, "
                     "highres_metadata = ?, may_favourite = ?, may_mark_private = ?, notify = ? "
                     "WHERE id = ?");
    if (!st) {
        rc = -EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, expires);
    bind_settings(st, 2, s);
    sqlite3_bind_int64(st, 15, id);
    rc = cat_exec(c, st);
    if (rc == 0)
        rc = replace_download_sets(c, id, g.grant.album_id, s);
    if (rc == 0 && expires != g.grant.expires) {
        st = cat_stmt(c, "DELETE FROM grant_expiries WHERE grant_id = ?");
        if (!st) {
            rc = -EIO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, id);
        rc = cat_exec(c, st);
    }
out:
    return cat_tx_leave(c, own, rc);
}

int catalog_grants_unrevoked(struct af_catalog *c, enum cat_grants_of kind, int64_t id,
                             struct cat_grant **rows, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_FULL_COLS " FROM grants g "
                                   "WHERE g.revoked = 0 AND CASE ?1 "
                                   "WHEN 0 THEN g.user_id = ?2 WHEN 1 THEN g.team_id = ?2 "
                                   "ELSE g.album_id = ?2 END ORDER BY g.id");
    if (st) {
        sqlite3_bind_int(st, 1, kind == CAT_GRANTS_OF_USER ? 0 : kind == CAT_GRANTS_OF_TEAM ? 1 : 2);
        sqlite3_bind_int64(st, 2, id);
    }
    return grant_rows_with_sets(c, st, rows, n);
}

int catalog_albums_with_editors(struct af_catalog *c, af_time now, int64_t **ids, size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT DISTINCT g.album_id FROM grants g "
                                   "LEFT JOIN team_members m ON g.principal = 2 "
                                   "AND m.team_id = g.team_id "
                                   "WHERE g.role = ?1 AND g.revoked = 0 "
                                   "AND (g.expires = 0 OR g.expires > ?2) "
                                   "AND (g.principal = 1 OR m.user_id IS NOT NULL) "
                                   "ORDER BY g.album_id");
    if (st) {
        sqlite3_bind_int(st, 1, AF_ROLE_EDITOR);
        sqlite3_bind_int64(st, 2, now);
    }
    return cat_list(c, st, sizeof **ids, read_id, (void **)ids, n);
}

/* Grants that reached their expiry (?1 = now) while live (not revoked, or
 * revoked only after the expiry) and are not recorded yet. */
#define EXPIRED_UNRECORDED                                                       \
    "FROM grants g WHERE g.expires > 0 AND g.expires <= ?1 "                    \
    "AND (g.revoked = 0 OR g.revoked > g.expires) "                             \
    "AND NOT EXISTS (SELECT 1 FROM grant_expiries e WHERE e.grant_id = g.id) "

int catalog_grants_record_expired(struct af_catalog *c, af_time now, size_t *recorded)
{
    struct cat_grant *rows = NULL;
    sqlite3_stmt *st;
    size_t n = 0, done = 0;
    bool own;
    int rc;

    if (recorded)
        *recorded = 0;
    /* Asked every few seconds by every mount: take the write lock only
     * when there is something to write. */
    st = cat_stmt(c, "SELECT EXISTS (SELECT 1 " EXPIRED_UNRECORDED ")");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, now);
    rc = cat_row(c, st);
    if (rc == 0) {
        n = (size_t)sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    if (rc < 0 || n == 0)
        return rc;
    if ((rc = cat_tx_enter(c, &own)) < 0)
        return rc;
    st = cat_stmt(c, "SELECT " GRANT_FULL_COLS " " EXPIRED_UNRECORDED "ORDER BY g.expires, g.id");
    if (st)
        sqlite3_bind_int64(st, 1, now);
    rc = cat_list(c, st, sizeof *rows, read_cat_grant, (void **)&rows, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct cat_grant *g = &rows[i];
        char when[32], detail[AF_EMAIL_MAX + 96];

        st = cat_stmt(c, "INSERT INTO grant_expiries(grant_id, at) VALUES (?, ?)");
        if (!st) {
            rc = -EIO;
            break;
        }
        sqlite3_bind_int64(st, 1, g->grant.id);
        sqlite3_bind_int64(st, 2, cat_now());
        rc = cat_exec(c, st);
        timefmt_print(g->grant.expires, when, sizeof when);
        snprintf(detail, sizeof detail, "%s %s, expired %s", policy_role_name(g->grant.role),
                 g->principal_name, when);
        if (rc == 0)
            rc = catalog_activity_add(c, "grant-expired", "albumfs", g->grant.id,
                                      g->grant.album_id, 0, detail);
        done += rc == 0;
    }
    free(rows);
    rc = cat_tx_leave(c, own, rc);
    if (rc == 0 && recorded)
        *recorded = done;
    return rc;
}

/* The grants a person's mount may hold: not those of an archived album. */
#define NOT_ARCHIVED "g.album_id NOT IN (SELECT id FROM albums WHERE archived <> 0) "

static int grants_with_sets(struct af_catalog *c, sqlite3_stmt *st, struct af_grant **rows,
                            size_t *n)
{
    int rc = cat_list(c, st, sizeof **rows, read_af_grant, (void **)rows, n);

    for (size_t i = 0; rc == 0 && i < *n; i++)
        rc = load_download_sets(c, &(*rows)[i]);
    if (rc < 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int catalog_grants_for_user(struct af_catalog *c, int64_t user_id, struct af_grant **rows,
                            size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_COLS " FROM grants g WHERE (g.user_id = ?1 "
                                   "OR g.team_id IN (SELECT team_id FROM team_members "
                                   "WHERE user_id = ?1)) AND " NOT_ARCHIVED "ORDER BY g.id");
    if (st)
        sqlite3_bind_int64(st, 1, user_id);
    return grants_with_sets(c, st, rows, n);
}

int catalog_grants_for_link(struct af_catalog *c, int64_t link_id, struct af_grant **rows,
                            size_t *n)
{
    sqlite3_stmt *st = cat_stmt(c, "SELECT " GRANT_COLS " FROM grants g WHERE g.link_id = ? "
                                   "AND " NOT_ARCHIVED "ORDER BY g.id");
    if (st)
        sqlite3_bind_int64(st, 1, link_id);
    return grants_with_sets(c, st, rows, n);
}
