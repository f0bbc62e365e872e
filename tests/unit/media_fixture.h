/* media_fixture.h — images for the media tests, made with the libvips C API.
 *
 * Header-only (static inline) so that each test executable takes what it
 * uses. Every input is generated, encoded in memory and also written to a
 * mkdtemp directory (kept when ALBUMFS_KEEP_TEST_DIR is set, for
 * inspection). Single-threaded setup code: failures abort the test.
 */
#ifndef ALBUMFS_MEDIA_FIXTURE_H
#define ALBUMFS_MEDIA_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <vips/vips.h>

struct media_bytes {
    void *data; /* g_free */
    size_t len;
};

/* Fail the running test with libvips' error message. */
static inline void fixture_vips_fail(const char *what)
{
    fail_msg("%s: %s", what, vips_error_buffer());
}

/* A w × h 8-bit sRGB photo: a smooth two-axis gradient with a pure red
 * block (w/8 × h/8) at the stored top-left corner, so tests can see where
 * pixels went. Caller unrefs. */
static inline VipsImage *fixture_photo(int w, int h)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 8);
    const double a[2] = { 200.0 / w, 200.0 / h };
    const double b[2] = { 30.0, 30.0 };
    const double red[3] = { 255.0, 0.0, 0.0 };
    VipsImage *out;

    if (vips_xyz(&t[0], w, h, NULL) ||
        vips_linear(t[0], &t[1], a, b, 2, "uchar", TRUE, NULL) ||
        vips_extract_band(t[1], &t[2], 0, NULL) ||
        vips_extract_band(t[1], &t[3], 1, NULL))
        fixture_vips_fail("gradient");
    t[4] = vips_image_new_from_image(t[2], red, 3);
    if (!t[4] ||
        vips_bandjoin(((VipsImage *[]){ t[2], t[3], t[2] }), &t[5], 3,
                      NULL) ||
        vips_extract_area(t[4], &t[6], 0, 0, w / 8, h / 8, NULL) ||
        vips_insert(t[5], t[6], &t[7], 0, 0, NULL) ||
        vips_copy(t[7], &out, "interpretation", VIPS_INTERPRETATION_sRGB,
                  NULL))
        fixture_vips_fail("photo");
    g_object_unref(ctx);
    return out;
}

/* fixture_photo with sensor-like noise, so that it encodes and decodes
 * at a camera's pace (a 24 MP one is ~14 MB as a JPEG). Caller unrefs. */
static inline VipsImage *fixture_noisy_photo(int w, int h)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 3);
    VipsImage *out;

    t[0] = fixture_photo(w, h);
    if (vips_gaussnoise(&t[1], w, h, "mean", 0.0, "sigma", 20.0, NULL) ||
        vips_add(t[0], t[1], &t[2], NULL) ||
        vips_cast_uchar(t[2], &out, NULL))
        fixture_vips_fail("noise");
    g_object_unref(ctx);
    return out;
}

/* Encode with the saver for `suffix` (".jpg[Q=90]", ".png", ".tif", ...). */
static inline struct media_bytes fixture_encode(VipsImage *im,
                                                const char *suffix)
{
    struct media_bytes b = { NULL, 0 };

    if (vips_image_write_to_buffer(im, suffix, &b.data, &b.len, NULL))
        fixture_vips_fail(suffix);
    return b;
}

/* A copy of bytes[0, len) (a prefix, for truncation). */
static inline struct media_bytes fixture_prefix(struct media_bytes in,
                                                size_t len)
{
    struct media_bytes b = { g_memdup2(in.data, len), len };

    return b;
}

/* mkdtemp directory for this test run; caller frees with g_free after
 * fixture_rmdir. */
static inline char *fixture_mkdtemp(void)
{
    char *dir = g_build_filename(g_get_tmp_dir(), "albumfs-media-XXXXXX",
                                 NULL);

    assert_non_null(g_mkdtemp(dir));
    return dir;
}

static inline void fixture_save(const char *dir, const char *name,
                                struct media_bytes b)
{
    char *path = g_build_filename(dir, name, NULL);

    assert_true(g_file_set_contents(path, b.data, (gssize)b.len, NULL));
    g_free(path);
}

static inline void fixture_rmdir(const char *dir)
{
    GDir *d;
    const char *name;

    if (getenv("ALBUMFS_KEEP_TEST_DIR")) {
        fprintf(stderr, "test files kept in %s\n", dir);
        return;
    }
    d = g_dir_open(dir, 0, NULL);
    while (d && (name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);

        g_unlink(path);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

#endif
