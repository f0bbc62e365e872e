/* claims.c — confirming an address given with a share link (see claims.h
 * for the life of a code and its invariants). */
#include "store/claims.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "store/notify.h"

static const char code_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Room for "claim\n<link id>\n<address>\n<code>". */
#define HASH_INPUT_MAX (32 + AF_EMAIL_MAX + CLAIM_CODE_FILE_MAX)

/* The keyed hash of a code, bound to its link and (lower-cased) address so
 * that a code is worth nothing anywhere else. */
static void code_hash(const struct af_library *lib, int64_t link_id, const char *email,
                      const char *code, unsigned char out[CAT_TOKEN_HASH_BYTES])
{
    char input[HASH_INPUT_MAX + 1];
    char *lower = g_ascii_strdown(email, -1);

    snprintf(input, sizeof input, "claim\n%" PRId64 "\n%s\n%s", link_id, lower, code);
    library_token_hash(lib, input, out);
    sodium_memzero(input, sizeof input);
    g_free(lower);
}

bool claims_code_normalise(const char *typed, char out[CLAIM_CODE_CHARS + 1])
{
    size_t k = 0;

    for (const char *p = typed; *p; p++) {
        char ch = g_ascii_tolower(*p);

        if (ch == ' ' || ch == '\t' || ch == '-')
            continue;
        if (k == CLAIM_CODE_CHARS || !strchr(code_alphabet, ch)) {
            out[k] = '\0'; /* claims_confirm hashes it all the same */
            return false;
        }
        out[k++] = ch;
    }
    out[k] = '\0';
    return k == CLAIM_CODE_CHARS;
}

static void link_label(const struct cat_link *link, char *buf, size_t len)
{
    snprintf(buf, len, "link:%" PRId64, link->id);
}

/* ---- sending ---- */

/* Which rate limit, if any, forbids a new code now: 1 with *out set, 0 for
 * none, or a catalog errno. */
static int rate_limited(struct af_catalog *c, const struct cat_link *link, const char *email,
                        af_time now, enum claim_sent *out)
{
    int64_t n = 0;
    int rc = catalog_claim_codes_since(c, link->id, email, now - CLAIM_CODE_TTL_SECONDS, &n);

    if (rc == 0 && n >= CLAIM_CODES_PER_ADDRESS) {
        *out = CLAIM_NOT_SENT_ADDRESS;
        return 1;
    }
    if (rc == 0)
        rc = catalog_claim_codes_since(c, link->id, NULL, now - 3600, &n);
    if (rc == 0 && n >= CLAIM_CODES_PER_LINK) {
        *out = CLAIM_NOT_SENT_LINK;
        return 1;
    }
    return rc;
}

int claims_send_code(const struct af_library *lib, struct af_catalog *c,
                     const struct cat_link *link, const char *email, enum claim_sent *out)
{
    char code[CLAIM_CODE_CHARS + 1], shown[CLAIM_CODE_CHARS + 2], label[32];
    unsigned char hash[CAT_TOKEN_HASH_BYTES];
    af_time now = (af_time)time(NULL);
    struct cat_album album;
    const char *bad;
    int rc;

    *out = CLAIM_SENT;
    if (names_check_email(email, &bad) < 0)
        return -EINVAL;
    if ((rc = catalog_begin(c)) < 0)
        return rc;
    rc = rate_limited(c, link, email, now, out);
    if (rc != 0) {
        catalog_rollback(c);
        return rc < 0 ? rc : 0;
    }
    for (size_t i = 0; i < CLAIM_CODE_CHARS; i++)
        code[i] = code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
    code[CLAIM_CODE_CHARS] = '\0';
    /* Shown in two groups of five: "abcde-fghij". */
    snprintf(shown, sizeof shown, "%.5s-%s", code, code + 5);
    code_hash(lib, link->id, email, code, hash);
    link_label(link, label, sizeof label);
    rc = catalog_claim_code_add(c, link->id, email, hash, now + CLAIM_CODE_TTL_SECONDS, NULL);
    if (rc == 0)
        rc = catalog_album_by_id(c, link->album_id, &album);
    if (rc == 0)
        rc = notify_claim_code(c, email, album.name, shown, CLAIM_CODE_TTL_SECONDS / 60);
    if (rc == 0)
        rc = catalog_activity_add(c, "link-claim-code-sent", label, 0, link->album_id, 0, email);
    sodium_memzero(code, sizeof code);
    sodium_memzero(shown, sizeof shown);
    if (rc < 0) {
        catalog_rollback(c);
        return rc;
    }
    rc = catalog_commit(c);
    if (rc == 0 && !notify_has_delivery(c))
        *out = CLAIM_SENT_NO_COMMAND;
    return rc;
}

/* ---- the code file ---- */

int claims_read_code_file(const char *path, char code[CLAIM_CODE_FILE_MAX + 1])
{
    struct stat st;
    ssize_t n;
    int fd, rc = 0;

    code[0] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0)
        rc = -errno;
    else if (!S_ISREG(st.st_mode))
        rc = -EINVAL;
    else if (st.st_mode & (S_IRGRP | S_IROTH))
        rc = -EPERM;
    if (rc == 0) {
        do
            n = read(fd, code, CLAIM_CODE_FILE_MAX);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            rc = -errno;
        else
            code[n] = '\0';
    }
    close(fd);
    if (rc < 0) {
        sodium_memzero(code, CLAIM_CODE_FILE_MAX + 1);
        return rc;
    }
    code[strcspn(code, "\r\n")] = '\0';
    return code[strspn(code, " \t-")] ? 0 : -ENODATA;
}

/* ---- confirming ---- */

/* The person's first live grant on the album (0 if none). */
static int live_grant_on(struct af_catalog *c, int64_t user_id, int64_t album_id, af_time now,
                         int64_t *grant_id)
{
    struct af_grant *mine = NULL;
    size_t n = 0;
    int rc = catalog_grants_for_user(c, user_id, &mine, &n);

    *grant_id = 0;
    for (size_t i = 0; rc == 0 && i < n && !*grant_id; i++)
        if (mine[i].album_id == album_id && policy_grant_live(&mine[i], now))
            *grant_id = mine[i].id;
    free(mine);
    return rc;
}

/* The accepted claim: the user (made if new) and their grant (added unless
 * they hold a live one on the album), recorded. Inside the transaction. */
static int accept(struct af_catalog *c, const struct cat_link *link,
                  const struct af_grant *from, const char *email, af_time now,
                  struct cat_user *user)
{
    struct cat_grant g;
    char detail[64];
    int64_t had = 0;
    int rc = catalog_user_by_email(c, email, user);

    /* New, or removed by the owner: a claim (re)adds them. */
    if ((rc == -ENOENT || (rc == 0 && user->removed)) &&
        (rc = catalog_user_add(c, email, "", -1, NULL)) == 0)
        rc = catalog_user_by_email(c, email, user);
    if (rc == 0)
        rc = live_grant_on(c, user->id, from->album_id, now, &had);
    if (rc < 0)
        return rc;
    memset(&g, 0, sizeof g);
    if (had) {
        g.grant.id = had;
        snprintf(detail, sizeof detail, "link:%" PRId64 "; grant %" PRId64 " already held",
                 link->id, had);
    } else {
        g.grant = *from; /* the link's settings and its expiry: never longer */
        g.grant.role = AF_ROLE_INVITED;
        g.grant.settings.may_favourite = true;
        policy_settings_clamp(AF_ROLE_INVITED, &g.grant.settings);
        g.principal = CAT_PRINCIPAL_USER;
        g.principal_id = user->id;
        g.via_link_id = link->id;
        rc = catalog_grant_add(c, &g);
        snprintf(detail, sizeof detail, "link:%" PRId64, link->id);
    }
    if (rc == 0)
        rc = catalog_activity_add(c, "link-claimed", user->email, g.grant.id, from->album_id, 0,
                                  detail);
    return rc;
}

/* Record a refused code, unless CLAIM_REFUSALS_RECORDED identical ones were
 * recorded within CLAIM_CODE_TTL_SECONDS: wrong codes are bounded by the
 * tries and code limits, but refusals with no live code are not, and a loop
 * must not flood the log. */
static int record_refusal(struct af_catalog *c, const char *label, int64_t album_id,
                          const char *detail, af_time now)
{
    int rc = catalog_activity_add_limited(c, "link-claim-code-wrong", label, 0, album_id, 0, detail,
                                          now - CLAIM_CODE_TTL_SECONDS, CLAIM_REFUSALS_RECORDED);

    return rc < 0 ? rc : 0;
}

int claims_confirm(const struct af_library *lib, struct af_catalog *c,
                   const struct cat_link *link, const struct af_grant *link_grant,
                   const char *email, const char *code, struct cat_user *user, const char **why)
{
    unsigned char given[CAT_TOKEN_HASH_BYTES];
    char normal[CLAIM_CODE_CHARS + 1], label[32], detail[AF_EMAIL_MAX + 64];
    af_time now = (af_time)time(NULL);
    struct cat_claim_code k;
    const char *bad, *reason = "";
    bool well_formed;
    int rc;

    *why = "";
    if (names_check_email(email, &bad) < 0) {
        *why = "that is not an e-mail address";
        return -EINVAL;
    }
    well_formed = claims_code_normalise(code, normal);
    code_hash(lib, link->id, email, normal, given);
    sodium_memzero(normal, sizeof normal);
    if ((rc = catalog_begin(c)) < 0)
        return rc;
    rc = catalog_claim_code_newest(c, link->id, email, &k);
    if (rc == -ENOENT || (rc == 0 && k.used)) {
        reason = "no code waiting";
        *why = "no confirmation code is waiting for this address on this link; mount without "
               "--code-file to be sent one";
        rc = 0;
    } else if (rc == 0 && k.expires <= now) {
        reason = "code expired";
        *why = "the confirmation code has expired (codes last 30 minutes); mount without "
               "--code-file to be sent a new one";
    } else if (rc == 0 && k.tries >= CLAIM_CODE_TRIES) {
        reason = "code spent by wrong tries";
        *why = "too many wrong confirmation codes; mount without --code-file to be sent a new one";
    } else if (rc == 0 && (sodium_memcmp(given, k.code_hash, sizeof given) != 0 || !well_formed)) {
        rc = catalog_claim_code_wrong(c, k.id);
        reason = "wrong code";
        *why = k.tries + 1 >= CLAIM_CODE_TRIES
                   ? "wrong confirmation code, and that was the last try for it; mount without "
                     "--code-file to be sent a new one"
                   : "wrong confirmation code";
    } else if (rc == 0) {
        rc = catalog_claim_code_use(c, k.id, now);
        if (rc == 0)
            rc = accept(c, link, link_grant, email, now, user);
        if (rc < 0)
            goto fail;
        return catalog_commit(c);
    }
    if (rc < 0)
        goto fail;
    /* Refused: the attempt is counted and recorded before the verdict. */
    link_label(link, label, sizeof label);
    snprintf(detail, sizeof detail, "%s: %s", email, reason);
    rc = record_refusal(c, label, link->album_id, detail, now);
    if (rc < 0)
        goto fail;
    rc = catalog_commit(c);
    return rc < 0 ? rc : -EACCES;
fail:
    catalog_rollback(c);
    *why = "";
    return rc;
}

/* ---- revoking with the link ---- */

int claims_revoke_with_link(struct af_catalog *c, const struct cat_grant *link_grant,
                            af_time when, const char *actor, struct cat_grant **revoked,
                            size_t *n)
{
    char detail[AF_EMAIL_MAX + 96];
    int rc;

    *revoked = NULL;
    *n = 0;
    if (link_grant->principal != CAT_PRINCIPAL_LINK)
        return 0;
    rc = catalog_grants_claimed_through(c, link_grant->principal_id, link_grant->grant.album_id,
                                        revoked, n);
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        const struct cat_grant *g = &(*revoked)[i];

        rc = catalog_grant_revoke(c, g->grant.id, when);
        snprintf(detail, sizeof detail, "%s %s (claimed through link:%" PRId64 ")",
                 policy_role_name(g->grant.role), g->principal_name, g->via_link_id);
        if (rc == 0)
            rc = catalog_activity_add(c, "grant-revoked", actor, g->grant.id, g->grant.album_id, 0,
                                      detail);
    }
    if (rc < 0) {
        free(*revoked);
        *revoked = NULL;
        *n = 0;
    }
    return rc;
}
