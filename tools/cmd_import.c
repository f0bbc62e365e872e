/* cmd_import.c — 'albumctl import ALBUM/SET PATH...': photos and documents
 * into a set.
 *
 * Folders are walked recursively (sorted; symbolic links to folders are not
 * followed, so a loop cannot trap the walk). Junk that file managers write
 * (names_is_junk) is skipped silently. Each file is read into memory
 * (refused above MEDIA_MAX_FILE_BYTES) and handed to change_photo_add, the
 * pipeline uploads through a mount use too: it must decode completely, is
 * encrypted into the vault, and only then recorded with its activity —
 * one short transaction per file, so that no catalog lock is held while
 * probing or encrypting and other writers (albumctl, the daemon) get their
 * turn. A failure is reported on stderr naming the file and the import
 * goes on; the exit status is 1 if any file failed.
 * Importing a name the set already has makes a new version of that photo.
 * Afterwards the views people will browse are rendered ahead of time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "changes/photos.h"
#include "tools/cli.h"

enum { OPT_NO_PREPARE = CLI_OPT_FIRST };

/* What happened to one file. */
struct import_result {
    char *path;
    char *error;   /* NULL when imported */
    int64_t photo_id;
    int64_t version_id;
    struct media_info info;
    uint64_t size;
    bool unchanged; /* the photo's current version already (no new one) */
};

struct import_run {
    struct cli *cli;
    struct cat_album album;
    struct cat_set set;
    GPtrArray *files;   /* paths to import, g_free'd */
    GPtrArray *results; /* struct import_result *, in order */
    size_t imported, unchanged, failed;
};

static void result_free(gpointer p)
{
    struct import_result *r = p;

    g_free(r->path);
    g_free(r->error);
    g_free(r);
}

/* Record and report a file that could not be imported. The reason (which
 * may come from libvips) is kept to one line. */
static void import_failed(struct import_run *r, const char *path, const char *why)
{
    struct import_result *res = g_new0(struct import_result, 1);

    res->path = g_strdup(path);
    res->error = g_strchomp(g_strdup(why));
    for (char *p = res->error; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    g_ptr_array_add(r->results, res);
    r->failed++;
    cli_progress_clear(r->cli);
    cli_fail(r->cli, "%s: %s", cli_printable(path), cli_printable(res->error));
}

static void collect(struct import_run *r, const char *path, bool top);

static void collect_dir(struct import_run *r, const char *path)
{
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);

    if (n < 0) {
        import_failed(r, path, g_strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !names_is_junk(name)) {
            char *child = g_build_filename(path, name, NULL);
            collect(r, child, false);
            g_free(child);
        }
        free(names[i]);
    }
    free(names);
}

/* Add the file at path, or the files under the folder at path. Paths given
 * on the command line follow symbolic links; entries found in folders
 * follow them only to regular files. */
static void collect(struct import_run *r, const char *path, bool top)
{
    struct stat st;
    char *base = g_path_get_basename(path);
    bool junk = names_is_junk(base);

    g_free(base);
    if (junk)
        return;
    if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
        import_failed(r, path, g_strerror(errno));
        return;
    }
    if (!top && S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0) {
            import_failed(r, path, g_strerror(errno));
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            import_failed(r, path, "symbolic link to a folder, not followed; import its "
                          "target directly");
            return;
        }
    }
    if (S_ISDIR(st.st_mode))
        collect_dir(r, path);
    else if (S_ISREG(st.st_mode))
        g_ptr_array_add(r->files, g_strdup(path));
    else
        import_failed(r, path, "not a regular file or folder");
}

/* Read a whole regular file into a malloc'd buffer (caller frees with
 * free()). 0, or a negative errno with a reason in why. */
static int read_file(const char *path, void **out, size_t *len, char *why, size_t why_len)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    int err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* never hang on a fifo */

    *out = NULL;
    *len = 0;
    if (fd < 0) {
        err = -errno;
        snprintf(why, why_len, "%s", g_strerror(errno));
        return err;
    }
    if (fstat(fd, &st) != 0) {
        err = -errno;
        snprintf(why, why_len, "%s", g_strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = -EINVAL;
        snprintf(why, why_len, "not a regular file");
        goto out;
    }
    if ((err = change_photo_size_check((uint64_t)st.st_size, why, why_len)) < 0)
        goto out;
    buf = malloc((size_t)st.st_size);
    if (!buf) {
        err = -ENOMEM;
        snprintf(why, why_len, "%s", g_strerror(ENOMEM));
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            snprintf(why, why_len, "%s", g_strerror(errno));
            goto out;
        }
        if (n == 0) {
            err = -EAGAIN;
            snprintf(why, why_len, "the file shrank while it was read; import it again");
            goto out;
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return err;
}

/* Import one file; reports its failure itself. */
static void import_one(struct import_run *r, const char *path)
{
    struct cli *cli = r->cli;
    struct import_result *res;
    struct change_added added;
    char why[256];
    char *name = g_path_get_basename(path);
    void *buf = NULL;
    size_t len = 0;

    if (change_photo_name_check(name, why, sizeof why) < 0) {
        g_strlcat(why, "; rename the file", sizeof why);
        import_failed(r, path, why);
        goto out;
    }
    if (read_file(path, &buf, &len, why, sizeof why) != 0) {
        import_failed(r, path, why);
        goto out;
    }
    if (change_photo_add(cli->lib, cli_catalog(cli), &cli->owner, r->set.id, name, buf, len,
                         &added, why, sizeof why) < 0) {
        import_failed(r, path, why);
        goto out;
    }
    res = g_new0(struct import_result, 1);
    res->path = g_strdup(path);
    res->photo_id = added.photo_id;
    res->version_id = added.version_id;
    res->info = added.info;
    res->size = added.size;
    res->unchanged = added.unchanged;
    g_ptr_array_add(r->results, res);
    if (res->unchanged)
        r->unchanged++;
    else
        r->imported++;
out:
    free(buf);
    g_free(name);
}

static void report_json(struct import_run *r)
{
    struct json *j = &r->cli->out;

    json_object_begin(j);
    json_kv_string(j, "album", r->album.name);
    json_kv_string(j, "set", r->set.name);
    json_kv_int(j, "imported", (int64_t)r->imported);
    json_kv_int(j, "unchanged", (int64_t)r->unchanged);
    json_kv_int(j, "failed", (int64_t)r->failed);
    json_key(j, "files");
    json_array_begin(j);
    for (size_t i = 0; i < r->results->len; i++) {
        const struct import_result *res = g_ptr_array_index(r->results, i);
        char *name = g_path_get_basename(res->path);

        json_object_begin(j);
        json_kv_string(j, "path", res->path);
        json_kv_string(j, "name", name);
        json_kv_bool(j, "ok", res->error == NULL);
        if (res->error)
            json_kv_string(j, "error", res->error);
        else {
            json_kv_int(j, "photo_id", res->photo_id);
            json_kv_int(j, "version_id", res->version_id);
            json_kv_bool(j, "unchanged", res->unchanged);
            json_kv_string(j, "kind", res->info.kind == MEDIA_DOCUMENT ? "document" : "photo");
            json_kv_string(j, "mime", res->info.mime);
            json_kv_int(j, "width", res->info.width);
            json_kv_int(j, "height", res->info.height);
            json_kv_int(j, "size", (int64_t)res->size);
        }
        json_object_end(j);
        g_free(name);
    }
    json_array_end(j);
    json_object_end(j);
    json_finish(j);
}

static int run_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"no-prepare", no_argument, NULL, OPT_NO_PREPARE},
        CLI_COMMON_OPTIONS,
    };
    char parts[2][AF_NAME_MAX + 1];
    struct import_run r = {.cli = cli};
    bool prepare = true;
    int st, c;

    while ((c = cli_next_opt(cli, argc, argv, opts)) > 0)
        prepare = false; /* --no-prepare */
    if (c < 0)
        return CLI_USAGE;
    if (argc - optind < 2)
        return cli_usage(cli, "expected ALBUM/SET and at least one file or folder");
    st = cli_split(cli, argv[optind], 2, "ALBUM/SET", parts);
    if (st == CLI_OK)
        st = cli_find_album_set(cli, parts[0], parts[1], &r.album, &r.set);
    if (st == CLI_OK)
        st = cli_media_init(cli);
    if (st != CLI_OK)
        return st;

    r.files = g_ptr_array_new_with_free_func(g_free);
    r.results = g_ptr_array_new_with_free_func(result_free);
    for (int i = optind + 1; i < argc; i++)
        collect(&r, argv[i], true);
    for (size_t i = 0; i < r.files->len; i++) {
        const char *path = g_ptr_array_index(r.files, i);
        const char *slash = strrchr(path, '/');
        cli_progress(cli, i, r.files->len, slash ? slash + 1 : path);
        import_one(&r, path);
    }
    cli_progress_clear(cli);
    if (prepare && r.imported)
        cli_prepare_views(cli, &r.album, NULL);

    if (cli->json)
        report_json(&r);
    else if (r.unchanged)
        printf("imported %zu, unchanged %zu, failed %zu\n", r.imported, r.unchanged, r.failed);
    else
        printf("imported %zu, failed %zu\n", r.imported, r.failed);
    st = r.failed ? CLI_FAIL : CLI_OK;
    g_ptr_array_free(r.results, TRUE);
    g_ptr_array_free(r.files, TRUE);
    return st;
}

const struct cli_cmd cmd_import = {
    .name = "import",
    .summary = "Import photos and documents (files and folders) into a set.",
    .usage = "ALBUM/SET PATH... [--no-prepare] [--json]",
    .help =
        "Folders are imported recursively (symbolic links to folders are not followed).\n"
        "A file becomes a photo only if it decodes completely as an image (JPEG, PNG,\n"
        "TIFF, WebP, ...) within the size limits, or is a PDF document; anything else\n"
        "is reported on stderr, naming the file, and skipped. Junk that file managers\n"
        "write (.DS_Store, ._*, Thumbs.db, desktop.ini, .directory) is skipped silently.\n"
        "The photo's name is the file's name; importing a name the set already has adds\n"
        "a new version of that photo (the older ones stay recoverable), unless the bytes\n"
        "are those of its current version (an import run again): that file is counted\n"
        "'unchanged'.\n"
        "Then the views that people with grants on the album will browse are rendered\n"
        "ahead of time (see 'albumctl prepare'), unless --no-prepare is given.\n"
        "A progress bar is drawn on stderr when it is a terminal. The last line says\n"
        "'imported N, failed M' ('imported N, unchanged U, failed M' when some were);\n"
        "the exit status is 1 if any file failed.\n"
        "\n"
        "options:\n"
        "  --no-prepare  do not render views now (e.g. several imports in a row; run\n"
        "                'albumctl prepare ALBUM' after the last)\n",
    .run = run_import,
};
