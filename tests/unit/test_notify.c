/* test_notify.c — unit tests of store/notify.c.
 *
 * Each test builds a fresh catalog in a scratch directory. Composing: the
 * headers and body of milestones, invitations and tests, RFC 2047 subjects
 * cut on character boundaries, and every header injection refused with
 * nothing queued. Delivering: the command gets the message on stdin and no
 * other descriptor, a failure keeps the message with its error and a
 * growing delay, a hanging command and its children are killed at the
 * timeout, a command that reads nothing does not kill the caller with
 * SIGPIPE, and two deliverers never send one message twice.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <sqlite3.h>

#include "store/gallery_address.h"
#include "store/notify.h"

struct fixture {
    char dir[64];
    char path[128];
    struct af_catalog *c;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    static const unsigned char key[32] = {7, 7, 7};

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-notify-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_CREATE, &f->c), 0);
    catalog_set_audit_key(f->c, key);
    assert_int_equal(catalog_setting_set(f->c, "notify.owner", "owner@studio.example"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.from", "albums@studio.example"), 0);
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

/* The outbox, newest first. */
static size_t outbox(struct fixture *f, struct cat_message **rows)
{
    size_t n = 0;

    assert_int_equal(catalog_outbox_list(f->c, 100, rows, &n), 0);
    return n;
}

static size_t outbox_count(struct fixture *f)
{
    struct cat_message *rows;
    size_t n = outbox(f, &rows);

    catalog_messages_free(rows, n);
    return n;
}

/* The value of header `name` (first line only), g_free'd by the caller. */
static char *header(const char *msg, const char *name)
{
    size_t len = strlen(name);

    for (const char *line = msg; *line && *line != '\n';) {
        const char *nl = strchr(line, '\n');

        if (strncmp(line, name, len) == 0 && line[len] == ':')
            return g_strndup(line + len + 2, (size_t)(nl - line) - len - 2);
        line = nl + 1;
    }
    return NULL;
}

/* Decode a Subject of =?UTF-8?B?...?= words (or plain text). */
static char *decode_subject(const char *msg)
{
    const char *p = strstr(msg, "\nSubject:") + 9;
    GString *out = g_string_new(NULL);

    if (strncmp(p, " =?UTF-8?B?", 11) != 0) {
        g_string_append_len(out, p + 1, (gssize)strcspn(p + 1, "\n"));
        return g_string_free(out, FALSE);
    }
    while (strncmp(p, " =?UTF-8?B?", 11) == 0) {
        const char *end = strstr(p + 11, "?=");
        char *b64 = g_strndup(p + 11, (size_t)(end - p - 11));
        gsize n;
        guchar *bin = g_base64_decode(b64, &n);

        /* every word holds whole characters */
        assert_true(g_utf8_validate((const char *)bin, (gssize)n, NULL));
        /* and fits a 78-character line */
        assert_true(end + 2 - p <= 78);
        g_string_append_len(out, (const char *)bin, (gssize)n);
        g_free(bin);
        g_free(b64);
        p = end + 3; /* past "?=\n" */
    }
    return g_string_free(out, FALSE);
}

static void test_milestone_message(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char *v;
    size_t n;

    assert_int_equal(catalog_user_add(f->c, "alice@example.com", "Alice Smith", -1, NULL), 0);
    assert_int_equal(notify_milestone(f->c, NOTIFY_FIRST_VIEW, "Smith Wedding",
                                      "alice@example.com", NULL), 0);
    n = outbox(f, &rows);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].kind, "first-view");
    assert_string_equal(rows[0].recipient, "owner@studio.example");
    assert_false(rows[0].delivered);

    v = header(rows[0].message, "From");
    assert_string_equal(v, "albums@studio.example");
    g_free(v);
    v = header(rows[0].message, "To");
    assert_string_equal(v, "owner@studio.example");
    g_free(v);
    v = header(rows[0].message, "MIME-Version");
    assert_string_equal(v, "1.0");
    g_free(v);
    v = header(rows[0].message, "Content-Type");
    assert_string_equal(v, "text/plain; charset=utf-8");
    g_free(v);
    v = header(rows[0].message, "Content-Transfer-Encoding");
    assert_string_equal(v, "8bit");
    g_free(v);
    v = header(rows[0].message, "Date");
    assert_true(g_regex_match_simple("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
                                     "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                     "\\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000$", v, 0, 0));
    g_free(v);
    v = header(rows[0].message, "Message-ID");
    assert_true(g_regex_match_simple("^<[0-9a-f]{32}@[A-Za-z0-9.-]+>$", v, 0, 0));
    g_free(v);
    v = decode_subject(rows[0].message);
    assert_string_equal(v, "Alice Smith opened “Smith Wedding”");
    g_free(v);
    assert_non_null(strstr(rows[0].message, "\n\nAlice Smith (alice@example.com) opened "
                                            "“Smith Wedding” for the first time.\n"));
    catalog_messages_free(rows, n);

    /* Links and details read in plain words too; two messages, two ids. */
    assert_int_equal(notify_milestone(f->c, NOTIFY_WRONG_PASSWORDS, "Smith Wedding", "link:3",
                                      "5 wrong passwords in 10 minutes"), 0);
    n = outbox(f, &rows);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].kind, "wrong-passwords");
    assert_non_null(strstr(rows[0].message, "Someone with share link 3 typed wrong passwords"));
    assert_non_null(strstr(rows[0].message, "\nDetails: 5 wrong passwords in 10 minutes\n"));
    v = header(rows[0].message, "Message-ID");
    assert_null(strstr(rows[1].message, v));
    g_free(v);
    catalog_messages_free(rows, n);
}

static void test_long_utf8_subject(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char album[256] = "";
    char *subject;
    size_t n;

    /* 2- and 3-byte characters that cannot all line up with the chunks. */
    while (strlen(album) + 5 < 250)
        g_strlcat(album, "é€x", sizeof album);
    assert_int_equal(notify_invite(f->c, "bob@example.com", album, "albumfs M --user b"), 0);
    n = outbox(f, &rows);
    subject = decode_subject(rows[0].message);
    assert_non_null(strstr(subject, album));
    g_free(subject);
    catalog_messages_free(rows, n);

    /* Short plain ASCII stays as it is. */
    assert_int_equal(notify_test(f->c), 0);
    n = outbox(f, &rows);
    assert_non_null(strstr(rows[0].message, "\nSubject: albumfs test message\n"));
    catalog_messages_free(rows, n);
}

static void test_invitation(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char *preview = NULL;
    size_t n;

    /* No address set: the details follow; the signature is the owner. */
    assert_int_equal(notify_invite(f->c, "carol@example.com", "Fête à Lyon",
                                   "You are the client of this album.\n"), 0);
    n = outbox(f, &rows);
    assert_string_equal(rows[0].kind, NOTIFY_KIND_INVITATION);
    assert_string_equal(rows[0].recipient, "carol@example.com");
    assert_non_null(strstr(rows[0].message, "owner@studio.example has invited you to see the "
                                            "photo album “Fête à Lyon”."));
    assert_non_null(strstr(rows[0].message, "Your photographer will send you the details"));
    assert_non_null(strstr(rows[0].message, "What you can do\n\nYou are the client of this "
                                            "album.\n"));
    assert_non_null(strstr(rows[0].message, "\n-- \nowner@studio.example\n"));
    assert_null(strstr(rows[0].message, "albumfs "));
    assert_null(strstr(rows[0].message, "fusermount"));
    catalog_messages_free(rows, n);

    /* Every address set: per-OS steps for each; a signature. */
    assert_int_equal(catalog_setting_set(f->c, "notify.smb", "smb://studio.example/gallery"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.webdav", "https://dav.example/g/"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.sftp", "studio.example:2222"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.signature", "Anna\nStudio Light"), 0);
    assert_int_equal(notify_invite_message(f->c, "carol@example.com", "W", "R.\n", &preview), 0);
    assert_int_equal(outbox_count(f), 1); /* a preview queues nothing */
    assert_non_null(strstr(preview, "\\\\studio.example\\gallery"));
    assert_non_null(strstr(preview, "Go > Connect to Server... (Command-K),\n"
                                    "    enter smb://studio.example/gallery"));
    assert_non_null(strstr(preview, "gio mount davs://dav.example/g/"));
    assert_non_null(strstr(preview, "enter https://dav.example/g/ and sign in"));
    assert_non_null(strstr(preview, "sftp -P 2222 YOUR-USER-NAME@studio.example"));
    assert_non_null(strstr(preview, "\n-- \nAnna\nStudio Light\n"));
    assert_null(strstr(preview, "will send you the details"));
    free(preview);

    /* Settings edited by hand into something hostile are left out. */
    assert_int_equal(catalog_setting_set(f->c, "notify.smb", "smb://a.example/x\r\nBcc: e@x"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.webdav", "http://dav.example/"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.sftp", "bad host:22"), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.signature", "Anna\r\nBcc: e@x"), 0);
    assert_int_equal(notify_invite_message(f->c, "carol@example.com", "W", "R.\n", &preview), 0);
    assert_null(strstr(preview, "Bcc"));
    assert_null(strstr(preview, "http://"));
    assert_null(strstr(preview, "bad host"));
    assert_non_null(strstr(preview, "will send you the details"));
    assert_non_null(strstr(preview, "\n-- \nowner@studio.example\n"));
    free(preview);
}

static void test_addresses(void **state)
{
    static const struct {
        enum address_kind kind;
        const char *in, *canon; /* canon NULL: refused */
    } cases[] = {
        {ADDRESS_SMB, "\\\\studio.example\\gallery", "smb://studio.example/gallery"},
        {ADDRESS_SMB, "//studio/Photo Share", "smb://studio/Photo Share"},
        {ADDRESS_SMB, "smb://10.0.0.2/g", "smb://10.0.0.2/g"},
        {ADDRESS_SMB, "smb://studio.example/", NULL},
        {ADDRESS_SMB, "smb://studio.example/a/b", NULL},
        {ADDRESS_SMB, "smb://stu dio/g", NULL},
        {ADDRESS_SMB, "smb://-studio/g", NULL},
        {ADDRESS_SMB, "smb://studio/g\r\nBcc: x@e", NULL},
        {ADDRESS_SMB, "smb://studio/g\x01", NULL},
        {ADDRESS_SMB, "studio/g", NULL},
        {ADDRESS_WEBDAV, "https://dav.example/gallery/", "https://dav.example/gallery/"},
        {ADDRESS_WEBDAV, "https://dav.example:8443/g%20x", "https://dav.example:8443/g%20x"},
        {ADDRESS_WEBDAV, "https://dav.example", "https://dav.example"},
        {ADDRESS_WEBDAV, "http://dav.example/", NULL},
        {ADDRESS_WEBDAV, "https://dav.example:0/", NULL},
        {ADDRESS_WEBDAV, "https://dav.example:70000/", NULL},
        {ADDRESS_WEBDAV, "https://dav.example/a b", NULL},
        {ADDRESS_WEBDAV, "https://dav.example/\nBcc: x", NULL},
        {ADDRESS_WEBDAV, "https://dav.example/é", NULL},
        {ADDRESS_WEBDAV, "https:///g", NULL},
        {ADDRESS_SFTP, "studio.example", "studio.example:22"},
        {ADDRESS_SFTP, "studio.example:2222", "studio.example:2222"},
        {ADDRESS_SFTP, "studio.example:", NULL},
        {ADDRESS_SFTP, "studio.example:x", NULL},
        {ADDRESS_SFTP, "studio.example:65536", NULL},
        {ADDRESS_SFTP, "user@studio.example", NULL},
        {ADDRESS_SFTP, "studio\n.example", NULL},
        {ADDRESS_SFTP, "", NULL},
    };
    char canon[ADDRESS_MAX + 1], long_url[ADDRESS_MAX + 16];
    const char *why;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = address_check(cases[i].kind, cases[i].in, canon, sizeof canon, &why);

        if (cases[i].canon) {
            assert_int_equal(rc, 0);
            assert_string_equal(canon, cases[i].canon);
        } else {
            assert_true(rc < 0);
        }
    }
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    memcpy(long_url, "https://x.example/", 18);
    assert_true(address_check(ADDRESS_WEBDAV, long_url, canon, sizeof canon, &why) < 0);
    (void)state;
}

static void test_signature_check(void **state)
{
    char big[NOTIFY_SIGNATURE_MAX + 2];
    const char *why;

    assert_int_equal(notify_check_signature("Anna\nStudio Light — photos\n", &why), 0);
    assert_int_equal(notify_check_signature("Anna\r\nStudio", &why), -EINVAL);
    assert_int_equal(notify_check_signature("Anna\tStudio", &why), -EINVAL);
    assert_int_equal(notify_check_signature("Bad \xff", &why), -EINVAL);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(notify_check_signature(big, &why), -EINVAL);
    memset(big, '\n', 30);
    big[30] = '\0';
    assert_int_equal(notify_check_signature(big, &why), -EINVAL);
    memset(big, 'x', 201);
    big[201] = '\0';
    assert_int_equal(notify_check_signature(big, &why), -EINVAL);
    (void)state;
}

static void test_injection_refused(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(notify_milestone(f->c, NOTIFY_FIRST_VIEW, "Wedding\r\nBcc: x@evil.example",
                                      "alice@example.com", NULL), -EINVAL);
    assert_int_equal(notify_milestone(f->c, NOTIFY_FIRST_VIEW, "Wedding",
                                      "alice@example.com\nBcc: x@evil.example", NULL), -EINVAL);
    assert_int_equal(notify_milestone(f->c, NOTIFY_DOWNLOAD, "Wedding", "alice@example.com",
                                      "IMG_1.jpg\r\nBcc: x@evil.example"), -EINVAL);
    assert_int_equal(notify_milestone(f->c, (enum notify_milestone)99, "W", "a@b.example", NULL),
                     -EINVAL);
    assert_int_equal(notify_invite(f->c, "bob@example.com\r\nBcc: x@evil.example", "Wedding",
                                   "albumfs M"), -EINVAL);
    assert_int_equal(notify_invite(f->c, "bob@example.com", "Wedding\nBcc: x@evil.example",
                                   "albumfs M"), -EINVAL);
    assert_int_equal(notify_invite(f->c, "bob@example.com", "Wedding", "rules\r\n"), -EINVAL);
    assert_int_equal(notify_invite(f->c, "bob@example.com", "Bad \xff UTF-8", "albumfs M"),
                     -EINVAL);
    /* A sender or owner setting that was tampered with is refused too. */
    assert_int_equal(catalog_setting_set(f->c, "notify.from", "a@b.example\nBcc: x@evil.example"),
                     0);
    assert_int_equal(notify_test(f->c), -EINVAL);
    assert_int_equal(catalog_setting_set(f->c, "notify.from", ""), 0);
    assert_int_equal(catalog_setting_set(f->c, "notify.owner", "o@b.example\rBcc: x@e.example"),
                     0);
    assert_int_equal(notify_test(f->c), -EINVAL);
    assert_int_equal(outbox_count(f), 0);

    /* A setting longer than any address is refused whole, never cut to a
     * prefix (here 254 bytes of it would be another valid address). */
    {
        GString *longer = g_string_new("owner@x");

        while (longer->len < 320)
            g_string_append(longer, "abc.");
        g_string_append(longer, "example");
        assert_int_equal(catalog_setting_set(f->c, "notify.owner", longer->str), 0);
        assert_int_equal(notify_test(f->c), -EINVAL);
        assert_int_equal(notify_milestone(f->c, NOTIFY_FIRST_VIEW, "W", "a@b.example", NULL),
                         -EINVAL);
        assert_int_equal(catalog_setting_set(f->c, "notify.owner", "owner@studio.example"), 0);
        assert_int_equal(catalog_setting_set(f->c, "notify.from", longer->str), 0);
        assert_int_equal(notify_test(f->c), -EINVAL);
        assert_int_equal(catalog_setting_set(f->c, "notify.from", ""), 0);
        g_string_free(longer, TRUE);
    }
    assert_int_equal(outbox_count(f), 0);

    /* No owner: nothing to tell. */
    assert_int_equal(catalog_setting_set(f->c, "notify.owner", ""), 0);
    assert_int_equal(notify_milestone(f->c, NOTIFY_FIRST_VIEW, "W", "a@b.example", NULL),
                     -ENOENT);
    assert_int_equal(outbox_count(f), 0);
}

/* Read a whole file into a g_malloc'd string (NULL if missing). */
static char *slurp(const char *path)
{
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* Every queued message due now, as if its delay had passed. */
static void make_due(struct fixture *f)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE outbox SET next_attempt = 0 WHERE delivered = 0",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void set_command(struct fixture *f, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(catalog_setting_set(f->c, "notify.command", cmd), 0);
}

static void test_deliver(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char out[128], fds[128], *text;
    size_t n;

    /* No command: nothing is tried, everything waits. */
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_false(rows[0].delivered);
    assert_int_equal(rows[0].attempts, 0);
    catalog_messages_free(rows, n);

    /* The message on stdin; only fds 0, 1 and 2 open in the command. */
    snprintf(out, sizeof out, "%s/out", f->dir);
    snprintf(fds, sizeof fds, "%s/fds", f->dir);
    set_command(f, "cat > '%s'; ls /proc/self/fd > '%s'", out, fds);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 1);
    n = outbox(f, &rows);
    assert_true(rows[0].delivered);
    assert_int_equal(rows[0].attempts, 1);
    text = slurp(out);
    assert_string_equal(text, rows[0].message);
    g_free(text);
    text = slurp(fds);
    assert_string_equal(text, "0\n1\n2\n3\n"); /* 3: ls's own directory handle */
    g_free(text);
    catalog_messages_free(rows, n);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0); /* delivered once */
}

/* SMTP settings edited by hand into something unusable, or a password
 * that cannot be opened: every attempt fails at once with the reason, no
 * connection is made, and the command (also set) is not run: a server set
 * is the way mail goes. */
static void test_smtp_unusable(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char ran[128];
    size_t n;

    snprintf(ran, sizeof ran, "%s/ran", f->dir);
    set_command(f, "touch '%s'", ran);
    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_HOST, "127.0.0.1"), 0);
    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_USER, "studio"), 0);
    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_PASSWORD, "s1:AAAA"), 0);
    assert_true(notify_has_delivery(f->c));
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_int_equal(rows[0].attempts, 1);
    assert_non_null(strstr(rows[0].last_error, "without the library key"));
    catalog_messages_free(rows, n);

    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_HOST, "smtp.example.com"), 0);
    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_SECURITY, "none"), 0);
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_int_equal(rows[0].attempts, 1);
    assert_non_null(strstr(rows[0].last_error, "security none"));
    catalog_messages_free(rows, n);
    assert_int_equal(access(ran, F_OK), -1); /* the command never ran */

    /* no host: the command again */
    assert_int_equal(catalog_setting_set(f->c, NOTIFY_SMTP_HOST, ""), 0);
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 1);
    assert_int_equal(access(ran, F_OK), 0);
}

static void test_failure_and_backoff(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    struct cat_activity *acts;
    af_time before = time(NULL);
    size_t n;

    set_command(f, "echo 'relay refused'; echo 'mailer: no route to host' >&2; exit 75");
    assert_int_equal(notify_invite(f->c, "bob@example.com", "Wedding", "albumfs M"), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_false(rows[0].delivered);
    assert_int_equal(rows[0].attempts, 1);
    assert_string_equal(rows[0].last_error, "exit status 75: mailer: no route to host");
    assert_in_range(rows[0].next_attempt, before + 60, time(NULL) + 60);
    catalog_messages_free(rows, n);
    /* Not due yet: not tried again. */
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_int_equal(rows[0].attempts, 1);
    catalog_messages_free(rows, n);

    /* Due again (as if a minute passed): the next delay is 5 minutes; only
     * stdout said something, so that is the error. */
    set_command(f, "echo 'relay refused'; exit 1");
    make_due(f);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_int_equal(rows[0].attempts, 2);
    assert_string_equal(rows[0].last_error, "exit status 1: relay refused");
    assert_in_range(rows[0].next_attempt, before + 5 * 60, time(NULL) + 5 * 60);
    catalog_messages_free(rows, n);

    /* A shell that cannot find the program; then 2 h, then 6 h. */
    set_command(f, "/nonexistent/sendmail -t");
    make_due(f);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    make_due(f);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    make_due(f);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    n = outbox(f, &rows);
    assert_int_equal(rows[0].attempts, 5);
    assert_true(g_str_has_prefix(rows[0].last_error, "exit status 127: "));
    assert_in_range(rows[0].next_attempt, before + 6 * 3600, time(NULL) + 6 * 3600);
    catalog_messages_free(rows, n);

    /* Fixed: delivered, and the invitation is in the activity log. */
    set_command(f, "cat > /dev/null");
    make_due(f);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 1);
    assert_int_equal(catalog_activity(f->c, 0, "notification-failed", &acts, &n), 0);
    assert_int_equal(n, 5);
    assert_non_null(strstr(acts[0].detail, "exit status 75: mailer: no route to host"));
    free(acts);
    assert_int_equal(catalog_activity(f->c, 0, "invitation-sent", &acts, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(acts[0].detail, "bob@example.com (message 1)");
    free(acts);
}

static void test_hanging_command_killed(void **state)
{
    struct fixture *f = *state;
    struct cat_message *rows;
    char marker[64];
    struct timespec t0, t1;
    size_t n;

    /* The shell and a child of its own both hang; both must go. */
    snprintf(marker, sizeof marker, "sleep 97.%d", (int)getpid());
    set_command(f, "%s & %s; :", marker, marker);
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_test(f->c), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 1), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* One timeout, then the pass stops: the second waits its turn. */
    assert_in_range(t1.tv_sec - t0.tv_sec, 0, 3);
    n = outbox(f, &rows);
    assert_int_equal(rows[1].attempts, 1);
    assert_string_equal(rows[1].last_error, "no answer within 1 s; the command was stopped");
    assert_int_equal(rows[0].attempts, 0);
    catalog_messages_free(rows, n);
    {
        char cmd[128];
        int left = 0;

        /* "[s]leep": the pattern must not match the shell running pgrep. */
        snprintf(cmd, sizeof cmd, "pgrep -f '[s]%s' > /dev/null", marker + 1);
        for (int i = 0; i < 20 && (left = (system(cmd) == 0)); i++)
            usleep(50 * 1000); /* killed, maybe not gone yet */
        assert_false(left); /* nothing left running */
    }
}

static void test_command_reads_nothing(void **state)
{
    struct fixture *f = *state;
    GString *how = g_string_new(NULL);
    struct sigaction dfl = {.sa_handler = SIG_DFL}, old;

    /* Far more than a pipe holds, to a command that never reads: the write
     * fails with EPIPE, which must not kill this process. */
    while (how->len < 512 * 1024)
        g_string_append(how, "albumfs MOUNTPOINT --user x@example.com --library /a/long/path\n");
    assert_int_equal(notify_invite(f->c, "x@example.com", "Wedding", how->str), 0);
    g_string_free(how, TRUE);
    sigaction(SIGPIPE, &dfl, &old);
    set_command(f, "exit 0");
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 1);
    set_command(f, "exec 0<&-; exit 3");
    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(notify_deliver_due(f->c, NULL, 5), 0);
    sigaction(SIGPIPE, &old, NULL);
}

static void test_claimed_once(void **state)
{
    struct fixture *f = *state;
    struct af_catalog *other;
    struct cat_message *rows;
    size_t n;
    af_time now = time(NULL);

    assert_int_equal(notify_test(f->c), 0);
    assert_int_equal(catalog_open(f->path, CAT_OPEN_EXISTING, &other), 0);
    assert_int_equal(catalog_outbox_due(f->c, now, &rows, &n), 0);
    assert_int_equal(n, 1);
    /* Two deliverers read the same row: only the first claim wins. */
    assert_int_equal(catalog_outbox_claim(f->c, rows[0].id, now, now + 90), 1);
    assert_int_equal(catalog_outbox_claim(other, rows[0].id, now, now + 90), 0);
    catalog_messages_free(rows, n);
    set_command(f, "cat > /dev/null");
    assert_int_equal(notify_deliver_due(other, NULL, 5), 0); /* claimed: not due */
    catalog_close(other);
}

static void test_settings(void **state)
{
    struct fixture *f = *state;
    char buf[AF_EMAIL_MAX + 1];

    assert_int_equal(notify_timeout(f->c), NOTIFY_TIMEOUT_DEFAULT);
    assert_int_equal(catalog_setting_set(f->c, "notify.timeout", "7"), 0);
    assert_int_equal(notify_timeout(f->c), 7);
    assert_int_equal(catalog_setting_set(f->c, "notify.timeout", "0"), 0);
    assert_int_equal(notify_timeout(f->c), NOTIFY_TIMEOUT_DEFAULT);
    assert_int_equal(notify_sender(f->c, buf, sizeof buf), 0);
    assert_string_equal(buf, "albums@studio.example");
    assert_int_equal(catalog_setting_set(f->c, "notify.from", ""), 0);
    assert_int_equal(notify_sender(f->c, buf, sizeof buf), 0);
    assert_true(g_str_has_prefix(buf, "albumfs@"));

    /* A command longer than the limit is never run cut short. */
    {
        char long_cmd[NOTIFY_COMMAND_MAX + 16];
        struct cat_message *rows;
        size_t n;

        memset(long_cmd, ' ', sizeof long_cmd - 1);
        long_cmd[sizeof long_cmd - 1] = '\0';
        memcpy(long_cmd + NOTIFY_COMMAND_MAX - 4, "exit 0", 6);
        assert_int_equal(catalog_setting_set(f->c, "notify.command", long_cmd), 0);
        assert_int_equal(notify_test(f->c), 0);
        assert_int_equal(notify_deliver_due(f->c, NULL, 5), -E2BIG);
        n = outbox(f, &rows);
        assert_int_equal(rows[0].attempts, 0);
        catalog_messages_free(rows, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_milestone_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_utf8_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invitation, setup, teardown),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_signature_check),
        cmocka_unit_test_setup_teardown(test_injection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deliver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smtp_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_and_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hanging_command_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_reads_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claimed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
