/* mail_smtp.h — delivering one message to an SMTP submission server
 * (notify.smtp.*; store/notify.h decides when), and checking those
 * settings. Delivered with libcurl: smtp:// with STARTTLS required
 * (security "starttls", port 587 by default), smtps:// (security "tls",
 * implicit TLS, port 465) or plain smtp:// (security "none", port 25:
 * allowed only to this machine's loopback, where nothing crosses a
 * network). The server's certificate is always verified, against the
 * system's authorities or the CA file set.
 * Threading: no state but libcurl's global initialisation, done once
 * (pthread_once); calls may run in many threads at once. The caller blocks
 * SIGPIPE in its thread while this runs.
 */
#ifndef ALBUMFS_MAIL_SMTP_H
#define ALBUMFS_MAIL_SMTP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define SMTP_HOST_MAX 253 /* a DNS name's longest text form */
#define SMTP_USER_MAX 256
#define SMTP_HELO_MAX 255

enum smtp_security {
    SMTP_STARTTLS = 0, /* smtp://, STARTTLS required before anything else */
    SMTP_TLS,          /* smtps:// */
    SMTP_NONE,         /* smtp:// in the clear: loopback only */
};

struct smtp_server {
    char host[SMTP_HOST_MAX + 1]; /* a DNS name, IPv4 or IPv6 address */
    unsigned port;                /* 1..65535 */
    enum smtp_security security;
    char user[SMTP_USER_MAX + 1]; /* "" = no AUTH */
    char ca_file[PATH_MAX];       /* "" = the system's authorities */
    char helo[SMTP_HELO_MAX + 1]; /* this machine's name for EHLO (letters, digits, '-', '.') */
};

/* Whether `host` may be a server's name: a DNS name (letters, digits,
 * hyphens, dots; labels of 1..63), an IPv4 or an IPv6 address (without
 * brackets). 0, or -EINVAL with *why. */
int smtp_check_host(const char *host, const char **why);

/* Whether `host` is this machine's loopback: localhost, 127.0.0.0/8, ::1. */
bool smtp_host_is_loopback(const char *host);

/* "starttls", "tls", "none" and back; -EINVAL for anything else. */
int smtp_security_parse(const char *s, enum smtp_security *out);
const char *smtp_security_name(enum smtp_security s);

/* The usual port of each security: 587, 465, 25. */
unsigned smtp_default_port(enum smtp_security s);

/* The server described by setting values (NULL or "" = unset): host
 * (required), port (default smtp_default_port), security (default
 * starttls), user, ca_file; has_password says a password is set. Checked
 * whole: the host well formed, "none" only on loopback, a user only with a
 * password and a password only with a user, the CA file an absolute path.
 * 0; -ENOENT when no host is set; -EINVAL with *why. out->helo is "". */
int smtp_server_parse(const char *host, const char *port, const char *security,
                      const char *user, const char *ca_file, bool has_password,
                      struct smtp_server *out, const char **why);

/* Send `message` (RFC 5322 with LF line ends; sent with CRLF) from the
 * envelope sender `from` to `to`, logging in as s->user with `password`
 * when s->user is set. At most timeout_seconds in all. 0 when the server
 * accepted it; -ETIMEDOUT; -EACCES (login refused); -EIO or another
 * negative errno otherwise, with a one-line reason in why[len] that never
 * holds the password. */
int smtp_send(const struct smtp_server *s, const char *password, const char *from,
              const char *to, const char *message, int timeout_seconds, char *why, size_t len);

#endif
