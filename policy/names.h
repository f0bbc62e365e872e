/* names.h — rules for names people give things (SPEC §7).
 *
 * Album, set, photo and team names become directory and file names on a
 * mount, so they are validated once, here, before they reach the catalog:
 * valid UTF-8, 1..255 bytes, no '/', NUL or control characters, not "." or
 * "..". Also the junk names file managers write (.DS_Store, ._*, Thumbs.db,
 * desktop.ini, .directory), which never become photos, and e-mail syntax.
 * And the names a photo is shown under in its rendered views (candidates;
 * store/catalog_view_names.c picks the one a photo keeps).
 * Pure functions; thread-safe.
 */
#ifndef ALBUMFS_NAMES_H
#define ALBUMFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define AF_NAME_MAX 255  /* bytes, as NAME_MAX */
#define AF_EMAIL_MAX 254

/* 0 if `name` may name an album, set, photo, document or team; otherwise
 * -EINVAL (or -ENAMETOOLONG) with a short reason in *why (static string). */
int names_check(const char *name, const char **why);

/* 0 if `email` looks like local@domain.tld (no spaces/controls, ≤254 bytes);
 * -EINVAL with *why otherwise. */
int names_check_email(const char *email, const char **why);

/* The k-th candidate view name (k >= 1) of a photo or document named
 * `name` into buf (AF_NAME_MAX + 1 bytes): the name under which people who
 * browse proofs and web-size or high-res views see it (docs/filesystem.md).
 *   k = 1: a photo whose name ends in .jpg/.jpeg (any case) and a document
 *          keep their name; any other photo gets ".jpg" appended
 *          ("X.png" -> "X.png.jpg");
 *   k > 1: " (k)" before the extension of that first candidate
 *          ("X.png (2).jpg", "contract (2).pdf", "README (2)").
 * The part before the extension is cut (at a UTF-8 character boundary) when
 * the result would be longer than AF_NAME_MAX bytes. `name` must pass
 * names_check. Returns 0, or -EINVAL for k == 0. */
int names_view_candidate(const char *name, bool is_document, unsigned k, char *buf);

/* The file every album folder on a mount shows beside its sets: the
 * album's rules for the person looking (fs/readme.c, policy/rules_text.h). */
#define NAMES_README "READ ME.txt"

/* 0 unless `name` is one a mount shows inside every album beside its sets
 * (in any letter case: "Web-size", "High-res", "Favourites", "Private",
 * "Trash", NAMES_README), which no set may take; -EINVAL with a static reason in
 * *why (may be NULL) if it is. */
int names_check_reserved_in_album(const char *name, const char **why);

/* True for names that file managers and OSes litter folders with. */
bool names_is_junk(const char *name);

#endif
