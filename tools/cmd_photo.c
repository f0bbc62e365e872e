/* cmd_photo.c — 'albumctl photo private|versions|restore-version|rename|
 * move|delete': the owner's changes to one photo. Each change is made by
 * changes/ (changes/photos.h, changes/marks.h) as the owner, the same
 * functions a mount's writes go through; 'albumctl private unhide' shares
 * cli_photo_private. */
#include <errno.h>
#include <stdlib.h>

#include "changes/marks.h"
#include "changes/photos.h"
#include "store/timefmt.h"
#include "tools/cli.h"

/* A usage error for a name no photo may have. */
static int check_photo_name(struct cli *cli, const char *name)
{
    char why[160];

    if (change_photo_name_check(name, why, sizeof why) < 0)
        return cli_usage(cli, "'%s': %s", cli_printable(name), why);
    return CLI_OK;
}

/* Print "A/S/P <what>" or, with --json, {"album", "set", "photo"}: where
 * the photo is now. */
static void print_photo(struct cli *cli, const struct cat_album *a, const char *set,
                        const char *photo, const char *what)
{
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", a->name);
        json_kv_string(&cli->out, "set", set);
        json_kv_string(&cli->out, "photo", photo);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("%s/%s/%s %s\n", a->name, set, photo, what);
    }
}

int cli_photo_private(struct cli *cli, const char *path, bool on)
{
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    int st = cli_find_photo(cli, path, &album, &set, &photo);
    int err;

    if (st != CLI_OK)
        return st;
    err = change_mark_private(cli_catalog(cli), &cli->owner, photo.id, on);
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

static int run_photo_versions(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    struct cat_version *v = NULL;
    size_t n = 0;
    int st = cli_args(cli, argc, argv, 1, "ALBUM/SET/PHOTO");
    int err;

    if (st == CLI_OK)
        st = cli_find_photo(cli, argv[optind], &album, &set, &photo);
    if (st != CLI_OK)
        return st;
    err = catalog_versions(cli_catalog(cli), photo.id, &v, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the versions of '%s'", photo.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "set", set.name);
        json_kv_string(&cli->out, "photo", photo.name);
        json_key(&cli->out, "versions");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            char when[32];

            timefmt_print(v[i].created, when, sizeof when);
            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "number", v[i].number);
            json_kv_bool(&cli->out, "current", v[i].current);
            json_kv_int(&cli->out, "size", (int64_t)v[i].size);
            json_kv_int(&cli->out, "width", v[i].width);
            json_kv_int(&cli->out, "height", v[i].height);
            json_kv_string(&cli->out, "mime", v[i].mime);
            json_kv_string(&cli->out, "added", when);
            json_kv_string(&cli->out, "by", v[i].uploaded_by);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table t;

        cli_table_init(&t, 6);
        cli_table_row(&t, "N", "CURRENT", "SIZE", "PIXELS", "ADDED", "BY");
        for (size_t i = 0; i < n; i++) {
            char num[24], size[24], px[48], when[32];

            snprintf(num, sizeof num, "%lld", (long long)v[i].number);
            snprintf(size, sizeof size, "%llu", (unsigned long long)v[i].size);
            if (v[i].width)
                snprintf(px, sizeof px, "%ux%u", v[i].width, v[i].height);
            else
                snprintf(px, sizeof px, "%s", v[i].mime);
            timefmt_print(v[i].created, when, sizeof when);
            cli_table_row(&t, num, v[i].current ? "*" : "", size, px, when, v[i].uploaded_by);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    free(v);
    return CLI_OK;
}

static int run_photo_restore_version(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    int64_t number = 0;
    char what[64];
    int st = cli_args(cli, argc, argv, 2, "ALBUM/SET/PHOTO N");
    int err;

    if (st == CLI_OK)
        st = cli_parse_i64(cli, "N", argv[optind + 1], 1, &number);
    if (st == CLI_OK)
        st = cli_find_photo(cli, argv[optind], &album, &set, &photo);
    if (st != CLI_OK)
        return st;
    err = change_photo_restore_version(cli_catalog(cli), &cli->owner, photo.id, number);
    if (err == -ENOENT)
        return cli_fail(cli, "'%s' has no version %lld; see 'albumctl photo versions \"%s\"'",
                        photo.name, (long long)number, cli_printable(argv[optind]));
    if (err)
        return cli_fail_errno(cli, err, "restoring version %lld of '%s'", (long long)number,
                              photo.name);
    snprintf(what, sizeof what, "shows version %lld again", (long long)number);
    print_photo(cli, &album, set.name, photo.name, what);
    return CLI_OK;
}

static int run_photo_rename(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    const char *name;
    char what[AF_NAME_MAX + 32];
    int st = cli_args(cli, argc, argv, 2, "ALBUM/SET/PHOTO NEW");
    int err;

    if (st != CLI_OK)
        return st;
    name = argv[optind + 1];
    st = check_photo_name(cli, name);
    if (st == CLI_OK)
        st = cli_find_photo(cli, argv[optind], &album, &set, &photo);
    if (st != CLI_OK)
        return st;
    err = change_photo_rename(cli_catalog(cli), &cli->owner, photo.id, name);
    if (err == -EEXIST)
        return cli_fail(cli, "a photo named '%s' is already in %s/%s; choose another name",
                        name, album.name, set.name);
    if (err)
        return cli_fail_errno(cli, err, "renaming '%s'", photo.name);
    snprintf(what, sizeof what, "(renamed from %s)", photo.name);
    print_photo(cli, &album, set.name, name, what);
    return CLI_OK;
}

static int run_photo_move(struct cli *cli, int argc, char **argv)
{
    char parts[2][AF_NAME_MAX + 1];
    struct cat_album album, to_album;
    struct cat_set set, to_set;
    struct cat_photo photo;
    char what[2 * AF_NAME_MAX + 32];
    int st = cli_args(cli, argc, argv, 2, "ALBUM/SET/PHOTO ALBUM/SET");
    int err;

    if (st == CLI_OK)
        st = cli_split(cli, argv[optind + 1], 2, "ALBUM/SET", parts);
    if (st == CLI_OK)
        st = cli_find_photo(cli, argv[optind], &album, &set, &photo);
    if (st == CLI_OK)
        st = cli_find_album_set(cli, parts[0], parts[1], &to_album, &to_set);
    if (st != CLI_OK)
        return st;
    err = change_photo_move(cli_catalog(cli), &cli->owner, photo.id, to_set.id, NULL);
    if (err == -EEXIST)
        return cli_fail(cli, "a photo named '%s' is already in %s/%s; rename one of them first",
                        photo.name, to_album.name, to_set.name);
    if (err)
        return cli_fail_errno(cli, err, "moving '%s'", photo.name);
    snprintf(what, sizeof what, "(moved from %s/%s)", album.name, set.name);
    print_photo(cli, &to_album, to_set.name, photo.name, what);
    return CLI_OK;
}

static int run_photo_delete(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    int st = cli_args(cli, argc, argv, 1, "ALBUM/SET/PHOTO");
    int err;

    if (st == CLI_OK)
        st = cli_find_photo(cli, argv[optind], &album, &set, &photo);
    if (st != CLI_OK)
        return st;
    err = change_photo_delete(cli_catalog(cli), &cli->owner, photo.id);
    if (err)
        return cli_fail_errno(cli, err, "deleting '%s'", photo.name);
    print_photo(cli, &album, set.name, photo.name,
                "is in the trash (see 'albumctl trash list'; 'albumctl trash restore' brings "
                "it back)");
    return CLI_OK;
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
    {
        .name = "versions",
        .summary = "List the versions of a photo, oldest first.",
        .usage = "ALBUM/SET/PHOTO [--json]",
        .help = "Importing or uploading a name the set already has adds a version; every\n"
                "version stays until the photo is purged. N (1 = the oldest) is what\n"
                "'photo restore-version' takes; the current one is marked '*'.\n",
        .run = run_photo_versions,
    },
    {
        .name = "restore-version",
        .summary = "Make an old version of a photo current again.",
        .usage = "ALBUM/SET/PHOTO N",
        .help = "Version N (see 'photo versions') is added again as the newest version, so\n"
                "no version is ever rewritten or lost; live mounts show it within seconds.\n"
                "Nothing changes when N is the current version already.\n",
        .run = run_photo_restore_version,
    },
    {
        .name = "rename",
        .summary = "Rename a photo within its set.",
        .usage = "ALBUM/SET/PHOTO NEW",
        .help = "Refused when another photo of the set has the name NEW. Versions,\n"
                "favourites and marks stay with the photo; the name its views are shown\n"
                "under follows the new name.\n",
        .run = run_photo_rename,
    },
    {
        .name = "move",
        .summary = "Move a photo to another set, of this album or another.",
        .usage = "ALBUM/SET/PHOTO ALBUM/SET",
        .help = "The photo keeps its name (refused when the set has a photo of that name),\n"
                "its versions, favourites and marks. Moved to another album, it is seen\n"
                "as that album's grants allow and no longer counts against the old\n"
                "album's download allowances.\n",
        .run = run_photo_move,
    },
    {
        .name = "delete",
        .summary = "Move a photo to the trash.",
        .usage = "ALBUM/SET/PHOTO",
        .help = "Nobody but the owner and the team sees it in the trash; 'albumctl trash\n"
                "restore' brings it back, 'albumctl trash purge' removes it for good, and\n"
                "so does the end of the trash's window (see 'albumctl trash window').\n",
        .run = run_photo_delete,
    },
    {0},
};

const struct cli_cmd cmd_photo = {
    .name = "photo",
    .summary = "Photos: private marks, versions, renames, moves, deletes.",
    .subs = photo_subs,
};
