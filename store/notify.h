/* notify.h — telling the owner (and inviting people) by e-mail.
 *
 * Messages are RFC 5322 texts queued in the catalog's outbox and delivered
 * to an SMTP submission server (settings notify.smtp.*, store/mail_smtp.h)
 * or, when none is set, by running the configured command (setting
 * notify.command, e.g. "/usr/sbin/sendmail -t") with the message on its
 * standard input. A delivery that fails or hangs (stopped after a timeout)
 * leaves the message queued with its error; it is retried later with
 * growing delays. Nothing
 * here ever blocks a filesystem request: the daemon queues, and a thread of
 * its own delivers.
 * Settings: notify.smtp.host, .port, .security (starttls, tls, none),
 * .user, .password (sealed under the library key: store/secret.h), .ca_file;
 * notify.command (used when no SMTP host is set; neither = messages wait
 * in the outbox),
 * notify.owner (the owner's address), notify.from (sender address),
 * notify.timeout (seconds one delivery may take; default 30),
 * notify.signature (ends invitations), and the studio's addresses
 * (store/gallery_address.h). An empty value counts as unset.
 * Several processes (albumctl, every mounted daemon) may deliver at once:
 * each message is claimed in the catalog before it is handed over, so it
 * is handed over once.
 */
#ifndef ALBUMFS_NOTIFY_H
#define ALBUMFS_NOTIFY_H

#include <stdbool.h>

#include "store/catalog.h"
#include "store/key.h"
#include "store/mail_smtp.h"

#define NOTIFY_TIMEOUT_DEFAULT 30 /* seconds */
#define NOTIFY_TIMEOUT_MAX 3600
#define NOTIFY_COMMAND_MAX 4000   /* bytes of notify.command (a longer one is never run) */
#define NOTIFY_KIND_INVITATION "invitation" /* cat_message.kind of invitations */

/* The SMTP server's settings (the password's value is sealed). */
#define NOTIFY_SMTP_HOST "notify.smtp.host"
#define NOTIFY_SMTP_PORT "notify.smtp.port"
#define NOTIFY_SMTP_SECURITY "notify.smtp.security"
#define NOTIFY_SMTP_USER "notify.smtp.user"
#define NOTIFY_SMTP_PASSWORD "notify.smtp.password"
#define NOTIFY_SMTP_CA_FILE "notify.smtp.ca_file"

/* Milestones the owner hears about (once per person and album). */
enum notify_milestone {
    NOTIFY_FIRST_VIEW = 0,       /* a person opened the album the first time */
    NOTIFY_FIRST_FAVOURITE,      /* their first favourite in the album */
    NOTIFY_DOWNLOAD,             /* a high-res download from a limited pool */
    NOTIFY_ALLOWANCE_USED_UP,    /* a pool reached its limit */
    NOTIFY_WRONG_PASSWORDS,      /* repeated wrong link passwords */
};

/* Queue a milestone message to the owner (notify.owner). The caller has
 * decided it is wanted (the grant's notify setting) and new (catalog
 * milestones). `person` is the e-mail or link label, `detail` a line of
 * context (photo name, pool use). 0, or negative errno (-ENOENT when no
 * notify.owner is set, -EINVAL when it or notify.from is not an address:
 * nothing queued). */
int notify_milestone(struct af_catalog *c, enum notify_milestone what, const char *album,
                     const char *person, const char *detail);

/* Queue an invitation to `email` for `album`: how to open the gallery from
 * their own machine (the studio's addresses, store/gallery_address.h),
 * then `rules` (what they may do and until when: policy/rules_text.h,
 * RULES_IN_INVITATION), then the signature (notify.signature, else the
 * owner's address). Never a path of the studio's machine. 0, or -EINVAL
 * for an address, album or text that may not go into a message. */
int notify_invite(struct af_catalog *c, const char *email, const char *album, const char *rules);

/* The exact message notify_invite would queue (its Date and Message-ID
 * aside), without queuing anything: *message malloc'd, caller frees. */
int notify_invite_message(struct af_catalog *c, const char *email, const char *album,
                          const char *rules, char **message);

/* Whether `text` may be the invitations' signature (notify.signature):
 * UTF-8, no control characters but LF (no CR), at most 20 lines of at
 * most 200 bytes, 2000 bytes in all. 0, or -EINVAL with *why. */
#define NOTIFY_SIGNATURE_MAX 2000
#define NOTIFY_SIGNATURE_LINE_MAX 200
#define NOTIFY_SIGNATURE_LINES 20
int notify_check_signature(const char *text, const char **why);

/* Queue a link claim's confirmation code (store/claims.h) to `email`: the
 * album, the code as shown, how many minutes it lasts, and how to open the
 * gallery from their own machine once confirmed (the studio's addresses,
 * store/gallery_address.h, as the invitation says it): never a command or
 * a path of the studio's machine. */
#define NOTIFY_KIND_CLAIM_CODE "claim-code" /* cat_message.kind of codes */
int notify_claim_code(struct af_catalog *c, const char *email, const char *album,
                      const char *code, int minutes);

/* Queue a message to the owner (notify.owner; -ENOENT when none is set)
 * that the library at `library` has had no successful backup since
 * `since` (a time as text) although they are scheduled `schedule`
 * ("daily"), with where the last attempt went and why it failed
 * (backup/schedule.c decides when). */
#define NOTIFY_KIND_BACKUP_OVERDUE "backup-overdue" /* cat_message.kind */
int notify_backup_overdue(struct af_catalog *c, const char *library, const char *since,
                          const char *schedule, const char *dest, const char *why);

/* Whether a way to deliver is set (an SMTP host or a command): without
 * one, queued messages wait in the outbox. */
bool notify_has_delivery(struct af_catalog *c);

/* The SMTP server of the notify.smtp.* settings (smtp_server_parse), with
 * out->helo this machine's name; *has_password says a password is stored.
 * 0; -ENOENT when no host is set; -EINVAL with *why when the settings do
 * not pass the checks; or a catalog error. */
int notify_smtp_server(struct af_catalog *c, struct smtp_server *out, bool *has_password,
                       const char **why);

/* Queue a short test message to the owner (notify.owner); -ENOENT when
 * none is set. */
int notify_test(struct af_catalog *c);

/* Deliver every due message to the SMTP server or with the command; each
 * attempt at most timeout_seconds. `key` opens the SMTP password (NULL:
 * a server with a password fails every attempt, saying so). Returns the
 * number delivered, or negative errno if the outbox could not be read or
 * updated. With neither set, nothing is tried and 0 is returned. A pass
 * ends early after an attempt that timed out (the rest wait for the next
 * pass), so one pass lasts at most about one timeout longer than the
 * deliveries that work. */
int notify_deliver_due(struct af_catalog *c, const struct af_key *key, int timeout_seconds);

/* What became of one attempt, for notify_deliver_report. */
struct notify_outcome {
    const struct cat_message *message; /* as read before the attempt */
    bool delivered;
    const char *error;                 /* why not; "" when delivered */
    af_time next_attempt;              /* when it is tried again (not delivered) */
};
typedef void (*notify_report_fn)(const struct notify_outcome *o, void *arg);

/* notify_deliver_due, calling report(outcome, arg) after every attempt
 * (report may be NULL). -E2BIG: notify.command is longer than
 * NOTIFY_COMMAND_MAX (nothing is run). */
int notify_deliver_report(struct af_catalog *c, const struct af_key *key, int timeout_seconds,
                          notify_report_fn report, void *arg);

/* The delivery timeout: notify.timeout, else NOTIFY_TIMEOUT_DEFAULT. */
int notify_timeout(struct af_catalog *c);

/* The sender address into buf: notify.from, else "albumfs@<hostname>".
 * 0, -EINVAL if notify.from is not a plain address, -ENAMETOOLONG, or a
 * catalog error. */
int notify_sender(struct af_catalog *c, char *buf, size_t len);

#endif
