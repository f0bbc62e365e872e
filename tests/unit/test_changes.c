/* test_changes.c — unit tests of the change layer (changes/): each change,
 * its activity, and its refusals by role (hidden: -ENOENT, seen but not
 * allowed: -EPERM; only the owner purges, renames albums and changes a
 * set's visibility); versions
 * never rewritten; purges free exactly the blobs nothing else needs; the
 * trash's window; deleted sets; the 6 -> 7 migration; closing and
 * archiving albums (the owner's alone).
 *
 * Each test gets a fresh library in a mkdtemp folder with two albums:
 * A (sets Photos: public, Team: team) and B. Alice is A's client, Bob
 * A's editor, link 3 a guest of A, Carol has no grant.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "changes/albums.h"
#include "changes/favourites.h"
#include "changes/folders.h"
#include "changes/photos.h"
#include "changes/trash.h"
#include "media/probe.h"
#include "store/library.h"
#include "media_fixture.h"
#include "tests/unit/schema_undo.h"

#define DAY ((af_time)24 * 3600)

struct fixture {
    char dir[64];
    struct af_library *lib;
    struct af_catalog *c;
    int64_t a, b, photos, team, b_photos, alice_id, bob_id;
    struct af_grant grants[3];
    struct af_subject_buf owner_buf;
    struct af_subject alice_s, bob_s, guest_s, carol_s;
    struct change_actor owner, alice, bob, guest, carol;
    struct media_bytes one, two, three; /* three different JPEGs */
};

/* catalog_check's report: any problem fails the test. */
static void problem(void *arg, const char *what)
{
    fail_msg("%s", what);
}

/* catalog_check_blobs' leftovers: a purge must leave none either. */
static void leftover(void *arg, bool in_cache, const char *id)
{
    fail_msg("a blob nothing names is left in %s: %s", in_cache ? "cache/" : "vault/", id);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void person(struct change_actor *a, struct af_subject *s, enum af_principal_kind kind,
                   const struct af_grant *g, const char *label)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->grants = g;
    s->n_grants = g ? 1 : 0;
    memset(a, 0, sizeof *a);
    a->who = s;
    a->label = label;
}

static struct media_bytes jpeg(int w, int h)
{
    VipsImage *im = fixture_photo(w, h);
    struct media_bytes b = fixture_encode(im, ".jpg[Q=90]");

    g_object_unref(im);
    return b;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char libdir[96];
    struct cat_set s;
    const enum af_role roles[3] = {AF_ROLE_CLIENT, AF_ROLE_EDITOR, AF_ROLE_GUEST};

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-changes-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(libdir, sizeof libdir, "%s/lib", f->dir);
    assert_int_equal(library_init(libdir, NULL, &f->lib), 0);
    f->c = f->lib->catalog;
    assert_int_equal(catalog_album_create(f->c, "A", &f->a), 0);
    assert_int_equal(catalog_album_create(f->c, "B", &f->b), 0);
    assert_int_equal(catalog_set_by_name(f->c, f->a, "Photos", &s), 0);
    f->photos = s.id;
    assert_int_equal(catalog_set_by_name(f->c, f->b, "Photos", &s), 0);
    f->b_photos = s.id;
    assert_int_equal(catalog_set_create(f->c, f->a, "Team", AF_VIS_TEAM, &f->team), 0);
    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "", -1, &f->alice_id), 0);
    assert_int_equal(catalog_user_add(f->c, "bob@example.com", "", -1, &f->bob_id), 0);
    for (int i = 0; i < 3; i++) {
        f->grants[i].id = 7 + i;
        f->grants[i].album_id = f->a;
        f->grants[i].role = roles[i];
        policy_settings_default(roles[i], &f->grants[i].settings);
    }
    change_actor_owner(&f->owner, &f->owner_buf);
    person(&f->alice, &f->alice_s, AF_PRINCIPAL_USER, &f->grants[0], "alice@example.com");
    f->alice_s.user_id = f->alice_id;
    f->alice.person.user_id = f->alice_id;
    person(&f->bob, &f->bob_s, AF_PRINCIPAL_USER, &f->grants[1], "bob@example.com");
    f->bob_s.user_id = f->bob_id;
    f->bob.person.user_id = f->bob_id;
    person(&f->guest, &f->guest_s, AF_PRINCIPAL_LINK, &f->grants[2], "link:3");
    f->guest_s.link_id = 3;
    f->guest.person.link_id = 3;
    person(&f->carol, &f->carol_s, AF_PRINCIPAL_USER, NULL, "carol@example.com");
    f->carol_s.user_id = 99;
    f->one = jpeg(64, 48);
    f->two = jpeg(48, 64);
    f->three = jpeg(40, 30);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    library_close(f->lib);
    assert_int_equal(nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
    g_free(f->one.data);
    g_free(f->two.data);
    g_free(f->three.data);
    free(f);
    return 0;
}

/* Add bytes b as `name` in set_id by a: the errno, and *out. */
static int add(struct fixture *f, const struct change_actor *a, int64_t set_id, const char *name,
               struct media_bytes b, struct change_added *out)
{
    struct change_added ignored;
    char why[256];

    return change_photo_add(f->lib, f->c, a, set_id, name, b.data, b.len, out ? out : &ignored,
                            why, sizeof why);
}

static int64_t add_ok(struct fixture *f, int64_t set_id, const char *name, struct media_bytes b)
{
    struct change_added out;

    assert_int_equal(add(f, &f->owner, set_id, name, b, &out), 0);
    return out.photo_id;
}

static int64_t events(struct fixture *f)
{
    int64_t n = 0;

    assert_int_equal(catalog_activity_total(f->c, &n), 0);
    return n;
}

/* The newest event is kind by actor through grant. */
static void last_event(struct fixture *f, const char *kind, const char *actor, int64_t grant)
{
    struct cat_activity ev;

    assert_int_equal(catalog_activity_get(f->c, events(f), &ev), 0);
    assert_string_equal(ev.kind, kind);
    assert_string_equal(ev.actor, actor);
    assert_int_equal(ev.grant_id, grant);
}

static void test_add(void **state)
{
    struct fixture *f = *state;
    struct media_bytes trunc = fixture_prefix(f->one, f->one.len / 2);
    struct media_bytes junk = {g_strdup("not an image at all"), 19};
    struct media_bytes empty = {NULL, 0};
    struct change_added out;
    struct cat_version *v;
    char long_name[300], why[256];
    size_t n;
    int64_t before;

    assert_int_equal(add(f, &f->owner, f->photos, "IMG_1.jpg", f->one, &out), 0);
    assert_true(out.new_photo);
    assert_false(out.unchanged);
    assert_int_equal(out.info.width, 64);
    last_event(f, "upload", "owner", 0);
    /* The same bytes again: unchanged, nothing recorded. */
    before = events(f);
    assert_int_equal(add(f, &f->owner, f->photos, "IMG_1.jpg", f->one, &out), 0);
    assert_true(out.unchanged);
    assert_int_equal(events(f), before);
    /* An editor's new bytes: a version, recorded through their grant. */
    assert_int_equal(add(f, &f->bob, f->photos, "IMG_1.jpg", f->two, &out), 0);
    assert_false(out.new_photo);
    last_event(f, "version", "bob@example.com", 8);
    assert_int_equal(catalog_versions(f->c, out.photo_id, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].uploaded_by, "owner");
    assert_string_equal(v[1].uploaded_by, "bob@example.com");
    assert_true(v[1].current);
    free(v);

    /* Bytes that do not decode, and bad names: refused with a reason,
     * nothing recorded, nothing stored. */
    before = events(f);
    assert_int_equal(add(f, &f->owner, f->photos, "t.jpg", trunc, NULL), -EINVAL);
    assert_int_equal(add(f, &f->owner, f->photos, "j.jpg", junk, NULL), -EINVAL);
    assert_int_equal(add(f, &f->owner, f->photos, "e.jpg", empty, NULL), -EINVAL);
    assert_int_equal(change_photo_add(f->lib, f->c, &f->owner, f->photos, "a/b.jpg", f->one.data,
                                      f->one.len, &out, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "'/'"));
    assert_int_equal(add(f, &f->owner, f->photos, "bad\nname.jpg", f->three, NULL), -EINVAL);
    assert_int_equal(add(f, &f->owner, f->photos, "bad\xff.jpg", f->three, NULL), -EINVAL);
    assert_int_equal(add(f, &f->owner, f->photos, ".DS_Store", f->three, NULL), -EINVAL);
    memset(long_name, 'x', 256);
    strcpy(long_name + 256, ".jpg");
    assert_int_equal(add(f, &f->owner, f->photos, long_name, f->three, NULL), -ENAMETOOLONG);
    assert_int_equal(events(f), before);
    /* The store runs beside the check: what it stored of bytes that did
     * not decode is gone again. */
    assert_int_equal(catalog_check_blobs(f->c, f->lib->vault, f->lib->cache, problem, leftover, NULL), 0);

    /* Who may: a client sees the public set but may not add (-EPERM); a
     * guest does not see the team set, nor Carol the album (-ENOENT). */
    assert_int_equal(add(f, &f->alice, f->photos, "c.jpg", f->three, NULL), -EPERM);
    assert_int_equal(add(f, &f->guest, f->photos, "c.jpg", f->three, NULL), -EPERM);
    assert_int_equal(add(f, &f->guest, f->team, "c.jpg", f->three, NULL), -ENOENT);
    assert_int_equal(add(f, &f->carol, f->photos, "c.jpg", f->three, NULL), -ENOENT);
    assert_int_equal(add(f, &f->bob, f->b_photos, "c.jpg", f->three, NULL), -ENOENT);
    assert_int_equal(add(f, &f->owner, 999, "c.jpg", f->three, NULL), -ENOENT);
    assert_int_equal(events(f), before);
    g_free(trunc.data);
    g_free(junk.data);
}

static void test_restore_version(void **state)
{
    struct fixture *f = *state;
    int64_t id = add_ok(f, f->photos, "IMG_1.jpg", f->one);
    struct cat_version *v;
    struct cat_photo p;
    size_t n;
    int64_t before;

    add_ok(f, f->photos, "IMG_1.jpg", f->two);
    assert_int_equal(change_photo_restore_version(f->c, &f->bob, id, 1), 0);
    last_event(f, "version-restored", "bob@example.com", 8);
    assert_int_equal(catalog_versions(f->c, id, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[2].blob, v[0].blob); /* the old bytes, as a new version */
    assert_true(v[2].current);
    assert_int_equal(catalog_photo_by_id(f->c, id, &p), 0);
    assert_int_equal(p.version_id, v[2].id);
    assert_int_equal(p.width, 64);
    free(v);
    /* The current one: nothing to do. Out of range: none such. */
    before = events(f);
    assert_int_equal(change_photo_restore_version(f->c, &f->owner, id, 3), 0);
    assert_int_equal(change_photo_restore_version(f->c, &f->owner, id, 0), -ENOENT);
    assert_int_equal(change_photo_restore_version(f->c, &f->owner, id, 4), -ENOENT);
    assert_int_equal(change_photo_restore_version(f->c, &f->alice, id, 1), -EPERM);
    assert_int_equal(change_photo_restore_version(f->c, &f->carol, id, 1), -ENOENT);
    assert_int_equal(events(f), before);
}

static void test_rename_move(void **state)
{
    struct fixture *f = *state;
    int64_t one = add_ok(f, f->photos, "IMG_1.jpg", f->one);
    int64_t two = add_ok(f, f->photos, "IMG_2.jpg", f->two);
    int64_t secret = add_ok(f, f->team, "S.jpg", f->three);
    struct cat_favourite *favs;
    struct cat_photo p;
    int64_t before, gen0, gen1;
    size_t n;

    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_int_equal(change_photo_rename(f->c, &f->bob, one, "Best.jpg"), 0);
    last_event(f, "rename", "bob@example.com", 8);
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_true(gen1 > gen0);
    assert_int_equal(catalog_photo_by_id(f->c, one, &p), 0);
    assert_string_equal(p.name, "Best.jpg");
    assert_string_equal(p.view_name, "Best.jpg");
    before = events(f);
    assert_int_equal(change_photo_rename(f->c, &f->owner, one, "IMG_2.jpg"), -EEXIST);
    assert_int_equal(change_photo_rename(f->c, &f->owner, one, "a/b"), -EINVAL);
    assert_int_equal(change_photo_rename(f->c, &f->owner, one, "Thumbs.db"), -EINVAL);
    assert_int_equal(change_photo_rename(f->c, &f->alice, one, "X.jpg"), -EPERM);
    assert_int_equal(change_photo_rename(f->c, &f->guest, secret, "X.jpg"), -ENOENT);
    assert_int_equal(change_photo_rename(f->c, &f->carol, one, "X.jpg"), -ENOENT);
    assert_int_equal(change_photo_rename(f->c, &f->owner, one, "Best.jpg"), 0); /* no change */
    assert_int_equal(events(f), before);

    /* A favourite stays with a photo that moves. */
    assert_int_equal(change_favourite(f->c, &f->alice, two, true), 1);
    last_event(f, "favourite-added", "alice@example.com", 7);
    assert_int_equal(change_favourite(f->c, &f->alice, two, true), 0);
    assert_int_equal(change_favourite(f->c, &f->bob, two, true), -EPERM);
    assert_int_equal(change_favourite(f->c, &f->alice, secret, true), -ENOENT);
    before = events(f);
    /* Into a set of an album Bob has no grant on, a missing set, onto a
     * taken name, by a client: refused. */
    assert_int_equal(change_photo_move(f->c, &f->bob, two, f->b_photos, NULL), -ENOENT);
    assert_int_equal(change_photo_move(f->c, &f->owner, two, 999, NULL), -ENOENT);
    assert_int_equal(change_photo_move(f->c, &f->owner, two, f->photos, "Best.jpg"), -EEXIST);
    assert_int_equal(change_photo_move(f->c, &f->alice, two, f->team, NULL), -EPERM);
    assert_int_equal(events(f), before);
    assert_int_equal(change_photo_move(f->c, &f->bob, two, f->team, NULL), 0);
    last_event(f, "move", "bob@example.com", 8);
    assert_int_equal(change_photo_move(f->c, &f->owner, two, f->b_photos, "Moved.jpg"), 0);
    assert_int_equal(events(f), before + 3); /* one move in A, one in each album */
    assert_int_equal(catalog_photo_by_id(f->c, two, &p), 0);
    assert_int_equal(p.album_id, f->b);
    assert_int_equal(p.set_id, f->b_photos);
    assert_string_equal(p.name, "Moved.jpg");
    assert_int_equal(catalog_favourites(f->c, f->b, NULL, &favs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(favs[0].photo_id, two);
    free(favs);
    /* Alice has no grant on B: the photo is hidden from her now. */
    assert_int_equal(change_favourite(f->c, &f->alice, two, false), -ENOENT);
}

static void test_delete_restore(void **state)
{
    struct fixture *f = *state;
    int64_t old = add_ok(f, f->photos, "IMG_1.jpg", f->one), again;
    int64_t secret = add_ok(f, f->team, "S.jpg", f->three);
    struct cat_photo *rows;
    struct cat_trashed *trash;
    size_t n;

    assert_int_equal(change_photo_delete(f->c, &f->alice, old), -EPERM);
    assert_int_equal(change_photo_delete(f->c, &f->guest, secret), -ENOENT);
    assert_int_equal(change_photo_delete(f->c, &f->bob, old), 0);
    last_event(f, "delete", "bob@example.com", 8);
    assert_int_equal(change_photo_delete(f->c, &f->bob, old), -ENOENT); /* not live */
    assert_int_equal(catalog_photos(f->c, f->photos, &rows, &n), 0);
    assert_int_equal(n, 0);
    free(rows);
    assert_int_equal(catalog_trash(f->c, f->a, 0, &trash, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(trash[0].photo.id, old);
    assert_string_equal(trash[0].set_name, "Photos");
    assert_false(trash[0].set_deleted);
    free(trash);
    /* In the trash: hidden from the client, not changeable. */
    assert_int_equal(change_photo_restore(f->c, &f->alice, old), -ENOENT);
    assert_int_equal(change_photo_rename(f->c, &f->owner, old, "X.jpg"), -ENOENT);
    /* The name is free for a new photo; then the old one cannot come back. */
    again = add_ok(f, f->photos, "IMG_1.jpg", f->two);
    assert_true(again != old);
    assert_int_equal(change_photo_restore(f->c, &f->owner, old), -EEXIST);
    assert_int_equal(change_photo_delete(f->c, &f->owner, again), 0);
    assert_int_equal(change_photo_restore(f->c, &f->bob, old), 0);
    last_event(f, "restore", "bob@example.com", 8);
    assert_int_equal(catalog_photos(f->c, f->photos, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, old);
    free(rows);
    assert_int_equal(change_photo_restore(f->c, &f->owner, old), -ENOENT); /* not in the trash */
}

static void test_purge(void **state)
{
    struct fixture *f = *state;
    int64_t p1 = add_ok(f, f->photos, "IMG_1.jpg", f->one);
    int64_t p2 = add_ok(f, f->team, "Copy.jpg", f->one); /* the same bytes */
    int64_t p3 = add_ok(f, f->team, "Logo.jpg", f->two);
    struct cat_rendition r = {.version_id = 0, .size = 3, .width = 1, .height = 1};
    struct cat_photo photo;
    char blob[VAULT_ID_HEX];
    int64_t before;

    assert_int_equal(catalog_photo_by_id(f->c, p1, &photo), 0);
    memcpy(blob, photo.blob, sizeof blob);
    /* A rendered view of p1 in the cache. */
    memset(r.id, 'a', 64);
    r.version_id = photo.version_id;
    assert_int_equal(vault_put_named(f->lib->cache, r.id, "abc", 3), 0);
    assert_int_equal(catalog_rendition_put(f->c, &r, "proof"), 0);

    assert_int_equal(change_photo_delete(f->c, &f->owner, p1), 0);
    before = events(f);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->bob, p1), -EPERM);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->alice, p1), -ENOENT);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->carol, p1), -ENOENT);
    assert_int_equal(events(f), before);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->owner, p1), 0);
    last_event(f, "purge", "owner", 0);
    assert_int_equal(catalog_photo_by_id(f->c, p1, &photo), -ENOENT);
    /* p2 still uses the bytes; the view is gone. */
    assert_int_equal(vault_exists(f->lib->vault, blob), 1);
    assert_int_equal(vault_exists(f->lib->cache, r.id), 0);
    assert_int_equal(catalog_blob_referenced(f->c, blob), 1);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->owner, p2), 0); /* live: purged too */
    assert_int_equal(vault_exists(f->lib->vault, blob), 0);
    assert_int_equal(catalog_blob_referenced(f->c, blob), 0);
    /* The watermark logo is referenced by the setting alone. */
    assert_int_equal(catalog_photo_by_id(f->c, p3, &photo), 0);
    assert_int_equal(catalog_setting_set(f->c, "watermark.logo", photo.blob), 0);
    assert_int_equal(change_photo_purge(f->lib, f->c, &f->owner, p3), 0);
    assert_int_equal(vault_exists(f->lib->vault, photo.blob), 1);
    assert_int_equal(catalog_check_blobs(f->c, f->lib->vault, f->lib->cache, problem, leftover, NULL), 0);
}

static void test_trash_window(void **state)
{
    struct fixture *f = *state;
    int64_t p = add_ok(f, f->photos, "IMG_1.jpg", f->one);
    af_time now = (af_time)time(NULL), window;
    struct cat_photo photo;

    assert_int_equal(change_trash_window(f->c, &window), 0);
    assert_int_equal(window, 30 * DAY);
    assert_int_equal(change_photo_delete(f->c, &f->owner, p), 0);
    assert_int_equal(change_trash_expire(f->lib, f->c, now + 29 * DAY), 0);
    assert_int_equal(catalog_photo_by_id(f->c, p, &photo), 0);
    assert_int_equal(change_trash_expire(f->lib, f->c, now + 31 * DAY), 1);
    assert_int_equal(catalog_photo_by_id(f->c, p, &photo), -ENOENT);
    last_event(f, "purge", "albumfs", 0);

    /* A shorter window; only the owner sets it, within bounds. */
    assert_int_equal(change_trash_set_window(f->c, &f->bob, DAY), -EPERM);
    assert_int_equal(change_trash_set_window(f->c, &f->owner, 60), -EINVAL);
    assert_int_equal(change_trash_set_window(f->c, &f->owner, 3651 * DAY), -EINVAL);
    assert_int_equal(change_trash_set_window(f->c, &f->owner, DAY), 0);
    last_event(f, "trash-window", "owner", 0);
    assert_int_equal(change_trash_window(f->c, &window), 0);
    assert_int_equal(window, DAY);
    p = add_ok(f, f->photos, "IMG_2.jpg", f->two);
    assert_int_equal(change_photo_delete(f->c, &f->owner, p), 0);
    assert_int_equal(change_trash_expire(f->lib, f->c, now + DAY / 2), 0);
    assert_int_equal(change_trash_expire(f->lib, f->c, now + 2 * DAY), 1);
    /* A setting not written by change_trash_set_window is not trusted. */
    assert_int_equal(catalog_setting_set(f->c, CHANGE_TRASH_WINDOW_KEY, "soon"), 0);
    assert_int_equal(change_trash_expire(f->lib, f->c, now), -EIO);
}

static void test_sets(void **state)
{
    struct fixture *f = *state;
    const char *reserved[] = {"Web-size", "HIGH-RES", "favourites", "Trash", "trash"};
    struct cat_set s;
    struct cat_trashed *trash;
    int64_t id, again, p, gen0, gen1;
    size_t n;

    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        assert_int_equal(change_set_create(f->c, &f->owner, f->a, reserved[i], AF_VIS_TEAM, &id),
                         -EINVAL);
    assert_int_equal(change_set_create(f->c, &f->owner, f->a, "a/b", AF_VIS_TEAM, &id), -EINVAL);
    assert_int_equal(change_set_create(f->c, &f->owner, f->a, "Team", AF_VIS_TEAM, &id), -EEXIST);
    assert_int_equal(change_set_create(f->c, &f->alice, f->a, "Mine", AF_VIS_TEAM, &id), -EPERM);
    assert_int_equal(change_set_create(f->c, &f->carol, f->a, "Mine", AF_VIS_TEAM, &id), -ENOENT);
    assert_int_equal(change_set_create(f->c, &f->bob, f->b, "Mine", AF_VIS_TEAM, &id), -ENOENT);
    assert_int_equal(change_set_create(f->c, &f->bob, f->a, "Day 1", AF_VIS_PUBLIC, &id), 0);
    last_event(f, "set-created", "bob@example.com", 8);

    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_int_equal(change_set_rename(f->c, &f->bob, id, "Team"), -EEXIST);
    assert_int_equal(change_set_rename(f->c, &f->bob, id, "Trash"), -EINVAL);
    assert_int_equal(change_set_rename(f->c, &f->alice, id, "X"), -EPERM);
    assert_int_equal(change_set_rename(f->c, &f->guest, f->team, "X"), -ENOENT);
    assert_int_equal(change_set_rename(f->c, &f->bob, id, "Ceremony"), 0);
    last_event(f, "set-renamed", "bob@example.com", 8);
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_true(gen1 > gen0);

    /* Delete: not with live photos, not the last public set. */
    p = add_ok(f, id, "IMG_1.jpg", f->one);
    assert_int_equal(change_set_delete(f->c, &f->bob, id), -ENOTEMPTY);
    assert_int_equal(change_set_delete(f->c, &f->alice, id), -EPERM);
    assert_int_equal(change_photo_delete(f->c, &f->bob, p), 0);
    assert_int_equal(change_set_delete(f->c, &f->bob, id), 0);
    last_event(f, "set-deleted", "bob@example.com", 8);
    assert_int_equal(catalog_set_by_id(f->c, id, &s), -ENOENT);
    assert_int_equal(catalog_set_by_name(f->c, f->a, "Ceremony", &s), -ENOENT);
    assert_int_equal(change_set_delete(f->c, &f->owner, f->photos), -EPERM); /* last public */
    assert_int_equal(catalog_trash(f->c, f->a, 0, &trash, &n), 0);
    assert_int_equal(n, 1);
    assert_true(trash[0].set_deleted);
    free(trash);

    /* Its name is free; while a live set has it, the photo cannot come
     * back; renamed away, restoring the photo brings its set back. */
    assert_int_equal(change_set_create(f->c, &f->owner, f->a, "Ceremony", AF_VIS_TEAM, &again), 0);
    assert_true(again != id);
    assert_int_equal(change_photo_restore(f->c, &f->owner, p), -EEXIST);
    assert_int_equal(change_set_rename(f->c, &f->owner, again, "Ceremony 2"), 0);
    assert_int_equal(change_photo_restore(f->c, &f->bob, p), 0);
    assert_int_equal(catalog_set_by_name(f->c, f->a, "Ceremony", &s), 0);
    assert_int_equal(s.id, id);
    assert_int_equal(s.visibility, AF_VIS_PUBLIC);
    assert_int_equal(catalog_check(f->c, problem, NULL), 0);
}

/* Who may see a set: the owner's alone, in one transaction with its
 * activity; never the album's last public set. */
static void test_set_visibility(void **state)
{
    struct fixture *f = *state;
    struct cat_set s;
    int64_t before, gen0, gen1;

    before = events(f);
    assert_int_equal(change_set_visibility(f->c, &f->bob, f->team, AF_VIS_PUBLIC), -EPERM);
    assert_int_equal(change_set_visibility(f->c, &f->alice, f->photos, AF_VIS_TEAM), -EPERM);
    assert_int_equal(change_set_visibility(f->c, &f->alice, f->team, AF_VIS_PUBLIC), -ENOENT);
    assert_int_equal(change_set_visibility(f->c, &f->guest, f->team, AF_VIS_PUBLIC), -ENOENT);
    assert_int_equal(change_set_visibility(f->c, &f->carol, f->photos, AF_VIS_TEAM), -ENOENT);
    assert_int_equal(change_set_visibility(f->c, &f->bob, f->b_photos, AF_VIS_TEAM), -ENOENT);
    assert_int_equal(change_set_visibility(f->c, &f->owner, 999, AF_VIS_TEAM), -ENOENT);
    /* the last public set stays public */
    assert_int_equal(change_set_visibility(f->c, &f->owner, f->photos, AF_VIS_CLIENT), -EPERM);
    assert_int_equal(events(f), before); /* refusals change and record nothing */
    assert_int_equal(catalog_set_by_id(f->c, f->team, &s), 0);
    assert_int_equal(s.visibility, AF_VIS_TEAM);

    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_int_equal(change_set_visibility(f->c, &f->owner, f->team, AF_VIS_CLIENT), 0);
    last_event(f, "visibility-changed", "owner", 0);
    assert_int_equal(catalog_set_by_id(f->c, f->team, &s), 0);
    assert_int_equal(s.visibility, AF_VIS_CLIENT);
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_true(gen1 > gen0);
    /* the same again: nothing to record */
    before = events(f);
    assert_int_equal(change_set_visibility(f->c, &f->owner, f->team, AF_VIS_CLIENT), 0);
    assert_int_equal(events(f), before);
    /* with another public set, Photos may close */
    assert_int_equal(change_set_visibility(f->c, &f->owner, f->team, AF_VIS_PUBLIC), 0);
    assert_int_equal(change_set_visibility(f->c, &f->owner, f->photos, AF_VIS_TEAM), 0);
    assert_int_equal(catalog_check(f->c, problem, NULL), 0);
}

static void test_album_rename(void **state)
{
    struct fixture *f = *state;
    struct cat_album a;

    assert_int_equal(change_album_rename(f->c, &f->bob, f->a, "X"), -EPERM);
    assert_int_equal(change_album_rename(f->c, &f->alice, f->a, "X"), -EPERM);
    assert_int_equal(change_album_rename(f->c, &f->bob, f->b, "X"), -ENOENT);
    assert_int_equal(change_album_rename(f->c, &f->owner, f->a, "B"), -EEXIST);
    assert_int_equal(change_album_rename(f->c, &f->owner, f->a, "bad\x01"), -EINVAL);
    assert_int_equal(change_album_rename(f->c, &f->owner, f->a, "Smith 2026"), 0);
    last_event(f, "album-renamed", "owner", 0);
    assert_int_equal(catalog_album_by_id(f->c, f->a, &a), 0);
    assert_string_equal(a.name, "Smith 2026");
}

/* Run sql on the catalog file directly. */
static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A catalog of schema 6 (sets unique by name, no deleted sets) becomes
 * schema 7 keeping every set, photo and grant's download set: the rebuild
 * of sets must not cascade. */
static void test_migration(void **state)
{
    struct fixture *f = *state;
    char path[160];
    struct cat_grant g = {.principal = CAT_PRINCIPAL_USER};
    struct cat_grant got;
    struct cat_set s;
    int64_t p = add_ok(f, f->team, "IMG_1.jpg", f->one), gen0, gen1;
    struct cat_photo photo;

    g.principal_id = f->alice_id;
    g.grant.album_id = f->a;
    g.grant.role = AF_ROLE_CLIENT;
    policy_settings_default(AF_ROLE_CLIENT, &g.grant.settings);
    g.grant.settings.n_download_sets = 1;
    g.grant.settings.download_sets[0] = f->team;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    snprintf(path, sizeof path, "%s/lib/catalog.db", f->dir);
    library_close(f->lib);
    f->lib = NULL;
    exec_sql(path, SCHEMA_UNDO_10 SCHEMA_UNDO_9 "PRAGMA foreign_keys = OFF;"
                   "CREATE TABLE sets_old (id INTEGER PRIMARY KEY,"
                   "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
                   "  name TEXT NOT NULL,"
                   "  visibility INTEGER NOT NULL CHECK (visibility IN (0, 1, 2)),"
                   "  created INTEGER NOT NULL, mtime INTEGER NOT NULL,"
                   "  UNIQUE (album_id, name)) STRICT;"
                   "INSERT INTO sets_old SELECT id, album_id, name, visibility, created, mtime "
                   "  FROM sets;"
                   "DROP TABLE sets; ALTER TABLE sets_old RENAME TO sets;"
                   "DROP INDEX photos_trashed; DROP INDEX favourites_photo;"
                   "DROP INDEX pool_charges_photo; DROP INDEX downloads_photo;"
                   "PRAGMA user_version = 6;");
    {
        char libdir[96];
        char why[LIBRARY_WHY_MAX];

        snprintf(libdir, sizeof libdir, "%s/lib", f->dir);
        assert_int_equal(library_open(libdir, NULL, &f->lib, why, sizeof why), 0);
    }
    f->c = f->lib->catalog;
    assert_int_equal(catalog_set_by_id(f->c, f->team, &s), 0);
    assert_string_equal(s.name, "Team");
    assert_int_equal(s.deleted, 0);
    assert_int_equal(catalog_photo_by_id(f->c, p, &photo), 0);
    assert_int_equal(photo.set_id, f->team);
    assert_int_equal(catalog_grant_by_id(f->c, g.grant.id, &got), 0);
    assert_int_equal(got.grant.settings.n_download_sets, 1);
    assert_int_equal(got.grant.settings.download_sets[0], f->team);
    assert_int_equal(catalog_check(f->c, problem, NULL), 0);
    /* The generation triggers on sets are back. */
    assert_int_equal(catalog_generation(f->c, &gen0), 0);
    assert_int_equal(change_set_rename(f->c, &f->owner, f->team, "Crew"), 0);
    assert_int_equal(catalog_generation(f->c, &gen1), 0);
    assert_true(gen1 > gen0);
}

/* A grant of album A for user `user` (role client), stored; its id. */
static int64_t stored_grant(struct fixture *f, int64_t user)
{
    struct cat_grant g = {.principal = CAT_PRINCIPAL_USER};

    g.principal_id = user;
    g.grant.album_id = f->a;
    g.grant.role = AF_ROLE_CLIENT;
    policy_settings_default(AF_ROLE_CLIENT, &g.grant.settings);
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    return g.grant.id;
}

static size_t events_of(struct fixture *f, const char *kind)
{
    struct cat_activity *rows = NULL;
    size_t n = 0;

    assert_int_equal(catalog_activity(f->c, 0, kind, &rows, &n), 0);
    free(rows);
    return n;
}

/* Closing: the owner's alone; every unrevoked grant (expired too) revoked,
 * each recorded, then album-closed; nothing left: nothing recorded. */
static void test_album_close(void **state)
{
    struct fixture *f = *state;
    struct cat_grant *revoked = NULL, got;
    size_t n = 9;
    int64_t live = stored_grant(f, f->alice_id), expired = stored_grant(f, f->bob_id);

    assert_int_equal(catalog_grant_update(f->c, expired, 1000, &f->grants[0].settings), 0);
    assert_int_equal(change_album_close(f->c, &f->bob, f->a, &revoked, &n), -EPERM);
    assert_int_equal(change_album_close(f->c, &f->alice, f->a, &revoked, &n), -EPERM);
    assert_int_equal(change_album_close(f->c, &f->carol, f->a, &revoked, &n), -ENOENT);
    assert_int_equal(change_album_close(f->c, &f->owner, 999, &revoked, &n), -ENOENT);
    assert_int_equal(events_of(f, "grant-revoked"), 0);
    assert_int_equal(change_album_close(f->c, &f->owner, f->a, &revoked, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(revoked[0].grant.id, live);
    assert_int_equal(revoked[1].grant.id, expired);
    free(revoked);
    assert_int_equal(catalog_grant_by_id(f->c, expired, &got), 0);
    assert_true(got.grant.revoked > 0);
    assert_int_equal(catalog_grant_update(f->c, expired, 0, &got.grant.settings), -EALREADY);
    assert_int_equal(events_of(f, "grant-revoked"), 2);
    assert_int_equal(events_of(f, "album-closed"), 1);
    assert_int_equal(change_album_close(f->c, &f->owner, f->a, &revoked, &n), 0);
    assert_int_equal(n, 0);
    assert_null(revoked);
    assert_int_equal(events_of(f, "album-closed"), 1);
}

/* Archiving: the owner's alone, recorded once per change; a person's
 * grants on an archived album are left out of what their mount loads. */
static void test_album_archive(void **state)
{
    struct fixture *f = *state;
    struct af_grant *mine = NULL;
    struct cat_album album;
    size_t n = 0;

    stored_grant(f, f->alice_id);
    assert_int_equal(change_album_archive(f->c, &f->bob, f->a, true), -EPERM);
    assert_int_equal(change_album_archive(f->c, &f->carol, f->a, true), -ENOENT);
    assert_int_equal(change_album_archive(f->c, &f->owner, f->a, false), 0);
    assert_int_equal(events_of(f, "album-unarchived"), 0);
    assert_int_equal(change_album_archive(f->c, &f->owner, f->a, true), 1);
    assert_int_equal(change_album_archive(f->c, &f->owner, f->a, true), 0);
    assert_int_equal(events_of(f, "album-archived"), 1);
    assert_int_equal(catalog_album_by_id(f->c, f->a, &album), 0);
    assert_true(album.archived > 0);
    assert_int_equal(catalog_grants_for_user(f->c, f->alice_id, &mine, &n), 0);
    assert_int_equal(n, 0);
    free(mine);
    assert_int_equal(change_album_archive(f->c, &f->owner, f->a, false), 1);
    assert_int_equal(catalog_grants_for_user(f->c, f->alice_id, &mine, &n), 0);
    assert_int_equal(n, 1);
    free(mine);
    assert_int_equal(events_of(f, "album-unarchived"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_album_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_album_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trash_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_visibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_album_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
    };
    int rc;

    if (media_init("test_changes", NULL, 0) != 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    media_shutdown();
    return rc;
}
