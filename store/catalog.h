/* catalog.h — the library's catalog: SQLite, one connection per thread.
 *
 * Holds people (users, teams, links), albums, sets, photos and their
 * versions, grants with every setting of SPEC §3, allowance pools and their
 * charges, favourites, and the activity log. The schema (catalog_schema.c)
 * is versioned with PRAGMA user_version and migrated on open; docs/storage.md
 * describes it.
 *
 * Every query is a prepared statement with bound parameters, cached on the
 * connection. Connections use WAL, foreign keys and a busy timeout; writers
 * take short BEGIN IMMEDIATE transactions so concurrent albumctl processes
 * and the daemon never lose each other's work.
 *
 * Threading: a struct af_catalog is used by one thread at a time.
 * Errors: 0 or a negative errno (-ENOENT missing, -EEXIST duplicate,
 * -EBUSY locked past the timeout, -EIO anything else; the SQLite message is
 * kept in catalog_errmsg()).
 * Memory: list functions return malloc'd arrays of flat rows; the caller
 * frees them with free().
 */
#ifndef ALBUMFS_CATALOG_H
#define ALBUMFS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/probe.h"
#include "policy/names.h"
#include "policy/policy.h"
#include "store/vault.h"

#define CAT_TOKEN_HASH_BYTES 32
#define CAT_PWHASH_MAX 128 /* crypto_pwhash_STRBYTES */

struct af_catalog;

enum cat_open_flags {
    CAT_OPEN_EXISTING = 0,
    CAT_OPEN_CREATE = 1, /* create and initialise a new catalog (init) */
};

struct cat_user {
    int64_t id;
    char email[AF_EMAIL_MAX + 1];
    char name[AF_NAME_MAX + 1];
    int64_t uid; /* Unix uid on multi-user mounts; -1 = none */
    af_time created;
};

struct cat_team {
    int64_t id;
    char name[AF_NAME_MAX + 1];
    af_time created;
};

struct cat_album {
    int64_t id;
    char name[AF_NAME_MAX + 1];
    bool clients_may_mark_private;
    af_time created;
    af_time mtime;
};

struct cat_set {
    int64_t id;
    int64_t album_id;
    char name[AF_NAME_MAX + 1];
    enum af_visibility visibility;
    af_time created;
    af_time mtime;
};

/* A photo or document with its current version. */
struct cat_photo {
    int64_t id;
    int64_t album_id;
    int64_t set_id;
    char name[AF_NAME_MAX + 1];   /* its own name: the original's file name */
    char view_name[AF_NAME_MAX + 1]; /* the name of its rendered views, unique in
                                   * its set (store/catalog_view_names.c) */
    enum media_kind kind;
    bool is_private;
    char private_by[32];          /* who marked it: "owner" (the studio) or a client's
                                   * "user:<id>"/"link:<id>"; "" when not marked */
    af_time trashed; /* 0 = not in the trash */
    af_time created;
    int64_t version_id;           /* current version */
    char blob[VAULT_ID_HEX];      /* vault address of the current version */
    uint64_t size;
    uint32_t width, height, orientation;
    char mime[32];
    af_time mtime;                /* when the current version was made */
};

enum cat_principal_kind {
    CAT_PRINCIPAL_USER = 1,
    CAT_PRINCIPAL_TEAM = 2,
    CAT_PRINCIPAL_LINK = 3,
};

/* A grant as stored, with names resolved for display. */
struct cat_grant {
    struct af_grant grant; /* id, album, role, expiry, revocation, settings */
    enum cat_principal_kind principal;
    int64_t principal_id;  /* users.id, teams.id or links.id */
    char principal_name[AF_EMAIL_MAX + 1]; /* e-mail, team name, or "link:<id>" */
    char album_name[AF_NAME_MAX + 1];
    af_time created;
    int64_t via_link_id;   /* a user's grant claimed through this link (0: none) */
};

struct cat_link {
    int64_t id;
    int64_t album_id;
    bool has_password;
    char password_hash[CAT_PWHASH_MAX]; /* Argon2id string, "" if none */
    af_time created;
};

struct cat_pool {
    int64_t id;
    int64_t album_id;
    char name[AF_NAME_MAX + 1];
    int64_t limit; /* -1 = unlimited */
    int64_t used;  /* photos charged */
};

struct cat_activity {
    int64_t id;
    af_time at;
    char kind[32];
    char actor[AF_EMAIL_MAX + 1];
    int64_t grant_id;
    int64_t album_id;
    int64_t photo_id;
    char detail[512];
};

/* ---- connection ---- */

/* Open (or with CAT_OPEN_CREATE create) the catalog at path; the file and
 * its -wal/-shm are made private to their owner (0600). */
int catalog_open(const char *path, enum cat_open_flags flags, struct af_catalog **out)
    __attribute__((warn_unused_result));
void catalog_close(struct af_catalog *c);
const char *catalog_errmsg(const struct af_catalog *c);

/* Key for the activity chain (AF_SUBKEY_AUDIT); copied. */
void catalog_set_audit_key(struct af_catalog *c, const unsigned char key[32]);

/* Write transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK). */
int catalog_begin(struct af_catalog *c);
int catalog_commit(struct af_catalog *c);
void catalog_rollback(struct af_catalog *c);

/* Library-wide settings (watermark text, cache bound, ...). */
int catalog_setting_get(struct af_catalog *c, const char *key, char *buf, size_t len);
int catalog_setting_set(struct af_catalog *c, const char *key, const char *value);

/* A number that grows on every change of anything a mount shows; a daemon
 * polls it to notice albumctl's changes. */
int catalog_generation(struct af_catalog *c, int64_t *out);

/* ---- people ---- */

int catalog_user_add(struct af_catalog *c, const char *email, const char *name,
                     int64_t uid, int64_t *id);
int catalog_user_by_email(struct af_catalog *c, const char *email, struct cat_user *out);
int catalog_user_by_uid(struct af_catalog *c, int64_t uid, struct cat_user *out);
int catalog_users(struct af_catalog *c, struct cat_user **rows, size_t *n);

int catalog_team_add(struct af_catalog *c, const char *name, int64_t *id);
int catalog_team_by_name(struct af_catalog *c, const char *name, struct cat_team *out);
int catalog_team_add_member(struct af_catalog *c, int64_t team_id, int64_t user_id);
int catalog_teams(struct af_catalog *c, struct cat_team **rows, size_t *n);
/* Members of a team as users. */
int catalog_team_members(struct af_catalog *c, int64_t team_id, struct cat_user **rows, size_t *n);

/* ---- albums, sets, photos ---- */

/* Creates the album with one public set named "Photos" (an album always
 * keeps a public set). */
int catalog_album_create(struct af_catalog *c, const char *name, int64_t *id);
int catalog_album_by_name(struct af_catalog *c, const char *name, struct cat_album *out);
int catalog_album_by_id(struct af_catalog *c, int64_t id, struct cat_album *out);
int catalog_albums(struct af_catalog *c, struct cat_album **rows, size_t *n);
int catalog_album_set_private_marks(struct af_catalog *c, int64_t album_id, bool allowed);

int catalog_set_create(struct af_catalog *c, int64_t album_id, const char *name,
                       enum af_visibility vis, int64_t *id);
int catalog_set_by_name(struct af_catalog *c, int64_t album_id, const char *name,
                        struct cat_set *out);
int catalog_set_by_id(struct af_catalog *c, int64_t id, struct cat_set *out);
int catalog_sets(struct af_catalog *c, int64_t album_id, struct cat_set **rows, size_t *n);
/* -EPERM if it would leave the album without a public set. */
int catalog_set_visibility(struct af_catalog *c, int64_t set_id, enum af_visibility vis);

/* Add a photo (or a new version of the photo of that name in that set).
 * `media` describes the bytes stored at `blob`. A new photo gets its view
 * name here, for good. -EEXIST, with *photo_id and *version_id set, when
 * the photo's current version is those very bytes (an import retried: no
 * new version). *photo_id, *version_id may be NULL. */
int catalog_photo_add_version(struct af_catalog *c, int64_t set_id, const char *name,
                              const char *blob, uint64_t size, const struct media_info *media,
                              int64_t *photo_id, int64_t *version_id);
/* Which of a photo's names a file name is looked up by. */
enum cat_name_kind {
    CAT_NAME_OWN,  /* its own name (originals: owner, editors; albumctl) */
    CAT_NAME_VIEW, /* its view name (everyone's rendered views, and every
                    * file of people who browse proofs) */
};
/* The live photo of set set_id whose name of that kind is `name`: 0, or
 * -ENOENT with *out all zero. Found or not, it is one query that seeks the
 * name and reads one photo row and its version (a stand-in's when there is
 * no such photo), so a miss costs what a hit does (a mount's lookups of a
 * hidden and of a never-used name must not differ). */
int catalog_photo_by_file_name(struct af_catalog *c, int64_t set_id, const char *name,
                               enum cat_name_kind kind, struct cat_photo *out);
int catalog_photo_by_id(struct af_catalog *c, int64_t id, struct cat_photo *out);
/* Photos of a set not in the trash, by name. */
int catalog_photos(struct af_catalog *c, int64_t set_id, struct cat_photo **rows, size_t *n);
/* Mark (by: who, as in cat_photo.private_by) or unmark (by ignored) a
 * photo private. Checks nothing: store/marks.c decides who may. */
int catalog_photo_set_private(struct af_catalog *c, int64_t photo_id, bool is_private,
                              const char *by);
int catalog_photo_count(struct af_catalog *c, int64_t *n);

/* A vault blob that photo versions use. */
struct cat_blob {
    char id[VAULT_ID_HEX];
    int64_t version_id; /* the first version that uses it */
    int64_t photo_id;   /* that version's photo (in the trash or not) */
    int64_t versions;   /* how many versions use it */
};
/* 1 when some version (of any photo, the trash included) is stored at
 * blob, 0 when none is, or negative errno. */
int catalog_blob_in_versions(struct af_catalog *c, const char *blob);

/* Every distinct blob of every version of every photo and document, the
 * trash included, ordered by id. */
int catalog_version_blobs(struct af_catalog *c, struct cat_blob **rows, size_t *n);

/* ---- links, grants, pools ---- */

/* token_hash: keyed hash of the token (the token itself is never stored).
 * password_hash: Argon2id string or NULL. */
int catalog_link_add(struct af_catalog *c, int64_t album_id,
                     const unsigned char token_hash[CAT_TOKEN_HASH_BYTES],
                     const char *password_hash, int64_t *id);
int catalog_link_by_token_hash(struct af_catalog *c,
                               const unsigned char token_hash[CAT_TOKEN_HASH_BYTES],
                               struct cat_link *out);
int catalog_link_by_id(struct af_catalog *c, int64_t id, struct cat_link *out);

/* A link's password turns (store/links.c takes them): the time, in
 * milliseconds since the epoch, before which no attempt on the link may
 * check a password; 0 when no turn was ever taken. store/links.c reads and
 * sets it inside one write transaction (catalog_begin). */
int catalog_link_turn_get(struct af_catalog *c, int64_t link_id, int64_t *not_before_ms);
int catalog_link_turn_set(struct af_catalog *c, int64_t link_id, int64_t not_before_ms);

int catalog_pool_add(struct af_catalog *c, int64_t album_id, const char *name,
                     int64_t limit, int64_t *id);
int catalog_pool_by_id(struct af_catalog *c, int64_t id, struct cat_pool *out);
int catalog_pool_by_name(struct af_catalog *c, int64_t album_id, const char *name,
                         struct cat_pool *out);
int catalog_pools(struct af_catalog *c, int64_t album_id, struct cat_pool **rows, size_t *n);

/* Insert a grant; g->grant.id is set. Settings must already be clamped. */
int catalog_grant_add(struct af_catalog *c, struct cat_grant *g);
int catalog_grant_by_id(struct af_catalog *c, int64_t id, struct cat_grant *out);
/* Grants of one album (album_id > 0) or all (album_id == 0), live or not. */
int catalog_grants(struct af_catalog *c, int64_t album_id, struct cat_grant **rows, size_t *n);
/* -ENOENT unknown, -EALREADY already revoked. */
int catalog_grant_revoke(struct af_catalog *c, int64_t id, af_time when);

/* Record "grant-expired" (actor "albumfs") once for every grant that
 * reached its expiry at or before `now` while live. 0 with *recorded (may
 * be NULL) the number recorded now, or negative errno. */
int catalog_grants_record_expired(struct af_catalog *c, af_time now, size_t *recorded);

/* The grants of album_id claimed through link_id that are not revoked
 * (expired ones included), by id. */
int catalog_grants_claimed_through(struct af_catalog *c, int64_t link_id, int64_t album_id,
                                   struct cat_grant **rows, size_t *n);

/* Every grant that names a user (directly or through a team) or a link,
 * as af_grant rows ready for a struct af_subject. */
int catalog_grants_for_user(struct af_catalog *c, int64_t user_id, struct af_grant **rows,
                            size_t *n);
int catalog_grants_for_link(struct af_catalog *c, int64_t link_id, struct af_grant **rows,
                            size_t *n);

/* ---- confirmation codes of link claims (store/claims.c uses them) ---- */

struct cat_claim_code {
    int64_t id;
    int64_t link_id;
    char email[AF_EMAIL_MAX + 1];
    unsigned char code_hash[CAT_TOKEN_HASH_BYTES];
    af_time created;
    af_time expires;
    int tries;    /* wrong attempts so far */
    af_time used; /* when it was accepted; 0 = not yet */
};
int catalog_claim_code_add(struct af_catalog *c, int64_t link_id, const char *email,
                           const unsigned char code_hash[CAT_TOKEN_HASH_BYTES], af_time expires,
                           int64_t *id);
/* The newest code of a link and address (any letter case): -ENOENT if none. */
int catalog_claim_code_newest(struct af_catalog *c, int64_t link_id, const char *email,
                              struct cat_claim_code *out);
/* How many codes of link_id (and of `email`, NULL = any address) were made
 * at or after `since`. */
int catalog_claim_codes_since(struct af_catalog *c, int64_t link_id, const char *email,
                              af_time since, int64_t *n);
/* One more wrong attempt at code id. */
int catalog_claim_code_wrong(struct af_catalog *c, int64_t id);
/* Code id was accepted at `when`: it never works again. -EALREADY if it
 * already was. */
int catalog_claim_code_use(struct af_catalog *c, int64_t id, af_time when);

/* ---- what clients do: favourites, allowances, milestones ---- */

/* A person as favourites and milestones know them: a user or a link. */
struct cat_person {
    int64_t user_id; /* > 0 for a user */
    int64_t link_id; /* > 0 for a link */
};

/* "user:<id>" or "link:<id>". */
void catalog_person_key(const struct cat_person *p, char *buf, size_t len);

/* Add (on) or remove a favourite. 1 if that changed something, 0 if it was
 * already so, negative errno. */
int catalog_favourite_set(struct af_catalog *c, const struct cat_person *who, int64_t photo_id,
                          bool on);
int catalog_is_favourite(struct af_catalog *c, const struct cat_person *who, int64_t photo_id);

struct cat_favourite {
    int64_t photo_id;
    int64_t set_id;
    char photo_name[AF_NAME_MAX + 1];
    char set_name[AF_NAME_MAX + 1];
    struct cat_person person;
    char person_name[AF_EMAIL_MAX + 1]; /* e-mail or "link:<id>" */
    af_time created;
};
/* Favourites in an album, of one person (who != NULL) or of everyone,
 * ordered by person then set then photo name. */
int catalog_favourites(struct af_catalog *c, int64_t album_id, const struct cat_person *who,
                       struct cat_favourite **rows, size_t *n);

/* Charge photo_id to pool_id through grant_id: once per photo per pool.
 * 1 when charged now, 0 when already charged (free), -EDQUOT when the pool
 * is exhausted (nothing changes), negative errno otherwise. Exact under
 * concurrency: the check and the charge are one write transaction. */
int catalog_pool_charge(struct af_catalog *c, int64_t pool_id, int64_t photo_id,
                        int64_t grant_id);
int catalog_pool_is_charged(struct af_catalog *c, int64_t pool_id, int64_t photo_id);
/* New limit (-1 unlimited); -ENOENT unknown pool. */
int catalog_pool_set_limit(struct af_catalog *c, int64_t pool_id, int64_t limit);
/* Forget every charge of the pool (the owner's reset). */
int catalog_pool_reset(struct af_catalog *c, int64_t pool_id);
/* Move a grant into a pool (0 = none). */
int catalog_grant_set_pool(struct af_catalog *c, int64_t grant_id, int64_t pool_id);

struct cat_charge {
    int64_t photo_id;
    char photo_name[AF_NAME_MAX + 1];
    char set_name[AF_NAME_MAX + 1];
    int64_t grant_id;
    af_time at;
};
int catalog_pool_charges(struct af_catalog *c, int64_t pool_id, struct cat_charge **rows,
                         size_t *n);

/* Record a milestone (person, album, kind) the first time: 1 if it is new,
 * 0 if it was reached before. */
int catalog_milestone(struct af_catalog *c, const char *person, int64_t album_id,
                      const char *kind);

/* A download of `view` of photo_id by `person` (catalog_person_key) through
 * grant_id, recorded as "download" by `actor` with `detail` the first time
 * only: 1 when recorded now, 0 when it was before, negative errno. */
int catalog_download_record(struct af_catalog *c, const char *person, const char *actor,
                            int64_t grant_id, int64_t album_id, int64_t photo_id,
                            enum af_view view, const char *detail);

/* Photos marked private in an album (all of them, any set). */
int catalog_private_photos(struct af_catalog *c, int64_t album_id, struct cat_photo **rows,
                           size_t *n);

/* ---- the outbox of notifications (store/notify.c delivers it) ---- */

struct cat_message {
    int64_t id;
    af_time created;
    char kind[32];
    char recipient[AF_EMAIL_MAX + 1];
    char *message;   /* malloc'd RFC 5322 text; freed by catalog_messages_free */
    int attempts;
    af_time next_attempt;
    char last_error[256];
    bool delivered;
};
int catalog_outbox_add(struct af_catalog *c, const char *kind, const char *recipient,
                       const char *message);
/* Undelivered messages due at `now` (all undelivered when now == 0). */
int catalog_outbox_due(struct af_catalog *c, af_time now, struct cat_message **rows, size_t *n);
/* All messages, newest first, at most limit. */
int catalog_outbox_list(struct af_catalog *c, size_t limit, struct cat_message **rows, size_t *n);
void catalog_messages_free(struct cat_message *rows, size_t n);
/* Claim a due message for one delivery attempt: its next attempt moves to
 * `until` unless it was delivered or claimed (its next attempt moved past
 * `now`) since it was read. 1 when this caller has it, 0 when not. */
int catalog_outbox_claim(struct af_catalog *c, int64_t id, af_time now, af_time until);
int catalog_outbox_delivered(struct af_catalog *c, int64_t id);
int catalog_outbox_failed(struct af_catalog *c, int64_t id, af_time next_attempt,
                          const char *error);

/* ---- renditions (media/renditions.c) ---- */

struct cat_rendition {
    char id[VAULT_ID_HEX];
    int64_t version_id;
    uint64_t size;
    uint32_t width, height;
    af_time last_used;
    bool cached; /* bytes present in the cache vault */
};

int catalog_rendition_find(struct af_catalog *c, const char *id, struct cat_rendition *out);
/* Insert or replace the record (cached, last used now). */
int catalog_rendition_put(struct af_catalog *c, const struct cat_rendition *r, const char *spec);
/* A rendition read at a time (the daemon's batch of uses). */
struct cat_rendition_use {
    char id[VAULT_ID_HEX];
    af_time at;
};
/* Record the uses in one transaction: each rendition's last_used becomes
 * its use's time unless it is already later. */
int catalog_renditions_touch(struct af_catalog *c, const struct cat_rendition_use *uses,
                             size_t n);
/* Mark the rendition's bytes present in (or trimmed from) the cache. */
int catalog_rendition_set_cached(struct af_catalog *c, const char *id, bool cached);
/* Bytes of all cached renditions. */
int catalog_rendition_cached_bytes(struct af_catalog *c, uint64_t *bytes);
/* Up to `limit` cached renditions, least recently used first. */
int catalog_rendition_oldest(struct af_catalog *c, size_t limit, struct cat_rendition **rows,
                             size_t *n);

/* ---- activity ---- */

/* Append an event (chained with the audit key when one is set). */
int catalog_activity_add(struct af_catalog *c, const char *kind, const char *actor,
                         int64_t grant_id, int64_t album_id, int64_t photo_id,
                         const char *detail);
/* Append an event unless `max` events of the same kind, actor, photo and
 * detail were recorded at or after `since` (so a loop of refusals cannot
 * flood the log): 1 when added, 0 when left out, negative errno. */
int catalog_activity_add_limited(struct af_catalog *c, const char *kind, const char *actor,
                                 int64_t grant_id, int64_t album_id, int64_t photo_id,
                                 const char *detail, af_time since, int64_t max);
/* How many events of `kind` with exactly `detail` happened at or after `since`. */
int catalog_activity_count(struct af_catalog *c, const char *kind, const char *detail,
                           af_time since, int64_t *n);
/* Check the whole chain: 0 when intact; -EBADMSG with *first_bad the id of
 * the first row that is missing, altered or out of order; -ENOKEY without an
 * audit key. */
int catalog_activity_verify(struct af_catalog *c, int64_t *first_bad);
/* Events, oldest first, filtered by album (0 = any) and kind (NULL = any). */
int catalog_activity(struct af_catalog *c, int64_t album_id, const char *kind,
                     struct cat_activity **rows, size_t *n);
/* One event (-ENOENT if there is no row with that id), and how many there are. */
int catalog_activity_get(struct af_catalog *c, int64_t id, struct cat_activity *out);
int catalog_activity_total(struct af_catalog *c, int64_t *n);

/* What catalog_activity_query returns; a zero or NULL field matches every event. */
struct cat_activity_filter {
    int64_t album_id;  /* 0 = any album */
    const char *actor; /* "owner", an e-mail (any letter case) or "link:<id>"; NULL = anyone */
    const char *kind;  /* NULL = any kind */
    af_time since;     /* at or after; 0 = from the first event */
};

/* An event with the names of what it refers to as they are now ("" when it
 * names none or the thing is gone). */
struct cat_activity_entry {
    struct cat_activity event;
    char album_name[AF_NAME_MAX + 1];
    char set_name[AF_NAME_MAX + 1];
    char photo_name[AF_NAME_MAX + 1];
};
/* Events matching every field of the filter, oldest first. */
int catalog_activity_query(struct af_catalog *c, const struct cat_activity_filter *f,
                           struct cat_activity_entry **rows, size_t *n);

/* ---- checks (catalog_check.c; albumctl verify) ---- */
/* Called once per problem found, with one sentence in plain words. */
typedef void (*cat_problem_fn)(void *arg, const char *problem);
/* The catalog by itself: SQLite's integrity and foreign-key checks, and the
 * references foreign keys cannot state. The number of problems reported
 * (0: sound), or -errno when the check could not start. */
int catalog_check(struct af_catalog *c, cat_problem_fn report, void *arg);
/* The catalog against the photo vault and the rendition cache, both ways.
 * The number of problems reported, or -errno. */
int catalog_check_blobs(struct af_catalog *c, const struct af_vault *vault,
                        const struct af_vault *cache, cat_problem_fn report, void *arg);

#endif
