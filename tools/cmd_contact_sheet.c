/* cmd_contact_sheet.c — 'albumctl contact-sheet': one person's favourites
 * of an album on one JPEG, as captioned thumbnails made from the originals
 * (media/contact_sheet.c), for printing or sending back to the client.
 * Reads the library only; the file is written whole or not at all. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "media/contact_sheet.h"
#include "tools/cli.h"

enum { OPT_PERSON = CLI_OPT_FIRST, OPT_COLUMNS, OPT_SIZE, OPT_OUTPUT = 'o' };

#define DEFAULT_COLUMNS 4u
#define DEFAULT_SIZE 256u

struct sheet_args {
    const char *person;
    const char *output;
    uint32_t columns;
    uint32_t size;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct sheet_args *a)
{
    static const struct option opts[] = {
        {"person", required_argument, NULL, OPT_PERSON},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"size", required_argument, NULL, OPT_SIZE},
        CLI_COMMON_OPTIONS,
    };
    int c, st = CLI_OK;

    a->columns = DEFAULT_COLUMNS;
    a->size = DEFAULT_SIZE;
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_PERSON)
            a->person = optarg;
        else if (c == OPT_OUTPUT)
            a->output = optarg;
        else if (c == OPT_COLUMNS)
            st = cli_parse_u32(cli, "columns", optarg, 1, MEDIA_SHEET_COLUMNS_MAX, &a->columns);
        else if (c == OPT_SIZE)
            st = cli_parse_u32(cli, "size", optarg, MEDIA_SHEET_CELL_MIN, MEDIA_SHEET_CELL_MAX,
                               &a->size);
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one ALBUM");
    if (!a->person)
        return cli_usage(cli, "--person EMAIL|link:ID is required: whose favourites");
    if (!a->output || !a->output[0])
        return cli_usage(cli, "-o FILE.jpg is required: where to write the sheet");
    return CLI_OK;
}

/* Thumbnail every favourite onto the sheet. CLI_OK or CLI_FAIL (message
 * printed, naming the photo). */
static int add_photos(struct cli *cli, struct media_sheet *sheet,
                      const struct cat_favourite *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cat_photo photo;
        char why[256] = "";
        void *buf = NULL;
        size_t len = 0;
        int err;

        cli_progress(cli, i, n, rows[i].photo_name);
        err = catalog_photo_by_id(cli_catalog(cli), rows[i].photo_id, &photo);
        if (err) {
            cli_progress_clear(cli);
            return cli_fail_errno(cli, err, "reading photo %s/%s", rows[i].set_name,
                                  rows[i].photo_name);
        }
        err = vault_read_all(cli->lib->vault, photo.blob, &buf, &len);
        if (err) {
            cli_progress_clear(cli);
            return cli_fail_errno(cli, err, "%s/%s: reading the original", rows[i].set_name,
                                  rows[i].photo_name);
        }
        err = media_sheet_add(sheet, buf, len, photo.name, why, sizeof(why));
        free(buf);
        if (err) {
            cli_progress_clear(cli);
            return cli_fail(cli, "%s/%s: %s; check it with 'albumctl verify'", rows[i].set_name,
                            rows[i].photo_name, why[0] ? why : strerror(-err));
        }
    }
    cli_progress_clear(cli);
    return CLI_OK;
}

/* The sheet as a JPEG, into the file (a temporary file renamed over it). */
static int write_sheet(struct cli *cli, struct media_sheet *sheet, const char *path)
{
    char why[256] = "";
    void *jpeg = NULL;
    size_t len = 0;
    GError *gerr = NULL;
    int err = media_sheet_jpeg(sheet, &jpeg, &len, why, sizeof(why));

    if (err)
        return cli_fail(cli, "making the sheet: %s", why[0] ? why : strerror(-err));
    if (!g_file_set_contents(path, jpeg, (gssize)len, &gerr)) {
        cli_fail(cli, "cannot write '%s': %s; check the path and free space",
                 cli_printable(path), gerr->message);
        g_error_free(gerr);
        g_free(jpeg);
        return CLI_FAIL;
    }
    g_free(jpeg);
    return CLI_OK;
}

static int run_contact_sheet(struct cli *cli, int argc, char **argv)
{
    struct sheet_args a = {0};
    struct cli_person who;
    struct cat_album album;
    struct cat_favourite *rows = NULL;
    struct media_sheet_layout lay;
    struct media_sheet *sheet = NULL;
    char *title = NULL;
    size_t n = 0;
    int st = parse_args(cli, argc, argv, &a);
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK)
        st = cli_find_person(cli, a.person, &who);
    if (st == CLI_OK && who.link_album && who.link_album != album.id)
        st = cli_fail(cli, "%s is a link to another album; see 'albumctl grant list'",
                      who.label);
    if (st != CLI_OK)
        return st;
    err = catalog_favourites(cli_catalog(cli), album.id, &who.who, &rows, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the favourites of %s", who.label);
    if (n == 0)
        st = cli_fail(cli, "%s has no favourites in '%s', so there is nothing to put on a "
                      "sheet; see 'albumctl favourites \"%s\"'", who.label, album.name,
                      album.name);
    /* libvips first: the layout is the image module's too (media/media_lazy.c) */
    if (st == CLI_OK)
        st = cli_media_init(cli);
    if (st == CLI_OK && media_sheet_layout(n, a.columns, a.size, &lay) != 0)
        st = cli_fail(cli, "%zu photos at --size %" PRIu32 " make a sheet larger than %u px a "
                      "side or %u megapixels; choose a smaller --size or other --columns", n,
                      a.size, MEDIA_SHEET_MAX_EDGE, MEDIA_SHEET_MAX_PIXELS / 1000000);
    if (st == CLI_OK) {
        if (who.name[0])
            title = g_strdup_printf("Favourites of %s <%s> — %s (%zu)", who.name, who.label,
                                    album.name, n);
        else
            title = g_strdup_printf("Favourites of %s — %s (%zu)", who.label, album.name, n);
        err = media_sheet_new(title, a.columns, a.size, &sheet);
        if (err)
            st = cli_fail_errno(cli, err, "starting the sheet");
    }
    if (st == CLI_OK)
        st = add_photos(cli, sheet, rows, n);
    if (st == CLI_OK)
        st = write_sheet(cli, sheet, a.output);
    if (st == CLI_OK && cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "file", a.output);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "person", who.label);
        json_kv_int(&cli->out, "photos", (int64_t)n);
        json_kv_int(&cli->out, "columns", lay.columns);
        json_kv_int(&cli->out, "rows", lay.rows);
        json_kv_int(&cli->out, "width", lay.width);
        json_kv_int(&cli->out, "height", lay.height);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (st == CLI_OK)
        printf("wrote %s: %zu favourite%s of %s, %ux%u px\n", cli_printable(a.output), n,
               n == 1 ? "" : "s", who.label, lay.width, lay.height);
    media_sheet_free(sheet);
    g_free(title);
    free(rows);
    return st;
}

const struct cli_cmd cmd_contact_sheet = {
    .name = "contact-sheet",
    .summary = "Put one person's favourites on one JPEG: thumbnails with their names.",
    .usage = "ALBUM --person EMAIL|link:ID -o FILE.jpg [--columns N] [--size PX]",
    .help = "Thumbnails are made from the originals (upright, in sRGB), each in a square\n"
            "cell with the photo's name under it, under a title line naming the person\n"
            "and the album. FILE is replaced if it exists, and written whole or not at all.\n"
            "\n"
            "options:\n"
            "  --person EMAIL|link:ID   whose favourites (required)\n"
            "  -o, --output FILE        the JPEG to write (required)\n"
            "  --columns N              photos per row, 1-20 (default 4; fewer photos, fewer\n"
            "                           columns)\n"
            "  --size PX                the square each thumbnail fits in, 64-1024 (default 256)\n",
    .run = run_contact_sheet,
};
