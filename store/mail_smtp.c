/* mail_smtp.c — one message to an SMTP submission server with libcurl
 * (mail_smtp.h), and the checks of a server's settings.
 *
 * Each call makes its own curl easy handle: the URL names the scheme
 * (smtp or smtps), the host and port, and the EHLO name; STARTTLS is
 * required for "starttls" (CURLUSESSL_ALL: a server that does not offer it
 * is a failure, never a fallback to clear text); certificates and host
 * names are verified; only the smtp and smtps protocols are allowed; no
 * signals (CURLOPT_NOSIGNAL, for threads). The message is sent with CRLF
 * line ends; libcurl escapes lines that start with a dot. The reason of a
 * failure comes from libcurl's error buffer and the server's last reply
 * code; neither ever holds the password (nothing is logged verbosely).
 * Threading: curl_global_init runs once (pthread_once) before the first
 * handle; handles are never shared. Owns: each call's handle and buffers.
 */
#include "store/mail_smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* ---- checks ---- */

static bool is_ipv4(const char *host)
{
    struct in_addr a;

    return inet_pton(AF_INET, host, &a) == 1;
}

static bool is_ipv6(const char *host)
{
    struct in6_addr a;

    return inet_pton(AF_INET6, host, &a) == 1;
}

int smtp_check_host(const char *host, const char **why)
{
    size_t label = 0;

    if (!host[0])
        return *why = "is empty", -EINVAL;
    if (strlen(host) > SMTP_HOST_MAX)
        return *why = "is longer than 253 characters", -EINVAL;
    if (is_ipv4(host) || is_ipv6(host))
        return 0;
    for (const char *p = host; *p; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9');

        if (*p == '.') {
            if (label == 0 || p[-1] == '-')
                return *why = "has an empty label or one that ends with '-'", -EINVAL;
            label = 0;
            continue;
        }
        if (!alnum && *p != '-')
            return *why = "is not a host name (letters, digits, '-' and '.') or an IP address",
                   -EINVAL;
        if (label == 0 && *p == '-')
            return *why = "has a label that starts with '-'", -EINVAL;
        if (++label > 63)
            return *why = "has a label longer than 63 characters", -EINVAL;
    }
    if (label == 0 || host[strlen(host) - 1] == '-')
        return *why = "ends with '.' or '-'", -EINVAL;
    return 0;
}

bool smtp_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static const char *const security_names[] = {
    [SMTP_STARTTLS] = "starttls",
    [SMTP_TLS] = "tls",
    [SMTP_NONE] = "none",
};

int smtp_security_parse(const char *s, enum smtp_security *out)
{
    for (size_t i = 0; i < sizeof security_names / sizeof security_names[0]; i++)
        if (strcmp(s, security_names[i]) == 0) {
            *out = (enum smtp_security)i;
            return 0;
        }
    return -EINVAL;
}

const char *smtp_security_name(enum smtp_security s)
{
    return (unsigned)s < sizeof security_names / sizeof security_names[0] ? security_names[s]
                                                                          : "?";
}

unsigned smtp_default_port(enum smtp_security s)
{
    return s == SMTP_TLS ? 465 : s == SMTP_NONE ? 25 : 587;
}

static bool set(const char *v)
{
    return v && v[0];
}

int smtp_server_parse(const char *host, const char *port, const char *security,
                      const char *user, const char *ca_file, bool has_password,
                      struct smtp_server *out, const char **why)
{
    const char *host_why;
    char *end;
    long p;

    memset(out, 0, sizeof *out);
    if (!set(host))
        return *why = "no host is set", -ENOENT;
    if (smtp_check_host(host, &host_why) < 0)
        return *why = "the host is not a host name or an IP address", -EINVAL;
    snprintf(out->host, sizeof out->host, "%s", host);
    if (set(security) && smtp_security_parse(security, &out->security) < 0)
        return *why = "the security is not starttls, tls or none", -EINVAL;
    out->port = smtp_default_port(out->security);
    if (set(port)) {
        errno = 0;
        p = strtol(port, &end, 10);
        if (*end || errno || p < 1 || p > 65535 || port[0] == '+' || port[0] == ' ')
            return *why = "the port is not a number from 1 to 65535", -EINVAL;
        out->port = (unsigned)p;
    }
    if (out->security == SMTP_NONE && !smtp_host_is_loopback(host))
        return *why = "security none (no encryption) is only allowed to this machine "
                      "(localhost, 127.0.0.1, ::1): use starttls or tls",
               -EINVAL;
    if (set(user) && strlen(user) > SMTP_USER_MAX)
        return *why = "the user is longer than 256 bytes", -EINVAL;
    for (const unsigned char *c = (const unsigned char *)(user ? user : ""); *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return *why = "the user has control characters", -EINVAL;
    if (set(user) && !has_password)
        return *why = "a user is set but no password", -EINVAL;
    if (!set(user) && has_password)
        return *why = "a password is set but no user", -EINVAL;
    snprintf(out->user, sizeof out->user, "%s", set(user) ? user : "");
    if (set(ca_file) && (ca_file[0] != '/' || strlen(ca_file) >= sizeof out->ca_file))
        return *why = "the CA file is not an absolute path", -EINVAL;
    snprintf(out->ca_file, sizeof out->ca_file, "%s", set(ca_file) ? ca_file : "");
    return 0;
}

/* ---- sending ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The message being uploaded: CRLF text and how much of it was read. */
struct upload {
    char *text;
    size_t len, off;
};

static size_t read_upload(char *buf, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nitems;

    if (n > u->len - u->off)
        n = u->len - u->off;
    memcpy(buf, u->text + u->off, n);
    u->off += n;
    return n;
}

/* `message` with every LF (that is not already after a CR) as CRLF:
 * malloc'd into u->text. 0 or -ENOMEM. */
static int to_crlf(const char *message, struct upload *u)
{
    size_t lf = 0, j = 0;

    for (const char *p = message; *p; p++)
        lf += *p == '\n';
    u->text = malloc(strlen(message) + lf + 1);
    if (!u->text)
        return -ENOMEM;
    for (const char *p = message; *p; p++) {
        if (*p == '\n' && (p == message || p[-1] != '\r'))
            u->text[j++] = '\r';
        u->text[j++] = *p;
    }
    u->text[j] = '\0';
    u->len = j;
    u->off = 0;
    return 0;
}

static int curl_errno(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_LOGIN_DENIED:
        return -EACCES;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    default:
        return -EIO;
    }
}

/* Set every option of one delivery; the first failure's code. */
static CURLcode set_options(CURL *h, const struct smtp_server *s, const char *password,
                            const char *url, char *mail_from, struct curl_slist *rcpt,
                            struct upload *u, int timeout_seconds, char *errbuf)
{
    CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                          \
    do {                                                                                       \
        if (rc == CURLE_OK)                                                                    \
            rc = curl_easy_setopt(h, opt, val);                                                \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USE_SSL, (long)(s->security == SMTP_NONE ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->ca_file[0])
        SET(CURLOPT_CAINFO, s->ca_file);
    if (s->user[0]) {
        SET(CURLOPT_USERNAME, s->user);
        SET(CURLOPT_PASSWORD, password ? password : "");
    }
    SET(CURLOPT_MAIL_FROM, mail_from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_upload);
    SET(CURLOPT_READDATA, u);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
    SET(CURLOPT_CONNECTTIMEOUT, (long)timeout_seconds);
    SET(CURLOPT_TIMEOUT, (long)timeout_seconds);
#undef SET
    return rc;
}

int smtp_send(const struct smtp_server *s, const char *password, const char *from,
              const char *to, const char *message, int timeout_seconds, char *why, size_t len)
{
    char errbuf[CURL_ERROR_SIZE] = "", url_host[SMTP_HOST_MAX + 16], url[SMTP_HOST_MAX + 16 + SMTP_HELO_MAX + 16];
    char mail_from[512];
    struct upload u = {0};
    struct curl_slist *rcpt = NULL;
    long code = 0;
    CURL *h = NULL;
    CURLcode crc;
    const char *v6 = is_ipv6(s->host) ? "[" : "";
    int rc;

    why[0] = '\0';
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) {
        snprintf(why, len, "cannot start libcurl: %s", curl_easy_strerror(curl_init_rc));
        return -EIO;
    }
    rc = to_crlf(message, &u);
    if (rc < 0) {
        snprintf(why, len, "out of memory");
        return rc;
    }
    snprintf(url_host, sizeof url_host, "%s%s%s:%u", v6, s->host, v6[0] ? "]" : "", s->port);
    snprintf(url, sizeof url, "%s://%s/%s", s->security == SMTP_TLS ? "smtps" : "smtp", url_host,
             s->helo[0] ? s->helo : "localhost");
    snprintf(mail_from, sizeof mail_from, "<%s>", from);
    h = curl_easy_init();
    rcpt = curl_slist_append(NULL, to);
    if (!h || !rcpt) {
        snprintf(why, len, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    crc = set_options(h, s, password, url, mail_from, rcpt, &u, timeout_seconds, errbuf);
    if (crc == CURLE_OK)
        crc = curl_easy_perform(h);
    rc = curl_errno(crc);
    if (rc == -ETIMEDOUT) {
        snprintf(why, len, "no answer from SMTP server %s within %d s", url_host, timeout_seconds);
    } else if (rc < 0) {
        size_t used;

        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        snprintf(why, len, "SMTP server %s: %s", url_host,
                 errbuf[0] ? errbuf : curl_easy_strerror(crc));
        used = strlen(why);
        if (code >= 400 && used < len)
            snprintf(why + used, len - used, " (the server answered %ld)", code);
    }
out:
    curl_slist_free_all(rcpt);
    if (h)
        curl_easy_cleanup(h);
    free(u.text);
    return rc;
}
