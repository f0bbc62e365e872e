/* login_input.c — the JSON object rclone's --auth-proxy writes to
 * albumfs-link-login's stdin (login_input.h): strings only, with JSON's
 * escapes (\uXXXX and surrogate pairs to UTF-8; a NUL is refused, no
 * password holds one). No state, no locks.
 */
#include <string.h>

#include "fs/login_input.h"

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        char c = p[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Append code point cp as UTF-8 to out[*n] (cap bytes, one kept for the
 * NUL). -1 when it does not fit or is NUL (a password never holds one). */
static int put_utf8(char *out, size_t cap, size_t *n, unsigned cp)
{
    unsigned char b[4];
    size_t k;

    if (cp == 0)
        return -1;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    if (*n + k >= cap)
        return -1;
    memcpy(out + *n, b, k);
    *n += k;
    return 0;
}

/* The escape after a backslash at *pp (which it advances) as a code point. */
static int escape(const char **pp, unsigned *cp)
{
    const char *p = *pp;
    unsigned lo;

    switch (*p) {
    case '"': case '\\': case '/': *cp = (unsigned char)*p; break;
    case 'b': *cp = '\b'; break;
    case 'f': *cp = '\f'; break;
    case 'n': *cp = '\n'; break;
    case 'r': *cp = '\r'; break;
    case 't': *cp = '\t'; break;
    case 'u':
        if (hex4(p + 1, cp) < 0)
            return -1;
        p += 4;
        if (*cp >= 0xd800 && *cp < 0xdc00) { /* a surrogate pair */
            if (p[1] != '\\' || p[2] != 'u' || hex4(p + 3, &lo) < 0 || lo < 0xdc00 ||
                lo > 0xdfff)
                return -1;
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        } else if (*cp >= 0xdc00 && *cp <= 0xdfff) {
            return -1;
        }
        break;
    default:
        return -1;
    }
    *pp = p + 1;
    return 0;
}

/* A JSON string at *pp (at its opening quote) into out[cap], unescaped. */
static int json_string(const char **pp, char *out, size_t cap)
{
    const char *p = *pp;
    size_t n = 0;

    if (*p++ != '"')
        return -1;
    while (*p != '"') {
        unsigned cp;

        if ((unsigned char)*p < 0x20) /* a control character, or the end */
            return -1;
        if (*p == '\\') {
            p++;
            if (escape(&p, &cp) < 0 || put_utf8(out, cap, &n, cp) < 0)
                return -1;
            continue;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = *p++;
    }
    out[n] = '\0';
    *pp = p + 1;
    return 0;
}

int login_input_parse(const char *in, struct login_credentials *cr, char *scratch)
{
    const size_t scratch_cap = LOGIN_INPUT_MAX;
    const char *p = skip_ws(in);
    char key[16];

    memset(cr, 0, sizeof *cr);
    if (*p++ != '{')
        return -1;
    p = skip_ws(p);
    if (*p == '}')
        return skip_ws(p + 1)[0] ? -1 : 0;
    for (;;) {
        char *value = scratch;
        size_t cap = scratch_cap;
        bool *seen = NULL;

        if (json_string(&p, key, sizeof key) < 0) {
            /* a key longer than ours: skip it whole */
            if (json_string(&p, scratch, scratch_cap) < 0)
                return -1;
            key[0] = '\0';
        }
        if (strcmp(key, "user") == 0) {
            value = cr->user, cap = sizeof cr->user, seen = &cr->has_user;
        } else if (strcmp(key, "pass") == 0) {
            value = cr->pass, cap = sizeof cr->pass, seen = &cr->has_pass;
        }
        p = skip_ws(p);
        if (*p++ != ':')
            return -1;
        p = skip_ws(p);
        if (json_string(&p, value, cap) < 0 || (seen && *seen))
            return -1;
        if (seen)
            *seen = true;
        p = skip_ws(p);
        if (*p == '}')
            return skip_ws(p + 1)[0] ? -1 : 0;
        if (*p++ != ',')
            return -1;
        p = skip_ws(p);
    }
}
