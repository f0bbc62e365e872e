/* renditions.h — rendered views of photos: made once, cached, encrypted.
 *
 * A rendition is one view (proof, web-size, high-res) of one photo version
 * made to one specification (long edge, watermark, recipient mark,
 * metadata) under the studio's current watermark settings. Its id is a
 * keyed hash of all of that, so a change of version, grant settings or
 * watermark yields a new id and old renditions are simply not asked for
 * again (invalidation by construction). Bytes live encrypted in the
 * library's cache vault; the catalog's renditions table keeps each one's
 * size and dimensions, so listings know a view's exact size without
 * rendering, and the cache can be trimmed (least recently used first)
 * while sizes stay known: a trimmed rendition is made again, byte for byte
 * the same, on the next read.
 * Threading: any thread, each with its own catalog connection.
 */
#ifndef ALBUMFS_RENDITIONS_H
#define ALBUMFS_RENDITIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "store/library.h"

struct rendition_request {
    int64_t version_id;
    char blob[VAULT_ID_HEX];           /* the original's vault address */
    enum af_view view;                 /* PROOF, WEB or HIGHRES */
    uint32_t long_edge;                /* 0 = original size */
    bool watermark;
    char recipient[AF_EMAIL_MAX + 1];  /* "" = no recipient mark */
    enum af_metadata metadata;
};

struct rendition_info {
    char id[VAULT_ID_HEX];
    uint64_t size;
    uint32_t width, height;
};

/* The studio's watermark, from the catalog's settings (albumctl watermark). */
struct watermark_settings {
    char text[256];        /* "" = no text */
    char logo[VAULT_ID_HEX]; /* vault address of a PNG logo, "" = none */
    char position[16];     /* center, bottom-right, bottom-left, top-right, top-left, tiled */
    double opacity;        /* 0..1 */
};

/* Load the watermark settings (defaults: text "PROOF", center, 0.35). */
int renditions_watermark(struct af_catalog *c, struct watermark_settings *out);

/* Fill a request for `view` of photo `p` as the policy decided in `r`,
 * with recipient the person's label when the policy asks for a mark. */
void renditions_request(const struct cat_photo *p, const struct af_render *r,
                        const char *recipient, struct rendition_request *out);

/* The id of the rendition `req` under watermark `wm`. */
void renditions_id(const struct af_library *lib, const struct rendition_request *req,
                   const struct watermark_settings *wm, char id[VAULT_ID_HEX]);

/* The recorded rendition with that id: 0, or -ENOENT if never made. */
int renditions_find(struct af_catalog *c, const char *id, struct rendition_info *out);

/* Make the rendition (if its bytes are not in the cache), record it and
 * mark it used. Slow: call off the request path. why gets a reason on
 * failure. */
int renditions_make(struct af_library *lib, struct af_catalog *c,
                    const struct rendition_request *req, struct rendition_info *out,
                    char *why, size_t why_len);

/* Open the cached bytes: -ENOENT if trimmed (make it again). */
int renditions_open(struct af_library *lib, const struct rendition_info *info,
                    struct af_blob **out);

/* Trim the cache to at most max_bytes, least recently used first. */
int renditions_trim(struct af_library *lib, struct af_catalog *c, uint64_t max_bytes);

/* Take a rendition out of the cache (its bytes, its cached mark): it is
 * made again, identical, when next asked for. 0 when its bytes were removed
 * now, -ENOENT when they were gone already (the mark is cleared all the
 * same), or another negative errno. */
int renditions_drop(struct af_library *lib, struct af_catalog *c, const char *id);

/* Authenticate every cached rendition; damaged(id, arg) for each that does
 * not (missing ones are catalog_check's to report), and with drop, each is
 * also dropped. Slow (reads the whole cache): for albumctl, never the
 * request path. 0 or negative errno; *n_damaged counts them. */
int renditions_find_damaged(struct af_library *lib, struct af_catalog *c, bool drop,
                            void (*damaged)(const char *id, void *arg), void *arg,
                            size_t *n_damaged);

#endif
