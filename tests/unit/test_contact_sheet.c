/* test_contact_sheet.c — unit tests for media/contact_sheet.c: the
 * documented layout and its limits, sheets that decode at that size, photos
 * turned upright, and refusals (documents, junk, truncated images, an
 * empty sheet) that leave the sheet usable.
 */
#include "media_fixture.h"

#include <errno.h>

#include "media/contact_sheet.h"
#include "media/probe.h"

/* The layout formula of contact_sheet.h, written out independently. */
static void expected(size_t n, unsigned cols, unsigned s, unsigned *w, unsigned *h)
{
    unsigned m = s / 16 > 8 ? s / 16 : 8, c = s / 8 > 14 ? s / 8 : 14;
    unsigned t = s / 5 > 20 ? s / 5 : 20, rows;

    if (n < cols)
        cols = (unsigned)n;
    rows = (unsigned)((n + cols - 1) / cols);
    *w = 2 * m + cols * s + (cols - 1) * m;
    *h = 2 * m + t + m + rows * (s + c) + (rows - 1) * m;
}

static void test_layout(void **state)
{
    struct media_sheet_layout lay;
    unsigned w, h;

    (void)state;
    assert_int_equal(media_sheet_layout(3, 4, 256, &lay), 0);
    assert_int_equal(lay.columns, 3);
    assert_int_equal(lay.rows, 1);
    assert_int_equal(lay.width, 832);
    assert_int_equal(lay.height, 387);
    for (size_t n = 1; n <= 30; n += 7)
        for (unsigned cols = 1; cols <= 20; cols += 6) {
            assert_int_equal(media_sheet_layout(n, cols, 100, &lay), 0);
            expected(n, cols, 100, &w, &h);
            assert_int_equal(lay.width, w);
            assert_int_equal(lay.height, h);
        }
    assert_int_equal(media_sheet_layout(0, 4, 256, &lay), -EINVAL);
    assert_int_equal(media_sheet_layout(1, 0, 256, &lay), -EINVAL);
    assert_int_equal(media_sheet_layout(1, 21, 256, &lay), -EINVAL);
    assert_int_equal(media_sheet_layout(1, 4, 63, &lay), -EINVAL);
    assert_int_equal(media_sheet_layout(1, 4, 1025, &lay), -EINVAL);
    /* Too tall for JPEG, too many pixels, or absurdly many photos. */
    assert_int_equal(media_sheet_layout(1000, 1, 1024, &lay), -EFBIG);
    assert_int_equal(media_sheet_layout(2000, 20, 256, &lay), -EFBIG);
    assert_int_equal(media_sheet_layout((size_t)1 << 40, 1, 64, &lay), -EFBIG);
}

/* Decode a sheet: its size, and the RGB of one pixel. */
static void decode(void *jpeg, size_t len, unsigned *w, unsigned *h, int x, int y,
                   double rgb[3])
{
    VipsImage *im = vips_image_new_from_buffer(jpeg, len, "", NULL);
    double *px = NULL;
    int n = 0;

    assert_non_null(im);
    *w = (unsigned)im->Xsize;
    *h = (unsigned)im->Ysize;
    assert_int_equal(im->Bands, 3);
    assert_int_equal(vips_getpoint(im, &px, &n, x, y, NULL), 0);
    assert_int_equal(n, 3);
    memcpy(rgb, px, sizeof(double) * 3);
    g_free(px);
    g_object_unref(im);
}

static void test_sheet(void **state)
{
    VipsImage *photo = fixture_photo(300, 200);
    struct media_bytes jpg = fixture_encode(photo, ".jpg[Q=90]");
    struct media_bytes png = fixture_encode(photo, ".png");
    struct media_sheet *s;
    char why[256];
    void *out;
    size_t len;
    unsigned w, h, ew, eh;
    double rgb[3];

    (void)state;
    assert_int_equal(media_sheet_new("Favourites of alice@example.com — A", 2, 128, &s), 0);
    assert_int_equal(media_sheet_add(s, jpg.data, jpg.len, "IMG_1.jpg", why, sizeof why), 0);
    assert_int_equal(media_sheet_add(s, png.data, png.len, "A rather long name that will "
                                     "not fit under its thumbnail.png", why, sizeof why), 0);
    assert_int_equal(media_sheet_add(s, jpg.data, jpg.len, "<b>&amp;</b>", why, sizeof why), 0);
    assert_int_equal(media_sheet_jpeg(s, &out, &len, why, sizeof why), 0);
    /* Margin 8: the top-left corner is white paper. */
    decode(out, len, &w, &h, 2, 2, rgb);
    expected(3, 2, 128, &ew, &eh);
    assert_int_equal(w, ew);
    assert_int_equal(h, eh);
    assert_true(rgb[0] > 240 && rgb[1] > 240 && rgb[2] > 240);
    g_free(out);
    media_sheet_free(s);
    g_object_unref(photo);
    g_free(jpg.data);
    g_free(png.data);
}

/* Orientation 6 (stored landscape, shown portrait): the thumbnail is tall,
 * so the left of its cell is paper; unrotated it would fill the width. */
static void test_upright(void **state)
{
    VipsImage *photo = fixture_photo(300, 100), *tagged;
    struct media_bytes b;
    struct media_sheet *s;
    char why[256];
    void *out;
    size_t len;
    unsigned w, h;
    double rgb[3];

    (void)state;
    assert_int_equal(vips_copy(photo, &tagged, NULL), 0);
    vips_image_set_int(tagged, VIPS_META_ORIENTATION, 6);
    b = fixture_encode(tagged, ".jpg[Q=90]");
    assert_int_equal(media_sheet_new("t", 1, 100, &s), 0);
    assert_int_equal(media_sheet_add(s, b.data, b.len, "r.jpg", why, sizeof why), 0);
    assert_int_equal(media_sheet_jpeg(s, &out, &len, why, sizeof why), 0);
    /* Cell at (8, 36); 90 px down, 5 px in. */
    decode(out, len, &w, &h, 13, 126, rgb);
    assert_true(rgb[0] > 240 && rgb[1] > 240 && rgb[2] > 240);
    g_free(out);
    media_sheet_free(s);
    g_object_unref(tagged);
    g_object_unref(photo);
    g_free(b.data);
}

static void test_refusals(void **state)
{
    VipsImage *photo = fixture_photo(3000, 2000);
    struct media_bytes jpg = fixture_encode(photo, ".jpg[Q=90]");
    struct media_bytes cut = fixture_prefix(jpg, jpg.len / 2);
    static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    static const char junk[] = "not an image at all";
    struct media_sheet *s;
    char why[256];
    void *out = (void *)1;
    size_t len = 1;

    (void)state;
    assert_int_equal(media_sheet_new("t", 0, 128, &s), -EINVAL);
    assert_null(s);
    assert_int_equal(media_sheet_new("t", 3, 2000, &s), -EINVAL);
    assert_int_equal(media_sheet_new(NULL, 3, 128, &s), 0);
    assert_int_equal(media_sheet_jpeg(s, &out, &len, why, sizeof why), -EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(media_sheet_add(s, pdf, sizeof pdf - 1, "c.pdf", why, sizeof why), -EINVAL);
    assert_string_equal(why, "documents have no thumbnail");
    assert_int_equal(media_sheet_add(s, junk, sizeof junk, "x.jpg", why, sizeof why), -EINVAL);
    assert_int_equal(media_sheet_add(s, cut.data, cut.len, "cut.jpg", why, sizeof why), -EIO);
    assert_non_null(strstr(why, "thumbnail failed"));
    /* Still usable after refusals. */
    assert_int_equal(media_sheet_add(s, jpg.data, jpg.len, "ok.jpg", why, sizeof why), 0);
    assert_int_equal(media_sheet_jpeg(s, &out, &len, why, sizeof why), 0);
    assert_true(len > 0);
    g_free(out);
    media_sheet_free(s);
    media_sheet_free(NULL);
    g_object_unref(photo);
    g_free(jpg.data);
    g_free(cut.data);
}

static int group_setup(void **state)
{
    (void)state;
    return media_init("test_contact_sheet", NULL, 0);
}

static int group_teardown(void **state)
{
    (void)state;
    media_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_sheet),
        cmocka_unit_test(test_upright),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
