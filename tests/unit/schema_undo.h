/* schema_undo.h — SQL that takes a catalog back before the newest
 * migrations, for the unit tests of older migrations (test_catalog.c,
 * test_changes.c, test_marks.c): they set an older user_version, and the
 * migrations after it must find the catalog as that version left it.
 */
#ifndef ALBUMFS_TEST_SCHEMA_UNDO_H
#define ALBUMFS_TEST_SCHEMA_UNDO_H

/* Undo 9 -> 10 (the client doors of links). */
#define SCHEMA_UNDO_10 "DROP TABLE link_doors;" "DROP TRIGGER gen_links_password;"

/* Undo 8 -> 9 (labels and uses of links, archived albums, removed people);
 * 7 -> 8 (the cache's total) runs again over its own result. */
#define SCHEMA_UNDO_9                                     \
    "DROP TRIGGER gen_teams_u;"                           \
    "ALTER TABLE links DROP COLUMN label;"                \
    "ALTER TABLE links DROP COLUMN uses;"                 \
    "ALTER TABLE links DROP COLUMN last_used;"            \
    "ALTER TABLE albums DROP COLUMN archived;"            \
    "ALTER TABLE users DROP COLUMN removed;"              \
    "ALTER TABLE teams DROP COLUMN removed;"

#endif
