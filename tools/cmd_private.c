/* cmd_private.c — 'albumctl private list|unhide': the photos of an album
 * marked private (by the studio or by clients on their mounts) and taking
 * a mark off. 'unhide' is 'photo private ... off' (cli_photo_private). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"

/* The latest of the album's "private-marked" events (oldest first) for
 * the photo: who marked it and when; NULL when the log does not say. */
static const struct cat_activity *marked_by(const struct cat_activity_entry *events, size_t n,
                                            int64_t photo_id)
{
    for (size_t i = n; i-- > 0;)
        if (events[i].event.photo_id == photo_id)
            return &events[i].event;
    return NULL;
}

static void print_json(struct cli *cli, const struct cat_album *album,
                       const struct cat_photo *photos, const struct cat_set *sets, size_t n,
                       const struct cat_activity_entry *events, size_t n_events)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    json_kv_string(j, "album", album->name);
    json_key(j, "photos");
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct cat_activity *e = marked_by(events, n_events, photos[i].id);
        char when[32];

        json_object_begin(j);
        json_kv_int(j, "id", photos[i].id);
        json_kv_string(j, "set", sets[i].name);
        json_kv_string(j, "photo", photos[i].name);
        json_key(j, "marked_by");
        if (e)
            json_string(j, e->actor);
        else
            json_null(j);
        json_key(j, "marked");
        if (e) {
            timefmt_print(e->at, when, sizeof(when));
            json_string(j, when);
        } else
            json_null(j);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static void print_text(const struct cat_album *album, const struct cat_photo *photos,
                       const struct cat_set *sets, size_t n,
                       const struct cat_activity_entry *events, size_t n_events)
{
    struct cli_table t;

    if (n == 0) {
        printf("no photos of %s are marked private\n", album->name);
        return;
    }
    cli_table_init(&t, 3);
    cli_table_row(&t, "PHOTO", "MARKED BY", "MARKED");
    for (size_t i = 0; i < n; i++) {
        const struct cat_activity *e = marked_by(events, n_events, photos[i].id);
        char path[2 * AF_NAME_MAX + 2], when[32] = "";

        snprintf(path, sizeof(path), "%s/%s", sets[i].name, photos[i].name);
        if (e)
            timefmt_print(e->at, when, sizeof(when));
        cli_table_row(&t, path, e ? cli_printable(e->actor) : "", when);
    }
    cli_table_print(&t, stdout);
    cli_table_release(&t);
}

static int run_private_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_photo *photos = NULL;
    struct cat_activity_entry *events = NULL;
    struct cat_set *sets = NULL;
    size_t n = 0, n_events = 0;
    struct cat_activity_filter f = {.kind = "private-marked"};
    int st = cli_args(cli, argc, argv, 1, "one ALBUM");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st != CLI_OK)
        return st;
    f.album_id = album.id;
    err = catalog_private_photos(cli_catalog(cli), album.id, &photos, &n);
    if (err == 0)
        err = catalog_activity_query(cli_catalog(cli), &f, &events, &n_events);
    if (err) {
        st = cli_fail_errno(cli, err, "reading the private marks of '%s'", album.name);
        goto out;
    }
    sets = g_new0(struct cat_set, n ? n : 1); /* each photo's set, for its name */
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        err = catalog_set_by_id(cli_catalog(cli), photos[i].set_id, &sets[i]);
        if (err)
            st = cli_fail_errno(cli, err, "reading the set of '%s'", photos[i].name);
    }
    if (st == CLI_OK && cli->json)
        print_json(cli, &album, photos, sets, n, events, n_events);
    else if (st == CLI_OK)
        print_text(&album, photos, sets, n, events, n_events);
out:
    g_free(sets);
    free(events);
    free(photos);
    return st;
}

static int run_private_unhide(struct cli *cli, int argc, char **argv)
{
    int st = cli_args(cli, argc, argv, 1, "one ALBUM/SET/PHOTO");

    return st == CLI_OK ? cli_photo_private(cli, argv[optind], false) : st;
}

static const struct cli_cmd private_subs[] = {
    {
        .name = "list",
        .summary = "List the photos of an album marked private, and who marked them.",
        .usage = "ALBUM [--json]",
        .help = "Private photos are seen by the owner, the team and clients only; invited\n"
                "people and links do not see them at all. Clients mark them on their mounts\n"
                "where the album and their grant allow it. Who marked a photo and when come\n"
                "from the activity log (the latest mark).\n",
        .run = run_private_list,
    },
    {
        .name = "unhide",
        .summary = "Take the private mark off a photo (as 'photo private ... off').",
        .usage = "ALBUM/SET/PHOTO",
        .help = "The photo is seen again by everyone who sees its set. Any mark can be taken\n"
                "off here, a client's or the studio's; on a mount a client can take off only\n"
                "a client's mark.\n",
        .run = run_private_unhide,
    },
    {0},
};

const struct cli_cmd cmd_private = {
    .name = "private",
    .summary = "Private marks: which photos are hidden from invited people and links.",
    .subs = private_subs,
};
