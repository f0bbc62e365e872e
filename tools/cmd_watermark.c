/* cmd_watermark.c — albumctl watermark: the studio's mark on proofs and
 * watermarked downloads (text and/or a logo, placement, opacity).
 *
 * Settings live in the catalog (watermark.*); the logo is stored in the
 * vault like a photo. A change gives every watermarked view a new identity
 * (media/renditions.c), so mounts stop showing the old mark at once and the
 * new views are rendered ahead of time for every album unless --no-prepare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/probe.h"
#include "media/renditions.h"
#include "tools/cli.h"

#define WATERMARK_TEXT_MAX 200

enum {
    OPT_TEXT = CLI_OPT_FIRST,
    OPT_NO_TEXT,
    OPT_LOGO,
    OPT_NO_LOGO,
    OPT_POSITION,
    OPT_OPACITY,
    OPT_NO_PREPARE,
};

static const char *const positions[] = {"center",   "bottom-right", "bottom-left",
                                        "top-right", "top-left",     "tiled"};

static int print_watermark(struct cli *cli)
{
    struct watermark_settings wm;
    int err = renditions_watermark(cli_catalog(cli), &wm);

    if (err)
        return cli_fail_errno(cli, err, "reading the watermark settings");
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "text", wm.text);
        json_kv_string(&cli->out, "logo", wm.logo);
        json_kv_string(&cli->out, "position", wm.position);
        json_kv_number(&cli->out, "opacity", wm.opacity);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("text      %s\n", wm.text[0] ? wm.text : "(none)");
        printf("logo      %s\n", wm.logo[0] ? wm.logo : "(none)");
        printf("position  %s\n", wm.position);
        printf("opacity   %.2f\n", wm.opacity);
    }
    return CLI_OK;
}

static int check_text(struct cli *cli, const char *text)
{
    const char *why;

    if (strlen(text) > WATERMARK_TEXT_MAX)
        return cli_usage(cli, "--text is longer than %d bytes", WATERMARK_TEXT_MAX);
    if (text[0] && names_check(text, &why) < 0)
        return cli_usage(cli, "--text '%s' %s", cli_printable(text), why);
    return CLI_OK;
}

static int check_position(struct cli *cli, const char *p)
{
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++)
        if (strcmp(p, positions[i]) == 0)
            return CLI_OK;
    return cli_usage(cli, "--position must be center, bottom-right, bottom-left, top-right, "
                          "top-left or tiled, not '%s'", cli_printable(p));
}

static int parse_opacity(struct cli *cli, const char *val, char out[16])
{
    char *end;
    double v = g_ascii_strtod(val, &end);

    if (!*val || *end || !(v >= 0.0 && v <= 1.0))
        return cli_usage(cli, "--opacity must be a number from 0 to 1, not '%s'",
                         cli_printable(val));
    g_ascii_formatd(out, 16, "%.3f", v);
    return CLI_OK;
}

/* A replaced or removed logo leaves the vault: no view is made with it
 * again (views of the old mark are replaced as they are asked for), and a
 * blob nothing names would be an orphan to `verify`. Not when the same
 * bytes are also a photo's. Failing to remove it is only reported. */
static void drop_old_logo(struct cli *cli, const char *old, const char *now)
{
    struct af_catalog *c = cli_catalog(cli);
    int rc;

    if (!old[0] || strcmp(old, now) == 0)
        return;
    /* Asked and removed under the write lock: nobody starts naming it
     * meanwhile (an import of the same bytes waits, then stores them
     * again). */
    rc = catalog_begin(c);
    if (rc == 0) {
        rc = catalog_blob_referenced(c, old);
        if (rc == 0)
            rc = vault_remove(cli->lib->vault, old);
        catalog_rollback(c); /* nothing written */
    }
    if (rc < 0 && rc != -ENOENT)
        cli_warn(cli, "the old logo stays in the vault: %s", strerror(-rc));
}

/* Store the logo file in the vault: an image libvips decodes, or refused. */
static int store_logo(struct cli *cli, const char *path, char id[VAULT_ID_HEX])
{
    struct media_info info;
    gchar *bytes = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    char why[256];
    int err;

    if (!g_file_get_contents(path, &bytes, &len, &gerr)) {
        int st = cli_fail(cli, "cannot read the logo '%s': %s", cli_printable(path), gerr->message);

        g_error_free(gerr);
        return st;
    }
    if (cli_media_init(cli) != CLI_OK) {
        g_free(bytes);
        return CLI_FAIL;
    }
    err = media_probe_buffer(bytes, len, &info, why, sizeof why);
    if (err == 0 && info.kind != MEDIA_PHOTO) {
        snprintf(why, sizeof why, "is not an image");
        err = -EINVAL;
    }
    if (err == 0)
        err = vault_put_buffer(cli->lib->vault, bytes, len, id);
    g_free(bytes);
    if (err == -EINVAL || err == -EFBIG)
        return cli_fail(cli, "the logo '%s' %s; use a PNG (with transparency) or JPEG",
                        cli_printable(path), why);
    if (err)
        return cli_fail_errno(cli, err, "storing the logo");
    return CLI_OK;
}

static int prepare_all(struct cli *cli)
{
    struct cat_album *albums = NULL;
    size_t n = 0;
    int err = catalog_albums(cli_catalog(cli), &albums, &n);

    if (err)
        return cli_fail_errno(cli, err, "listing albums to render the new views");
    for (size_t i = 0; i < n && err == 0; i++)
        err = cli_prepare_views(cli, &albums[i], NULL);
    free(albums);
    return CLI_OK; /* render failures were reported; the daemon renders what is missing */
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"text", required_argument, NULL, OPT_TEXT},
        {"no-text", no_argument, NULL, OPT_NO_TEXT},
        {"logo", required_argument, NULL, OPT_LOGO},
        {"no-logo", no_argument, NULL, OPT_NO_LOGO},
        {"position", required_argument, NULL, OPT_POSITION},
        {"opacity", required_argument, NULL, OPT_OPACITY},
        {"no-prepare", no_argument, NULL, OPT_NO_PREPARE},
        CLI_COMMON_OPTIONS,
    };
    const char *text = NULL, *logo = NULL, *position = NULL;
    char opacity[16] = "", logo_id[VAULT_ID_HEX] = "", old_logo[VAULT_ID_HEX] = "";
    bool no_logo = false, prepare = true;
    int c, st = CLI_OK;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        switch (c) {
        case OPT_TEXT:
            text = optarg;
            st = check_text(cli, text);
            break;
        case OPT_NO_TEXT:
            text = "";
            break;
        case OPT_LOGO:
            logo = optarg;
            break;
        case OPT_NO_LOGO:
            no_logo = true;
            break;
        case OPT_POSITION:
            position = optarg;
            st = check_position(cli, position);
            break;
        case OPT_OPACITY:
            st = parse_opacity(cli, optarg, opacity);
            break;
        default:
            prepare = false;
            break;
        }
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    if (logo && no_logo)
        return cli_usage(cli, "--logo and --no-logo contradict each other");
    st = cli_open_library(cli);
    if (st != CLI_OK || (!text && !logo && !no_logo && !position && !opacity[0]))
        return st == CLI_OK ? print_watermark(cli) : st;
    if ((logo || no_logo) &&
        catalog_setting_get(cli_catalog(cli), "watermark.logo", old_logo, sizeof old_logo) < 0)
        old_logo[0] = '\0';
    if (logo && (st = store_logo(cli, logo, logo_id)) != CLI_OK)
        return st;

    {
        const struct cli_setting settings[] = {
            {"watermark.text", text},
            {"watermark.logo", logo || no_logo ? logo_id : NULL},
            {"watermark.position", position},
            {"watermark.opacity", opacity[0] ? opacity : NULL},
        };

        st = cli_save_settings(cli, settings, G_N_ELEMENTS(settings), "watermark-changed",
                               "the watermark");
    }
    if (st != CLI_OK)
        return st;
    drop_old_logo(cli, old_logo, logo_id);
    if (prepare && (st = prepare_all(cli)) != CLI_OK)
        return st;
    return print_watermark(cli);
}

const struct cli_cmd cmd_watermark = {
    .name = "watermark",
    .summary = "Show or set the studio's watermark on proofs and watermarked downloads.",
    .usage = "[--text TEXT | --no-text] [--logo FILE | --no-logo] [--position WHERE] "
             "[--opacity 0..1] [--no-prepare] [--json]",
    .help =
        "Without options, shows the watermark. Grants decide whether a view is\n"
        "watermarked (--watermark-proofs, --watermark-downloads); this decides what the\n"
        "mark looks like.\n"
        "  --text TEXT        the studio's text (default PROOF); --no-text for none\n"
        "  --logo FILE        a logo image (PNG with transparency is best), stored in the\n"
        "                     library; --no-logo removes it\n"
        "  --position WHERE   center (default), bottom-right, bottom-left, top-right,\n"
        "                     top-left, or tiled (repeated across the view)\n"
        "  --opacity X        0 (invisible) to 1 (opaque); default 0.35\n"
        "  --no-prepare       do not render the new views now (mounts render them\n"
        "                     when asked)\n"
        "A change shows on live mounts within a second: every watermarked view is\n"
        "made again with the new mark; views without a watermark are untouched.",
    .run = run,
};
