/* media_lazy.c — albumctl's media layer: the public functions of probe.h,
 * render.h and contact_sheet.h, each forwarding to the image module
 * (albumfs-media.so), which is loaded on the first call.
 *
 * Why: libvips brings some hundred shared libraries, and mapping and
 * relocating them costs every process start far more than the rest of
 * albumctl; most commands (ls, user, trash, ...) never touch an image.
 * The daemon, the tests and the tools link the same functions directly
 * (the albummedia library); only albumctl links this file instead.
 *
 * Where: in one place only, fixed relative to the running executable
 * (/proc/self/exe, symbolic links resolved): DIR/MEDIA_MODULE_FROM_BIN/
 * albumfs-media.so, DIR the executable's directory and MEDIA_MODULE_FROM_BIN
 * the path from the install's bin directory to its lib/albumfs, such as
 * ../lib/albumfs (tools/CMakeLists.txt computes it, and puts the module
 * there in the build tree too). So the module is exactly as trusted as the
 * executable that loads it, built, installed under any prefix, staged
 * under DESTDIR or packaged; no path comes from the environment or the
 * current directory. It is opened RTLD_NOW | RTLD_LOCAL and never closed.
 *
 * Failure: when the module cannot be loaded, each function fails as its
 * header allows for a libvips failure: -EIO, outputs cleared, why set to
 * "cannot load the image module: <dlerror>" (media_jpeg_size gives 0 x 0,
 * media_version a placeholder); none crashes.
 *
 * Only the functions albumctl calls are here (media_probe_header is not):
 * a new call from albumctl's code fails to link until it is added here and
 * to MEDIA_MODULE_FUNCTIONS.
 *
 * Threading: the module is loaded once under pthread_once and the table
 * is constant after that. media_shutdown and the functions given a sheet
 * read it without pthread_once: they come after the call that loaded it
 * (the sheet was made through it). Each function keeps its own header's
 * contract.
 */
#include "media/module_private.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
/* Written by load() only, under load_once: the module's table, or NULL
 * and why not. */
static const struct media_module *module;
static char load_error[PATH_MAX + 256];

static void load(void)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path);
    char *slash = n > 0 && (size_t)n < sizeof path ? memrchr(path, '/', (size_t)n) : NULL;
    const struct media_module *m;
    void *handle;
    int len;

    if (!slash) {
        snprintf(load_error, sizeof load_error,
                 "cannot load the image module: cannot read /proc/self/exe");
        return;
    }
    len = snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "%s/%s",
                   MEDIA_MODULE_FROM_BIN, MEDIA_MODULE_FILE);
    if (len < 0 || (size_t)len >= sizeof path - (size_t)(slash + 1 - path)) {
        snprintf(load_error, sizeof load_error,
                 "cannot load the image module: its path is too long");
        return;
    }
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "cannot load the image module: %s", dlerror());
        return;
    }
    m = dlsym(handle, MEDIA_MODULE_SYMBOL);
    if (!m || m->size != sizeof *m) {
        snprintf(load_error, sizeof load_error,
                 "cannot load the image module: %s is not the one this albumctl was built with",
                 path);
        return;
    }
    module = m;
}

/* The module's table, or NULL with the reason in why[why_len] (may be
 * NULL/0). */
static const struct media_module *loaded(char *why, size_t why_len)
{
    pthread_once(&load_once, load);
    if (!module && why && why_len)
        snprintf(why, why_len, "%s", load_error);
    return module;
}

int media_init(const char *argv0, char *why, size_t why_len)
{
    const struct media_module *m = loaded(why, why_len);

    return m ? m->media_init(argv0, why, why_len) : -EIO;
}

/* Nothing to shut down (and nothing loaded) unless media_init loaded the
 * module; every other use of it is over by now. */
void media_shutdown(void)
{
    if (module)
        module->media_shutdown();
}

int media_probe_buffer(const void *buf, size_t len, struct media_info *info, char *why,
                       size_t why_len)
{
    const struct media_module *m = loaded(why, why_len);

    if (!m) {
        memset(info, 0, sizeof *info);
        return -EIO;
    }
    return m->media_probe_buffer(buf, len, info, why, why_len);
}

int media_render(const void *orig, size_t len, const struct media_render_spec *spec,
                 void **jpeg_out, size_t *jpeg_len, char *why, size_t why_len)
{
    const struct media_module *m = loaded(why, why_len);

    if (!m) {
        *jpeg_out = NULL;
        *jpeg_len = 0;
        return -EIO;
    }
    return m->media_render(orig, len, spec, jpeg_out, jpeg_len, why, why_len);
}

void media_jpeg_size(const void *jpeg, size_t len, uint32_t *width, uint32_t *height)
{
    const struct media_module *m = loaded(NULL, 0);

    *width = *height = 0;
    if (m)
        m->media_jpeg_size(jpeg, len, width, height);
}

/* Without the module nothing can be rendered, so no rendition id made with
 * this placeholder is ever recorded. */
const char *media_version(void)
{
    const struct media_module *m = loaded(NULL, 0);

    return m ? m->media_version() : "unavailable";
}

int media_sheet_layout(size_t n, unsigned columns, unsigned cell,
                       struct media_sheet_layout *out)
{
    const struct media_module *m = loaded(NULL, 0);

    return m ? m->media_sheet_layout(n, columns, cell, out) : -EIO;
}

int media_sheet_new(const char *title, unsigned columns, unsigned cell,
                    struct media_sheet **out)
{
    const struct media_module *m = loaded(NULL, 0);

    *out = NULL;
    return m ? m->media_sheet_new(title, columns, cell, out) : -EIO;
}

/* A sheet exists only if the module made it, so the three functions
 * given one find the module loaded; media_sheet_free(NULL) loads nothing. */
int media_sheet_add(struct media_sheet *s, const void *orig, size_t len, const char *caption,
                    char *why, size_t why_len)
{
    return module->media_sheet_add(s, orig, len, caption, why, why_len);
}

int media_sheet_jpeg(struct media_sheet *s, void **jpeg, size_t *len, char *why,
                     size_t why_len)
{
    return module->media_sheet_jpeg(s, jpeg, len, why, why_len);
}

void media_sheet_free(struct media_sheet *s)
{
    if (s)
        module->media_sheet_free(s);
}
