/* catalog_schema.c — the catalog's schema and its migrations.
 *
 * The schema version is PRAGMA user_version; each entry of `migrations`
 * moves the catalog from version i to i + 1 inside one transaction, so a
 * catalog is always at a version this table describes. New columns and
 * tables arrive as new migrations; old ones are never edited once released.
 * A migration that must compute rows (4 -> 5: view names) also runs C code
 * (migration_code) after its SQL, in the same transaction.
 * The application_id marks the file as an albumfs catalog.
 * docs/storage.md explains every table.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

#include "store/catalog_private.h"

static const char *const migrations[] = {
    /* 0 -> 1: the whole model of SPEC §2–§6. */
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"

    /* Bumped by triggers on every change a mount must notice. */
    "CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL) STRICT;"
    "INSERT INTO generation VALUES (1, 0);"

    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  uid INTEGER UNIQUE,"
    "  created INTEGER NOT NULL) STRICT;"

    "CREATE TABLE teams ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created INTEGER NOT NULL) STRICT;"

    "CREATE TABLE team_members ("
    "  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (team_id, user_id)) STRICT;"
    "CREATE INDEX team_members_user ON team_members(user_id);"

    "CREATE TABLE albums ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  clients_may_mark_private INTEGER NOT NULL DEFAULT 1,"
    "  created INTEGER NOT NULL,"
    "  mtime INTEGER NOT NULL) STRICT;"

    "CREATE TABLE sets ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  visibility INTEGER NOT NULL CHECK (visibility IN (0, 1, 2)),"
    "  created INTEGER NOT NULL,"
    "  mtime INTEGER NOT NULL,"
    "  UNIQUE (album_id, name)) STRICT;"

    /* A photo or document. Its bytes are in versions; current_version
     * points at the one people see. Trashed photos keep their row. */
    "CREATE TABLE photos ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  set_id INTEGER NOT NULL REFERENCES sets(id),"
    "  name TEXT NOT NULL,"
    "  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    "  is_private INTEGER NOT NULL DEFAULT 0,"
    "  private_by TEXT,"
    "  current_version INTEGER,"
    "  trashed INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL) STRICT;"
    "CREATE UNIQUE INDEX photos_live_name ON photos(set_id, name) WHERE trashed = 0;"
    "CREATE INDEX photos_album ON photos(album_id);"

    "CREATE TABLE versions ("
    "  id INTEGER PRIMARY KEY,"
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  blob TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  width INTEGER NOT NULL,"
    "  height INTEGER NOT NULL,"
    "  orientation INTEGER NOT NULL,"
    "  mime TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  uploaded_by TEXT NOT NULL DEFAULT 'owner') STRICT;"
    "CREATE INDEX versions_photo ON versions(photo_id);"
    "CREATE INDEX versions_blob ON versions(blob);"

    /* Share links: only a keyed hash of the token is kept. */
    "CREATE TABLE links ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  password_hash TEXT,"
    "  created INTEGER NOT NULL) STRICT;"

    /* A download allowance shared by grants; limit NULL = unlimited. */
    "CREATE TABLE pools ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  max_photos INTEGER,"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (album_id, name)) STRICT;"

    /* One row per photo charged to a pool: the primary key makes the
     * charge once-per-photo and the race for the last unit exact. */
    "CREATE TABLE pool_charges ("
    "  pool_id INTEGER NOT NULL REFERENCES pools(id) ON DELETE CASCADE,"
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  grant_id INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (pool_id, photo_id)) STRICT;"

    /* principal: 1 user, 2 team, 3 link. role: policy.h enum af_role. */
    "CREATE TABLE grants ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  principal INTEGER NOT NULL CHECK (principal IN (1, 2, 3)),"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,"
    "  link_id INTEGER REFERENCES links(id) ON DELETE CASCADE,"
    "  role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 4),"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  proof_long_edge INTEGER NOT NULL,"
    "  watermark_proofs INTEGER NOT NULL,"
    "  watermark_downloads INTEGER NOT NULL,"
    "  watermark_recipient INTEGER NOT NULL,"
    "  web_downloads INTEGER NOT NULL,"
    "  web_long_edge INTEGER NOT NULL,"
    "  highres INTEGER NOT NULL,"
    "  highres_long_edge INTEGER NOT NULL,"
    "  pool_id INTEGER REFERENCES pools(id),"
    "  highres_metadata INTEGER NOT NULL,"
    "  may_favourite INTEGER NOT NULL,"
    "  may_mark_private INTEGER NOT NULL,"
    "  notify INTEGER NOT NULL,"
    "  CHECK ((principal = 1 AND user_id IS NOT NULL) OR"
    "         (principal = 2 AND team_id IS NOT NULL) OR"
    "         (principal = 3 AND link_id IS NOT NULL))) STRICT;"
    "CREATE INDEX grants_user ON grants(user_id);"
    "CREATE INDEX grants_team ON grants(team_id);"
    "CREATE INDEX grants_link ON grants(link_id);"
    "CREATE INDEX grants_album ON grants(album_id);"

    /* Sets a grant may download from; none = every set it sees. */
    "CREATE TABLE grant_download_sets ("
    "  grant_id INTEGER NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
    "  set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (grant_id, set_id)) STRICT;"

    /* Favourites belong to a person: a user, or a link's holder. */
    "CREATE TABLE favourites ("
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  link_id INTEGER REFERENCES links(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL,"
    "  CHECK ((user_id IS NULL) <> (link_id IS NULL))) STRICT;"
    "CREATE UNIQUE INDEX favourites_user ON favourites(user_id, photo_id) WHERE user_id IS NOT NULL;"
    "CREATE UNIQUE INDEX favourites_link ON favourites(link_id, photo_id) WHERE link_id IS NOT NULL;"

    /* Rendered views in the cache vault, for LRU bounding and invalidation. */
    "CREATE TABLE renditions ("
    "  id TEXT PRIMARY KEY,"
    "  version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  spec TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  width INTEGER NOT NULL,"
    "  height INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL,"
    "  cached INTEGER NOT NULL DEFAULT 1) STRICT;"
    "CREATE INDEX renditions_version ON renditions(version_id);"
    "CREATE INDEX renditions_lru ON renditions(last_used);"

    /* Append-only activity: each row's mac chains it to the previous one. */
    "CREATE TABLE activity ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  grant_id INTEGER NOT NULL DEFAULT 0,"
    "  album_id INTEGER NOT NULL DEFAULT 0,"
    "  photo_id INTEGER NOT NULL DEFAULT 0,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  mac BLOB) STRICT;"
    "CREATE INDEX activity_album ON activity(album_id, id);"
    "CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity"
    "  BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"
    "CREATE TRIGGER activity_no_delete BEFORE DELETE ON activity"
    "  BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"

    /* Everything a mount shows bumps the generation. */
    "CREATE TRIGGER gen_users_i AFTER INSERT ON users BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_users_u AFTER UPDATE ON users BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_albums_i AFTER INSERT ON albums BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_team_members_i AFTER INSERT ON team_members BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_team_members_d AFTER DELETE ON team_members BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_albums_u AFTER UPDATE ON albums BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_albums_d AFTER DELETE ON albums BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_sets_i AFTER INSERT ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_sets_u AFTER UPDATE ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_sets_d AFTER DELETE ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_photos_i AFTER INSERT ON photos BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_photos_u AFTER UPDATE ON photos BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_photos_d AFTER DELETE ON photos BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_grants_i AFTER INSERT ON grants BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_grants_u AFTER UPDATE ON grants BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_grants_d AFTER DELETE ON grants BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_gds_i AFTER INSERT ON grant_download_sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_gds_d AFTER DELETE ON grant_download_sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_settings_i AFTER INSERT ON settings BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_settings_u AFTER UPDATE ON settings BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_pools_u AFTER UPDATE ON pools BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_pool_charges_d AFTER DELETE ON pool_charges BEGIN UPDATE generation SET n = n + 1; END;",

    /* 1 -> 2: clients at work (favourites, downloads, notifications). */
    /* A charge or a favourite shows on every mount of the people concerned. */
    "CREATE TRIGGER gen_pool_charges_i AFTER INSERT ON pool_charges BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_favourites_i AFTER INSERT ON favourites BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_favourites_d AFTER DELETE ON favourites BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_pools_i AFTER INSERT ON pools BEGIN UPDATE generation SET n = n + 1; END;"
    /* Milestones already reached, so each is recorded and notified once:
     * (person, album, milestone), person = 'user:<id>' or 'link:<id>'. */
    "CREATE TABLE milestones ("
    "  person TEXT NOT NULL,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (person, album_id, kind)) STRICT;"
    /* Messages waiting for the notification command; retried with backoff. */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  created INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  delivered INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX outbox_due ON outbox(delivered, next_attempt);",

    /* 2 -> 3: each link's next password turn, shared by every process
     * (trust: finding 6). not_before is in milliseconds since the epoch;
     * store/links.c reserves turns. */
    "CREATE TABLE link_turns ("
    "  link_id INTEGER PRIMARY KEY REFERENCES links(id) ON DELETE CASCADE,"
    "  not_before INTEGER NOT NULL) STRICT;",

    /* 3 -> 4: link claims confirmed by a one-time code (trust: finding 2). */
    /* The link a grant was claimed through: revoking the link takes it. */
    "ALTER TABLE grants ADD COLUMN via_link_id INTEGER REFERENCES links(id) ON DELETE SET NULL;"
    "CREATE INDEX grants_via_link ON grants(via_link_id);"
    /* Confirmation codes sent to an address given with a link: a keyed
     * hash only; valid until `expires`, for `tries` wrong attempts at most,
     * once (`used`). Only the newest code of a link and address counts. */
    "CREATE TABLE claim_codes ("
    "  id INTEGER PRIMARY KEY,"
    "  link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,"
    "  email TEXT NOT NULL COLLATE NOCASE,"
    "  code_hash BLOB NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  tries INTEGER NOT NULL DEFAULT 0,"
    "  used INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX claim_codes_link ON claim_codes(link_id, email, id);",

    /* 4 -> 5: each photo's view name, unique per set (names: finding 3).
     * The column is filled by cat_view_names_backfill (migration_code)
     * before this transaction commits; NULLs never collide in the index. */
    "ALTER TABLE photos ADD COLUMN view_name TEXT;"
    "CREATE UNIQUE INDEX photos_live_view_name ON photos(set_id, view_name) WHERE trashed = 0;",

    /* 5 -> 6: what the owner could not see (issue 7, finding 10). This
     * comes after the 4 -> 5 migration (photos.view_name). */
    /* Who set a photo's private mark: 'owner' for the studio (the owner or
     * a team member), or a client's person key ('user:<id>', 'link:<id>').
     * Marks made before were made without saying: they are the studio's. */
    "UPDATE photos SET private_by = 'owner' WHERE is_private = 1 AND private_by IS NULL;"
    "UPDATE photos SET private_by = NULL WHERE is_private = 0;"
    /* Downloads recorded in the activity log: one row per person (as
     * milestones name them), photo and view (policy.h enum af_view). */
    "CREATE TABLE downloads ("
    "  person TEXT NOT NULL,"
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  view INTEGER NOT NULL,"
    "  grant_id INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (person, photo_id, view)) STRICT;"
    /* Grants whose expiry is recorded ('grant-expired'), each once. */
    "CREATE TABLE grant_expiries ("
    "  grant_id INTEGER PRIMARY KEY REFERENCES grants(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL) STRICT;"
    /* Rate limits count recent events of one kind by one actor. */
    "CREATE INDEX activity_kind_actor ON activity(kind, actor, at);",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* What a migration does after its SQL, in C, in the same transaction:
 * for the one from version `from`. 0 or -EIO. */
static int migration_code(sqlite3 *db, int from)
{
    switch (from) {
    case 4:
        return cat_view_names_backfill(db);
    default:
        return 0;
    }
}

int catalog_schema_version(void)
{
    return N_MIGRATIONS;
}

int catalog_migrate(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int version = -1, rc;

    rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0) {
        snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    if (version > N_MIGRATIONS) {
        snprintf(err, errlen, "catalog schema %d is newer than this albumfs (%d); upgrade albumfs",
                 version, N_MIGRATIONS);
        return -EPROTO;
    }
    /* Re-read the version inside each write transaction: another process
     * may have migrated while this one waited for the lock. */
    while (version < N_MIGRATIONS) {
        char *msg = NULL;
        char bump[64];

        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
        version = (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) ? sqlite3_column_int(st, 0) : -1;
        sqlite3_finalize(st);
        if (version < 0)
            goto fail;
        if (version >= N_MIGRATIONS) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            break;
        }
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, &msg) != SQLITE_OK ||
            migration_code(db, version) < 0 ||
            sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        version++;
        continue;
fail:
        snprintf(err, errlen, "migration to schema %d failed: %s", version + 1,
                 msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -EIO;
    }
    return 0;
}
