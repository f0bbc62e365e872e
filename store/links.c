/* links.c — share-link tokens, passwords and password turns (see links.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "store/links.h"
#include "store/notify.h"

#define TOKEN_BYTES 32
#define FAILURE_WINDOW_SECONDS (15 * 60)
#define TURN_SPACING_MS 250
#define FAILURE_DELAY_CAP_MS 8000
#define KIND_WRONG_PASSWORD "link-password-wrong"
#define FAILURES_TO_NOTIFY 5 /* within the window: the owner hears of it, once */

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

void links_new_token(char *buf, size_t len)
{
    unsigned char raw[TOKEN_BYTES];
    unsigned bits = 0, acc = 0;
    size_t k = 0;

    if (len < LINK_TOKEN_CHARS + 1) {
        if (len)
            buf[0] = '\0';
        return;
    }
    randombytes_buf(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            buf[k++] = base32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        buf[k++] = base32[(acc << (5 - bits)) & 31];
    buf[k] = '\0';
    sodium_memzero(raw, sizeof raw);
}

bool links_token_well_formed(const char *token)
{
    size_t n = strlen(token);

    if (n != LINK_TOKEN_CHARS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(base32, token[i]))
            return false;
    return true;
}

int links_hash_password(const char *password, char out[CAT_PWHASH_MAX])
{
    size_t n = strlen(password);

    if (n < LINK_PASSWORD_MIN || n > LINK_PASSWORD_MAX)
        return -EINVAL;
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -ENOMEM;
    return 0;
}

int links_read_password_file(const char *path, char **out)
{
    FILE *f;
    char *buf;
    size_t n;
    int rc = 0;

    *out = NULL;
    if (sodium_init() < 0) /* sodium_malloc aborts in a process that has not */
        return -EIO;
    f = fopen(path, "re");
    if (!f)
        return -errno;
    buf = sodium_malloc(LINK_PASSWORD_MAX + 2);
    if (!buf) {
        fclose(f);
        return -ENOMEM;
    }
    n = fread(buf, 1, LINK_PASSWORD_MAX + 1, f);
    if (ferror(f))
        rc = -EIO;
    else if (n > LINK_PASSWORD_MAX)
        rc = -E2BIG;
    fclose(f);
    if (rc < 0) {
        sodium_free(buf);
        return rc;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    *out = buf;
    return 0;
}

#define TOKEN_LINE_MAX 256 /* room for a token and blanks around it */

int links_read_token_file(const char *path, char *token, size_t len)
{
    char line[TOKEN_LINE_MAX + 2];
    struct stat st;
    size_t n = 0, start, end;
    ssize_t got;
    int fd, rc = 0;

    if (len)
        token[0] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0)
        rc = -errno;
    else if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        rc = -EPERM;
    while (rc == 0 && n < sizeof line - 1 && (got = read(fd, line + n, sizeof line - 1 - n)) != 0) {
        if (got < 0 && errno != EINTR)
            rc = -errno;
        else if (got > 0)
            n += (size_t)got;
    }
    close(fd);
    line[n] = '\0';
    end = strcspn(line, "\n");
    if (rc == 0 && end > TOKEN_LINE_MAX)
        rc = -E2BIG;
    for (start = 0; start < end && (line[start] == ' ' || line[start] == '\t'); start++)
        ;
    while (end > start && strchr(" \t\r", line[end - 1]))
        end--;
    if (rc == 0 && end == start)
        rc = -EINVAL;
    else if (rc == 0 && end - start >= len)
        rc = -E2BIG;
    if (rc == 0) {
        memcpy(token, line + start, end - start);
        token[end - start] = '\0';
    }
    sodium_memzero(line, sizeof line);
    return rc;
}

void links_password_free(char *password)
{
    sodium_free(password); /* zeroes the memory */
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until `when` (ms since the epoch, the clock every process shares). */
static void sleep_until(int64_t when)
{
    struct timespec ts = {.tv_sec = when / 1000, .tv_nsec = (when % 1000) * 1000000L};

    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* The spacing after a turn: 0.25 s with no recent failure, doubling per
 * failure, capped. */
static int64_t turn_spacing(int64_t recent_failures)
{
    int64_t ms = TURN_SPACING_MS;

    for (int64_t i = 0; i < recent_failures && ms < FAILURE_DELAY_CAP_MS; i++)
        ms *= 2;
    return ms < FAILURE_DELAY_CAP_MS ? ms : FAILURE_DELAY_CAP_MS;
}

/* Take the link's next password turn (links.h) in one write transaction. */
static int take_turn(struct af_catalog *c, const struct cat_link *link, const char *person,
                     struct links_turn *turn)
{
    int64_t now = now_ms(), not_before = 0, recent = 0;
    int rc;

    if ((rc = catalog_begin(c)) < 0)
        return rc;
    rc = catalog_link_turn_get(c, link->id, &not_before);
    if (rc == 0)
        rc = catalog_activity_count(c, KIND_WRONG_PASSWORD, person,
                                    (af_time)(now / 1000) - FAILURE_WINDOW_SECONDS, &recent);
    if (rc < 0)
        goto fail;
    /* Further ahead than any turn could have been set: the clock went back. */
    if (not_before > now + LINK_QUEUE_MAX_MS + FAILURE_DELAY_CAP_MS)
        not_before = now;
    turn->slot_ms = not_before > now ? not_before : now;
    if (turn->slot_ms - now > LINK_QUEUE_MAX_MS) {
        rc = -EAGAIN;
        goto fail;
    }
    turn->spacing_ms = turn_spacing(recent);
    rc = catalog_link_turn_set(c, link->id, turn->slot_ms + turn->spacing_ms);
    if (rc < 0)
        goto fail;
    return catalog_commit(c);
fail:
    catalog_rollback(c);
    return rc;
}

/* A live grant names the link. 0, -EKEYEXPIRED, or a catalog error. */
static int link_live(struct af_catalog *c, const struct cat_link *link)
{
    struct af_grant *grants = NULL;
    af_time now = (af_time)time(NULL);
    size_t n = 0;
    int rc = catalog_grants_for_link(c, link->id, &grants, &n);

    if (rc < 0)
        return rc;
    rc = -EKEYEXPIRED;
    for (size_t i = 0; i < n && rc < 0; i++)
        if (policy_grant_live(&grants[i], now))
            rc = 0;
    free(grants);
    return rc;
}

/* Log a wrong password (with the door or doors it was tried on) and tell
 * the owner when they become many. */
static void wrong_password(struct af_catalog *c, const struct cat_link *link, const char *person,
                           const char *doors)
{
    int64_t recent = 0;
    char detail[96];

    if (catalog_activity_count(c, KIND_WRONG_PASSWORD, person,
                               (af_time)time(NULL) - FAILURE_WINDOW_SECONDS, &recent) < 0)
        recent = 0;
    snprintf(detail, sizeof detail, "%s, tried on the %s", person, doors);
    (void)catalog_activity_add(c, KIND_WRONG_PASSWORD, person, 0, link->album_id, 0, detail);
    if (recent + 1 >= FAILURES_TO_NOTIFY &&
        catalog_milestone(c, person, link->album_id, "wrong-passwords") == 1) {
        struct cat_album album;
        char line[96];

        snprintf(line, sizeof line, "%lld wrong passwords in %d minutes",
                 (long long)(recent + 1), FAILURE_WINDOW_SECONDS / 60);
        if (catalog_album_by_id(c, link->album_id, &album) == 0)
            (void)notify_milestone(c, NOTIFY_WRONG_PASSWORDS, album.name, person, line);
    }
}

/* Whether password matches the Argon2id string hash. */
static bool verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int links_resolve(struct af_library *lib, const char *token, const char *password,
                  struct cat_link *out, struct links_turn *turn)
{
    return links_resolve_in(lib, lib->catalog, token, password, out, turn);
}

int links_resolve_in(struct af_library *lib, struct af_catalog *c, const char *token,
                     const char *password, struct cat_link *out, struct links_turn *turn)
{
    return links_resolve_door(lib, c, token, password, LINKS_DOOR_EITHER, out, turn);
}

/* What a wrong password was tried on, for the activity. */
static const char *doors_tried(enum links_door want, bool has_door)
{
    if (want == LINKS_DOOR_GUEST || (want == LINKS_DOOR_EITHER && !has_door))
        return "guest door";
    return want == LINKS_DOOR_CLIENT ? "client door" : "guest and client doors";
}

int links_resolve_door(struct af_library *lib, struct af_catalog *c, const char *token,
                       const char *password, enum links_door want, struct cat_link *out,
                       struct links_turn *turn)
{
    unsigned char hash[CAT_TOKEN_HASH_BYTES];
    struct links_turn mine = {0, 0};
    struct cat_link door;
    bool has_door = false, guest_ok, client_ok;
    char person[40];
    int rc;

    if (turn)
        *turn = mine;
    if (!token || !links_token_well_formed(token))
        return -ENOENT;
    library_token_hash(lib, token, hash);
    rc = catalog_link_by_token_hash(c, hash, out);
    if (rc == 0)
        rc = link_live(c, out);
    if (rc < 0)
        return rc;
    if (!out->has_password) /* open to anyone with the token: no client door */
        return want == LINKS_DOOR_CLIENT ? -EACCES : 0;
    if (!password)
        return -EACCES; /* asked for, not guessed: nothing to slow down */
    if (out->client_door > 0) {
        rc = catalog_link_by_id(c, out->client_door, &door);
        if (rc < 0)
            return rc;
        has_door = door.has_password; /* a door without one is closed */
    }
    snprintf(person, sizeof person, "link:%lld", (long long)out->id);
    rc = take_turn(c, out, person, &mine);
    if (turn)
        *turn = mine;
    if (rc < 0)
        return rc;
    sleep_until(mine.slot_ms);
    /* Two Argon2id checks, always (the guest's twice when there is no
     * client door): how long an answer takes says neither which password
     * matched nor whether the link has a client door. */
    guest_ok = verify(out->password_hash, password);
    client_ok = verify(has_door ? door.password_hash : out->password_hash, password) && has_door;
    if (guest_ok && want != LINKS_DOOR_CLIENT)
        return 0;
    if (client_ok && want != LINKS_DOOR_GUEST) {
        rc = link_live(c, &door);
        if (rc == 0)
            *out = door;
        return rc;
    }
    /* The other door's password is as wrong as any other. */
    wrong_password(c, out, person, doors_tried(want, has_door));
    return -EACCES;
}
