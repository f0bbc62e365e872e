/* names.c — validating the names and e-mail addresses people type (SPEC §7),
 * recognising the junk files that file managers leave behind, and the
 * candidate names of a photo's rendered views.
 *
 * UTF-8 is decoded strictly (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequences. Names are compared and
 * stored byte for byte; no Unicode normalisation is applied.
 * Pure functions; thread-safe.
 */
#include "policy/names.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define EMAIL_LOCAL_MAX 64 /* RFC 5321 §4.5.3.1.1 */
#define DNS_LABEL_MAX 63

/* Decode the code point at s[0..len) into *cp and return its length in
 * bytes, or 0 if the bytes there are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n;
    uint32_t min, c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC0 && c < 0xE0) {
        n = 2, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c < 0xF0) {
        n = 3, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c < 0xF8) {
        n = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0; /* a continuation byte or 0xF8..0xFF cannot start a sequence */
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* C0 controls, DEL and the C1 controls. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Unicode space separators and the byte order mark, which a name may hold
 * inside but not at either end (they vanish on screen and in shells). */
static bool is_space(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
           cp == 0xFEFF;
}

static int reject(const char **why, const char *reason, int err)
{
    if (why != NULL)
        *why = reason;
    return err;
}

int names_check(const char *name, const char **why)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len, adv;
    uint32_t cp = 0;

    if (why != NULL)
        *why = NULL;
    if (name == NULL || name[0] == '\0')
        return reject(why, "is empty", -EINVAL);
    len = strlen(name);
    if (len > AF_NAME_MAX)
        return reject(why, "is longer than 255 bytes", -ENAMETOOLONG);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return reject(why, "is '.' or '..'", -EINVAL);
    for (size_t i = 0; i < len; i += adv) {
        adv = utf8_decode(s + i, len - i, &cp);
        if (adv == 0)
            return reject(why, "is not valid UTF-8", -EINVAL);
        if (cp == '/')
            return reject(why, "contains '/'", -EINVAL);
        if (is_control(cp))
            return reject(why, "contains a control character", -EINVAL);
        if ((i == 0 || i + adv == len) && is_space(cp))
            return reject(why, "begins or ends with a space", -EINVAL);
    }
    return 0;
}

#define EXTENSION_MAX 8 /* bytes with the dot: "a.longer-part" has none */

/* The extension of a name: from its last '.', unless that is its first
 * byte (".profile" has none) or it is longer than EXTENSION_MAX; the
 * name's end ("") when it has none. */
static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t len = strlen(name);

    if (!dot || dot == name || (size_t)(name + len - dot) > EXTENSION_MAX)
        return name + len;
    return dot;
}

/* Names shown as they are in rendered views (as before view names were
 * stored: a name that is just ".jpg" counts too). */
static bool is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');

    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

int names_view_candidate(const char *name, bool is_document, unsigned k, char *buf)
{
    const char *ext = ".jpg";
    char suffix[sizeof " (4294967295)" + EXTENSION_MAX];
    size_t stem, room;

    buf[0] = '\0';
    if (k == 0)
        return -EINVAL;
    stem = strlen(name);
    if (is_document || is_jpeg_name(name)) {
        ext = extension(name);
        stem = (size_t)(ext - name);
        if (k == 1) {
            snprintf(buf, AF_NAME_MAX + 1, "%s", name);
            return 0;
        }
    }
    if (k == 1)
        snprintf(suffix, sizeof suffix, "%s", ext);
    else
        snprintf(suffix, sizeof suffix, " (%u)%s", k, ext);
    room = AF_NAME_MAX - strlen(suffix);
    if (stem > room) {
        stem = room;
        while (stem > 0 && ((unsigned char)name[stem] & 0xC0) == 0x80)
            stem--; /* never cut a character in two */
    }
    snprintf(buf, AF_NAME_MAX + 1, "%.*s%s", (int)stem, name, suffix);
    return 0;
}

/* RFC 5322 "atext": what a dot-atom local part may hold besides '.'. */
static bool is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool is_domain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* Check one part of an address, s[0..len): its characters (ASCII ones by
 * `allowed`, others as valid, non-control UTF-8) and its dots (none at
 * either end, none doubled; in a domain, each label DNS-sized and not
 * starting or ending with '-'). */
static int check_part(const unsigned char *s, size_t len, bool (*allowed)(unsigned char),
                      bool domain, const char **why)
{
    size_t label = 0, adv;
    uint32_t cp;

    for (size_t i = 0; i < len; i += adv) {
        adv = utf8_decode(s + i, len - i, &cp);
        if (adv == 0)
            return reject(why, "is not valid UTF-8", -EINVAL);
        if (is_space(cp) || is_control(cp))
            return reject(why, "contains a space or control character", -EINVAL);
        if (cp == '.') {
            if (label == 0)
                return reject(why, "has a misplaced '.'", -EINVAL);
            if (domain && s[i - 1] == '-')
                return reject(why, "has a domain label ending in '-'", -EINVAL);
            label = 0;
            continue;
        }
        if (cp < 0x80 && !allowed((unsigned char)cp))
            return reject(why, "contains a character not allowed in an e-mail address", -EINVAL);
        if (domain && label == 0 && cp == '-')
            return reject(why, "has a domain label starting with '-'", -EINVAL);
        label += adv;
        if (domain && label > DNS_LABEL_MAX)
            return reject(why, "has a domain label longer than 63 bytes", -EINVAL);
    }
    if (label == 0)
        return reject(why, "has a misplaced '.'", -EINVAL);
    if (domain && s[len - 1] == '-')
        return reject(why, "has a domain label ending in '-'", -EINVAL);
    return 0;
}

int names_check_email(const char *email, const char **why)
{
    const char *at, *domain;
    size_t len, local_len;
    int err;

    if (why != NULL)
        *why = NULL;
    if (email == NULL || email[0] == '\0')
        return reject(why, "is empty", -EINVAL);
    len = strlen(email);
    if (len > AF_EMAIL_MAX)
        return reject(why, "is longer than 254 bytes", -EINVAL);
    at = strchr(email, '@');
    if (at == NULL || strchr(at + 1, '@') != NULL)
        return reject(why, "must contain exactly one '@'", -EINVAL);
    local_len = (size_t)(at - email);
    domain = at + 1;
    if (local_len == 0)
        return reject(why, "has nothing before the '@'", -EINVAL);
    if (local_len > EMAIL_LOCAL_MAX)
        return reject(why, "has more than 64 bytes before the '@'", -EINVAL);
    if (domain[0] == '\0')
        return reject(why, "has nothing after the '@'", -EINVAL);
    if (strchr(domain, '.') == NULL)
        return reject(why, "has no '.' in its domain", -EINVAL);
    err = check_part((const unsigned char *)email, local_len, is_atext, false, why);
    if (err == 0)
        err = check_part((const unsigned char *)domain, strlen(domain), is_domain_char, true,
                         why);
    return err;
}

/* Names written whole by file managers and OSes (Finder, Windows Explorer,
 * KDE Dolphin, macOS volumes, unzip of a Mac archive). */
static const char *const junk_names[] = {
    ".DS_Store",   "Thumbs.db",       "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini",
    ".directory",  ".Spotlight-V100", ".Trashes",    ".fseventsd",        ".TemporaryItems",
    ".localized",  ".apdisk",         "Icon\r",      "__MACOSX",          "$RECYCLE.BIN",
};

bool names_is_junk(const char *name)
{
    size_t len;

    if (name == NULL)
        return false;
    for (size_t i = 0; i < sizeof junk_names / sizeof junk_names[0]; i++)
        if (strcasecmp(name, junk_names[i]) == 0)
            return true;
    len = strlen(name);
    if (strncmp(name, "._", 2) == 0) /* AppleDouble resource forks */
        return true;
    if (strncmp(name, "~$", 2) == 0) /* Microsoft Office owner files */
        return true;
    if (strncasecmp(name, ".~lock.", 7) == 0 && name[len - 1] == '#') /* LibreOffice locks */
        return true;
    return len > 1 && name[len - 1] == '~'; /* editor backups: "name~" */
}

/* Folders and files a mount shows inside an album beside its sets. */
static const char *const reserved_in_album[] = {"Web-size", "High-res", "Favourites", "Private",
                                                "Trash",    NAMES_README};

int names_check_reserved_in_album(const char *name, const char **why)
{
    for (size_t i = 0; i < sizeof reserved_in_album / sizeof reserved_in_album[0]; i++) {
        if (strcasecmp(name, reserved_in_album[i]) == 0) {
            if (why)
                *why = "is the name of a folder or file every album shows (Web-size, "
                       "High-res, Favourites, Private, Trash, " NAMES_README ")";
            return -EINVAL;
        }
    }
    return 0;
}
