/* notify.h — telling the owner (and inviting people) by e-mail.
 *
 * Messages are RFC 5322 texts queued in the catalog's outbox and delivered
 * by running the configured command (setting notify.command, e.g.
 * "/usr/sbin/sendmail -t") with the message on its standard input. A
 * command that fails or hangs (killed after a timeout) leaves the message
 * queued with its error; it is retried later with growing delays. Nothing
 * here ever blocks a filesystem request: the daemon queues, and a thread of
 * its own delivers.
 * Settings: notify.command (none = messages wait in the outbox),
 * notify.owner (the owner's address), notify.from (sender address),
 * notify.timeout (seconds one delivery may take; default 30). An empty
 * value counts as unset.
 * Several processes (albumctl, every mounted daemon) may deliver at once:
 * each message is claimed in the catalog before its command runs, so it is
 * handed over once.
 */
#ifndef ALBUMFS_NOTIFY_H
#define ALBUMFS_NOTIFY_H

#include <stdbool.h>

#include "store/catalog.h"

#define NOTIFY_TIMEOUT_DEFAULT 30 /* seconds */
#define NOTIFY_TIMEOUT_MAX 3600
#define NOTIFY_COMMAND_MAX 4000   /* bytes of notify.command (a longer one is never run) */
#define NOTIFY_KIND_INVITATION "invitation" /* cat_message.kind of invitations */

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
 * notify.owner is set: nothing queued). */
int notify_milestone(struct af_catalog *c, enum notify_milestone what, const char *album,
                     const char *person, const char *detail);

/* Queue an invitation to `email` for `album`, saying how to mount it
 * (`how`: the command lines to give, one per line). */
int notify_invite(struct af_catalog *c, const char *email, const char *album, const char *how);

/* Queue a link claim's confirmation code (store/claims.h) to `email`: the
 * album, the code as shown, how many minutes it lasts and how to use it. */
#define NOTIFY_KIND_CLAIM_CODE "claim-code" /* cat_message.kind of codes */
int notify_claim_code(struct af_catalog *c, const char *email, const char *album,
                      const char *code, int minutes);

/* Whether a delivery command (notify.command) is set: without one, queued
 * messages wait in the outbox. */
bool notify_has_command(struct af_catalog *c);

/* Queue a short test message to the owner (notify.owner); -ENOENT when
 * none is set. */
int notify_test(struct af_catalog *c);

/* Deliver every due message with the configured command; each attempt at
 * most timeout_seconds. Returns the number delivered, or negative errno if
 * the outbox could not be read or updated. With no notify.command, nothing
 * is tried and 0 is returned. A pass ends early after an attempt that timed
 * out (the rest wait for the next pass), so one pass lasts at most about
 * one timeout longer than the deliveries that work. */
int notify_deliver_due(struct af_catalog *c, int timeout_seconds);

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
int notify_deliver_report(struct af_catalog *c, int timeout_seconds, notify_report_fn report,
                          void *arg);

/* The delivery timeout: notify.timeout, else NOTIFY_TIMEOUT_DEFAULT. */
int notify_timeout(struct af_catalog *c);

/* The sender address into buf: notify.from, else "albumfs@<hostname>".
 * 0, -EINVAL if notify.from is not a plain address, -ENAMETOOLONG, or a
 * catalog error. */
int notify_sender(struct af_catalog *c, char *buf, size_t len);

#endif
