/* probe.h — deciding whether a file may become a photo or a document.
 *
 * A file becomes a photo only when libvips decodes all of it: the header is
 * read first and enormous images (decompression bombs) are refused before
 * any pixels are decoded, then every pixel is decoded with fail-on-truncation
 * so truncated or corrupt files are refused. Documents (PDF) are recognised
 * by structure, not by name. Callers must have called media_init() once.
 * Thread-safe after media_init.
 */
#ifndef ALBUMFS_PROBE_H
#define ALBUMFS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define MEDIA_MAX_PIXELS (200u * 1000u * 1000u) /* 200 MP */
#define MEDIA_MAX_EDGE 30000u
#define MEDIA_MAX_FILE_BYTES (512ull * 1024 * 1024)
#define MEDIA_MAX_BANDS 5 /* grey, RGB, CMYK, each with alpha at most */

enum media_kind {
    MEDIA_UNKNOWN = 0,
    MEDIA_PHOTO,
    MEDIA_DOCUMENT,
};

struct media_info {
    enum media_kind kind;
    char mime[32];       /* "image/jpeg", "image/png", "image/tiff", "image/webp", "application/pdf" */
    uint32_t width;      /* pixels as stored (before orientation); 0 for documents */
    uint32_t height;
    uint32_t orientation; /* EXIF orientation 1..8 (1 when absent) */
    int interlaced;       /* progressive JPEG / interlaced PNG: rendered in their own queue */
};

/* Initialise libvips for this process (once, before threads). 0, or -EIO
 * with a one-line reason in why[why_len]. */
int media_init(const char *argv0, char *why, size_t why_len);
void media_shutdown(void);

/* Probe the bytes in buf. 0 and *info when the bytes are an accepted image
 * or document; otherwise -EINVAL (not an image / corrupt / truncated),
 * -EFBIG (too large or too many pixels), with a one-line reason for a
 * person in why[why_len]. */
int media_probe_buffer(const void *buf, size_t len, struct media_info *info,
                       char *why, size_t why_len);

/* As media_probe_buffer, but only type, size and header are checked; no
 * pixel is decoded (milliseconds). For bytes already accepted once, e.g.
 * before rendering them. */
int media_probe_header(const void *buf, size_t len, struct media_info *info,
                       char *why, size_t why_len);

#endif
