/* test_marks.c — unit tests of private marks (changes/marks.c): who set a
 * mark decides who may lift it, every change is recorded, refusals change
 * nothing, and marks made before marks said who made them are the studio's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/catalog.h"
#include "changes/marks.h"
#include "tests/unit/schema_undo.h"

struct fixture {
    char dir[64];
    char path[128];
    struct af_catalog *c;
    int64_t album, photo, alice, bob;
    struct af_grant grants[3]; /* alice client (7), bob editor (8), link 3 guest (9) */
    struct af_subject_buf owner;
    struct af_subject alice_s, bob_s, guest_s;
};

/* A person with one grant on the fixture's album. */
static void person(struct af_subject *s, enum af_principal_kind kind, const struct af_grant *g)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->grants = g;
    s->n_grants = 1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct media_info m = {.kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 6, .height = 4};
    struct cat_set s;

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-marks-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_CREATE, &f->c), 0);
    assert_int_equal(catalog_album_create(f->c, "A", &f->album), 0);
    assert_int_equal(catalog_set_by_name(f->c, f->album, "Photos", &s), 0);
    assert_int_equal(catalog_photo_add_version(f->c, s.id, "IMG_1.jpg", "aa", 1, &m, &f->photo,
                                               NULL), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, &f->alice), 0);
    assert_int_equal(catalog_user_add(f->c, "bob@example.com", "", -1, &f->bob), 0);
    for (int i = 0; i < 3; i++) {
        enum af_role role = i == 0 ? AF_ROLE_CLIENT : i == 1 ? AF_ROLE_EDITOR : AF_ROLE_GUEST;

        f->grants[i].id = 7 + i;
        f->grants[i].album_id = f->album;
        f->grants[i].role = role;
        policy_settings_default(role, &f->grants[i].settings);
    }
    subject_owner(&f->owner);
    person(&f->alice_s, AF_PRINCIPAL_USER, &f->grants[0]);
    f->alice_s.user_id = f->alice;
    person(&f->bob_s, AF_PRINCIPAL_USER, &f->grants[1]);
    f->bob_s.user_id = f->bob;
    person(&f->guest_s, AF_PRINCIPAL_LINK, &f->grants[2]);
    f->guest_s.link_id = 3;
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

static int64_t events(struct fixture *f)
{
    int64_t n = 0;

    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    return n;
}

/* The newest event must be kind by actor. */
static void last_event_is(struct fixture *f, const char *kind, const char *actor)
{
    struct cat_activity a;

    assert_int_equal(catalog_activity_get(f->c, events(f), &a), 0);
    assert_string_equal(a.kind, kind);
    assert_string_equal(a.actor, actor);
    assert_int_equal(a.photo_id, f->photo);
    assert_string_equal(a.detail, "IMG_1.jpg");
}

static void photo_is(struct fixture *f, bool is_private, const char *by)
{
    struct cat_photo p;

    assert_int_equal(catalog_photo_by_id(f->c, f->photo, &p), 0);
    assert_int_equal(p.is_private, is_private);
    assert_string_equal(p.private_by, by);
}

static void test_owner_mark_is_the_owners(void **state)
{
    struct fixture *f = *state;
    const struct change_actor owner = {.who = &f->owner.subject, .label = "owner"};
    const struct change_actor alice = {.who = &f->alice_s, .person = {.user_id = f->alice},
                                       .label = "alice@example.com"};
    int64_t before;

    assert_int_equal(change_mark_private(f->c, &owner, f->photo, true), 1);
    photo_is(f, true, "owner");
    last_event_is(f, "private-marked", "owner");
    /* Again: nothing to do, nothing recorded. */
    before = events(f);
    assert_int_equal(change_mark_private(f->c, &owner, f->photo, true), 0);
    assert_int_equal(events(f), before);
    /* The client cannot lift it: refused, nothing changes. */
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, false), -EPERM);
    photo_is(f, true, "owner");
    assert_int_equal(events(f), before);
    /* Marking it again is no change for the client either. */
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, true), 0);
    photo_is(f, true, "owner");
    /* The owner lifts it. */
    assert_int_equal(change_mark_private(f->c, &owner, f->photo, false), 1);
    photo_is(f, false, "");
    last_event_is(f, "private-unmarked", "owner");
    assert_int_equal(change_mark_private(f->c, &owner, f->photo, false), 0);
}

static void test_client_mark(void **state)
{
    struct fixture *f = *state;
    const struct change_actor editor = {.who = &f->bob_s, .person = {.user_id = f->bob},
                                        .label = "bob@example.com"};
    const struct change_actor alice = {.who = &f->alice_s, .person = {.user_id = f->alice},
                                       .label = "alice@example.com"};
    const struct change_actor guest = {.who = &f->guest_s, .person = {.link_id = 3},
                                       .label = "link:3"};
    struct cat_activity a;
    char key[32];
    int64_t before;

    snprintf(key, sizeof key, "user:%lld", (long long)f->alice);
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, true), 1);
    photo_is(f, true, key);
    last_event_is(f, "private-marked", "alice@example.com");
    assert_int_equal(catalog_activity_get(f->c, events(f), &a), 0);
    assert_int_equal(a.grant_id, 7);
    /* Their own mark they may lift, and mark again. */
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, false), 1);
    photo_is(f, false, "");
    last_event_is(f, "private-unmarked", "alice@example.com");
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, true), 1);
    /* A guest may change no mark at all (and does not see a private photo). */
    before = events(f);
    assert_int_equal(change_mark_private(f->c, &guest, f->photo, false), -ENOENT);
    photo_is(f, true, key);
    assert_int_equal(events(f), before);
    /* The studio marking a client's mark takes it over: then it is the
     * studio's, and the client cannot lift it any more. */
    assert_int_equal(change_mark_private(f->c, &editor, f->photo, true), 1);
    photo_is(f, true, "owner");
    last_event_is(f, "private-marked", "bob@example.com");
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, false), -EPERM);
    photo_is(f, true, "owner");
    /* Unknown photo. */
    assert_int_equal(change_mark_private(f->c, &alice, 999, true), -ENOENT);
}

/* Marks made before private_by was filled in (NULL) are the studio's, and
 * the migration says so. */
static void test_old_marks_are_the_studios(void **state)
{
    struct fixture *f = *state;
    const struct change_actor alice = {.who = &f->alice_s, .person = {.user_id = f->alice},
                                       .label = "alice@example.com"};
    sqlite3 *db;

    /* The catalog as schema 5 left it: the mark without who (schema 6's
     * tables go; schema 7's rebuild of sets runs again as it is). */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  SCHEMA_UNDO_10 SCHEMA_UNDO_9
                                  "UPDATE photos SET is_private = 1, private_by = NULL;"
                                  "DROP TABLE downloads; DROP TABLE grant_expiries;"
                                  "DROP INDEX activity_kind_actor; PRAGMA user_version = 5",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    catalog_close(f->c);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_EXISTING, &f->c), 0);
    photo_is(f, true, "owner");
    assert_int_equal(change_mark_private(f->c, &alice, f->photo, false), -EPERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_owner_mark_is_the_owners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_marks_are_the_studios, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
