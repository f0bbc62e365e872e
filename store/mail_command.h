/* mail_command.h — delivering one message by running a command with the
 * message on its standard input (notify.command; store/notify.h decides
 * when). The caller blocks SIGPIPE in its thread while this runs.
 */
#ifndef ALBUMFS_MAIL_COMMAND_H
#define ALBUMFS_MAIL_COMMAND_H

#include <stddef.h>

/* Run `/bin/sh -c command` with `input` on its stdin, for at most
 * timeout_seconds. 0 when it exited 0; otherwise -EIO (it failed),
 * -ETIMEDOUT (killed after the timeout) or another negative errno (it
 * could not be started), with a one-line reason in why[len]. */
int mail_command_run(const char *command, const char *input, int timeout_seconds, char *why,
                     size_t len);

#endif
