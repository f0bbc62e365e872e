/* cmd_album.c — 'albumctl album create|list|private-marks|rename|close|
 * archive|unarchive': galleries. A rename is changes/folders.h's, closing
 * and archiving changes/albums.h's, as the owner. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "changes/albums.h"
#include "changes/folders.h"
#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"

static int run_album_create(struct cli *cli, int argc, char **argv)
{
    const char *name;
    int64_t id;
    int st = cli_args(cli, argc, argv, 1, "an album name");
    int err;

    if (st != CLI_OK)
        return st;
    name = argv[optind];
    st = cli_check_name(cli, "album", name);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_album_create(cli_catalog(cli), name, &id);
    if (err == 0)
        err = cli_activity(cli, "album-created", 0, id, 0, name);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        if (err == -EEXIST)
            return cli_fail(cli, "album '%s' already exists; see 'albumctl album list'", name);
        return cli_fail_errno(cli, err, "creating album '%s'", name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", id);
        json_kv_string(&cli->out, "name", name);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("created album %s (visible to you alone until you grant access; it has a "
               "public set 'Photos')\n", name);
    return CLI_OK;
}

/* Counts shown for an album in the list. */
struct album_counts {
    size_t sets;
    size_t photos;
    size_t live_grants;
};

static int count_album(struct cli *cli, const struct cat_album *a, struct album_counts *out)
{
    struct cat_set *sets = NULL;
    struct cat_grant *grants = NULL;
    size_t n = 0;
    int err = catalog_sets(cli_catalog(cli), a->id, &sets, &out->sets);

    out->photos = 0;
    out->live_grants = 0;
    for (size_t i = 0; err == 0 && i < out->sets; i++) {
        struct cat_photo *photos = NULL;
        err = catalog_photos(cli_catalog(cli), sets[i].id, &photos, &n);
        out->photos += n;
        free(photos);
    }
    if (err == 0)
        err = catalog_grants(cli_catalog(cli), a->id, &grants, &n);
    for (size_t i = 0; err == 0 && i < n; i++)
        if (policy_grant_live(&grants[i].grant, cli->now))
            out->live_grants++;
    free(grants);
    free(sets);
    return err;
}

static int run_album_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album *albums = NULL;
    struct album_counts *counts;
    size_t n = 0;
    int st = cli_args(cli, argc, argv, 0, "no arguments");
    int err;

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_albums(cli_catalog(cli), &albums, &n);
    if (err)
        return cli_fail_errno(cli, err, "listing albums");
    counts = g_new0(struct album_counts, n ? n : 1);
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        err = count_album(cli, &albums[i], &counts[i]);
        if (err)
            st = cli_fail_errno(cli, err, "reading album '%s'", albums[i].name);
    }
    if (st == CLI_OK && cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "albums");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            char when[32];
            timefmt_print(albums[i].created, when, sizeof(when));
            json_object_begin(&cli->out);
            json_kv_int(&cli->out, "id", albums[i].id);
            json_kv_string(&cli->out, "name", albums[i].name);
            json_kv_string(&cli->out, "created", when);
            json_kv_bool(&cli->out, "clients_may_mark_private",
                         albums[i].clients_may_mark_private);
            json_kv_int(&cli->out, "set_count", (int64_t)counts[i].sets);
            json_kv_int(&cli->out, "photos", (int64_t)counts[i].photos);
            json_kv_int(&cli->out, "live_grants", (int64_t)counts[i].live_grants);
            json_kv_bool(&cli->out, "archived", albums[i].archived != 0);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (st == CLI_OK) {
        struct cli_table t;
        cli_table_init(&t, 6);
        cli_table_row(&t, "ALBUM", "SETS", "PHOTOS", "LIVE GRANTS", "STATE", "PRIVATE MARKS");
        for (size_t i = 0; i < n; i++) {
            char sets[24], photos[24], grants[24];
            snprintf(sets, sizeof(sets), "%zu", counts[i].sets);
            snprintf(photos, sizeof(photos), "%zu", counts[i].photos);
            snprintf(grants, sizeof(grants), "%zu", counts[i].live_grants);
            cli_table_row(&t, albums[i].name, sets, photos, grants,
                          albums[i].archived ? "archived" : "open",
                          albums[i].clients_may_mark_private ? "clients may" : "owner/team only");
        }
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    g_free(counts);
    free(albums);
    return st;
}

static int run_album_private_marks(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    bool allowed = false;
    int st = cli_args(cli, argc, argv, 2, "ALBUM on|off");
    int err;

    if (st == CLI_OK)
        st = cli_parse_onoff(cli, "private-marks", argv[optind + 1], &allowed);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_album_set_private_marks(cli_catalog(cli), album.id, allowed);
    if (err == 0)
        err = cli_activity(cli, "album-private-marks", 0, album.id, 0, allowed ? "on" : "off");
    if (err) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail_errno(cli, err, "changing album '%s'", album.name);
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        return st;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_bool(&cli->out, "clients_may_mark_private", allowed);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("clients %s mark photos of %s private\n", allowed ? "may" : "may not", album.name);
    return CLI_OK;
}

static int run_album_rename(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    const char *name;
    int st = cli_args(cli, argc, argv, 2, "ALBUM NEW");
    int err;

    if (st != CLI_OK)
        return st;
    name = argv[optind + 1];
    st = cli_check_name(cli, "album", name);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st != CLI_OK)
        return st;
    err = change_album_rename(cli_catalog(cli), &cli->owner, album.id, name);
    if (err == -EEXIST)
        return cli_fail(cli, "album '%s' already exists; see 'albumctl album list'", name);
    if (err)
        return cli_fail_errno(cli, err, "renaming album '%s'", album.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "id", album.id);
        json_kv_string(&cli->out, "name", name);
        json_kv_string(&cli->out, "was", album.name);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        printf("album %s is now %s\n", album.name, name);
    return CLI_OK;
}

static int run_album_close(struct cli *cli, int argc, char **argv)
{
    struct cat_album album;
    struct cat_grant *revoked = NULL;
    size_t n = 0;
    int st = cli_one_album(cli, argc, argv, &album);
    int err;

    if (st != CLI_OK)
        return st;
    err = change_album_close(cli_catalog(cli), &cli->owner, album.id, &revoked, &n);
    if (err)
        return cli_fail_errno(cli, err, "closing album '%s'", album.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_key(&cli->out, "revoked");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++)
            grant_ref_json(&cli->out, &revoked[i]);
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("revoked grant %" PRId64 " (%s on %s)\n", revoked[i].grant.id,
                   revoked[i].principal_name, album.name);
        printf("closed album %s: %zu grant%s revoked%s\n", album.name, n, n == 1 ? "" : "s",
               n ? "" : " (none was left)");
    }
    free(revoked);
    return CLI_OK;
}

/* album archive | album unarchive */
static int album_archive(struct cli *cli, int argc, char **argv, bool on)
{
    struct cat_album album;
    int st = cli_one_album(cli, argc, argv, &album);
    int rc;

    if (st != CLI_OK)
        return st;
    rc = change_album_archive(cli_catalog(cli), &cli->owner, album.id, on);
    if (rc < 0)
        return cli_fail_errno(cli, rc, "%s album '%s'", on ? "archiving" : "unarchiving",
                              album.name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "album", album.name);
        json_kv_bool(&cli->out, "archived", on);
        json_kv_bool(&cli->out, "changed", rc == 1);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (rc == 0)
        printf("album %s is %s already; nothing to do\n", album.name,
               on ? "archived" : "not archived");
    else
        printf("%s album %s%s\n", on ? "archived" : "unarchived", album.name,
               on ? " (hidden from every mount but yours; its photos are kept)" : "");
    return CLI_OK;
}

static int run_album_archive(struct cli *cli, int argc, char **argv)
{
    return album_archive(cli, argc, argv, true);
}

static int run_album_unarchive(struct cli *cli, int argc, char **argv)
{
    return album_archive(cli, argc, argv, false);
}

static const struct cli_cmd album_subs[] = {
    {
        .name = "create",
        .summary = "Create an album (visible to the owner alone until a grant opens it).",
        .usage = "ALBUM",
        .help = "The album starts with one public set, 'Photos': an album always keeps a\n"
                "public set.\n",
        .run = run_album_create,
    },
    {
        .name = "list",
        .summary = "List albums with their sets, photos and live grants.",
        .usage = "[--json]",
        .run = run_album_list,
    },
    {
        .name = "private-marks",
        .summary = "Let clients mark photos of the album private (or not).",
        .usage = "ALBUM on|off",
        .help = "A client grant may mark photos private only where the album allows it\n"
                "(default on). Private photos are hidden from invited people and links.\n",
        .run = run_album_private_marks,
    },
    {
        .name = "rename",
        .summary = "Rename an album.",
        .usage = "ALBUM NEW",
        .help = "Refused when an album named NEW exists. Grants, links and activity stay with\n"
                "the album; every mount shows its folder under the new name within seconds\n"
                "(people who had it open see it move). Only the owner renames albums.\n",
        .run = run_album_rename,
    },
    {
        .name = "close",
        .summary = "End a project: revoke every grant and link of the album at once.",
        .usage = "ALBUM [--json]",
        .help = "Every grant of the album that is not revoked yet is revoked in one\n"
                "transaction: users', teams', share links' and those claimed through links,\n"
                "expired ones too (so none can be extended again). Live mounts lose the album\n"
                "within a second. Photos, favourites and activity are kept; new grants may\n"
                "be issued afterwards. Each revocation is recorded (grant-revoked), then\n"
                "album-closed. --json lists the grants revoked.\n",
        .run = run_album_close,
    },
    {
        .name = "archive",
        .summary = "Archive an album: hidden from every mount but the owner's.",
        .usage = "ALBUM [--json]",
        .help = "An archived album keeps its photos, sets, grants and links, but no one\n"
                "but the owner sees it on a mount (within a second on live mounts), no new\n"
                "grant or link may be made for it, and its links do not open. 'album list'\n"
                "and 'status' show it as archived; 'albumctl ls' (the owner's view) still\n"
                "lists it. 'album unarchive' brings everything back as it was. Recorded as\n"
                "album-archived.\n",
        .run = run_album_archive,
    },
    {
        .name = "unarchive",
        .summary = "Bring an archived album back to its grants.",
        .usage = "ALBUM [--json]",
        .help = "The album's grants and links that are still live work again. Recorded as\n"
                "album-unarchived.\n",
        .run = run_album_unarchive,
    },
    {0},
};

const struct cli_cmd cmd_album = {
    .name = "album",
    .summary = "Albums: one gallery each (\"Smith Wedding 2026\").",
    .subs = album_subs,
};
