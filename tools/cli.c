/* cli.c — option parsing, messages, look-ups and tables shared by
 * albumctl's commands (see cli.h for the conventions). */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/probe.h"
#include "store/timefmt.h"

void cli_init(struct cli *cli)
{
    memset(cli, 0, sizeof(*cli));
    cli->progress = isatty(STDERR_FILENO) == 1;
    json_init(&cli->out, stdout);
    change_actor_owner(&cli->owner, &cli->owner_subject);
}

void cli_release(struct cli *cli)
{
    if (cli->lib)
        library_close(cli->lib);
    cli->lib = NULL;
    if (cli->media_ready)
        media_shutdown();
    cli->media_ready = false;
}

/* ---- messages ---- */

static void cli_vmessage(struct cli *cli, const char *fmt, va_list ap)
{
    fputs("albumctl: ", stderr);
    if (cli->name[0])
        fprintf(stderr, "%s: ", cli->name);
    vfprintf(stderr, fmt, ap);
}

void cli_warn(struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(cli, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(cli, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_usage(struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(cli, fmt, ap);
    va_end(ap);
    if (cli->name[0])
        fprintf(stderr, "; see 'albumctl %s --help'\n", cli->name);
    else
        fputs("; see 'albumctl --help'\n", stderr);
    return CLI_USAGE;
}

static const char *cli_errno_hint(int err)
{
    switch (err) {
    case -EBUSY:
        return "another albumctl or the daemon kept the library busy; try again";
    case -ENOSPC:
        return "the disk is full; free some space and try again";
    case -EDQUOT:
        return "the disk quota is exhausted; free some space and try again";
    case -EACCES:
    case -EPERM:
        return "check the permissions of the library directory";
    case -EIO:
        return "run 'albumctl verify' and check the disk";
    default:
        return NULL;
    }
}

int cli_fail_errno(struct cli *cli, int err, const char *fmt, ...)
{
    va_list ap;
    const char *hint = cli_errno_hint(err);

    va_start(ap, fmt);
    cli_vmessage(cli, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s", strerror(-err));
    if (err == -EIO && cli->lib) {
        const char *msg = catalog_errmsg(cli->lib->catalog);
        if (msg && msg[0])
            fprintf(stderr, " (%s)", cli_printable(msg));
    }
    if (hint)
        fprintf(stderr, "; %s", hint);
    fputc('\n', stderr);
    return CLI_FAIL;
}

const char *cli_why(const char *why, int err)
{
    static char buf[512];

    if (strncmp(why, "cannot ", 7) != 0 || err >= 0)
        return why;
    snprintf(buf, sizeof buf, "%s: %s", why, strerror(-err));
    return buf;
}

const char *cli_printable(const char *s)
{
    static char ring[4][256];
    static unsigned next;
    char *buf = ring[next++ % 4];
    size_t o = 0;
    const size_t room = sizeof(ring[0]) - 8; /* space for one escape, "..." and NUL */

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (o >= room) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (*p < 0x20 || *p == 0x7f || *p >= 0x80) {
            /* Valid UTF-8 is copied whole, except the C1 controls U+0080..U+009F
             * (some terminals obey them). */
            gunichar u = *p >= 0x80 ? g_utf8_get_char_validated((const char *)p, -1) : 0;
            if (u >= 0xa0 && u < 0x110000) {
                int n = g_utf8_skip[*p];
                if (o + (size_t)n >= room) {
                    memcpy(buf + o, "...", 3);
                    o += 3;
                    break;
                }
                memcpy(buf + o, p, (size_t)n);
                o += (size_t)n;
                p += n - 1;
                continue;
            }
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", *p);
            continue;
        }
        buf[o++] = (char)*p;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- help ---- */

const char *cli_sub_label(const struct cli_cmd *group, const struct cli_cmd *sub)
{
    static char buf[40];

    if (!group->implicit || strcmp(group->implicit, sub->name) != 0)
        return sub->name;
    snprintf(buf, sizeof(buf), "[%s]", sub->name);
    return buf;
}

/* Examples, indented: all of them, or only the first. */
static void print_examples(FILE *f, const char *examples, bool first_only)
{
    for (const char *p = examples; p && *p;) {
        size_t n = strcspn(p, "\n");

        fprintf(f, "  %.*s\n", (int)n, p);
        p += n + (p[n] ? 1 : 0);
        if (first_only)
            break;
    }
}

void cli_help(const struct cli_cmd *cmd, const char *name, FILE *f)
{
    if (cmd->run)
        fprintf(f, "usage: albumctl %s %s\n", name, cmd->usage);
    else {
        fputs("usage:", f);
        for (const struct cli_cmd *s = cmd->subs; s->name; s++)
            fprintf(f, "%s albumctl %s %s %s\n", s == cmd->subs ? "" : "      ", name,
                    cli_sub_label(cmd, s), s->usage);
    }
    fprintf(f, "\n%s\n", cmd->summary);
    if (cmd->help)
        fprintf(f, "\n%s", cmd->help);
    if (!cmd->run) {
        fputs("\nsubcommands:\n", f);
        for (const struct cli_cmd *s = cmd->subs; s->name; s++)
            fprintf(f, "  %-12s %s\n", s->name, s->summary);
    }
    fputs("\nexamples:\n", f);
    if (cmd->run) {
        const char *examples = cli_examples(name);
        char full[64];

        if (!examples && strcmp(name, cmd->name) != 0) { /* `grant ALBUM ...`: grant add */
            snprintf(full, sizeof full, "%s %s", name, cmd->name);
            examples = cli_examples(full);
        }
        print_examples(f, examples, false);
    } else {
        for (const struct cli_cmd *s = cmd->subs; s->name; s++) {
            char full[64];

            snprintf(full, sizeof full, "%s %s", name, s->name);
            print_examples(f, cli_examples(full), true);
        }
        fprintf(f, "\nSee 'albumctl %s <subcommand> --help' for details.\n", name);
    }
    fputs("\ncommon options: --json, --library DIR, --passphrase-file FILE, --help\n", f);
}

/* ---- options ---- */

/* getopt's short options for a table: ':' (report a missing value), then
 * each entry whose code is a letter, with ':' when it takes a value. */
static void short_options(const struct option *opts, char *buf, size_t len)
{
    size_t o = 0;

    buf[o++] = ':';
    for (const struct option *p = opts; p->name && o + 3 <= len; p++)
        if (p->val > 0 && p->val < 0x80 && g_ascii_isalpha(p->val)) {
            buf[o++] = (char)p->val;
            if (p->has_arg == required_argument)
                buf[o++] = ':';
        }
    buf[o] = '\0';
}

int cli_next_opt(struct cli *cli, int argc, char **argv, const struct option *opts)
{
    char shorts[32];

    short_options(opts, shorts, sizeof(shorts));
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, shorts, opts, NULL);

        switch (c) {
        case -1:
            return 0;
        case CLI_OPT_JSON:
            cli->json = true;
            continue;
        case CLI_OPT_LIBRARY:
            cli->library_dir = optarg;
            continue;
        case CLI_OPT_PASSPHRASE:
            cli->passphrase_file = optarg;
            continue;
        case ':':
            cli_usage(cli, "option '%s' needs a value", cli_printable(argv[optind - 1]));
            return -1;
        case '?':
            if (optopt >= '0' && optopt <= '9') /* "-1" given for a number */
                cli_usage(cli, "unknown option '-%c': no value here may be negative", optopt);
            else if (optopt)
                cli_usage(cli, "unknown option '-%c'", optopt);
            else
                cli_usage(cli, "unknown option '%s'", cli_printable(argv[optind - 1]));
            return -1;
        default:
            return c;
        }
    }
}

int cli_args(struct cli *cli, int argc, char **argv, int nargs, const char *expected)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    int c;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind != nargs)
        return cli_usage(cli, "expected %s", expected);
    return CLI_OK;
}

/* ---- arguments ---- */

int cli_check_name(struct cli *cli, const char *kind, const char *name)
{
    const char *why = "invalid";

    if (names_check(name, &why) == 0)
        return CLI_OK;
    return cli_usage(cli, "invalid %s name '%s': %s", kind, cli_printable(name), why);
}

int cli_split(struct cli *cli, const char *arg, int want, const char *form,
              char parts[][AF_NAME_MAX + 1])
{
    const char *p = arg;

    for (int i = 0; i < want; i++) {
        const char *slash = i + 1 < want ? strchr(p, '/') : NULL;
        size_t len = slash ? (size_t)(slash - p) : strlen(p);

        if ((i + 1 < want && !slash) || (i + 1 == want && strchr(p, '/')) || len == 0)
            return cli_usage(cli, "'%s' is not of the form %s", cli_printable(arg), form);
        if (len > AF_NAME_MAX)
            return cli_usage(cli, "'%s': a name is longer than %d bytes", cli_printable(arg),
                             AF_NAME_MAX);
        memcpy(parts[i], p, len);
        parts[i][len] = '\0';
        p = slash ? slash + 1 : p + len;
    }
    return CLI_OK;
}

int cli_parse_onoff(struct cli *cli, const char *opt, const char *val, bool *out)
{
    if (strcmp(val, "on") == 0)
        *out = true;
    else if (strcmp(val, "off") == 0)
        *out = false;
    else
        return cli_usage(cli, "--%s takes 'on' or 'off', not '%s'", opt, cli_printable(val));
    return CLI_OK;
}

int cli_parse_u32(struct cli *cli, const char *opt, const char *val, uint32_t min,
                  uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(val, &end, 10);
    if (val[0] < '0' || val[0] > '9' || *end || errno || v < min || v > max)
        return cli_usage(cli, "--%s takes a whole number from %" PRIu32 " to %" PRIu32
                         ", not '%s'", opt, min, max, cli_printable(val));
    *out = (uint32_t)v;
    return CLI_OK;
}

int cli_parse_i64(struct cli *cli, const char *what, const char *val, int64_t min,
                  int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(val, &end, 10);
    if (val[0] < '0' || val[0] > '9' || *end || errno || v < min)
        return cli_usage(cli, "%s must be a whole number of at least %" PRId64 ", not '%s'",
                         what, min, cli_printable(val));
    *out = v;
    return CLI_OK;
}

/* ---- the library ---- */

int cli_open_library(struct cli *cli)
{
    char dir[PATH_MAX], why[LIBRARY_WHY_MAX] = "";
    int err;

    if (cli->lib)
        return CLI_OK; /* open already (a command that finds two things) */
    err = library_locate(cli->library_dir, dir);

    if (err)
        return cli_fail_errno(cli, err, "cannot find the library (set --library DIR or "
                              "ALBUMFS_LIBRARY)");
    if (cli->passphrase_file && access(cli->passphrase_file, R_OK) != 0)
        return cli_fail(cli, "cannot read passphrase file '%s': %s; check --passphrase-file "
                        "or ALBUMFS_PASSPHRASE_FILE", cli_printable(cli->passphrase_file),
                        strerror(errno));
    err = library_open(dir, cli->passphrase_file, &cli->lib, why, sizeof why);
    if (err == 0)
        return CLI_OK;
    cli->lib = NULL;
    switch (err) {
    case -ENOENT:
        return cli_fail(cli, "no library at %s; create one with 'albumctl init' or point "
                        "--library or ALBUMFS_LIBRARY at an existing one", cli_printable(dir));
    case -ENOKEY:
        return cli_fail(cli, "the key of %s is protected by a passphrase; give it with "
                        "--passphrase-file FILE or ALBUMFS_PASSPHRASE_FILE", cli_printable(dir));
    case -EKEYREJECTED:
        return cli_fail(cli, "wrong passphrase for %s; check the passphrase file",
                        cli_printable(dir));
    default:
        /* The library's reason says what to do (e.g. "... chmod 600 DIR/key"). */
        return cli_fail(cli, "cannot open library %s: %s", cli_printable(dir),
                        why[0] ? why : strerror(-err));
    }
}

int cli_no_album(struct cli *cli, const char *name)
{
    return cli_fail(cli, "no album '%s'; see 'albumctl ls'", cli_printable(name));
}

int cli_no_set(struct cli *cli, const char *album, const char *set)
{
    return cli_fail(cli, "no set '%s' in album '%s'; see 'albumctl ls'", cli_printable(set),
                    cli_printable(album));
}

int cli_find_album(struct cli *cli, const char *name, struct cat_album *out)
{
    int err = catalog_album_by_name(cli_catalog(cli), name, out);

    if (err == -ENOENT)
        return cli_no_album(cli, name);
    if (err)
        return cli_fail_errno(cli, err, "reading album '%s'", cli_printable(name));
    return CLI_OK;
}

int cli_find_set(struct cli *cli, const struct cat_album *album, const char *name,
                 struct cat_set *out)
{
    int err = catalog_set_by_name(cli_catalog(cli), album->id, name, out);

    if (err == -ENOENT)
        return cli_no_set(cli, album->name, name);
    if (err)
        return cli_fail_errno(cli, err, "reading set '%s'", cli_printable(name));
    return CLI_OK;
}

int cli_find_album_set(struct cli *cli, const char *album_name, const char *set_name,
                       struct cat_album *album, struct cat_set *set)
{
    int st = cli_open_library(cli);

    if (st == CLI_OK)
        st = cli_find_album(cli, album_name, album);
    if (st == CLI_OK)
        st = cli_find_set(cli, album, set_name, set);
    return st;
}

int cli_find_photo(struct cli *cli, const char *path, struct cat_album *album,
                   struct cat_set *set, struct cat_photo *photo)
{
    char parts[3][AF_NAME_MAX + 1];
    struct cat_album a;
    struct cat_set s;
    int st = cli_split(cli, path, 3, "ALBUM/SET/PHOTO", parts);
    int err;

    if (st == CLI_OK)
        st = cli_find_album_set(cli, parts[0], parts[1], &a, &s);
    if (st != CLI_OK)
        return st;
    err = catalog_photo_by_file_name(cli_catalog(cli), s.id, parts[2], CAT_NAME_OWN, photo);
    if (err == -ENOENT)
        return cli_fail(cli, "no photo '%s' in %s/%s; see 'albumctl ls \"%s/%s\"'",
                        cli_printable(parts[2]), a.name, s.name, a.name, s.name);
    if (err)
        return cli_fail_errno(cli, err, "reading photo '%s'", cli_printable(parts[2]));
    if (album)
        *album = a;
    if (set)
        *set = s;
    return CLI_OK;
}

/* A user by e-mail, removed ones too (any_state) or not. */
static int find_user(struct cli *cli, const char *email, bool any_state, struct cat_user *out)
{
    int err = catalog_user_by_email(cli_catalog(cli), email, out);

    if (err == 0 && out->removed && !any_state)
        err = -ENOENT;
    if (err == -ENOENT)
        return cli_fail(cli, "no user '%s'; add them with 'albumctl user add %s'",
                        cli_printable(email), cli_printable(email));
    if (err)
        return cli_fail_errno(cli, err, "reading user '%s'", cli_printable(email));
    return CLI_OK;
}

int cli_find_user(struct cli *cli, const char *email, struct cat_user *out)
{
    return find_user(cli, email, false, out);
}

int cli_find_team(struct cli *cli, const char *name, struct cat_team *out)
{
    int err = catalog_team_by_name(cli_catalog(cli), name, out);

    if (err == 0 && out->removed)
        err = -ENOENT;
    if (err == -ENOENT)
        return cli_fail(cli, "no team '%s'; create it with 'albumctl team add %s'",
                        cli_printable(name), cli_printable(name));
    if (err)
        return cli_fail_errno(cli, err, "reading team '%s'", cli_printable(name));
    return CLI_OK;
}

int cli_find_person(struct cli *cli, const char *arg, struct cli_person *out)
{
    struct cat_user user;
    struct cat_link link;
    int64_t id = 0;
    int st, err;

    memset(out, 0, sizeof(*out));
    if (strncmp(arg, "link:", 5) != 0) {
        st = find_user(cli, arg, true, &user); /* a removed person's record stays */
        if (st != CLI_OK)
            return st;
        out->who.user_id = user.id;
        snprintf(out->label, sizeof(out->label), "%s", user.email);
        snprintf(out->name, sizeof(out->name), "%s", user.name);
        return CLI_OK;
    }
    st = cli_parse_i64(cli, "the number after 'link:'", arg + 5, 1, &id);
    if (st != CLI_OK)
        return st;
    err = catalog_link_by_id(cli_catalog(cli), id, &link);
    if (err == -ENOENT)
        return cli_fail(cli, "no link %" PRId64 "; links are listed as link:ID by "
                        "'albumctl grant list'", id);
    if (err)
        return cli_fail_errno(cli, err, "reading link %" PRId64, id);
    out->who.link_id = link.id;
    out->link_album = link.album_id;
    snprintf(out->label, sizeof(out->label), "link:%" PRId64, link.id);
    return CLI_OK;
}

int cli_begin(struct cli *cli)
{
    int err = catalog_begin(cli_catalog(cli));

    return err ? cli_fail_errno(cli, err, "cannot start a transaction") : CLI_OK;
}

int cli_commit(struct cli *cli)
{
    int err = catalog_commit(cli_catalog(cli));

    if (err == 0)
        return CLI_OK;
    catalog_rollback(cli_catalog(cli));
    return cli_fail_errno(cli, err, "cannot save the change");
}

int cli_activity(struct cli *cli, const char *kind, int64_t grant_id, int64_t album_id,
                 int64_t photo_id, const char *detail)
{
    return catalog_activity_add(cli_catalog(cli), kind, "owner", grant_id, album_id,
                                photo_id, detail);
}

int cli_record_expiries(struct cli *cli)
{
    int err = catalog_grants_record_expired(cli_catalog(cli), cli->now, NULL);

    return err ? cli_fail_errno(cli, err, "recording the grants that expired") : CLI_OK;
}

int cli_save_settings(struct cli *cli, const struct cli_setting *settings, size_t n,
                      const char *kind, const char *what)
{
    GString *detail = g_string_new(NULL);
    int st = cli_begin(cli), err = 0;

    for (size_t i = 0; i < n && st == CLI_OK && !err; i++) {
        const char *dot = strchr(settings[i].key, '.');

        if (!settings[i].value)
            continue;
        err = catalog_setting_set(cli_catalog(cli), settings[i].key, settings[i].value);
        g_string_append_printf(detail, "%s%s", detail->len ? " " : "",
                               dot ? dot + 1 : settings[i].key);
    }
    if (st == CLI_OK && !err)
        err = cli_activity(cli, kind, 0, 0, 0, detail->str);
    g_string_free(detail, TRUE);
    if (st != CLI_OK)
        return st;
    if (err) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail_errno(cli, err, "saving %s", what);
    }
    return cli_commit(cli);
}

/* ---- images ---- */

int cli_media_init(struct cli *cli)
{
    char why[512] = "";

    if (cli->media_ready)
        return CLI_OK;
    if (media_init("albumctl", why, sizeof why) != 0)
        return cli_fail(cli, "%s; check the installation (scripts/install-deps.sh)", why);
    cli->media_ready = true;
    return CLI_OK;
}

static void prepare_progress_cb(size_t done, size_t total, void *arg)
{
    cli_progress(arg, done, total, "preparing views");
}

static void prepare_failure_cb(const char *photo, const char *why, void *arg)
{
    struct cli *cli = arg;

    cli_progress_clear(cli);
    cli_warn(cli, "cannot render a view of %s: %s", cli_printable(photo), why);
}

int cli_prepare_views(struct cli *cli, const struct cat_album *album,
                      struct prepare_result *out)
{
    struct prepare_result res = {0};
    int err;

    if (cli_media_init(cli) != CLI_OK)
        return -EIO;
    err = prepare_album(cli->lib, album->id, prepare_progress_cb, prepare_failure_cb, cli, &res);
    cli_progress_clear(cli);
    if (err)
        cli_fail_errno(cli, err, "views of '%s' not prepared (albumfs renders them when "
                       "they are first asked for)", album->name);
    if (out)
        *out = res;
    return err;
}

/* ---- progress ---- */

void cli_progress(const struct cli *cli, size_t done, size_t total, const char *label)
{
    enum { WIDTH = 30 };
    size_t fill = total ? done * WIDTH / total : WIDTH;

    GString *line;

    if (!cli->progress)
        return;
    line = g_string_new("[");
    for (size_t i = 0; i < WIDTH; i++)
        g_string_append_c(line, i < fill ? '#' : '.');
    g_string_append_printf(line, "] %zu/%zu %s", done, total, cli_printable(label));
    cli_draw_line(line->str);
    g_string_free(line, TRUE);
}

void cli_progress_clear(const struct cli *cli)
{
    if (cli->progress)
        fputs("\r\033[K", stderr);
}

/* ---- text tables ---- */

void cli_table_init(struct cli_table *t, size_t ncols)
{
    t->ncols = ncols;
    t->cells = g_ptr_array_new_with_free_func(g_free);
}

void cli_table_row(struct cli_table *t, ...)
{
    va_list ap;

    va_start(ap, t);
    for (size_t i = 0; i < t->ncols; i++)
        g_ptr_array_add(t->cells, g_strdup(va_arg(ap, const char *)));
    va_end(ap);
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
    size_t nrows = t->cells->len / t->ncols;
    size_t *width = g_new0(size_t, t->ncols);

    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = (size_t)g_utf8_strlen(g_ptr_array_index(t->cells, r * t->ncols + c), -1);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = g_ptr_array_index(t->cells, r * t->ncols + c);
            fputs(cell, f);
            if (c + 1 == t->ncols)
                break;
            for (size_t w = (size_t)g_utf8_strlen(cell, -1); w < width[c] + 2; w++)
                fputc(' ', f);
        }
        fputc('\n', f);
    }
    g_free(width);
}

void cli_table_release(struct cli_table *t)
{
    g_ptr_array_free(t->cells, TRUE);
    t->cells = NULL;
}

void cli_json_time(struct json *j, const char *key, af_time t)
{
    char buf[32];

    json_key(j, key);
    if (t == 0) {
        json_null(j);
        return;
    }
    timefmt_print(t, buf, sizeof(buf));
    json_string(j, buf);
}

int cli_check_text(struct cli *cli, const char *opt, const char *text)
{
    if (text[0] == '\0' || strlen(text) > AF_NAME_MAX || !g_utf8_validate(text, -1, NULL))
        return cli_usage(cli, "%s must be 1 to %d bytes of UTF-8 text", opt, AF_NAME_MAX);
    for (const char *p = text; *p; p = g_utf8_next_char(p))
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return cli_usage(cli, "%s must not contain control characters", opt);
    return CLI_OK;
}

int cli_find_grant(struct cli *cli, int argc, char **argv, struct cat_grant *out)
{
    int64_t id = 0;
    int st, err;

    if (argc - optind != 1)
        return cli_usage(cli, "expected one GRANT_ID");
    st = cli_parse_i64(cli, "GRANT_ID", argv[optind], 1, &id);
    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st != CLI_OK)
        return st;
    err = catalog_grant_by_id(cli_catalog(cli), id, out);
    if (err == -ENOENT)
        return cli_fail(cli, "no grant %" PRId64 "; see 'albumctl grant list'", id);
    if (err)
        return cli_fail_errno(cli, err, "reading grant %" PRId64, id);
    return CLI_OK;
}

int cli_optional_album(struct cli *cli, int argc, char **argv, struct cat_album *album)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    int c, st;

    memset(album, 0, sizeof(*album));
    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind > 1)
        return cli_usage(cli, "expected at most one ALBUM");
    st = cli_open_library(cli);
    if (st == CLI_OK && argc - optind == 1)
        st = cli_find_album(cli, argv[optind], album);
    return st;
}

int cli_one_album(struct cli *cli, int argc, char **argv, struct cat_album *album)
{
    int st = cli_args(cli, argc, argv, 1, "one ALBUM");

    if (st == CLI_OK)
        st = cli_open_library(cli);
    if (st == CLI_OK)
        st = cli_find_album(cli, argv[optind], album);
    return st;
}
