/* cmd_photo.c — 'albumctl photo private': the owner's private marks (and
 * unhiding what a client marked private; 'albumctl private unhide' shares
 * cli_photo_private). The change itself is store/marks.c's, as on a mount. */
#include <errno.h>

#include "store/marks.h"
#include "tools/cli.h"

int cli_photo_private(struct cli *cli, const char *path, bool on)
{
    char parts[3][AF_NAME_MAX + 1];
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    const struct mark_actor studio = {.role = AF_ROLE_OWNER, .label = "owner"};
    int st = cli_split(cli, path, 3, "ALBUM/SET/PHOTO", parts);
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, parts[0], &album);
    if (st == CLI_OK)
        st = cli_find_set(cli, &album, parts[1], &set);
    if (st != CLI_OK)
        return st;
    err = catalog_photo_by_file_name(cli_catalog(cli), set.id, parts[2], CAT_NAME_OWN, &photo);
    if (err == -ENOENT)
        return cli_fail(cli, "no photo '%s' in %s/%s; see 'albumctl ls \"%s/%s\"'",
                        cli_printable(parts[2]), album.name, set.name, album.name, set.name);
    if (err)
        return cli_fail_errno(cli, err, "reading photo '%s'", cli_printable(parts[2]));
    err = marks_set_private(cli_catalog(cli), &studio, photo.id, on);
    if (err < 0)
        return cli_fail_errno(cli, err, "changing photo '%s'", photo.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "set", set.name);
        json_kv_string(&cli->out, "photo", photo.name);
        json_kv_bool(&cli->out, "private", on);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("%s/%s/%s is %s\n", album.name, set.name, photo.name,
               on ? "private (hidden from invited people and links)" : "no longer private");
    return CLI_OK;
}

static int run_photo_private(struct cli *cli, int argc, char **argv)
{
    bool on = false;
    int st = cli_args(cli, argc, argv, 2, "ALBUM/SET/PHOTO on|off");

    if (st == CLI_OK)
        st = cli_parse_onoff(cli, "private", argv[optind + 1], &on);
    if (st != CLI_OK)
        return st;
    return cli_photo_private(cli, argv[optind], on);
}

static const struct cli_cmd photo_subs[] = {
    {
        .name = "private",
        .summary = "Mark a photo private, or unhide it.",
        .usage = "ALBUM/SET/PHOTO on|off",
        .help = "A private photo is seen by the owner, the team and clients only; invited\n"
                "people and links do not see it at all. 'off' unhides a photo a client\n"
                "marked private. A mark made here is the studio's: clients cannot take it\n"
                "off on their mounts ('on' over a client's mark makes it the studio's).\n",
        .run = run_photo_private,
    },
    {0},
};

const struct cli_cmd cmd_photo = {
    .name = "photo",
    .summary = "Photos: private marks.",
    .subs = photo_subs,
};
