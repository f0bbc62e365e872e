/* cmd_cache.c — albumctl cache: the rendered-view cache's use and bound.
 *
 * Rendered views (proofs, web-size, high-res) are kept encrypted in the
 * library's cache/ up to a bound (setting cache.max_bytes, default 2 GiB);
 * mounts trim it once a minute, least recently used first, and `cache trim`
 * does it now, after dropping every view that does not authenticate. A
 * trimmed view keeps its recorded size and is made again, identical, when
 * next read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "media/renditions.h"
#include "tools/cli.h"

#define DEFAULT_CACHE_BYTES (2ull << 30)
#define MIN_CACHE_BYTES (16ull << 20)

enum {
    OPT_MAX_SIZE = CLI_OPT_FIRST,
};

uint64_t cli_cache_bound(struct cli *cli)
{
    char buf[32];

    if (catalog_setting_get(cli_catalog(cli), "cache.max_bytes", buf, sizeof buf) == 0)
        return strtoull(buf, NULL, 10);
    return DEFAULT_CACHE_BYTES;
}

static int print_cache(struct cli *cli)
{
    uint64_t used = 0, max = cli_cache_bound(cli);
    int err = catalog_rendition_cached_bytes(cli_catalog(cli), &used);

    if (err)
        return cli_fail_errno(cli, err, "reading the cache's use");
    if (cli->json) {
        json_object_begin(&cli->out);
        json_kv_int(&cli->out, "used_bytes", (int64_t)used);
        json_kv_int(&cli->out, "max_bytes", (int64_t)max);
        json_object_end(&cli->out);
        json_finish(&cli->out);
    } else {
        printf("rendered views: %.1f MiB of at most %.1f MiB\n", used / 1048576.0, max / 1048576.0);
    }
    return CLI_OK;
}

/* "2G", "500M", "64k" or plain bytes. */
static int parse_size(struct cli *cli, const char *val, uint64_t *out)
{
    char *end;
    unsigned long long n;
    uint64_t mult = 1;

    errno = 0;
    n = strtoull(val, &end, 10);
    if (end != val && *end && !end[1]) {
        switch (*end | 0x20) {
        case 'k': mult = 1ull << 10; end++; break;
        case 'm': mult = 1ull << 20; end++; break;
        case 'g': mult = 1ull << 30; end++; break;
        case 't': mult = 1ull << 40; end++; break;
        default: break;
        }
    }
    if (end == val || *end || errno || val[0] == '-' || n > UINT64_MAX / mult)
        return cli_usage(cli, "--max-size must be a size like 2G, 500M or 1048576, not '%s'",
                         cli_printable(val));
    *out = (uint64_t)n * mult;
    if (*out < MIN_CACHE_BYTES)
        return cli_usage(cli, "--max-size must be at least 16M (views would be made again and "
                              "again)");
    return CLI_OK;
}

static int run_show(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        CLI_COMMON_OPTIONS,
    };
    uint64_t max = 0;
    char buf[32];
    int c, st;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        if ((st = parse_size(cli, optarg, &max)) != CLI_OK)
            return st;
    if (c < 0)
        return CLI_USAGE;
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", cli_printable(argv[optind]));
    st = cli_open_library(cli);
    if (st != CLI_OK || !max)
        return st == CLI_OK ? print_cache(cli) : st;
    snprintf(buf, sizeof buf, "%" PRIu64, max);
    st = cli_begin(cli);
    if (st != CLI_OK)
        return st;
    if (catalog_setting_set(cli_catalog(cli), "cache.max_bytes", buf) < 0 ||
        cli_activity(cli, "cache-bound-changed", 0, 0, 0, buf) < 0) {
        catalog_rollback(cli_catalog(cli));
        return cli_fail(cli, "cannot save the bound: %s", catalog_errmsg(cli_catalog(cli)));
    }
    st = cli_commit(cli);
    return st == CLI_OK ? print_cache(cli) : st;
}

static void say_dropped(const char *id, void *arg)
{
    struct cli *cli = arg;

    if (!cli->json)
        printf("dropped damaged view %.16s… (it is made again when read)\n", id);
}

static int run_trim(struct cli *cli, int argc, char **argv)
{
    int st = cli_args(cli, argc, argv, 0, "no arguments");
    size_t damaged = 0;
    int err;

    if (st != CLI_OK || (st = cli_open_library(cli)) != CLI_OK)
        return st;
    err = renditions_find_damaged(cli->lib, cli_catalog(cli), true, say_dropped, cli, &damaged);
    if (err)
        return cli_fail_errno(cli, err, "checking the cache");
    err = renditions_trim(cli->lib, cli_catalog(cli), cli_cache_bound(cli));
    if (err)
        return cli_fail_errno(cli, err, "trimming the cache");
    return print_cache(cli);
}

static const struct cli_cmd subs[] = {
    {.name = "show",
     .summary = "Show the cache's use and bound; --max-size sets the bound.",
     .usage = "[--max-size SIZE] [--json]",
     .help = "  --max-size SIZE   the most rendered views may take (2G, 500M, ...; at least\n"
             "                    16M; default 2G). Mounts trim to it once a minute.",
     .run = run_show},
    {.name = "trim",
     .summary = "Drop damaged views, then trim the cache to its bound now (least "
                "recently used first).",
     .usage = "[--json]",
     .run = run_trim},
    {0},
};

const struct cli_cmd cmd_cache = {
    .name = "cache",
    .summary = "Show, bound or trim the cache of rendered views.",
    .usage = "[show] [--max-size SIZE] | trim",
    .help = "Rendered views are kept encrypted in the library's cache/ up to a bound; a\n"
            "trimmed view is made again, identical, when next read.",
    .subs = subs,
    .implicit = "show",
};
