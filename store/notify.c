/* notify.c — composing notification e-mails and delivering the outbox.
 *
 * Composing: every message is a complete RFC 5322 text (From, To, Subject,
 * Date, Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8,
 * Content-Transfer-Encoding 8bit, a blank line, the body), with LF line
 * ends as local mail commands expect on stdin. A subject that is not plain
 * short ASCII is written as RFC 2047 encoded-words. Nothing that reaches a
 * header may hold a control character: an address, album or person with a
 * CR or LF (header injection) is refused with -EINVAL, never folded.
 *
 * Delivering: each due message is first claimed in the catalog (so two
 * deliverers never hand the same message over), then given to the SMTP
 * server of the notify.smtp.* settings (store/mail_smtp.h; its password
 * opened from its sealed setting, store/secret.h, for the pass only) or,
 * when no server is set, to the command of notify.command
 * (store/mail_command.h). Success marks the message delivered; a failure,
 * or no success within the timeout, records the error and schedules a
 * retry after 1 min, 5 min, 30 min, 2 h, then every 6 h. Delivered
 * invitations and failed attempts go to the activity log.
 *
 * Threading: no state of its own; each call uses only the catalog
 * connection it is given (one thread at a time, as the catalog requires),
 * so threads with their own connections may compose and deliver at once.
 * SIGPIPE is blocked in the calling thread while it hands a message over
 * (and a SIGPIPE raised meanwhile is consumed), so a command that does not
 * read its input, or a server that hangs up, cannot kill albumctl.
 */
#include "store/notify.h"

#include "store/gallery_address.h"
#include "store/mail_command.h"
#include "store/secret.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#define SUBJECT_CHUNK 39       /* bytes per encoded-word: 52 base64 chars, 64 in all */
#define SUBJECT_PLAIN_MAX 68   /* longer ASCII subjects are encoded (and so folded) */
#define LINE_MAX_OCTETS 998    /* RFC 5322 §2.1.1 */
#define CLAIM_MARGIN 60        /* seconds a claim outlives the timeout */
#define HOST_MAX 256

/* ---- checks ---- */

/* Text that may go into a header: valid UTF-8 without any control
 * character (CR and LF above all). */
static int check_header_text(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        return -EINVAL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return -EINVAL;
    return 0;
}

static int check_address(const char *addr)
{
    const char *why;

    if (names_check_email(addr, &why) != 0)
        return -EINVAL;
    return check_header_text(addr);
}

/* Body text: valid UTF-8, control characters other than LF refused. */
static int check_body_text(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        return -EINVAL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            return -EINVAL;
    return 0;
}

/* ---- settings ---- */

/* A setting that is set and not empty, whole into buf[len]: 0, -ENOENT,
 * -E2BIG when it does not fit (never a prefix of it: a cut address may be
 * another valid one), or a catalog error. */
static int setting(struct af_catalog *c, const char *key, char *buf, size_t len)
{
    char *whole = g_malloc(len + 1);
    int rc = catalog_setting_get(c, key, whole, len + 1);

    buf[0] = '\0';
    if (rc == 0 && whole[0] == '\0')
        rc = -ENOENT;
    else if (rc == 0 && strlen(whole) >= len)
        rc = -E2BIG;
    else if (rc == 0)
        memcpy(buf, whole, strlen(whole) + 1);
    g_free(whole);
    return rc;
}

/* notify.owner into owner: 0, -ENOENT, -EINVAL when it is too long to be
 * an address, or a catalog error. */
static int owner_setting(struct af_catalog *c, char owner[AF_EMAIL_MAX + 1])
{
    int rc = setting(c, "notify.owner", owner, AF_EMAIL_MAX + 1);

    return rc == -E2BIG ? -EINVAL : rc;
}

/* This machine's name, reduced to what a domain may hold. */
static void host_name(char buf[HOST_MAX])
{
    if (gethostname(buf, HOST_MAX) != 0)
        buf[0] = '\0';
    buf[HOST_MAX - 1] = '\0';
    for (char *p = buf; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
            *p = '-';
    if (buf[0] == '\0')
        snprintf(buf, HOST_MAX, "localhost");
}

int notify_sender(struct af_catalog *c, char *buf, size_t len)
{
    char host[HOST_MAX];
    int rc = setting(c, "notify.from", buf, len);

    if (rc == 0)
        return check_address(buf);
    if (rc == -E2BIG)
        return -EINVAL; /* longer than any address */
    if (rc != -ENOENT)
        return rc;
    host_name(host);
    if ((size_t)snprintf(buf, len, "albumfs@%s", host) >= len)
        return -ENAMETOOLONG;
    return 0;
}

int notify_timeout(struct af_catalog *c)
{
    char buf[32], *end;
    long v;

    if (setting(c, "notify.timeout", buf, sizeof buf) != 0)
        return NOTIFY_TIMEOUT_DEFAULT;
    v = strtol(buf, &end, 10);
    if (*end || v < 1 || v > NOTIFY_TIMEOUT_MAX)
        return NOTIFY_TIMEOUT_DEFAULT;
    return (int)v;
}

/* ---- composing ---- */

/* RFC 5322 §3.3, in UTC: "Mon, 23 Nov 2026 19:30:00 +0000". Written by hand
 * because strftime's day and month names follow the locale. */
static void format_date(time_t t, char *buf, size_t len)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool needs_encoding(const char *s)
{
    if (strlen(s) > SUBJECT_PLAIN_MAX || strstr(s, "=?"))
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80)
            return true;
    return false;
}

/* "Subject: ..." — plain, or RFC 2047 B encoded-words of whole UTF-8
 * characters, one per folded line. */
static void write_subject(FILE *f, const char *subject)
{
    const char *p = subject;
    size_t left = strlen(subject);

    fputs("Subject:", f);
    if (!needs_encoding(subject)) {
        fprintf(f, " %s\n", subject);
        return;
    }
    while (left > 0) {
        char b64[sodium_base64_ENCODED_LEN(SUBJECT_CHUNK, sodium_base64_VARIANT_ORIGINAL)];
        size_t n = left < SUBJECT_CHUNK ? left : SUBJECT_CHUNK;

        while (n < left && n > 1 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--; /* do not split a character */
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)p, n,
                          sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, " =?UTF-8?B?%s?=\n", b64);
        p += n;
        left -= n;
    }
}

/* Every body line within RFC 5322's limit. */
static int check_line_lengths(const char *body)
{
    for (const char *line = body; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);

        if (n > LINE_MAX_OCTETS)
            return -EINVAL;
        line += n + (nl ? 1 : 0);
    }
    return 0;
}

/* The whole message to `to`. *out is malloc'd (caller frees) on success. */
static int compose(struct af_catalog *c, const char *to, const char *subject, const char *body,
                   char **out)
{
    char from[AF_EMAIL_MAX + 1], host[HOST_MAX], date[64];
    unsigned char id[16];
    char id_hex[sizeof id * 2 + 1];
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    *out = NULL;
    rc = check_address(to);
    if (rc == 0)
        rc = check_header_text(subject);
    if (rc == 0)
        rc = check_body_text(body);
    if (rc == 0)
        rc = check_line_lengths(body);
    if (rc == 0)
        rc = notify_sender(c, from, sizeof from);
    if (rc < 0)
        return rc;
    host_name(host);
    format_date(time(NULL), date, sizeof date);
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(id_hex, sizeof id_hex, id, sizeof id);

    f = open_memstream(&text, &len);
    if (!f)
        return -ENOMEM;
    fprintf(f, "From: %s\nTo: %s\n", from, to);
    write_subject(f, subject);
    fprintf(f, "Date: %s\nMessage-ID: <%s@%s>\n", date, id_hex, host);
    fputs("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
          "Content-Transfer-Encoding: 8bit\n\n", f);
    fputs(body, f);
    rc = ferror(f) ? -ENOMEM : 0;
    if (fclose(f) != 0)
        rc = -ENOMEM;
    if (rc < 0)
        free(text);
    else
        *out = text;
    return rc;
}

/* Compose and queue one message. */
static int queue(struct af_catalog *c, const char *kind, const char *to, const char *subject,
                 const char *body)
{
    char *text = NULL;
    int rc = compose(c, to, subject, body, &text);

    if (rc == 0)
        rc = catalog_outbox_add(c, kind, to, text);
    free(text);
    return rc;
}

/* A person as the owner reads them: "Alice Smith (alice@example.com)" in a
 * sentence and "Alice Smith" in a subject for a user with a name; "Someone
 * with share link 3" for "link:3"; otherwise the label itself. Both are
 * malloc'd (caller frees); 0 or -ENOMEM. */
static int describe_person(struct af_catalog *c, const char *person, char **sentence,
                           char **subject)
{
    bool link = strncmp(person, "link:", 5) == 0 && person[5];
    bool named = false;
    struct cat_user u;
    int n;

    if (!link && catalog_user_by_email(c, person, &u) == 0 && u.name[0]) {
        named = true;
        n = asprintf(sentence, "%s (%s)", u.name, u.email);
    } else if (link) {
        n = asprintf(sentence, "Someone with share link %s", person + 5);
    } else {
        n = asprintf(sentence, "%s", person);
    }
    if (n < 0) {
        *sentence = *subject = NULL; /* asprintf leaves them undefined */
        return -ENOMEM;
    }
    if (asprintf(subject, "%s", named ? u.name : *sentence) < 0) {
        free(*sentence);
        *sentence = *subject = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* What each milestone says: "<who> <verb> “<album>”<tail>." */
static const struct {
    const char *kind; /* cat_message.kind */
    const char *verb;
    const char *tail;
} milestones[] = {
    [NOTIFY_FIRST_VIEW] = {"first-view", "opened", " for the first time"},
    [NOTIFY_FIRST_FAVOURITE] = {"first-favourite", "chose a first favourite in", ""},
    [NOTIFY_DOWNLOAD] = {"download", "downloaded a high-resolution copy from", ""},
    [NOTIFY_ALLOWANCE_USED_UP] = {"allowance-used-up", "has used up the download allowance of",
                                  ""},
    [NOTIFY_WRONG_PASSWORDS] = {"wrong-passwords",
                                "typed wrong passwords several times for", ""},
};

int notify_milestone(struct af_catalog *c, enum notify_milestone what, const char *album,
                     const char *person, const char *detail)
{
    char owner[AF_EMAIL_MAX + 1];
    char *who = NULL, *who_short = NULL, *subject = NULL, *body = NULL;
    int rc;

    if ((unsigned)what >= sizeof milestones / sizeof milestones[0])
        return -EINVAL;
    if (!detail)
        detail = "";
    rc = check_header_text(album);
    if (rc == 0)
        rc = check_header_text(person);
    if (rc == 0)
        rc = check_header_text(detail);
    if (rc < 0)
        return rc;
    rc = owner_setting(c, owner);
    if (rc < 0)
        return rc;
    rc = describe_person(c, person, &who, &who_short);
    if (rc < 0)
        return rc;
    if (asprintf(&subject, "%s %s “%s”", who_short, milestones[what].verb, album) < 0) {
        subject = NULL;
        rc = -ENOMEM;
        goto out;
    }
    if (asprintf(&body, "%s %s “%s”%s.\n%s%s%s", who, milestones[what].verb, album,
                 milestones[what].tail, detail[0] ? "\nDetails: " : "", detail,
                 detail[0] ? "\n" : "") < 0) {
        body = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = queue(c, milestones[what].kind, owner, subject, body);
out:
    free(body);
    free(subject);
    free(who_short);
    free(who);
    return rc;
}

int notify_check_signature(const char *text, const char **why)
{
    size_t lines = 0;

    if (strlen(text) > NOTIFY_SIGNATURE_MAX)
        return *why = "is longer than 2000 bytes", -EINVAL;
    if (strchr(text, '\r'))
        return *why = "has carriage returns (Windows line ends): save it with plain line ends",
               -EINVAL;
    if (check_body_text(text) < 0)
        return *why = "is not UTF-8 text, or has control characters (tabs included)", -EINVAL;
    for (const char *line = text; *line; lines++) {
        size_t n = strcspn(line, "\n");

        if (n > NOTIFY_SIGNATURE_LINE_MAX)
            return *why = "has a line longer than 200 bytes", -EINVAL;
        line += n + (line[n] ? 1 : 0);
    }
    if (lines > NOTIFY_SIGNATURE_LINES)
        return *why = "has more than 20 lines", -EINVAL;
    return 0;
}

/* The signature into *out (malloc'd): notify.signature when it is set and
 * still passes the check (set by hand otherwise), else "owner". */
static int signature(struct af_catalog *c, const char *owner, char **out)
{
    char sig[NOTIFY_SIGNATURE_MAX + 1];
    const char *why;
    int rc = setting(c, "notify.signature", sig, sizeof sig);

    if (rc < 0 && rc != -ENOENT && rc != -E2BIG)
        return rc;
    if (rc < 0 || notify_check_signature(sig, &why) < 0)
        snprintf(sig, sizeof sig, "%s", owner);
    *out = g_strdup(sig);
    g_strchomp(*out);
    return 0;
}

/* The whole invitation (subject and body) for `email`, album and rules. */
static int invitation(struct af_catalog *c, const char *email, const char *album,
                      const char *rules, char **subject, char **body)
{
    char owner[AF_EMAIL_MAX + 1];
    char *how = NULL, *sig = NULL;
    bool any;
    int rc;

    *subject = *body = NULL;
    rc = check_header_text(album);
    if (rc == 0)
        rc = check_body_text(rules);
    if (rc == 0)
        rc = check_address(email);
    if (rc < 0)
        return rc;
    rc = owner_setting(c, owner);
    if (rc == -ENOENT)
        snprintf(owner, sizeof owner, "Your photographer");
    else if (rc < 0)
        return rc;
    if ((rc = address_instructions(c, &how, &any)) < 0 || (rc = signature(c, owner, &sig)) < 0)
        goto out;
    *subject = g_strdup_printf("Photos for you: \u201c%s\u201d", album);
    *body = g_strdup_printf("Hello,\n\n"
                            "%s has invited you to see the photo album \u201c%s\u201d.\n"
                            "It opens as a folder on your own computer.\n\n"
                            "How to open it\n\n%s\n"
                            "What you can do\n\n%s\n"
                            "The album's folder also holds a file READ ME.txt that always\n"
                            "says how things stand now.\n\n"
                            "-- \n%s\n\n"
                            "If you did not expect this message, you can ignore it.\n",
                            owner, album, how, rules, sig);
out:
    free(how);
    g_free(sig);
    return rc;
}

int notify_invite_message(struct af_catalog *c, const char *email, const char *album,
                          const char *rules, char **message)
{
    char *subject = NULL, *body = NULL;
    int rc = invitation(c, email, album, rules, &subject, &body);

    *message = NULL;
    if (rc == 0)
        rc = compose(c, email, subject, body, message);
    g_free(body);
    g_free(subject);
    return rc;
}

int notify_invite(struct af_catalog *c, const char *email, const char *album, const char *rules)
{
    char *subject = NULL, *body = NULL;
    int rc = invitation(c, email, album, rules, &subject, &body);

    if (rc == 0)
        rc = queue(c, NOTIFY_KIND_INVITATION, email, subject, body);
    g_free(body);
    g_free(subject);
    return rc;
}

int notify_claim_code(struct af_catalog *c, const char *email, const char *album,
                      const char *code, int minutes)
{
    char *subject = NULL, *body = NULL, *how = NULL;
    bool any;
    int rc = check_header_text(album);

    if (rc == 0)
        rc = check_header_text(code);
    if (rc < 0)
        return rc;
    /* How to open the gallery from their own machine, as the invitation
     * says it: never a command or a path of the studio's machine. */
    if ((rc = address_instructions(c, &how, &any)) < 0)
        return rc;
    if (asprintf(&subject, "Your confirmation code for “%s”", album) < 0) {
        subject = NULL;
        rc = -ENOMEM;
        goto out;
    }
    if (asprintf(&body,
                 "Hello,\n\n"
                 "Someone with the share link of the photo album “%s” gave this address\n"
                 "to get access of their own (favourites and downloads kept under their\n"
                 "name). If that was you, your confirmation code is:\n\n"
                 "    %s\n\n"
                 "It works once, within %d minutes: enter it where you were asked for\n"
                 "it. Once it is confirmed, the album is yours to open from your own\n"
                 "computer.\n\n"
                 "How to open it\n\n%s\n"
                 "If you did not ask for this, ignore this message: without the code,\n"
                 "nothing is opened in your name.\n",
                 album, code, minutes, how) < 0) {
        body = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = queue(c, NOTIFY_KIND_CLAIM_CODE, email, subject, body);
out:
    free(how);
    free(body);
    free(subject);
    return rc;
}

bool notify_has_delivery(struct af_catalog *c)
{
    char value[NOTIFY_COMMAND_MAX + 1];
    int rc = setting(c, NOTIFY_SMTP_HOST, value, sizeof value);

    if (rc == 0 || rc == -E2BIG)
        return true;
    rc = setting(c, "notify.command", value, sizeof value);
    return rc == 0 || rc == -E2BIG; /* set, if too long to be run */
}

int notify_test(struct af_catalog *c)
{
    char owner[AF_EMAIL_MAX + 1], host[HOST_MAX], body[HOST_MAX + 128];
    int rc = owner_setting(c, owner);

    if (rc < 0)
        return rc;
    host_name(host);
    snprintf(body, sizeof body,
             "This is a test message from albumfs on %s.\n"
             "Notifications reach you at this address.\n", host);
    return queue(c, "test", owner, "albumfs test message", body);
}

int notify_backup_overdue(struct af_catalog *c, const char *library, const char *since,
                          const char *schedule, const char *dest, const char *why)
{
    char owner[AF_EMAIL_MAX + 1], host[HOST_MAX];
    char *subject = NULL, *body = NULL;
    int rc = check_body_text(library);

    if (rc == 0)
        rc = check_header_text(since);
    if (rc == 0)
        rc = check_body_text(dest);
    if (rc == 0)
        rc = check_body_text(why);
    if (rc == 0)
        rc = setting(c, "notify.owner", owner, sizeof owner);
    if (rc < 0)
        return rc;
    host_name(host);
    if (asprintf(&subject, "No backup of your photo library since %s", since) < 0) {
        subject = NULL;
        rc = -ENOMEM;
        goto out;
    }
    if (asprintf(&body,
                 "The albumfs library %s on %s has had no successful backup since %s,\n"
                 "although its backups are scheduled %s.\n\n"
                 "The last attempt, to %s, failed: %s.\n\n"
                 "Run 'albumctl backup' on %s to see what is wrong (a disk not plugged in\n"
                 "or full, a network share not mounted), and 'albumctl backup list' to see\n"
                 "the snapshots there are.\n",
                 library, host, since, schedule, dest, why, host) < 0) {
        body = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = queue(c, NOTIFY_KIND_BACKUP_OVERDUE, owner, subject, body);
out:
    free(body);
    free(subject);
    return rc;
}

/* ---- delivering the outbox ---- */

int notify_smtp_server(struct af_catalog *c, struct smtp_server *out, bool *has_password,
                       const char **why)
{
    static const char *const keys[] = {NOTIFY_SMTP_HOST, NOTIFY_SMTP_PORT, NOTIFY_SMTP_SECURITY,
                                       NOTIFY_SMTP_USER, NOTIFY_SMTP_CA_FILE};
    char values[5][PATH_MAX], sealed[16];
    int rc = 0;

    *has_password = false;
    for (size_t i = 0; i < 5 && rc == 0; i++) {
        rc = setting(c, keys[i], values[i], sizeof values[i]);
        if (rc == -ENOENT)
            rc = 0;
        else if (rc == -E2BIG)
            return *why = "a notify.smtp setting is too long", -EINVAL;
    }
    if (rc == 0) {
        rc = setting(c, NOTIFY_SMTP_PASSWORD, sealed, sizeof sealed);
        *has_password = rc == 0 || rc == -E2BIG;
        rc = rc == -ENOENT || rc == -E2BIG ? 0 : rc;
    }
    if (rc < 0)
        return *why = "the settings cannot be read", rc;
    rc = smtp_server_parse(values[0], values[1], values[2], values[3], values[4], *has_password,
                           out, why);
    if (rc == 0)
        host_name(out->helo);
    return rc;
}

/* How this pass delivers: a command, or an SMTP server (with its password
 * open in guarded memory); `broken` says why every attempt fails at once
 * (a stored setting that no longer passes its checks, a password that does
 * not open). */
struct transport {
    bool smtp;
    char command[NOTIFY_COMMAND_MAX + 1];
    struct smtp_server server;
    char *password;       /* secret_free */
    char from[AF_EMAIL_MAX + 1];
    const char *broken;   /* NULL, or why nothing can be delivered */
};

/* Read the transport from the settings: 0, -ENOENT when none is set (the
 * messages wait), -E2BIG for a command too long to run, or a catalog
 * error. */
static int transport_open(struct af_catalog *c, const struct af_key *key, struct transport *t)
{
    char sealed[SECRET_SEALED_MAX + 1];
    bool has_password;
    int rc;

    memset(t, 0, sizeof *t);
    rc = notify_smtp_server(c, &t->server, &has_password, &t->broken);
    if (rc == -ENOENT) { /* no server: the command, if any */
        t->broken = NULL;
        return setting(c, "notify.command", t->command, sizeof t->command);
    }
    t->smtp = true;
    if (rc == -EINVAL)
        return 0; /* t->broken says why */
    if (rc < 0)
        return rc;
    if (notify_sender(c, t->from, sizeof t->from) < 0)
        t->broken = "notify.from is not a plain e-mail address: set --from again";
    if (!t->broken && has_password) {
        rc = setting(c, NOTIFY_SMTP_PASSWORD, sealed, sizeof sealed);
        if (rc < 0 && rc != -E2BIG)
            return rc;
        if (!key)
            t->broken = "the SMTP password cannot be opened without the library key";
        else if (rc == -E2BIG || secret_open(key, NOTIFY_SMTP_PASSWORD, sealed, &t->password) < 0)
            t->broken = "the stored SMTP password does not open with this library's key "
                        "(set it again with --smtp-password-file)";
    }
    return 0;
}

static void transport_close(struct transport *t)
{
    secret_free(t->password);
    t->password = NULL;
}

/* Hand one message over: 0, or negative errno with why[len]. SIGPIPE is
 * blocked in this thread meanwhile (a command that stopped reading, a
 * server that hung up), and one it raised is consumed. */
static int transport_send(const struct transport *t, const struct cat_message *m,
                          int timeout_seconds, char *why, size_t len)
{
    sigset_t sigpipe, old_mask;
    int rc;

    if (t->broken) {
        snprintf(why, len, "%s", t->broken);
        return -EINVAL;
    }
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
    if (t->smtp)
        rc = smtp_send(&t->server, t->password, t->from, m->recipient, m->message,
                       timeout_seconds, why, len);
    else
        rc = mail_command_run(t->command, m->message, timeout_seconds, why, len);
    if (sigismember(&old_mask, SIGPIPE) != 1) {
        /* Swallow the SIGPIPE a write raised before the old mask would
         * deliver it. */
        struct timespec zero = {0, 0};

        while (sigtimedwait(&sigpipe, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return rc;
}

/* Delay before the next attempt after `attempts` earlier failed ones. */
static af_time backoff(int attempts)
{
    static const af_time delays[] = {60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600};
    size_t n = sizeof delays / sizeof delays[0];

    return delays[attempts < 0 ? 0 : (size_t)attempts < n ? (size_t)attempts : n - 1];
}

/* Try one claimed message; record the outcome in the outbox and the
 * activity log. 1 delivered, 0 not (o says why; *hung when it timed out),
 * negative errno when the catalog could not be updated. */
static int attempt(struct af_catalog *c, const struct transport *t, const struct cat_message *m,
                   int timeout_seconds, struct notify_outcome *o, bool *hung, char *why,
                   size_t len)
{
    char detail[1024];
    int rc = transport_send(t, m, timeout_seconds, why, len);

    *hung = rc == -ETIMEDOUT;
    o->message = m;
    o->delivered = rc == 0;
    o->error = why;
    o->next_attempt = 0;
    if (rc == 0) {
        rc = catalog_outbox_delivered(c, m->id);
        if (rc == 0 && strcmp(m->kind, NOTIFY_KIND_INVITATION) == 0) {
            snprintf(detail, sizeof detail, "%s (message %" PRId64 ")", m->recipient, m->id);
            rc = catalog_activity_add(c, "invitation-sent", "albumfs", 0, 0, 0, detail);
        }
        return rc < 0 ? rc : 1;
    }
    o->next_attempt = (af_time)time(NULL) + backoff(m->attempts);
    rc = catalog_outbox_failed(c, m->id, o->next_attempt, why);
    if (rc == 0) {
        snprintf(detail, sizeof detail, "%s to %s (message %" PRId64 "): %s", m->kind,
                 m->recipient, m->id, why);
        rc = catalog_activity_add(c, "notification-failed", "albumfs", 0, 0, 0, detail);
    }
    return rc < 0 ? rc : 0;
}

int notify_deliver_report(struct af_catalog *c, const struct af_key *key, int timeout_seconds,
                          notify_report_fn report, void *arg)
{
    struct transport t;
    char why[256];
    struct cat_message *rows = NULL;
    size_t n = 0;
    int delivered = 0, rc;

    if (timeout_seconds < 1)
        timeout_seconds = 1;
    rc = transport_open(c, key, &t);
    if (rc == -ENOENT)
        return 0; /* messages wait until a way to deliver them is set */
    if (rc < 0)
        goto out; /* -E2BIG: a command too long; cut short, it could do anything */
    rc = catalog_outbox_due(c, (af_time)time(NULL), &rows, &n);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct notify_outcome o;
        af_time now = (af_time)time(NULL);
        bool hung;

        rc = catalog_outbox_claim(c, rows[i].id, now, now + timeout_seconds + CLAIM_MARGIN);
        if (rc < 0)
            goto out;
        if (rc == 0)
            continue; /* delivered or being delivered by someone else */
        rc = attempt(c, &t, &rows[i], timeout_seconds, &o, &hung, why, sizeof why);
        if (rc < 0)
            goto out;
        delivered += rc;
        if (report)
            report(&o, arg);
        if (hung)
            break; /* a hanging command or server: the rest wait for the next pass */
    }
    rc = delivered;
out:
    transport_close(&t);
    catalog_messages_free(rows, n);
    return rc;
}

int notify_deliver_due(struct af_catalog *c, const struct af_key *key, int timeout_seconds)
{
    return notify_deliver_report(c, key, timeout_seconds, NULL, NULL);
}
