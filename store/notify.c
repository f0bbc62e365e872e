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
 * deliverers never run the command for the same message), then
 * `/bin/sh -c "$notify.command"` is started with posix_spawn — safe in the
 * threaded daemon — in a process group of its own, with default signal
 * dispositions, an empty signal mask and no descriptor but its three pipes.
 * The message is written to its stdin; stdout and stderr are read (the
 * first bytes kept, the rest drained) so a chatty command cannot block.
 * Exit status 0 marks the message delivered; anything else, or no exit
 * within the timeout (the whole process group is then killed), records the
 * error and schedules a retry after 1 min, 5 min, 30 min, 2 h, then every
 * 6 h. Delivered invitations and failed attempts go to the activity log.
 *
 * Threading: no state of its own; each call uses only the catalog
 * connection it is given (one thread at a time, as the catalog requires),
 * so threads with their own connections may compose and deliver at once.
 * SIGPIPE is blocked in the calling thread while it writes to a command
 * (and a SIGPIPE that write raised is consumed), so a command that does not
 * read its input cannot kill albumctl.
 */
#include "store/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#define SUBJECT_CHUNK 39       /* bytes per encoded-word: 52 base64 chars, 64 in all */
#define SUBJECT_PLAIN_MAX 68   /* longer ASCII subjects are encoded (and so folded) */
#define LINE_MAX_OCTETS 998    /* RFC 5322 §2.1.1 */
#define CAPTURE_MAX 512        /* bytes of a command's stdout/stderr kept */
#define ERROR_LINE_MAX 160     /* bytes of its first line kept in the error */
#define TICK_MS 100            /* how often a running command is checked */
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

/* A setting that is set and not empty: 0, -ENOENT, or a catalog error. */
static int setting(struct af_catalog *c, const char *key, char *buf, size_t len)
{
    int rc = catalog_setting_get(c, key, buf, len);

    if (rc == 0 && buf[0] == '\0')
        rc = -ENOENT;
    return rc;
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
    rc = setting(c, "notify.owner", owner, sizeof owner);
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

int notify_invite(struct af_catalog *c, const char *email, const char *album, const char *how)
{
    char owner[AF_EMAIL_MAX + 1];
    char *subject = NULL, *body = NULL, *commands = NULL;
    size_t commands_len = 0;
    const char *line;
    FILE *f;
    int rc;

    rc = check_header_text(album);
    if (rc == 0)
        rc = check_body_text(how);
    if (rc < 0)
        return rc;
    rc = setting(c, "notify.owner", owner, sizeof owner);
    if (rc == -ENOENT)
        snprintf(owner, sizeof owner, "Your photographer");
    else if (rc < 0)
        return rc;

    /* The command lines, each indented, empty lines dropped. */
    f = open_memstream(&commands, &commands_len);
    if (!f)
        return -ENOMEM;
    for (line = how; *line;) {
        size_t n = strcspn(line, "\n");

        if (n > 0)
            fprintf(f, "    %.*s\n", (int)n, line);
        line += n + (line[n] ? 1 : 0);
    }
    rc = ferror(f) ? -ENOMEM : 0;
    if (fclose(f) != 0)
        rc = -ENOMEM;
    if (rc < 0)
        goto out;
    if (asprintf(&subject, "Photos for you: “%s”", album) < 0) {
        subject = NULL;
        rc = -ENOMEM;
        goto out;
    }
    if (asprintf(&body,
                 "Hello,\n\n"
                 "%s has invited you to see the photo album “%s”.\n\n"
                 "The album opens as a folder on your computer. Choose an empty folder\n"
                 "(MOUNTPOINT below) and run in a terminal:\n\n"
                 "%s\n"
                 "Your photos then appear inside that folder. When you are done, close it\n"
                 "with: fusermount3 -u MOUNTPOINT\n\n"
                 "If you did not expect this message, you can ignore it.\n",
                 owner, album, commands) < 0) {
        body = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = queue(c, NOTIFY_KIND_INVITATION, email, subject, body);
out:
    free(body);
    free(subject);
    free(commands);
    return rc;
}

int notify_claim_code(struct af_catalog *c, const char *email, const char *album,
                      const char *code, int minutes)
{
    char *subject = NULL, *body = NULL;
    int rc = check_header_text(album);

    if (rc == 0)
        rc = check_header_text(code);
    if (rc < 0)
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
                 "It works once, within %d minutes. Save it in a file only you can read\n"
                 "and mount the album again with the same link and address, adding\n"
                 "--code-file FILE:\n\n"
                 "    (umask 077; printf '%%s\\n' '%s' >CODEFILE)\n"
                 "    albumfs MOUNTPOINT --link ... --email %s --code-file CODEFILE\n\n"
                 "If you did not ask for this, ignore this message: without the code,\n"
                 "nothing is opened in your name.\n",
                 album, code, minutes, code, email) < 0) {
        body = NULL;
        rc = -ENOMEM;
        goto out;
    }
    rc = queue(c, NOTIFY_KIND_CLAIM_CODE, email, subject, body);
out:
    free(body);
    free(subject);
    return rc;
}

bool notify_has_command(struct af_catalog *c)
{
    char command[NOTIFY_COMMAND_MAX + 2];

    return setting(c, "notify.command", command, sizeof command) == 0;
}

int notify_test(struct af_catalog *c)
{
    char owner[AF_EMAIL_MAX + 1], host[HOST_MAX], body[HOST_MAX + 128];
    int rc = setting(c, "notify.owner", owner, sizeof owner);

    if (rc < 0)
        return rc;
    host_name(host);
    snprintf(body, sizeof body,
             "This is a test message from albumfs on %s.\n"
             "Notifications reach you at this address.\n", host);
    return queue(c, "test", owner, "albumfs test message", body);
}

/* ---- running the command ---- */

/* The first bytes of what a command wrote on one stream. */
struct capture {
    int fd;                 /* read end, -1 once closed */
    char text[CAPTURE_MAX];
    size_t len;
};

static int64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Read what is there now; keep the first CAPTURE_MAX bytes, drop the rest.
 * Closes the stream at end of file or on error. */
static void capture_read(struct capture *cap)
{
    char buf[4096];

    while (cap->fd >= 0) {
        ssize_t n = read(cap->fd, buf, sizeof buf);

        if (n > 0) {
            size_t keep = sizeof cap->text - 1 - cap->len;

            if (keep > (size_t)n)
                keep = (size_t)n;
            memcpy(cap->text + cap->len, buf, keep);
            cap->len += keep;
            cap->text[cap->len] = '\0';
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            close_fd(&cap->fd);
        return;
    }
}

/* Write more of the input; close the pipe when all of it is written or
 * the command stopped reading (EPIPE: not an error in itself, its exit
 * status says whether it worked). */
static void feed(int *fd, const char *input, size_t len, size_t *off)
{
    while (*fd >= 0 && *off < len) {
        ssize_t n = write(*fd, input + *off, len - *off);

        if (n > 0)
            *off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN)
            return;
        else
            close_fd(fd);
    }
    close_fd(fd);
}

/* Start /bin/sh -c command with the given stdin/stdout/stderr. */
static int spawn_shell(const char *command, int in, int out, int err, pid_t *pid)
{
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t all, none;
    int rc;

    sigfillset(&all);
    sigemptyset(&none);
    rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0)
        return -rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0)
        goto out_fa;
    if ((rc = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO)) != 0 ||
        (rc = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1)) != 0 ||
        (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                  POSIX_SPAWN_SETSIGMASK)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0)
        goto out_attr;
    rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
out_attr:
    posix_spawnattr_destroy(&attr);
out_fa:
    posix_spawn_file_actions_destroy(&fa);
    return -rc;
}

/* The first line of what the command said (stderr, else stdout), trimmed
 * and cut to ERROR_LINE_MAX bytes of whole characters; "" if nothing. */
static void first_line(const struct capture *err, const struct capture *out, char *buf,
                       size_t len)
{
    const struct capture *cap = err;
    const char *s;
    size_t n;

    s = cap->text + strspn(cap->text, " \t\r\n");
    if (!*s) {
        cap = out;
        s = cap->text + strspn(cap->text, " \t\r\n");
    }
    n = strcspn(s, "\r\n");
    if (n > ERROR_LINE_MAX)
        n = ERROR_LINE_MAX;
    while (n > 0 && s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* Why the command failed, from its wait status and what it said. */
static void describe_failure(int status, const struct capture *err, const struct capture *out,
                             char *why, size_t len)
{
    char line[ERROR_LINE_MAX + 1];
    const char *sig;

    first_line(err, out, line, sizeof line);
    if (WIFEXITED(status)) {
        snprintf(why, len, "exit status %d%s%s", WEXITSTATUS(status), line[0] ? ": " : "",
                 line);
    } else if (WIFSIGNALED(status)) {
        sig = sigabbrev_np(WTERMSIG(status));
        snprintf(why, len, "killed by SIG%s%s%s", sig ? sig : "?", line[0] ? ": " : "", line);
    } else {
        snprintf(why, len, "stopped with wait status %d", status);
    }
}

/* Feed `input` to the running command and collect its output until it
 * exits or the deadline passes (then its process group is killed). 0 when
 * it exited 0, -EIO when it failed, -ETIMEDOUT; *why says what happened.
 * Closes the descriptors as it finishes with them. */
static int converse(pid_t pid, int *in, struct capture *out, struct capture *err,
                    const char *input, int timeout_seconds, char *why, size_t len)
{
    int64_t deadline = monotonic_ms() + (int64_t)timeout_seconds * 1000;
    size_t input_len = strlen(input), off = 0;
    int status = 0;

    feed(in, input, input_len, &off);
    for (;;) {
        struct pollfd p[3];
        nfds_t n = 0;
        int64_t left = deadline - monotonic_ms();
        pid_t w;

        if (left <= 0) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            snprintf(why, len, "no answer within %d s; the command was stopped",
                     timeout_seconds);
            return -ETIMEDOUT;
        }
        if (*in >= 0)
            p[n++] = (struct pollfd){.fd = *in, .events = POLLOUT};
        if (out->fd >= 0)
            p[n++] = (struct pollfd){.fd = out->fd, .events = POLLIN};
        if (err->fd >= 0)
            p[n++] = (struct pollfd){.fd = err->fd, .events = POLLIN};
        /* Wake every tick even while the pipes are quiet: the command may
         * exit while something it started keeps them open. */
        if (poll(p, n, (int)(left < TICK_MS ? left : TICK_MS)) > 0) {
            feed(in, input, input_len, &off);
            capture_read(out);
            capture_read(err);
        }
        w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(why, len, "lost track of the command: %s", strerror(errno));
            return -ECHILD;
        }
    }
    capture_read(out); /* what it wrote just before exiting */
    capture_read(err);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        why[0] = '\0';
        return 0;
    }
    describe_failure(status, err, out, why, len);
    return -EIO;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

/* Run `command` with `input` on its stdin, for at most timeout_seconds.
 * 0 when it exited 0; otherwise negative errno and a one-line reason. */
static int run_command(const char *command, const char *input, int timeout_seconds, char *why,
                       size_t len)
{
    int in[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    struct capture out = {.fd = -1}, err = {.fd = -1};
    sigset_t sigpipe, old_mask;
    pid_t pid;
    int rc;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 ||
        pipe2(err_pipe, O_CLOEXEC) < 0) {
        rc = -errno;
        snprintf(why, len, "cannot make pipes: %s", strerror(-rc));
        goto out_pipes;
    }
    rc = spawn_shell(command, in[0], out_pipe[1], err_pipe[1], &pid);
    close_fd(&in[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    if (rc < 0) {
        snprintf(why, len, "cannot start /bin/sh: %s", strerror(-rc));
        goto out_pipes;
    }
    out.fd = out_pipe[0];
    err.fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    if ((rc = set_nonblocking(in[1])) < 0 || (rc = set_nonblocking(out.fd)) < 0 ||
        (rc = set_nonblocking(err.fd)) < 0) {
        /* Cannot talk to it safely: stop it at once. */
        kill(-pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        snprintf(why, len, "cannot set up the pipes: %s", strerror(-rc));
        goto out_capture;
    }

    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
    rc = converse(pid, &in[1], &out, &err, input, timeout_seconds, why, len);
    if (sigismember(&old_mask, SIGPIPE) != 1) {
        /* Swallow the SIGPIPE a write to a command that stopped reading
         * raised, before the old mask would deliver it. */
        struct timespec zero = {0, 0};

        while (sigtimedwait(&sigpipe, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
out_capture:
    close_fd(&out.fd);
    close_fd(&err.fd);
out_pipes:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[0]);
    close_fd(&err_pipe[1]);
    return rc;
}

/* ---- delivering the outbox ---- */

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
static int attempt(struct af_catalog *c, const char *command, const struct cat_message *m,
                   int timeout_seconds, struct notify_outcome *o, bool *hung, char *why,
                   size_t len)
{
    char detail[512];
    int rc = run_command(command, m->message, timeout_seconds, why, len);

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

int notify_deliver_report(struct af_catalog *c, int timeout_seconds, notify_report_fn report,
                          void *arg)
{
    char command[NOTIFY_COMMAND_MAX + 2], why[256]; /* room to see one too long */
    struct cat_message *rows = NULL;
    size_t n = 0;
    int delivered = 0, rc;

    if (timeout_seconds < 1)
        timeout_seconds = 1;
    rc = setting(c, "notify.command", command, sizeof command);
    if (rc == -ENOENT)
        return 0; /* messages wait until a command is set */
    if (rc < 0)
        return rc;
    if (strlen(command) > NOTIFY_COMMAND_MAX)
        return -E2BIG; /* cut short, it could do anything */
    rc = catalog_outbox_due(c, (af_time)time(NULL), &rows, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct notify_outcome o;
        af_time now = (af_time)time(NULL);
        bool hung;

        rc = catalog_outbox_claim(c, rows[i].id, now, now + timeout_seconds + CLAIM_MARGIN);
        if (rc < 0)
            goto out;
        if (rc == 0)
            continue; /* delivered or being delivered by someone else */
        rc = attempt(c, command, &rows[i], timeout_seconds, &o, &hung, why, sizeof why);
        if (rc < 0)
            goto out;
        delivered += rc;
        if (report)
            report(&o, arg);
        if (hung)
            break; /* a hanging command: the rest wait for the next pass */
    }
    rc = delivered;
out:
    catalog_messages_free(rows, n);
    return rc;
}

int notify_deliver_due(struct af_catalog *c, int timeout_seconds)
{
    return notify_deliver_report(c, timeout_seconds, NULL, NULL);
}
