/* test_catalog.c — unit tests of the catalog (store/catalog*.c).
 *
 * Each test builds a fresh catalog file in a scratch directory and checks
 * one area: people, albums and sets, photo versions, grants (direct, team,
 * link), the activity chain and its tamper detection, migrations refusing a
 * foreign or newer file, view names (unique per set, kept, and given by the
 * 4 -> 5 migration), concurrent writers in separate processes, and
 * running a studio (schema 9): removed people and teams, grant updates,
 * archived albums, link labels and uses, the status counts, the 8 -> 9
 * migration; a connection opened while a writing open fails (fault
 * injection builds) can never be one that only reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/catalog.h"
#include "tests/unit/schema_undo.h"

struct fixture {
    char dir[64];
    char path[128];
    struct af_catalog *c;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    static const unsigned char key[32] = {1, 2, 3};

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-cat-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_CREATE, &f->c), 0);
    catalog_set_audit_key(f->c, key);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    catalog_close(f->c);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void test_users_and_teams(void **state)
{
    struct fixture *f = *state;
    struct cat_user u, *users;
    struct cat_team t;
    size_t n;
    int64_t alice, bob, team;

    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "Alice", 1001, &alice), 0);
    assert_int_equal(catalog_user_add(f->c, "bob@example.com", NULL, -1, &bob), 0);
    /* E-mail is case-insensitive; uid unique. */
    assert_int_equal(catalog_user_add(f->c, "ALICE@example.com", "", -1, NULL), -EEXIST);
    assert_int_equal(catalog_user_add(f->c, "carol@example.com", "", 1001, NULL), -EEXIST);
    assert_int_equal(catalog_user_by_email(f->c, "Alice@Example.com", &u), 0);
    assert_int_equal(u.id, alice);
    assert_string_equal(u.name, "Alice");
    assert_int_equal(catalog_user_by_uid(f->c, 1001, &u), 0);
    assert_int_equal(u.id, alice);
    assert_int_equal(catalog_user_by_uid(f->c, 4242, &u), -ENOENT);
    assert_int_equal(catalog_user_by_email(f->c, "bob@example.com", &u), 0);
    assert_int_equal(u.uid, -1);
    assert_int_equal(catalog_users(f->c, &users, &n), 0);
    assert_int_equal(n, 2);
    free(users);

    assert_int_equal(catalog_team_add(f->c, "studio", &team), 0);
    assert_int_equal(catalog_team_add(f->c, "studio", NULL), -EEXIST);
    assert_int_equal(catalog_team_by_name(f->c, "studio", &t), 0);
    assert_int_equal(catalog_team_add_member(f->c, team, bob), 0);
    assert_int_equal(catalog_team_add_member(f->c, team, bob), -EEXIST);
    assert_int_equal(catalog_team_add_member(f->c, team, 999), -ENOENT);
    assert_int_equal(catalog_team_members(f->c, team, &users, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(users[0].email, "bob@example.com");
    free(users);
}

static void test_albums_and_sets(void **state)
{
    struct fixture *f = *state;
    struct cat_set *sets, s;
    struct cat_album a;
    size_t n;
    int64_t album, ceremony;

    assert_int_equal(catalog_album_create(f->c, "Smith Wedding", &album), 0);
    assert_int_equal(catalog_album_create(f->c, "Smith Wedding", NULL), -EEXIST);
    assert_int_equal(catalog_album_by_name(f->c, "Smith Wedding", &a), 0);
    assert_true(a.clients_may_mark_private);
    assert_int_equal(catalog_album_by_name(f->c, "Nope", &a), -ENOENT);
    /* A new album has its public set. */
    assert_int_equal(catalog_sets(f->c, album, &sets, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sets[0].name, "Photos");
    assert_int_equal(sets[0].visibility, AF_VIS_PUBLIC);
    /* The last public set cannot be hidden. */
    assert_int_equal(catalog_set_visibility(f->c, sets[0].id, AF_VIS_CLIENT), -EPERM);
    free(sets);

    assert_int_equal(catalog_set_create(f->c, album, "Ceremony", AF_VIS_PUBLIC, &ceremony), 0);
    assert_int_equal(catalog_set_create(f->c, album, "Ceremony", AF_VIS_TEAM, NULL), -EEXIST);
    assert_int_equal(catalog_set_create(f->c, 777, "Orphan", AF_VIS_PUBLIC, NULL), -ENOENT);
    assert_int_equal(catalog_set_visibility(f->c, ceremony, AF_VIS_CLIENT), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Ceremony", &s), 0);
    assert_int_equal(s.visibility, AF_VIS_CLIENT);
    assert_int_equal(catalog_set_visibility(f->c, 4242, AF_VIS_CLIENT), -ENOENT);
}

static void test_photo_versions(void **state)
{
    struct fixture *f = *state;
    struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 600,
                           .height = 400, .orientation = 6};
    struct cat_photo p, *photos;
    struct cat_set s;
    size_t n;
    int64_t album, pid, pid2, v1, v2, count;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Photos", &s), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "aa", 10, &m, &pid, &v1), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "bb", 20, &m, &pid2, &v2), 0);
    assert_int_equal(pid, pid2); /* same photo, new version */
    assert_true(v2 > v1);
    /* the same bytes again (an import retried): no third version */
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "bb", 20, &m, &pid2, &v1),
                     -EEXIST);
    assert_int_equal(pid2, pid);
    assert_int_equal(v1, v2);
    assert_int_equal(catalog_photo_by_file_name(f->c, s.id, "IMG_1.jpg", CAT_NAME_OWN, &p), 0);
    assert_string_equal(p.blob, "bb");
    assert_int_equal(p.size, 20);
    assert_int_equal(p.orientation, 6);
    assert_int_equal(p.album_id, album);
    assert_false(p.is_private);
    assert_int_equal(catalog_photo_set_private(f->c, pid, true, "user:1"), 0);
    assert_int_equal(catalog_photo_by_id(f->c, pid, &p), 0);
    assert_true(p.is_private);
    assert_string_equal(p.private_by, "user:1");
    assert_int_equal(catalog_photo_set_private(f->c, 999, true, NULL), -ENOENT);
    assert_int_equal(catalog_photo_add_version(f->c, 999, "x.jpg", "cc", 1, &m, NULL, NULL), -ENOENT);
    assert_int_equal(catalog_photos(f->c, s.id, &photos, &n), 0);
    assert_int_equal(n, 1);
    free(photos);
    assert_int_equal(catalog_photo_count(f->c, &count), 0);
    assert_int_equal(count, 1);
}

/* Add photo `name` (a document when is_doc) to set_id; its view name. */
static const char *add_named(struct af_catalog *c, int64_t set_id, const char *name, bool is_doc)
{
    static struct cat_photo p;
    struct media_info m = {.kind = is_doc ? MEDIA_DOCUMENT : MEDIA_PHOTO, .width = 1,
                           .height = 1, .orientation = 1};
    int64_t id;
    int rc;

    snprintf(m.mime, sizeof m.mime, "%s", is_doc ? "application/pdf" : "image/jpeg");

    /* the same bytes under a name already there: no new version (-EEXIST) */
    rc = catalog_photo_add_version(c, set_id, name, "ab", 1, &m, &id, NULL);
    assert_true(rc == 0 || rc == -EEXIST);
    assert_int_equal(catalog_photo_by_id(c, id, &p), 0);
    return p.view_name;
}

/* No two live photos of a set share a view name, and none takes a name
 * (own or view) another photo of the set already has. */
static void assert_names_unique(struct af_catalog *c, int64_t set_id)
{
    struct cat_photo *photos;
    size_t n;

    assert_int_equal(catalog_photos(c, set_id, &photos, &n), 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(photos[i].view_name[0] != '\0');
        for (size_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            assert_string_not_equal(photos[i].view_name, photos[j].view_name);
            assert_string_not_equal(photos[i].name, photos[j].name);
        }
    }
    free(photos);
}

/* The live photo of set_id named `name` has view name `view_name`, and
 * that view name leads back to it. */
static void assert_names(struct af_catalog *c, int64_t set_id, const char *name,
                         const char *view_name)
{
    struct cat_photo p;

    assert_int_equal(catalog_photo_by_file_name(c, set_id, name, CAT_NAME_OWN, &p), 0);
    assert_string_equal(p.view_name, view_name);
    assert_int_equal(catalog_photo_by_file_name(c, set_id, view_name, CAT_NAME_VIEW, &p), 0);
    assert_string_equal(p.name, name);
}

static void test_view_names(void **state)
{
    struct fixture *f = *state;
    struct cat_photo p;
    struct cat_set s;
    char sql[256], long_name[AF_NAME_MAX + 1];
    const char *view;
    int64_t album;
    sqlite3 *db;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Photos", &s), 0);
    /* The plain rule: JPEGs and documents as they are, others + ".jpg". */
    assert_string_equal(add_named(f->c, s.id, "IMG_1.JPG", false), "IMG_1.JPG");
    assert_string_equal(add_named(f->c, s.id, "IMG_2.png", false), "IMG_2.png.jpg");
    assert_string_equal(add_named(f->c, s.id, "contract.pdf", true), "contract.pdf");
    /* The real X.png.jpg first: X.png's view gets the next free name. */
    assert_string_equal(add_named(f->c, s.id, "X.png.jpg", false), "X.png.jpg");
    assert_string_equal(add_named(f->c, s.id, "X.png", false), "X.png (2).jpg");
    /* The other order: Y.png keeps the name it was shown under first. */
    assert_string_equal(add_named(f->c, s.id, "Y.png", false), "Y.png.jpg");
    assert_string_equal(add_named(f->c, s.id, "Y.png.jpg", false), "Y.png (2).jpg");
    /* A real photo with the disambiguated name comes later still. */
    assert_string_equal(add_named(f->c, s.id, "X.png (2).jpg", false), "X.png (2) (2).jpg");
    assert_string_equal(add_named(f->c, s.id, "contract.pdf.jpg", true), "contract.pdf.jpg");
    assert_string_equal(add_named(f->c, s.id, "contract.png", false), "contract.png.jpg");
    /* Kept: X.png imported again changes nothing. */
    assert_string_equal(add_named(f->c, s.id, "X.png", false), "X.png (2).jpg");
    assert_names_unique(f->c, s.id);

    /* Each kind of name resolves to one photo; a miss reads as all zero. */
    assert_names(f->c, s.id, "X.png", "X.png (2).jpg");
    assert_names(f->c, s.id, "X.png.jpg", "X.png.jpg");
    assert_names(f->c, s.id, "Y.png", "Y.png.jpg");
    assert_names(f->c, s.id, "Y.png.jpg", "Y.png (2).jpg");
    assert_int_equal(catalog_photo_by_file_name(f->c, s.id, "X.png", CAT_NAME_VIEW, &p), -ENOENT);
    assert_int_equal(p.id, 0);
    assert_string_equal(p.name, "");
    assert_int_equal(catalog_photo_by_file_name(f->c, s.id, "IMG_2.png.jpg", CAT_NAME_OWN, &p),
                     -ENOENT);

    /* A name too long for ".jpg" is cut, at a character boundary: 249
     * bytes of 'a' and a euro sign (3 bytes) become the 249 bytes + .jpg. */
    memset(long_name, 'a', 249);
    memcpy(long_name + 249, "\xe2\x82\xac", 4);
    view = add_named(f->c, s.id, long_name, false);
    assert_int_equal(strlen(view), 253);
    assert_string_equal(view + 248, "a.jpg");

    /* The database itself refuses a second live photo with a view name,
     * whoever writes it. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "INSERT INTO photos(album_id, set_id, name, kind, created, view_name) "
             "VALUES (%lld, %lld, 'Z.png', 1, 0, 'X.png.jpg')",
             (long long)album, (long long)s.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

/* A catalog of schema 4 (no view names) whose photos collide once shown as
 * views gets unique view names, decided oldest photo first. */
static void test_view_names_migration(void **state)
{
    struct fixture *f = *state;
    struct cat_set a, b;
    int64_t album;
    sqlite3 *db;
    sqlite3_stmt *st;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Photos", &a), 0);
    assert_int_equal(catalog_set_create(f->c, album, "B", AF_VIS_PUBLIC, &b.id), 0);
    add_named(f->c, a.id, "X.png", false);
    add_named(f->c, a.id, "X.png.jpg", false);
    add_named(f->c, a.id, "X.png (2).jpg", false);
    add_named(f->c, a.id, "notes.pdf", true);
    add_named(f->c, b.id, "X.png.jpg", false);
    add_named(f->c, b.id, "X.png", false);
    add_named(f->c, b.id, "IMG.jpeg", false);
    catalog_close(f->c);
    f->c = NULL;
    /* Back to schema 4, as an older albumfs left it (schema 6's tables
     * go too: its migration comes after). */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, SCHEMA_UNDO_10 SCHEMA_UNDO_9 "DROP TABLE downloads;"
                                      "DROP TABLE grant_expiries;"
                                      "DROP INDEX activity_kind_actor;"
                                      "DROP INDEX photos_live_view_name;"
                                      "ALTER TABLE photos DROP COLUMN view_name;"
                                      "PRAGMA user_version = 4;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(catalog_open(f->path, CAT_OPEN_EXISTING, &f->c), 0);
    assert_names(f->c, a.id, "X.png", "X.png (3).jpg"); /* the other two exist */
    assert_names(f->c, a.id, "X.png.jpg", "X.png.jpg");
    assert_names(f->c, a.id, "X.png (2).jpg", "X.png (2).jpg");
    assert_names(f->c, a.id, "notes.pdf", "notes.pdf");
    assert_names(f->c, b.id, "X.png", "X.png (2).jpg");
    assert_names(f->c, b.id, "IMG.jpeg", "IMG.jpeg");
    assert_names_unique(f->c, a.id);
    assert_names_unique(f->c, b.id);
    /* The migration finished: schema 5, and the index holds new photos. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(sqlite3_column_int(st, 0) >= 5);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_string_equal(add_named(f->c, b.id, "X.png (2)", false), "X.png (2) (2).jpg");
}

static void test_grants(void **state)
{
    struct fixture *f = *state;
    struct cat_grant g, *all;
    struct af_grant *mine;
    struct cat_link link;
    struct cat_set s;
    struct cat_pool pool;
    unsigned char token[CAT_TOKEN_HASH_BYTES] = {9, 9, 9};
    size_t n;
    int64_t album, other, alice, team, link_id, pool_id, gen1, gen2;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_album_create(f->c, "B", &other), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Photos", &s), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, &alice), 0);
    assert_int_equal(catalog_team_add(f->c, "studio", &team), 0);
    assert_int_equal(catalog_team_add_member(f->c, team, alice), 0);
    assert_int_equal(catalog_pool_add(f->c, album, "couple", 10, &pool_id), 0);
    assert_int_equal(catalog_pool_by_name(f->c, album, "couple", &pool), 0);
    assert_int_equal(pool.limit, 10);
    assert_int_equal(pool.used, 0);

    memset(&g, 0, sizeof g);
    g.grant.album_id = album;
    g.grant.role = AF_ROLE_CLIENT;
    g.grant.settings.proof_long_edge = 2048;
    g.grant.settings.pool_id = pool_id;
    g.grant.settings.n_download_sets = 1;
    g.grant.settings.download_sets[0] = s.id;
    g.principal = CAT_PRINCIPAL_USER;
    g.principal_id = alice;
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    assert_int_equal(catalog_generation(f->c, &gen2), 0);
    assert_true(gen2 > gen1); /* a mount notices */

    /* A team grant on another album reaches alice too. */
    g.grant.album_id = other;
    g.grant.role = AF_ROLE_EDITOR;
    g.grant.settings.pool_id = 0;
    g.grant.settings.n_download_sets = 0;
    g.principal = CAT_PRINCIPAL_TEAM;
    g.principal_id = team;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);

    /* Download sets must belong to the grant's album. */
    g.grant.settings.n_download_sets = 1;
    g.grant.settings.download_sets[0] = s.id;
    assert_int_equal(catalog_grant_add(f->c, &g), -ENOENT);

    assert_int_equal(catalog_grants_for_user(f->c, alice, &mine, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(mine[0].role, AF_ROLE_CLIENT);
    assert_int_equal(mine[0].settings.pool_id, pool_id);
    assert_int_equal(mine[0].settings.n_download_sets, 1);
    assert_int_equal(mine[0].settings.download_sets[0], s.id);
    assert_int_equal(mine[1].role, AF_ROLE_EDITOR);
    assert_int_equal(mine[1].album_id, other);
    free(mine);

    assert_int_equal(catalog_link_add(f->c, album, token, NULL, &link_id), 0);
    assert_int_equal(catalog_link_by_token_hash(f->c, token, &link), 0);
    assert_false(link.has_password);
    token[0] = 1;
    assert_int_equal(catalog_link_by_token_hash(f->c, token, &link), -ENOENT);
    memset(&g, 0, sizeof g);
    g.grant.album_id = album;
    g.grant.role = AF_ROLE_GUEST;
    g.principal = CAT_PRINCIPAL_LINK;
    g.principal_id = link_id;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    assert_int_equal(catalog_grant_by_id(f->c, g.grant.id, &g), 0);
    assert_string_equal(g.album_name, "A");
    assert_int_equal(catalog_grants_for_link(f->c, link_id, &mine, &n), 0);
    assert_int_equal(n, 1);
    free(mine);

    assert_int_equal(catalog_grant_revoke(f->c, g.grant.id, 1234), 0);
    assert_int_equal(catalog_grant_revoke(f->c, g.grant.id, 1235), -EALREADY);
    assert_int_equal(catalog_grant_revoke(f->c, 9999, 1235), -ENOENT);
    assert_int_equal(catalog_grants(f->c, album, &all, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all[1].grant.revoked, 1234);
    assert_true(strncmp(all[1].principal_name, "link:", 5) == 0);
    assert_string_equal(all[0].principal_name, "alice@example.com");
    free(all);
    assert_int_equal(catalog_grants(f->c, 0, &all, &n), 0);
    assert_int_equal(n, 3);
    free(all);
}

static void test_activity_chain(void **state)
{
    struct fixture *f = *state;
    struct cat_activity *rows;
    sqlite3 *db;
    size_t n;
    int64_t bad;

    for (int i = 0; i < 5; i++)
        assert_int_equal(catalog_activity_add(f->c, "upload", "owner", 0, 1, i, "x"), 0);
    assert_int_equal(catalog_activity_add(f->c, "grant", "owner", 3, 2, 0, NULL), 0);
    assert_int_equal(catalog_activity(f->c, 1, NULL, &rows, &n), 0);
    assert_int_equal(n, 5);
    free(rows);
    assert_int_equal(catalog_activity(f->c, 0, "grant", &rows, &n), 0);
    assert_int_equal(n, 1);
    free(rows);
    assert_int_equal(catalog_activity_verify(f->c, &bad), 0);

    /* The table refuses edits... */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE activity SET detail = 'y' WHERE id = 3",
                                      NULL, NULL, NULL), SQLITE_OK);
    /* ...and an edit that goes around the trigger is caught, by row. */
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER activity_no_update;"
                                      "UPDATE activity SET detail = 'y' WHERE id = 3",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(catalog_activity_verify(f->c, &bad), -EBADMSG);
    assert_int_equal(bad, 3);
    assert_int_equal(sqlite3_exec(db, "UPDATE activity SET detail = 'x' WHERE id = 3",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(catalog_activity_verify(f->c, &bad), 0);
    /* A deleted row breaks the chain where it was. */
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER activity_no_delete;"
                                      "DELETE FROM activity WHERE id = 2",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(catalog_activity_verify(f->c, &bad), -EBADMSG);
    assert_int_equal(bad, 2);
    sqlite3_close(db);
}

/* What albumctl reads: events by album, actor, kind and time with names,
 * single events, and the blobs of every version. */
static void test_activity_queries(void **state)
{
    struct fixture *f = *state;
    struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 6, .height = 4};
    struct cat_activity_filter all = {0}, q;
    struct cat_activity_entry *rows;
    struct cat_activity one;
    struct cat_blob *blobs;
    struct cat_set s;
    struct cat_link l;
    static const unsigned char hash[CAT_TOKEN_HASH_BYTES] = {7};
    size_t n;
    int64_t a1, a2, p1, p2, p3, total, link;

    assert_int_equal(catalog_album_create(f->c, "A", &a1), 0);
    assert_int_equal(catalog_album_create(f->c, "B", &a2), 0);
    assert_int_equal(catalog_set_by_name(f->c, a1, "Photos", &s), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "aa", 1, &m, &p1, NULL), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "bb", 1, &m, NULL, NULL), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_2.jpg", "aa", 1, &m, &p2, NULL), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_3.jpg", "cc", 1, &m, &p3, NULL), 0);
    assert_int_equal(catalog_activity_add(f->c, "upload", "owner", 0, a1, p1, "IMG_1.jpg"), 0);
    assert_int_equal(catalog_activity_add(f->c, "favourite-added", "alice@example.com", 4, a1,
                                          p2, ""), 0);
    assert_int_equal(catalog_activity_add(f->c, "album-viewed", "link:2", 5, a2, 0, ""), 0);
    assert_int_equal(catalog_activity_add(f->c, "download", "Alice@Example.com", 4, a1, 999, ""),
                     0);

    assert_int_equal(catalog_activity_query(f->c, &all, &rows, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(rows[0].event.id, 1);
    assert_string_equal(rows[0].album_name, "A");
    assert_string_equal(rows[0].set_name, "Photos");
    assert_string_equal(rows[0].photo_name, "IMG_1.jpg");
    assert_string_equal(rows[2].album_name, "B");
    assert_string_equal(rows[2].photo_name, ""); /* no photo */
    assert_string_equal(rows[3].photo_name, ""); /* a photo that is not there */
    free(rows);
    q = (struct cat_activity_filter){.album_id = a1, .actor = "ALICE@example.COM"};
    assert_int_equal(catalog_activity_query(f->c, &q, &rows, &n), 0);
    assert_int_equal(n, 2); /* e-mail in any letter case */
    assert_string_equal(rows[0].event.kind, "favourite-added");
    assert_string_equal(rows[1].event.kind, "download");
    free(rows);
    q = (struct cat_activity_filter){.kind = "album-viewed", .actor = "link:2"};
    assert_int_equal(catalog_activity_query(f->c, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].event.grant_id, 5);
    free(rows);
    q = (struct cat_activity_filter){.since = (af_time)time(NULL) + 3600};
    assert_int_equal(catalog_activity_query(f->c, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_null(rows);

    assert_int_equal(catalog_activity_get(f->c, 2, &one), 0);
    assert_string_equal(one.actor, "alice@example.com");
    assert_int_equal(one.photo_id, p2);
    assert_int_equal(catalog_activity_get(f->c, 99, &one), -ENOENT);
    assert_int_equal(catalog_activity_total(f->c, &total), 0);
    assert_int_equal(total, 4);

    /* Blob "aa" is used by two versions (IMG_1's first and IMG_2's). */
    assert_int_equal(catalog_version_blobs(f->c, &blobs, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(blobs[0].id, "aa");
    assert_int_equal(blobs[0].versions, 2);
    assert_int_equal(blobs[0].photo_id, p1);
    assert_string_equal(blobs[1].id, "bb");
    assert_int_equal(blobs[1].versions, 1);
    assert_string_equal(blobs[2].id, "cc");
    assert_int_equal(blobs[2].photo_id, p3);
    free(blobs);

    /* Links by id, as 'link:ID' names them. */
    assert_int_equal(catalog_link_add(f->c, a2, hash, NULL, &link), 0);
    assert_int_equal(catalog_link_by_id(f->c, link, &l), 0);
    assert_int_equal(l.album_id, a2);
    assert_false(l.has_password);
    assert_int_equal(catalog_link_by_id(f->c, link + 1, &l), -ENOENT);
}

static void test_not_a_catalog(void **state)
{
    struct fixture *f = *state;
    struct af_catalog *c = NULL;
    char path[160];
    sqlite3 *db;

    snprintf(path, sizeof path, "%s/other.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(catalog_open(path, CAT_OPEN_EXISTING, &c), -EINVAL);
    assert_null(c);
    snprintf(path, sizeof path, "%s/missing.db", f->dir);
    assert_int_equal(catalog_open(path, CAT_OPEN_EXISTING, &c), -ENOENT);
    /* A catalog from a newer albumfs is refused, not damaged. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_EXISTING, &c), -EPROTO);
}

/* Eight processes each add 25 users and an album with 25 photos at once:
 * every write lands. */
static void test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    struct cat_user *users;
    size_t n;
    int64_t photos;
    pid_t kids[8];

    for (int k = 0; k < 8; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            struct af_catalog *c;
            struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 1,
                                   .height = 1, .orientation = 1};
            char name[64];
            int64_t album;
            struct cat_set s;
            int bad = 0;

            if (catalog_open(f->path, CAT_OPEN_EXISTING, &c) < 0)
                _exit(2);
            snprintf(name, sizeof name, "album-%d", k);
            bad |= catalog_album_create(c, name, &album) != 0;
            bad |= catalog_set_by_name(c, album, "Photos", &s) != 0;
            for (int i = 0; i < 25 && !bad; i++) {
                snprintf(name, sizeof name, "u%d-%d@example.com", k, i);
                bad |= catalog_user_add(c, name, "", -1, NULL) != 0;
                snprintf(name, sizeof name, "IMG_%d.jpg", i);
                bad |= catalog_photo_add_version(c, s.id, name, "ab", 1, &m, NULL, NULL) != 0;
            }
            catalog_close(c);
            _exit(bad);
        }
    }
    for (int k = 0; k < 8; k++) {
        int status;

        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(catalog_users(f->c, &users, &n), 0);
    assert_int_equal(n, 200);
    free(users);
    assert_int_equal(catalog_photo_count(f->c, &photos), 0);
    assert_int_equal(photos, 200);
}

static void test_settings(void **state)
{
    struct fixture *f = *state;
    char buf[64];

    assert_int_equal(catalog_setting_get(f->c, "watermark.text", buf, sizeof buf), -ENOENT);
    assert_int_equal(catalog_setting_set(f->c, "watermark.text", "Studio"), 0);
    assert_int_equal(catalog_setting_set(f->c, "watermark.text", "Studio Två"), 0);
    assert_int_equal(catalog_setting_get(f->c, "watermark.text", buf, sizeof buf), 0);
    assert_string_equal(buf, "Studio Två");
}

/* Refusals a loop repeats: at most `max` identical rows per window; a
 * different photo, actor or detail is another count. */
static void test_activity_limited(void **state)
{
    struct fixture *f = *state;
    af_time since = (af_time)time(NULL) - 600;
    int64_t n;

    for (int i = 0; i < 8; i++)
        assert_int_equal(catalog_activity_add_limited(f->c, "refused", "a@example.com", 1, 1, 5,
                                                      "chmod: EPERM", since, 3),
                         i < 3 ? 1 : 0);
    assert_int_equal(catalog_activity_add_limited(f->c, "refused", "a@example.com", 1, 1, 6,
                                                  "chmod: EPERM", since, 3), 1);
    assert_int_equal(catalog_activity_add_limited(f->c, "refused", "b@example.com", 1, 1, 5,
                                                  "chmod: EPERM", since, 3), 1);
    assert_int_equal(catalog_activity_add_limited(f->c, "refused", "a@example.com", 1, 1, 5,
                                                  "write: EROFS", since, 3), 1);
    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    assert_int_equal(n, 6);
    /* Rows older than the window do not count. */
    assert_int_equal(catalog_activity_add_limited(f->c, "refused", "a@example.com", 1, 1, 5,
                                                  "chmod: EPERM", (af_time)time(NULL) + 60, 3),
                     1);
    assert_int_equal(catalog_activity_verify(f->c, &n), 0);
}

/* A download is recorded once per person, photo and view. */
static void test_downloads_once(void **state)
{
    struct fixture *f = *state;
    struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 6, .height = 4};
    struct cat_activity a;
    struct cat_set s;
    int64_t album, photo, n;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_set_by_name(f->c, album, "Photos", &s), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "aa", 1, &m, &photo,
                                               NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(catalog_download_record(f->c, "user:1", "a@example.com", 4, album, photo,
                                                 AF_VIEW_WEB, "web-size IMG_1.jpg"),
                         i == 0);
    assert_int_equal(catalog_download_record(f->c, "user:1", "a@example.com", 4, album, photo,
                                             AF_VIEW_HIGHRES, "high-res IMG_1.jpg"), 1);
    assert_int_equal(catalog_download_record(f->c, "link:2", "link:2", 5, album, photo,
                                             AF_VIEW_WEB, "web-size IMG_1.jpg"), 1);
    assert_int_equal(catalog_download_record(f->c, "user:1", "a@example.com", 4, album, photo,
                                             AF_VIEW_HIGHRES, "high-res IMG_1.jpg"), 0);
    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(catalog_activity_get(f->c, 1, &a), 0);
    assert_string_equal(a.kind, "download");
    assert_string_equal(a.actor, "a@example.com");
    assert_int_equal(a.grant_id, 4);
    assert_int_equal(a.photo_id, photo);
    assert_string_equal(a.detail, "web-size IMG_1.jpg");
}

/* A grant that reached its expiry while live is recorded once; one that
 * has not, or was revoked before, is not. */
static void test_grants_expired_once(void **state)
{
    struct fixture *f = *state;
    af_time now = (af_time)time(NULL);
    struct cat_grant g;
    struct cat_activity a;
    int64_t album, alice, expired, n;
    size_t done;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, &alice), 0);
    memset(&g, 0, sizeof g);
    g.grant.album_id = album;
    g.grant.role = AF_ROLE_CLIENT;
    g.grant.settings.proof_long_edge = 2048;
    g.principal = CAT_PRINCIPAL_USER;
    g.principal_id = alice;
    g.grant.expires = now - 10; /* expired */
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    expired = g.grant.id;
    g.grant.expires = now + 3600; /* not yet */
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    g.grant.expires = 0; /* never */
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    g.grant.expires = now - 5; /* revoked before it expired */
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    assert_int_equal(catalog_grant_revoke(f->c, g.grant.id, now - 20), 0);

    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(catalog_grants_record_expired(f->c, now, &done), 0);
    assert_int_equal(done, 1);
    assert_int_equal(catalog_grants_record_expired(f->c, now, &done), 0);
    assert_int_equal(done, 0);
    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(catalog_activity_get(f->c, 1, &a), 0);
    assert_string_equal(a.kind, "grant-expired");
    assert_string_equal(a.actor, "albumfs");
    assert_int_equal(a.grant_id, expired);
    assert_int_equal(a.album_id, album);
    assert_true(strncmp(a.detail, "client alice@example.com, expired 20", 36) == 0);
    /* Later, the second one expires too: one more. */
    assert_int_equal(catalog_grants_record_expired(f->c, now + 3600, &done), 0);
    assert_int_equal(done, 1);
}

static struct cat_grant user_grant(int64_t album, int64_t user, enum af_role role)
{
    struct cat_grant g = {.principal = CAT_PRINCIPAL_USER};

    g.principal_id = user;
    g.grant.album_id = album;
    g.grant.role = role;
    policy_settings_default(role, &g.grant.settings);
    return g;
}

/* Removed users and teams keep their rows; lists leave them out; adding
 * them again brings the same row back; a removed user's uid is free. */
static void test_people_removed(void **state)
{
    struct fixture *f = *state;
    struct cat_user u, *users = NULL;
    struct cat_team t, *teams = NULL;
    size_t n = 0;
    int64_t alice, bob, team, again;

    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "Alice", 1001, &alice), 0);
    assert_int_equal(catalog_user_add(f->c, "bob@example.com", "", -1, &bob), 0);
    assert_int_equal(catalog_team_add(f->c, "studio", &team), 0);
    assert_int_equal(catalog_team_add_member(f->c, team, alice), 0);
    assert_int_equal(catalog_user_update(f->c, bob, "Bob", 1001), -EEXIST);
    assert_int_equal(catalog_user_update(f->c, bob, "Bob", 1002), 0);
    assert_int_equal(catalog_user_update(f->c, 999, "X", -1), -ENOENT);
    assert_int_equal(catalog_user_by_uid(f->c, 1002, &u), 0);
    assert_string_equal(u.name, "Bob");
    assert_int_equal(catalog_team_remove_member(f->c, team, bob), -ENOENT);

    assert_int_equal(catalog_user_remove(f->c, alice, 50), 0);
    assert_int_equal(catalog_user_remove(f->c, alice, 60), -ENOENT);
    assert_int_equal(catalog_user_update(f->c, alice, "A", -1), -ENOENT);
    assert_int_equal(catalog_user_by_email(f->c, "alice@example.com", &u), 0);
    assert_int_equal(u.removed, 50);
    assert_int_equal(u.uid, -1);
    assert_int_equal(catalog_user_by_uid(f->c, 1001, &u), -ENOENT);
    assert_int_equal(catalog_team_members(f->c, team, &users, &n), 0);
    assert_int_equal(n, 0);
    free(users);
    assert_int_equal(catalog_users(f->c, &users, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(users[0].email, "bob@example.com");
    free(users);
    /* The uid is free; the address comes back as the same row. */
    assert_int_equal(catalog_user_update(f->c, bob, "Bob", 1001), 0);
    assert_int_equal(catalog_user_add(f->c, "ALICE@example.com", "Al", 1001, NULL), -EEXIST);
    assert_int_equal(catalog_user_add(f->c, "ALICE@example.com", "Al", -1, &again), 0);
    assert_int_equal(again, alice);
    assert_int_equal(catalog_user_by_email(f->c, "alice@example.com", &u), 0);
    assert_int_equal(u.removed, 0);
    assert_string_equal(u.name, "Al");
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, NULL), -EEXIST);

    assert_int_equal(catalog_team_add_member(f->c, team, bob), 0);
    assert_int_equal(catalog_team_remove(f->c, team, 70), 0);
    assert_int_equal(catalog_team_remove(f->c, team, 70), -ENOENT);
    assert_int_equal(catalog_team_by_name(f->c, "studio", &t), 0);
    assert_int_equal(t.removed, 70);
    assert_int_equal(catalog_teams(f->c, &teams, &n), 0);
    assert_int_equal(n, 0);
    free(teams);
    assert_int_equal(catalog_team_add(f->c, "studio", &again), 0);
    assert_int_equal(again, team);
    assert_int_equal(catalog_team_add(f->c, "studio", NULL), -EEXIST);
    assert_int_equal(catalog_team_members(f->c, team, &users, &n), 0);
    assert_int_equal(n, 0); /* back empty */
    free(users);
}

/* Grant updates, unrevoked grants, albums with editors, archived albums
 * left out of a person's grants, links' labels and uses, status counts. */
static void test_studio_rows(void **state)
{
    struct fixture *f = *state;
    unsigned char token[CAT_TOKEN_HASH_BYTES] = {7};
    struct cat_grant g, ed, lg, *rows = NULL;
    struct af_grant_settings s;
    struct af_grant *mine = NULL;
    struct cat_link *links = NULL, link;
    struct cat_status st;
    struct cat_set set;
    int64_t album, other, alice, bob, team, link_id, *ids = NULL, gen0, gen1;
    af_time now = (af_time)time(NULL);
    size_t n = 0;

    assert_int_equal(catalog_album_create(f->c, "A", &album), 0);
    assert_int_equal(catalog_album_create(f->c, "B", &other), 0);
    assert_int_equal(catalog_set_by_name(f->c, other, "Photos", &set), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, &alice), 0);
    assert_int_equal(catalog_user_add(f->c, "bob@example.com", "", -1, &bob), 0);
    assert_int_equal(catalog_team_add(f->c, "studio", &team), 0);
    g = user_grant(album, alice, AF_ROLE_CLIENT);
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    ed = user_grant(album, bob, AF_ROLE_EDITOR);
    ed.principal = CAT_PRINCIPAL_TEAM;
    ed.principal_id = team;
    assert_int_equal(catalog_grant_add(f->c, &ed), 0);

    /* An update replaces expiry and settings; a set of another album is
     * refused and changes nothing; a revoked grant cannot change. */
    s = g.grant.settings;
    s.web_downloads = true;
    s.web_long_edge = 1600;
    s.n_download_sets = 1;
    s.download_sets[0] = set.id; /* album B's */
    assert_int_equal(catalog_grant_update(f->c, g.grant.id, now + 100, &s), -ENOENT);
    assert_int_equal(catalog_grant_by_id(f->c, g.grant.id, &lg), 0);
    assert_false(lg.grant.settings.web_downloads);
    s.n_download_sets = 0;
    assert_int_equal(catalog_grant_update(f->c, g.grant.id, now + 100, &s), 0);
    assert_int_equal(catalog_grant_by_id(f->c, g.grant.id, &lg), 0);
    assert_true(lg.grant.settings.web_downloads);
    assert_int_equal(lg.grant.settings.web_long_edge, 1600);
    assert_int_equal(lg.grant.expires, now + 100);
    assert_int_equal(catalog_grant_update(f->c, 999, 0, &s), -ENOENT);

    /* An empty team makes no editor; a member does. */
    assert_int_equal(catalog_albums_with_editors(f->c, now, &ids, &n), 0);
    assert_int_equal(n, 0);
    free(ids);
    assert_int_equal(catalog_team_add_member(f->c, team, bob), 0);
    assert_int_equal(catalog_albums_with_editors(f->c, now, &ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], album);
    free(ids);
    assert_int_equal(catalog_grants_unrevoked(f->c, CAT_GRANTS_OF_TEAM, team, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].grant.id, ed.grant.id);
    free(rows);
    assert_int_equal(catalog_grants_unrevoked(f->c, CAT_GRANTS_OF_ALBUM, album, &rows, &n), 0);
    assert_int_equal(n, 2);
    free(rows);
    assert_int_equal(catalog_grant_revoke(f->c, ed.grant.id, now), 0);
    assert_int_equal(catalog_grant_update(f->c, ed.grant.id, 0, &s), -EALREADY);
    assert_int_equal(catalog_grants_unrevoked(f->c, CAT_GRANTS_OF_USER, bob, &rows, &n), 0);
    assert_int_equal(n, 0);
    free(rows);

    /* Links: label, uses; the token hash finds the same row. */
    assert_int_equal(catalog_link_add(f->c, album, token, NULL, &link_id), 0);
    lg = user_grant(album, 0, AF_ROLE_GUEST);
    lg.principal = CAT_PRINCIPAL_LINK;
    lg.principal_id = link_id;
    assert_int_equal(catalog_grant_add(f->c, &lg), 0);
    assert_int_equal(catalog_link_set_label(f->c, link_id, "Smith family"), 0);
    assert_int_equal(catalog_link_set_label(f->c, 999, "x"), -ENOENT);
    assert_int_equal(catalog_link_used(f->c, link_id, now - 10), 0);
    assert_int_equal(catalog_link_used(f->c, link_id, now - 20), 0);
    assert_int_equal(catalog_link_by_token_hash(f->c, token, &link), 0);
    assert_string_equal(link.label, "Smith family");
    assert_int_equal(link.uses, 2);
    assert_int_equal(link.last_used, now - 10);
    assert_int_equal(catalog_links(f->c, other, &links, &n), 0);
    assert_int_equal(n, 0);
    free(links);
    assert_int_equal(catalog_links(f->c, 0, &links, &n), 0);
    assert_int_equal(n, 1);
    free(links);

    /* Status counts; then archiving hides the album's grants from its
     * people and bumps the generation (live mounts reload). */
    assert_int_equal(catalog_status(f->c, now, 200, &st), 0);
    assert_int_equal(st.albums, 2);
    assert_int_equal(st.users, 2);
    assert_int_equal(st.teams, 1);
    assert_int_equal(st.grants_live, 2);     /* alice's and the link's */
    assert_int_equal(st.grants_expiring, 1); /* alice's, in 100 s */
    assert_int_equal(st.links, 1);
    assert_int_equal(st.links_live, 1);
    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_int_equal(catalog_album_set_archived(f->c, album, now), 0);
    assert_int_equal(catalog_album_set_archived(f->c, 999, now), -ENOENT);
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_true(gen1 > gen0);
    assert_int_equal(catalog_grants_for_user(f->c, alice, &mine, &n), 0);
    assert_int_equal(n, 0);
    free(mine);
    assert_int_equal(catalog_grants_for_link(f->c, link_id, &mine, &n), 0);
    assert_int_equal(n, 0);
    free(mine);
    assert_int_equal(catalog_status(f->c, now, 200, &st), 0);
    assert_int_equal(st.albums_archived, 1);
    /* A team's removal bumps the generation too (schema 9's trigger). */
    assert_int_equal(catalog_team_remove(f->c, team, now), 0);
    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_true(gen0 > gen1);
}

/* A catalog of schema 8 becomes schema 9 keeping its rows: links unlabelled
 * and unused, albums open, people and teams present. */
static void test_studio_migration(void **state)
{
    struct fixture *f = *state;
    unsigned char token[CAT_TOKEN_HASH_BYTES] = {8};
    struct cat_link link;
    struct cat_album album;
    struct cat_user u;
    struct cat_team t;
    int64_t album_id, link_id, user, team;
    sqlite3 *db;

    assert_int_equal(catalog_album_create(f->c, "A", &album_id), 0);
    assert_int_equal(catalog_link_add(f->c, album_id, token, NULL, &link_id), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "Alice", 1001, &user), 0);
    assert_int_equal(catalog_team_add(f->c, "studio", &team), 0);
    catalog_close(f->c);
    f->c = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, SCHEMA_UNDO_10 SCHEMA_UNDO_9 "PRAGMA user_version = 8;", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(catalog_open(f->path, CAT_OPEN_EXISTING, &f->c), 0);
    assert_int_equal(catalog_link_by_id(f->c, link_id, &link), 0);
    assert_string_equal(link.label, "");
    assert_int_equal(link.uses, 0);
    assert_int_equal(link.last_used, 0);
    assert_int_equal(catalog_album_by_id(f->c, album_id, &album), 0);
    assert_int_equal(album.archived, 0);
    assert_int_equal(catalog_user_by_email(f->c, "alice@example.com", &u), 0);
    assert_int_equal(u.removed, 0);
    assert_int_equal(u.uid, 1001);
    assert_int_equal(catalog_team_by_name(f->c, "studio", &t), 0);
    assert_int_equal(t.removed, 0);
    assert_int_equal(catalog_team_remove(f->c, team, 5), 0);
    assert_int_equal(catalog_link_set_label(f->c, link_id, "x"), 0);
}

/* The child of test_faulted_open_is_never_read_only, re-executed with
 * ALBUMFS_FAULT set (the seam reads it once per process): open a first
 * connection unfaulted, arm the fault, open a second one, whose Nth
 * writing open fails. The second must fail to open (exit 3) or write
 * (exit 0). */
static int faulted_open_child(const char *path, const char *arm)
{
    struct af_catalog *first = NULL, *second = NULL;
    FILE *f;
    int rc, bad = 0;

    if (catalog_open(path, CAT_OPEN_EXISTING, &first) < 0 || !(f = fopen(arm, "w")))
        return 2;
    fclose(f);
    rc = catalog_open(path, CAT_OPEN_EXISTING, &second);
    if (rc == 0 && catalog_user_add(second, "second@example.com", "", -1, NULL) < 0) {
        fprintf(stderr, "a connection opened under a fault cannot write: %s\n",
                catalog_errmsg(second));
        bad = 1;
    }
    catalog_close(second);
    catalog_close(first);
    return bad ? 1 : (rc < 0 ? 3 : 0);
}

/* A writing open of the catalog or its write-ahead log that fails (a full
 * disk for a moment) must not leave a connection that opened but can only
 * read: a daemon's thread keeps its connection, and every upload through
 * it would fail. Every N of the second connection's opens is tried (the
 * database file's, the log's), and one past them. */
static void test_faulted_open_is_never_read_only(void **state)
{
#ifdef ALBUMFS_FAULT_INJECTION
    struct fixture *f = *state;
    char arm[128], spec[32];
    int failed_opens = 0;

    for (int n = 1; n <= 3; n++) {
        int status;
        pid_t pid;

        snprintf(arm, sizeof arm, "%s/armed-%d", f->dir, n);
        snprintf(spec, sizeof spec, "open:%d:ENOSPC", n);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("ALBUMFS_FAULT", spec, 1);
            setenv("ALBUMFS_FAULT_AFTER", arm, 1);
            execl("/proc/self/exe", "test_catalog", "--faulted-open", f->path, arm, (char *)NULL);
            _exit(2);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);
        failed_opens += WEXITSTATUS(status) == 3;
    }
    assert_int_equal(failed_opens, 2); /* the database file's open and its log's */
#else
    (void)state;
    skip();
#endif
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--faulted-open") == 0)
        return faulted_open_child(argv[2], argv[3]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_users_and_teams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_albums_and_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_photo_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_names_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_downloads_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants_expired_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_studio_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_studio_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faulted_open_is_never_read_only, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
