/* test_names.c — unit tests of policy/names.c: names people give albums,
 * sets, photos and teams; e-mail addresses; junk file names; the candidate
 * view names of a photo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "policy/names.h"

struct name_case {
    const char *name;
    int err;
};

static void check_names(const struct name_case *cases, size_t n)
{
    int failures = 0;

    for (size_t i = 0; i < n; i++) {
        const char *why = "unset";
        int rc = names_check(cases[i].name, &why);

        if (rc != cases[i].err) {
            print_error("names_check(case %zu) = %d, want %d\n", i, rc, cases[i].err);
            failures++;
        }
        /* A reason for every refusal, none for an acceptance. */
        if ((rc == 0) != (why == NULL)) {
            print_error("names_check(case %zu): reason %s\n", i, why ? why : "(null)");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void test_good_names(void **state)
{
    static const struct name_case cases[] = {
        { "Smith Wedding 2026", 0 },
        { "IMG_0001.JPG", 0 },
        { "Ceremonía — 2026", 0 },         /* 2- and 3-byte UTF-8 */
        { "Getting Ready \xF0\x9F\x92\x8D", 0 }, /* emoji, 4 bytes */
        { "日本の結婚式", 0 },
        { "...", 0 },
        { ".hidden", 0 },
        { "a", 0 },
        { "a b", 0 },
        { "a\xC2\xA0" "b", 0 }, /* a no-break space inside */
        { "\xEF\xBF\xBF", 0 },  /* U+FFFF: a noncharacter, still a scalar value */
        { "\xF4\x8F\xBF\xBF", 0 }, /* U+10FFFF, the last code point */
        { "x\xC2\xA0", -EINVAL }, /* ... but not at the end */
    };

    (void)state;
    check_names(cases, sizeof cases / sizeof cases[0]);
}

static void test_bad_names(void **state)
{
    static const struct name_case cases[] = {
        { "", -EINVAL },
        { ".", -EINVAL },
        { "..", -EINVAL },
        { "a/b", -EINVAL },
        { "/", -EINVAL },
        { "../etc", -EINVAL },
        { "tab\there", -EINVAL },
        { "new\nline", -EINVAL },
        { "\x01", -EINVAL },
        { "esc\x1B[31m", -EINVAL },
        { "del\x7F", -EINVAL },
        { "c1\xC2\x80", -EINVAL },   /* U+0080 */
        { "c1\xC2\x9F", -EINVAL },   /* U+009F */
        { " leading", -EINVAL },
        { "trailing ", -EINVAL },
        { " ", -EINVAL },
        { "\xE3\x80\x80" "ideographic", -EINVAL }, /* U+3000 at the start */
        { "bom\xEF\xBB\xBF", -EINVAL },            /* U+FEFF at the end */
    };

    (void)state;
    check_names(cases, sizeof cases / sizeof cases[0]);
}

static void test_bad_utf8(void **state)
{
    static const struct name_case cases[] = {
        { "\x80", -EINVAL },                 /* lone continuation byte */
        { "a\xBF" "b", -EINVAL },
        { "\xC3", -EINVAL },                 /* truncated 2-byte */
        { "\xC3" "a", -EINVAL },             /* bad continuation */
        { "\xE2\x82", -EINVAL },             /* truncated 3-byte */
        { "\xF0\x9F\x92", -EINVAL },         /* truncated 4-byte */
        { "\xC0\xAF", -EINVAL },             /* overlong '/' */
        { "\xC1\xBF", -EINVAL },             /* overlong */
        { "\xE0\x80\xAF", -EINVAL },         /* overlong '/', 3 bytes */
        { "\xE0\x9F\xBF", -EINVAL },         /* overlong U+07FF */
        { "\xF0\x80\x80\xAF", -EINVAL },     /* overlong '/', 4 bytes */
        { "\xF0\x8F\xBF\xBF", -EINVAL },     /* overlong U+FFFF */
        { "\xC0\x80", -EINVAL },             /* overlong NUL (modified UTF-8) */
        { "\xED\xA0\x80", -EINVAL },         /* U+D800, a surrogate */
        { "\xED\xBF\xBF", -EINVAL },         /* U+DFFF */
        { "\xF4\x90\x80\x80", -EINVAL },     /* U+110000 */
        { "\xF5\x80\x80\x80", -EINVAL },
        { "\xF8\x88\x80\x80\x80", -EINVAL }, /* 5-byte form */
        { "\xFE", -EINVAL },
        { "\xFF", -EINVAL },
        { "caf\xE9", -EINVAL },              /* Latin-1, not UTF-8 */
    };
    const char *why = NULL;

    (void)state;
    check_names(cases, sizeof cases / sizeof cases[0]);
    assert_int_equal(names_check("\xED\xA0\x80", &why), -EINVAL);
    assert_string_equal(why, "is not valid UTF-8");
}

static void test_length(void **state)
{
    char name[AF_NAME_MAX + 2];
    const char *why = NULL;

    (void)state;
    memset(name, 'a', sizeof name);
    name[AF_NAME_MAX] = '\0';
    assert_int_equal(names_check(name, &why), 0); /* exactly 255 bytes */
    memset(name, 'a', sizeof name);
    name[AF_NAME_MAX + 1] = '\0';
    assert_int_equal(names_check(name, &why), -ENAMETOOLONG); /* 256 */
    assert_string_equal(why, "is longer than 255 bytes");
    /* Bytes, not characters: 85 three-byte characters fit, 86 do not. */
    for (size_t i = 0; i < 85; i++)
        memcpy(name + 3 * i, "\xE2\x80\x94", 3);
    name[255] = '\0';
    assert_int_equal(names_check(name, NULL), 0);
    memcpy(name + 252, "\xE2\x80\x94", 3);
    memcpy(name + 255, "x", 2);
    assert_int_equal(names_check(name, NULL), -ENAMETOOLONG);
}

static void test_reasons(void **state)
{
    const char *why = NULL;

    (void)state;
    assert_int_equal(names_check(NULL, &why), -EINVAL);
    assert_string_equal(why, "is empty");
    assert_int_equal(names_check("a/b", &why), -EINVAL);
    assert_string_equal(why, "contains '/'");
    assert_int_equal(names_check("..", &why), -EINVAL);
    assert_string_equal(why, "is '.' or '..'");
    assert_int_equal(names_check("a\tb", &why), -EINVAL);
    assert_string_equal(why, "contains a control character");
    assert_int_equal(names_check(" a", &why), -EINVAL);
    assert_string_equal(why, "begins or ends with a space");
    assert_int_equal(names_check("ok", &why), 0);
    assert_null(why);
    /* why may be NULL. */
    assert_int_equal(names_check("a/b", NULL), -EINVAL);
}

static void test_junk(void **state)
{
    static const char *const junk[] = {
        ".DS_Store", ".ds_store", "._IMG_0001.JPG", "._", "Thumbs.db", "thumbs.db",
        "THUMBS.DB", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "Desktop.ini",
        ".directory", ".Spotlight-V100", ".Trashes", ".fseventsd", ".TemporaryItems",
        ".localized", ".apdisk", "Icon\r", "__MACOSX", "$RECYCLE.BIN",
        ".~lock.contract.pdf#", "~$contract.docx", "IMG_0001.JPG~",
    };
    static const char *const fine[] = {
        "IMG_0001.JPG", "DS_Store.jpg", ".DS_Store.jpg", "Thumbs.db.jpg", "my desktop.ini.png",
        "_IMG.jpg", ".~lock.contract.pdf", "~", "a~b.jpg", ".directory2", "Icon",
        /* temporary upload names are not junk: they become photos on rename */
        ".IMG_0001.JPG.Xa8Z2q", ".goutputstream-ABC123", "IMG_0001.JPG.part",
    };

    (void)state;
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        if (!names_is_junk(junk[i]))
            fail_msg("not junk: %s", junk[i]);
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        if (names_is_junk(fine[i]))
            fail_msg("junk: %s", fine[i]);
    assert_false(names_is_junk(NULL));
    assert_false(names_is_junk(""));
}

static void test_email(void **state)
{
    static const char *const good[] = {
        "anna@example.com",
        "anna.smith+wedding@mail.example.co.uk",
        "o'brien@example.ie",
        "x@a.io",
        "user_1-2@sub-domain.example.org",
        "josé@correo.example.es",
        "anna@bücher.example",
        "{weird}!#$%&*=?^`|~@example.com",
    };
    static const char *const bad[] = {
        NULL, "", "anna", "@example.com", "anna@", "anna@example", "anna@@example.com",
        "anna@b@example.com", "an na@example.com", "anna@exa mple.com", " anna@example.com",
        "anna@example.com ", "anna@example.com\n", "anna\r\n@example.com", "anna\x7F@example.com",
        "anna@example..com", "anna@.example.com", "anna@example.com.", ".anna@example.com",
        "anna.@example.com", "an..na@example.com", "anna@-example.com", "anna@example-.com",
        "anna,bob@example.com", "anna@example.com,bob@example.com", "<anna@example.com>",
        "anna;x@example.com", "\"anna\"@example.com", "anna(x)@example.com",
        "anna@exam_ple.com", "anna@[127.0.0.1]", "an\\na@example.com", "anna:x@example.com",
        "caf\xE9@example.com", "anna\xC2\x85@example.com", "anna\xC2\xA0@example.com",
    };
    char addr[300];
    const char *why = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (names_check_email(good[i], &why) != 0)
            fail_msg("refused %s: %s", good[i], why);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        if (names_check_email(bad[i], &why) != -EINVAL || why == NULL)
            fail_msg("accepted bad address %zu", i);
    }

    /* 254 bytes is the limit; 255 is over. */
    memset(addr, 'a', sizeof addr);
    memcpy(addr, "me@", 3);
    for (size_t i = 3 + 63; i < 254; i += 64)
        addr[i] = '.';
    memcpy(addr + 250, ".com", 5);
    assert_int_equal(strlen(addr), 254);
    assert_int_equal(names_check_email(addr, &why), 0);
    memmove(addr + 1, addr, 255);
    assert_int_equal(names_check_email(addr, &why), -EINVAL);
    assert_string_equal(why, "is longer than 254 bytes");

    /* 64 bytes before the '@' at most; 63 bytes per domain label. */
    memset(addr, 'l', 64);
    strcpy(addr + 64, "@example.com");
    assert_int_equal(names_check_email(addr, &why), 0);
    memset(addr, 'l', 65);
    strcpy(addr + 65, "@example.com");
    assert_int_equal(names_check_email(addr, &why), -EINVAL);
    strcpy(addr, "a@");
    memset(addr + 2, 'd', 63);
    strcpy(addr + 65, ".com");
    assert_int_equal(names_check_email(addr, &why), 0);
    strcpy(addr, "a@");
    memset(addr + 2, 'd', 64);
    strcpy(addr + 66, ".com");
    assert_int_equal(names_check_email(addr, &why), -EINVAL);

    assert_int_equal(names_check_email("anna", &why), -EINVAL);
    assert_string_equal(why, "must contain exactly one '@'");
    assert_int_equal(names_check_email("anna@b@example.com", &why), -EINVAL);
    assert_string_equal(why, "must contain exactly one '@'");
    assert_int_equal(names_check_email("anna@example", &why), -EINVAL);
    assert_string_equal(why, "has no '.' in its domain");
    assert_int_equal(names_check_email("a b@example.com", &why), -EINVAL);
    assert_string_equal(why, "contains a space or control character");
    assert_int_equal(names_check_email("a@x.com", &why), 0);
    assert_null(why);
    assert_int_equal(names_check_email("a,b@x.com", NULL), -EINVAL);
}

static void test_view_candidates(void **state)
{
    static const struct {
        const char *name;
        bool doc;
        unsigned k;
        const char *want;
    } cases[] = {
        {"IMG_1.jpg", false, 1, "IMG_1.jpg"},   {"IMG_1.JPEG", false, 1, "IMG_1.JPEG"},
        {"IMG_2.png", false, 1, "IMG_2.png.jpg"}, {"IMG_2.png", false, 2, "IMG_2.png (2).jpg"},
        {"X.png.jpg", false, 2, "X.png (2).jpg"}, {"X.JPG", false, 12, "X (12).JPG"},
        {"raw", false, 1, "raw.jpg"},             {"raw", false, 3, "raw (3).jpg"},
        {"a.pdf", true, 1, "a.pdf"},              {"a.pdf", true, 2, "a (2).pdf"},
        {"README", true, 2, "README (2)"},        {".profile", true, 2, ".profile (2)"},
        {"a.longextension", true, 2, "a.longextension (2)"},
    };
    char buf[AF_NAME_MAX + 1], name[AF_NAME_MAX + 1];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(names_view_candidate(cases[i].name, cases[i].doc, cases[i].k, buf), 0);
        assert_string_equal(buf, cases[i].want);
    }
    assert_int_equal(names_view_candidate("a.jpg", false, 0, buf), -EINVAL);
    /* Always a valid name of at most 255 bytes, cut between characters. */
    memset(name, 'a', AF_NAME_MAX - 6);
    memcpy(name + AF_NAME_MAX - 6, "\xc3\xa9.tif", 7);
    for (unsigned k = 1; k < 100000; k *= 7) {
        assert_int_equal(names_view_candidate(name, false, k, buf), 0);
        assert_true(strlen(buf) <= AF_NAME_MAX);
        assert_int_equal(names_check(buf, NULL), 0);
    }
}

static void test_reserved_in_album(void **state)
{
    static const char *const reserved[] = {"Web-size", "web-SIZE", "High-res", "Favourites",
                                           "private", "PRIVATE", "TRASH", "READ ME.txt", "read me.TXT"};
    static const char *const fine[] = {"READ ME", "README.txt", "READ ME.txt ", "Ceremony",
                                       "Web size", "Favourites2", "Private photos"};
    const char *why = NULL;

    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        assert_int_equal(names_check_reserved_in_album(reserved[i], &why), -EINVAL);
        assert_non_null(strstr(why, NAMES_README));
    }
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        assert_int_equal(names_check_reserved_in_album(fine[i], NULL), 0);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_names),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_junk),
        cmocka_unit_test(test_reserved_in_album),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_view_candidates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
