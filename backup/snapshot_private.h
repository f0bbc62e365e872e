/* snapshot_private.h — the plaintext body of a snapshot manifest as
 * snapshot.c decodes it once it has authenticated (docs/backup.md §4):
 * for backup/snapshot.c and its fuzz harness (tests/fuzz/fuzz_manifest.c)
 * only. Pure; thread-safe.
 */
#ifndef ALBUMFS_BACKUP_SNAPSHOT_PRIVATE_H
#define ALBUMFS_BACKUP_SNAPSHOT_PRIVATE_H

#include <stddef.h>

#include "backup/snapshot.h"

#define SNAPSHOT_BODY_FIXED 80 /* bytes before the blob list */
#define SNAPSHOT_BLOB_ENTRY 40 /* per blob: 32-byte id, u64 size */

/* Decode the len bytes of a manifest body at b into s (a zeroed struct):
 * every field but s->id. 0 with s->blobs malloc'd (freed by snapshot_free
 * or free()); -EINVAL when len is not SNAPSHOT_BODY_FIXED and
 * SNAPSHOT_BLOB_ENTRY bytes per blob it counts (s unchanged); -ENOMEM. */
int snapshot_decode_body(const unsigned char *b, size_t len, struct snapshot *s);

#endif
