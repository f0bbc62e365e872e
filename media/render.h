/* render.h — making a view (proof, web-size, high-res) of a photo (SPEC §5).
 *
 * A view is a baseline (not progressive) JPEG rendered in memory from the
 * original's bytes: decoded at a reduced scale (libjpeg's DCT scaling or
 * libvips' shrink-on-load: render.c) and resized to a long edge (never
 * enlarged), turned upright from its EXIF orientation, converted to sRGB,
 * flattened onto white if it has alpha, optionally watermarked (studio
 * text and/or logo, and a faint per-recipient mark), with metadata
 * stripped or filtered.
 *
 * Threading: callable from any number of threads at once after
 * media_init(). libvips adds its own worker threads (bounded by
 * media_init). A thread that libvips did not create (every daemon worker)
 * must call vips_thread_shutdown() before it exits, or libvips leaks that
 * thread's buffers.
 */
#ifndef ALBUMFS_RENDER_H
#define ALBUMFS_RENDER_H

#include <stddef.h>
#include <stdint.h>

#define MEDIA_JPEG_QUALITY_DEFAULT 85
#define MEDIA_TEXT_SIZE_DEFAULT 0.04       /* of the view's long edge */
#define MEDIA_LOGO_SIZE_DEFAULT 0.15       /* of the view's long edge */
#define MEDIA_RECIPIENT_SIZE 0.015         /* of the view's long edge */
#define MEDIA_RECIPIENT_OPACITY 0.25
#define MEDIA_FONT_DEFAULT "Sans Bold"

/* Where the studio mark goes. */
enum media_place {
    MEDIA_PLACE_CENTER = 0,
    MEDIA_PLACE_BOTTOM_RIGHT,
    MEDIA_PLACE_BOTTOM_LEFT,
    MEDIA_PLACE_TOP_RIGHT,
    MEDIA_PLACE_TOP_LEFT,
    MEDIA_PLACE_TILED, /* repeated over the whole view, tilted 30° */
};

/* What metadata a view keeps. Zero (strip all) is the safe default. */
enum media_metadata {
    MEDIA_META_STRIP_ALL = 0, /* no EXIF, XMP, IPTC or ICC at all */
    MEDIA_META_STRIP_GPS,     /* EXIF without its GPS block; no XMP/IPTC */
    MEDIA_META_KEEP_ALL,      /* everything the original had */
};

/* The studio watermark: text, logo or both (logo above text). */
struct media_watermark {
    const char *text;     /* plain UTF-8 (not markup); NULL, "" or blank = none */
    const char *font;     /* Pango family and style, no size; NULL = default */
    double text_size;     /* em height / view long edge, (0, 1]; 0 = default */
    const void *logo;     /* image bytes (PNG with alpha is best); NULL = none */
    size_t logo_len;
    double logo_size;     /* logo long edge / view long edge, (0, 1]; 0 = default */
    enum media_place place;
    double opacity;       /* 0..1; 0 draws nothing */
};

struct media_render_spec {
    uint32_t long_edge;      /* pixels; 0 = original size; never enlarges */
    int quality;             /* JPEG quality 1..100; 0 = default */
    enum media_metadata metadata;
    const struct media_watermark *watermark; /* NULL = none */
    const char *recipient;   /* faint repeated mark (UTF-8 name, e-mail); NULL, "" or blank = none */
};

/* Render orig[len] (an original's bytes) as a view described by spec.
 * On 0, *jpeg_out holds *jpeg_len bytes of JPEG; caller frees *jpeg_out
 * with g_free(). On failure *jpeg_out is NULL, *jpeg_len 0, why[why_len]
 * holds a one-line reason and the result is
 *   -EINVAL  spec out of range, or orig (or the logo) is not an accepted
 *            image (documents have no views),
 *   -EFBIG   orig exceeds the limits of probe.h,
 *   -EIO     the image failed while rendering (corrupt data, libvips
 *            failure).
 */
int media_render(const void *orig, size_t len,
                 const struct media_render_spec *spec, void **jpeg_out,
                 size_t *jpeg_len, char *why, size_t why_len);

/* Width and height of a view (any image libvips reads) from its header;
 * no pixel is decoded. Both 0 when the header cannot be read. */
void media_jpeg_size(const void *jpeg, size_t len, uint32_t *width, uint32_t *height);

/* The version of the libvips this process runs, e.g. "8.14.1": part of
 * every rendition's id, since only the same libvips renders the same
 * bytes (renditions.c). */
const char *media_version(void);

#endif
