/* cmd_prepare.c — 'albumctl prepare [ALBUM]': render ahead of time the
 * views people will browse (media/prepare.h), for one album or all. Import
 * and grant do this themselves; this is for after '--no-prepare' runs, a
 * watermark change, or a trimmed cache. */
#include <stdlib.h>

#include "tools/cli.h"

static int run_prepare(struct cli *cli, int argc, char **argv)
{
    struct cat_album one, *albums = NULL;
    struct prepare_result *res;
    size_t n = 0;
    int st, err = 0;

    st = cli_optional_album(cli, argc, argv, &one);
    if (st == CLI_OK && one.id) {
        albums = &one;
        n = 1;
    } else if (st == CLI_OK) {
        err = catalog_albums(cli_catalog(cli), &albums, &n);
        if (err)
            st = cli_fail_errno(cli, err, "listing albums");
    }
    if (st != CLI_OK)
        return st;

    res = g_new0(struct prepare_result, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        if (cli_prepare_views(cli, &albums[i], &res[i]) != 0 || res[i].failed)
            st = CLI_FAIL;
    if (cli->json) {
        json_object_begin(&cli->out);
        json_key(&cli->out, "albums");
        json_array_begin(&cli->out);
        for (size_t i = 0; i < n; i++) {
            json_object_begin(&cli->out);
            json_kv_string(&cli->out, "name", albums[i].name);
            json_kv_int(&cli->out, "made", (int64_t)res[i].made);
            json_kv_int(&cli->out, "ready", (int64_t)res[i].ready);
            json_kv_int(&cli->out, "failed", (int64_t)res[i].failed);
            json_object_end(&cli->out);
        }
        json_array_end(&cli->out);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else
        for (size_t i = 0; i < n; i++)
            printf("%s: made %zu, already ready %zu, failed %zu\n", albums[i].name,
                   res[i].made, res[i].ready, res[i].failed);
    g_free(res);
    if (albums != &one)
        free(albums);
    return st;
}

const struct cli_cmd cmd_prepare = {
    .name = "prepare",
    .summary = "Render ahead of time the views people will browse (one album or all).",
    .usage = "[ALBUM] [--json]",
    .help =
        "A mount never renders while listing a folder, so proofs and downloads are\n"
        "made ahead of time: for every person and link with a live grant on the album,\n"
        "the views their grants give, plus the studio's standard proof. 'import',\n"
        "'grant' and 'link create' do this themselves unless given --no-prepare.\n"
        "Views that already exist are not made again. A view that cannot be made is\n"
        "reported on stderr and the exit status is 1; albumfs renders it when asked.\n",
    .run = run_prepare,
};
