/* cmd_link.c — 'albumctl link create|change|list': share links for an
 * album (SPEC §2, §7). The token is printed once and never stored (the
 * catalog keeps its keyed hash); an optional password is stored as an
 * Argon2id string. The link gets a guest grant with the usual settings
 * options, and may carry a label (the owner's note of whom it was given
 * to). A link with a password may have a client door too: a second
 * password that opens a client view of the same link (link_door.c). 'link
 * change' sets, replaces or removes that password. 'link list' shows
 * labels, doors, state, expiry and uses, never anything secret. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "store/links.h"
#include "store/timefmt.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"
#include "tools/link_door.h"

enum {
    OPT_PASSWORD_FILE = CLI_OPT_FIRST,
    OPT_NO_PREPARE,
    OPT_LABEL,
    OPT_CLIENT_PASSWORD_FILE,
    OPT_CLIENT_SETTINGS,
    OPT_NO_CLIENT_PASSWORD,
};

/* Whether two passwords are the same (the guest's and the client's must
 * not be: the password alone picks the door). */
static bool same_password(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

/* The link and client passwords of 'link create' hashed (slow on purpose:
 * done before any transaction); client_file may be NULL. CLI_OK, or a
 * message (unreadable, too short, the same twice). */
static int hash_passwords(struct cli *cli, const char *file, const char *client_file,
                          char hash[CAT_PWHASH_MAX], char client_hash[CAT_PWHASH_MAX])
{
    char *pw = NULL, *client = NULL;
    int st = link_door_read_password(cli, file, "link password", &pw);

    if (st == CLI_OK && client_file)
        st = link_door_read_password(cli, client_file, "client password", &client);
    if (st == CLI_OK && client && same_password(pw, client))
        st = cli_usage(cli, "the client password must differ from the link's password (the "
                       "password alone says which door it opens)");
    if (st == CLI_OK)
        st = link_door_hash(cli, pw, hash);
    if (st == CLI_OK && client)
        st = link_door_hash(cli, client, client_hash);
    if (pw)
        links_password_free(pw);
    if (client)
        links_password_free(client);
    return st;
}

static void print_link(struct cli *cli, const char *token, int64_t link_id, int64_t grant_id,
                       int64_t door_id, int64_t door_grant_id)
{
    struct cat_grant g;

    if (!cli->json) {
        puts(token);
        if (isatty(STDOUT_FILENO))
            fputs("albumctl: link create: this token is shown once; give it to the guest now, "
                  "to keep in a file only they can read and mount with 'albumfs MOUNTPOINT "
                  "--link-file FILE' (revoke with 'albumctl revoke GRANT_ID', see 'albumctl "
                  "grant list')\n", stderr);
        return;
    }
    json_object_begin(&cli->out);
    json_kv_string(&cli->out, "token", token);
    json_kv_int(&cli->out, "link_id", link_id);
    json_kv_int(&cli->out, "grant_id", grant_id);
    if (catalog_grant_by_id(cli_catalog(cli), grant_id, &g) == 0) {
        json_key(&cli->out, "grant");
        grant_json(cli, &g);
    }
    if (door_id > 0) {
        json_kv_int(&cli->out, "client_link_id", door_id);
        json_kv_int(&cli->out, "client_grant_id", door_grant_id);
    }
    json_object_end(&cli->out);
    json_finish(&cli->out);
}

static int run_link_create(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"no-prepare", no_argument, NULL, OPT_NO_PREPARE},
        {"label", required_argument, NULL, OPT_LABEL},
        {"client-password-file", required_argument, NULL, OPT_CLIENT_PASSWORD_FILE},
        {"client-settings", required_argument, NULL, OPT_CLIENT_SETTINGS},
        GRANT_SETTINGS_OPTIONS,
        CLI_COMMON_OPTIONS,
    };
    const char *password_file = NULL, *client_file = NULL, *label = "";
    char pwhash[CAT_PWHASH_MAX] = "", client_hash[CAT_PWHASH_MAX] = "";
    char token[LINK_TOKEN_CHARS + 1];
    unsigned char token_hash[CAT_TOKEN_HASH_BYTES];
    char detail[AF_NAME_MAX + 96];
    struct grant_opts o, co;
    struct cat_album album;
    struct cat_grant g, cg;
    struct cat_link link;
    int64_t link_id = 0, door_id = 0;
    bool prepare = true;
    int c, st = CLI_OK, err;

    grant_opts_init(&o);
    grant_opts_init(&co);
    memset(&cg, 0, sizeof(cg));
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_PASSWORD_FILE)
            password_file = optarg;
        else if (c == OPT_CLIENT_PASSWORD_FILE)
            client_file = optarg;
        else if (c == OPT_CLIENT_SETTINGS) {
            if ((st = link_door_parse_setting(cli, &co, optarg)) != CLI_OK)
                return st;
        } else if (c == OPT_NO_PREPARE)
            prepare = false;
        else if (c == OPT_LABEL) {
            if ((st = cli_check_text(cli, "--label", optarg)) != CLI_OK)
                return st;
            label = optarg;
        } else if ((st = grant_opts_parse(cli, &o, c, optarg)) != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one ALBUM");
    if (client_file && !password_file)
        return cli_usage(cli, "--client-password-file needs --password-file: the link's own "
                         "(guest) password");
    if (grant_opts_any(&co) && !client_file)
        return cli_usage(cli, "--client-settings go with --client-password-file");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK)
        st = grant_opts_build(cli, &o, AF_ROLE_GUEST, &album, &g);
    if (st == CLI_OK && client_file)
        st = grant_opts_build(cli, &co, AF_ROLE_CLIENT, &album, &cg);
    if (st == CLI_OK && password_file)
        st = hash_passwords(cli, password_file, client_file, pwhash, client_hash);
    if (st != CLI_OK)
        return st;

    links_new_token(token, sizeof(token));
    library_token_hash(cli->lib, token, token_hash);
    st = cli_begin(cli);
    if (st != CLI_OK)
        goto out;
    err = catalog_link_add(cli_catalog(cli), album.id, token_hash,
                           password_file ? pwhash : NULL, &link_id);
    if (err == 0 && label[0])
        err = catalog_link_set_label(cli_catalog(cli), link_id, label);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        st = cli_fail_errno(cli, err, "saving the link");
        goto out;
    }
    g.principal = CAT_PRINCIPAL_LINK;
    g.principal_id = link_id;
    snprintf(g.principal_name, sizeof(g.principal_name), "link-%" PRId64, link_id);
    snprintf(g.album_name, sizeof(g.album_name), "%s", album.name);
    g.created = cli->now;
    st = grant_opts_pool(cli, &o, &album, g.principal_name, &g);
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        goto out;
    }
    err = catalog_grant_add(cli_catalog(cli), &g);
    if (err == 0 && client_file) {
        memset(&link, 0, sizeof(link));
        link.id = link_id;
        st = link_door_open(cli, &album, &link, client_hash, &co, &cg, &door_id);
        if (st != CLI_OK) {
            catalog_rollback(cli_catalog(cli));
            goto out;
        }
    }
    snprintf(detail, sizeof(detail), "link:%" PRId64 "%s%s%s", link_id,
             password_file ? " with password" : "", label[0] ? ", label " : "", label);
    if (door_id > 0)
        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
                 ", client door link:%" PRId64, door_id);
    if (err == 0)
        err = cli_activity(cli, "link-created", g.grant.id, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        st = cli_fail_errno(cli, err, "saving the link's grant");
        goto out;
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        print_link(cli, token, link_id, g.grant.id, door_id, cg.grant.id);
    if (st == CLI_OK && prepare)
        cli_prepare_views(cli, &album, NULL);
out:
    sodium_memzero(token, sizeof(token));
    sodium_memzero(pwhash, sizeof(pwhash));
    sodium_memzero(client_hash, sizeof(client_hash));
    return st;
}

/* A link with its grant (the newest: the one link create or link change
 * made; NULL if none). */
struct link_row {
    struct cat_link link;
    const struct cat_grant *grant;
};

/* "live", "expired", "revoked" (by its grant) or "archived" (its album). */
static const char *link_state(struct cli *cli, const struct link_row *r,
                              const struct cat_album *album)
{
    if (!r->grant)
        return "revoked";
    if (album->archived && policy_grant_live(&r->grant->grant, cli->now))
        return "archived";
    return grant_status(cli, &r->grant->grant);
}

static void link_json(struct cli *cli, const struct link_row *r, const struct cat_album *album)
{
    struct json *j = &cli->out;

    json_object_begin(j);
    json_kv_int(j, "id", r->link.id);
    json_kv_string(j, "album", album->name);
    json_kv_string(j, "label", r->link.label);
    json_kv_bool(j, "password", r->link.has_password);
    json_key(j, "client_door_of");
    if (r->link.door_of > 0)
        json_int(j, r->link.door_of);
    else
        json_null(j);
    json_key(j, "client_door");
    if (r->link.client_door > 0)
        json_int(j, r->link.client_door);
    else
        json_null(j);
    json_key(j, "grant_id");
    if (r->grant)
        json_int(j, r->grant->grant.id);
    else
        json_null(j);
    json_kv_string(j, "status", link_state(cli, r, album));
    cli_json_time(j, "created", r->link.created);
    cli_json_time(j, "expires", r->grant ? r->grant->grant.expires : 0);
    json_kv_int(j, "uses", r->link.uses);
    cli_json_time(j, "last_used", r->link.last_used);
    json_object_end(j);
}

static void link_text_row(struct cli *cli, struct cli_table *t, const struct link_row *r,
                          const struct cat_album *album)
{
    char id[24], grant[24] = "-", expires[32], uses[24], last[32] = "never", label[48];
    const char *shown = r->link.label[0] ? r->link.label : "-";

    snprintf(id, sizeof(id), "link:%" PRId64, r->link.id);
    if (r->grant)
        snprintf(grant, sizeof(grant), "%" PRId64, r->grant->grant.id);
    timefmt_print(r->grant ? r->grant->grant.expires : 0, expires, sizeof(expires));
    snprintf(uses, sizeof(uses), "%" PRId64, r->link.uses);
    if (r->link.last_used)
        timefmt_print(r->link.last_used, last, sizeof(last));
    if (r->link.door_of > 0) {
        snprintf(label, sizeof(label), "client door of link:%" PRId64, r->link.door_of);
        shown = label;
    }
    cli_table_row(t, id, album->name, shown, r->link.has_password ? "yes" : "no", grant, link_state(cli, r, album), expires,
                  uses, last);
}

static int run_link_list(struct cli *cli, int argc, char **argv)
{
    struct cat_album album, *albums = NULL;
    struct cat_link *links = NULL;
    struct cat_grant *grants = NULL;
    struct cli_table t;
    size_t n = 0, ng = 0, na = 0;
    int st, err;

    st = cli_optional_album(cli, argc, argv, &album);
    if (st != CLI_OK)
        return st;
    err = catalog_links(cli_catalog(cli), album.id, &links, &n);
    if (err == 0)
        err = catalog_grants(cli_catalog(cli), album.id, &grants, &ng);
    if (err == 0)
        err = catalog_albums(cli_catalog(cli), &albums, &na);
    if (err) {
        st = cli_fail_errno(cli, err, "listing links");
        goto out;
    }
    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "links");
        json_array_begin(&cli->out);
    } else {
        cli_table_init(&t, 9);
        cli_table_row(&t, "LINK", "ALBUM", "LABEL", "PASSWORD", "GRANT", "STATUS", "EXPIRES",
                      "USES", "LAST USE");
    }
    for (size_t i = 0; i < n; i++) {
        struct link_row r = {links[i], NULL};
        const struct cat_album *a = NULL;

        for (size_t k = 0; k < ng; k++) /* the newest (a reopened door has a new one) */
            if (grants[k].principal == CAT_PRINCIPAL_LINK && grants[k].principal_id == links[i].id)
                r.grant = &grants[k];
        for (size_t k = 0; k < na && !a; k++)
            if (albums[k].id == links[i].album_id)
                a = &albums[k];
        if (!a)
            continue; /* its album went meanwhile */
        if (cli->json)
            link_json(cli, &r, a);
        else
            link_text_row(cli, &t, &r, a);
    }
    if (cli->json) {
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
out:
    free(albums);
    free(grants);
    free(links);
    return st;
}

/* The link that LINK ("link:ID" or ID) names; a client door is changed
 * through its link. CLI_OK or a message. */
static int find_link(struct cli *cli, const char *arg, struct cat_link *out)
{
    int64_t id = 0;
    int st = cli_parse_i64(cli, "LINK (link:ID, as 'link list' shows it)",
                           strncmp(arg, "link:", 5) == 0 ? arg + 5 : arg, 1, &id);
    int err;

    if (st != CLI_OK)
        return st;
    err = catalog_link_by_id(cli_catalog(cli), id, out);
    if (err == -ENOENT)
        return cli_fail(cli, "no link %" PRId64 "; see 'albumctl link list'", id);
    if (err)
        return cli_fail_errno(cli, err, "reading link %" PRId64, id);
    if (out->door_of > 0)
        return cli_usage(cli, "link:%" PRId64 " is the client door of link:%" PRId64
                         "; change that link", id, out->door_of);
    return CLI_OK;
}

/* A new client password for link: read, refused when it is the link's own
 * password, hashed. CLI_OK or a message. */
static int hash_client_password(struct cli *cli, const struct cat_link *link, const char *file,
                                char hash[CAT_PWHASH_MAX])
{
    char *pw = NULL;
    int st = link_door_read_password(cli, file, "client password", &pw);

    if (st != CLI_OK)
        return st;
    if (crypto_pwhash_str_verify(link->password_hash, pw, strlen(pw)) == 0)
        st = cli_usage(cli, "the client password must differ from the link's password (the "
                       "password alone says which door it opens)");
    if (st == CLI_OK)
        st = link_door_hash(cli, pw, hash);
    links_password_free(pw);
    return st;
}

static int run_link_change(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"client-password-file", required_argument, NULL, OPT_CLIENT_PASSWORD_FILE},
        {"no-client-password", no_argument, NULL, OPT_NO_CLIENT_PASSWORD},
        {"client-settings", required_argument, NULL, OPT_CLIENT_SETTINGS},
        CLI_COMMON_OPTIONS,
    };
    const char *client_file = NULL, *done;
    char hash[CAT_PWHASH_MAX] = "", detail[96];
    struct cat_link link, door;
    struct cat_album album;
    struct grant_opts co;
    struct cat_grant cg;
    bool remove = false, open;
    int64_t door_id;
    int c, st = CLI_OK, err = 0;

    grant_opts_init(&co);
    memset(&cg, 0, sizeof(cg));
    memset(&door, 0, sizeof(door));
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_CLIENT_PASSWORD_FILE)
            client_file = optarg;
        else if (c == OPT_NO_CLIENT_PASSWORD)
            remove = true;
        else if ((st = link_door_parse_setting(cli, &co, optarg)) != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one LINK (link:ID, as 'albumctl link list' shows it)");
    if (!client_file == !remove)
        return cli_usage(cli, "give one of --client-password-file FILE and --no-client-password");
    if (grant_opts_any(&co) && !client_file)
        return cli_usage(cli, "--client-settings go with --client-password-file");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = find_link(cli, argv[optind], &link);
    if (st != CLI_OK)
        return st;
    if (link.client_door > 0 && (err = catalog_link_by_id(cli_catalog(cli), link.client_door,
                                                          &door)) < 0)
        return cli_fail_errno(cli, err, "reading the client door");
    open = link.client_door > 0 && door.has_password;
    if (remove && !open)
        return cli_fail(cli, "link:%" PRId64 " has no client password; nothing to do", link.id);
    if (client_file && !link.has_password)
        return cli_usage(cli, "link:%" PRId64 " has no password of its own: a client door needs "
                         "one (make a new link with --password-file)", link.id);
    if (client_file && open && grant_opts_any(&co))
        return cli_usage(cli, "the client door is open: change its settings with 'albumctl "
                         "grant change GRANT' (its grant is link:%" PRId64 "'s in 'grant list')",
                         door.id);
    err = catalog_album_by_id(cli_catalog(cli), link.album_id, &album);
    if (err)
        return cli_fail_errno(cli, err, "reading the link's album");
    if (client_file && !open)
        st = grant_opts_build(cli, &co, AF_ROLE_CLIENT, &album, &cg);
    if (st == CLI_OK && client_file)
        st = hash_client_password(cli, &link, client_file, hash);
    if (st == CLI_OK)
        st = cli_begin(cli);
    if (st != CLI_OK)
        goto out;
    door_id = link.client_door;
    if (remove)
        st = link_door_close(cli, &link);
    else if (open && (err = catalog_link_set_password(cli_catalog(cli), door.id, hash)) < 0)
        st = cli_fail_errno(cli, err, "saving the client password");
    else if (!open)
        st = link_door_open(cli, &album, &link, hash, &co, &cg, &door_id);
    done = remove ? "removed" : open ? "replaced" : "set";
    snprintf(detail, sizeof(detail), "link:%" PRId64 " client password %s (client door link:%"
             PRId64 ")", link.id, done, door_id);
    if (st == CLI_OK && (err = cli_activity(cli, "link-changed", 0, album.id, 0, detail)) < 0)
        st = cli_fail_errno(cli, err, "recording the change");
    if (st != CLI_OK) {
        catalog_rollback(cli_catalog(cli));
        goto out;
    }
    st = cli_commit(cli);
    if (st != CLI_OK)
        goto out;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "link_id", link.id);
        json_kv_int(&cli->out, "client_link_id", door_id);
        json_kv_string(&cli->out, "client_password", done);
        if (cg.grant.id > 0)
            json_kv_int(&cli->out, "client_grant_id", cg.grant.id);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else if (cg.grant.id > 0) {
        printf("link:%" PRId64 ": client password %s: client door link:%" PRId64 ", grant %"
               PRId64 "\n", link.id, done, door_id, cg.grant.id);
    } else {
        printf("link:%" PRId64 ": client password %s\n", link.id, done);
    }
out:
    sodium_memzero(hash, sizeof(hash));
    return st;
}

static const struct cli_cmd link_subs[] = {
    {
        .name = "create",
        .summary = "Create a share link (guest role); prints its token, once.",
        .usage = "ALBUM [--label TEXT] [--password-file FILE [--client-password-file FILE\n"
                 "        [--client-settings SETTING=VALUE...]]] [settings] [--no-prepare]",
        .help =
            "The token (52 characters, 256 random bits) is printed once on stdout and is\n"
            "not kept: only its keyed hash is stored. A guest sees public sets only, never\n"
            "client or team sets or private photos. Revoke the link by revoking its grant\n"
            "('albumctl grant list' shows it as link:ID): that closes its client door too.\n"
            "\n"
            "Two doors: with --client-password-file the same token opens a client view\n"
            "too. The password alone picks the door: the link's password the guest view,\n"
            "the client password the client view (client sets, private photos, marking\n"
            "photos private), with the client role's least-privilege settings (no\n"
            "downloads) unless --client-settings say otherwise. The two must differ.\n"
            "The client door is a link of its own in 'link list', 'grant list',\n"
            "'activity' and 'favourites' (link:ID, 'client door of link:ID').\n"
            "\n"
            "options:\n"
            "  --label TEXT          a note of whom the link is for ('Smith family'),\n"
            "                        shown by 'link list'\n"
            "  --password-file FILE  require this password too (first line of FILE, at\n"
            "                        least 8 characters; stored as an Argon2id hash)\n"
            "  --client-password-file FILE  the client door's password (as above; needs\n"
            "                        --password-file, must differ from it)\n"
            "  --client-settings SETTING=VALUE  a setting of the client door, named as\n"
            "                        below without the dashes (web=on, highres=original,\n"
            "                        expires=30d); may be repeated\n"
            "  --no-prepare          do not render the link's views now (see 'albumctl\n"
            "                        prepare')\n"
            "\n"
            "settings:\n" GRANT_SETTINGS_HELP,
        .run = run_link_create,
    },
    {
        .name = "change",
        .summary = "Set, replace or remove a link's client password (its client door).",
        .usage = "LINK (--client-password-file FILE [--client-settings SETTING=VALUE...] |\n"
                 "        --no-client-password)",
        .help = "LINK is link:ID as 'link list' shows it (the link, not its client door).\n"
                "--client-password-file sets the client password (opening the client door\n"
                "with a new client grant from --client-settings, least privilege by\n"
                "default) or replaces it (the door's grant and settings stay: change them\n"
                "with 'albumctl grant change'; mounts opened with the old password end\n"
                "within seconds). It must differ from the\n"
                "link's own password, which the link must have. --no-client-password\n"
                "closes the client door: its password is removed and its grant revoked,\n"
                "so mounts and WebDAV sessions through it end within seconds; what the\n"
                "client picked or marked stays theirs.\n",
        .run = run_link_change,
    },
    {
        .name = "list",
        .summary = "List share links: label, state, expiry, uses, last use.",
        .usage = "[ALBUM] [--json]",
        .help = "One line per link (of ALBUM, or all): its id (link:ID, as activity names\n"
                "it), album, label ('client door of link:ID' for a client door: a link of\n"
                "its own), whether it has a password, its grant, state (live,\n"
                "expired, revoked, or archived with its album), expiry, how many mounts\n"
                "were opened with it and when last. Tokens and passwords are never shown:\n"
                "they are not kept. Change a link's expiry or settings with 'albumctl grant\n"
                "change GRANT', end it with 'albumctl revoke GRANT'.\n",
        .run = run_link_list,
    },
    {0},
};

const struct cli_cmd cmd_link = {
    .name = "link",
    .summary = "Share links: an unguessable token (and optional passwords) for guests "
               "and a client.",
    .subs = link_subs,
};
