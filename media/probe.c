/* probe.c — accepting or refusing bytes as a photo or a document (SPEC §5).
 *
 * Acceptance happens in three steps, cheapest first, so that hostile input
 * costs as little as possible:
 *   1. size and magic: empty files, files over MEDIA_MAX_FILE_BYTES and
 *      types outside the allow-list (JPEG, PNG, TIFF, WebP, HEIF; PDF as a
 *      document) are refused without decoding anything;
 *   2. header: dimensions are read and images over MEDIA_MAX_EDGE per side,
 *      over MEDIA_MAX_PIXELS or with more than MEDIA_MAX_BANDS channels are
 *      refused before a single pixel is decoded (decompression bombs);
 *   3. pixels: every pixel is decoded, streaming (sequential access, so no
 *      full-size copy and never a temporary file on disk), with
 *      fail_on=error, so truncated or corrupt data is refused — and for
 *      JPEG with fail_on=warning, because libjpeg reports lost scan data
 *      only as a warning (see media_probe_buffer). A JPEG is decoded at
 *      1/8 scale (libjpeg's DCT scaling): every coefficient of every block
 *      is still read from the entropy-coded data, so damage is found as at
 *      full size, without the full-size inverse DCT, colour conversion and
 *      averaging (a third of the work for a 24 MP photo; uploads wait for
 *      this at close()).
 *
 * libvips is process-wide state: media_init() starts it once (VIPS_INIT),
 * turns off its operation cache (a daemon renders each original once and
 * must not hold decoded images), bounds its worker threads, blocks the
 * loaders libvips marks untrusted, and silences its warnings. Warnings are
 * silenced with a GLib log handler for the "VIPS" domain rather than the
 * VIPS_WARNING environment variable, so the daemon's stderr stays clean
 * whatever environment it was started from; everything that matters
 * arrives as an error (fail_on=error turns damage into errors) and is
 * reported through `why`.
 *
 * Threading: media_init() before any other thread uses libvips;
 * media_probe_* are then safe from any thread. libvips keeps one error
 * buffer per process: on every failure it is read and cleared here, and
 * under concurrent failures a message may belong to another thread's
 * failure (the errno never does). Threads that libvips did not create must
 * call vips_thread_shutdown() before they exit.
 */
#include "media/probe.h"
#include "media/media_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

/* libvips worker threads per pipeline; the daemon runs several pipelines
 * at once from its own threads, so keep each narrow. */
#define MEDIA_VIPS_THREADS 2

/* PDF trailer: "%%EOF" must appear within this many bytes of the end. */
#define PDF_EOF_WINDOW 1024

/* Loaders (class names from vips_foreign_find_load_buffer) whose images
 * may become photos. A loader this libvips lacks (HEIF) simply never
 * matches. */
static const struct {
    const char *loader;
    const char *mime;
} accepted_types[] = {
    { "VipsForeignLoadJpegBuffer", "image/jpeg" },
    { "VipsForeignLoadPngBuffer", "image/png" },
    { "VipsForeignLoadTiffBuffer", "image/tiff" },
    { "VipsForeignLoadWebpBuffer", "image/webp" },
    { "VipsForeignLoadHeifBuffer", "image/heif" },
};

/* Process-wide libvips state (see the file comment): 0 not started,
 * 1 ready, 2 failed, and why it failed. Written once under g_once_init. */
static gsize media_state;
static char media_init_why[256];

static void drop_vips_log(const gchar *domain, GLogLevelFlags level,
                          const gchar *message, gpointer data)
{
}

int media_init(const char *argv0, char *why, size_t why_len)
{
    if (g_once_init_enter(&media_state)) {
        gsize state = 2;

        if (VIPS_INIT(argv0 ? argv0 : "albumfs") == 0) {
            vips_cache_set_max(0);
            vips_concurrency_set(MEDIA_VIPS_THREADS);
            vips_block_untrusted_set(TRUE);
            g_log_set_handler("VIPS",
                              G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                  G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                              drop_vips_log, NULL);
            state = 1;
        } else {
            media_take_vips_error(media_init_why, sizeof media_init_why,
                                  "cannot initialise libvips");
        }
        g_once_init_leave(&media_state, state);
    }
    if (media_state == 1)
        return 0;
    media_set_why(why, why_len, "%s", media_init_why);
    return -EIO;
}

void media_shutdown(void)
{
    if (media_state == 1)
        vips_shutdown();
}

/* Make why[] one printable, valid UTF-8 line: control characters become
 * spaces and a multi-byte character cut by truncation is dropped. */
static void tidy_line(char *why)
{
    const gchar *end;

    for (char *p = why; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (!g_utf8_validate(why, -1, &end))
        why[end - why] = '\0';
    for (size_t n = strlen(why); n > 0 && why[n - 1] == ' '; n--)
        why[n - 1] = '\0';
}

void media_set_why(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (!why || why_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    tidy_line(why);
}

void media_take_vips_error(char *why, size_t why_len, const char *context)
{
    char *all = vips_error_buffer_copy();
    char *line = all;
    char *valid;

    while (*line == '\n' || *line == ' ')
        line++;
    line[strcspn(line, "\n")] = '\0';
    valid = g_utf8_make_valid(line, -1);
    if (*valid)
        media_set_why(why, why_len, "%s (%s)", context, valid);
    else
        media_set_why(why, why_len, "%s", context);
    g_free(valid);
    g_free(all);
}

static const char *accepted_mime(const char *loader)
{
    for (size_t i = 0; i < G_N_ELEMENTS(accepted_types); i++)
        if (strcmp(loader, accepted_types[i].loader) == 0)
            return accepted_types[i].mime;
    return NULL;
}

static int is_pdf_magic(const void *buf, size_t len)
{
    return len >= 5 && memcmp(buf, "%PDF-", 5) == 0;
}

static int has_pdf_trailer(const void *buf, size_t len)
{
    size_t from = len > PDF_EOF_WINDOW ? len - PDF_EOF_WINDOW : 0;

    return memmem((const char *)buf + from, len - from, "%%EOF", 5) != NULL;
}

/* Steps 1 and 2 of the file comment. On 0, *info is filled and *image is
 * the opened (not yet decoded) image, or NULL for a document; caller
 * unrefs *image with g_object_unref. The image reads buf directly: buf
 * must outlive it. */
static int probe_open(const void *buf, size_t len, VipsFailOn fail_on,
                      struct media_info *info, VipsImage **image, char *why,
                      size_t why_len)
{
    const char *loader;
    const char *mime;
    VipsImage *img = NULL;
    uint64_t pixels;
    int rc;

    memset(info, 0, sizeof(*info));
    *image = NULL;
    vips_error_clear(); /* what went wrong with an earlier file is not this one's */

    if (!buf || len == 0) {
        media_set_why(why, why_len, "file is empty");
        rc = -EINVAL;
        goto out;
    }
    if (len > MEDIA_MAX_FILE_BYTES) {
        media_set_why(why, why_len, "file is %zu MiB; the limit is %llu MiB",
                      len >> 20, MEDIA_MAX_FILE_BYTES >> 20);
        rc = -EFBIG;
        goto out;
    }

    if (is_pdf_magic(buf, len)) {
        if (!has_pdf_trailer(buf, len)) {
            media_set_why(why, why_len,
                          "PDF document is incomplete (no %%%%EOF at the end)");
            rc = -EINVAL;
            goto out;
        }
        info->kind = MEDIA_DOCUMENT;
        g_strlcpy(info->mime, "application/pdf", sizeof(info->mime));
        info->orientation = 1;
        rc = 0;
        goto out;
    }

    loader = vips_foreign_find_load_buffer(buf, len);
    if (!loader) {
        vips_error_clear();
        media_set_why(why, why_len,
                      "not a JPEG, PNG, TIFF, WebP or HEIF image nor a PDF "
                      "document");
        rc = -EINVAL;
        goto out;
    }
    mime = accepted_mime(loader);
    if (!mime) {
        const char *nick = vips_nickname_find(g_type_from_name(loader));
        char *kind = g_ascii_strup(nick ? nick : "",
                                   nick ? (gssize)strcspn(nick, "_") : 0);
        char *suffix = g_strrstr(kind, "LOAD");

        if (suffix)
            *suffix = '\0';
        media_set_why(why, why_len,
                      "%s files are not accepted (only JPEG, PNG, TIFF, "
                      "WebP and HEIF images, and PDF documents)",
                      *kind && strcmp(kind, "MAGICK") != 0 ? kind : "these");
        g_free(kind);
        rc = -EINVAL;
        goto out;
    }

    img = vips_image_new_from_buffer(buf, len, "",
                                     "access", VIPS_ACCESS_SEQUENTIAL,
                                     "fail_on", fail_on, NULL);
    if (!img) {
        media_take_vips_error(why, why_len,
                              "image header is damaged or incomplete");
        rc = -EINVAL;
        goto out;
    }

    pixels = (uint64_t)img->Xsize * (uint64_t)img->Ysize;
    if ((uint32_t)img->Xsize > MEDIA_MAX_EDGE ||
        (uint32_t)img->Ysize > MEDIA_MAX_EDGE) {
        media_set_why(why, why_len,
                      "image is %dx%d pixels; the limit is %u pixels per side",
                      img->Xsize, img->Ysize, MEDIA_MAX_EDGE);
        rc = -EFBIG;
        goto out_unref;
    }
    if (pixels > MEDIA_MAX_PIXELS) {
        media_set_why(why, why_len,
                      "image is %dx%d pixels (%llu megapixels); the limit is "
                      "%u megapixels",
                      img->Xsize, img->Ysize,
                      (unsigned long long)(pixels / 1000000u),
                      MEDIA_MAX_PIXELS / 1000000u);
        rc = -EFBIG;
        goto out_unref;
    }
    if (img->Bands > MEDIA_MAX_BANDS) {
        media_set_why(why, why_len,
                      "image has %d channels; photos have at most %d",
                      img->Bands, MEDIA_MAX_BANDS);
        rc = -EINVAL;
        goto out_unref;
    }

    info->kind = MEDIA_PHOTO;
    g_strlcpy(info->mime, mime, sizeof(info->mime));
    if (strcmp(mime, "image/heif") == 0 &&
        vips_image_get_typeof(img, "heif-compression")) {
        const char *compression;

        if (vips_image_get_string(img, "heif-compression", &compression) ==
                0 &&
            strcmp(compression, "av1") == 0)
            g_strlcpy(info->mime, "image/avif", sizeof(info->mime));
    }
    info->width = (uint32_t)img->Xsize;
    info->height = (uint32_t)img->Ysize;
    info->orientation = (uint32_t)vips_image_get_orientation(img);
    if (vips_image_get_typeof(img, "interlaced")) {
        int interlaced;

        if (vips_image_get_int(img, "interlaced", &interlaced) == 0)
            info->interlaced = interlaced != 0;
    }
    *image = img;
    img = NULL;
    rc = 0;

out_unref:
    VIPS_UNREF(img);
out:
    if (rc < 0)
        memset(info, 0, sizeof(*info));
    return rc;
}

int media_probe_header(const void *buf, size_t len, struct media_info *info,
                       char *why, size_t why_len)
{
    VipsImage *img;
    int rc;

    rc = probe_open(buf, len, VIPS_FAIL_ON_ERROR, info, &img, why, why_len);
    if (img)
        g_object_unref(img);
    return rc;
}

/* Step 3 at one strictness: 0 when every pixel decodes; -EINVAL with why
 * set otherwise. */
static int decode_all(const void *buf, size_t len, VipsFailOn fail_on,
                      struct media_info *info, char *why, size_t why_len)
{
    VipsImage *img;
    double avg;
    int rc;

    rc = probe_open(buf, len, fail_on, info, &img, why, why_len);
    if (rc < 0 || !img)
        return rc;
    if (strcmp(info->mime, "image/jpeg") == 0) {
        VipsImage *scaled = NULL;
        int shrink = 8;

        /* libjpeg's DCT scaling still reads every coefficient. A side
         * shorter than the shrink would scale to 0 pixels, which libvips
         * 8.14 meets with an assertion that aborts the process. */
        while (shrink > 1 && (info->width < (uint32_t)shrink || info->height < (uint32_t)shrink))
            shrink /= 2;
        g_object_unref(img);
        img = NULL;
        if (vips_jpegload_buffer((void *)buf, len, &scaled, "shrink", shrink, "access",
                                 VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL) == 0)
            img = scaled;
    }
    /* vips_avg reads the whole image. */
    if (!img || vips_avg(img, &avg, NULL)) {
        media_take_vips_error(why, why_len,
                              "image data is corrupt or truncated");
        memset(info, 0, sizeof(*info));
        rc = -EINVAL;
    }
    VIPS_UNREF(img);
    return rc;
}

/* Whether libjpeg's warning in why is "N extraneous bytes before marker
 * 0xXX" for a marker that is not a restart marker (RST0..RST7). */
static bool only_junk_between_segments(const char *why)
{
    const char *p = strstr(why, "extraneous bytes before marker 0x");
    unsigned marker;

    if (!p || sscanf(p + strlen("extraneous bytes before marker 0x"), "%2x",
                     &marker) != 1)
        return false;
    return marker < 0xd0 || marker > 0xd7;
}

int media_probe_buffer(const void *buf, size_t len, struct media_info *info,
                       char *why, size_t why_len)
{
    bool jpeg;
    int rc;

    rc = media_probe_header(buf, len, info, why, why_len);
    if (rc < 0 || info->kind != MEDIA_PHOTO)
        return rc;
    /* libjpeg only warns about the damage that matters most — scan data
     * cut short and padded with an end marker, a frame header that claims
     * more rows than the data holds ("premature end of data segment") —
     * and fills the rest with grey. So a JPEG must decode without a
     * warning, with one exception: junk bytes before a marker between
     * segments, which some cameras and editors write and which no pixel
     * comes from. Junk before a restart marker (inside scan data) is
     * damage. Other formats' decoders warn about harmless things (a PNG's
     * known-incorrect sRGB profile, a TIFF's unknown tag) and report
     * damage as errors. */
    jpeg = strcmp(info->mime, "image/jpeg") == 0;
    rc = decode_all(buf, len, jpeg ? VIPS_FAIL_ON_WARNING : VIPS_FAIL_ON_ERROR,
                    info, why, why_len);
    if (jpeg && rc == -EINVAL && only_junk_between_segments(why))
        rc = decode_all(buf, len, VIPS_FAIL_ON_ERROR, info, why, why_len);
    return rc;
}
