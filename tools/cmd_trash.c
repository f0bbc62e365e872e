/* cmd_trash.c — 'albumctl trash list|restore|purge|window': photos deleted
 * to the trash, getting them back, removing them for good, and how long
 * the trash keeps them.
 *
 * Every change is changes/'s, as the owner (changes/photos.h,
 * changes/trash.h). A photo in the trash is named by the path it had: its
 * album, its set (which may have been deleted since) and its name; when
 * several photos of one path are in the trash, restore takes the one
 * deleted last. 'list' and 'purge' first purge what the window's end
 * reached (as a mount's watcher does).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "changes/photos.h"
#include "changes/trash.h"
#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_OLDER_THAN = CLI_OPT_FIRST };

/* What a command names in the trash: an album (0: all), and maybe one
 * photo's set and name. */
struct trash_target {
    struct cat_album album;
    char set[AF_NAME_MAX + 1];   /* "" = any */
    char photo[AF_NAME_MAX + 1]; /* "" = any */
};

/* Parse "", "ALBUM" or "ALBUM/SET/PHOTO" (photo_only: the last form only). */
static int parse_target(struct cli *cli, const char *arg, bool photo_only,
                        struct trash_target *t)
{
    char parts[3][AF_NAME_MAX + 1];
    int st = CLI_OK;

    memset(t, 0, sizeof *t);
    if (arg && (photo_only || strchr(arg, '/'))) {
        st = cli_split(cli, arg, 3, "ALBUM/SET/PHOTO", parts);
        if (st == CLI_OK) {
            snprintf(t->set, sizeof t->set, "%s", parts[1]);
            snprintf(t->photo, sizeof t->photo, "%s", parts[2]);
        }
        arg = parts[0];
    }
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK && arg)
        st = cli_find_album(cli, arg, &t->album);
    return st;
}

static bool matches(const struct trash_target *t, const struct cat_trashed *r)
{
    return (!t->set[0] || strcmp(t->set, r->set_name) == 0) &&
           (!t->photo[0] || strcmp(t->photo, r->photo.name) == 0);
}

/* Purge what the window's end reached, then read the window and the trash
 * of the target trashed at or before `before` (0: any time). Caller frees
 * *rows with free(). */
static int read_trash(struct cli *cli, const struct trash_target *t, af_time before,
                      af_time *window, struct cat_trashed **rows, size_t *n)
{
    int err = change_trash_expire(cli->lib, cli_catalog(cli), cli->now);

    *rows = NULL;
    *n = 0;
    if (err < 0)
        return cli_fail_errno(cli, err, "purging what the trash's window no longer keeps");
    err = change_trash_window(cli_catalog(cli), window);
    if (err == 0)
        err = catalog_trash(cli_catalog(cli), t->album.id, before, rows, n);
    if (err)
        return cli_fail_errno(cli, err, "reading the trash");
    /* Keep the rows the target names. */
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if (matches(t, &(*rows)[i]))
            (*rows)[kept++] = (*rows)[i];
    *n = kept;
    return CLI_OK;
}

static int run_trash_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    struct trash_target t;
    struct cat_trashed *rows = NULL;
    char win[32];
    af_time window;
    size_t n = 0;
    int c, st;

    if ((c = cli_next_opt(cli, argc, argv, opts)) < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one ALBUM");
    st = parse_target(cli, argc > optind ? argv[optind] : NULL, false, &t);
    if (st == CLI_OK && t.photo[0])
        st = cli_usage(cli, "'trash list' takes an ALBUM, not a photo");
    if (st == CLI_OK)
        st = read_trash(cli, &t, 0, &window, &rows, &n);
    if (st != CLI_OK)
        return st;
    timefmt_print_duration(window, win, sizeof win);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "window", win);
        json_kv_int(&cli->out, "window_seconds", window);
        json_key(&cli->out, "photos");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            char deleted[32], until[32];

            timefmt_print(rows[i].photo.trashed, deleted, sizeof deleted);
            timefmt_print(rows[i].photo.trashed + window, until, sizeof until);
            json_object_begin(&cli->out);
            json_kv_string(&cli->out, "album", rows[i].album_name);
            json_kv_string(&cli->out, "set", rows[i].set_name);
            json_kv_string(&cli->out, "photo", rows[i].photo.name);
            json_kv_bool(&cli->out, "set_deleted", rows[i].set_deleted);
            json_kv_int(&cli->out, "size", (int64_t)rows[i].photo.size);
            json_kv_string(&cli->out, "deleted", deleted);
            json_kv_string(&cli->out, "purged_after", until);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        struct cli_table tab;

        printf("the trash keeps a photo %s after it was deleted\n", win);
        cli_table_init(&tab, 3);
        cli_table_row(&tab, "PHOTO", "DELETED", "PURGED AFTER");
        for (size_t i = 0; i < n; i++) {
            char deleted[32], until[32];
            char *path = g_strdup_printf("%s/%s/%s%s", rows[i].album_name, rows[i].set_name,
                                         rows[i].photo.name,
                                         rows[i].set_deleted ? " (set deleted)" : "");

            timefmt_print(rows[i].photo.trashed, deleted, sizeof deleted);
            timefmt_print(rows[i].photo.trashed + window, until, sizeof until);
            cli_table_row(&tab, cli_printable(path), deleted, until);
            g_free(path);
        }
        cli_table_print(&tab, stdout);
        cli_table_release(&tab);
    }
    free(rows);
    return CLI_OK;
}

static int run_trash_restore(struct cli *cli, int argc, char **argv)
{
    struct trash_target t;
    struct cat_trashed *rows = NULL, r;
    struct cat_set live;
    af_time window;
    size_t n = 0;
    int st = cli_args(cli, argc, argv, 1, "ALBUM/SET/PHOTO");
    int err;

    if (st == CLI_OK)
        st = parse_target(cli, argv[optind], true, &t);
    if (st == CLI_OK)
        st = read_trash(cli, &t, 0, &window, &rows, &n);
    if (st != CLI_OK)
        return st;
    if (n == 0) {
        free(rows);
        return cli_fail(cli, "no photo '%s' of %s/%s in the trash; see 'albumctl trash list "
                        "\"%s\"'", cli_printable(t.photo), t.album.name, cli_printable(t.set),
                        t.album.name);
    }
    r = rows[n - 1]; /* the one deleted last */
    free(rows);
    err = change_photo_restore(cli_catalog(cli), &cli->owner, r.photo.id);
    if (err == -EEXIST && r.set_deleted &&
        catalog_set_by_name(cli_catalog(cli), r.photo.album_id, r.set_name, &live) == 0)
        return cli_fail(cli, "its set '%s' was deleted and a new set of that name exists; "
                        "rename that set first ('albumctl set rename')", r.set_name);
    if (err == -EEXIST)
        return cli_fail(cli, "a photo named '%s' is in %s/%s now; rename or delete it first",
                        r.photo.name, r.album_name, r.set_name);
    if (err)
        return cli_fail_errno(cli, err, "restoring '%s'", r.photo.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", r.album_name);
        json_kv_string(&cli->out, "set", r.set_name);
        json_kv_string(&cli->out, "photo", r.photo.name);
        json_kv_bool(&cli->out, "set_restored", r.set_deleted);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("restored %s/%s/%s%s\n", r.album_name, r.set_name, r.photo.name,
               r.set_deleted ? " (and its set)" : "");
    return CLI_OK;
}

static int run_trash_purge(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"older-than", required_argument, NULL, OPT_OLDER_THAN},
        CLI_COMMON_OPTIONS,
    };
    struct trash_target t;
    struct cat_trashed *rows = NULL;
    af_time before = 0, window;
    size_t n = 0, purged = 0;
    int c, st = CLI_OK, err = 0;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if (timefmt_parse_since(optarg, cli->now, &before) < 0)
            return cli_usage(cli, "--older-than takes a duration such as 7d or 12h, or a "
                             "date, not '%s'", cli_printable(optarg));
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one ALBUM or ALBUM/SET/PHOTO");
    st = parse_target(cli, argc > optind ? argv[optind] : NULL, false, &t);
    if (st == CLI_OK)
        st = read_trash(cli, &t, before, &window, &rows, &n);
    if (st != CLI_OK)
        return st;
    if (n == 0 && t.photo[0]) {
        free(rows);
        return cli_fail(cli, "no photo '%s' of %s/%s in the trash%s; see 'albumctl trash list "
                        "\"%s\"'", cli_printable(t.photo), t.album.name, cli_printable(t.set),
                        before ? " deleted that long ago" : "", t.album.name);
    }
    for (size_t i = 0; i < n && err >= 0; i++) {
        cli_progress(cli, i, n, rows[i].photo.name);
        err = change_photo_purge(cli->lib, cli_catalog(cli), &cli->owner, rows[i].photo.id);
        if (err == 0)
            purged++;
        else if (err == -ENOENT)
            err = 0; /* restored or purged meanwhile */
    }
    cli_progress_clear(cli);
    free(rows);
    if (err < 0)
        return cli_fail_errno(cli, err, "purging (%zu purged before this)", purged);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "purged", (int64_t)purged);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("purged %zu photo%s\n", purged, purged == 1 ? "" : "s");
    return CLI_OK;
}

static int run_trash_window(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    af_time window = 0;
    char win[32];
    int c, err;

    if ((c = cli_next_opt(cli, argc, argv, opts)) < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one DURATION");
    if (argc > optind && (timefmt_parse_duration(argv[optind], &window) < 0 ||
                          window < CHANGE_TRASH_WINDOW_MIN || window > CHANGE_TRASH_WINDOW_MAX))
        return cli_usage(cli, "the window is a duration from 1h to 3650d (e.g. 30d, 2w), not "
                         "'%s'", cli_printable(argv[optind]));
    if (cli_open_library(cli) != CLI_OK)
        return CLI_FAIL;
    if (window)
        err = change_trash_set_window(cli_catalog(cli), &cli->owner, window);
    else
        err = change_trash_window(cli_catalog(cli), &window);
    if (err)
        return cli_fail_errno(cli, err, "%s the trash's window", window ? "setting" : "reading");
    timefmt_print_duration(window, win, sizeof win);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "window", win);
        json_kv_int(&cli->out, "window_seconds", window);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("the trash keeps a photo %s after it was deleted\n", win);
    return CLI_OK;
}

static const struct cli_cmd trash_subs[] = {
    {
        .name = "list",
        .summary = "List the photos in the trash (of one album or all).",
        .usage = "[ALBUM] [--json]",
        .help = "Oldest first, each with when it was deleted and when the trash's window\n"
                "ends for it; '(set deleted)' when its set was deleted since (restoring the\n"
                "photo brings the set back). Photos whose window has ended are purged first.\n",
        .run = run_trash_list,
    },
    {
        .name = "restore",
        .summary = "Bring a photo back from the trash to where it was.",
        .usage = "ALBUM/SET/PHOTO",
        .help = "PHOTO is the name it had in SET. Refused when a photo of that name is in\n"
                "the set now (rename or delete it first). A deleted set comes back with the\n"
                "photo. With several photos of that path in the trash, the one deleted last\n"
                "comes back.\n",
        .run = run_trash_restore,
    },
    {
        .name = "purge",
        .summary = "Remove photos from the trash for good.",
        .usage = "[ALBUM[/SET/PHOTO]] [--older-than DURATION]",
        .help = "With no argument, everything in the trash is purged; with ALBUM, that\n"
                "album's trash; with ALBUM/SET/PHOTO, that photo (every copy of that path in\n"
                "the trash). A purged photo's versions, views, favourites and allowance\n"
                "charges are gone, and so are the vault files no other photo or the\n"
                "watermark uses. This cannot be undone (backups keep what they saved).\n"
                "\n"
                "options:\n"
                "  --older-than D  only photos deleted at least D ago (7d, 12h, 2w) or before\n"
                "                  a date (2026-01-31)\n",
        .run = run_trash_purge,
    },
    {
        .name = "window",
        .summary = "Show or set how long the trash keeps a photo.",
        .usage = "[DURATION] [--json]",
        .help = "DURATION is from 1h to 3650d (e.g. 30d, 2w, 36h); the default is 30d. When\n"
                "a photo's window ends it is purged: by a mount's watcher, or by the next\n"
                "'albumctl trash list' or 'trash purge'.\n",
        .run = run_trash_window,
    },
    {0},
};

const struct cli_cmd cmd_trash = {
    .name = "trash",
    .summary = "The trash: deleted photos, kept for a window, restored or purged.",
    .subs = trash_subs,
};
