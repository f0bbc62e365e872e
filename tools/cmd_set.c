/* cmd_set.c — 'albumctl set create|visibility|list|rename|delete': the
 * scenes of an album and who may see them (public, client, team). Sets
 * are made, renamed, deleted and opened or closed to people by
 * changes/folders.h as the owner, as a mount's mkdir, rename and rmdir
 * do. */
#include <errno.h>
#include <stdlib.h>

#include "changes/folders.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_VISIBILITY = CLI_OPT_FIRST };

static int parse_visibility(struct cli *cli, const char *val, enum af_visibility *out)
{
    if (policy_visibility_parse(val, out) != 0)
        return cli_usage(cli, "visibility is public, client or team, not '%s'",
                         cli_printable(val));
    return CLI_OK;
}

/* A usage error for a name no set may have: an invalid one, or one of
 * the folders a mount puts beside the sets (docs/filesystem.md). */
static int check_set_name(struct cli *cli, const char *name)
{
    int st = cli_check_name(cli, "set", name);

    if (st == CLI_OK && change_set_name_check(name, NULL) < 0)
        return cli_usage(cli, "'%s' is reserved for the folders a mount adds to every album; "
                         "choose another set name", name);
    return st;
}

static int run_set_create(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"visibility", required_argument, NULL, OPT_VISIBILITY},
        CLI_COMMON_OPTIONS,
    };
    enum af_visibility vis = AF_VIS_TEAM;
    struct cat_album album;
    const char *name;
    int64_t id;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if ((st = parse_visibility(cli, optarg, &vis)) != CLI_OK)
            return st;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 2)
        return cli_usage(cli, "expected ALBUM SET");
    name = argv[optind + 1];
    st = check_set_name(cli, name);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st != CLI_OK)
        return st;
    err = change_set_create(cli_catalog(cli), &cli->owner, album.id, name, vis, &id);
    if (err == -EEXIST)
        return cli_fail(cli, "set '%s' already exists in album '%s'; see 'albumctl set "
                        "list %s'", name, album.name, album.name);
    if (err)
        return cli_fail_errno(cli, err, "creating set '%s'", name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", id);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "name", name);
        json_kv_string(&cli->out, "visibility", policy_visibility_name(vis));
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("created set %s/%s (%s)\n", album.name, name, policy_visibility_name(vis));
    return CLI_OK;
}

static int run_set_visibility(struct cli *cli, int argc, char **argv)
{
    enum af_visibility vis;
    struct cat_album album;
    struct cat_set set;
    int st = cli_args(cli, argc, argv, 3, "ALBUM SET public|client|team");
    int err;

    if (st == CLI_OK)
        st = parse_visibility(cli, argv[optind + 2], &vis);
    if (st == CLI_OK)
        st = cli_find_album_set(cli, argv[optind], argv[optind + 1], &album, &set);
    if (st != CLI_OK)
        return st;
    err = change_set_visibility(cli_catalog(cli), &cli->owner, set.id, vis);
    if (err == -EPERM)
        return cli_fail(cli, "'%s' is the last public set of album '%s' and an album "
                        "always keeps one; make another set public first", set.name,
                        album.name);
    if (err)
        return cli_fail_errno(cli, err, "changing set '%s'", set.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "set", set.name);
        json_kv_string(&cli->out, "visibility", policy_visibility_name(vis));
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("%s/%s is now %s\n", album.name, set.name, policy_visibility_name(vis));
    return CLI_OK;
}

static int run_set_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set *sets = NULL;
    size_t n = 0, *nphotos;
    int st = cli_args(cli, argc, argv, 1, "ALBUM");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st != CLI_OK)
        return st;
    err = catalog_sets(cli_catalog(cli), album.id, &sets, &n);
    if (err)
        return cli_fail_errno(cli, err, "listing sets of '%s'", album.name);
    nphotos = g_new0(size_t, n ? n : 1);
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        struct cat_photo *photos = NULL;
        err = catalog_photos(cli_catalog(cli), sets[i].id, &photos, &nphotos[i]);
        free(photos);
        if (err)
            st = cli_fail_errno(cli, err, "listing photos of '%s'", sets[i].name);
    }
    if (st == CLI_OK && cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_key(&cli->out, "sets");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            char when[32];
            timefmt_print(sets[i].created, when, sizeof(when));
            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "id", sets[i].id);
            json_kv_string(&cli->out, "name", sets[i].name);
            json_kv_string(&cli->out, "visibility", policy_visibility_name(sets[i].visibility));
            json_kv_int(&cli->out, "photos", (int64_t)nphotos[i]);
            json_kv_string(&cli->out, "created", when);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (st == CLI_OK) {
        struct cli_table t;
        cli_table_init(&t, 3);
        cli_table_row(&t, "SET", "VISIBILITY", "PHOTOS");
        for (size_t i = 0; i < n; i++) {
            char count[24];
            snprintf(count, sizeof(count), "%zu", nphotos[i]);
            cli_table_row(&t, sets[i].name, policy_visibility_name(sets[i].visibility), count);
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    g_free(nphotos);
    free(sets);
    return st;
}

static int run_set_rename(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    const char *name;
    int st = cli_args(cli, argc, argv, 3, "ALBUM SET NEW");
    int err;

    if (st != CLI_OK)
        return st;
    name = argv[optind + 2];
    st = check_set_name(cli, name);
    if (st == CLI_OK)
        st = cli_find_album_set(cli, argv[optind], argv[optind + 1], &album, &set);
    if (st != CLI_OK)
        return st;
    err = change_set_rename(cli_catalog(cli), &cli->owner, set.id, name);
    if (err == -EEXIST)
        return cli_fail(cli, "set '%s' already exists in album '%s'; choose another name", name,
                        album.name);
    if (err)
        return cli_fail_errno(cli, err, "renaming set '%s'", set.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "set", name);
        json_kv_string(&cli->out, "was", set.name);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("%s/%s is now %s/%s\n", album.name, set.name, album.name, name);
    return CLI_OK;
}

static int run_set_delete(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_set set;
    int st = cli_args(cli, argc, argv, 2, "ALBUM SET");
    int err;

    if (st == CLI_OK)
        st = cli_find_album_set(cli, argv[optind], argv[optind + 1], &album, &set);
    if (st != CLI_OK)
        return st;
    err = change_set_delete(cli_catalog(cli), &cli->owner, set.id);
    if (err == -ENOTEMPTY)
        return cli_fail(cli, "set '%s' still holds photos; move them or delete them to the "
                        "trash first (see 'albumctl ls \"%s/%s\"')", set.name, album.name,
                        set.name);
    if (err == -EPERM)
        return cli_fail(cli, "'%s' is the last public set of album '%s' and an album always "
                        "keeps one; make another set public first", set.name, album.name);
    if (err)
        return cli_fail_errno(cli, err, "deleting set '%s'", set.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_string(&cli->out, "set", set.name);
        json_kv_bool(&cli->out, "deleted", true);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("deleted set %s/%s\n", album.name, set.name);
    return CLI_OK;
}

static const struct cli_cmd set_subs[] = {
    {
        .name = "create",
        .summary = "Create a set in an album.",
        .usage = "ALBUM SET [--visibility public|client|team]",
        .help =
            "options:\n"
            "  --visibility V  who may see the set (default team):\n"
            "                    public  everyone with access to the album\n"
            "                    client  clients, team and owner (not invited people, not links)\n"
            "                    team    team and owner only\n"
            "The names Web-size, High-res, Favourites, Private, Trash and READ ME.txt (in any\n"
            "letter case) are reserved for the folders and the file a mount shows beside\n"
            "the sets.\n",
        .run = run_set_create,
    },
    {
        .name = "visibility",
        .summary = "Change who may see a set.",
        .usage = "ALBUM SET public|client|team",
        .help = "An album always keeps at least one public set: the last one cannot be\n"
                "narrowed. Live mounts follow the change within a second.\n",
        .run = run_set_visibility,
    },
    {
        .name = "list",
        .summary = "List the sets of an album.",
        .usage = "ALBUM [--json]",
        .run = run_set_list,
    },
    {
        .name = "rename",
        .summary = "Rename a set.",
        .usage = "ALBUM SET NEW",
        .help = "Refused when the album has a set named NEW; reserved names as for 'set\n"
                "create'. Its photos, visibility and the grants that name it for downloads\n"
                "stay; live mounts show the new name within seconds.\n",
        .run = run_set_rename,
    },
    {
        .name = "delete",
        .summary = "Delete an empty set.",
        .usage = "ALBUM SET",
        .help = "Refused while the set holds photos (move them, or delete them to the\n"
                "trash, first) and for the album's last public set. When photos of the set\n"
                "are in the trash, restoring one brings the set back; its name is free for\n"
                "a new set meanwhile.\n",
        .run = run_set_delete,
    },
    {0},
};

const struct cli_cmd cmd_set = {
    .name = "set",
    .summary = "Sets: named groups of photos in an album, each public, client or team.",
    .subs = set_subs,
};
