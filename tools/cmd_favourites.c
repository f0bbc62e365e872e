/* cmd_favourites.c — 'albumctl favourites ALBUM': the photos each client,
 * invited person or link picked, grouped by person (SPEC §6). Reads only;
 * favourites are made on the mounts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_PERSON = CLI_OPT_FIRST };

/* Rows come ordered by person: [i, end) are the rows of rows[i]'s person. */
static size_t person_end(const struct cat_favourite *rows, size_t n, size_t i)
{
    size_t end = i + 1;

    while (end < n && rows[end].person.user_id == rows[i].person.user_id &&
           rows[end].person.link_id == rows[i].person.link_id)
        end++;
    return end;
}

static void print_json(struct cli *cli, const struct cat_album *album,
                       const struct cat_favourite *rows, size_t n)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    json_kv_string(j, "album", album->name);
    json_key(j, "people");
    json_array_begin(j);
    for (size_t i = 0, end; i < n; i = end) {
        end = person_end(rows, n, i);
        json_object_begin(j);
        json_kv_string(j, "person", rows[i].person_name);
        json_kv_string(j, "kind", rows[i].person.user_id > 0 ? "user" : "link");
        json_kv_int(j, "count", (int64_t)(end - i));
        json_key(j, "favourites");
        json_array_begin(j);
        for (size_t k = i; k < end; k++) {
            char when[32];

            timefmt_print(rows[k].created, when, sizeof(when));
            json_object_begin(j);
            json_kv_int(j, "photo_id", rows[k].photo_id);
            json_kv_string(j, "set", rows[k].set_name);
            json_kv_string(j, "photo", rows[k].photo_name);
            json_kv_string(j, "added", when);
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static void print_text(const struct cat_album *album, const struct cli_person *who,
                       const struct cat_favourite *rows, size_t n)
{
    if (n == 0) {
        if (who)
            printf("%s has no favourites in %s\n", who->label, album->name);
        else
            printf("no favourites in %s yet\n", album->name);
        return;
    }
    for (size_t i = 0, end; i < n; i = end) {
        end = person_end(rows, n, i);
        printf("%s%s: %zu favourite%s\n", i ? "\n" : "", rows[i].person_name, end - i,
               end - i == 1 ? "" : "s");
        for (size_t k = i; k < end; k++)
            printf("  %s/%s\n", rows[k].set_name, rows[k].photo_name);
    }
}

static int run_favourites(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"person", required_argument, NULL, OPT_PERSON},
        CLI_COMMON_OPTIONS,
    };
    const char *person = NULL;
    struct cli_person who;
    struct cat_album album;
    struct cat_favourite *rows = NULL;
    size_t n = 0;
    int c, st, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if (c == OPT_PERSON)
            person = optarg;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one ALBUM");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK && person)
        st = cli_find_person(cli, person, &who);
    if (st == CLI_OK && person && who.link_album && who.link_album != album.id)
        st = cli_fail(cli, "%s is a link to another album; see 'albumctl grant list'",
                      who.label);
    if (st != CLI_OK)
        return st;
    err = catalog_favourites(cli_catalog(cli), album.id, person ? &who.who : NULL, &rows, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the favourites of '%s'", album.name);
    if (cli->json)
        print_json(cli, &album, rows, n);
    else
        print_text(&album, person ? &who : NULL, rows, n);
    free(rows);
    return CLI_OK;
}

const struct cli_cmd cmd_favourites = {
    .name = "favourites",
    .summary = "Show the favourites people picked in an album, by person.",
    .usage = "ALBUM [--person EMAIL|link:ID] [--json]",
    .help = "Favourites are picked on a mount (docs/filesystem.md); photos in the trash\n"
            "are left out. 'albumctl contact-sheet' puts one person's favourites on a page.\n"
            "\n"
            "options:\n"
            "  --person EMAIL|link:ID   only this person's (or share link's) favourites\n",
    .run = run_favourites,
};
