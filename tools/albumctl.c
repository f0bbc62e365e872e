/* albumctl.c — the admin CLI's entry point: global options, the table of
 * commands, dispatch to the cmd_*.c that implements each one, and the final
 * check that everything written to stdout really got there.
 * Conventions shared by the commands are in cli.h; the reference is
 * docs/cli.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tools/cli.h"

static const struct cli_cmd *const commands[] = {
    &cmd_init, &cmd_status, &cmd_user, &cmd_team, &cmd_album, &cmd_set, &cmd_import,
    &cmd_photo, &cmd_grant, &cmd_link, &cmd_revoke, &cmd_ls, &cmd_prepare,
    &cmd_notify, &cmd_activity, &cmd_favourites, &cmd_contact_sheet, &cmd_pool, &cmd_private,
    &cmd_trash, &cmd_verify, &cmd_watermark, &cmd_cache, &cmd_backup, &cmd_restore,
};

static const char top_options[] =
    "global options (before or after the command):\n"
    "  --library DIR           the library; default $ALBUMFS_LIBRARY, else\n"
    "                          $XDG_DATA_HOME/albumfs, else ~/.local/share/albumfs\n"
    "  --passphrase-file FILE  passphrase of a protected library key; default\n"
    "                          $ALBUMFS_PASSPHRASE_FILE\n"
    "  --json                  print data as JSON (commands that print data)\n"
    "  -h, --help              help for albumctl or for a command\n"
    "  --version               print the version\n"
    "\n"
    "exit status: 0 success, 1 the operation failed, 2 bad option or argument\n"
    "\n"
    "See 'albumctl <command> --help' or 'albumctl help <command>' for a command;\n"
    "'albumctl help --man' writes the manual page, 'albumctl help --completion bash'\n"
    "the bash completion.\n";

/* The top-level help's sections, by command name; a command in none is
 * listed under "other" (tests/cli/test_help.sh finds none there). */
static const struct {
    const char *title;
    const char *names[9];
} sections[] = {
    {"the library", {"init", "status", "verify", "watermark", "cache", "notify", NULL}},
    {"people", {"user", "team", NULL}},
    {"albums and photos", {"album", "set", "import", "photo", "trash", "prepare", NULL}},
    {"sharing", {"grant", "link", "revoke", "pool", "ls", NULL}},
    {"what people did", {"activity", "favourites", "private", "contact-sheet", NULL}},
    {"backups", {"backup", "restore", NULL}},
};

static bool in_a_section(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(sections); i++)
        for (const char *const *n = sections[i].names; *n; n++)
            if (strcmp(*n, name) == 0)
                return true;
    return false;
}

static void command_lines(FILE *f, const struct cli_cmd *c)
{
    if (c->run)
        fprintf(f, "  %s %s\n", c->name, c->usage);
    else
        for (const struct cli_cmd *s = c->subs; s->name; s++)
            fprintf(f, "  %s %s %s\n", c->name, cli_sub_label(c, s), s->usage);
}

static void top_help(FILE *f)
{
    const size_t n = sizeof(commands) / sizeof(commands[0]);
    bool other = false;

    fputs("usage: albumctl [--library DIR] [--passphrase-file FILE] [--json] <command> "
          "[<args>]\n\nManage an albumfs photo library: people, albums, imports and "
          "share grants.\n",
          f);
    for (size_t i = 0; i < G_N_ELEMENTS(sections); i++) {
        fprintf(f, "\n%s:\n", sections[i].title);
        for (const char *const *name = sections[i].names; *name; name++)
            for (size_t k = 0; k < n; k++)
                if (strcmp(commands[k]->name, *name) == 0)
                    command_lines(f, commands[k]);
    }
    for (size_t k = 0; k < n; k++)
        if (!in_a_section(commands[k]->name)) {
            if (!other)
                fputs("\nother:\n", f);
            other = true;
            command_lines(f, commands[k]);
        }
    fputc('\n', f);
    fputs(top_options, f);
}

static const struct cli_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static const struct cli_cmd *find_sub(const struct cli_cmd *group, const char *name)
{
    for (const struct cli_cmd *s = group->subs; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* albumctl help [COMMAND [SUBCOMMAND] | --man | --completion bash] */
static int help_command(struct cli *cli, int argc, char **argv)
{
    const size_t n = sizeof(commands) / sizeof(commands[0]);
    const struct cli_cmd *c, *s;

    if (argc < 2) {
        top_help(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--man") == 0 && argc == 2) {
        cli_write_man(stdout, commands, n, top_options);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--completion") == 0) {
        if (argc != 3 || strcmp(argv[2], "bash") != 0)
            return cli_usage(cli, "--completion knows one shell: bash");
        cli_write_bash_completion(stdout, commands, n);
        return CLI_OK;
    }
    c = find_command(argv[1]);
    if (!c)
        return cli_usage(cli, "unknown command '%s'", cli_printable(argv[1]));
    if (argc < 3 || c->run) {
        cli_help(c, c->name, stdout);
        return CLI_OK;
    }
    s = find_sub(c, argv[2]);
    if (!s)
        return cli_usage(cli, "'%s' has no subcommand '%s'", c->name, cli_printable(argv[2]));
    snprintf(cli->name, sizeof(cli->name), "%s %s", c->name, s->name);
    cli_help(s, cli->name, stdout);
    return CLI_OK;
}

/* Find the command (and subcommand) named at argv[0..] and run it. */
static int dispatch(struct cli *cli, int argc, char **argv)
{
    const struct cli_cmd *c = find_command(argv[0]);

    if (strcmp(argv[0], "help") == 0)
        return help_command(cli, argc, argv);
    if (!c)
        return cli_usage(cli, "unknown command '%s'", cli_printable(argv[0]));
    snprintf(cli->name, sizeof(cli->name), "%s", c->name);
    if (!c->run) {
        const struct cli_cmd *s = argc > 1 ? find_sub(c, argv[1]) : NULL;

        if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            cli_help(c, c->name, stdout);
            return CLI_OK;
        }
        if (s) {
            snprintf(cli->name, sizeof(cli->name), "%s %s", c->name, s->name);
            argc--;
            argv++;
        } else if (c->implicit) {
            s = find_sub(c, c->implicit); /* `albumctl cache`, `albumctl grant ALBUM ...` */
        } else if (argc > 1) {
            return cli_usage(cli, "unknown subcommand '%s'", cli_printable(argv[1]));
        } else {
            return cli_usage(cli, "a subcommand is needed");
        }
        c = s;
    }
    cli->cmd = c;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_help(c, cli->name, stdout);
            return CLI_OK;
        }
    optind = 0; /* restart getopt for the command's own options */
    return c->run(cli, argc, argv);
}

/* Every byte printed must have reached stdout: a full disk or a closed pipe
 * is a failure, not a silent truncation. */
static int check_stdout(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "albumctl: writing output: %s; check where the output goes\n",
                strerror(errno ? errno : EIO));
        return status == CLI_OK ? CLI_FAIL : status;
    }
    return status;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        CLI_COMMON_OPTIONS,
    };
    struct cli cli;
    int status = CLI_OK;
    int c;

    cli_init(&cli);
    cli.now = time(NULL);
    cli.library_dir = env_nonempty("ALBUMFS_LIBRARY");
    cli.passphrase_file = env_nonempty("ALBUMFS_PASSPHRASE_FILE");
    if (sodium_init() < 0) {
        fputs("albumctl: cannot initialise libsodium; check the installation\n", stderr);
        return CLI_FAIL;
    }

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        switch (c) {
        case CLI_OPT_JSON:
            cli.json = true;
            break;
        case CLI_OPT_LIBRARY:
            cli.library_dir = optarg;
            break;
        case CLI_OPT_PASSPHRASE:
            cli.passphrase_file = optarg;
            break;
        case 'h':
            top_help(stdout);
            return check_stdout(CLI_OK);
        case 'V':
            printf("albumctl (albumfs) %s\n", ALBUMFS_VERSION);
            return check_stdout(CLI_OK);
        case ':':
            return cli_usage(&cli, "option '%s' needs a value", cli_printable(argv[optind - 1]));
        default:
            if (optopt)
                return cli_usage(&cli, "unknown option '-%c'", optopt);
            return cli_usage(&cli, "unknown option '%s'", cli_printable(argv[optind - 1]));
        }
    }
    if (optind >= argc) {
        top_help(stderr);
        return CLI_USAGE;
    }
    status = dispatch(&cli, argc - optind, argv + optind);
    cli_release(&cli);
    return check_stdout(status);
}
