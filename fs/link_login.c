/* link_login.c — albumfs-link-login: a WebDAV server's login check for
 * share links (rclone serve webdav --auth-proxy "albumfs-link-login SOCKET").
 *
 * rclone runs it once per new login with a JSON object on stdin:
 * {"user": TOKEN, "pass": PASSWORD}. It asks a link gateway's socket
 * (gateway_proto.h, gateway.c) and, when the daemon lets the link in,
 * prints the backend rclone serves to that login:
 * {"type":"local","_root":"MOUNTPOINT/SESSION"} and exits 0. Any other
 * outcome exits 1 with one line on stderr that names no secret (rclone
 * copies that line into its own log).
 *
 * It trusts the socket only when the file is a socket owned by the account
 * it runs as, with no permission for anyone else, and the daemon on the
 * other end runs as root. The token and password live in its memory only,
 * zeroed before it exits. Its input is read by login_input.c.
 * Single-threaded: no locks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs/gateway_proto.h"
#include "fs/login_input.h"

static int read_input(char *buf, size_t cap)
{
    size_t n = 0;

    while (n < cap - 1) {
        ssize_t r = read(STDIN_FILENO, buf + n, cap - 1 - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n == cap - 1) /* more than any login */
        return -1;
    buf[n] = '\0';
    return 0;
}

/* The daemon's socket, if it may be trusted (see the top): a connected fd. */
static int connect_daemon(const char *path)
{
    struct sockaddr_un a;
    struct ucred peer;
    socklen_t len = sizeof peer;
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof a.sun_path || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 077))
        return -1;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.uid != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Ask the daemon; the session folder's path into path[cap]. */
static int ask(const char *socket_path, const struct login_credentials *cr, char *path,
               size_t cap)
{
    char req[GATEWAY_REQUEST_MAX], reply[GATEWAY_REPLY_MAX + 1];
    size_t ul = strlen(cr->user), pl = strlen(cr->pass), n = 0;
    int fd = connect_daemon(socket_path), rc = -1;

    if (fd < 0)
        return -2;
    memcpy(req, cr->user, ul + 1);
    memcpy(req + ul + 1, cr->pass, pl + 1);
    if (send_all(fd, req, ul + pl + 2) == 0 && shutdown(fd, SHUT_WR) == 0) {
        for (;;) {
            ssize_t r = read(fd, reply + n, GATEWAY_REPLY_MAX - n);

            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || (n += (size_t)r) == GATEWAY_REPLY_MAX)
                break;
        }
        reply[n] = '\0';
        if (n > strlen(GATEWAY_OK) + 1 && memcmp(reply, GATEWAY_OK, strlen(GATEWAY_OK)) == 0 &&
            reply[n - 1] == '\n' && n - strlen(GATEWAY_OK) <= cap) {
            memcpy(path, reply + strlen(GATEWAY_OK), n - strlen(GATEWAY_OK) - 1);
            path[n - strlen(GATEWAY_OK) - 1] = '\0';
            rc = 0;
        }
    }
    explicit_bzero(req, sizeof req);
    close(fd);
    return rc;
}

/* The answer rclone reads: a local backend rooted at path. */
static void print_backend(const char *path)
{
    fputs("{\"type\":\"local\",\"_root\":\"", stdout);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    fputs("\"}\n", stdout);
}

int main(int argc, char *argv[])
{
    static char input[LOGIN_INPUT_MAX + 1], scratch[LOGIN_INPUT_MAX];
    static struct login_credentials cr;
    char path[PATH_MAX];
    int rc = -1;

    if (argc != 2 || argv[1][0] != '/') {
        fprintf(stderr, "usage: albumfs-link-login SOCKET (an absolute path; rclone's "
                        "--auth-proxy, docs/reexport.md)\n");
        return 2;
    }
    if (read_input(input, sizeof input) == 0 &&
        login_input_parse(input, &cr, scratch) == 0 && cr.has_user && cr.has_pass)
        rc = ask(argv[1], &cr, path, sizeof path);
    explicit_bzero(input, sizeof input);
    explicit_bzero(scratch, sizeof scratch);
    explicit_bzero(&cr, sizeof cr);
    if (rc == -2) {
        fprintf(stderr, "albumfs-link-login: the gateway socket is not answering or not to "
                        "be trusted\n");
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "albumfs-link-login: login refused\n");
        return 1;
    }
    print_backend(path);
    return fflush(stdout) == 0 ? 0 : 1;
}
