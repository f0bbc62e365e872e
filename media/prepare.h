/* prepare.h — making the views people will browse, ahead of time.
 *
 * A listing never renders, so views must exist before people look: after an
 * import, and when a grant is issued, albumctl prepares every view each
 * person with a live grant on the album will see (their browsing proofs and
 * the downloads their grants allow), plus the studio's standard proof
 * (default client settings) so the next grant usually finds its proofs
 * ready. People are evaluated exactly as the daemon evaluates them (the
 * union of all their grants), so the daemon finds these renditions.
 * What is missed here is rendered by the daemon in the background.
 */
#ifndef ALBUMFS_PREPARE_H
#define ALBUMFS_PREPARE_H

#include <stddef.h>

#include "media/renditions.h"
#include "store/library.h"

/* Called after each photo with the counts so far. */
typedef void (*prepare_progress)(size_t done, size_t total, void *arg);
/* Called for each view that could not be rendered: the photo's name and
 * why (one line). */
typedef void (*prepare_failure)(const char *photo, const char *why, void *arg);

struct prepare_result {
    size_t made;    /* renditions rendered now */
    size_t ready;   /* already there */
    size_t failed;  /* could not be rendered (each told to `failed`) */
};

/* Prepare the views of album album_id. 0, or a negative errno when the
 * catalog cannot be read (individual render failures are counted).
 * progress and failed may be NULL; both get arg. */
int prepare_album(struct af_library *lib, int64_t album_id, prepare_progress progress,
                  prepare_failure failed, void *arg, struct prepare_result *out);

/* The views (a mask of af_view) of one photo that the same people will
 * browse and that are not made yet: each goes to missing(req, arg), to be
 * rendered by the caller (the daemon queues them after an upload). Uses
 * catalog c (any thread's own connection). 0 or negative errno. */
int prepare_photo_missing(struct af_library *lib, struct af_catalog *c, int64_t photo_id,
                          unsigned views,
                          void (*missing)(const struct rendition_request *req, void *arg),
                          void *arg);

#endif
