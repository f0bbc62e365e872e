/* test_render.c — unit tests for media/render.c: view sizes, orientation,
 * colour, metadata, watermarks, and refusal of bad input.
 *
 * Originals are generated with libvips in the group setup
 * (media_fixture.h); each test renders them and decodes the JPEG that comes
 * back. Single-threaded except test_parallel_renders, whose threads call
 * vips_thread_shutdown() as render.h requires.
 */
#include "media/probe.h"
#include "media/media_private.h"
#include "media/render.h"

#include "media_fixture.h"

#include <errno.h>
#include <math.h>

struct originals {
    char *dir;
    struct media_bytes land;      /* 3000x2000, EXIF Make/Model + GPS */
    struct media_bytes portrait;  /* 2000x3000 */
    struct media_bytes rot6;      /* 3000x2000 stored, orientation 6 */
    struct media_bytes small;     /* 400x300 */
    struct media_bytes alpha_png; /* 600x400, left half transparent */
    struct media_bytes cmyk;      /* 400x300 CMYK, embedded profile */
    struct media_bytes logo;      /* 200x100 opaque blue PNG */
    struct media_bytes truncated; /* first half of land */
    struct media_bytes huge;      /* land, header patched to 40000 wide */
};

static const double CMYK_SOURCE_RGB[3] = { 200.0, 40.0, 40.0 };

static int setup(void **state)
{
    struct originals *o = g_new0(struct originals, 1);
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 12);
    const double blue[3] = { 0.0, 0.0, 255.0 };
    unsigned char *p;

    o->dir = fixture_mkdtemp();

    t[0] = fixture_photo(3000, 2000);
    assert_int_equal(vips_copy(t[0], &t[1], NULL), 0);
    vips_image_set_string(t[1], "exif-ifd0-Make", "Canon");
    vips_image_set_string(t[1], "exif-ifd0-Model", "Canon EOS R5");
    vips_image_set_string(t[1], "exif-ifd3-GPSLatitudeRef", "N");
    vips_image_set_string(t[1], "exif-ifd3-GPSLatitude", "48/1 51/1 3013/100");
    vips_image_set_string(t[1], "exif-ifd3-GPSLongitudeRef", "E");
    vips_image_set_string(t[1], "exif-ifd3-GPSLongitude", "2/1 17/1 4013/100");
    o->land = fixture_encode(t[1], ".jpg[Q=90]");

    t[2] = fixture_photo(2000, 3000);
    o->portrait = fixture_encode(t[2], ".jpg[Q=90]");

    assert_int_equal(vips_copy(t[0], &t[3], NULL), 0);
    vips_image_set_int(t[3], VIPS_META_ORIENTATION, 6);
    o->rot6 = fixture_encode(t[3], ".jpg[Q=90]");

    t[4] = fixture_photo(400, 300);
    o->small = fixture_encode(t[4], ".jpg");

    t[5] = fixture_photo(600, 400);
    assert_int_equal(vips_xyz(&t[6], 600, 400, NULL), 0);
    assert_int_equal(vips_extract_band(t[6], &t[7], 0, NULL), 0);
    assert_int_equal(vips_more_const1(t[7], &t[8], 299.0, NULL), 0);
    assert_int_equal(vips_bandjoin2(t[5], t[8], &t[9], NULL), 0);
    o->alpha_png = fixture_encode(t[9], ".png");

    t[10] = vips_image_new_from_image(t[4], CMYK_SOURCE_RGB, 3);
    assert_int_equal(vips_icc_transform(t[10], &t[11], "cmyk", "input_profile",
                                        "srgb", NULL),
                     0);
    o->cmyk = fixture_encode(t[11], ".jpg[Q=95]");

    g_object_unref(ctx);
    ctx = VIPS_OBJECT(vips_image_new());
    t = (VipsImage **)vips_object_local_array(ctx, 4);
    assert_int_equal(vips_black(&t[0], 200, 100, NULL), 0);
    t[1] = vips_image_new_from_image(t[0], blue, 3);
    assert_int_equal(vips_bandjoin_const1(t[1], &t[2], 255.0, NULL), 0);
    assert_int_equal(vips_copy(t[2], &t[3], "interpretation",
                               VIPS_INTERPRETATION_sRGB, NULL),
                     0);
    o->logo = fixture_encode(t[3], ".png");
    g_object_unref(ctx);

    o->truncated = fixture_prefix(o->land, o->land.len / 2);
    o->huge = fixture_prefix(o->land, o->land.len);
    /* Frame header of our own encoder's output: after SOI, APP0, APP1,
     * DQT... find SOF0 by walking markers. */
    p = o->huge.data;
    for (size_t i = 2; i + 9 < o->huge.len && p[i] == 0xff;
         i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]))
        if (p[i + 1] == 0xc0) {
            p[i + 7] = 40000 >> 8;
            p[i + 8] = 40000 & 0xff;
            break;
        }

    fixture_save(o->dir, "land.jpg", o->land);
    fixture_save(o->dir, "rot6.jpg", o->rot6);
    fixture_save(o->dir, "alpha.png", o->alpha_png);
    fixture_save(o->dir, "cmyk.jpg", o->cmyk);
    fixture_save(o->dir, "logo.png", o->logo);
    *state = o;
    return 0;
}

static int teardown(void **state)
{
    struct originals *o = *state;
    struct media_bytes *all[] = {
        &o->land, &o->portrait, &o->rot6, &o->small, &o->alpha_png,
        &o->cmyk, &o->logo, &o->truncated, &o->huge,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        g_free(all[i]->data);
    fixture_rmdir(o->dir);
    g_free(o->dir);
    g_free(o);
    return 0;
}

/* Render, expecting success; caller g_frees .data. */
static struct media_bytes render(struct media_bytes orig,
                                 const struct media_render_spec *spec)
{
    struct media_bytes out = { NULL, 0 };
    char why[200] = "";
    int rc = media_render(orig.data, orig.len, spec, &out.data, &out.len, why,
                          sizeof(why));

    if (rc != 0)
        fail_msg("media_render: %d (%s)", rc, why);
    assert_non_null(out.data);
    assert_true(out.len > 0);
    return out;
}

/* Decode a rendered view, checking it is a complete baseline JPEG.
 * Caller unrefs. */
static VipsImage *decode(struct media_bytes jpeg)
{
    VipsImage *img = vips_image_new_from_buffer(jpeg.data, jpeg.len, "",
                                                "fail_on",
                                                VIPS_FAIL_ON_WARNING, NULL);
    const char *loader;
    double avg;

    if (!img)
        fixture_vips_fail("decode");
    assert_int_equal(vips_image_get_string(img, "vips-loader", &loader), 0);
    assert_string_equal(loader, "jpegload_buffer");
    assert_int_equal(vips_image_get_typeof(img, "interlaced"), 0);
    assert_int_equal(img->Bands, 3);
    assert_int_equal(vips_avg(img, &avg, NULL), 0);
    return img;
}

static void render_size(struct media_bytes orig, uint32_t long_edge,
                        int *width, int *height)
{
    struct media_render_spec spec = { .long_edge = long_edge };
    struct media_bytes out = render(orig, &spec);
    VipsImage *img = decode(out);

    *width = img->Xsize;
    *height = img->Ysize;
    g_object_unref(img);
    g_free(out.data);
}

static void view_size(struct media_bytes jpeg, int *width, int *height)
{
    VipsImage *img = decode(jpeg);

    *width = img->Xsize;
    *height = img->Ysize;
    g_object_unref(img);
}

/* Mean absolute difference of two views over a rectangle. */
static double region_diff(struct media_bytes a, struct media_bytes b,
                          int left, int top, int width, int height)
{
    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 6);
    double avg;

    t[0] = decode(a);
    t[1] = decode(b);
    if (vips_extract_area(t[0], &t[2], left, top, width, height, NULL) ||
        vips_extract_area(t[1], &t[3], left, top, width, height, NULL) ||
        vips_subtract(t[2], t[3], &t[4], NULL) ||
        vips_abs(t[4], &t[5], NULL) || vips_avg(t[5], &avg, NULL))
        fixture_vips_fail("diff");
    g_object_unref(ctx);
    return avg;
}

static void pixel(struct media_bytes jpeg, int x, int y, double rgb[3])
{
    VipsImage *img = decode(jpeg);
    double *v;
    int n;

    if (vips_getpoint(img, &v, &n, x, y, NULL))
        fixture_vips_fail("getpoint");
    assert_int_equal(n, 3);
    memcpy(rgb, v, 3 * sizeof(double));
    g_free(v);
    g_object_unref(img);
}

static int has_field_prefix(VipsImage *img, const char *prefix)
{
    gchar **fields = vips_image_get_fields(img);
    int found = 0;

    for (gchar **f = fields; *f; f++)
        found = found || g_str_has_prefix(*f, prefix);
    g_strfreev(fields);
    return found;
}

static void test_long_edge_landscape_and_portrait(void **state)
{
    struct originals *o = *state;
    int w, h;

    render_size(o->land, 1024, &w, &h);
    assert_int_equal(w, 1024);
    assert_true(abs(h - 683) <= 1);
    render_size(o->portrait, 1024, &w, &h);
    assert_int_equal(h, 1024);
    assert_true(abs(w - 683) <= 1);
    render_size(o->land, 2048, &w, &h);
    assert_int_equal(w, 2048);
}

static void test_orientation_6_turns_upright(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 1024,
                                      .metadata = MEDIA_META_KEEP_ALL };
    struct media_bytes out = render(o->rot6, &spec);
    VipsImage *img = decode(out);
    double rgb[3];

    /* Stored 3000x2000, meant to be seen 2000x3000. */
    assert_int_equal(img->Ysize, 1024);
    assert_true(abs(img->Xsize - 683) <= 1);
    /* Turning 90° clockwise takes the stored top-left corner to the
     * top-right. */
    pixel(out, img->Xsize - 10, 10, rgb);
    assert_true(rgb[0] > 200 && rgb[1] < 60 && rgb[2] < 60);
    pixel(out, 10, 10, rgb);
    assert_true(rgb[0] < 100);
    /* Kept metadata must not make viewers turn it again. */
    assert_int_equal(vips_image_get_orientation(img), 1);
    g_object_unref(img);
    g_free(out.data);
}

/* A JPEG twice the view's size or more is decoded at a reduced scale by
 * libjpeg and resized from there (render.c): the view has the size and
 * the look vips_thumbnail gives from the whole decode, turned or not. */
static void test_reduced_decode_matches_thumbnail(void **state)
{
    struct originals *o = *state;
    const struct media_bytes *origs[2] = { &o->land, &o->rot6 };
    const uint32_t edges[3] = { 1500, 700, 300 }; /* shrinks 2, 4 and 8 */

    for (size_t i = 0; i < 2; i++) {
        for (size_t e = 0; e < 3; e++) {
            VipsObject *ctx = VIPS_OBJECT(vips_image_new());
            VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 5);
            struct media_render_spec spec = { .long_edge = edges[e] };
            struct media_bytes out = render(*origs[i], &spec);
            double mean_abs;

            t[0] = decode(out);
            if (vips_thumbnail_buffer(origs[i]->data, origs[i]->len, &t[1], (int)edges[e],
                                      "height", (int)edges[e], NULL))
                fixture_vips_fail("thumbnail");
            assert_int_equal(t[0]->Xsize, t[1]->Xsize);
            assert_int_equal(t[0]->Ysize, t[1]->Ysize);
            if (vips_subtract(t[0], t[1], &t[2], NULL) || vips_abs(t[2], &t[3], NULL) ||
                vips_avg(t[3], &mean_abs, NULL))
                fixture_vips_fail("compare");
            /* The view is a JPEG at Q 85 of either: a few levels apart on
             * average, never a turned or shifted picture (tens). */
            assert_true(mean_abs < 3.0);
            g_object_unref(ctx);
            g_free(out.data);
        }
    }
}

static void test_long_edge_zero_keeps_size(void **state)
{
    struct originals *o = *state;
    int w, h;

    render_size(o->land, 0, &w, &h);
    assert_int_equal(w, 3000);
    assert_int_equal(h, 2000);
    render_size(o->rot6, 0, &w, &h);
    assert_int_equal(w, 2000);
    assert_int_equal(h, 3000);
    /* Never enlarged. */
    render_size(o->small, 2048, &w, &h);
    assert_int_equal(w, 400);
    assert_int_equal(h, 300);
}

static void test_strip_all(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 800 };
    struct media_bytes out = render(o->land, &spec);
    VipsImage *img = decode(out);

    assert_int_equal(vips_image_get_typeof(img, VIPS_META_EXIF_NAME), 0);
    assert_int_equal(vips_image_get_typeof(img, VIPS_META_XMP_NAME), 0);
    assert_int_equal(vips_image_get_typeof(img, VIPS_META_IPTC_NAME), 0);
    assert_int_equal(vips_image_get_typeof(img, VIPS_META_ICC_NAME), 0);
    assert_false(has_field_prefix(img, "exif-"));
    g_object_unref(img);
    g_free(out.data);
}

/* When exiftool is installed, let an independent reader confirm. */
static void exiftool_check(const char *dir, struct media_bytes view,
                           const char *must, const char *must_not)
{
    char *exiftool = g_find_program_in_path("exiftool");
    char *path = g_build_filename(dir, "view.jpg", NULL);
    char *argv[] = { exiftool, "-a", "-G1", "-s", path, NULL };
    char *out = NULL;
    int status;

    if (!exiftool)
        goto out;
    fixture_save(dir, "view.jpg", view);
    assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &out, NULL, &status, NULL));
    assert_non_null(strstr(out, must));
    assert_null(strstr(out, must_not));
out:
    g_free(out);
    g_free(path);
    g_free(exiftool);
}

static void test_strip_gps_keeps_camera(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 800,
                                      .metadata = MEDIA_META_STRIP_GPS };
    struct media_bytes out = render(o->land, &spec);
    VipsImage *img = decode(out);
    const char *make;

    assert_int_not_equal(vips_image_get_typeof(img, VIPS_META_EXIF_NAME), 0);
    assert_int_equal(vips_image_get_string(img, "exif-ifd0-Make", &make), 0);
    assert_true(g_str_has_prefix(make, "Canon"));
    assert_false(has_field_prefix(img, "exif-ifd3-"));
    exiftool_check(o->dir, out, "[IFD0]          Make", "[GPS]");
    g_object_unref(img);
    g_free(out.data);
}

static void test_keep_all_keeps_gps(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 800,
                                      .metadata = MEDIA_META_KEEP_ALL };
    struct media_bytes out = render(o->land, &spec);
    VipsImage *img = decode(out);

    assert_true(has_field_prefix(img, "exif-ifd3-GPSLatitude"));
    g_object_unref(img);
    g_free(out.data);
}

static void test_watermark_lands_where_placed(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "© Studio Example",
                                  .place = MEDIA_PLACE_BOTTOM_RIGHT,
                                  .opacity = 1.0 };
    struct media_render_spec plain = { .long_edge = 1024 };
    struct media_render_spec marked = { .long_edge = 1024, .watermark = &wm };
    struct media_bytes a = render(o->land, &plain);
    struct media_bytes b = render(o->land, &marked);

    /* 41 px em, 20 px from the edges of the 1024x683 view: the mark is in
     * the bottom 100 rows of the right half, and nothing else changed. */
    assert_true(region_diff(a, b, 512, 583, 512, 100) > 5.0);
    assert_true(region_diff(a, b, 0, 0, 1024, 500) < 0.1);
    assert_true(region_diff(a, b, 0, 500, 400, 183) < 0.1);
    g_free(a.data);
    g_free(b.data);

    wm.place = MEDIA_PLACE_TOP_LEFT;
    a = render(o->land, &plain);
    b = render(o->land, &marked);
    assert_true(region_diff(a, b, 0, 0, 512, 100) > 5.0);
    assert_true(region_diff(a, b, 0, 183, 1024, 500) < 0.1);
    g_free(a.data);
    g_free(b.data);
}

static void test_opacity(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "PROOF",
                                  .text_size = 0.1,
                                  .place = MEDIA_PLACE_CENTER };
    struct media_render_spec plain = { .long_edge = 800 };
    struct media_render_spec marked = { .long_edge = 800, .watermark = &wm };
    struct media_bytes none = render(o->land, &plain);
    struct media_bytes zero, faint, full;

    wm.opacity = 0.0;
    zero = render(o->land, &marked);
    wm.opacity = 0.3;
    faint = render(o->land, &marked);
    wm.opacity = 1.0;
    full = render(o->land, &marked);

    /* The mark (80 px em) covers the middle of the 800x533 view. */
    assert_int_equal(zero.len, none.len);
    assert_memory_equal(zero.data, none.data, none.len);
    assert_true(region_diff(zero, full, 250, 216, 300, 100) > 20.0);
    assert_true(region_diff(faint, full, 250, 216, 300, 100) > 10.0);
    assert_true(region_diff(none, faint, 250, 216, 300, 100) > 5.0);
    g_free(none.data);
    g_free(zero.data);
    g_free(faint.data);
    g_free(full.data);
}

static void test_blank_text_draws_nothing(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = " \t ", .opacity = 1.0 };
    struct media_render_spec plain = { .long_edge = 400 };
    struct media_render_spec marked = { .long_edge = 400, .watermark = &wm,
                                        .recipient = "  " };
    struct media_bytes a = render(o->land, &plain);
    struct media_bytes b = render(o->land, &marked);

    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    g_free(a.data);
    g_free(b.data);
}

static void test_logo_watermark(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .logo = o->logo.data,
                                  .logo_len = o->logo.len,
                                  .place = MEDIA_PLACE_TOP_LEFT,
                                  .opacity = 1.0 };
    struct media_render_spec spec = { .long_edge = 1024, .watermark = &wm };
    struct media_bytes out = render(o->land, &spec);
    double rgb[3];

    /* Logo is 15% of 1024 = 154 px wide, 3% of 683 = 20 px from the
     * corner. */
    pixel(out, 60, 40, rgb);
    assert_true(rgb[2] > 200 && rgb[0] < 60 && rgb[1] < 60);
    pixel(out, 400, 300, rgb);
    assert_true(rgb[2] < 200);
    g_free(out.data);
}

static void test_logo_and_text_tiled_with_recipient(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "Studio <b>&amp;</b> Co",
                                  .logo = o->logo.data,
                                  .logo_len = o->logo.len,
                                  .place = MEDIA_PLACE_TILED,
                                  .opacity = 0.5 };
    struct media_render_spec plain = { .long_edge = 1024 };
    struct media_render_spec marked = { .long_edge = 1024, .watermark = &wm,
                                        .recipient = "ann&bob <a@b.example>" };
    struct media_bytes a = render(o->portrait, &plain);
    struct media_bytes b = render(o->portrait, &marked);

    /* Every quarter of the view carries a mark. */
    for (int qx = 0; qx < 2; qx++)
        for (int qy = 0; qy < 2; qy++)
            assert_true(region_diff(a, b, qx * 341, qy * 512, 341, 512) >
                        0.3);
    g_free(a.data);
    g_free(b.data);
}

static void test_recipient_mark(void **state)
{
    struct originals *o = *state;
    struct media_render_spec plain = { .long_edge = 1024 };
    struct media_render_spec marked = { .long_edge = 1024,
                                        .recipient = "client@example.com" };
    struct media_bytes a = render(o->land, &plain);
    struct media_bytes b = render(o->land, &marked);
    double d = region_diff(a, b, 0, 0, 1024, 683);

    /* Faint: present, but far less than a full-opacity mark. */
    assert_true(d > 0.2);
    assert_true(d < 5.0);
    g_free(a.data);
    g_free(b.data);
}

/* A camera-size JPEG (noisy, so it decodes at a camera's pace), tagged
 * with an EXIF orientation. Caller g_frees .data. */
static struct media_bytes camera_jpeg(int w, int h, int orientation)
{
    VipsImage *img = fixture_noisy_photo(w, h);
    VipsImage *tagged;
    struct media_bytes b;

    assert_int_equal(vips_copy(img, &tagged, NULL), 0);
    vips_image_set_string(tagged, "exif-ifd0-Make", "Canon");
    vips_image_set_int(tagged, VIPS_META_ORIENTATION, orientation);
    b = fixture_encode(tagged, ".jpg[Q=85]");
    g_object_unref(tagged);
    g_object_unref(img);
    return b;
}

/* Views larger than the in-memory limit (a 24 MP camera photo at full
 * size: the default high-res view) stream through the marks: the default
 * watermark, a tiled logo and text with a recipient mark, and an upright
 * turn are each drawn where they belong, and the rest of the view is the
 * photo's. */
static void test_camera_size_marked_views(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "PROOF",
                                  .place = MEDIA_PLACE_CENTER,
                                  .opacity = 0.35 };
    struct media_render_spec plain = { .long_edge = 0,
                                       .metadata = MEDIA_META_STRIP_GPS };
    struct media_render_spec marked = { .long_edge = 0, .watermark = &wm,
                                        .metadata = MEDIA_META_STRIP_GPS };
    struct media_bytes cam = camera_jpeg(6000, 4000, 1);
    struct media_bytes a = render(cam, &plain);
    struct media_bytes b = render(cam, &marked);
    int w, h;

    view_size(b, &w, &h);
    assert_int_equal(w, 6000);
    assert_int_equal(h, 4000);
    assert_true(region_diff(a, b, 2000, 1500, 2000, 1000) > 1.0);
    assert_true(region_diff(a, b, 0, 0, 6000, 1000) < 0.1);
    assert_true(region_diff(a, b, 0, 3000, 6000, 1000) < 0.1);
    g_free(b.data);

    wm.logo = o->logo.data;
    wm.logo_len = o->logo.len;
    wm.place = MEDIA_PLACE_TILED;
    wm.opacity = 0.5;
    marked.recipient = "client@example.com";
    b = render(cam, &marked);
    for (int qx = 0; qx < 2; qx++)
        for (int qy = 0; qy < 2; qy++)
            assert_true(region_diff(a, b, qx * 3000, qy * 2000, 3000, 2000) >
                        0.3);
    g_free(a.data);
    g_free(b.data);
    g_free(cam.data);

    cam = camera_jpeg(6000, 4000, 6);
    marked.recipient = NULL;
    wm.place = MEDIA_PLACE_BOTTOM_RIGHT;
    b = render(cam, &marked);
    view_size(b, &w, &h);
    assert_int_equal(w, 4000);
    assert_int_equal(h, 6000);
    g_free(b.data);
    g_free(cam.data);
}

/* Over 100 MP (the import limit is 200): the full-size view with every
 * mark comes out whole, at full size. */
static void test_hundred_megapixel_marked_view(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "PROOF",
                                  .logo = o->logo.data,
                                  .logo_len = o->logo.len,
                                  .place = MEDIA_PLACE_TILED,
                                  .opacity = 0.35 };
    struct media_render_spec marked = { .long_edge = 0, .watermark = &wm,
                                        .recipient = "client@example.com" };
    VipsImage *img = fixture_photo(12500, 8200);
    struct media_bytes big = fixture_encode(img, ".jpg[Q=85]");
    struct media_bytes b;
    int w, h;

    g_object_unref(img);
    b = render(big, &marked);
    view_size(b, &w, &h);
    assert_int_equal(w, 12500);
    assert_int_equal(h, 8200);
    g_free(b.data);
    g_free(big.data);
}

static void test_alpha_flattened_on_white(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 300 };
    struct media_bytes out = render(o->alpha_png, &spec);
    double rgb[3];

    pixel(out, 40, 150, rgb); /* was transparent */
    assert_true(rgb[0] > 245 && rgb[1] > 245 && rgb[2] > 245);
    pixel(out, 260, 150, rgb); /* was opaque gradient */
    assert_true(rgb[0] < 240);
    g_free(out.data);
}

static void test_cmyk_becomes_srgb(void **state)
{
    struct originals *o = *state;
    struct media_render_spec spec = { .long_edge = 200 };
    struct media_bytes out = render(o->cmyk, &spec);
    VipsImage *img = decode(out);
    double rgb[3];

    assert_int_equal(img->Type, VIPS_INTERPRETATION_sRGB);
    pixel(out, 100, 75, rgb);
    for (int i = 0; i < 3; i++)
        assert_true(rgb[i] > CMYK_SOURCE_RGB[i] - 30 &&
                    rgb[i] < CMYK_SOURCE_RGB[i] + 30);
    g_object_unref(img);
    g_free(out.data);
}

static void test_quality(void **state)
{
    struct originals *o = *state;
    struct media_render_spec low = { .long_edge = 800, .quality = 30 };
    struct media_render_spec high = { .long_edge = 800, .quality = 95 };
    struct media_bytes a = render(o->land, &low);
    struct media_bytes b = render(o->land, &high);

    assert_true(a.len < b.len);
    g_free(a.data);
    g_free(b.data);
}

static void expect_refusal(struct media_bytes orig,
                           const struct media_render_spec *spec, int expect)
{
    void *out = (void *)1;
    size_t out_len = 1;
    char why[200] = "";
    int rc = media_render(orig.data, orig.len, spec, &out, &out_len, why,
                          sizeof(why));

    if (rc != expect)
        fail_msg("rc %d, expected %d (%s)", rc, expect, why);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_true(why[0] != '\0');
    assert_null(strchr(why, '\n'));
}

static void test_bad_input_is_an_error(void **state)
{
    struct originals *o = *state;
    static char text[] = "not a photo at all";
    static char pdf[] = "%PDF-1.4\n%%EOF\n";
    struct media_render_spec spec = { .long_edge = 1024 };
    GRand *rand = g_rand_new_with_seed(7);
    unsigned char noise[4096];

    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (unsigned char)g_rand_int_range(rand, 0, 256);
    expect_refusal((struct media_bytes){ noise, sizeof(noise) }, &spec,
                   -EINVAL);
    expect_refusal((struct media_bytes){ text, sizeof(text) - 1 }, &spec,
                   -EINVAL);
    expect_refusal((struct media_bytes){ text, 0 }, &spec, -EINVAL);
    expect_refusal((struct media_bytes){ pdf, sizeof(pdf) - 1 }, &spec,
                   -EINVAL);
    expect_refusal(o->truncated, &spec, -EIO);
    expect_refusal(o->huge, &spec, -EFBIG);
    g_rand_free(rand);
}

static void test_bad_spec_is_refused(void **state)
{
    struct originals *o = *state;
    static char junk[] = "not a logo";
    struct media_watermark wm = { .text = "x", .opacity = 1.5 };
    struct media_render_spec spec = { .long_edge = 512, .watermark = &wm };

    expect_refusal(o->small, &spec, -EINVAL);
    wm.opacity = NAN;
    expect_refusal(o->small, &spec, -EINVAL);
    wm.opacity = 1.0;
    wm.text = "\xff\xfe studio";
    expect_refusal(o->small, &spec, -EINVAL);
    wm.text = "x";
    spec.recipient = "caf\xe9@example.com"; /* Latin-1, not UTF-8 */
    expect_refusal(o->small, &spec, -EINVAL);
    spec.recipient = NULL;
    wm.text_size = 2.0;
    expect_refusal(o->small, &spec, -EINVAL);
    wm.text_size = 0.0;
    wm.place = (enum media_place)99;
    expect_refusal(o->small, &spec, -EINVAL);
    wm.place = MEDIA_PLACE_CENTER;
    wm.logo = junk;
    wm.logo_len = sizeof(junk);
    expect_refusal(o->small, &spec, -EINVAL);
    wm.logo = NULL;
    wm.logo_len = 0;
    spec.quality = 101;
    expect_refusal(o->small, &spec, -EINVAL);
    spec.quality = 0;
    spec.metadata = (enum media_metadata)7;
    expect_refusal(o->small, &spec, -EINVAL);
}

struct job {
    struct media_bytes orig;
    const struct media_render_spec *spec;
    struct media_bytes expect;
    int mismatches;
};

static gpointer render_job(gpointer data)
{
    struct job *job = data;

    for (int i = 0; i < 3; i++) {
        struct media_bytes out = { NULL, 0 };
        char why[200];

        if (media_render(job->orig.data, job->orig.len, job->spec, &out.data,
                         &out.len, why, sizeof(why)) != 0 ||
            out.len != job->expect.len ||
            memcmp(out.data, job->expect.data, out.len) != 0)
            job->mismatches++;
        g_free(out.data);
    }
    vips_thread_shutdown();
    return NULL;
}

static void test_parallel_renders(void **state)
{
    struct originals *o = *state;
    struct media_watermark wm = { .text = "© Studio",
                                  .place = MEDIA_PLACE_TILED,
                                  .opacity = 0.4 };
    struct media_render_spec spec = { .long_edge = 640, .watermark = &wm,
                                      .recipient = "client@example.com" };
    struct job jobs[4];
    GThread *threads[4];

    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct job){ i % 2 ? o->rot6 : o->land, &spec,
                                { NULL, 0 }, 0 };
        jobs[i].expect = render(jobs[i].orig, &spec);
    }
    for (int i = 0; i < 4; i++)
        threads[i] = g_thread_new("render", render_job, &jobs[i]);
    for (int i = 0; i < 4; i++) {
        g_thread_join(threads[i]);
        assert_int_equal(jobs[i].mismatches, 0);
        g_free(jobs[i].expect.data);
    }
}

/* Text drawn from several threads at once, each at sizes the others are
 * also creating: Pango's cairo backend crashed in cairo_scaled_font_create
 * when two render threads drew text at the same moment (media_text). */
static gpointer text_job(gpointer data)
{
    int *failures = data;

    for (int em = 6; em < 126; em++) {
        char font[64];
        VipsImage *mask = NULL;

        snprintf(font, sizeof font, "%s %d", em % 2 ? "Sans Bold" : "Serif", em);
        if (media_text(&mask, "© Studio Nord — proof", font) != 0 || mask->Xsize < 1)
            (*failures)++;
        if (mask)
            g_object_unref(mask);
    }
    vips_thread_shutdown();
    return NULL;
}

static void test_parallel_text(void **state)
{
    int failures[6] = {0};
    GThread *threads[6];

    (void)state;
    vips_cache_set_max(0); /* every call builds its text */
    for (int i = 0; i < 6; i++)
        threads[i] = g_thread_new("text", text_job, &failures[i]);
    for (int i = 0; i < 6; i++) {
        g_thread_join(threads[i]);
        assert_int_equal(failures[i], 0);
    }
    vips_cache_set_max(100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_edge_landscape_and_portrait),
        cmocka_unit_test(test_orientation_6_turns_upright),
        cmocka_unit_test(test_reduced_decode_matches_thumbnail),
        cmocka_unit_test(test_long_edge_zero_keeps_size),
        cmocka_unit_test(test_strip_all),
        cmocka_unit_test(test_strip_gps_keeps_camera),
        cmocka_unit_test(test_keep_all_keeps_gps),
        cmocka_unit_test(test_watermark_lands_where_placed),
        cmocka_unit_test(test_opacity),
        cmocka_unit_test(test_blank_text_draws_nothing),
        cmocka_unit_test(test_logo_watermark),
        cmocka_unit_test(test_logo_and_text_tiled_with_recipient),
        cmocka_unit_test(test_recipient_mark),
        cmocka_unit_test(test_camera_size_marked_views),
        cmocka_unit_test(test_hundred_megapixel_marked_view),
        cmocka_unit_test(test_alpha_flattened_on_white),
        cmocka_unit_test(test_cmyk_becomes_srgb),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_bad_input_is_an_error),
        cmocka_unit_test(test_bad_spec_is_refused),
        cmocka_unit_test(test_parallel_text),
        cmocka_unit_test(test_parallel_renders),
    };
    int failed;

    if (media_init("test_render", NULL, 0) != 0)
        return 1;
    failed = cmocka_run_group_tests(tests, setup, teardown);
    media_shutdown();
    return failed;
}
