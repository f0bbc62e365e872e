/* media_private.h — helpers shared by probe.c, render.c and
 * contact_sheet.c only.
 *
 * They turn failures into one-line reasons for a person (libvips' error
 * buffer is process-wide, so it is read and cleared in one place), and
 * decode a photo the one way every view and thumbnail starts from.
 * Thread-safe.
 */
#ifndef ALBUMFS_MEDIA_PRIVATE_H
#define ALBUMFS_MEDIA_PRIVATE_H

#include <stddef.h>

#include <glib.h>
#include <vips/vips.h>

/* Format a reason into why[why_len] (may be NULL/0) as one printable,
 * valid UTF-8 line. */
void media_set_why(char *why, size_t why_len, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Take (and clear) libvips' error buffer; why becomes "context (first
 * line of the libvips message)". */
void media_take_vips_error(char *why, size_t why_len, const char *context);

/* Decode a photo at a reduced scale (libjpeg's DCT scaling for a JPEG at
 * least twice the target, else libvips' shrink-on-load) and resize it to
 * fit target x target (never enlarged; truncated data is an error), in
 * sRGB, 8 bits, 3 bands: a broken ICC profile ignored, alpha flattened on
 * white. *out belongs to ctx. 0, or -1 with libvips' error buffer set
 * (render.c). */
int media_decode_srgb8(VipsObject *ctx, const void *orig, size_t len, int target,
                       VipsImage **out);

/* Text as a one-band coverage mask (libvips' "text" of Pango markup in
 * font `font`, a Pango description such as "DejaVu Sans 24", at 72 dpi),
 * drawn and disposed of one call at a time in the process: Pango's cairo
 * backend is not safe to use from several threads at once (a render
 * thread of the daemon crashed in cairo_scaled_font_create while another
 * drew text). *out is a new image of its own; 0, or -1 with libvips' error
 * buffer set. */
int media_text(VipsImage **out, const char *markup, const char *font);

#endif
