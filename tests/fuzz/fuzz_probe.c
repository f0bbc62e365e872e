/* fuzz_probe.c — libFuzzer harness for media/probe.c: the bytes of a file
 * offered as a photo or a document, sniffed and measured before libvips
 * decodes any pixel, and then decoded in full when that is cheap.
 *
 * Input: a whole file. media_probe_header runs on every input; the full
 * media_probe_buffer only when the header says at most FULL_DECODE_PIXELS
 * pixels, so one input costs milliseconds (libvips' decoders themselves are
 * fuzzed upstream; what is ours is the sniffing, the limits and the
 * reasons). Invariants:
 *   - 0, -EINVAL or -EFBIG; on 0 a known kind and one of the accepted MIME
 *     types; a photo within MEDIA_MAX_EDGE and MEDIA_MAX_PIXELS, with an
 *     orientation of 1..8; a document is a PDF with its %%EOF near the end;
 *   - on failure *info is zeroed and the reason is one non-empty,
 *     printable line of valid UTF-8 with no trailing blank;
 *   - a file the full probe accepts, the header probe accepts the same way.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media/probe.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FULL_DECODE_PIXELS (1024u * 1024u)

static const char *const mimes[] = {
    "image/jpeg", "image/png", "image/tiff", "image/webp", "image/heif", "image/avif",
    "application/pdf",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (media_init((*argv)[0], NULL, 0) != 0)
        abort();
    return 0;
}

static bool known_mime(const char *mime)
{
    for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++)
        if (strcmp(mime, mimes[i]) == 0)
            return true;
    return false;
}

static void check_why(const char *why)
{
    size_t n = strlen(why);

    FUZZ_CHECK(n > 0 && why[n - 1] != ' ');
    FUZZ_CHECK(g_utf8_validate(why, -1, NULL));
    for (const char *p = why; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_result(int rc, const struct media_info *info, const char *why,
                         const uint8_t *data, size_t size)
{
    static const struct media_info zero;

    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EFBIG);
    if (rc < 0) {
        FUZZ_CHECK(memcmp(info, &zero, sizeof zero) == 0);
        check_why(why);
        return;
    }
    FUZZ_CHECK(known_mime(info->mime));
    if (info->kind == MEDIA_DOCUMENT) {
        FUZZ_CHECK(strcmp(info->mime, "application/pdf") == 0);
        FUZZ_CHECK(size >= 5 && memcmp(data, "%PDF-", 5) == 0);
        return;
    }
    FUZZ_CHECK(info->kind == MEDIA_PHOTO);
    FUZZ_CHECK(info->width >= 1 && info->width <= MEDIA_MAX_EDGE);
    FUZZ_CHECK(info->height >= 1 && info->height <= MEDIA_MAX_EDGE);
    FUZZ_CHECK((uint64_t)info->width * info->height <= MEDIA_MAX_PIXELS);
    FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct media_info head, full;
    char why[256];
    int rc;

    memset(why, 0, sizeof why);
    rc = media_probe_header(data, size, &head, why, sizeof why);
    check_result(rc, &head, why, data, size);
    if (rc < 0 || head.kind != MEDIA_PHOTO ||
        (uint64_t)head.width * head.height > FULL_DECODE_PIXELS)
        return 0;
    memset(why, 0, sizeof why);
    rc = media_probe_buffer(data, size, &full, why, sizeof why);
    check_result(rc, &full, why, data, size);
    if (rc == 0)
        FUZZ_CHECK(memcmp(&head, &full, sizeof head) == 0);
    return 0;
}
