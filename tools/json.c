/* json.c — the streaming JSON writer behind albumctl --json (see json.h). */
#include "tools/json.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>

#include <glib.h>

void json_init(struct json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->after_key = false;
}

static void json_indent(struct json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator and indentation before a value or key. */
static void json_item(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->has_items[j->depth - 1])
        fputc(',', j->f);
    j->has_items[j->depth - 1] = true;
    json_indent(j);
}

static void json_open(struct json *j, char c)
{
    json_item(j);
    fputc(c, j->f);
    assert(j->depth < JSON_MAX_DEPTH); /* albumctl's documents are shallow */
    j->has_items[j->depth] = false;
    j->depth++;
}

static void json_close(struct json *j, char c)
{
    j->depth--;
    if (j->has_items[j->depth])
        json_indent(j);
    fputc(c, j->f);
}

void json_object_begin(struct json *j) { json_open(j, '{'); }
void json_object_end(struct json *j) { json_close(j, '}'); }
void json_array_begin(struct json *j) { json_open(j, '['); }
void json_array_end(struct json *j) { json_close(j, ']'); }

/* Length of the valid UTF-8 sequence starting at s, or 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned char b = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

static void json_write_string(struct json *j, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    fputc('"', j->f);
    while (*s) {
        size_t n = utf8_seq_len(s);

        if (n == 0) {
            fputs("\\ufffd", j->f);
            s++;
            continue;
        }
        if (n > 1) {
            fwrite(s, 1, n, j->f);
            s += n;
            continue;
        }
        switch (*s) {
        case '"': fputs("\\\"", j->f); break;
        case '\\': fputs("\\\\", j->f); break;
        case '\b': fputs("\\b", j->f); break;
        case '\f': fputs("\\f", j->f); break;
        case '\n': fputs("\\n", j->f); break;
        case '\r': fputs("\\r", j->f); break;
        case '\t': fputs("\\t", j->f); break;
        default:
            if (*s < 0x20 || *s == 0x7f)
                fprintf(j->f, "\\u%04x", *s);
            else
                fputc(*s, j->f);
        }
        s++;
    }
    fputc('"', j->f);
}

void json_key(struct json *j, const char *key)
{
    json_item(j);
    json_write_string(j, key);
    fputs(": ", j->f);
    j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
    json_item(j);
    json_write_string(j, s);
}

void json_int(struct json *j, int64_t v)
{
    json_item(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_number(struct json *j, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    json_item(j);
    fputs(isfinite(v) ? g_ascii_formatd(buf, sizeof buf, "%.6g", v) : "null", j->f);
}

void json_bool(struct json *j, bool v)
{
    json_item(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
    json_item(j);
    fputs("null", j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_number(struct json *j, const char *key, double v)
{
    json_key(j, key);
    json_number(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
    json_key(j, key);
    json_bool(j, v);
}

void json_finish(struct json *j)
{
    fputc('\n', j->f);
}
