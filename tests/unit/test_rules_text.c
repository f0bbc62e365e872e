/* test_rules_text.c — the plain-language rules of policy/rules_text.h:
 * the facts each role and setting gives (favourites, web-size, unlimited
 * or limited high-res with what is left, download sets, private marks,
 * expiry as the latest live grant's or none), the words each fact brings,
 * the date in plain English UTC, and that no text ever names a set, a
 * photo or another person (it is given none, and invents none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/rules_text.h"

#define ALBUM 7
#define NOW 1800000000 /* 2027-01-15T08:00:00Z */

static struct af_grant grant(int64_t id, enum af_role role)
{
    struct af_grant g = {.id = id, .album_id = ALBUM, .role = role};

    policy_settings_default(role, &g.settings);
    return g;
}

static struct af_subject user(const struct af_grant *g, size_t n)
{
    return (struct af_subject){.kind = AF_PRINCIPAL_USER, .user_id = 1, .grants = g,
                               .n_grants = n};
}

static char *text_of(const struct rules_facts *f, enum rules_place place)
{
    char *t = rules_text(f, "Smith Wedding", place);

    assert_non_null(t);
    /* Lines short enough for a mail and a narrow window. */
    for (const char *line = t; *line;) {
        size_t n = strcspn(line, "\n");

        assert_true(n <= 76 + strlen("Smith Wedding"));
        line += n + (line[n] ? 1 : 0);
    }
    assert_int_equal(t[strlen(t) - 1], '\n');
    return t;
}

static void has(const char *t, const char *what)
{
    if (!strstr(t, what))
        fail_msg("missing \"%s\" in:\n%s", what, t);
}

static void lacks(const char *t, const char *what)
{
    if (strstr(t, what))
        fail_msg("unexpected \"%s\" in:\n%s", what, t);
}

static void test_date(void **state)
{
    char buf[64];

    rules_format_date(1798761600, buf, sizeof buf); /* 2027-01-01T00:00:00Z */
    assert_string_equal(buf, "Friday 1 January 2027, 00:00 UTC");
    rules_format_date(1782842400, buf, sizeof buf);
    assert_string_equal(buf, "Tuesday 30 June 2026, 18:00 UTC");
    rules_format_date(0, buf, sizeof buf);
    assert_string_equal(buf, "Thursday 1 January 1970, 00:00 UTC");
    (void)state;
}

static void test_client_with_allowance(void **state)
{
    struct af_grant g = grant(1, AF_ROLE_CLIENT);
    struct af_subject who;
    struct rules_facts f;
    char *t;

    g.settings.highres = AF_HIGHRES_ORIGINAL;
    g.settings.pool_id = 3;
    g.settings.web_downloads = true;
    g.expires = NOW + 86400;
    who = user(&g, 1);
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_int_equal(f.role, AF_ROLE_CLIENT);
    assert_true(f.favourites && f.web && f.mark_private);
    assert_int_equal(f.highres, RULES_HIGHRES_ALLOWANCE);
    assert_int_equal(f.n_pools, 1);
    assert_int_equal(f.pools[0].pool_id, 3);
    assert_int_equal(f.expires, NOW + 86400);
    f.pools[0].limit = 10;
    f.pools[0].used = 9;
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "READ ME: the album “Smith Wedding”\n");
    has(t, "You are the client of this album.");
    has(t, "Favourites/FOLDER");
    has(t, "To pick a photo, copy or drag it");
    has(t, "\"Web-size\" holds the photos sized");
    has(t, "You may take 10 high-res photos; 1 of 10 is left right now.");
    has(t, "\"Disk quota\n  exceeded\"");
    has(t, "chmod o-r PHOTO");
    has(t, "into Private/FOLDER");
    has(t, "delete it from Private/FOLDER to unhide it");
    has(t, "\"not enough space\"): your allowance is used up");
    has(t, "Your access ends on Saturday 16 January 2027, 08:00 UTC.");
    lacks(t, "looking only");
    free(t);
    /* The same in an invitation: no READ ME heading, "today". */
    t = text_of(&f, RULES_IN_INVITATION);
    lacks(t, "READ ME");
    has(t, "1 of 10 is left today.");
    free(t);
    /* Used up; an album that does not let clients mark photos. */
    f.pools[0].used = 12;
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "0 of 10 are left right now.");
    free(t);
    rules_facts_for(&who, ALBUM, false, NOW, &f);
    assert_false(f.mark_private);
    t = text_of(&f, RULES_IN_GALLERY);
    lacks(t, "chmod");
    lacks(t, "Private");
    has(t, "come from an allowance"); /* limit not read yet: no number */
    free(t);
    (void)state;
}

static void test_unlimited_wins_and_latest_expiry(void **state)
{
    struct af_grant g[3] = {grant(1, AF_ROLE_CLIENT), grant(2, AF_ROLE_INVITED),
                            grant(3, AF_ROLE_CLIENT)};
    struct af_subject who;
    struct rules_facts f;
    char *t;

    g[0].settings.highres = AF_HIGHRES_MAX_EDGE;
    g[0].settings.pool_id = 3;
    g[0].expires = NOW + 100;
    g[1].settings.highres = AF_HIGHRES_ORIGINAL; /* unlimited */
    g[1].settings.n_download_sets = 1;
    g[1].settings.download_sets[0] = 42;
    g[1].expires = NOW + 500;
    g[2].expires = NOW - 1; /* expired: counts for nothing */
    g[2].settings.web_downloads = true;
    who = user(g, 3);
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_int_equal(f.highres, RULES_HIGHRES_UNLIMITED);
    assert_int_equal(f.n_pools, 0);
    assert_true(f.highres_some_sets);
    assert_false(f.web);
    assert_int_equal(f.expires, NOW + 500);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "as many as you like");
    has(t, "Only the folders listed inside \"High-res\" offer downloads.");
    lacks(t, "Web-size");
    free(t);
    /* One grant without an end: access has none. */
    g[0].expires = 0;
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_int_equal(f.expires, 0);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "Your access has no end date.");
    free(t);
    (void)state;
}

static void test_guest_invited_editor_owner_none(void **state)
{
    struct af_grant link = grant(1, AF_ROLE_GUEST), inv = grant(2, AF_ROLE_INVITED);
    struct af_grant ed = grant(3, AF_ROLE_EDITOR), other = grant(4, AF_ROLE_CLIENT);
    struct af_subject who = {.kind = AF_PRINCIPAL_LINK, .link_id = 1, .grants = &link,
                             .n_grants = 1};
    struct rules_facts f;
    char *t;

    link.settings.watermark_proofs = true;
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_int_equal(f.role, AF_ROLE_GUEST);
    assert_false(f.favourites || f.web || f.mark_private);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "You are a guest of this album, through a share link.");
    has(t, "with a watermark");
    has(t, "for looking only");
    lacks(t, "High-res");
    lacks(t, "Favourites");
    free(t);

    who = user(&inv, 1);
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_true(f.favourites);
    assert_false(f.mark_private); /* invited people never mark */
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "You are invited to see this album.");
    free(t);

    who = user(&ed, 1);
    rules_facts_for(&who, ALBUM, false, NOW, &f);
    assert_int_equal(f.role, AF_ROLE_EDITOR);
    assert_true(f.web && f.mark_private);
    assert_false(f.favourites);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "studio team (editor)");
    has(t, "Make a new folder");
    lacks(t, "High-res");
    free(t);

    who = (struct af_subject){.kind = AF_PRINCIPAL_OWNER};
    rules_facts_for(&who, ALBUM, false, NOW, &f);
    assert_int_equal(f.role, AF_ROLE_OWNER);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "You are the owner");
    has(t, "no end date");
    free(t);

    /* A grant on another album opens nothing here. */
    other.album_id = ALBUM + 1;
    who = user(&other, 1);
    rules_facts_for(&who, ALBUM, true, NOW, &f);
    assert_int_equal(f.role, AF_ROLE_NONE);
    t = text_of(&f, RULES_IN_GALLERY);
    has(t, "not shared with you");
    lacks(t, "Favourites");
    free(t);
    (void)state;
}

/* Every combination of facts: only the album's name and the folders every
 * album shows are ever named. */
static void test_names_nothing_else(void **state)
{
    static const char *const allowed_caps[] = {
        "READ", "ME", "You", "What", "Ask", "Looking", "Open", "They", "Favourites", "To", "Nothing", "Delete",
        "Web-size", "High-res", "A", "Taking", "When", "Disk", "Only", "Private", "Properties",
        "Permissions", "Others", "None", "Read-only", "Until", "Your", "This", "Every", "Copy",
        "Make", "Hide", "FOLDER", "PHOTO", "Anyone", "(Anyone", "(proofs", "(editor)",
        "(Read-only", "UTC", "Smith", "Wedding”", "“Smith", "Friday", "January", "Saturday",
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "February", "March", "April",
        "May", "June", "July", "August", "September", "October", "November", "December",
        "Web-size\"", "\"Web-size\"", "\"High-res\"", "\"Favourites\"", "High-res/FOLDER",
        "Favourites/FOLDER", "High-res/FOLDER/PHOTO", "Favourites/FOLDER/PHOTO", "\"read\"",
        "\"Disk", "Ctrl", "Favourites/FOLDER:", "Favourites.", "FOLDER.", "(you",
        "High-res/FOLDER/PHOTO", "\"Favourites\"", "Permissions", "Private/FOLDER",
        "Private/FOLDER;", "Mac", "Windows", "\"not", "In",
    };
    struct rules_facts f;

    for (unsigned bits = 0; bits < 1u << 9; bits++) {
        char *t, *copy, *save = NULL;

        memset(&f, 0, sizeof f);
        f.role = (enum af_role)(1 + bits % 5);
        f.favourites = bits & 8;
        f.web = bits & 16;
        f.highres = (enum rules_highres)((bits >> 5) % 3);
        f.mark_private = bits & 128;
        f.highres_some_sets = bits & 256;
        f.watermarked = bits & 1;
        if (f.highres == RULES_HIGHRES_ALLOWANCE) {
            f.n_pools = 1;
            f.pools[0] = (struct rules_allowance){1, 5, 2};
        }
        f.expires = bits & 2 ? NOW : 0;
        t = text_of(&f, bits & 4 ? RULES_IN_GALLERY : RULES_IN_INVITATION);
        copy = strdup(t);
        for (char *w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
            bool ok = !(w[0] >= 'A' && w[0] <= 'Z') && !(w[0] == '"' && w[1] >= 'A' && w[1] <= 'Z');

            for (size_t k = 0; !ok && k < sizeof allowed_caps / sizeof allowed_caps[0]; k++)
                ok = strncmp(w, allowed_caps[k], strlen(allowed_caps[k])) == 0;
            if (!ok)
                fail_msg("an unexpected name \"%s\" in:\n%s", w, t);
        }
        lacks(t, "@");
        lacks(t, "/srv");
        lacks(t, "albumfs ");
        free(copy);
        free(t);
    }
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_client_with_allowance),
        cmocka_unit_test(test_unlimited_wins_and_latest_expiry),
        cmocka_unit_test(test_guest_invited_editor_owner_none),
        cmocka_unit_test(test_names_nothing_else),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
