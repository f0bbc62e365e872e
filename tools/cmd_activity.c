/* cmd_activity.c — 'albumctl activity': the activity log, oldest first,
 * filtered by album, person, kind and time (SPEC §6). It writes only the
 * "grant-expired" events not recorded yet (cli_record_expiries); the log
 * is otherwise written by every command that changes something and by the
 * daemon, and checked by 'albumctl verify --audit'. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/timefmt.h"
#include "tools/cli.h"

enum { OPT_PERSON = CLI_OPT_FIRST, OPT_KIND, OPT_SINCE };

/* Kinds are short words with dashes ("private-marked"); anything else is a typo. */
static int check_kind(struct cli *cli, const char *kind)
{
    size_t len = strlen(kind);

    if (len == 0 || len >= sizeof(((struct cat_activity *)0)->kind) ||
        strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
        return cli_usage(cli, "--kind takes an event kind such as 'upload' or "
                         "'grant-issued' (docs/cli.md lists them), not '%s'",
                         cli_printable(kind));
    return CLI_OK;
}

/* "Set/Photo", "#ID" for a photo no longer in the catalog, "" for none. */
static void photo_label(const struct cat_activity_entry *e, char *buf, size_t len)
{
    if (e->event.photo_id == 0)
        buf[0] = '\0';
    else if (e->photo_name[0])
        snprintf(buf, len, "%s/%s", e->set_name, e->photo_name);
    else
        snprintf(buf, len, "#%" PRId64, e->event.photo_id);
}

static void print_json(struct cli *cli, const struct cat_activity_entry *rows, size_t n)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    json_key(j, "events");
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct cat_activity *a = &rows[i].event;
        char when[32];

        timefmt_print(a->at, when, sizeof(when));
        json_object_begin(j);
        json_kv_int(j, "id", a->id);
        json_kv_string(j, "time", when);
        json_kv_string(j, "kind", a->kind);
        json_kv_string(j, "actor", a->actor);
        json_key(j, "album");
        if (rows[i].album_name[0])
            json_string(j, rows[i].album_name);
        else
            json_null(j);
        json_key(j, "photo");
        if (a->photo_id) {
            json_object_begin(j);
            json_kv_int(j, "id", a->photo_id);
            if (rows[i].photo_name[0]) {
                json_kv_string(j, "set", rows[i].set_name);
                json_kv_string(j, "name", rows[i].photo_name);
            } else { /* no longer in the catalog */
                json_key(j, "set");
                json_null(j);
                json_key(j, "name");
                json_null(j);
            }
            json_object_end(j);
        } else
            json_null(j);
        json_key(j, "grant_id");
        if (a->grant_id)
            json_int(j, a->grant_id);
        else
            json_null(j);
        json_kv_string(j, "detail", a->detail);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static void print_text(const struct cat_activity_entry *rows, size_t n)
{
    struct cli_table t;

    if (n == 0) {
        puts("no matching events");
        return;
    }
    cli_table_init(&t, 7);
    cli_table_row(&t, "TIME", "KIND", "ACTOR", "ALBUM", "PHOTO", "GRANT", "DETAIL");
    for (size_t i = 0; i < n; i++) {
        const struct cat_activity *a = &rows[i].event;
        char when[32], photo[2 * AF_NAME_MAX + 2], grant[24] = "", album[AF_NAME_MAX + 24];
        const char *raw[5] = {a->kind, a->actor, album, photo, a->detail};
        char *cells[5];

        timefmt_print(a->at, when, sizeof(when));
        photo_label(&rows[i], photo, sizeof(photo));
        if (a->grant_id)
            snprintf(grant, sizeof(grant), "%" PRId64, a->grant_id);
        if (rows[i].album_name[0] || a->album_id == 0)
            snprintf(album, sizeof(album), "%s", rows[i].album_name);
        else
            snprintf(album, sizeof(album), "#%" PRId64, a->album_id);
        /* cli_printable keeps four results at a time: copy each at once. */
        for (size_t k = 0; k < G_N_ELEMENTS(cells); k++)
            cells[k] = g_strdup(cli_printable(raw[k]));
        cli_table_row(&t, when, cells[0], cells[1], cells[2], cells[3], grant, cells[4]);
        for (size_t k = 0; k < G_N_ELEMENTS(cells); k++)
            g_free(cells[k]);
    }
    cli_table_print(&t, stdout);
    cli_table_release(&t);
}

static int run_activity(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"person", required_argument, NULL, OPT_PERSON},
        {"kind", required_argument, NULL, OPT_KIND},
        {"since", required_argument, NULL, OPT_SINCE},
        CLI_COMMON_OPTIONS,
    };
    const char *person = NULL;
    struct cat_activity_filter f = {0};
    struct cli_person who;
    struct cat_album album;
    struct cat_activity_entry *rows = NULL;
    size_t n = 0;
    int c, st = CLI_OK, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_PERSON)
            person = optarg;
        else if (c == OPT_KIND) {
            f.kind = optarg;
            st = check_kind(cli, optarg);
        } else if (c == OPT_SINCE && timefmt_parse_since(optarg, cli->now, &f.since) != 0)
            st = cli_usage(cli, "--since takes a date ('2026-11-23', '2026-11-23 18:00', in "
                           "UTC) or how long ago (90m, 36h, 2d, 1w), not '%s'",
                           cli_printable(optarg));
        if (st != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one ALBUM");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_record_expiries(cli);
    if (st == CLI_OK && argc - optind == 1) {
        st = cli_find_album(cli, argv[optind], &album);
        f.album_id = album.id;
    }
    if (st == CLI_OK && person && strcmp(person, "owner") == 0)
        f.actor = "owner";
    else if (st == CLI_OK && person) {
        st = cli_find_person(cli, person, &who);
        f.actor = who.label;
    }
    if (st != CLI_OK)
        return st;
    err = catalog_activity_query(cli_catalog(cli), &f, &rows, &n);
    if (err)
        return cli_fail_errno(cli, err, "reading the activity log");
    if (cli->json)
        print_json(cli, rows, n);
    else
        print_text(rows, n);
    free(rows);
    return CLI_OK;
}

const struct cli_cmd cmd_activity = {
    .name = "activity",
    .summary = "Show what happened: views, downloads, favourites, private marks, grants.",
    .usage = "[ALBUM] [--person EMAIL|link:ID|owner] [--kind KIND] [--since WHEN] [--json]",
    .help = "Events are shown oldest first with their time (UTC), kind, who did it, the\n"
            "album, the photo (as it is named now), the grant it came through and details.\n"
            "Kinds include upload, grant-issued, grant-revoked, grant-expired,\n"
            "album-first-view, download (web-size, high-res), download-refused,\n"
            "favourite-added, private-marked, private-unmarked and refused (an operation\n"
            "a person was refused on a mount: chmod, write, take, ...); docs/cli.md\n"
            "lists them all.\n"
            "\n"
            "options:\n"
            "  --person EMAIL|link:ID|owner  only what this person, link or the owner did\n"
            "  --kind KIND          only events of this kind (upload, grant-issued, ...)\n"
            "  --since WHEN         only events at or after WHEN: a date or date and time in\n"
            "                       UTC (2026-11-23, '2026-11-23 18:00'), or how long ago\n"
            "                       (90m, 36h, 2d = the last two days, 1w)\n"
            "Check that nobody altered the log with 'albumctl verify --audit'.\n",
    .run = run_activity,
};
