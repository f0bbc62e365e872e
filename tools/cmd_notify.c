/* cmd_notify.c — 'albumctl notify settings|outbox|send|test|preview':
 * where the owner's notification e-mails and invitations go, the studio's
 * addresses and signature they give, what became of them, delivering them
 * now, and showing an invitation without sending it (store/notify.h
 * composes and delivers). Also the invitations of 'albumctl grant
 * --invite' (cli_invite). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/gallery_address.h"
#include "store/links.h"
#include "store/notify.h"
#include "store/secret.h"
#include "store/subject.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum {
    OPT_COMMAND = CLI_OPT_FIRST, OPT_OWNER, OPT_FROM, OPT_TIMEOUT, OPT_LIMIT, OPT_SMB, OPT_WEBDAV,
    OPT_SFTP, OPT_SIGNATURE_FILE, OPT_USER, OPT_SMTP_HOST, OPT_SMTP_PORT, OPT_SMTP_SECURITY,
    OPT_SMTP_USER, OPT_SMTP_PASSWORD_FILE, OPT_SMTP_CA_FILE,
};

/* The notify.smtp.* settings the options name, in this order. */
enum { SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_CA_FILE, SMTP_KEYS };
static const char *const smtp_keys[SMTP_KEYS] = {
    NOTIFY_SMTP_HOST, NOTIFY_SMTP_PORT, NOTIFY_SMTP_SECURITY, NOTIFY_SMTP_USER, NOTIFY_SMTP_CA_FILE,
};

#define NO_DELIVERY_HINT                                                                       \
    "set an SMTP server with 'albumctl notify settings --smtp-host HOST ...' or a command "     \
    "with --command CMD"

#define OUTBOX_LIMIT 100

/* ---- delivering, shared by send, test and grant --invite ---- */

/* One attempt, kept for printing after the pass. */
struct attempt {
    int64_t id;
    char kind[32];
    char recipient[AF_EMAIL_MAX + 1];
    bool delivered;
    char error[256];
    af_time next_attempt;
};

static void collect(const struct notify_outcome *o, void *arg)
{
    GArray *attempts = arg;
    struct attempt a;

    memset(&a, 0, sizeof a);
    a.id = o->message->id;
    g_strlcpy(a.kind, o->message->kind, sizeof a.kind);
    g_strlcpy(a.recipient, o->message->recipient, sizeof a.recipient);
    a.delivered = o->delivered;
    g_strlcpy(a.error, o->error, sizeof a.error);
    a.next_attempt = o->next_attempt;
    g_array_append_val(attempts, a);
}

/* A setting into buf, "" when it is not set. */
static int read_setting(struct cli *cli, const char *key, char *buf, size_t len)
{
    int err = catalog_setting_get(cli_catalog(cli), key, buf, len);

    if (err == -ENOENT) {
        buf[0] = '\0';
        err = 0;
    }
    return err ? cli_fail_errno(cli, err, "reading %s", key) : CLI_OK;
}

/* Deliver what is due; every attempt is appended to `attempts`. */
static int deliver(struct cli *cli, GArray *attempts)
{
    int n = notify_deliver_report(cli_catalog(cli), cli->lib->key,
                                  notify_timeout(cli_catalog(cli)), collect, attempts);

    return n < 0 ? cli_fail_errno(cli, n, "delivering the outbox") : CLI_OK;
}

/* ---- what an invitation says ---- */

/* The rules of `album` for user u now, as an invitation says them
 * (policy/rules_text.h). *rules malloc'd (caller frees). An exit status. */
static int user_rules(struct cli *cli, const struct cat_album *album, const struct cat_user *u,
                      char **rules)
{
    struct af_subject_buf who;
    struct rules_facts f;
    int err = subject_for_user(cli_catalog(cli), u, &who);

    *rules = NULL;
    if (err == 0) {
        err = subject_rules_facts(cli_catalog(cli), &who.subject, album, cli->now, &f);
        subject_release(&who);
    }
    if (err == 0 && !(*rules = rules_text(&f, album->name, RULES_IN_INVITATION)))
        err = -ENOMEM;
    return err ? cli_fail_errno(cli, err, "reading what %s may do in '%s'",
                                cli_printable(u->email), cli_printable(album->name))
               : CLI_OK;
}

/* Warn when the studio set no address: the invitation can only say that
 * the details follow. */
static void warn_no_address(struct cli *cli)
{
    char *how = NULL;
    bool any = true;

    if (address_instructions(cli_catalog(cli), &how, &any) == 0 && !any)
        cli_fail(cli, "warning: no SMB, WebDAV or SFTP address is set, so the invitation says "
                 "you will send the connection details; set them with 'albumctl notify "
                 "settings --smb ADDRESS --webdav URL --sftp HOST[:PORT]'");
    free(how);
}

/* Queue an invitation to each of users[0..n) and try to deliver them. */
static int invite_users(struct cli *cli, const struct cat_album *album,
                        const struct cat_user *users, size_t n)
{
    GArray *attempts;
    int st, err;

    warn_no_address(cli);
    for (size_t i = 0; i < n; i++) {
        char *rules = NULL;

        st = user_rules(cli, album, &users[i], &rules);
        if (st != CLI_OK)
            return st;
        err = notify_invite(cli_catalog(cli), users[i].email, album->name, rules);
        free(rules);
        if (err)
            return cli_fail_errno(cli, err, "the grant is saved, but the invitation to %s "
                                  "could not be queued", cli_printable(users[i].email));
    }
    if (!notify_has_delivery(cli_catalog(cli))) {
        cli_fail(cli, "warning: no way to deliver mail is set, so the invitation%s wait%s in "
                 "the outbox; " NO_DELIVERY_HINT, n == 1 ? "" : "s", n == 1 ? "s" : "");
        return CLI_OK;
    }
    attempts = g_array_new(FALSE, TRUE, sizeof(struct attempt));
    st = deliver(cli, attempts);
    /* The grant stands whatever became of the e-mail: warnings only. */
    for (size_t i = 0; st == CLI_OK && i < n; i++) {
        const struct attempt *last = NULL;

        for (guint j = 0; j < attempts->len; j++) {
            const struct attempt *a = &g_array_index(attempts, struct attempt, j);

            if (strcmp(a->kind, NOTIFY_KIND_INVITATION) == 0 &&
                g_ascii_strcasecmp(a->recipient, users[i].email) == 0)
                last = a; /* the newest: the one just queued */
        }
        if (!last)
            cli_fail(cli, "warning: the invitation to %s was not tried yet (a message before "
                     "it held up delivery); it waits in the outbox (see 'albumctl notify "
                     "outbox')", cli_printable(users[i].email));
        else if (!last->delivered)
            cli_fail(cli, "warning: could not deliver the invitation to %s: %s; it stays in "
                     "the outbox and is tried again (see 'albumctl notify outbox')",
                     cli_printable(last->recipient), cli_printable(last->error));
    }
    if (st != CLI_OK)
        cli_fail(cli, "warning: the invitation%s wait%s in the outbox", n == 1 ? "" : "s",
                 n == 1 ? "s" : "");
    g_array_free(attempts, TRUE);
    return CLI_OK;
}

int cli_invite(struct cli *cli, const struct cat_album *album, const struct cat_user *user,
               const struct cat_team *team)
{
    struct cat_user *members = NULL;
    size_t n = 0;
    int st, err;

    if (user)
        return invite_users(cli, album, user, 1);
    err = catalog_team_members(cli_catalog(cli), team->id, &members, &n);
    if (err)
        return cli_fail_errno(cli, err, "the grant is saved, but the members of team '%s' "
                              "could not be read to invite them", cli_printable(team->name));
    if (n == 0)
        cli_fail(cli, "warning: team '%s' has no members; nobody was invited",
                 cli_printable(team->name));
    st = n ? invite_users(cli, album, members, n) : CLI_OK;
    free(members);
    return st;
}

/* ---- notify settings ---- */

static int check_address_opt(struct cli *cli, const char *opt, const char *val)
{
    const char *why = "invalid";

    if (val[0] == '\0' || names_check_email(val, &why) == 0)
        return CLI_OK;
    return cli_usage(cli, "%s '%s' is not an e-mail address: %s", opt, cli_printable(val), why);
}

/* An address option into canon (its canonical form; '' unsets). */
static int check_place_opt(struct cli *cli, const char *opt, enum address_kind kind,
                           const char *val, char canon[ADDRESS_MAX + 1])
{
    const char *why = "invalid";

    canon[0] = '\0';
    if (val[0] == '\0' || address_check(kind, val, canon, ADDRESS_MAX + 1, &why) == 0)
        return CLI_OK;
    return cli_usage(cli, "%s '%s' %s", opt, cli_printable(val), why);
}

/* The signature from file `path` ('' unsets) into *out (g_free). */
static int read_signature(struct cli *cli, const char *path, char **out)
{
    const char *why;
    size_t n;
    FILE *f;

    *out = g_strdup("");
    if (!path[0])
        return CLI_OK;
    f = fopen(path, "rb");
    if (!f)
        return cli_fail_errno(cli, -errno, "--signature-file %s", cli_printable(path));
    g_free(*out);
    *out = g_malloc(NOTIFY_SIGNATURE_MAX + 2);
    n = fread(*out, 1, NOTIFY_SIGNATURE_MAX + 1, f);
    (*out)[n] = '\0';
    fclose(f);
    if (strlen(*out) != n)
        return cli_usage(cli, "--signature-file %s has NUL bytes: not text", cli_printable(path));
    if (notify_check_signature(*out, &why) < 0)
        return cli_usage(cli, "--signature-file %s %s", cli_printable(path), why);
    g_strchomp(*out);
    return CLI_OK;
}

/* A setting as JSON: its value or null when unset. */
static void setting_json(struct cli *cli, const char *key, const char *value)
{
    json_key(&cli->out, key);
    if (value[0])
        json_string(&cli->out, value);
    else
        json_null(&cli->out);
}

/* The SMTP server's settings as JSON: null, or an object whose port is a
 * number and whose password is only said to be set or not. */
static void smtp_json(struct cli *cli, const struct smtp_server *srv, bool has_password)
{
    json_key(&cli->out, "smtp");
    if (!srv) {
        json_null(&cli->out);
        return;
    }
    json_object_begin(&cli->out);
    json_kv_string(&cli->out, "host", srv->host);
    json_kv_int(&cli->out, "port", srv->port);
    json_kv_string(&cli->out, "security", smtp_security_name(srv->security));
    setting_json(cli, "user", srv->user);
    json_kv_bool(&cli->out, "password_set", has_password);
    setting_json(cli, "ca_file", srv->ca_file);
    json_object_end(&cli->out);
}

/* The SMTP lines of 'notify settings'. */
static void smtp_print(const struct smtp_server *srv, bool has_password, const char *why)
{
    if (why) {
        printf("smtp     (the notify.smtp settings are not usable: %s)\n", why);
        return;
    }
    if (!srv) {
        printf("smtp     (none)\n");
        return;
    }
    printf("smtp     %s%s%s port %u, %s\n", strchr(srv->host, ':') ? "[" : "", srv->host,
           strchr(srv->host, ':') ? "]" : "", srv->port,
           srv->security == SMTP_STARTTLS ? "STARTTLS"
           : srv->security == SMTP_TLS    ? "TLS"
                                          : "no encryption (this machine only)");
    printf("smtp user %s\n", srv->user[0] ? cli_printable(srv->user) : "(none: no login)");
    printf("smtp password %s\n", has_password ? "(set)" : "(none)");
    printf("smtp CA  %s\n", srv->ca_file[0] ? cli_printable(srv->ca_file)
                                            : "(the system's authorities)");
}

static int print_settings(struct cli *cli)
{
    char command[NOTIFY_COMMAND_MAX + 2], owner[AF_EMAIL_MAX + 1], from[AF_EMAIL_MAX + 1];
    char sender[AF_EMAIL_MAX + 1], places[ADDRESS_KINDS][ADDRESS_MAX + 2];
    char sig[NOTIFY_SIGNATURE_MAX + 2];
    static const char *const place_names[ADDRESS_KINDS] = {"smb", "webdav", "sftp"};
    int timeout = notify_timeout(cli_catalog(cli));
    int st = read_setting(cli, "notify.command", command, sizeof command), err;
    struct smtp_server srv;
    bool has_password = false;
    const char *smtp_why = NULL;

    if (st == CLI_OK)
        st = read_setting(cli, "notify.owner", owner, sizeof owner);
    if (st == CLI_OK)
        st = read_setting(cli, "notify.from", from, sizeof from);
    for (int k = 0; st == CLI_OK && k < ADDRESS_KINDS; k++)
        st = read_setting(cli, address_setting((enum address_kind)k), places[k],
                          sizeof places[k]);
    if (st == CLI_OK)
        st = read_setting(cli, "notify.signature", sig, sizeof sig);
    if (st != CLI_OK)
        return st;
    err = notify_smtp_server(cli_catalog(cli), &srv, &has_password, &smtp_why);
    if (err < 0 && err != -ENOENT && err != -EINVAL)
        return cli_fail_errno(cli, err, "reading the SMTP settings");
    if (err != -EINVAL)
        smtp_why = NULL;
    if (notify_sender(cli_catalog(cli), sender, sizeof sender) != 0)
        g_strlcpy(sender, "(not a valid address: set --from again)", sizeof sender);

    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "delivery", err == 0 || err == -EINVAL ? "smtp"
                                              : command[0]                ? "command"
                                                                          : "none");
        setting_json(cli, "command", command);
        smtp_json(cli, err == 0 ? &srv : NULL, has_password);
        setting_json(cli, "smtp_error", smtp_why ? smtp_why : "");
        setting_json(cli, "owner", owner);
        setting_json(cli, "from", from);
        json_kv_string(&cli->out, "sender", sender);
        json_kv_int(&cli->out, "timeout", timeout);
        for (int k = 0; k < ADDRESS_KINDS; k++)
            setting_json(cli, place_names[k], places[k]);
        setting_json(cli, "signature", sig);
        json_object_end(&cli->out);
        json_finish(&cli->out);
        return CLI_OK;
    }
    printf("command  %s\n", command[0]  ? cli_printable(command)
                            : err == 0 ? "(none: mail goes to the SMTP server)"
                                       : "(none: messages wait in the outbox)");
    smtp_print(err == 0 ? &srv : NULL, has_password, smtp_why);
    printf("owner    %s\n", owner[0] ? owner : "(none: no milestone messages)");
    printf("from     %s%s\n", cli_printable(sender), from[0] ? "" : " (default)");
    printf("timeout  %d s\n", timeout);
    for (int k = 0; k < ADDRESS_KINDS; k++)
        printf("%-8s %s\n", place_names[k],
               places[k][0] ? cli_printable(places[k]) : "(none)");
    printf("signature %s\n", sig[0] ? "" : "(none: invitations end with the owner's address)");
    if (sig[0])
        printf("%s\n", sig);
    return CLI_OK;
}

/* The SMTP password from file `path` ('' removes it), sealed under the
 * library key into *sealed (free; "" when removed). */
static int read_smtp_password(struct cli *cli, const char *path, char **sealed)
{
    char *password = NULL;
    int err;

    *sealed = NULL;
    if (!path[0]) {
        *sealed = strdup("");
        return *sealed ? CLI_OK : cli_fail_errno(cli, -ENOMEM, "--smtp-password-file");
    }
    err = links_read_password_file(path, &password);
    if (err == -E2BIG)
        return cli_usage(cli, "--smtp-password-file %s: the password is longer than %d bytes",
                         cli_printable(path), LINK_PASSWORD_MAX);
    if (err)
        return cli_fail_errno(cli, err, "--smtp-password-file %s", cli_printable(path));
    if (!password[0]) {
        links_password_free(password);
        return cli_usage(cli, "--smtp-password-file %s: the first line is empty",
                         cli_printable(path));
    }
    err = secret_seal(cli->lib->key, NOTIFY_SMTP_PASSWORD, password, sealed);
    links_password_free(password);
    return err ? cli_fail_errno(cli, err, "sealing the SMTP password") : CLI_OK;
}

/* Whether the SMTP and command settings, changed by the options given
 * (smtp[k] and command; NULL = unchanged, '' = unset), still make sense:
 * a usable server, and not both a server and a command. */
static int check_delivery(struct cli *cli, const char *const smtp[SMTP_KEYS],
                          const char *password, const char *command)
{
    char now[SMTP_KEYS][PATH_MAX + 2], cmd_now[NOTIFY_COMMAND_MAX + 2], pw_now[SECRET_SEALED_MAX + 2];
    const char *v[SMTP_KEYS], *why;
    struct smtp_server srv;
    bool has_password;
    int st = CLI_OK, err;

    for (int k = 0; k < SMTP_KEYS && st == CLI_OK; k++) {
        st = read_setting(cli, smtp_keys[k], now[k], sizeof now[k]);
        v[k] = smtp[k] ? smtp[k] : now[k];
    }
    if (st == CLI_OK)
        st = read_setting(cli, "notify.command", cmd_now, sizeof cmd_now);
    if (st == CLI_OK)
        st = read_setting(cli, NOTIFY_SMTP_PASSWORD, pw_now, sizeof pw_now);
    if (st != CLI_OK)
        return st;
    has_password = password ? password[0] != '\0' : pw_now[0] != '\0';
    err = smtp_server_parse(v[SMTP_HOST], v[SMTP_PORT], v[SMTP_SECURITY], v[SMTP_USER],
                            v[SMTP_CA_FILE], has_password, &srv, &why);
    if (err == -ENOENT) {
        for (int k = SMTP_PORT; k < SMTP_KEYS; k++)
            if (smtp[k] && smtp[k][0])
                return cli_usage(cli, "the SMTP settings need a host: add --smtp-host HOST");
        return CLI_OK;
    }
    if (err < 0)
        return cli_usage(cli, "SMTP server: %s", why);
    if ((command ? command : cmd_now)[0])
        return cli_usage(cli, "both an SMTP server and a delivery command would be set: "
                         "choose one (unset the command with --command '', or the server "
                         "with --smtp-host '')");
    return CLI_OK;
}

/* One --smtp-* option, checked on its own, into smtp[] or *password_file
 * ('' unsets). */
static int smtp_opt(struct cli *cli, int c, const char *val, const char *smtp[SMTP_KEYS],
                    const char **password_file)
{
    enum smtp_security sec;
    const char *why;
    uint32_t port;

    if (c == OPT_SMTP_PASSWORD_FILE) {
        *password_file = val;
        return CLI_OK;
    }
    smtp[c == OPT_SMTP_HOST       ? SMTP_HOST
         : c == OPT_SMTP_PORT     ? SMTP_PORT
         : c == OPT_SMTP_SECURITY ? SMTP_SECURITY
         : c == OPT_SMTP_USER     ? SMTP_USER
                                  : SMTP_CA_FILE] = val;
    if (!val[0])
        return CLI_OK;
    if (c == OPT_SMTP_HOST && smtp_check_host(val, &why) < 0)
        return cli_usage(cli, "--smtp-host '%s' %s", cli_printable(val), why);
    if (c == OPT_SMTP_PORT)
        return cli_parse_u32(cli, "--smtp-port", val, 1, 65535, &port);
    if (c == OPT_SMTP_SECURITY && smtp_security_parse(val, &sec) < 0)
        return cli_usage(cli, "--smtp-security '%s' is not starttls, tls or none",
                         cli_printable(val));
    if (c == OPT_SMTP_CA_FILE && val[0] != '/')
        return cli_usage(cli, "--smtp-ca-file '%s' is not an absolute path", cli_printable(val));
    if (c == OPT_SMTP_CA_FILE && access(val, R_OK) != 0)
        return cli_fail_errno(cli, -errno, "--smtp-ca-file %s", cli_printable(val));
    return CLI_OK;
}

static int run_settings(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"command", required_argument, NULL, OPT_COMMAND},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"from", required_argument, NULL, OPT_FROM},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"smb", required_argument, NULL, OPT_SMB},
        {"webdav", required_argument, NULL, OPT_WEBDAV},
        {"sftp", required_argument, NULL, OPT_SFTP},
        {"signature-file", required_argument, NULL, OPT_SIGNATURE_FILE},
        {"smtp-host", required_argument, NULL, OPT_SMTP_HOST},
        {"smtp-port", required_argument, NULL, OPT_SMTP_PORT},
        {"smtp-security", required_argument, NULL, OPT_SMTP_SECURITY},
        {"smtp-user", required_argument, NULL, OPT_SMTP_USER},
        {"smtp-password-file", required_argument, NULL, OPT_SMTP_PASSWORD_FILE},
        {"smtp-ca-file", required_argument, NULL, OPT_SMTP_CA_FILE},
        CLI_COMMON_OPTIONS,
    };
    const char *command = NULL, *owner = NULL, *from = NULL, *place[ADDRESS_KINDS] = {0};
    const char *smtp[SMTP_KEYS] = {0}, *password_file = NULL;
    char timeout[16] = "", canon[ADDRESS_KINDS][ADDRESS_MAX + 1];
    char *sig = NULL, *sealed = NULL;
    bool smtp_given = false;
    uint32_t seconds;
    int c, st = CLI_OK;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_COMMAND) {
            command = optarg;
            if (strlen(command) > NOTIFY_COMMAND_MAX)
                st = cli_usage(cli, "--command is longer than %d bytes", NOTIFY_COMMAND_MAX);
        } else if (c == OPT_OWNER) {
            owner = optarg;
            st = check_address_opt(cli, "--owner", owner);
        } else if (c == OPT_FROM) {
            from = optarg;
            st = check_address_opt(cli, "--from", from);
        } else if (c == OPT_SMB || c == OPT_WEBDAV || c == OPT_SFTP) {
            enum address_kind k = c == OPT_SMB ? ADDRESS_SMB
                                  : c == OPT_WEBDAV ? ADDRESS_WEBDAV : ADDRESS_SFTP;

            st = check_place_opt(cli, k == ADDRESS_SMB ? "--smb" : k == ADDRESS_WEBDAV
                                 ? "--webdav" : "--sftp", k, optarg, canon[k]);
            place[k] = canon[k];
        } else if (c == OPT_SIGNATURE_FILE) {
            g_free(sig);
            st = read_signature(cli, optarg, &sig);
        } else if (c >= OPT_SMTP_HOST && c <= OPT_SMTP_CA_FILE) {
            st = smtp_opt(cli, c, optarg, smtp, &password_file);
            smtp_given = true;
        } else {
            st = cli_parse_u32(cli, "timeout", optarg, 1, NOTIFY_TIMEOUT_MAX, &seconds);
            if (st == CLI_OK)
                snprintf(timeout, sizeof timeout, "%" PRIu32, seconds);
        }
        if (st != CLI_OK)
            goto out;
    }
    if (c < 0)
        st = CLI_USAGE;
    else if (optind != argc)
        st = cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK || (!command && !owner && !from && !timeout[0] && !place[ADDRESS_SMB] &&
                         !place[ADDRESS_WEBDAV] && !place[ADDRESS_SFTP] && !sig &&
                         !smtp_given)) {
        st = st == CLI_OK ? print_settings(cli) : st;
        goto out;
    }
    if (smtp[SMTP_HOST] && !smtp[SMTP_HOST][0]) {
        /* no server: none of its settings (its password above all) stays */
        for (int k = 0; k < SMTP_KEYS; k++)
            smtp[k] = "";
        password_file = "";
    }
    if (password_file)
        st = read_smtp_password(cli, password_file, &sealed);
    if (st == CLI_OK)
        st = check_delivery(cli, smtp, sealed, command);
    if (st != CLI_OK)
        goto out;
    {
        const struct cli_setting settings[] = {
            {"notify.command", command},
            {"notify.owner", owner},
            {"notify.from", from},
            {"notify.timeout", timeout[0] ? timeout : NULL},
            {address_setting(ADDRESS_SMB), place[ADDRESS_SMB]},
            {address_setting(ADDRESS_WEBDAV), place[ADDRESS_WEBDAV]},
            {address_setting(ADDRESS_SFTP), place[ADDRESS_SFTP]},
            {"notify.signature", sig},
            {NOTIFY_SMTP_HOST, smtp[SMTP_HOST]},
            {NOTIFY_SMTP_PORT, smtp[SMTP_PORT]},
            {NOTIFY_SMTP_SECURITY, smtp[SMTP_SECURITY]},
            {NOTIFY_SMTP_USER, smtp[SMTP_USER]},
            {NOTIFY_SMTP_PASSWORD, sealed},
            {NOTIFY_SMTP_CA_FILE, smtp[SMTP_CA_FILE]},
        };

        st = cli_save_settings(cli, settings, G_N_ELEMENTS(settings), "notify-settings",
                               "the settings");
    }
    if (st == CLI_OK)
        st = print_settings(cli);
out:
    free(sealed);
    g_free(sig);
    return st;
}

/* ---- notify outbox ---- */

static void message_json(struct cli *cli, const struct cat_message *m)
{
    char when[32];

    json_object_begin(&cli->out);
    json_kv_int(&cli->out, "id", m->id);
    timefmt_print(m->created, when, sizeof when);
    json_kv_string(&cli->out, "created", when);
    json_kv_string(&cli->out, "kind", m->kind);
    json_kv_string(&cli->out, "recipient", m->recipient);
    json_kv_string(&cli->out, "status", m->delivered ? "delivered" : "queued");
    json_kv_int(&cli->out, "attempts", m->attempts);
    json_key(&cli->out, "next_attempt");
    if (m->delivered) {
        json_null(&cli->out);
    } else {
        timefmt_print(m->next_attempt, when, sizeof when);
        json_string(&cli->out, when);
    }
    setting_json(cli, "last_error", m->last_error);
    json_object_end(&cli->out);
}

static int run_outbox(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"limit", required_argument, NULL, OPT_LIMIT},
        CLI_COMMON_OPTIONS,
    };
    struct cat_message *rows = NULL;
    int64_t limit = OUTBOX_LIMIT;
    size_t n = 0;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if ((st = cli_parse_i64(cli, "--limit", optarg, 1, &limit)) != CLI_OK)
            return st;
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_outbox_list(cli_catalog(cli), (size_t)limit, &rows, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the outbox");

    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "messages");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++)
            message_json(cli, &rows[i]);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table t;

        cli_table_init(&t, 8);
        cli_table_row(&t, "ID", "CREATED", "KIND", "TO", "STATUS", "ATTEMPTS", "NEXT TRY",
                      "LAST ERROR");
        for (size_t i = 0; i < n; i++) {
            const struct cat_message *m = &rows[i];
            char id[24], attempts[16], created[32], next[32];

            snprintf(id, sizeof id, "%" PRId64, m->id);
            snprintf(attempts, sizeof attempts, "%d", m->attempts);
            timefmt_print(m->created, created, sizeof created);
            if (m->delivered)
                g_strlcpy(next, "-", sizeof next);
            else
                timefmt_print(m->next_attempt, next, sizeof next);
            cli_table_row(&t, id, created, m->kind, m->recipient,
                          m->delivered ? "delivered" : "queued", attempts, next,
                          m->last_error[0] ? cli_printable(m->last_error) : "-");
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    catalog_messages_free(rows, n);
    return CLI_OK;
}

/* ---- notify send, notify test ---- */

/* Deliver what is due and say what happened: delivered messages on stdout,
 * failures on stderr. CLI_FAIL when any failed. */
static int send_and_report(struct cli *cli)
{
    GArray *attempts;
    size_t delivered = 0, failed = 0;
    int st;

    if (!notify_has_delivery(cli_catalog(cli)))
        return cli_fail(cli, "no way to deliver mail is set, so messages wait in the outbox; "
                        NO_DELIVERY_HINT);
    attempts = g_array_new(FALSE, TRUE, sizeof(struct attempt));
    st = deliver(cli, attempts);
    for (guint i = 0; i < attempts->len; i++) {
        const struct attempt *a = &g_array_index(attempts, struct attempt, i);
        char next[32];

        if (a->delivered) {
            delivered++;
            if (!cli->json)
                printf("delivered message %" PRId64 " (%s) to %s\n", a->id, a->kind,
                       a->recipient);
            continue;
        }
        failed++;
        timefmt_print(a->next_attempt, next, sizeof next);
        cli_fail(cli, "message %" PRId64 " (%s) to %s: %s; it stays queued, next try at %s",
                 a->id, a->kind, cli_printable(a->recipient), cli_printable(a->error), next);
    }
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "delivered", (int64_t)delivered);
        json_kv_int(&cli->out, "failed", (int64_t)failed);
        json_key(&cli->out, "messages");
        json_array_begin(&cli->out);
        for (guint i = 0; i < attempts->len; i++) {
            const struct attempt *a = &g_array_index(attempts, struct attempt, i);
            char next[32];

            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "id", a->id);
            json_kv_string(&cli->out, "kind", a->kind);
            json_kv_string(&cli->out, "recipient", a->recipient);
            json_kv_bool(&cli->out, "delivered", a->delivered);
            setting_json(cli, "error", a->error);
            json_key(&cli->out, "next_attempt");
            if (a->delivered) {
                json_null(&cli->out);
            } else {
                timefmt_print(a->next_attempt, next, sizeof next);
                json_string(&cli->out, next);
            }
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("delivered %zu, failed %zu\n", delivered, failed);
    }
    g_array_free(attempts, TRUE);
    return st != CLI_OK ? st : failed ? CLI_FAIL : CLI_OK;
}

static int run_send(struct cli *cli, int argc, char **argv)
{
    int st = cli_args(cli, argc, argv, 0, "no arguments");

    if (st == CLI_OK)
        st = cli_open_library(cli);
    return st == CLI_OK ? send_and_report(cli) : st;
}

static int run_test(struct cli *cli, int argc, char **argv)
{
    int st = cli_args(cli, argc, argv, 0, "no arguments"), err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    if (!notify_has_delivery(cli_catalog(cli)))
        return cli_fail(cli, "no way to deliver mail is set; " NO_DELIVERY_HINT
                        ", e.g. --command '/usr/sbin/sendmail -t'");
    err = notify_test(cli_catalog(cli));
    if (err == -ENOENT)
        return cli_fail(cli, "no owner address is set; set it with 'albumctl notify settings "
                        "--owner EMAIL'");
    if (err == -EINVAL)
        return cli_fail(cli, "cannot compose the message: the owner or sender address is not "
                        "a plain e-mail address; set them again with 'albumctl notify settings "
                        "--owner EMAIL --from EMAIL'");
    if (err)
        return cli_fail_errno(cli, err, "queuing the test message");
    return send_and_report(cli);
}

/* ---- notify preview ---- */

/* Print the invitation user u would get to album now; nothing is queued. */
static int print_invitation(struct cli *cli, const struct cat_album *album,
                            const struct cat_user *u, bool first)
{
    char *rules = NULL, *message = NULL;
    int st = user_rules(cli, album, u, &rules), err;

    if (st != CLI_OK)
        return st;
    err = notify_invite_message(cli_catalog(cli), u->email, album->name, rules, &message);
    free(rules);
    if (err == -EINVAL)
        return cli_fail(cli, "cannot compose the invitation to %s: an address, the album's "
                        "name or a setting may not go into a message",
                        cli_printable(u->email));
    if (err)
        return cli_fail_errno(cli, err, "composing the invitation to %s",
                              cli_printable(u->email));
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "recipient", u->email);
        json_kv_string(&cli->out, "message", message);
        json_object_end(&cli->out);
    } else {
        printf("%s%s", first ? "" : "\n", message);
    }
    free(message);
    return CLI_OK;
}

static int run_preview(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    struct cat_user *users = NULL, one;
    struct cat_album album;
    struct cat_grant g;
    int64_t id;
    size_t n = 0;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one GRANT_ID");
    st = cli_parse_i64(cli, "GRANT_ID", argv[optind], 1, &id);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_by_id(cli_catalog(cli), id, &g);
    if (err == -ENOENT)
        return cli_fail(cli, "no grant %" PRId64 " (see 'albumctl grant list')", id);
    if (err == 0)
        err = catalog_album_by_id(cli_catalog(cli), g.grant.album_id, &album);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64, id);
    if (g.principal == CAT_PRINCIPAL_LINK)
        return cli_fail(cli, "grant %" PRId64 " is a share link's: links are not invited by "
                        "e-mail (their guests find the rules in READ ME.txt)", id);
    if (g.principal == CAT_PRINCIPAL_USER) {
        st = cli_find_user(cli, g.principal_name, &one);
        users = st == CLI_OK ? g_memdup2(&one, sizeof one) : NULL;
        n = users ? 1 : 0;
    } else if ((err = catalog_team_members(cli_catalog(cli), g.principal_id, &users, &n)) != 0) {
        st = cli_fail_errno(cli, err, "reading the members of team '%s'",
                            cli_printable(g.principal_name));
    } else if (n == 0) {
        st = cli_fail(cli, "team '%s' has no members: nobody would be invited",
                      cli_printable(g.principal_name));
    }
    if (st == CLI_OK && cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "invitations");
        json_array_begin(&cli->out);
    }
    for (size_t i = 0; st == CLI_OK && i < n; i++)
        st = print_invitation(cli, &album, &users[i], i == 0);
    if (st == CLI_OK && cli->json) {
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    }
    if (g.principal == CAT_PRINCIPAL_USER)
        g_free(users);
    else
        free(users);
    return st;
}

static const struct cli_cmd notify_subs[] = {
    {
        .name = "settings",
        .summary = "Show or change where notifications go and how they are sent.",
        .usage = "[--command CMD] [--smtp-host HOST] [--smtp-port N] "
                 "[--smtp-security starttls|tls|none] [--smtp-user USER] "
                 "[--smtp-password-file F] [--smtp-ca-file F] [--owner EMAIL] [--from EMAIL] [--timeout SECONDS] "
                 "[--smb ADDRESS] [--webdav URL] [--sftp HOST[:PORT]] [--signature-file F]",
        .help =
            "Without options, shows the settings. An empty value ('') unsets one.\n"
            "\n"
            "options:\n"
            "  --command CMD      the delivery command, run as /bin/sh -c CMD with one\n"
            "                     message (RFC 5322, To: header included) on stdin;\n"
            "                     exit status 0 means delivered. E.g. '/usr/sbin/sendmail -t'.\n"
            "                     Unset (and no SMTP server): messages wait in the outbox.\n"
            "\n"
            "Or an SMTP submission server (not both; --smtp-host '' removes it all):\n"
            "  --smtp-host HOST   its name or IP address\n"
            "  --smtp-port N      default 587 (starttls), 465 (tls), 25 (none)\n"
            "  --smtp-security S  starttls (default: STARTTLS required), tls (implicit\n"
            "                     TLS) or none (no encryption: only to localhost,\n"
            "                     127.0.0.1 or ::1)\n"
            "  --smtp-user USER   the login name (with --smtp-password-file)\n"
            "  --smtp-password-file F  the password: the first line of F; stored sealed\n"
            "                     under the library key, never shown\n"
            "  --smtp-ca-file F   the CA certificates (PEM) the server's certificate must\n"
            "                     chain to; default: the system's\n"
            "\n"
            "  --owner EMAIL      the owner's address: milestone messages and tests go here\n"
            "  --from EMAIL       the sender address (From: and the SMTP envelope);\n"
            "                     default albumfs@HOSTNAME\n"
            "  --timeout SECONDS  how long one delivery may take before the command is\n"
            "                     killed or the server given up, 1 to 3600; default 30\n"
            "\n"
            "What invitations tell people (see 'albumctl notify preview'):\n"
            "  --smb ADDRESS      the studio's Samba share, \\\\HOST\\SHARE or smb://HOST/SHARE\n"
            "  --webdav URL       its WebDAV address, https://HOST[:PORT]/PATH\n"
            "  --sftp HOST[:PORT] its SFTP server (port 22 by default)\n"
            "  --signature-file F the lines that end every invitation (UTF-8, at most\n"
            "                     20 lines of 200 bytes; no CR or other control\n"
            "                     characters); default: the owner's address\n"
            "Invitations give per-OS steps for each address set; with none set they\n"
            "say the studio will send the details (and 'grant --invite' warns).\n",
        .run = run_settings,
    },
    {
        .name = "outbox",
        .summary = "List queued and delivered messages, newest first.",
        .usage = "[--limit N] [--json]",
        .help = "Shows each message's kind, recipient, status (queued or delivered),\n"
                "attempts, next try and the last error. --limit: at most N (default 100).\n",
        .run = run_outbox,
    },
    {
        .name = "send",
        .summary = "Deliver the messages that are due now.",
        .usage = "[--json]",
        .help = "Messages that failed before wait for their next try (after 1 min, 5 min,\n"
                "30 min, 2 h, then every 6 h). Status 1 if any message failed (the\n"
                "reason is printed; it stays queued) or no way to deliver is set.\n"
                "A mounted albumfs delivers by itself every few seconds.\n",
        .run = run_send,
    },
    {
        .name = "test",
        .summary = "Queue a test message to the owner and deliver it now.",
        .usage = "[--json]",
        .help = "Needs --owner and --command or --smtp-host set (see 'albumctl notify\n"
                "settings'). Also\n"
                "delivers whatever else is due. Status 1 if delivery failed.\n",
        .run = run_test,
    },
    {
        .name = "preview",
        .summary = "Print the invitation a grant's person would get, without sending it.",
        .usage = "GRANT_ID [--json]",
        .help = "Prints the exact e-mail 'albumctl grant ... --invite' queues for grant\n"
                "GRANT_ID (one per member for a team's grant), as things stand now: how to\n"
                "open the gallery from the studio's addresses, what the person may do\n"
                "there and until when. Nothing is queued, sent or changed. A share link's\n"
                "grant has no invitation (links are not invited by e-mail).\n",
        .run = run_preview,
    },
    {0},
};

const struct cli_cmd cmd_notify = {
    .name = "notify",
    .summary = "Notifications: milestone e-mails to the owner, invitations, the outbox.",
    .subs = notify_subs,
};
