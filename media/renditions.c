/* renditions.c — rendered views: made once, cached, encrypted (renditions.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media/render.h"
#include "media/renditions.h"


static void setting(struct af_catalog *c, const char *key, const char *fallback, char *buf,
                    size_t len)
{
    if (catalog_setting_get(c, key, buf, len) < 0)
        snprintf(buf, len, "%s", fallback);
}

int renditions_watermark(struct af_catalog *c, struct watermark_settings *out)
{
    char opacity[32];

    memset(out, 0, sizeof *out);
    setting(c, "watermark.text", "PROOF", out->text, sizeof out->text);
    setting(c, "watermark.logo", "", out->logo, sizeof out->logo);
    setting(c, "watermark.position", "center", out->position, sizeof out->position);
    setting(c, "watermark.opacity", "0.35", opacity, sizeof opacity);
    out->opacity = g_ascii_strtod(opacity, NULL);
    if (!(out->opacity >= 0.0 && out->opacity <= 1.0))
        out->opacity = 0.35;
    return 0;
}

void renditions_request(const struct cat_photo *p, const struct af_render *r,
                        const char *recipient, struct rendition_request *out)
{
    memset(out, 0, sizeof *out);
    out->version_id = p->version_id;
    snprintf(out->blob, sizeof out->blob, "%s", p->blob);
    out->view = r->view;
    out->long_edge = r->long_edge;
    out->watermark = r->watermark;
    snprintf(out->recipient, sizeof out->recipient, "%s", recipient ? recipient : "");
    out->metadata = r->metadata;
}

/* The canonical description of a rendition; its keyed hash is the id. The
 * watermark is part of it only when one is drawn; the libvips version is,
 * because only the same libvips renders the same bytes (a trimmed rendition
 * must come back exactly as big as listed). */
static char *spec_string(const struct rendition_request *req, const struct watermark_settings *wm)
{
    return g_strdup_printf("albumfs-rendition-1\nvips=%s\nblob=%s\nview=%u\nedge=%u\nmeta=%d\n"
                           "recipient=%s\nwatermark=%d\ntext=%s\nlogo=%s\nplace=%s\n"
                           "opacity=%.3f\n",
                           media_version(), req->blob, (unsigned)req->view, req->long_edge, (int)req->metadata,
                           req->recipient, req->watermark ? 1 : 0,
                           req->watermark ? wm->text : "", req->watermark ? wm->logo : "",
                           req->watermark ? wm->position : "",
                           req->watermark ? wm->opacity : 0.0);
}

void renditions_id(const struct af_library *lib, const struct rendition_request *req,
                   const struct watermark_settings *wm, char id[VAULT_ID_HEX])
{
    char *spec = spec_string(req, wm);

    vault_address(lib->cache, spec, strlen(spec), id);
    g_free(spec);
}

int renditions_find(struct af_catalog *c, const char *id, struct rendition_info *out)
{
    struct cat_rendition r;
    int rc = catalog_rendition_find(c, id, &r);

    if (rc < 0)
        return rc;
    snprintf(out->id, sizeof out->id, "%s", r.id);
    out->size = r.size;
    out->width = r.width;
    out->height = r.height;
    return 0;
}

static enum media_place parse_place(const char *s)
{
    static const struct {
        const char *name;
        enum media_place place;
    } places[] = {
        {"center", MEDIA_PLACE_CENTER},       {"bottom-right", MEDIA_PLACE_BOTTOM_RIGHT},
        {"bottom-left", MEDIA_PLACE_BOTTOM_LEFT}, {"top-right", MEDIA_PLACE_TOP_RIGHT},
        {"top-left", MEDIA_PLACE_TOP_LEFT},   {"tiled", MEDIA_PLACE_TILED},
    };

    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (strcmp(s, places[i].name) == 0)
            return places[i].place;
    return MEDIA_PLACE_CENTER;
}

static enum media_metadata media_meta(enum af_metadata m)
{
    switch (m) {
    case AF_META_KEEP_ALL:
        return MEDIA_META_KEEP_ALL;
    case AF_META_STRIP_GPS:
        return MEDIA_META_STRIP_GPS;
    default:
        return MEDIA_META_STRIP_ALL;
    }
}

/* Render req under wm into a g_malloc'd JPEG. */
static int render(struct af_library *lib, const struct rendition_request *req,
                  const struct watermark_settings *wm, void **jpeg, size_t *jpeg_len, char *why,
                  size_t why_len)
{
    void *orig = NULL, *logo = NULL;
    size_t orig_len = 0, logo_len = 0;
    struct media_watermark mark;
    struct media_render_spec spec;
    int rc;

    rc = vault_read_all(lib->vault, req->blob, &orig, &orig_len);
    if (rc < 0) {
        snprintf(why, why_len, "cannot read the original: %s", strerror(-rc));
        return rc;
    }
    memset(&spec, 0, sizeof spec);
    spec.long_edge = req->long_edge;
    spec.metadata = media_meta(req->metadata);
    spec.recipient = req->recipient[0] ? req->recipient : NULL;
    if (req->watermark) {
        memset(&mark, 0, sizeof mark);
        mark.text = wm->text;
        mark.place = parse_place(wm->position);
        mark.opacity = wm->opacity;
        if (wm->logo[0] && vault_read_all(lib->vault, wm->logo, &logo, &logo_len) == 0) {
            mark.logo = logo;
            mark.logo_len = logo_len;
        }
        spec.watermark = &mark;
    }
    rc = media_render(orig, orig_len, &spec, jpeg, jpeg_len, why, why_len);
    free(logo);
    free(orig);
    return rc;
}

int renditions_make(struct af_library *lib, struct af_catalog *c,
                    const struct rendition_request *req, struct rendition_info *out,
                    char *why, size_t why_len)
{
    struct watermark_settings wm;
    struct cat_rendition rec;
    void *jpeg = NULL;
    size_t jpeg_len = 0;
    char *spec = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    snprintf(why, why_len, "%s", "");
    rc = renditions_watermark(c, &wm);
    if (rc < 0)
        return rc;
    renditions_id(lib, req, &wm, out->id);
    if (catalog_rendition_find(c, out->id, &rec) == 0 && rec.cached &&
        vault_exists(lib->cache, out->id) == 1) {
        out->size = rec.size;
        out->width = rec.width;
        out->height = rec.height;
        return 0;
    }
    rc = render(lib, req, &wm, &jpeg, &jpeg_len, why, why_len);
    if (rc < 0)
        return rc;
    /* Recorded first, as not cached; then the bytes; then marked cached. A
     * crash between leaves a row without bytes (a trimmed view: made again
     * when read) or bytes under a recorded id, never bytes the catalog does
     * not name (an orphan `albumctl verify` would report). */
    memset(&rec, 0, sizeof rec);
    snprintf(rec.id, sizeof rec.id, "%s", out->id);
    rec.version_id = req->version_id;
    rec.size = jpeg_len;
    media_jpeg_size(jpeg, jpeg_len, &rec.width, &rec.height);
    spec = spec_string(req, &wm);
    rc = catalog_rendition_put(c, &rec, spec);
    if (rc < 0) {
        snprintf(why, why_len, "cannot record the rendition: %s", catalog_errmsg(c));
        goto out;
    }
    rc = vault_put_named(lib->cache, out->id, jpeg, jpeg_len);
    if (rc < 0) {
        snprintf(why, why_len, "cannot store the rendition: %s", strerror(-rc));
        goto out;
    }
    rc = catalog_rendition_set_cached(c, out->id, true);
    if (rc < 0) {
        snprintf(why, why_len, "cannot record the rendition: %s", catalog_errmsg(c));
        goto out;
    }
    out->size = rec.size;
    out->width = rec.width;
    out->height = rec.height;
out:
    g_free(spec);
    g_free(jpeg);
    return rc;
}

int renditions_open(struct af_library *lib, const struct rendition_info *info,
                    struct af_blob **out)
{
    return vault_blob_open(lib->cache, info->id, out);
}

int renditions_trim(struct af_library *lib, struct af_catalog *c, uint64_t max_bytes)
{
    uint64_t total = 0;
    int rc = catalog_rendition_cached_bytes(c, &total);

    while (rc == 0 && total > max_bytes) {
        struct cat_rendition *rows = NULL;
        size_t n = 0;

        rc = catalog_rendition_oldest(c, 64, &rows, &n);
        if (rc < 0 || n == 0) {
            free(rows);
            break;
        }
        for (size_t i = 0; i < n && total > max_bytes; i++) {
            int gone = vault_remove(lib->cache, rows[i].id);

            if (gone < 0 && gone != -ENOENT)
                continue; /* the file stays: try the next one */
            rc = catalog_rendition_set_cached(c, rows[i].id, false);
            if (rc < 0)
                break;
            total -= rows[i].size < total ? rows[i].size : total;
        }
        free(rows);
    }
    return rc;
}

int renditions_drop(struct af_library *lib, struct af_catalog *c, const char *id)
{
    int gone = vault_remove(lib->cache, id);
    int rc;

    if (gone < 0 && gone != -ENOENT)
        return gone;
    rc = catalog_rendition_set_cached(c, id, false);
    return rc < 0 ? rc : gone;
}

int renditions_find_damaged(struct af_library *lib, struct af_catalog *c, bool drop,
                            void (*damaged)(const char *id, void *arg), void *arg,
                            size_t *n_damaged)
{
    struct cat_rendition *rows = NULL;
    size_t n = 0;
    int rc = catalog_rendition_oldest(c, (size_t)INT64_MAX, &rows, &n);

    *n_damaged = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (vault_verify(lib->cache, rows[i].id, 0) != -EIO)
            continue;
        (*n_damaged)++;
        if (damaged)
            damaged(rows[i].id, arg);
        if (drop && (rc = renditions_drop(lib, c, rows[i].id)) == -ENOENT)
            rc = 0;
    }
    free(rows);
    return rc;
}
