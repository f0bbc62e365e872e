/* gallery_address.c — checking the studio's SMB, WebDAV and SFTP addresses
 * and telling people how to open a gallery through them (see
 * gallery_address.h).
 *
 * The per-OS steps follow what each system offers without installing
 * anything: Windows Explorer's "Map network drive" (SMB and WebDAV),
 * Finder's "Connect to Server" (SMB and WebDAV), a Linux file manager's
 * "Other Locations" or address bar and gio on a Linux shell (all three).
 * Windows and macOS have no SFTP in their file managers: for SFTP they are
 * told of an SFTP program or the sftp command.
 */
#include "store/gallery_address.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define HOST_MAX 253
#define SHARE_MAX 80

static const char *const keys[ADDRESS_KINDS] = {"notify.smb", "notify.webdav", "notify.sftp"};

const char *address_setting(enum address_kind kind)
{
    return keys[kind];
}

/* A DNS name or IPv4 address: letters, digits, '-' and '.', labels not
 * empty and not starting or ending with '-'. s[0..n). */
static bool host_ok(const char *s, size_t n)
{
    size_t label = 0;

    if (n == 0 || n > HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!g_ascii_isalnum(ch) && ch != '-')
            return false;
        if (ch == '-' && label == 0)
            return false;
        label++;
    }
    return label > 0 && s[n - 1] != '-';
}

/* "1".."65535" in s[0..n): the port, or 0. */
static long port_of(const char *s, size_t n)
{
    long v = 0;

    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535 && s[0] != '0' ? v : 0;
}

/* A share name: 1..SHARE_MAX bytes of UTF-8 without control characters or
 * any of \ / : * ? " < > | (Windows refuses them in share names). */
static bool share_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > SHARE_MAX || !g_utf8_validate(s, -1, NULL) || s[0] == ' ' ||
        s[n - 1] == ' ')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr("\\/:*?\"<>|", *p))
            return false;
    return true;
}

static int check_smb(const char *text, char *canon, size_t len, const char **why)
{
    const char *rest, *slash;
    char sep;

    if (strncmp(text, "smb://", 6) == 0)
        rest = text + 6, sep = '/';
    else if (strncmp(text, "\\\\", 2) == 0)
        rest = text + 2, sep = '\\';
    else if (strncmp(text, "//", 2) == 0)
        rest = text + 2, sep = '/';
    else
        return *why = "is not \\\\HOST\\SHARE or smb://HOST/SHARE", -EINVAL;
    slash = strchr(rest, sep);
    if (!slash || !host_ok(rest, (size_t)(slash - rest)))
        return *why = "needs a host name (letters, digits, '-' and '.') and a share", -EINVAL;
    if (!share_ok(slash + 1))
        return *why = "has no share name, or one with control characters or any of "
                      "\\ / : * ? \" < > |", -EINVAL;
    if ((size_t)snprintf(canon, len, "smb://%.*s/%s", (int)(slash - rest), rest, slash + 1) >=
        len)
        return -ENAMETOOLONG;
    return 0;
}

static int check_webdav(const char *text, char *canon, size_t len, const char **why)
{
    const char *host = text + 8, *end;
    size_t hn;

    if (strncmp(text, "https://", 8) != 0)
        return *why = "must start with https:// (passwords travel over it)", -EINVAL;
    end = host + strcspn(host, ":/");
    hn = (size_t)(end - host);
    if (!host_ok(host, hn))
        return *why = "needs a host name (letters, digits, '-' and '.')", -EINVAL;
    if (*end == ':') {
        const char *port = end + 1;

        end = port + strcspn(port, "/");
        if (!port_of(port, (size_t)(end - port)))
            return *why = "has a port that is not 1 to 65535", -EINVAL;
    }
    for (const unsigned char *p = (const unsigned char *)end; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p))
            return *why = "has a space, a control or non-ASCII character, or one of "
                          "\" < > \\ ^ ` { | } (encode them with %XX)", -EINVAL;
    if (strlen(text) >= len || strlen(text) >= ADDRESS_MAX)
        return -ENAMETOOLONG;
    memcpy(canon, text, strlen(text) + 1);
    return 0;
}

static int check_sftp(const char *text, char *canon, size_t len, const char **why)
{
    const char *colon = strchr(text, ':');
    size_t hn = colon ? (size_t)(colon - text) : strlen(text);
    long port = colon ? port_of(colon + 1, strlen(colon + 1)) : 22;

    if (!host_ok(text, hn))
        return *why = "needs a host name (letters, digits, '-' and '.'), then :PORT if "
                      "not 22", -EINVAL;
    if (!port)
        return *why = "has a port that is not 1 to 65535", -EINVAL;
    if ((size_t)snprintf(canon, len, "%.*s:%ld", (int)hn, text, port) >= len)
        return -ENAMETOOLONG;
    return 0;
}

int address_check(enum address_kind kind, const char *text, char *canon, size_t len,
                  const char **why)
{
    const char *unused;

    if (!why)
        why = &unused;
    if (len > 0)
        canon[0] = '\0';
    if (strlen(text) >= ADDRESS_MAX)
        return *why = "is too long", -ENAMETOOLONG;
    switch (kind) {
    case ADDRESS_SMB:
        return check_smb(text, canon, len, why);
    case ADDRESS_WEBDAV:
        return check_webdav(text, canon, len, why);
    case ADDRESS_SFTP:
        return check_sftp(text, canon, len, why);
    }
    return *why = "is not a kind of address", -EINVAL;
}

/* ---- the steps ---- */

static void smb_steps(FILE *f, const char *canon)
{
    const char *hs = canon + 6, *slash = strchr(hs, '/');
    int hn = (int)(slash - hs);

    fprintf(f, "As a network drive (SMB):\n"
               "  Windows: in File Explorer, right-click \"This PC\", choose \"Map network\n"
               "    drive...\", enter \\\\%.*s\\%s and sign in.\n"
               "  macOS: in the Finder choose Go > Connect to Server... (Command-K),\n"
               "    enter smb://%.*s/%s and sign in.\n"
               "  Linux desktop: in the file manager open \"Other Locations\" (or press\n"
               "    Ctrl+L), enter smb://%.*s/%s and sign in.\n"
               "  Linux shell: gio mount smb://%.*s/%s\n\n",
            hn, hs, slash + 1, hn, hs, slash + 1, hn, hs, slash + 1, hn, hs, slash + 1);
}

static void webdav_steps(FILE *f, const char *url)
{
    fprintf(f, "Over the web (WebDAV):\n"
               "  Windows: in File Explorer, right-click \"This PC\", choose \"Map network\n"
               "    drive...\", enter %s and sign in.\n"
               "  macOS: in the Finder choose Go > Connect to Server... (Command-K),\n"
               "    enter %s and sign in.\n"
               "  Linux desktop: in the file manager open \"Other Locations\" (or press\n"
               "    Ctrl+L), enter davs://%s and sign in.\n"
               "  Linux shell: gio mount davs://%s\n\n",
            url, url, url + 8, url + 8);
}

static void sftp_steps(FILE *f, const char *canon)
{
    const char *colon = strrchr(canon, ':');
    int hn = (int)(colon - canon);
    const char *port = colon + 1;

    fprintf(f, "Over SFTP (host %.*s, port %s):\n"
               "  Windows and macOS: an SFTP program (WinSCP, Cyberduck, FileZilla)\n"
               "    with host %.*s, port %s and your user name and password.\n"
               "  Linux desktop: in the file manager open \"Other Locations\" (or press\n"
               "    Ctrl+L) and enter sftp://%.*s:%s/\n"
               "  Linux shell: sftp -P %s YOUR-USER-NAME@%.*s\n\n",
            hn, canon, port, hn, canon, port, hn, canon, port, port, hn, canon);
}

int address_instructions(struct af_catalog *c, char **text, bool *any)
{
    size_t len = 0;
    FILE *f;
    int rc = 0;

    *text = NULL;
    *any = false;
    f = open_memstream(text, &len);
    if (!f)
        return -ENOMEM;
    for (int k = 0; rc == 0 && k < ADDRESS_KINDS; k++) {
        char value[ADDRESS_MAX + 1], canon[ADDRESS_MAX + 1];

        rc = catalog_setting_get(c, keys[k], value, sizeof value);
        if (rc == -ENOENT || rc == -E2BIG || (rc == 0 && !value[0])) {
            rc = 0;
            continue;
        }
        if (rc < 0 || address_check((enum address_kind)k, value, canon, sizeof canon, NULL) < 0)
            continue;
        *any = true;
        if (k == ADDRESS_SMB)
            smb_steps(f, canon);
        else if (k == ADDRESS_WEBDAV)
            webdav_steps(f, canon);
        else
            sftp_steps(f, canon);
    }
    if (*any)
        fputs("Sign in with the user name and password the studio gave you.\n", f);
    else
        fputs("Your photographer will send you the details of how to connect to the\n"
              "gallery from your computer.\n", f);
    if (ferror(f) && rc == 0)
        rc = -ENOMEM;
    if (fclose(f) != 0 && rc == 0)
        rc = -ENOMEM;
    if (rc < 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}
