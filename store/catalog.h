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
    af_time removed; /* 0 = present; else when the owner removed them */
};

struct cat_team {
    int64_t id;
    char name[AF_NAME_MAX + 1];
    af_time created;
    af_time removed; /* 0 = present; else when the owner removed it */
};

struct cat_album {
    int64_t id;
    char name[AF_NAME_MAX + 1];
    bool clients_may_mark_private;
    af_time created;
    af_time mtime;
    af_time archived; /* 0 = not archived (docs/policy.md: archived albums) */
};

struct cat_set {
    int64_t id;
    int64_t album_id;
    char name[AF_NAME_MAX + 1];
    enum af_visibility visibility;
    af_time created;
    af_time mtime;
    af_time deleted; /* 0 = live; else when it was deleted (kept for its trashed photos) */
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
    char label[AF_NAME_MAX + 1]; /* the owner's note, "" if none */
    int64_t uses;      /* mounts opened with the link */
    af_time last_used; /* the last of them; 0 = never */
    int64_t door_of;     /* this row is the client door of that link; 0: a link */
    int64_t client_door; /* this link's client door (a link row); 0: none */
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

/* Read transaction (BEGIN ... COMMIT) for a run of reads: one snapshot,
 * and one WAL read lock (two fcntl calls) for all of them instead of one
 * per statement. *own says whether this call began it: none is begun
 * inside a transaction already open, and catalog_read_end(c, false) does
 * nothing. Nothing may be written inside one. A failure to begin is no
 * error: the reads then run one by one. */
void catalog_read_begin(struct af_catalog *c, bool *own);
void catalog_read_end(struct af_catalog *c, bool own);

/* Library-wide settings (watermark text, cache bound, ...). */
int catalog_setting_get(struct af_catalog *c, const char *key, char *buf, size_t len);
int catalog_setting_set(struct af_catalog *c, const char *key, const char *value);

/* A number that grows on every change of anything a mount shows; a daemon
 * polls it to notice albumctl's changes. */
int catalog_generation(struct af_catalog *c, int64_t *out);

/* ---- people ---- */

/* People and teams the owner removed keep their rows (grants name them);
 * lookups by e-mail or name find them (with `removed` set), lists and
 * lookups by uid do not. Adding a removed user or team again brings the
 * row back (catalog_user_add, catalog_team_add: same id). */
int catalog_user_add(struct af_catalog *c, const char *email, const char *name,
                     int64_t uid, int64_t *id);
int catalog_user_by_email(struct af_catalog *c, const char *email, struct cat_user *out);
int catalog_user_by_uid(struct af_catalog *c, int64_t uid, struct cat_user *out);
int catalog_users(struct af_catalog *c, struct cat_user **rows, size_t *n);
/* A present user's new display name and uid (-1 = none): -EEXIST when
 * another user has that uid, -ENOENT for no such present user. */
int catalog_user_update(struct af_catalog *c, int64_t id, const char *name, int64_t uid);
/* Mark a user removed at `when`: their uid is cleared and they leave
 * every team (their grants are revoked by the caller, in the same
 * transaction). -ENOENT for no such present user. */
int catalog_user_remove(struct af_catalog *c, int64_t id, af_time when);

int catalog_team_add(struct af_catalog *c, const char *name, int64_t *id);
int catalog_team_by_name(struct af_catalog *c, const char *name, struct cat_team *out);
int catalog_team_add_member(struct af_catalog *c, int64_t team_id, int64_t user_id);
/* -ENOENT when the user is not a member. */
int catalog_team_remove_member(struct af_catalog *c, int64_t team_id, int64_t user_id);
/* Mark a team removed at `when` and empty it. -ENOENT: no such present team. */
int catalog_team_remove(struct af_catalog *c, int64_t id, af_time when);
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
/* Archive an album at `when`, or bring it back (when = 0). */
int catalog_album_set_archived(struct af_catalog *c, int64_t album_id, af_time when);

int catalog_set_create(struct af_catalog *c, int64_t album_id, const char *name,
                       enum af_visibility vis, int64_t *id);
int catalog_set_by_name(struct af_catalog *c, int64_t album_id, const char *name,
                        struct cat_set *out);
int catalog_set_by_id(struct af_catalog *c, int64_t id, struct cat_set *out);
/* As catalog_set_by_id, deleted sets included (changes/ restores them). */
int catalog_set_by_id_any(struct af_catalog *c, int64_t id, struct cat_set *out);
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
/* The same, the version recorded as uploaded by `by` (an activity actor:
 * "owner", an e-mail, "link:<id>"); the one above says "owner". */
int catalog_photo_add_version_by(struct af_catalog *c, int64_t set_id, const char *name,
                                 const char *blob, uint64_t size,
                                 const struct media_info *media, const char *by,
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
/* Whether the library still needs vault blob `blob`: 1 when some version
 * (of any photo, the trash included) is stored at it or it is the
 * watermark logo, 0 when nothing names it (it may be removed), or negative
 * errno. One query: the one definition of "referenced" (purges, a replaced
 * logo). Call inside the write transaction that removes the blob, so no
 * other writer can start naming it meanwhile. */
int catalog_blob_referenced(struct af_catalog *c, const char *blob);

/* Every distinct blob of every version of every photo and document, the
 * trash included, ordered by id. */
int catalog_version_blobs(struct af_catalog *c, struct cat_blob **rows, size_t *n);

/* ---- changes: renames, moves, the trash, versions (catalog_moves.c,
 * catalog_trash.c; changes/ checks who may and records the activity) ---- */

/* -EEXIST when another album has the name, -ENOENT for no such album. */
int catalog_album_rename(struct af_catalog *c, int64_t album_id, const char *name);
/* A live set: -EEXIST when another live set of its album has the name. */
int catalog_set_rename(struct af_catalog *c, int64_t set_id, const char *name);
/* Mark a live set deleted at `when` (its row stays for its trashed
 * photos; docs/storage.md): -ENOTEMPTY while a live photo is in it,
 * -EPERM when it is its album's last public set. */
int catalog_set_delete(struct af_catalog *c, int64_t set_id, af_time when);
/* Bring a deleted set back: -EEXIST when a live set of its album took its
 * name; 0 when it is live already. */
int catalog_set_undelete(struct af_catalog *c, int64_t set_id);
/* Put a live photo into live set set_id (of its album or another) under
 * `name`; its view name is kept if free there, else chosen again.
 * -EEXIST when a live photo of that set has the name. */
int catalog_photo_place(struct af_catalog *c, int64_t photo_id, int64_t set_id,
                        const char *name);

/* Move a live photo to the trash at `when` (-ENOENT: none live). */
int catalog_photo_trash(struct af_catalog *c, int64_t photo_id, af_time when);
/* Take a photo out of the trash into its set (which must be live):
 * -EEXIST when a live photo of the set took its name; its view name is
 * kept if still free, else chosen again. -ENOENT: not in the trash. */
int catalog_photo_untrash(struct af_catalog *c, int64_t photo_id);

/* A photo in the trash, with the names it would come back under. */
struct cat_trashed {
    struct cat_photo photo;
    char album_name[AF_NAME_MAX + 1];
    char set_name[AF_NAME_MAX + 1];
    bool set_deleted; /* its set was deleted after it (restoring brings it back) */
};
/* Photos in the trash of one album (album_id > 0) or all, trashed at or
 * before `before` (0: any time), the longest there first. */
int catalog_trash(struct af_catalog *c, int64_t album_id, af_time before,
                  struct cat_trashed **rows, size_t *n);

/* Remove a photo (in the trash or not) for good: its versions, their
 * renditions, its favourites, charges and downloads go with it (the
 * activity log keeps its events). The vault addresses its versions used
 * (*blobs, distinct) and the ids of its renditions (*views) are returned,
 * malloc'd (caller frees both with free()): the caller removes from the
 * vaults what is no longer referenced (catalog_blob_referenced). */
int catalog_photo_purge(struct af_catalog *c, int64_t photo_id, char (**blobs)[VAULT_ID_HEX],
                        size_t *n_blobs, char (**views)[VAULT_ID_HEX], size_t *n_views);

/* One version of a photo. */
struct cat_version {
    int64_t id;
    int64_t number; /* 1 = the oldest */
    char blob[VAULT_ID_HEX];
    uint64_t size;
    uint32_t width, height;
    char mime[32];
    af_time created;
    char uploaded_by[AF_EMAIL_MAX + 1];
    bool current;
};
/* A photo's versions, oldest first. */
int catalog_versions(struct af_catalog *c, int64_t photo_id, struct cat_version **rows,
                     size_t *n);
/* Add version_id's bytes again as photo_id's newest version, uploaded by
 * `by`, and make it current; *new_id (may be NULL) gets its id. */
int catalog_version_readd(struct af_catalog *c, int64_t photo_id, int64_t version_id,
                          const char *by, int64_t *new_id);

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
/* Links of one album (album_id > 0) or all, by id. */
int catalog_links(struct af_catalog *c, int64_t album_id, struct cat_link **rows, size_t *n);
int catalog_link_set_label(struct af_catalog *c, int64_t id, const char *label);
/* A link's (or a door's) password: an Argon2id string, or NULL for none. */
int catalog_link_set_password(struct af_catalog *c, int64_t id, const char *password_hash);
/* Make link row client_link_id the client door of link_id (one door per
 * link; -EEXIST when either already has one). Add the door's row with
 * catalog_link_add and a random token hash: it is never looked up. */
int catalog_link_door_add(struct af_catalog *c, int64_t link_id, int64_t client_link_id);
/* A mount was opened with the link at `when`: one more use. */
int catalog_link_used(struct af_catalog *c, int64_t id, af_time when);

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
/* Replace a grant's expiry and settings (download sets and pool
 * included; clamped already). A new expiry forgets that the old one was
 * recorded, so reaching the new one is recorded again. -ENOENT unknown,
 * -EALREADY revoked. */
int catalog_grant_update(struct af_catalog *c, int64_t id, af_time expires,
                         const struct af_grant_settings *s);
/* The grants not revoked yet (live or expired) that name a user directly,
 * a team, or any principal on an album (kind selects which id is meant). */
enum cat_grants_of {
    CAT_GRANTS_OF_USER,  /* id: users.id (their own grants, not their teams') */
    CAT_GRANTS_OF_TEAM,  /* id: teams.id */
    CAT_GRANTS_OF_ALBUM, /* id: albums.id (users', teams' and links') */
};
/* Albums where some person (a user's own grant, or a member of a team)
 * holds a live editor grant at `now`, by id (malloc'd; caller frees). */
int catalog_albums_with_editors(struct af_catalog *c, af_time now, int64_t **ids, size_t *n);
int catalog_grants_unrevoked(struct af_catalog *c, enum cat_grants_of kind, int64_t id,
                             struct cat_grant **rows, size_t *n);

/* Record "grant-expired" (actor "albumfs") once for every grant that
 * reached its expiry at or before `now` while live. 0 with *recorded (may
 * be NULL) the number recorded now, or negative errno. */
int catalog_grants_record_expired(struct af_catalog *c, af_time now, size_t *recorded);

/* The grants of album_id claimed through link_id that are not revoked
 * (expired ones included), by id. */
int catalog_grants_claimed_through(struct af_catalog *c, int64_t link_id, int64_t album_id,
                                   struct cat_grant **rows, size_t *n);

/* Every grant that names a user (directly or through a team) or a link,
 * as af_grant rows ready for a struct af_subject, except those of archived
 * albums: an archived album is hidden from every mount but the owner's. */
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
/* Insert or replace the record (last used now; cached as r->cached). */
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

/* ---- the library at a glance (catalog_status.c) ---- */

struct cat_status {
    int64_t albums, albums_archived;
    int64_t photos;          /* not in the trash */
    int64_t users, teams;    /* present (not removed) */
    int64_t grants_live;     /* neither revoked nor expired at now */
    int64_t grants_expiring; /* of those, expiring within `soon` seconds */
    int64_t links, links_live; /* links_live: with a live grant; client doors not counted */
    int64_t outbox_pending;  /* undelivered, never tried */
    int64_t outbox_failed;   /* undelivered, tried and failed (retried later) */
};
/* Count it all at `now`, in one statement. */
int catalog_status(struct af_catalog *c, af_time now, af_time soon, struct cat_status *out);

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
/* How many events of `kind` by exactly `actor` happened at or after `since`
 * (index activity_kind_actor). */
int catalog_activity_count(struct af_catalog *c, const char *kind, const char *actor,
                           af_time since, int64_t *n);
/* Check the whole chain: 0 when intact; -EBADMSG with *first_bad the id of
 * the first row that is missing, altered or out of order; -ENOKEY without an
 * audit key. */
int catalog_activity_verify(struct af_catalog *c, int64_t *first_bad);
/* Events, oldest first, filtered by album (0 = any) and kind (NULL = any). */
int catalog_activity(struct af_catalog *c, int64_t album_id, const char *kind,
                     struct cat_activity **rows, size_t *n);
/* When the latest event of `kind` happened: 0 with *at, which is 0 when
 * there is none. */
int catalog_activity_last(struct af_catalog *c, const char *kind, af_time *at);
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

/* ---- restoring from a backup snapshot's catalog (catalog_restore.c) ---- */

/* What to bring back: an album (set NULL), one set of it (photo NULL) or one
 * photo, by their names in the snapshot. */
struct cat_restore_spec {
    const char *album;
    const char *set;
    const char *photo;
    const char *as_name; /* one photo only: the name it gets here (NULL: its own) */
};

struct cat_restore_result {
    int64_t album_id;         /* the album here */
    int64_t photo_id;         /* one photo: the photo here (new or merged into) */
    bool album_created;       /* the album was not here: it came back whole */
    int64_t sets_created;
    int64_t photos_added;     /* new photos */
    int64_t photos_merged;    /* live photos of the same name given versions they lacked */
    int64_t photos_unchanged; /* live photos of the same name that had every version */
    int64_t versions_added;   /* all versions added, new photos' included */
    int64_t favourites;       /* favourites brought back */
    int64_t favourites_left_out; /* of people no longer in the library */
    int64_t grants;           /* a whole album's grants brought back */
    int64_t grants_left_out;  /* of users, teams no longer in the library */
};

/* Attach the catalog file `path` (a snapshot's copy, opened once with
 * catalog_open so that it is at this schema) as the source of a restore.
 * Outside any transaction. catalog_restore_detach undoes it (after the
 * transaction ended). */
int catalog_restore_attach(struct af_catalog *c, const char *path);
void catalog_restore_detach(struct af_catalog *c);

/* The distinct blobs of the versions a restore of spec would add, from the
 * attached catalog (caller frees *ids with free()). -ENOENT with *why
 * (static text) when the snapshot has no such album, set or photo (the
 * trash aside), or when a set or photo is asked for and its album is not
 * in this catalog. */
int catalog_restore_blobs(struct af_catalog *c, const struct cat_restore_spec *spec,
                          char (**ids)[VAULT_ID_HEX], size_t *n, const char **why);

/* Copy spec's rows from the attached catalog into this one, inside the
 * caller's write transaction (docs/backup.md, "Restoring into the live
 * library"). -ENOENT as for catalog_restore_blobs; -EEXIST (*why) when
 * as_name is taken in the set; other errors from SQLite. */
int catalog_restore_rows(struct af_catalog *c, const struct cat_restore_spec *spec,
                         struct cat_restore_result *out, const char **why);

/* ---- checks (catalog_check.c; albumctl verify) ---- */
/* Called once per problem found, with one sentence in plain words. */
typedef void (*cat_problem_fn)(void *arg, const char *problem);
/* The catalog by itself: SQLite's integrity and foreign-key checks, and the
 * references foreign keys cannot state. The number of problems reported
 * (0: sound), or -errno when the check could not start. */
int catalog_check(struct af_catalog *c, cat_problem_fn report, void *arg);
/* Called once per blob in a vault that no catalog row names: a leftover
 * of an import, upload or render interrupted between storing the blob and
 * committing its row (harmless; vault_remove_unused removes it). */
typedef void (*cat_leftover_fn)(void *arg, bool in_cache, const char *id);
/* The catalog against the photo vault and the rendition cache, both ways:
 * every blob the catalog names is there (problems, to report), and every
 * blob there is named (leftovers, to leftover). The number of problems
 * reported, or -errno. */
int catalog_check_blobs(struct af_catalog *c, const struct af_vault *vault,
                        const struct af_vault *cache, cat_problem_fn report,
                        cat_leftover_fn leftover, void *arg);

#endif
