/* test_query_plans.c — the catalog's hot queries do not scan the library.
 *
 * A mount answers every lookup, listing and read from the catalog, and its
 * watcher and notifier poll it every tick; with a million photos a query
 * that walks photos, versions, activity or renditions whole costs seconds.
 * This test fills a catalog (1,000 photos, each with a rendition and an
 * activity event; ANALYZEd), then calls each catalog function on the
 * daemon's request path and on its tickers while SQLite reports every
 * statement as it finishes (sqlite3_trace_v2, SQLITE_TRACE_PROFILE) with
 * how many rows it stepped through in full scans (SQLITE_STMTSTATUS_
 * FULLSCAN_STEP): no statement may step through more than a LIMIT's worth. A
 * statement that does is printed with its plan (EXPLAIN QUERY PLAN). The
 * statements come from the running code, so the test follows the queries
 * as they change.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <sqlite3.h>

#include "store/catalog.h"
#include "store/catalog_private.h"

#define PHOTOS_PER_SET 200
#define SETS 5

/* Rows a statement may step through in full scans: a table of the
 * library's few albums or settings, or a walk down an index in order that a
 * LIMIT ends (the cache's trim takes 64 at a time); the library has 1,000
 * photos, so a walk over all of them (or a set's 200) is caught. */
#define FULLSCAN_STEPS_MAX 100

struct fixture {
    char dir[64];
    struct af_catalog *c;
    GPtrArray *seen;  /* the SQL of every statement run while capturing */
    GArray *steps;    /* the most full-scan steps each one took (int) */
    int64_t album, set, photo, user, link, pool, grant;
    char rendition[VAULT_ID_HEX];
};

static int on_statement(unsigned type, void *ctx, void *p, void *x)
{
    struct fixture *f = ctx;
    const char *sql = sqlite3_sql(p);
    int steps = sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    guint i;

    (void)type;
    (void)x;
    if (!sql || strncmp(sql, "EXPLAIN", 7) == 0)
        return 0;
    for (i = 0; i < f->seen->len; i++)
        if (strcmp(g_ptr_array_index(f->seen, i), sql) == 0)
            break;
    if (i == f->seen->len) {
        g_ptr_array_add(f->seen, g_strdup(sql));
        g_array_append_val(f->steps, steps);
    } else if (steps > g_array_index(f->steps, int, i)) {
        g_array_index(f->steps, int, i) = steps;
    }
    return 0;
}

static void fill(struct fixture *f)
{
    static const unsigned char hash[CAT_TOKEN_HASH_BYTES] = {7};
    struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 6000,
                           .height = 4000};
    struct cat_person who;
    struct cat_grant g;
    struct cat_rendition r;
    char name[32], blob[VAULT_ID_HEX];

    assert_int_equal(catalog_begin(f->c), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "Alice", 1001, &f->user), 0);
    assert_int_equal(catalog_album_create(f->c, "Wedding", &f->album), 0);
    for (int s = 0; s < SETS; s++) {
        int64_t set;

        snprintf(name, sizeof name, "Set %d", s);
        assert_int_equal(catalog_set_create(f->c, f->album, name, AF_VIS_PUBLIC, &set), 0);
        for (int i = 0; i < PHOTOS_PER_SET; i++) {
            int64_t photo, version;

            snprintf(name, sizeof name, "IMG_%04d.jpg", i);
            snprintf(blob, sizeof blob, "%064x", s * PHOTOS_PER_SET + i + 1);
            assert_int_equal(catalog_photo_add_version(f->c, set, name, blob, 1000, &m, &photo,
                                                       &version),
                             0);
            f->set = set;
            f->photo = photo;
            memset(&r, 0, sizeof r);
            snprintf(r.id, sizeof r.id, "%064x", 100000 + s * PHOTOS_PER_SET + i);
            r.version_id = version;
            r.size = 100;
            r.width = r.height = 10;
            r.cached = true;
            assert_int_equal(catalog_rendition_put(f->c, &r, "proof"), 0);
            memcpy(f->rendition, r.id, sizeof r.id);
            assert_int_equal(catalog_activity_add(f->c, "viewed", "alice@example.com", 0,
                                                  f->album, photo, NULL),
                             0);
        }
    }
    assert_int_equal(catalog_pool_add(f->c, f->album, "couple", 10, &f->pool), 0);
    memset(&g, 0, sizeof g);
    g.grant.album_id = f->album;
    g.grant.role = AF_ROLE_CLIENT;
    g.grant.settings.pool_id = f->pool;
    g.principal = CAT_PRINCIPAL_USER;
    g.principal_id = f->user;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    f->grant = g.grant.id;
    assert_int_equal(catalog_link_add(f->c, f->album, hash, "", &f->link), 0);
    who = (struct cat_person){.user_id = f->user};
    assert_int_equal(catalog_favourite_set(f->c, &who, f->photo, true), 1);
    assert_int_equal(catalog_pool_charge(f->c, f->pool, f->photo, f->grant), 1);
    assert_int_equal(catalog_commit(f->c), 0);
    assert_int_equal(sqlite3_exec(f->c->db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    static const unsigned char key[32] = {1, 2, 3};
    char path[128];

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-plans-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof path, "%s/catalog.db", f->dir);
    assert_int_equal(catalog_open(path, CAT_OPEN_CREATE, &f->c), 0);
    catalog_set_audit_key(f->c, key);
    f->seen = g_ptr_array_new_with_free_func(g_free);
    f->steps = g_array_new(FALSE, FALSE, sizeof(int));
    fill(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    catalog_close(f->c);
    g_ptr_array_free(f->seen, TRUE);
    g_array_free(f->steps, TRUE);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void print_plan(struct fixture *f, const char *sql)
{
    char *explain = g_strdup_printf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(f->c->db, explain, -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW)
            fprintf(stderr, "    plan: %s\n", (const char *)sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
    }
    g_free(explain);
}

/* The statements that walked a table: printed with their plans, counted. */
static int count_scans(struct fixture *f)
{
    int bad = 0;

    for (guint i = 0; i < f->seen->len; i++) {
        const char *sql = g_ptr_array_index(f->seen, i);
        int steps = g_array_index(f->steps, int, i);

        if (steps <= FULLSCAN_STEPS_MAX)
            continue;
        fprintf(stderr, "%d rows stepped through in full scans by: %s\n", steps, sql);
        print_plan(f, sql);
        bad++;
    }
    return bad;
}

/* What a mount does per request: lookups, listings, the person's grants,
 * favourites and allowance, a rendered view found and its use recorded, a
 * download and a view recorded. */
static void test_request_path(void **state)
{
    struct fixture *f = *state;
    struct cat_person who = {.user_id = f->user};
    struct cat_album a;
    struct cat_set s, *sets;
    struct cat_photo p, *photos;
    struct cat_user u;
    struct cat_link l;
    struct cat_rendition r;
    struct cat_rendition_use use;
    struct cat_favourite *favs;
    struct af_grant *grants;
    size_t n;
    static const unsigned char hash[CAT_TOKEN_HASH_BYTES] = {7};

    sqlite3_trace_v2(f->c->db, SQLITE_TRACE_PROFILE, on_statement, f);
    assert_int_equal(catalog_user_by_uid(f->c, 1001, &u), 0);
    assert_int_equal(catalog_user_by_email(f->c, "alice@example.com", &u), 0);
    assert_int_equal(catalog_grants_for_user(f->c, f->user, &grants, &n), 0);
    free(grants);
    assert_int_equal(catalog_link_by_token_hash(f->c, hash, &l), 0);
    assert_int_equal(catalog_grants_for_link(f->c, f->link, &grants, &n), 0);
    free(grants);
    assert_int_equal(catalog_album_by_name(f->c, "Wedding", &a), 0);
    assert_int_equal(catalog_album_by_id(f->c, f->album, &a), 0);
    assert_int_equal(catalog_sets(f->c, f->album, &sets, &n), 0);
    free(sets);
    assert_int_equal(catalog_set_by_name(f->c, f->album, "Set 1", &s), 0);
    assert_int_equal(catalog_set_by_id(f->c, f->set, &s), 0);
    assert_int_equal(catalog_photos(f->c, f->set, &photos, &n), 0);
    assert_int_equal(n, PHOTOS_PER_SET);
    free(photos);
    assert_int_equal(catalog_photo_by_file_name(f->c, f->set, "IMG_0007.jpg", CAT_NAME_OWN, &p),
                     0);
    assert_int_equal(catalog_photo_by_id(f->c, f->photo, &p), 0);
    assert_int_equal(catalog_is_favourite(f->c, &who, f->photo), 1);
    assert_int_equal(catalog_favourites(f->c, f->album, &who, &favs, &n), 0);
    free(favs);
    assert_int_equal(catalog_pool_is_charged(f->c, f->pool, f->photo), 1);
    assert_int_equal(catalog_rendition_find(f->c, f->rendition, &r), 0);
    memcpy(use.id, f->rendition, sizeof use.id);
    use.at = 1800000000;
    assert_int_equal(catalog_renditions_touch(f->c, &use, 1), 0);
    assert_int_equal(catalog_download_record(f->c, "user:1", "alice@example.com", f->grant,
                                             f->album, f->photo, AF_VIEW_HIGHRES, NULL),
                     1);
    assert_int_equal(catalog_activity_add(f->c, "viewed", "alice@example.com", f->grant, f->album,
                                          f->photo, NULL),
                     0);
    sqlite3_trace_v2(f->c->db, 0, NULL, NULL);
    assert_true(f->seen->len >= 15);
    assert_int_equal(count_scans(f), 0);
}

/* What a mount's watcher and notifier ask every tick or minute. */
static void test_tickers(void **state)
{
    struct fixture *f = *state;
    struct cat_message *msgs;
    struct cat_trashed *trashed;
    struct cat_rendition *oldest;
    uint64_t bytes;
    int64_t gen;
    af_time at;
    size_t n, recorded;
    char buf[32];

    sqlite3_trace_v2(f->c->db, SQLITE_TRACE_PROFILE, on_statement, f);
    assert_int_equal(catalog_generation(f->c, &gen), 0);
    assert_int_equal(catalog_grants_record_expired(f->c, 1800000000, &recorded), 0);
    assert_int_equal(catalog_outbox_due(f->c, 1800000000, &msgs, &n), 0);
    catalog_messages_free(msgs, n);
    assert_int_equal(catalog_trash(f->c, 0, 1800000000, &trashed, &n), 0);
    free(trashed);
    /* the cache's trim (media/renditions.c), once a minute */
    assert_int_equal(catalog_rendition_cached_bytes(f->c, &bytes), 0);
    assert_int_equal(catalog_rendition_oldest(f->c, 64, &oldest, &n), 0);
    assert_int_equal(catalog_rendition_set_cached(f->c, oldest[0].id, false), 0);
    free(oldest);
    (void)catalog_setting_get(f->c, "cache.max_bytes", buf, sizeof buf);
    (void)catalog_activity_last(f->c, "backup", &at);
    sqlite3_trace_v2(f->c->db, 0, NULL, NULL);
    assert_true(f->seen->len >= 5);
    /* the total kept by triggers is the sum, through puts, trims and deletes */
    assert_int_equal(catalog_rendition_cached_bytes(f->c, &bytes), 0);
    assert_int_equal(bytes, 999 * 100);
    assert_int_equal(sqlite3_exec(f->c->db, "UPDATE renditions SET size = 50 WHERE rowid = 3;"
                                            "DELETE FROM renditions WHERE rowid = 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(catalog_rendition_cached_bytes(f->c, &bytes), 0);
    assert_int_equal(bytes, 997 * 100 + 50);
    assert_int_equal(count_scans(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tickers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
