/* render.c — rendering views of photos as JPEGs with libvips (SPEC §5).
 *
 * One pipeline, built lazily and run once by the final jpegsave:
 *   decode at a reduced scale and resize (libjpeg's DCT scaling for a JPEG
 *   at least twice the view's size, else vips_thumbnail's shrink-on-load),
 *   EXIF autorotate; long edge 0 = no resize
 *   → sRGB (through the embedded ICC profile when there is one)
 *   → flatten alpha onto white → 8-bit → into memory (views up to 16 MP)
 *   → studio watermark (logo above text; a corner, the centre, or tiled)
 *   → recipient mark (small faint text repeated in staggered rows, so a
 *     crop does not remove it)
 *   → metadata filter → baseline JPEG.
 * The original is read only in sequential mode and decoded images are
 * kept in memory, never in libvips temporary files (which would put
 * decrypted photos on disk).
 *
 * Watermarks are white glyphs with a soft dark halo, so they read on light
 * and dark photos alike; their alpha is the requested opacity. Text is
 * plain text (escaped before Pango sees it). Sizes are fractions of the
 * view's long edge, so a mark looks the same on every view size.
 *
 * Ownership: every VipsImage is created into a local array of one context
 * object, which is unreffed once at the end of media_render() on every
 * path; helpers return images that the context owns.
 *
 * Threading: see render.h. Its one piece of state is text_lock: text is
 * drawn one call at a time in the whole process (media_text).
 */
#include "media/render.h"
#include "media/media_private.h"
#include "media/probe.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <vips/vips.h>

/* Halo strength relative to the glyphs' coverage, and halo blur radius,
 * as a fraction of the em. */
#define HALO_STRENGTH 0.7
#define HALO_SIGMA 0.06
/* Smallest useful glyph size, pixels. */
#define MIN_EM 9
/* Space between a corner mark and the edges, of the view's short edge. */
#define MARGIN 0.03
/* Views up to this many pixels are rendered in memory (3 bytes each)
 * before watermarks and encoding; larger ones stream. */
#define MEMORY_PIXELS (16u * 1000u * 1000u)
/* Tilt of tiled studio marks, degrees. */
#define TILE_ANGLE (-30.0)

/* True when s (valid UTF-8 or NULL) has something to draw. */
static int has_text(const char *s)
{
    for (const char *p = s; p && *p; p = g_utf8_next_char(p))
        if (!g_unichar_isspace(g_utf8_get_char(p)))
            return 1;
    return 0;
}

/* White text with a dark halo as an RGBA overlay at most max_width wide,
 * alpha scaled by opacity. *out is owned by ctx. */
static int text_overlay(VipsObject *ctx, const char *text, const char *font,
                        int em, int max_width, double opacity,
                        VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 8);
    char *markup = g_markup_escape_text(text, -1);
    char *desc = g_strdup_printf("%s %d", font, em);
    int pad = MAX(2, em / 4);
    VipsImage *mask;
    VipsImage *bands[4];
    int rc = -EIO;

    if (media_text(&t[0], markup, desc))
        goto out;
    mask = t[0];
    if (mask->Xsize > max_width) {
        if (vips_resize(mask, &t[1], (double)max_width / mask->Xsize, NULL))
            goto out;
        mask = t[1];
    }
    /* Colour = glyph coverage (white glyphs, black halo);
     * alpha = (coverage + blurred coverage) × opacity. */
    if (vips_embed(mask, &t[2], pad, pad, mask->Xsize + 2 * pad,
                   mask->Ysize + 2 * pad, NULL) ||
        vips_gaussblur(t[2], &t[3], MAX(1.0, em * HALO_SIGMA), NULL) ||
        vips_linear1(t[3], &t[4], HALO_STRENGTH, 0.0, NULL) ||
        vips_add(t[2], t[4], &t[5], NULL) ||
        vips_linear1(t[5], &t[6], opacity, 0.0, "uchar", TRUE, NULL))
        goto out;
    bands[0] = bands[1] = bands[2] = t[2];
    bands[3] = t[6];
    if (vips_bandjoin(bands, &t[7], 4, NULL))
        goto out;
    *out = t[7];
    rc = 0;
out:
    g_free(desc);
    g_free(markup);
    return rc;
}

/* The logo fitted into box_w × box_h as an RGBA overlay, alpha scaled by
 * opacity. *out is owned by ctx. */
static int logo_overlay(VipsObject *ctx, const struct media_watermark *wm,
                        int box_w, int box_h, VipsImage **out, char *why,
                        size_t why_len)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 5);
    const double scale[4] = { 1.0, 1.0, 1.0, wm->opacity };
    const double offset[4] = { 0.0, 0.0, 0.0, 0.0 };
    struct media_info info;
    char reason[200];
    VipsImage *in;
    int rc;

    rc = media_probe_header(wm->logo, wm->logo_len, &info, reason,
                            sizeof(reason));
    if (rc == 0 && info.kind != MEDIA_PHOTO) {
        g_strlcpy(reason, "a document is not an image", sizeof(reason));
        rc = -EINVAL;
    }
    if (rc < 0) {
        media_set_why(why, why_len, "watermark logo: %s", reason);
        rc = -EINVAL;
        goto out;
    }
    rc = -EIO;
    if (vips_thumbnail_buffer((void *)wm->logo, wm->logo_len, &t[0], box_w,
                              "height", box_h, NULL) ||
        vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL))
        goto fail;
    in = t[1];
    if (!vips_image_hasalpha(in)) {
        if (vips_addalpha(in, &t[2], NULL))
            goto fail;
        in = t[2];
    }
    if (vips_cast_uchar(in, &t[3], NULL))
        goto fail;
    if (t[3]->Bands != 4) {
        media_set_why(why, why_len, "watermark logo has %d channels",
                      t[3]->Bands);
        rc = -EINVAL;
        goto out;
    }
    if (vips_linear(t[3], &t[4], scale, offset, 4, "uchar", TRUE, NULL))
        goto fail;
    *out = t[4];
    rc = 0;
    goto out;
fail:
    media_take_vips_error(why, why_len, "watermark logo cannot be drawn");
out:
    return rc;
}

/* overlay repeated over a width × height canvas in rows offset by half a
 * cell, cells gap_x/gap_y larger than the overlay. The cell is made once,
 * in memory; otherwise every tile of the view would redraw the text.
 * *out is owned by ctx. */
static int tile_overlay(VipsObject *ctx, VipsImage *overlay, int width,
                        int height, int gap_x, int gap_y, VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 6);
    int cw = overlay->Xsize + gap_x;
    int ch = overlay->Ysize + gap_y;

    if (vips_embed(overlay, &t[0], 0, 0, cw, ch, NULL) ||
        vips_wrap(t[0], &t[1], "x", cw / 2, "y", 0, NULL) ||
        vips_join(t[0], t[1], &t[2], VIPS_DIRECTION_VERTICAL, NULL) ||
        !(t[3] = vips_image_copy_memory(t[2])) ||
        vips_replicate(t[3], &t[4], width / cw + 2, height / (2 * ch) + 2,
                       NULL) ||
        vips_extract_area(t[4], &t[5], cw / 4, ch / 4, width, height, NULL))
        return -EIO;
    *out = t[5];
    return 0;
}

/* Blend the RGBA mark over `in` (3-band 8-bit sRGB) with its top-left
 * corner at x, y. *out is owned by ctx.
 *
 * An image in memory is touched only where the mark covers it:
 * ifthenelse's integer blend of that area, inserted back, is several
 * times faster than vips_composite. A streamed image (a view too big for
 * memory, decoded once from top to bottom) must be read by exactly one
 * operation in order — an inserted area reads it a second time and the
 * decoder fails with "out of order read" — so there the mark is embedded
 * in a transparent canvas of the view's size and blended over the whole
 * view in one pass. */
static int blend_mark(VipsObject *ctx, VipsImage *in, bool streamed,
                      VipsImage *mark, int x, int y, VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 6);
    VipsRect area = { x, y, mark->Xsize, mark->Ysize };
    VipsRect whole = { 0, 0, in->Xsize, in->Ysize };

    vips_rect_intersectrect(&area, &whole, &area);
    if (vips_rect_isempty(&area)) {
        *out = in;
        return 0;
    }
    if (streamed) {
        if (vips_embed(mark, &t[0], x, y, in->Xsize, in->Ysize, NULL) ||
            vips_extract_band(t[0], &t[1], 0, "n", 3, NULL) ||
            vips_extract_band(t[0], &t[2], 3, NULL) ||
            vips_ifthenelse(t[2], t[1], in, &t[3], "blend", TRUE, NULL))
            return -EIO;
        *out = t[3];
        return 0;
    }
    if (vips_extract_area(mark, &t[0], area.left - x, area.top - y,
                          area.width, area.height, NULL) ||
        vips_extract_band(t[0], &t[1], 0, "n", 3, NULL) ||
        vips_extract_band(t[0], &t[2], 3, NULL) ||
        vips_extract_area(in, &t[3], area.left, area.top, area.width,
                          area.height, NULL) ||
        vips_ifthenelse(t[2], t[1], t[3], &t[4], "blend", TRUE, NULL) ||
        vips_insert(in, t[4], &t[5], area.left, area.top, NULL))
        return -EIO;
    *out = t[5];
    return 0;
}

/* Top-left corner of a w × h mark placed on a width × height view. */
static void place_mark(enum media_place place, int width, int height, int w,
                       int h, int *x, int *y)
{
    int margin = MAX(4, (int)(MIN(width, height) * MARGIN));
    int right = width - w - margin;
    int bottom = height - h - margin;

    switch (place) {
    case MEDIA_PLACE_BOTTOM_RIGHT:
        *x = right, *y = bottom;
        break;
    case MEDIA_PLACE_BOTTOM_LEFT:
        *x = margin, *y = bottom;
        break;
    case MEDIA_PLACE_TOP_RIGHT:
        *x = right, *y = margin;
        break;
    case MEDIA_PLACE_TOP_LEFT:
        *x = margin, *y = margin;
        break;
    default:
        *x = (width - w) / 2, *y = (height - h) / 2;
        break;
    }
    *x = MAX(0, *x);
    *y = MAX(0, *y);
}

/* Lay the studio watermark over `in` (8-bit sRGB, 3 bands). */
static int add_watermark(VipsObject *ctx, VipsImage *in, bool streamed,
                         const struct media_watermark *wm, VipsImage **out,
                         char *why, size_t why_len)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 3);
    int long_edge = MAX(in->Xsize, in->Ysize);
    double text_size = wm->text_size > 0 ? wm->text_size
                                         : MEDIA_TEXT_SIZE_DEFAULT;
    double logo_size = wm->logo_size > 0 ? wm->logo_size
                                         : MEDIA_LOGO_SIZE_DEFAULT;
    int em = MAX(MIN_EM, (int)(long_edge * text_size + 0.5));
    VipsImage *text = NULL;
    VipsImage *logo = NULL;
    VipsImage *mark;
    int x, y;
    int rc;

    if (has_text(wm->text)) {
        rc = text_overlay(ctx, wm->text, wm->font ? wm->font
                                                  : MEDIA_FONT_DEFAULT,
                          em, MAX(1, in->Xsize * 9 / 10), wm->opacity, &text);
        if (rc < 0) {
            media_take_vips_error(why, why_len,
                                  "watermark text cannot be drawn");
            goto out;
        }
    }
    if (wm->logo) {
        int box = MAX(1, (int)(long_edge * logo_size + 0.5));

        rc = logo_overlay(ctx, wm, MAX(1, MIN(box, in->Xsize * 9 / 10)),
                          MAX(1, MIN(box, in->Ysize * 9 / 10)), &logo, why,
                          why_len);
        if (rc < 0)
            goto out;
    }
    rc = -EIO;
    if (text && logo) {
        if (vips_join(logo, text, &t[0], VIPS_DIRECTION_VERTICAL,
                      "expand", TRUE, "shim", em / 3,
                      "align", VIPS_ALIGN_CENTRE, NULL))
            goto fail;
        mark = t[0];
    } else {
        mark = text ? text : logo;
    }
    /* Draw the mark once; the view asks for it strip by strip. */
    if (!(t[1] = vips_image_copy_memory(mark)))
        goto fail;
    mark = t[1];

    if (wm->place == MEDIA_PLACE_TILED) {
        if (vips_rotate(mark, &t[2], TILE_ANGLE, NULL) ||
            tile_overlay(ctx, t[2], in->Xsize, in->Ysize, em * 3, em * 2,
                         &mark))
            goto fail;
        x = y = 0;
    } else {
        place_mark(wm->place, in->Xsize, in->Ysize, mark->Xsize,
                   mark->Ysize, &x, &y);
    }
    if (blend_mark(ctx, in, streamed, mark, x, y, out))
        goto fail;
    rc = 0;
    goto out;
fail:
    media_take_vips_error(why, why_len, "watermark cannot be drawn");
out:
    return rc;
}

/* Lay the faint recipient mark over `in`. */
static int add_recipient(VipsObject *ctx, VipsImage *in, bool streamed,
                         const char *who, VipsImage **out, char *why,
                         size_t why_len)
{
    int long_edge = MAX(in->Xsize, in->Ysize);
    int em = MAX(MIN_EM, (int)(long_edge * MEDIA_RECIPIENT_SIZE + 0.5));
    VipsImage *text;
    VipsImage *tiled;

    if (text_overlay(ctx, who, MEDIA_FONT_DEFAULT, em, MAX(1, in->Xsize / 2),
                     MEDIA_RECIPIENT_OPACITY, &text) ||
        tile_overlay(ctx, text, in->Xsize, in->Ysize, text->Xsize, em * 10,
                     &tiled) ||
        blend_mark(ctx, in, streamed, tiled, 0, 0, out)) {
        media_take_vips_error(why, why_len, "recipient mark cannot be drawn");
        return -EIO;
    }
    return 0;
}

/* A copy of `in` without the metadata `meta` excludes. The EXIF thumbnail
 * is always dropped: it shows the unrotated, unwatermarked original. */
static int filter_metadata(VipsObject *ctx, VipsImage *in,
                           enum media_metadata meta, VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 1);
    gchar **fields;

    if (vips_copy(in, &t[0], NULL))
        return -EIO;
    fields = vips_image_get_fields(t[0]);
    for (gchar **f = fields; *f; f++) {
        int drop = strcmp(*f, "jpeg-thumbnail-data") == 0;

        if (meta == MEDIA_META_STRIP_GPS)
            drop = drop || g_str_has_prefix(*f, "exif-ifd3-") ||
                   strcmp(*f, VIPS_META_XMP_NAME) == 0 ||
                   strcmp(*f, VIPS_META_IPTC_NAME) == 0;
        if (drop)
            vips_image_remove(t[0], *f);
    }
    g_strfreev(fields);
    *out = t[0];
    return 0;
}

static int check_spec(const struct media_render_spec *spec, char *why,
                      size_t why_len)
{
    const struct media_watermark *wm = spec->watermark;

    if (spec->quality < 0 || spec->quality > 100) {
        media_set_why(why, why_len, "JPEG quality %d is not 1..100",
                      spec->quality);
        return -EINVAL;
    }
    if ((unsigned)spec->metadata > MEDIA_META_KEEP_ALL) {
        media_set_why(why, why_len, "unknown metadata policy %d",
                      (int)spec->metadata);
        return -EINVAL;
    }
    if (spec->recipient && !g_utf8_validate(spec->recipient, -1, NULL)) {
        media_set_why(why, why_len, "recipient mark is not valid UTF-8");
        return -EINVAL;
    }
    if (!wm)
        return 0;
    if ((wm->text && !g_utf8_validate(wm->text, -1, NULL)) ||
        (wm->font && !g_utf8_validate(wm->font, -1, NULL))) {
        media_set_why(why, why_len, "watermark text is not valid UTF-8");
        return -EINVAL;
    }
    if (!(wm->opacity >= 0.0 && wm->opacity <= 1.0)) {
        media_set_why(why, why_len, "watermark opacity is not 0..1");
        return -EINVAL;
    }
    if (!(wm->text_size >= 0.0 && wm->text_size <= 1.0) ||
        !(wm->logo_size >= 0.0 && wm->logo_size <= 1.0)) {
        media_set_why(why, why_len,
                      "watermark sizes are fractions of the long edge, 0..1");
        return -EINVAL;
    }
    if ((unsigned)wm->place > MEDIA_PLACE_TILED) {
        media_set_why(why, why_len, "unknown watermark placement %d",
                      (int)wm->place);
        return -EINVAL;
    }
    if (wm->logo && wm->logo_len == 0) {
        media_set_why(why, why_len, "watermark logo is empty");
        return -EINVAL;
    }
    return 0;
}

static GMutex text_lock;

/* The text operation is built outside libvips' operation cache and its
 * pixels copied into an image of their own, so that the operation (its
 * Pango layout, context and font map) is also disposed of under the lock,
 * here, not later in whichever thread the cache happens to drop it. */
int media_text(VipsImage **out, const char *markup, const char *font)
{
    VipsOperation *op;
    VipsImage *drawn = NULL, *copy = NULL;
    int rc = -1;

    *out = NULL;
    g_mutex_lock(&text_lock);
    op = vips_operation_new("text");
    if (op) {
        g_object_set(op, "text", markup, "font", font, "dpi", 72, NULL);
        if (vips_object_build(VIPS_OBJECT(op)) == 0) {
            g_object_get(op, "out", &drawn, NULL);
            copy = vips_image_new_memory();
            if (drawn && vips_image_write(drawn, copy) == 0) {
                *out = copy;
                copy = NULL;
                rc = 0;
            }
        }
        vips_object_unref_outputs(VIPS_OBJECT(op));
        g_object_unref(op);
    }
    if (drawn)
        g_object_unref(drawn);
    if (copy)
        g_object_unref(copy);
    g_mutex_unlock(&text_lock);
    return rc;
}

/* The scales libjpeg decodes at without the whole image (DCT scaling),
 * largest shrink first. */
static const int jpeg_shrinks[] = { 8, 4, 2 };

/* A JPEG (grey or colour) at least twice the view's size: decoded by
 * libjpeg at 1/2, 1/4 or 1/8 scale, the smallest that still covers the
 * view, then resized to the size vips_thumbnail would make (long edge
 * `target`) and turned upright. vips_thumbnail (8.14) shrinks on load only
 * when a factor of two is left for its resize, so it decoded a 24 MP photo
 * whole for a 2048 px proof: 172 ms against 123 here, the two views 49 dB
 * apart (PSNR; bench/README.md, "Issue 13 goals 1 and 3"). Truncated data
 * fails rather than showing grey. 1 when *out was made (ctx owns it), 0
 * when thumbnail is to make it, -1 with libvips' error buffer set. */
static int load_shrunk_jpeg(VipsObject *ctx, const void *orig, size_t len, int target,
                            VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 5);
    int w, h, long_edge, shrink = 1, out_w, out_h;
    bool turned;

    if (len < 3 || memcmp(orig, "\xff\xd8\xff", 3) != 0)
        return 0;
    if (vips_jpegload_buffer((void *)orig, len, &t[0], "access", VIPS_ACCESS_SEQUENTIAL, NULL))
        return -1;
    if (t[0]->Bands != 1 && t[0]->Bands != 3)
        return 0; /* CMYK: thumbnail's colour handling */
    w = t[0]->Xsize;
    h = t[0]->Ysize;
    long_edge = w > h ? w : h;
    for (size_t i = 0; i < G_N_ELEMENTS(jpeg_shrinks) && shrink == 1; i++)
        if ((long_edge + jpeg_shrinks[i] - 1) / jpeg_shrinks[i] >= target)
            shrink = jpeg_shrinks[i];
    if (shrink == 1)
        return 0;
    out_w = w >= h ? target : (int)MAX(1.0, rint((double)w * target / h));
    out_h = h >= w ? target : (int)MAX(1.0, rint((double)h * target / w));
    /* Turning reads out of order: the view is made in memory first, up
     * to MEMORY_PIXELS; a larger turned view streams through thumbnail. */
    turned = vips_image_get_orientation(t[0]) > 1;
    if (turned && (uint64_t)out_w * (uint64_t)out_h > MEMORY_PIXELS)
        return 0;
    if (vips_jpegload_buffer((void *)orig, len, &t[1], "shrink", shrink, "access",
                             VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL) ||
        vips_resize(t[1], &t[2], (double)out_w / t[1]->Xsize, "vscale",
                    (double)out_h / t[1]->Ysize, NULL))
        return -1;
    *out = t[2];
    if (turned && (!(t[3] = vips_image_copy_memory(t[2])) || vips_autorot(t[3], &t[4], NULL)))
        return -1;
    if (turned)
        *out = t[4];
    return 1;
}

int media_decode_srgb8(VipsObject *ctx, const void *orig, size_t len, int target,
                       VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 6);
    VipsImage *in;
    int shrunk = load_shrunk_jpeg(ctx, orig, len, target, &in);

    if (shrunk < 0)
        return -1;
    /* Truncated data fails rather than showing grey. In 8.14
     * thumbnail_buffer ignores its fail_on argument, so the loader gets it
     * through the option string. */
    if (!shrunk) {
        if (vips_thumbnail_buffer((void *)orig, len, &t[0], target, "height", target,
                                  "size", VIPS_SIZE_DOWN,
                                  "option_string", "fail_on=truncated", NULL))
            return -1;
        in = t[0];
    }
    /* Thumbnail only converts colourspace; pixels are still in the
     * embedded profile's space. A broken profile is ignored, as viewers
     * do. */
    if (vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
        if (vips_icc_transform(in, &t[1], "srgb", "embedded", TRUE, NULL) == 0)
            in = t[1];
        else
            vips_error_clear();
    }
    if (vips_colourspace(in, &t[2], VIPS_INTERPRETATION_sRGB, NULL))
        return -1;
    in = t[2];
    if (vips_image_hasalpha(in)) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int failed = vips_flatten(in, &t[3], "background", white, NULL);

        vips_area_unref(VIPS_AREA(white));
        if (failed)
            return -1;
        in = t[3];
    }
    if (vips_cast_uchar(in, &t[4], NULL))
        return -1;
    in = t[4];
    if (in->Bands != 3) { /* a 4th band that sRGB does not call alpha */
        if (vips_extract_band(in, &t[5], 0, "n", 3, NULL))
            return -1;
        in = t[5];
    }
    *out = in;
    return 0;
}

int media_render(const void *orig, size_t len,
                 const struct media_render_spec *spec, void **jpeg_out,
                 size_t *jpeg_len, char *why, size_t why_len)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 1);
    const struct media_watermark *wm = spec->watermark;
    int target = spec->long_edge == 0 || spec->long_edge > VIPS_MAX_COORD
                     ? VIPS_MAX_COORD
                     : (int)spec->long_edge;
    struct media_info info;
    bool streamed;
    VipsImage *in;
    int rc;

    *jpeg_out = NULL;
    *jpeg_len = 0;
    vips_error_clear(); /* what went wrong with an earlier photo is not this one's */

    rc = check_spec(spec, why, why_len);
    if (rc < 0)
        goto out;
    rc = media_probe_header(orig, len, &info, why, why_len);
    if (rc < 0)
        goto out;
    if (info.kind != MEDIA_PHOTO) {
        media_set_why(why, why_len, "documents have no image views");
        rc = -EINVAL;
        goto out;
    }

    rc = -EIO;
    if (media_decode_srgb8(ctx, orig, len, target, &in))
        goto fail;
    /* Drawing on a streaming shrink costs more than the shrink itself
     * (measured: +40 ms for one corner mark on a 2048 px view, +5 ms from
     * memory), so views up to MEMORY_PIXELS are made in memory first. */
    streamed = (uint64_t)in->Xsize * (uint64_t)in->Ysize > MEMORY_PIXELS;
    if (!streamed) {
        if (!(t[0] = vips_image_copy_memory(in)))
            goto fail;
        in = t[0];
    }

    if (wm && wm->opacity > 0.0 && (has_text(wm->text) || wm->logo)) {
        rc = add_watermark(ctx, in, streamed, wm, &in, why, why_len);
        if (rc < 0)
            goto out;
    }
    if (has_text(spec->recipient)) {
        rc = add_recipient(ctx, in, streamed, spec->recipient, &in, why,
                           why_len);
        if (rc < 0)
            goto out;
    }
    rc = -EIO;
    if (spec->metadata != MEDIA_META_STRIP_ALL &&
        filter_metadata(ctx, in, spec->metadata, &in))
        goto fail;

    if (vips_jpegsave_buffer(in, jpeg_out, jpeg_len,
                             "Q", spec->quality ? spec->quality
                                                : MEDIA_JPEG_QUALITY_DEFAULT,
                             "strip", spec->metadata == MEDIA_META_STRIP_ALL,
                             "interlace", FALSE, NULL))
        goto fail;
    rc = 0;
    goto out;
fail:
    media_take_vips_error(why, why_len, "rendering failed");
out:
    if (rc < 0) {
        g_free(*jpeg_out);
        *jpeg_out = NULL;
        *jpeg_len = 0;
    }
    g_object_unref(ctx);
    return rc;
}

void media_jpeg_size(const void *jpeg, size_t len, uint32_t *width, uint32_t *height)
{
    VipsImage *im = vips_image_new_from_buffer(jpeg, len, "", NULL);

    *width = *height = 0;
    if (im) {
        *width = (uint32_t)vips_image_get_width(im);
        *height = (uint32_t)vips_image_get_height(im);
        g_object_unref(im);
    } else {
        vips_error_clear();
    }
}

const char *media_version(void)
{
    return vips_version_string();
}
