/* cmd_ls.c — 'albumctl ls': what one person would see on their mount.
 *
 * The owner's view by default; --as EMAIL for a user (with every grant that
 * names them directly or through a team); --link TOKEN for a share link.
 * The subject and the entries are built by store/subject.c and every
 * decision is the policy layer's (policy_may_see, and the views a mount
 * offers: subject_offered_views), exactly as on a mount, so this is the
 * place to check a grant before sending it.
 * Photos are listed under the names that person's mount shows in the set
 * (their own names for owner and editors, view names for everyone else).
 * An album or set hidden from that person gets the very message a
 * nonexistent one gets: nothing leaks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/links.h"
#include "store/subject.h"
#include "tools/cli.h"

enum { OPT_AS = CLI_OPT_FIRST, OPT_LINK, OPT_PASSWORD_FILE };

static const enum af_view all_views[] = {
    AF_VIEW_ORIGINAL, AF_VIEW_PROOF, AF_VIEW_WEB, AF_VIEW_HIGHRES,
};

struct ls_run {
    struct cli *cli;
    struct af_subject_buf who;
    char only_set[AF_NAME_MAX + 1]; /* "": every set the person sees */
};

static const char dead_link[] =
    "this link has expired or was revoked; ask the photographer for a new one";

/* Load the subject named by the options into r->who (released by the
 * caller with subject_release once it was loaded: *loaded set). */
static int load_subject(struct ls_run *r, const char *email, const char *token,
                        const char *password_file, bool *loaded)
{
    struct cli *cli = r->cli;
    struct cat_user user;
    struct cat_link link;
    char *password = NULL;
    bool live = false;
    int st, err;

    if (!email && !token) {
        subject_owner(&r->who);
        *loaded = true;
        return CLI_OK;
    }
    if (email) {
        st = cli_find_user(cli, email, &user);
        if (st != CLI_OK)
            return st;
        err = subject_for_user(cli_catalog(cli), &user, &r->who);
        if (err)
            return cli_fail_errno(cli, err, "loading the grants of %s", user.email);
        *loaded = true;
        return CLI_OK;
    }
    if (password_file) {
        err = links_read_password_file(password_file, &password);
        if (err)
            return cli_fail_errno(cli, err, "cannot read password file '%s'",
                                  cli_printable(password_file));
    }
    err = links_resolve(cli->lib, token, password, &link, NULL);
    links_password_free(password);
    if (err == -ENOENT)
        return cli_fail(cli, "no such link; check the token");
    if (err == -EKEYEXPIRED)
        return cli_fail(cli, "%s", dead_link);
    if (err == -EAGAIN)
        return cli_fail(cli, "too many password attempts on this link just now; try again in "
                        "a minute");
    if (err == -EACCES && !password_file)
        return cli_fail(cli, "this link needs a password; give it with --password-file FILE");
    if (err == -EACCES)
        return cli_fail(cli, "wrong password for this link");
    if (err)
        return cli_fail_errno(cli, err, "resolving the link");
    err = subject_for_link(cli_catalog(cli), &link, &r->who);
    if (err)
        return cli_fail_errno(cli, err, "loading the link's grant");
    *loaded = true;
    for (size_t i = 0; i < r->who.subject.n_grants; i++)
        live = live || policy_grant_live(&r->who.grants[i], cli->now);
    if (!live) /* revoked while the attempt waited for its password turn */
        return cli_fail(cli, "%s", dead_link);
    return CLI_OK;
}

static bool ls_visible(const struct ls_run *r, const struct af_entry *e)
{
    return policy_may_see(&r->who.subject, e, r->cli->now);
}

static void print_photo(struct ls_run *r, const struct cat_album *a, const struct cat_set *s,
                        const struct cat_photo *p)
{
    struct cli *cli = r->cli;
    struct af_entry e;
    enum af_view def;
    unsigned views;
    bool is_doc = p->kind == MEDIA_DOCUMENT;
    const char *name = photo_file_name(p, subject_name_kind(&r->who.subject, a, s, cli->now));

    entry_for_photo(a, s, p, &e);
    views = subject_offered_views(&r->who.subject, &e, cli->now);
    def = policy_default_view(&r->who.subject, &e, cli->now);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "name", name);
        json_kv_string(&cli->out, "original", p->name);
        json_kv_string(&cli->out, "kind", is_doc ? "document" : "photo");
        json_kv_bool(&cli->out, "private", p->is_private);
        json_key(&cli->out, "default_view");
        if (def)
            json_string(&cli->out, policy_view_name(def));
        else
            json_null(&cli->out);
        json_key(&cli->out, "views");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < sizeof(all_views) / sizeof(all_views[0]); i++)
            if (views & all_views[i])
                json_string(&cli->out, policy_view_name(all_views[i]));
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        return;
    }
    printf("    %s ", name);
    for (size_t i = 0; i < sizeof(all_views) / sizeof(all_views[0]); i++)
        if (views & all_views[i])
            printf(" %s", policy_view_name(all_views[i]));
    printf("%s%s\n", is_doc ? "  (document)" : "", p->is_private ? "  [private]" : "");
}

static int list_set(struct ls_run *r, const struct cat_album *a, const struct cat_set *s)
{
    struct cli *cli = r->cli;
    struct cat_photo *photos = NULL;
    size_t n = 0;
    int err = catalog_photos(cli_catalog(cli), s->id, &photos, &n);

    if (err)
        return cli_fail_errno(cli, err, "listing photos of %s/%s", a->name, s->name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "name", s->name);
        json_kv_string(&cli->out, "visibility", policy_visibility_name(s->visibility));
        json_key(&cli->out, "photos");
        json_array_begin(&cli->out);
    } else
        printf("  %s/  (%s)\n", s->name, policy_visibility_name(s->visibility));
    for (size_t i = 0; i < n; i++) {
        struct af_entry e;
        entry_for_photo(a, s, &photos[i], &e);
        if (ls_visible(r, &e))
            print_photo(r, a, s, &photos[i]);
    }
    if (cli->json) {
        json_array_end(&cli->out);
        json_object_end(&cli->out);
    }
    free(photos);
    return CLI_OK;
}

static int list_album(struct ls_run *r, const struct cat_album *a)
{
    struct cli *cli = r->cli;
    struct cat_set *sets = NULL;
    size_t n = 0;
    enum af_role role = policy_album_role(&r->who.subject, a->id, cli->now, NULL);
    int st = CLI_OK;
    int err = catalog_sets(cli_catalog(cli), a->id, &sets, &n);

    if (err)
        return cli_fail_errno(cli, err, "listing sets of %s", a->name);
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "name", a->name);
        json_kv_string(&cli->out, "role", policy_role_name(role));
        json_key(&cli->out, "sets");
        json_array_begin(&cli->out);
    } else
        printf("%s/  (%s)\n", a->name, policy_role_name(role));
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        struct af_entry e;
        entry_for_set(a, &sets[i], &e);
        if ((!r->only_set[0] || strcmp(r->only_set, sets[i].name) == 0) && ls_visible(r, &e))
            st = list_set(r, a, &sets[i]);
    }
    if (cli->json) {
        json_array_end(&cli->out);
        json_object_end(&cli->out);
    }
    free(sets);
    return st;
}

/* With ALBUM[/SET]: check it exists for this person (else the same message
 * as for a nonexistent one) and list it. */
static int list_target(struct ls_run *r, const char *target, struct cat_album *album)
{
    struct cli *cli = r->cli;
    char parts[2][AF_NAME_MAX + 1], arg[2 * AF_NAME_MAX + 3];
    struct cat_set set;
    struct af_entry e;
    size_t len = strlen(target);
    bool has_set;
    int st;

    if (len >= sizeof(arg))
        return cli_usage(cli, "'%s' is too long for ALBUM/SET", cli_printable(target));
    memcpy(arg, target, len + 1);
    if (len > 1 && arg[len - 1] == '/')
        arg[len - 1] = '\0'; /* "Album/" as shells complete it */
    has_set = strchr(arg, '/') != NULL;
    st = cli_split(cli, arg, has_set ? 2 : 1, "ALBUM or ALBUM/SET", parts);
    if (st != CLI_OK)
        return st;
    if (catalog_album_by_name(cli_catalog(cli), parts[0], album) != 0)
        return cli_no_album(cli, parts[0]);
    entry_for_album(album, &e);
    if (!ls_visible(r, &e))
        return cli_no_album(cli, parts[0]);
    if (has_set) {
        if (catalog_set_by_name(cli_catalog(cli), album->id, parts[1], &set) != 0)
            return cli_no_set(cli, parts[0], parts[1]);
        entry_for_set(album, &set, &e);
        if (!ls_visible(r, &e))
            return cli_no_set(cli, parts[0], parts[1]);
        snprintf(r->only_set, sizeof(r->only_set), "%s", set.name);
    }
    return CLI_OK;
}

static int list_all(struct ls_run *r, const struct cat_album *only)
{
    struct cli *cli = r->cli;
    struct cat_album *albums = NULL;
    size_t n = 0;
    int st = CLI_OK;
    int err = only ? 0 : catalog_albums(cli_catalog(cli), &albums, &n);

    if (err)
        return cli_fail_errno(cli, err, "listing albums");
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "as", r->who.label);
        json_key(&cli->out, "albums");
        json_array_begin(&cli->out);
    }
    if (only)
        st = list_album(r, only);
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        struct af_entry e;
        entry_for_album(&albums[i], &e);
        if (ls_visible(r, &e))
            st = list_album(r, &albums[i]);
    }
    if (cli->json) {
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    }
    free(albums);
    return st;
}

static int run_ls(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as", required_argument, NULL, OPT_AS},
        {"link", required_argument, NULL, OPT_LINK},
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        CLI_COMMON_OPTIONS,
    };
    const char *email = NULL, *token = NULL, *password_file = NULL;
    struct ls_run r = {.cli = cli};
    struct cat_album album;
    bool loaded = false;
    int c, st;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0) {
        if (c == OPT_AS)
            email = optarg;
        else if (c == OPT_LINK)
            token = optarg;
        else
            password_file = optarg;
    }
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one ALBUM or ALBUM/SET");
    if (email && token)
        return cli_usage(cli, "give --as or --link, not both");
    if (password_file && !token)
        return cli_usage(cli, "--password-file goes with --link");

    st = cli_open_library(cli);
    if (st == CLI_OK)
        st = load_subject(&r, email, token, password_file, &loaded);
    if (st == CLI_OK && argc - optind == 1)
        st = list_target(&r, argv[optind], &album);
    if (st == CLI_OK)
        st = list_all(&r, argc - optind == 1 ? &album : NULL);
    if (loaded)
        subject_release(&r.who);
    return st;
}

const struct cli_cmd cmd_ls = {
    .name = "ls",
    .summary = "Show what a person (or a link) would see: albums, sets, photos, views.",
    .usage = "[--as EMAIL | --link TOKEN [--password-file FILE]] [ALBUM[/SET]] [--json]",
    .help =
        "Without --as or --link: the owner's view (everything). Each album shows the role\n"
        "the person holds, each set its visibility, each photo the files their mount\n"
        "offers (original for owner and team; proof, and web/highres where a grant\n"
        "allows downloads, for everyone else) and [private] for photos marked private.\n"
        "Grants are evaluated now, through the same policy as a mount: expired and\n"
        "revoked grants show nothing. An album or set hidden from the person is reported\n"
        "exactly like one that does not exist.\n"
        "\n"
        "options:\n"
        "  --as EMAIL            the view of this user (grants to them and their teams)\n"
        "  --link TOKEN          the view through this share link\n"
        "  --password-file FILE  the link's password (first line of FILE)\n",
    .run = run_ls,
};
