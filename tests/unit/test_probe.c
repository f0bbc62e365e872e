/* test_probe.c — unit tests for media/probe.c: which bytes become photos or
 * documents, and how everything else is refused.
 *
 * Inputs are generated with libvips in the group setup (media_fixture.h);
 * hostile ones are derived from good ones (truncated, header-only, size
 * fields patched). Single-threaded.
 */
#include "media/probe.h"

#include "media_fixture.h"

#include <errno.h>
#include <sys/mman.h>

#define PDF_OK                                                              \
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"       \
    "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"              \
    "trailer\n<< /Root 1 0 R >>\n%%EOF\n"

struct inputs {
    char *dir;
    struct media_bytes jpeg;        /* 640x480 */
    struct media_bytes jpeg_rot6;   /* 640x480 stored, EXIF orientation 6 */
    struct media_bytes jpeg_prog;   /* progressive */
    struct media_bytes png;         /* 300x200 RGBA */
    struct media_bytes png_interlaced;
    struct media_bytes tiff;        /* 320x240 */
    struct media_bytes webp;        /* 200x100 */
    struct media_bytes gif;
    struct media_bytes tiff_6bands;
    struct media_bytes truncated_jpeg;
    struct media_bytes header_only_png;
    struct media_bytes bomb_png;    /* 15000x15000 = 225 MP, ~100 KB */
    struct media_bytes huge_jpeg;   /* header claims 65000x65000 */
    struct media_bytes tall_jpeg;   /* header claims 20000x20000 = 400 MP */
    struct media_bytes half_eoi_jpeg; /* first half, then an end marker */
    struct media_bytes liar_jpeg;   /* header claims twice the rows */
    struct media_bytes junk_jpeg;   /* two junk bytes before the DQT segment */
};

/* Rewrite the frame size of a baseline JPEG (found by walking markers). */
static void patch_sof(struct media_bytes b, uint16_t w, uint16_t h)
{
    unsigned char *p = b.data;
    size_t i = 2;

    while (i + 9 < b.len && p[i] == 0xff) {
        unsigned char m = p[i + 1];

        if (m == 0xc0 || m == 0xc2) {
            p[i + 5] = (unsigned char)(h >> 8);
            p[i + 6] = (unsigned char)h;
            p[i + 7] = (unsigned char)(w >> 8);
            p[i + 8] = (unsigned char)w;
            return;
        }
        i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
    }
    fail_msg("no frame header");
}

/* b with `junk` inserted before its first segment with marker m. */
static struct media_bytes insert_before_marker(struct media_bytes b,
                                               unsigned char m,
                                               const char *junk)
{
    const unsigned char *p = b.data;
    size_t i = 2, n = strlen(junk);
    struct media_bytes out;

    while (i + 4 < b.len && p[i] == 0xff && p[i + 1] != m)
        i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
    if (i + 4 >= b.len || p[i] != 0xff)
        fail_msg("no segment %02x", m);
    out.len = b.len + n;
    out.data = g_malloc(out.len);
    memcpy(out.data, p, i);
    memcpy((char *)out.data + i, junk, n);
    memcpy((char *)out.data + i + n, p + i, b.len - i);
    return out;
}

static int setup(void **state)
{
    struct inputs *in = g_new0(struct inputs, 1);
    VipsImage *photo = fixture_photo(640, 480);
    VipsImage *rot, *small, *alpha, *rgba, *six, *black;

    in->dir = fixture_mkdtemp();
    in->jpeg = fixture_encode(photo, ".jpg[Q=90]");
    in->jpeg_prog = fixture_encode(photo, ".jpg[interlace]");
    assert_int_equal(vips_copy(photo, &rot, NULL), 0);
    vips_image_set_int(rot, VIPS_META_ORIENTATION, 6);
    in->jpeg_rot6 = fixture_encode(rot, ".jpg");

    assert_int_equal(vips_extract_area(photo, &small, 0, 0, 300, 200, NULL),
                     0);
    alpha = vips_image_new_from_image1(small, 128);
    assert_int_equal(vips_bandjoin2(small, alpha, &rgba, NULL), 0);
    in->png = fixture_encode(rgba, ".png");
    in->png_interlaced = fixture_encode(small, ".png[interlace]");
    in->gif = fixture_encode(rgba, ".gif");
    in->webp = fixture_encode(photo, ".webp");
    in->tiff = fixture_encode(photo, ".tif");
    assert_int_equal(vips_bandjoin((VipsImage *[]){ small, small }, &six, 2,
                                   NULL),
                     0);
    in->tiff_6bands = fixture_encode(six, ".tif");

    in->truncated_jpeg = fixture_prefix(in->jpeg, in->jpeg.len / 2);
    in->header_only_png = fixture_prefix(in->png, 33);
    assert_int_equal(vips_black(&black, 15000, 15000, NULL), 0);
    in->bomb_png = fixture_encode(black, ".png[compression=9,bitdepth=1]");
    in->huge_jpeg = fixture_prefix(in->jpeg, in->jpeg.len);
    patch_sof(in->huge_jpeg, 65000, 65000);
    in->tall_jpeg = fixture_prefix(in->jpeg, in->jpeg.len);
    patch_sof(in->tall_jpeg, 20000, 20000);
    in->half_eoi_jpeg = fixture_prefix(in->jpeg, in->jpeg.len / 2 + 2);
    memcpy((char *)in->half_eoi_jpeg.data + in->jpeg.len / 2, "\xff\xd9", 2);
    in->liar_jpeg = fixture_prefix(in->jpeg, in->jpeg.len);
    patch_sof(in->liar_jpeg, 640, 960);
    in->junk_jpeg = insert_before_marker(in->jpeg, 0xdb, "\x12\x34");

    fixture_save(in->dir, "good.jpg", in->jpeg);
    fixture_save(in->dir, "rot6.jpg", in->jpeg_rot6);
    fixture_save(in->dir, "good.png", in->png);
    fixture_save(in->dir, "good.tif", in->tiff);
    fixture_save(in->dir, "truncated.jpg", in->truncated_jpeg);
    fixture_save(in->dir, "header-only.png", in->header_only_png);
    fixture_save(in->dir, "bomb.png", in->bomb_png);
    fixture_save(in->dir, "huge.jpg", in->huge_jpeg);

    g_object_unref(black);
    g_object_unref(six);
    g_object_unref(rgba);
    g_object_unref(alpha);
    g_object_unref(small);
    g_object_unref(rot);
    g_object_unref(photo);
    *state = in;
    return 0;
}

static int teardown(void **state)
{
    struct inputs *in = *state;
    struct media_bytes *all[] = {
        &in->jpeg, &in->jpeg_rot6, &in->jpeg_prog, &in->png,
        &in->png_interlaced, &in->tiff, &in->webp, &in->gif,
        &in->tiff_6bands, &in->truncated_jpeg, &in->header_only_png,
        &in->bomb_png, &in->huge_jpeg, &in->tall_jpeg, &in->half_eoi_jpeg,
        &in->liar_jpeg, &in->junk_jpeg,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        g_free(all[i]->data);
    fixture_rmdir(in->dir);
    g_free(in->dir);
    g_free(in);
    return 0;
}

/* Probe, expecting rc; on refusal, why must be one non-empty line. */
static struct media_info probe(struct media_bytes b, int expect, char *why,
                               size_t why_len)
{
    struct media_info info;
    int rc = media_probe_buffer(b.data, b.len, &info, why, why_len);

    if (rc != expect)
        fail_msg("rc %d, expected %d (why: %s)", rc, expect, why);
    if (rc < 0) {
        assert_true(why[0] != '\0');
        assert_null(strchr(why, '\n'));
        assert_int_equal(info.kind, MEDIA_UNKNOWN);
    }
    return info;
}

static void test_jpeg_accepted(void **state)
{
    struct inputs *in = *state;
    char why[200];
    struct media_info info = probe(in->jpeg, 0, why, sizeof(why));

    assert_int_equal(info.kind, MEDIA_PHOTO);
    assert_string_equal(info.mime, "image/jpeg");
    assert_int_equal(info.width, 640);
    assert_int_equal(info.height, 480);
    assert_int_equal(info.orientation, 1);
    assert_int_equal(info.interlaced, 0);
}

static void test_jpeg_orientation(void **state)
{
    struct inputs *in = *state;
    char why[200];
    struct media_info info = probe(in->jpeg_rot6, 0, why, sizeof(why));

    assert_int_equal(info.orientation, 6);
    assert_int_equal(info.width, 640); /* as stored */
    assert_int_equal(info.height, 480);
}

/* A JPEG with a side shorter than the check's shrink-on-load (8): the
 * fuzzer's 8x6 progressive JPEG made libvips abort the process (an
 * assertion on a 1x0 image), which would take a daemon down with an
 * editor's upload. Baseline and progressive, each side short. */
static void test_tiny_jpeg_accepted(void **state)
{
    static const int sizes[][2] = {{8, 6}, {1, 1}, {7, 300}, {300, 3}, {15, 9}};
    VipsImage *photo = fixture_photo(300, 300);
    char why[200];

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        for (int progressive = 0; progressive <= 1; progressive++) {
            VipsImage *cut;
            struct media_bytes b;
            struct media_info info;

            assert_int_equal(vips_extract_area(photo, &cut, 0, 0, sizes[i][0], sizes[i][1], NULL), 0);
            b = fixture_encode(cut, progressive ? ".jpg[interlace]" : ".jpg");
            info = probe(b, 0, why, sizeof(why));
            assert_int_equal(info.kind, MEDIA_PHOTO);
            assert_int_equal(info.width, sizes[i][0]);
            assert_int_equal(info.height, sizes[i][1]);
            g_free(b.data);
            g_object_unref(cut);
        }
    }
    g_object_unref(photo);
}

static void test_png_tiff_webp_accepted(void **state)
{
    struct inputs *in = *state;
    char why[200];
    struct media_info info;

    info = probe(in->png, 0, why, sizeof(why));
    assert_string_equal(info.mime, "image/png");
    assert_int_equal(info.width, 300);
    assert_int_equal(info.height, 200);
    assert_int_equal(info.orientation, 1);

    info = probe(in->tiff, 0, why, sizeof(why));
    assert_string_equal(info.mime, "image/tiff");
    assert_int_equal(info.width, 640);
    assert_int_equal(info.height, 480);

    info = probe(in->webp, 0, why, sizeof(why));
    assert_string_equal(info.mime, "image/webp");
    assert_int_equal(info.width, 640);
}

static void test_heif_when_available(void **state)
{
    VipsImage *photo;
    struct media_bytes avif;
    char why[200];
    struct media_info info;

    if (!vips_type_find("VipsOperation", "heifsave_buffer"))
        skip();
    photo = fixture_photo(128, 96);
    avif = fixture_encode(photo, ".avif");
    info = probe(avif, 0, why, sizeof(why));
    assert_string_equal(info.mime, "image/avif");
    assert_int_equal(info.width, 128);
    assert_int_equal(info.height, 96);
    g_free(avif.data);
    g_object_unref(photo);
}

static void test_interlaced_reported(void **state)
{
    struct inputs *in = *state;
    char why[200];

    assert_int_equal(probe(in->jpeg_prog, 0, why, sizeof(why)).interlaced, 1);
    assert_int_equal(probe(in->png_interlaced, 0, why, sizeof(why)).interlaced,
                     1);
}

static void test_pdf_is_document(void **state)
{
    struct media_bytes pdf = { PDF_OK, sizeof(PDF_OK) - 1 };
    char why[200];
    struct media_info info = probe(pdf, 0, why, sizeof(why));

    assert_int_equal(info.kind, MEDIA_DOCUMENT);
    assert_string_equal(info.mime, "application/pdf");
    assert_int_equal(info.width, 0);
}

static void test_pdf_without_trailer_refused(void **state)
{
    struct media_bytes pdf = { PDF_OK, sizeof(PDF_OK) - 8 };
    char why[200];

    probe(pdf, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "PDF"));
}

static void test_empty_refused(void **state)
{
    struct media_bytes empty = { "", 0 };
    char why[200];

    probe(empty, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "is empty"));
}

static void test_text_refused(void **state)
{
    static char text[] = "Shot list: ceremony, portraits, first dance.\n";
    struct media_bytes fake = { text, sizeof(text) - 1 };
    char why[200];

    probe(fake, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "not a JPEG"));
}

static void test_truncated_jpeg_refused(void **state)
{
    struct inputs *in = *state;
    struct media_bytes prog;
    char why[200];
    struct media_info info;

    /* The header is intact, so only decoding every pixel finds this. */
    assert_int_equal(media_probe_header(in->truncated_jpeg.data,
                                        in->truncated_jpeg.len, &info, why,
                                        sizeof(why)),
                     0);
    probe(in->truncated_jpeg, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "truncated"));
    /* A progressive one (decoded at 1/8 scale too: its later scans, the
     * fine detail, are what is missing). */
    prog = fixture_prefix(in->jpeg_prog, in->jpeg_prog.len * 3 / 4);
    probe(prog, -EINVAL, why, sizeof(why));
    g_free(prog.data);
}

/* Damage libjpeg reports only as a warning, filling the rest with grey:
 * scan data cut in half with an end marker appended, and a frame header
 * that claims more rows than the data holds. Refused, with the decoder's
 * words. Junk between segments (some cameras write it) is not damage. */
static void test_jpeg_warnings(void **state)
{
    struct inputs *in = *state;
    char why[200];
    struct media_info info;

    probe(in->half_eoi_jpeg, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "premature end of data segment"));
    probe(in->liar_jpeg, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "premature end of data segment"));
    info = probe(in->junk_jpeg, 0, why, sizeof(why));
    assert_int_equal(info.width, 640);
    assert_int_equal(info.height, 480);
}

static void test_header_only_png_refused(void **state)
{
    struct inputs *in = *state;
    char why[200];

    probe(in->header_only_png, -EINVAL, why, sizeof(why));
}

static void test_bomb_refused_before_decoding(void **state)
{
    struct inputs *in = *state;
    char why[200];
    gint64 start = g_get_monotonic_time();

    probe(in->bomb_png, -EFBIG, why, sizeof(why));
    assert_non_null(strstr(why, "megapixels"));
    /* 225 MP would take seconds to decode; the header takes microseconds. */
    assert_true(g_get_monotonic_time() - start < G_USEC_PER_SEC / 2);

    probe(in->tall_jpeg, -EFBIG, why, sizeof(why));
    assert_non_null(strstr(why, "20000x20000"));
    probe(in->huge_jpeg, -EFBIG, why, sizeof(why));
    assert_non_null(strstr(why, "per side"));
}

static void test_random_bytes_refused(void **state)
{
    static const unsigned char magics[][8] = {
        { 0 },                                         /* none */
        { 0xff, 0xd8, 0xff, 0xe0 },                    /* JPEG */
        { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' }, /* PNG */
        { 'I', 'I', 42, 0 },                           /* TIFF */
    };
    GRand *rand = g_rand_new_with_seed(20260613);
    size_t len = 64 * 1024;
    unsigned char *buf = g_malloc(len);
    char why[200];

    for (size_t m = 0; m < G_N_ELEMENTS(magics); m++) {
        for (int round = 0; round < 8; round++) {
            struct media_info info;
            int rc;

            for (size_t i = 0; i < len; i++)
                buf[i] = (unsigned char)g_rand_int_range(rand, 0, 256);
            memcpy(buf, magics[m], m == 0 ? 0 : sizeof(magics[m]));
            /* Noise after a magic may even parse as a huge frame size. */
            rc = media_probe_buffer(buf, len, &info, why, sizeof(why));
            assert_true(rc == -EINVAL || rc == -EFBIG);
            assert_true(why[0] != '\0');
            assert_null(strchr(why, '\n'));
        }
    }
    g_free(buf);
    g_rand_free(rand);
}

static void test_other_types_refused(void **state)
{
    struct inputs *in = *state;
    char why[200];

    probe(in->gif, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "GIF files are not accepted"));
    probe(in->tiff_6bands, -EINVAL, why, sizeof(why));
    assert_non_null(strstr(why, "6 channels"));
}

static void test_oversized_file_refused(void **state)
{
    size_t len = MEDIA_MAX_FILE_BYTES + 1;
    /* Zero pages reserved, never touched: the size is checked first. */
    void *big = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct media_bytes b = { big, len };
    char why[200];

    assert_true(big != MAP_FAILED);
    probe(b, -EFBIG, why, sizeof(why));
    assert_non_null(strstr(why, "MiB"));
    munmap(big, len);
}

static void test_why_is_bounded(void **state)
{
    struct inputs *in = *state;
    struct media_info info;
    char why[12];

    memset(why, 'x', sizeof(why));
    assert_int_equal(media_probe_buffer(in->bomb_png.data, in->bomb_png.len,
                                        &info, why, sizeof(why)),
                     -EFBIG);
    assert_true(strlen(why) < sizeof(why));
    assert_true(g_utf8_validate(why, -1, NULL));
    assert_int_equal(media_probe_buffer(in->gif.data, in->gif.len, &info,
                                        NULL, 0),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_accepted),
        cmocka_unit_test(test_jpeg_orientation),
        cmocka_unit_test(test_tiny_jpeg_accepted),
        cmocka_unit_test(test_png_tiff_webp_accepted),
        cmocka_unit_test(test_heif_when_available),
        cmocka_unit_test(test_interlaced_reported),
        cmocka_unit_test(test_pdf_is_document),
        cmocka_unit_test(test_pdf_without_trailer_refused),
        cmocka_unit_test(test_empty_refused),
        cmocka_unit_test(test_text_refused),
        cmocka_unit_test(test_truncated_jpeg_refused),
        cmocka_unit_test(test_jpeg_warnings),
        cmocka_unit_test(test_header_only_png_refused),
        cmocka_unit_test(test_bomb_refused_before_decoding),
        cmocka_unit_test(test_random_bytes_refused),
        cmocka_unit_test(test_other_types_refused),
        cmocka_unit_test(test_oversized_file_refused),
        cmocka_unit_test(test_why_is_bounded),
    };
    int failed;

    if (media_init("test_probe", NULL, 0) != 0)
        return 1;
    failed = cmocka_run_group_tests(tests, setup, teardown);
    media_shutdown();
    return failed;
}
