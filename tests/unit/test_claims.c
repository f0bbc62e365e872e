/* test_claims.c — unit tests of store/claims.c (confirming an address given
 * with a share link).
 *
 * Each test builds a fresh catalog with an album, two links with guest
 * grants (the first expiring in a day) and reads the codes back from the
 * outbox, as the person would from their mail. A code works only for its
 * link and address, only the newest one, once; the grant it makes is the
 * link's, invited, favourites on, expiring with the link, naming the link;
 * a person with a live grant gets none; rate limits hold; refusals are
 * recorded but cannot flood the log; a malformed code is a wrong one; a
 * code file others can read is refused; revoking a link takes only its own
 * claims.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "store/claims.h"
#include "store/notify.h"

struct fixture {
    char dir[64];
    char path[128];
    struct af_catalog *c;
    struct af_library lib; /* only token_key is used */
    int64_t album_id;
    struct cat_link link, link2;
    struct af_grant link_grant, link2_grant;
};

static void add_link(struct fixture *f, unsigned char tag, af_time expires, struct cat_link *link,
                     struct af_grant *grant)
{
    unsigned char hash[CAT_TOKEN_HASH_BYTES] = {tag};
    struct cat_grant g;
    int64_t id;

    assert_int_equal(catalog_link_add(f->c, f->album_id, hash, NULL, &id), 0);
    assert_int_equal(catalog_link_by_id(f->c, id, link), 0);
    memset(&g, 0, sizeof g);
    g.grant.album_id = f->album_id;
    g.grant.role = AF_ROLE_GUEST;
    g.grant.expires = expires;
    policy_settings_default(AF_ROLE_GUEST, &g.grant.settings);
    g.grant.settings.web_downloads = true;
    g.principal = CAT_PRINCIPAL_LINK;
    g.principal_id = id;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    *grant = g.grant;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    static const unsigned char key[32] = {9, 9, 9};

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-claims-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_CREATE, &f->c), 0);
    catalog_set_audit_key(f->c, key);
    memset(f->lib.token_key, 5, sizeof f->lib.token_key);
    assert_int_equal(catalog_setting_set(f->c, "notify.command", "cat >/dev/null"), 0);
    assert_int_equal(catalog_album_create(f->c, "Smith Wedding", &f->album_id), 0);
    add_link(f, 1, (af_time)time(NULL) + 86400, &f->link, &f->link_grant);
    add_link(f, 2, 0, &f->link2, &f->link2_grant);
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

/* Send a code for email on link; return it as the newest message shows it
 * ("abcde-fghij") in out[16]. */
static void send(struct fixture *f, const struct cat_link *link, const char *email, char out[16])
{
    struct cat_message *rows;
    enum claim_sent sent;
    const char *p;
    size_t n = 0;

    assert_int_equal(claims_send_code(&f->lib, f->c, link, email, &sent), 0);
    assert_int_equal(sent, CLAIM_SENT);
    assert_int_equal(catalog_outbox_list(f->c, 1, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].kind, NOTIFY_KIND_CLAIM_CODE);
    assert_string_equal(rows[0].recipient, email);
    p = strstr(rows[0].message, "your confirmation code is:\n\n    ");
    assert_non_null(p);
    p += strlen("your confirmation code is:\n\n    ");
    assert_int_equal(strcspn(p, "\n"), 11);
    memcpy(out, p, 11);
    out[11] = '\0';
    catalog_messages_free(rows, n);
}

static int confirm(struct fixture *f, const struct cat_link *link, const struct af_grant *grant,
                   const char *email, const char *code, struct cat_user *user)
{
    const char *why = "unset";
    int rc = claims_confirm(&f->lib, f->c, link, grant, email, code, user, &why);

    if (rc == -EACCES)
        assert_true(why[0] != '\0');
    return rc;
}

static int64_t count(struct fixture *f, const char *kind)
{
    struct cat_activity *rows;
    size_t n = 0;

    assert_int_equal(catalog_activity(f->c, 0, kind, &rows, &n), 0);
    free(rows);
    return (int64_t)n;
}

static void test_code_opens_own_grant(void **state)
{
    struct fixture *f = *state;
    char code[16];
    struct cat_user user;
    struct cat_grant *all;
    const struct cat_grant *mine = NULL;
    size_t n = 0;

    send(f, &f->link, "New.Person@example.com", code);
    assert_int_equal(count(f, "link-claim-code-sent"), 1);
    /* typed in capitals, without the dash, with spaces: still the code */
    char typed[32];
    snprintf(typed, sizeof typed, " %.5s %s ", code, code + 6);
    for (char *p = typed; *p; p++)
        *p = g_ascii_toupper(*p);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "new.person@example.com", typed, &user),
                     0);
    assert_string_equal(user.email, "new.person@example.com"); /* as confirmed */
    assert_int_equal(catalog_grants(f->c, f->album_id, &all, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (all[i].principal == CAT_PRINCIPAL_USER)
            mine = &all[i];
    assert_non_null(mine);
    assert_int_equal(mine->principal_id, user.id);
    assert_int_equal(mine->via_link_id, f->link.id);
    assert_int_equal(mine->grant.role, AF_ROLE_INVITED);
    assert_int_equal(mine->grant.expires, f->link_grant.expires);
    assert_true(mine->grant.settings.may_favourite);
    assert_false(mine->grant.settings.may_mark_private);
    assert_true(mine->grant.settings.web_downloads); /* the link's settings */
    free(all);
    assert_int_equal(count(f, "link-claimed"), 1);
    /* once */
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "new.person@example.com", code, &user),
                     -EACCES);
    assert_int_equal(count(f, "link-claim-code-wrong"), 1);
    /* a later mount needs a new code, and adds no second grant */
    send(f, &f->link, "new.person@example.com", code);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "new.person@example.com", code, &user),
                     0);
    assert_int_equal(catalog_grants(f->c, f->album_id, &all, &n), 0);
    assert_int_equal(n, 3); /* two links' and the one claim */
    free(all);
    assert_int_equal(count(f, "link-claimed"), 2);
}

static void test_code_bound_to_link_and_address(void **state)
{
    struct fixture *f = *state;
    char code[16], other[16];
    struct cat_user user;

    send(f, &f->link, "anna@example.com", code);
    send(f, &f->link2, "ben@example.com", other);
    /* anna's code for ben, on either link; ben's code for anna */
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "ben@example.com", code, &user), -EACCES);
    assert_int_equal(confirm(f, &f->link2, &f->link2_grant, "ben@example.com", code, &user),
                     -EACCES);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", other, &user),
                     -EACCES);
    /* anna's code on the other link */
    assert_int_equal(confirm(f, &f->link2, &f->link2_grant, "anna@example.com", code, &user),
                     -EACCES);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", code, &user), 0);
    assert_int_equal(confirm(f, &f->link2, &f->link2_grant, "ben@example.com", other, &user), 0);
}

static void test_only_newest_code(void **state)
{
    struct fixture *f = *state;
    char first[16], second[16];
    struct cat_user user;

    send(f, &f->link, "anna@example.com", first);
    send(f, &f->link, "anna@example.com", second);
    if (strcmp(first, second) != 0)
        assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", first, &user),
                         -EACCES);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", second, &user), 0);
}

static void test_tries_spend_a_code(void **state)
{
    struct fixture *f = *state;
    char code[16];
    struct cat_user user;
    const char *wrong;

    send(f, &f->link, "anna@example.com", code);
    wrong = strcmp(code, "aaaaa-aaaaa") ? "aaaaa-aaaaa" : "bbbbb-bbbbb";
    for (int i = 0; i < CLAIM_CODE_TRIES; i++)
        assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", wrong, &user),
                         -EACCES);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", code, &user),
                     -EACCES);
    assert_int_equal(count(f, "link-claim-code-wrong"), CLAIM_CODE_TRIES + 1);
    assert_int_equal(count(f, "link-claimed"), 0);
}

/* Codes that are not codes (a character too many, one outside the
 * alphabet, too few) are wrong codes; what was read of them is still a
 * string (it is hashed: the comparison takes the same time). */
static void test_malformed_codes(void **state)
{
    static const char *const malformed[] = {"abcde-fghijk", "abc!e-fghij", "abcd",
                                            "ABCDE FGHIJ\r"};
    struct fixture *f = *state;
    char code[16], out[CLAIM_CODE_CHARS + 1];
    struct cat_user user;

    send(f, &f->link, "anna@example.com", code);
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        memset(out, 0xaa, sizeof out);
        assert_false(claims_code_normalise(malformed[i], out));
        assert_non_null(memchr(out, '\0', sizeof out));
        assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", malformed[i],
                                 &user), -EACCES);
    }
    assert_true(claims_code_normalise("ABCDE fghij", out));
    assert_string_equal(out, "abcdefghij");
    assert_int_equal(count(f, "link-claim-code-wrong"), 4);
    assert_int_equal(count(f, "link-claimed"), 0);
}

static void test_refusals_recorded_bounded(void **state)
{
    struct fixture *f = *state;
    struct cat_user user;

    for (int i = 0; i < CLAIM_REFUSALS_RECORDED + 5; i++)
        assert_int_equal(confirm(f, &f->link, &f->link_grant, "nobody@example.com",
                                 "aaaaa-aaaaa", &user), -EACCES);
    assert_int_equal(count(f, "link-claim-code-wrong"), CLAIM_REFUSALS_RECORDED);
}

static void test_existing_grant_kept(void **state)
{
    struct fixture *f = *state;
    char code[16];
    struct cat_user user;
    struct cat_grant g, *all;
    int64_t uid;
    size_t n = 0;

    assert_int_equal(catalog_user_add(f->c, "client@example.com", "", -1, &uid), 0);
    memset(&g, 0, sizeof g);
    g.grant.album_id = f->album_id;
    g.grant.role = AF_ROLE_CLIENT;
    policy_settings_default(AF_ROLE_CLIENT, &g.grant.settings);
    g.principal = CAT_PRINCIPAL_USER;
    g.principal_id = uid;
    assert_int_equal(catalog_grant_add(f->c, &g), 0);
    send(f, &f->link, "client@example.com", code);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "client@example.com", code, &user), 0);
    assert_int_equal(user.id, uid);
    assert_int_equal(catalog_grants(f->c, f->album_id, &all, &n), 0);
    assert_int_equal(n, 3); /* two links' and the client's: nothing added */
    free(all);
}

static void test_rate_limits(void **state)
{
    struct fixture *f = *state;
    enum claim_sent sent;
    char code[16], email[64];

    assert_int_equal(catalog_setting_set(f->c, "notify.command", ""), 0);
    assert_int_equal(claims_send_code(&f->lib, f->c, &f->link, "anna@example.com", &sent), 0);
    assert_int_equal(sent, CLAIM_SENT_NO_COMMAND);
    assert_int_equal(catalog_setting_set(f->c, "notify.command", "cat >/dev/null"), 0);
    for (int i = 1; i < CLAIM_CODES_PER_ADDRESS; i++)
        send(f, &f->link, "anna@example.com", code);
    assert_int_equal(claims_send_code(&f->lib, f->c, &f->link, "ANNA@example.com", &sent), 0);
    assert_int_equal(sent, CLAIM_NOT_SENT_ADDRESS);
    /* the newest code still works */
    {
        struct cat_user user;

        assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", code, &user), 0);
    }
    for (int i = CLAIM_CODES_PER_ADDRESS; i < CLAIM_CODES_PER_LINK; i++) {
        snprintf(email, sizeof email, "person%d@example.com", i);
        send(f, &f->link, email, code);
    }
    assert_int_equal(claims_send_code(&f->lib, f->c, &f->link, "late@example.com", &sent), 0);
    assert_int_equal(sent, CLAIM_NOT_SENT_LINK);
    /* another link is not held up */
    send(f, &f->link2, "late@example.com", code);
    assert_int_equal(claims_send_code(&f->lib, f->c, &f->link, "not an address", &sent), -EINVAL);
}

static void test_code_file(void **state)
{
    struct fixture *f = *state;
    char path[160], code[CLAIM_CODE_FILE_MAX + 1];
    FILE *fp;

    snprintf(path, sizeof path, "%s/code", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("abcde-fghij\n", fp);
    fclose(fp);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(claims_read_code_file(path, code), -EPERM);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(claims_read_code_file(path, code), -EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(claims_read_code_file(path, code), 0);
    assert_string_equal(code, "abcde-fghij");
    fp = fopen(path, "w");
    fputs(" - \n", fp);
    fclose(fp);
    assert_int_equal(claims_read_code_file(path, code), -ENODATA);
    assert_int_equal(claims_read_code_file(f->dir, code), -EINVAL);
    snprintf(path, sizeof path, "%s/none", f->dir);
    assert_int_equal(claims_read_code_file(path, code), -ENOENT);
}

static void test_revoke_with_link(void **state)
{
    struct fixture *f = *state;
    char a[16], b[16];
    struct cat_user user;
    struct cat_grant link_grant, *revoked, *all;
    size_t n = 0, m = 0, live = 0;

    send(f, &f->link, "anna@example.com", a);
    assert_int_equal(confirm(f, &f->link, &f->link_grant, "anna@example.com", a, &user), 0);
    send(f, &f->link2, "ben@example.com", b);
    assert_int_equal(confirm(f, &f->link2, &f->link2_grant, "ben@example.com", b, &user), 0);
    assert_int_equal(catalog_grant_by_id(f->c, f->link_grant.id, &link_grant), 0);
    assert_int_equal(catalog_begin(f->c), 0);
    assert_int_equal(claims_revoke_with_link(f->c, &link_grant, 100, "owner", &revoked, &n), 0);
    assert_int_equal(catalog_commit(f->c), 0);
    assert_int_equal(n, 1);
    assert_string_equal(revoked[0].principal_name, "anna@example.com");
    free(revoked);
    assert_int_equal(catalog_grants(f->c, f->album_id, &all, &m), 0);
    for (size_t i = 0; i < m; i++)
        live += all[i].grant.revoked == 0;
    assert_int_equal(live, 3); /* both links (the link's own grant is the caller's) and ben */
    free(all);
    assert_int_equal(count(f, "grant-revoked"), 1);
}

/* The message with a code says how to open the gallery from the person's
 * own machine, as the invitation does: the studio's addresses when set,
 * else that the studio sends them; never albumfs, a mount or a path. */
static void code_message(struct fixture *f, const char *email, char **out)
{
    struct cat_message *rows;
    enum claim_sent sent;
    size_t n = 0;

    assert_int_equal(claims_send_code(&f->lib, f->c, &f->link, email, &sent), 0);
    assert_int_equal(sent, CLAIM_SENT);
    assert_int_equal(catalog_outbox_list(f->c, 10, &rows, &n), 0);
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        /* The body: headers (From: albumfs@HOST) end at the first blank line. */
        if (strcmp(rows[i].recipient, email) == 0 && strstr(rows[i].message, "\n\n"))
            *out = strdup(strstr(rows[i].message, "\n\n"));
    }
    assert_non_null(*out);
    catalog_messages_free(rows, n);
}

static void test_code_message_says_how_to_open(void **state)
{
    static const char *const never[] = {"albumfs", "--link", "--code-file", "MOUNTPOINT",
                                        "fusermount", "/srv", "--library"};
    struct fixture *f = *state;
    char *m = NULL;

    code_message(f, "anna@example.com", &m);
    assert_non_null(strstr(m, "How to open it"));
    assert_non_null(strstr(m, "will send you the details"));
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_null(strstr(m, never[i]));
    free(m);
    assert_int_equal(catalog_setting_set(f->c, "notify.smb", "smb://studio.example/gallery"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.webdav", "https://photos.example:8443/"), 0);
    code_message(f, "ben@example.com", &m);
    assert_non_null(strstr(m, "\\\\studio.example\\gallery"));
    assert_non_null(strstr(m, "smb://studio.example/gallery"));
    assert_non_null(strstr(m, "https://photos.example:8443/"));
    assert_null(strstr(m, "will send you the details"));
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_null(strstr(m, never[i]));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_code_opens_own_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_bound_to_link_and_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_newest_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tries_spend_a_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_recorded_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_grant_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_with_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_message_says_how_to_open, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
