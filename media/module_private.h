/* module_private.h — the table through which albumctl calls the image
 * module; shared by module.c (which defines it, in the module) and
 * media_lazy.c (which looks it up, in albumctl) only.
 *
 * The image module, albumfs-media.so, is probe.c, render.c and
 * contact_sheet.c built as a shared object with hidden symbols, plus
 * module.c. Its one exported symbol, MEDIA_MODULE_SYMBOL, is this table of
 * the public media functions albumctl calls: one dlsym instead of one per function, each
 * entry's type taken from the function's own prototype (so the compiler
 * checks both sides), and `size` lets the loader refuse a module built
 * with another table. Constant; no state, no locks.
 */
#ifndef ALBUMFS_MODULE_PRIVATE_H
#define ALBUMFS_MODULE_PRIVATE_H

#include <stddef.h>

#include "media/contact_sheet.h"
#include "media/probe.h"
#include "media/render.h"

#define MEDIA_MODULE_FILE "albumfs-media.so"
#define MEDIA_MODULE_SYMBOL "albumfs_media_module"

/* X(function) for each public media function albumctl calls (all but
 * media_probe_header), in table order. */
#define MEDIA_MODULE_FUNCTIONS(X)                                                  \
    X(media_init) X(media_shutdown) X(media_probe_buffer) X(media_render)         \
    X(media_jpeg_size) X(media_version) X(media_sheet_layout) X(media_sheet_new)  \
    X(media_sheet_add) X(media_sheet_jpeg) X(media_sheet_free)

#define MEDIA_MODULE_ENTRY(f) __typeof__(f) *f;
struct media_module {
    size_t size; /* sizeof(struct media_module) in the build that made it */
    MEDIA_MODULE_FUNCTIONS(MEDIA_MODULE_ENTRY)
};
#undef MEDIA_MODULE_ENTRY

#endif
