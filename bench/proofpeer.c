/* proofpeer.c — the peers of the proof benchmark (bench/run.sh, test 2).
 *
 *   proofpeer vips    IN OUT TEXT   plain libvips, no albumfs code: what
 *                                   "vipsthumbnail -s 2048" does, plus a
 *                                   centred text watermark, in one process
 *   proofpeer albumfs IN OUT TEXT   albumfs's own media_render() on IN's
 *                                   bytes, in one process: the render a
 *                                   proof costs without FUSE, the vault or
 *                                   the catalog (a diagnostic row)
 *   proofpeer parts   IN            where a warm render's time goes, in
 *                                   one process whose libvips is already
 *                                   started and has rendered once (as
 *                                   the daemon's has): prints the ms of
 *                                   media_render() (a new watermark
 *                                   text), of the decode alone
 *                                   (jpegload with shrink-on-load 2, into
 *                                   memory), of vips_thumbnail to 2048 px
 *                                   into memory (what vipsthumbnail
 *                                   decodes and resizes, without its
 *                                   start-up) and of the JPEG encode of
 *                                   the 2048 px image, one "name ms" per
 *                                   line
 *
 * Both make the proof albumfs makes for a client grant with default
 * settings: long edge 2048 (never enlarged), the text TEXT in "Sans Bold"
 * at 4% of the long edge, centred, 35% opacity, baseline JPEG Q=85 with
 * all metadata stripped; OUT is a file. The vips peer draws plain white
 * text (no halo) with vips_composite2, as a user would script it; the
 * albumfs mode adds the halo and blends only the covered area.
 * Exit status 0 on success, 1 on failure (message on stderr).
 *
 * Built by bench/run.sh with cc against build-bench/libalbummedia.a.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vips/vips.h>

#include "media/probe.h"
#include "media/render.h"

#define LONG_EDGE 2048
#define TEXT_SIZE 0.04
#define OPACITY 0.35
#define QUALITY 85

static int peer_vips(const char *in, const char *out, const char *text)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 9);
    VipsImage *bands[4];
    char *markup = g_markup_escape_text(text, -1);
    char *font = NULL;
    int em, rc = 1;

    if (vips_thumbnail(in, &t[0], LONG_EDGE, "height", LONG_EDGE, "size", VIPS_SIZE_DOWN, NULL))
        goto out;
    em = (int)(MAX(t[0]->Xsize, t[0]->Ysize) * TEXT_SIZE + 0.5);
    font = g_strdup_printf("Sans Bold %d", em);
    if (vips_text(&t[1], markup, "font", font, "dpi", 72, NULL) ||
        vips_linear1(t[1], &t[2], OPACITY, 0.0, "uchar", TRUE, NULL))
        goto out;
    bands[0] = bands[1] = bands[2] = t[1];
    bands[3] = t[2];
    if (vips_bandjoin(bands, &t[7], 4, NULL) ||
        vips_copy(t[7], &t[3], "interpretation", VIPS_INTERPRETATION_sRGB, NULL) ||
        vips_composite2(t[0], t[3], &t[4], VIPS_BLEND_MODE_OVER,
                        "x", (t[0]->Xsize - t[3]->Xsize) / 2,
                        "y", (t[0]->Ysize - t[3]->Ysize) / 2, NULL) ||
        vips_extract_band(t[4], &t[5], 0, "n", 3, NULL) ||
        vips_cast_uchar(t[5], &t[6], NULL) ||
        vips_jpegsave(t[6], out, "Q", QUALITY, "strip", TRUE, "interlace", FALSE, NULL))
        goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "proofpeer: %s", vips_error_buffer());
    g_free(font);
    g_free(markup);
    g_object_unref(ctx);
    return rc;
}

/* libvips started (as albumfs starts it) and IN's bytes read: 0, or -1
 * with a message and libvips shut down again. */
static int start(const char *in, gchar **orig, gsize *len)
{
    char why[256] = "";

    if (media_init("proofpeer", why, sizeof why) < 0) {
        fprintf(stderr, "proofpeer: %s\n", why);
        return -1;
    }
    if (!g_file_get_contents(in, orig, len, NULL)) {
        fprintf(stderr, "proofpeer: cannot read %s\n", in);
        media_shutdown();
        return -1;
    }
    return 0;
}

static int peer_albumfs(const char *in, const char *out, const char *text)
{
    struct media_watermark mark = {
        .text = text, .place = MEDIA_PLACE_CENTER, .opacity = OPACITY,
    };
    struct media_render_spec spec = {
        .long_edge = LONG_EDGE, .metadata = MEDIA_META_STRIP_ALL, .watermark = &mark,
    };
    gchar *orig = NULL;
    gsize orig_len = 0;
    void *jpeg = NULL;
    size_t jpeg_len = 0;
    char why[256] = "";
    int rc = 1;

    if (start(in, &orig, &orig_len) < 0)
        return 1;
    if (media_render(orig, orig_len, &spec, &jpeg, &jpeg_len, why, sizeof why) < 0) {
        fprintf(stderr, "proofpeer: %s\n", why);
        goto out;
    }
    if (!g_file_set_contents(out, jpeg, (gssize)jpeg_len, NULL)) {
        fprintf(stderr, "proofpeer: cannot write %s\n", out);
        goto out;
    }
    rc = 0;
out:
    g_free(jpeg);
    g_free(orig);
    media_shutdown();
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define PARTS 4

/* One round of each part on orig, ms[] in milliseconds; 0 or -1
 * (libvips failed). */
static int time_parts(const gchar *orig, gsize len, int round, double ms[PARTS])
{
    char text[32];
    struct media_watermark mark = { .text = text, .place = MEDIA_PLACE_CENTER, .opacity = OPACITY };
    struct media_render_spec spec = {
        .long_edge = LONG_EDGE, .metadata = MEDIA_META_STRIP_ALL, .watermark = &mark,
    };
    VipsImage *decoded = NULL, *resized = NULL, *mem = NULL;
    void *jpeg = NULL;
    size_t jpeg_len = 0;
    char why[256] = "";
    double t;
    int rc = -1;

    snprintf(text, sizeof text, "PARTS %02d", round);
    t = now_ms();
    if (media_render(orig, len, &spec, &jpeg, &jpeg_len, why, sizeof why) < 0)
        goto out;
    ms[0] = now_ms() - t;
    g_free(jpeg);
    jpeg = NULL;
    t = now_ms();
    if (vips_jpegload_buffer((void *)orig, len, &decoded, "shrink", 2, NULL) ||
        !(mem = vips_image_copy_memory(decoded)))
        goto out;
    ms[1] = now_ms() - t;
    g_object_unref(mem);
    mem = NULL;
    t = now_ms();
    if (vips_thumbnail_buffer((void *)orig, len, &resized, LONG_EDGE, "height", LONG_EDGE, NULL) ||
        !(mem = vips_image_copy_memory(resized)))
        goto out;
    ms[2] = now_ms() - t;
    t = now_ms();
    if (vips_jpegsave_buffer(mem, &jpeg, &jpeg_len, "Q", QUALITY, "strip", TRUE, NULL))
        goto out;
    ms[3] = now_ms() - t;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "proofpeer: %s%s\n", why, vips_error_buffer());
    g_free(jpeg);
    if (mem)
        g_object_unref(mem);
    if (resized)
        g_object_unref(resized);
    if (decoded)
        g_object_unref(decoded);
    return rc;
}

static int peer_parts(const char *in)
{
    static const char *const names[PARTS] = {
        "render", "decode-shrink2", "thumbnail", "encode",
    };
    double ms[PARTS];
    gchar *orig = NULL;
    gsize orig_len = 0;
    int rc = 1;

    if (start(in, &orig, &orig_len) < 0)
        return 1;
    /* A first round warms libvips, its thread pool and the fonts, as a
     * daemon that has rendered before; it is not counted. */
    if (time_parts(orig, orig_len, 0, ms) < 0 || time_parts(orig, orig_len, 1, ms) < 0)
        goto out;
    for (int p = 0; p < PARTS; p++)
        printf("%s %.1f\n", names[p], ms[p]);
    rc = 0;
out:
    g_free(orig);
    media_shutdown();
    return rc;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc == 3 && strcmp(argv[1], "parts") == 0)
        return peer_parts(argv[2]);
    if (argc != 5 || (strcmp(argv[1], "vips") != 0 && strcmp(argv[1], "albumfs") != 0)) {
        fprintf(stderr, "usage: proofpeer vips|albumfs IN OUT TEXT | parts IN\n");
        return 2;
    }
    if (strcmp(argv[1], "albumfs") == 0)
        return peer_albumfs(argv[2], argv[3], argv[4]);
    if (VIPS_INIT(argv[0])) {
        fprintf(stderr, "proofpeer: cannot initialise libvips\n");
        return 1;
    }
    rc = peer_vips(argv[2], argv[3], argv[4]);
    vips_shutdown();
    return rc;
}
