/* names.h — rules for names people give things (SPEC §7).
 *
 * Album, set, photo and team names become directory and file names on a
 * mount, so they are validated once, here, before they reach the catalog:
 * valid UTF-8, 1..255 bytes, no '/', NUL or control characters, not "." or
 * "..". Also the junk names file managers write (.DS_Store, ._*, Thumbs.db,
 * desktop.ini, .directory), which never become photos, and e-mail syntax.
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

/* True for names that file managers and OSes litter folders with. */
bool names_is_junk(const char *name);

#endif
