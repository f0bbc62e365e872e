/* gateway.c — a link gateway's login socket (--link-gateway).
 *
 * A WebDAV server (rclone serve webdav, docs/reexport.md) runs as the
 * gateway's account and, for each new login, albumfs-link-login
 * (link_login.c), which hands the login name (a link's token, or the token
 * and "-client" for the link's client door) and password to this socket
 * (gateway_proto.h). The daemon checks them with the library's own rules
 * (links_resolve_door: Argon2id, the link's password turns, wrong
 * passwords in the activity; the user name picks the door, because rclone
 * caches a login by its user name: with one name for both doors, a guest's
 * cached login would turn the client away for minutes, and the other way
 * round), refuses links without a password, and
 * answers the path of the link's session folder (worlds_link_session),
 * recording the login in the activity.
 *
 * The socket is MODE 0600 and owned by the gateway's account, in a folder
 * other users may not change; a connection from any uid but that account's
 * (or root's) is closed unanswered. A socket file left by a daemon that
 * died is replaced at start; one that another daemon still answers on
 * stops this one. At stop the file is removed if it is still ours.
 *
 * Threads and locks: one thread accepts; each login is answered on a
 * detached thread of its own (a login may wait up to LINK_QUEUE_MAX_MS for
 * its link's password turn, which must not hold up other links' logins),
 * at most GATEWAY_LOGINS_MAX at once (beyond that: "NO" at once), with its
 * own catalog connection, closed before it ends. gateway->lock guards the
 * count of logins being answered; gateway_stop waits for it to reach zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "fs/daemon.h"
#include "fs/gateway_proto.h"
#include "store/links.h"

_Static_assert(GATEWAY_TOKEN_CHARS == LINK_TOKEN_CHARS, "gateway_proto.h: token length");
_Static_assert(GATEWAY_PASSWORD_MAX == LINK_PASSWORD_MAX, "gateway_proto.h: password length");

#define GATEWAY_LOGINS_MAX 32
#define GATEWAY_IO_TIMEOUT_S 10
#define KIND_LOGIN "link-login"
#define KIND_LOGIN_REFUSED "link-login-refused"

struct gateway {
    int fd;                 /* the listening socket */
    int wake[2];            /* a pipe: gateway_stop writes to end the accept loop */
    dev_t dev;              /* the socket file made, to remove only that one */
    ino_t ino;
    bool started;           /* the accept thread runs */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t idle;    /* active became 0 */
    unsigned active;        /* logins being answered (lock) */
};

struct login {
    struct afs *fs;
    int fd;
};

/* The folder holding the socket may not be changed by other users (they
 * could swap the socket for theirs). 0, or -EPERM. */
static int check_folder(const char *path)
{
    char *copy = strdup(path);
    struct stat st;
    int rc = -ENOMEM;

    if (copy) {
        rc = stat(dirname(copy), &st) < 0 ? -errno : 0;
        if (rc == 0 && (!S_ISDIR(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH))))
            rc = -EPERM;
    }
    free(copy);
    return rc;
}

static int fill_address(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return -ENAMETOOLONG;
    memcpy(a->sun_path, path, strlen(path));
    return 0;
}

/* A file at the socket's path: a socket nobody answers on is removed (a
 * daemon died); anything else stays and stops this daemon. */
static int clear_stale(const struct sockaddr_un *a, const char **why)
{
    struct stat st;
    int fd, rc;

    if (lstat(a->sun_path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode)) {
        *why = "the gateway socket's path holds something else than a socket";
        return -EEXIST;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    rc = connect(fd, (const struct sockaddr *)a, sizeof *a) == 0 ? 0 : -errno;
    close(fd);
    if (rc == 0) {
        *why = "another albumfs gateway answers on its socket";
        return -EADDRINUSE;
    }
    if (rc != -ECONNREFUSED)
        return rc;
    return unlink(a->sun_path) < 0 ? -errno : 0;
}

int gateway_open(struct afs *fs, const char **why)
{
    const struct afs_config *cfg = &fs->cfg;
    struct gateway *g;
    struct sockaddr_un a;
    struct stat st;
    mode_t old;
    int rc;

    if (!cfg->link_gateway)
        return 0;
    if ((rc = fill_address(cfg->gateway_socket, &a)) < 0) {
        *why = "the gateway socket's path is too long";
        return rc;
    }
    if ((rc = check_folder(cfg->gateway_socket)) < 0) {
        *why = rc == -EPERM ? "the gateway socket's folder may be changed by other users"
                            : "the gateway socket's folder cannot be used";
        return rc;
    }
    if ((rc = clear_stale(&a, why)) < 0) {
        if (!(*why)[0])
            *why = "cannot remove a stale gateway socket";
        return rc;
    }
    g = calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    g->wake[0] = g->wake[1] = -1;
    g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (g->fd < 0 || pipe2(g->wake, O_CLOEXEC) < 0) {
        rc = -errno;
        goto fail;
    }
    old = umask(077); /* no other thread runs yet */
    rc = bind(g->fd, (const struct sockaddr *)&a, sizeof a) == 0 ? 0 : -errno;
    umask(old);
    if (rc == 0 && (chown(a.sun_path, cfg->gateway_uid, cfg->gateway_gid) < 0 ||
                    chmod(a.sun_path, 0600) < 0 || lstat(a.sun_path, &st) < 0 ||
                    listen(g->fd, GATEWAY_LOGINS_MAX) < 0)) {
        rc = -errno;
        unlink(a.sun_path);
    }
    if (rc < 0)
        goto fail;
    g->dev = st.st_dev;
    g->ino = st.st_ino;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->idle, NULL);
    fs->gateway = g;
    return 0;
fail:
    *why = "cannot create the gateway socket";
    if (g->fd >= 0)
        close(g->fd);
    if (g->wake[0] >= 0) {
        close(g->wake[0]);
        close(g->wake[1]);
    }
    free(g);
    return rc;
}

/* Read the whole request (until the program shuts down its side) into
 * buf[GATEWAY_REQUEST_MAX]: its length, or -1 (too long, an error). */
static ssize_t read_request(int fd, char *buf)
{
    size_t n = 0;

    for (;;) {
        ssize_t r = read(fd, buf + n, GATEWAY_REQUEST_MAX - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return (ssize_t)n;
        n += (size_t)r;
        if (n == GATEWAY_REQUEST_MAX) { /* full: only the end may follow */
            char extra;

            return read(fd, &extra, 1) == 0 ? (ssize_t)n : -1;
        }
    }
}

/* Record the outcome a link's owner must see (a catalog failure is only
 * logged: the login's answer does not depend on it). */
static void record(struct af_catalog *c, const struct cat_link *link, bool ok)
{
    char actor[40];
    int rc;

    snprintf(actor, sizeof actor, "link:%lld", (long long)link->id);
    if (ok)
        rc = catalog_activity_add(c, KIND_LOGIN, actor, 0, link->album_id, 0, "WebDAV");
    else
        rc = catalog_activity_add_limited(c, KIND_LOGIN_REFUSED, actor, 0, link->album_id, 0,
                                          "WebDAV: the link has no password",
                                          (af_time)time(NULL) - AUDIT_REFUSAL_WINDOW,
                                          AUDIT_REFUSALS_RECORDED);
    if (rc < 0)
        afs_log(LOG_WARNING, "cannot record a link's login (%s)", catalog_errmsg(c));
}

/* The answer to one request: the session folder's path into reply (0), or
 * -1 for "NO". */
static int answer(struct afs *fs, char *req, size_t len, char *reply, size_t size)
{
    char dirname[WORLDS_SESSION_NAME_CHARS + 1];
    struct af_catalog *c = afs_catalog(fs);
    struct cat_link link;
    const char *token = req, *password;
    size_t tlen = strnlen(req, len), slen = strlen(GATEWAY_CLIENT_SUFFIX);
    enum links_door door = LINKS_DOOR_GUEST;

    /* user NUL password NUL, nothing after (the password may be empty) */
    if (!c || tlen + 1 >= len || req[len - 1] != '\0')
        return -1;
    password = req + tlen + 1;
    if (strlen(password) != len - tlen - 2 || strlen(password) > LINK_PASSWORD_MAX)
        return -1;
    /* TOKEN-client: the client door (the token ends where the suffix starts) */
    if (tlen > slen && strcmp(req + tlen - slen, GATEWAY_CLIENT_SUFFIX) == 0) {
        req[tlen - slen] = '\0';
        door = LINKS_DOOR_CLIENT;
    }
    if (links_resolve_door(fs->lib, c, token, password, door, &link, NULL) < 0)
        return -1;
    if (!link.has_password) {
        record(c, &link, false);
        return -1;
    }
    if (worlds_link_session(fs, &link, dirname) < 0)
        return -1;
    record(c, &link, true);
    snprintf(reply, size, GATEWAY_OK "%s/%s\n", fs->cfg.mount_path, dirname);
    return 0;
}

static void write_all(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void *login_thread(void *arg)
{
    struct login *l = arg;
    struct afs *fs = l->fs;
    struct gateway *g = fs->gateway;
    struct af_catalog *c;
    char reply[GATEWAY_REPLY_MAX];
    char *req = sodium_malloc(GATEWAY_REQUEST_MAX);
    ssize_t n = req ? read_request(l->fd, req) : -1;

    if (n < 0 || answer(fs, req, (size_t)n, reply, sizeof reply) < 0)
        snprintf(reply, sizeof reply, GATEWAY_NO);
    write_all(l->fd, reply);
    if (req)
        sodium_free(req); /* zeroes the token and password */
    close(l->fd);
    free(l);
    c = pthread_getspecific(fs->catalog_key);
    if (c) { /* closed now: nothing of this thread outlives gateway_stop */
        pthread_setspecific(fs->catalog_key, NULL);
        catalog_close(c);
    }
    pthread_mutex_lock(&g->lock);
    if (--g->active == 0)
        pthread_cond_broadcast(&g->idle);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Whether the peer of fd is the gateway's account (or root). */
static bool peer_allowed(struct afs *fs, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return false;
    if (cred.uid == fs->cfg.gateway_uid || cred.uid == 0)
        return true;
    afs_log(LOG_WARNING, "a login from uid %u was refused: only %s may use the gateway socket",
            (unsigned)cred.uid, fs->cfg.gateway_user);
    return false;
}

/* Answer one connection on a thread of its own (or "NO" when too many). */
static void take(struct afs *fs, int fd)
{
    struct gateway *g = fs->gateway;
    struct timeval tv = {.tv_sec = GATEWAY_IO_TIMEOUT_S};
    struct login *l;
    pthread_attr_t attr;
    pthread_t t;
    bool room;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    pthread_mutex_lock(&g->lock);
    room = g->active < GATEWAY_LOGINS_MAX;
    if (room)
        g->active++;
    pthread_mutex_unlock(&g->lock);
    if (room) {
        l = malloc(sizeof *l);
        if (l) {
            bool started;

            l->fs = fs;
            l->fd = fd;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            started = pthread_create(&t, &attr, login_thread, l) == 0;
            pthread_attr_destroy(&attr);
            if (started)
                return;
            free(l);
        }
        pthread_mutex_lock(&g->lock); /* counted, but no thread took it */
        g->active--;
        pthread_mutex_unlock(&g->lock);
    }
    write_all(fd, GATEWAY_NO);
    close(fd);
}

static void *accept_loop(void *arg)
{
    struct afs *fs = arg;
    struct gateway *g = fs->gateway;
    struct pollfd p[2] = {{.fd = g->fd, .events = POLLIN}, {.fd = g->wake[0], .events = POLLIN}};

    for (;;) {
        int fd;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            afs_log(LOG_ERR, "gateway socket: %s; logins stop", strerror(errno));
            return NULL;
        }
        if (p[1].revents)
            return NULL; /* gateway_stop */
        fd = accept4(g->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                poll(NULL, 0, 100); /* out of descriptors: let logins end */
            continue;
        }
        if (!peer_allowed(fs, fd)) {
            close(fd);
            continue;
        }
        take(fs, fd);
    }
}

int gateway_start(struct afs *fs)
{
    struct gateway *g = fs->gateway;

    if (!g)
        return 0;
    if (pthread_create(&g->thread, NULL, accept_loop, fs) != 0)
        return -EAGAIN;
    g->started = true;
    return 0;
}

void gateway_stop(struct afs *fs)
{
    struct gateway *g = fs->gateway;
    struct stat st;

    if (!g)
        return;
    if (g->started) {
        write_all(g->wake[1], "x");
        pthread_join(g->thread, NULL);
    }
    close(g->fd); /* new connections are refused from here on */
    pthread_mutex_lock(&g->lock);
    while (g->active > 0)
        pthread_cond_wait(&g->idle, &g->lock);
    pthread_mutex_unlock(&g->lock);
    if (lstat(fs->cfg.gateway_socket, &st) == 0 && st.st_dev == g->dev && st.st_ino == g->ino)
        unlink(fs->cfg.gateway_socket);
    close(g->wake[0]);
    close(g->wake[1]);
    pthread_cond_destroy(&g->idle);
    pthread_mutex_destroy(&g->lock);
    free(g);
    fs->gateway = NULL;
}
