/* catalog_schema.c — the catalog's schema and its migrations.
 *
 * The schema version is PRAGMA user_version; each entry of `migrations`
 * moves the catalog from version i to i + 1 inside one transaction, so a
 * catalog is always at a version this table describes. New columns and
 * tables arrive as new migrations; old ones are never edited once released.
 * A migration that must compute rows (4 -> 5: view names) also runs C code
 * (migration_code) after its SQL, in the same transaction. One that
 * rebuilds a table others refer to (6 -> 7: sets) runs with foreign keys
 * off and checks them all before it commits (migration_rebuilds).
 * The application_id marks the file as an albumfs catalog.
 * docs/storage.md explains every table.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
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

    /* 6 -> 7: changes, versions and the trash (issue 8). Runs with foreign
     * keys off (migration_rebuilds): the sets table is rebuilt, SQLite's
     * way of changing a table constraint. */
    /* A deleted set keeps its row (its trashed photos still name it, and a
     * grant's download sets must never shrink to "all sets" by a cascade):
     * `deleted` says when, 0 = live. A set's name is unique among the live
     * sets of its album only, so a deleted set's name is free again. */
    "CREATE TABLE sets_new ("
    "  id INTEGER PRIMARY KEY,"
    "  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  visibility INTEGER NOT NULL CHECK (visibility IN (0, 1, 2)),"
    "  created INTEGER NOT NULL,"
    "  mtime INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0) STRICT;"
    "INSERT INTO sets_new(id, album_id, name, visibility, created, mtime)"
    "  SELECT id, album_id, name, visibility, created, mtime FROM sets;"
    "DROP TABLE sets;"
    "ALTER TABLE sets_new RENAME TO sets;"
    "CREATE UNIQUE INDEX sets_live_name ON sets(album_id, name) WHERE deleted = 0;"
    "CREATE TRIGGER gen_sets_i AFTER INSERT ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_sets_u AFTER UPDATE ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    "CREATE TRIGGER gen_sets_d AFTER DELETE ON sets BEGIN UPDATE generation SET n = n + 1; END;"
    /* The trash, oldest first (trash list, the window's end). */
    "CREATE INDEX IF NOT EXISTS photos_trashed ON photos(trashed) WHERE trashed > 0;"
    /* A purge's cascades and a move's dropped charges find a photo's rows
     * by index, not by scanning these tables. */
    "CREATE INDEX IF NOT EXISTS favourites_photo ON favourites(photo_id);"
    "CREATE INDEX IF NOT EXISTS pool_charges_photo ON pool_charges(photo_id);"
    "CREATE INDEX IF NOT EXISTS downloads_photo ON downloads(photo_id);",

    /* 7 -> 8: the rendition cache at a million photos (issue 13;
     * tests/unit/test_query_plans.c). The trim asks every minute how many
     * bytes are cached: kept here by triggers instead of summed over every
     * rendition. It removes the least recently used cached views first:
     * found in an index of exactly those, in that order. (Written to run
     * again over its own result, as the tests that wind a catalog back to
     * an older version do.) */
    "CREATE TABLE IF NOT EXISTS cache_total ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  bytes INTEGER NOT NULL) STRICT;"
    "INSERT OR REPLACE INTO cache_total(id, bytes)"
    "  SELECT 1, coalesce(sum(size), 0) FROM renditions WHERE cached = 1;"
    "CREATE TRIGGER IF NOT EXISTS cache_total_i AFTER INSERT ON renditions WHEN new.cached = 1"
    "  BEGIN UPDATE cache_total SET bytes = bytes + new.size; END;"
    "CREATE TRIGGER IF NOT EXISTS cache_total_d AFTER DELETE ON renditions WHEN old.cached = 1"
    "  BEGIN UPDATE cache_total SET bytes = bytes - old.size; END;"
    "CREATE TRIGGER IF NOT EXISTS cache_total_u AFTER UPDATE OF size, cached ON renditions"
    "  WHEN old.cached = 1 OR new.cached = 1"
    "  BEGIN UPDATE cache_total SET bytes = bytes"
    "    - CASE WHEN old.cached = 1 THEN old.size ELSE 0 END"
    "    + CASE WHEN new.cached = 1 THEN new.size ELSE 0 END; END;"
    "DROP INDEX IF EXISTS renditions_lru;"
    "CREATE INDEX renditions_lru ON renditions(last_used, id) WHERE cached = 1;",

    /* 8 -> 9: running a studio (issue 11): change what exists. */
    /* A link's label (the owner's note: who it was given to), and how
     * often and when last a mount was opened with it (never the token). */
    "ALTER TABLE links ADD COLUMN label TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE links ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE links ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;"
    /* When an album was archived (0 = not): hidden from every mount but the
     * owner's, no new grants or links until unarchived (docs/policy.md). */
    "ALTER TABLE albums ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;"
    /* People and teams removed by the owner keep their row (grants are
     * never deleted and name them): when (0 = present). A removed user's
     * uid is cleared, so another person may have it. */
    "ALTER TABLE users ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE teams ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;"
    "CREATE TRIGGER gen_teams_u AFTER UPDATE ON teams BEGIN UPDATE generation SET n = n + 1; END;",

    /* 9 -> 10: one link, two doors (issue 12). A link's client door is a
     * link row of its own (its own password, grants, favourites, marks and
     * activity name, "link:<id>"), reached only through the link's token:
     * its token_hash is random and never looked up (catalog_links.c). One
     * door per link. A link's password changing (a door's set, replaced
     * or removed) bumps the generation: a mount opened with the old one
     * stops holding (store/subject.c). (Runs again over its own result.) */
    "CREATE TABLE IF NOT EXISTS link_doors ("
    "  link_id INTEGER PRIMARY KEY REFERENCES links(id) ON DELETE CASCADE,"
    "  client_link_id INTEGER NOT NULL UNIQUE REFERENCES links(id) ON DELETE CASCADE) STRICT;"
    "CREATE TRIGGER IF NOT EXISTS gen_links_password AFTER UPDATE OF password_hash ON links "
    "BEGIN UPDATE generation SET n = n + 1; END;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Whether the migration from version `from` rebuilds a table that others
 * refer to: it runs with foreign keys off (a pragma that only takes effect
 * outside a transaction) and PRAGMA foreign_key_check must find nothing
 * before it commits. */
static bool migration_rebuilds(int from)
{
    return from == 6;
}

/* 0 when no row breaks a foreign key; -EIO with *msg (sqlite3_malloc'd)
 * otherwise. */
static int foreign_keys_hold(sqlite3 *db, char **msg)
{
    sqlite3_stmt *st = NULL;
    int rc = -EIO;

    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
    sqlite3_finalize(st);
    if (rc < 0)
        *msg = sqlite3_mprintf("a row would break a foreign key");
    return rc;
}

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
        bool fk_off = migration_rebuilds(version);

        if (fk_off && sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
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
        /* Another process may have run the rebuilding one meanwhile. */
        if (fk_off != migration_rebuilds(version)) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
            continue;
        }
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, &msg) != SQLITE_OK ||
            migration_code(db, version) < 0 ||
            (fk_off && foreign_keys_hold(db, &msg) < 0) ||
            sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        if (fk_off && sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        version++;
        continue;
fail:
        snprintf(err, errlen, "migration to schema %d failed: %s", version + 1,
                 msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
        return -EIO;
    }
    return 0;
}
