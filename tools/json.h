/* json.h — a small streaming JSON writer for albumctl's --json output.
 *
 * Writes one value (usually an object) to a FILE, indented two spaces per
 * level. Strings are escaped per RFC 8259: quotes, backslashes and control
 * characters are escaped, valid UTF-8 passes through as is, and any byte
 * that is not part of a valid UTF-8 sequence (a file name from a foreign
 * disk, say) becomes U+FFFD so the output always parses.
 * Write errors are left in the FILE's error flag for the caller to check.
 * Not thread-safe; no allocation.
 */
#ifndef ALBUMCTL_JSON_H
#define ALBUMCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
    FILE *f;
    int depth;
    bool has_items[JSON_MAX_DEPTH]; /* per open container: an item was written */
    bool after_key;                 /* the next value completes a "key": pair */
};

void json_init(struct json *j, FILE *f);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* Inside an object: the key of the next value. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_number(struct json *j, double v); /* 6 significant digits; null if not finite */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_number(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* After the top-level value: a final newline. */
void json_finish(struct json *j);

#endif
