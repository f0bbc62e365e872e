/* module.c — the image module's one exported symbol: the table of the
 * public media functions that albumctl calls through (module_private.h,
 * media_lazy.c). Built into albumfs-media.so only. Constant; no state. */
#include "media/module_private.h"

#define MEDIA_MODULE_INIT(f) .f = f,
__attribute__((visibility("default"))) extern const struct media_module albumfs_media_module;
const struct media_module albumfs_media_module = {
    .size = sizeof(struct media_module),
    MEDIA_MODULE_FUNCTIONS(MEDIA_MODULE_INIT)
};
