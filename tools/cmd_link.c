/* cmd_link.c — 'albumctl link create': a share link for an album (SPEC §2,
 * §7). The token is printed once and never stored (the catalog keeps its
 * keyed hash); an optional password is stored as an Argon2id string. The
 * link gets a guest grant with the usual settings options. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "store/links.h"
#include "tools/cli.h"
#include "tools/grant_settings.h"

enum { OPT_PASSWORD_FILE = CLI_OPT_FIRST, OPT_NO_PREPARE };

/* Read and hash the link password (slow on purpose: done before any
 * transaction). CLI_OK and hash filled, or a message. */
static int hash_password_file(struct cli *cli, const char *path, char hash[CAT_PWHASH_MAX])
{
    char *pw = NULL;
    size_t len;
    int err = links_read_password_file(path, &pw);

    if (err)
        return cli_fail_errno(cli, err, "cannot read password file '%s'", cli_printable(path));
    len = strlen(pw);
    if (len < LINK_PASSWORD_MIN || len > LINK_PASSWORD_MAX) {
        links_password_free(pw);
        return cli_usage(cli, "link password must be at least %d characters%s",
                         LINK_PASSWORD_MIN, len > LINK_PASSWORD_MAX ? " and at most 1024" : "");
    }
    err = links_hash_password(pw, hash);
    links_password_free(pw);
    if (err == -EINVAL)
        return cli_usage(cli, "link password must be at least %d characters", LINK_PASSWORD_MIN);
    if (err)
        return cli_fail_errno(cli, err, "cannot hash the link password");
    return CLI_OK;
}

static void print_link(struct cli *cli, const char *token, int64_t link_id, int64_t grant_id)
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
    json_object_end(&cli->out);
    json_finish(&cli->out);
}

static int run_link_create(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"no-prepare", no_argument, NULL, OPT_NO_PREPARE},
        GRANT_SETTINGS_OPTIONS,
        CLI_COMMON_OPTIONS,
    };
    const char *password_file = NULL;
    char pwhash[CAT_PWHASH_MAX] = "";
    char token[LINK_TOKEN_CHARS + 1];
    unsigned char token_hash[CAT_TOKEN_HASH_BYTES];
    char detail[64];
    struct grant_opts o;
    struct cat_album album;
    struct cat_grant g;
    int64_t link_id = 0;
    bool prepare = true;
    int c, st = CLI_OK, err;

    grant_opts_init(&o);
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_PASSWORD_FILE)
            password_file = optarg;
        else if (c == OPT_NO_PREPARE)
            prepare = false;
        else if ((st = grant_opts_parse(cli, &o, c, optarg)) != CLI_OK)
            return st;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != 1)
        return cli_usage(cli, "expected one ALBUM");
    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], &album);
    if (st == CLI_OK)
        st = grant_opts_build(cli, &o, AF_ROLE_GUEST, &album, &g);
    if (st == CLI_OK && password_file)
        st = hash_password_file(cli, password_file, pwhash);
    if (st != CLI_OK)
        return st;

    links_new_token(token, sizeof(token));
    library_token_hash(cli->lib, token, token_hash);
    st = cli_begin(cli);
    if (st != CLI_OK)
        goto out;
    err = catalog_link_add(cli_catalog(cli), album.id, token_hash,
                           password_file ? pwhash : NULL, &link_id);
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
    snprintf(detail, sizeof(detail), "link:%" PRId64 "%s", link_id,
             password_file ? " with password" : "");
    if (err == 0)
        err = cli_activity(cli, "link-created", g.grant.id, album.id, 0, detail);
    if (err) {
        catalog_rollback(cli_catalog(cli));
        st = cli_fail_errno(cli, err, "saving the link's grant");
        goto out;
    }
    st = cli_commit(cli);
    if (st == CLI_OK)
        print_link(cli, token, link_id, g.grant.id);
    if (st == CLI_OK && prepare)
        cli_prepare_views(cli, &album, NULL);
out:
    sodium_memzero(token, sizeof(token));
    sodium_memzero(pwhash, sizeof(pwhash));
    return st;
}

static const struct cli_cmd link_subs[] = {
    {
        .name = "create",
        .summary = "Create a share link (guest role); prints its token, once.",
        .usage = "ALBUM [--password-file FILE] [settings] [--no-prepare]",
        .help =
            "The token (52 characters, 256 random bits) is printed once on stdout and is\n"
            "not kept: only its keyed hash is stored. A guest sees public sets only, never\n"
            "client or team sets or private photos. Revoke the link by revoking its grant\n"
            "('albumctl grant list' shows it as link:ID).\n"
            "\n"
            "options:\n"
            "  --password-file FILE  require this password too (first line of FILE, at\n"
            "                        least 8 characters; stored as an Argon2id hash)\n"
            "  --no-prepare          do not render the link's views now (see 'albumctl\n"
            "                        prepare')\n"
            "\n"
            "settings:\n" GRANT_SETTINGS_HELP,
        .run = run_link_create,
    },
    {0},
};

const struct cli_cmd cmd_link = {
    .name = "link",
    .summary = "Share links: an unguessable token (and optional password) for guests.",
    .subs = link_subs,
};
