/* contact_sheet.c — photos as captioned thumbnails on one JPEG (see
 * contact_sheet.h for the layout).
 *
 * Each added photo becomes a finished cell at once: thumbnail (shrink on
 * load, EXIF autorotate) → sRGB → alpha flattened onto white → 8-bit RGB
 * → into memory → at the bottom centre of an S×S white square, above its
 * caption (black text on white, shrunk to the cell's width if it is
 * wider) → into memory.
 * The sheet keeps only those cells; at the end they are joined in a grid
 * (vips_arrayjoin), the title band goes on top, the margins around, and
 * the whole is encoded once. Decoded pixels stay in memory, never in
 * libvips temporary files.
 *
 * Ownership: the sheet holds one reference to each cell (released by
 * media_sheet_free); every other VipsImage is made into a local array of
 * a context object that is unreffed once on every path.
 */
#include "media/contact_sheet.h"
#include "media/media_private.h"
#include "media/probe.h"
#include "media/render.h"

#include <errno.h>

#include <vips/vips.h>

/* Glyph size as a fraction of the band the text sits in. */
#define CAPTION_EM 0.6
#define TITLE_EM 0.55
#define CAPTION_FONT "Sans"
/* Pixels kept clear each side of a caption. */
#define CAPTION_PAD 2

struct media_sheet {
    char *title;
    unsigned columns; /* asked for; the sheet uses at most one per photo */
    unsigned cell;
    GPtrArray *cells; /* VipsImage *, one reference each */
};

static unsigned margin_of(unsigned cell) { return MAX(8u, cell / 16); }
static unsigned caption_of(unsigned cell) { return MAX(14u, cell / 8); }
static unsigned title_of(unsigned cell) { return MAX(20u, cell / 5); }

int media_sheet_layout(size_t n, unsigned columns, unsigned cell,
                       struct media_sheet_layout *out)
{
    uint64_t m = margin_of(cell), w, h;

    if (n == 0 || columns == 0 || columns > MEDIA_SHEET_COLUMNS_MAX ||
        cell < MEDIA_SHEET_CELL_MIN || cell > MEDIA_SHEET_CELL_MAX)
        return -EINVAL;
    if (n < columns)
        columns = (unsigned)n;
    if (n > (size_t)MEDIA_SHEET_MAX_EDGE * columns) /* rows alone too many */
        return -EFBIG;
    out->columns = columns;
    out->rows = (unsigned)((n + columns - 1) / columns);
    w = 2 * m + (uint64_t)columns * cell + (columns - 1) * m;
    h = 2 * m + title_of(cell) + m + (uint64_t)out->rows * (cell + caption_of(cell)) +
        (out->rows - 1) * m;
    if (w > MEDIA_SHEET_MAX_EDGE || h > MEDIA_SHEET_MAX_EDGE ||
        w * h > MEDIA_SHEET_MAX_PIXELS)
        return -EFBIG;
    out->width = (unsigned)w;
    out->height = (unsigned)h;
    return 0;
}

int media_sheet_new(const char *title, unsigned columns, unsigned cell,
                    struct media_sheet **out)
{
    struct media_sheet *s;

    *out = NULL;
    if (columns == 0 || columns > MEDIA_SHEET_COLUMNS_MAX ||
        cell < MEDIA_SHEET_CELL_MIN || cell > MEDIA_SHEET_CELL_MAX)
        return -EINVAL;
    s = g_new0(struct media_sheet, 1);
    s->title = g_strdup(title ? title : "");
    s->columns = columns;
    s->cell = cell;
    s->cells = g_ptr_array_new_with_free_func(g_object_unref);
    *out = s;
    return 0;
}

void media_sheet_free(struct media_sheet *s)
{
    if (!s)
        return;
    g_ptr_array_free(s->cells, TRUE);
    g_free(s->title);
    g_free(s);
}

/* Black text on white, centred (or at the left edge when !centred) in a
 * width × height band, glyphs `em` pixels high, shrunk to fit if wider;
 * 3 bands. *out is owned by ctx. */
static int text_band(VipsObject *ctx, const char *text, const char *font,
                     int em, int width, int height, int centred,
                     VipsImage **out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 6);
    char *markup = g_markup_escape_text(text, -1);
    char *desc = g_strdup_printf("%s %d", font, em);
    int room = width - 2 * CAPTION_PAD;
    VipsImage *in, *bands[3];
    int rc = -EIO;

    if (!text[0]) { /* vips_text draws nothing from nothing: a blank band */
        if (vips_black(&t[0], width, height, NULL) ||
            vips_invert(t[0], &t[1], NULL))
            goto out;
        in = t[1];
    } else {
        if (media_text(&t[0], markup, desc) ||
            vips_invert(t[0], &t[1], NULL))
            goto out;
        in = t[1];
        if (in->Xsize > room || in->Ysize > height) {
            double scale = MIN((double)room / in->Xsize,
                               (double)height / in->Ysize);

            if (vips_resize(in, &t[2], scale, NULL))
                goto out;
            in = t[2];
        }
        if (vips_gravity(in, &t[3],
                         centred ? VIPS_COMPASS_DIRECTION_CENTRE
                                 : VIPS_COMPASS_DIRECTION_WEST,
                         width, height, "extend", VIPS_EXTEND_WHITE, NULL))
            goto out;
        in = t[3];
    }
    bands[0] = bands[1] = bands[2] = in;
    if (vips_bandjoin(bands, &t[4], 3, NULL) ||
        vips_copy(t[4], &t[5], "interpretation", VIPS_INTERPRETATION_sRGB,
                  NULL))
        goto out;
    *out = t[5];
    rc = 0;
out:
    g_free(desc);
    g_free(markup);
    return rc;
}

int media_sheet_add(struct media_sheet *s, const void *orig, size_t len,
                    const char *caption, char *why, size_t why_len)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 4);
    int size = (int)s->cell;
    struct media_info info;
    VipsImage *in, *cell;
    int rc;

    rc = media_probe_header(orig, len, &info, why, why_len);
    if (rc < 0)
        goto out;
    if (info.kind != MEDIA_PHOTO) {
        media_set_why(why, why_len, "documents have no thumbnail");
        rc = -EINVAL;
        goto out;
    }
    rc = -EIO;
    if (media_decode_srgb8(ctx, orig, len, size, &in))
        goto fail;
    /* Decoded whole here, before it is placed: behind vips_gravity, a
     * truncated JPEG was sometimes accepted (libvips 8.14, large
     * shrink-on-load), as if the loader's fail_on error were lost. */
    if (!(t[0] = vips_image_copy_memory(in)))
        goto fail;
    /* At the bottom of its square, so that the caption sits under it. */
    if (vips_gravity(t[0], &t[1], VIPS_COMPASS_DIRECTION_SOUTH, size, size,
                     "extend", VIPS_EXTEND_WHITE, NULL))
        goto fail;
    if (text_band(ctx, caption ? caption : "", CAPTION_FONT,
                  MAX(6, (int)(caption_of(s->cell) * CAPTION_EM)), size,
                  (int)caption_of(s->cell), 1, &cell) ||
        vips_join(t[1], cell, &t[2], VIPS_DIRECTION_VERTICAL, NULL) ||
        !(t[3] = vips_image_copy_memory(t[2])))
        goto fail;
    g_ptr_array_add(s->cells, g_object_ref(t[3]));
    rc = 0;
    goto out;
fail:
    media_take_vips_error(why, why_len, "thumbnail failed");
out:
    g_object_unref(ctx);
    return rc;
}

int media_sheet_jpeg(struct media_sheet *s, void **jpeg, size_t *len,
                     char *why, size_t why_len)
{
    VipsObject *ctx;
    VipsImage **t;
    VipsArrayDouble *white;
    struct media_sheet_layout lay;
    unsigned m = margin_of(s->cell);
    VipsImage *title;
    int rc;

    *jpeg = NULL;
    *len = 0;
    if (s->cells->len == 0) {
        media_set_why(why, why_len, "a contact sheet needs at least one photo");
        return -EINVAL;
    }
    rc = media_sheet_layout(s->cells->len, s->columns, s->cell, &lay);
    if (rc < 0) {
        media_set_why(why, why_len, "%u photos at %u px make a sheet larger than "
                      "%u px a side or %u megapixels", s->cells->len, s->cell,
                      MEDIA_SHEET_MAX_EDGE, MEDIA_SHEET_MAX_PIXELS / 1000000);
        return rc;
    }
    ctx = VIPS_OBJECT(vips_image_new());
    t = (VipsImage **)vips_object_local_array(ctx, 3);
    white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
    rc = -EIO;
    if (vips_arrayjoin((VipsImage **)s->cells->pdata, &t[0], (int)s->cells->len,
                       "across", (int)lay.columns, "shim", (int)m,
                       "background", white, NULL) ||
        text_band(ctx, s->title, MEDIA_FONT_DEFAULT,
                  MAX(8, (int)(title_of(s->cell) * TITLE_EM)),
                  (int)(lay.width - 2 * m), (int)title_of(s->cell), 0,
                  &title) ||
        vips_join(title, t[0], &t[1], VIPS_DIRECTION_VERTICAL, "shim", (int)m,
                  "background", white, NULL) ||
        vips_embed(t[1], &t[2], (int)m, (int)m, (int)lay.width,
                   (int)lay.height, "extend", VIPS_EXTEND_WHITE, NULL) ||
        vips_jpegsave_buffer(t[2], jpeg, len, "Q", MEDIA_JPEG_QUALITY_DEFAULT,
                             "strip", TRUE, "interlace", FALSE, NULL)) {
        media_take_vips_error(why, why_len, "contact sheet failed");
        g_free(*jpeg);
        *jpeg = NULL;
        *len = 0;
    } else
        rc = 0;
    vips_area_unref(VIPS_AREA(white));
    g_object_unref(ctx);
    return rc;
}
