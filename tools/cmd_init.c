/* cmd_init.c — 'albumctl init': create a new, empty library. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tools/cli.h"

static int run_init(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS};
    char dir[PATH_MAX];
    int c, err;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        ;
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s' (the library is chosen with "
                         "--library DIR)", cli_printable(argv[optind]));

    err = library_locate(cli->library_dir, dir);
    if (err)
        return cli_fail_errno(cli, err, "cannot find a place for the library; give --library DIR");
    if (cli->passphrase_file && access(cli->passphrase_file, R_OK) != 0)
        return cli_fail(cli, "cannot read passphrase file '%s': %s; check --passphrase-file",
                        cli_printable(cli->passphrase_file), strerror(errno));

    err = library_init(dir, cli->passphrase_file, &cli->lib);
    if (err == -EINVAL && cli->passphrase_file)
        return cli_fail(cli, "the passphrase must be at least %d characters; choose a longer one",
                        LIBRARY_PASSPHRASE_MIN);
    if (err == -EEXIST || err == -ENOTEMPTY)
        return cli_fail(cli, "%s already exists and is not empty; choose a new directory "
                        "with --library DIR", cli_printable(dir));
    if (err) {
        cli->lib = NULL;
        return cli_fail_errno(cli, err, "cannot create a library at %s", cli_printable(dir));
    }

    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_string(&cli->out, "library", dir);
        json_kv_bool(&cli->out, "passphrase", cli->passphrase_file != NULL);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("created library %s\n", dir);
        if (cli->passphrase_file)
            puts("its key is protected by the passphrase: keep the passphrase safe, a lost "
                 "passphrase cannot be recovered");
    }
    return CLI_OK;
}

const struct cli_cmd cmd_init = {
    .name = "init",
    .summary = "Create a new, empty library (catalog, key, vault).",
    .usage = "[--passphrase-file FILE]",
    .help =
        "Creates the library directory (mode 0700) with its catalog (0600), a random\n"
        "key file (0600) and an empty vault. The directory is --library DIR, else\n"
        "$ALBUMFS_LIBRARY, else $XDG_DATA_HOME/albumfs, else ~/.local/share/albumfs;\n"
        "it must not exist or must be empty.\n"
        "\n"
        "options:\n"
        "  --passphrase-file FILE  derive the key from the passphrase in FILE (first\n"
        "                          line) instead of storing it; every later command then\n"
        "                          needs the same --passphrase-file (or\n"
        "                          $ALBUMFS_PASSPHRASE_FILE)\n",
    .run = run_init,
};
