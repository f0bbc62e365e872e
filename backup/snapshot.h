/* snapshot.h — snapshot manifests: what one backup saved (docs/backup.md
 * gives the bytes).
 *
 * A manifest names the catalog copy's blob and every vault blob the
 * snapshot needs, with each blob file's size, plus the time and counts.
 * It is sealed with XChaCha20-Poly1305 under the repository's manifest key
 * (repo.h), with its magic, version, own snapshot id and the repository id
 * as additional data: a manifest that was altered, truncated, renamed to
 * another snapshot's id or taken from another repository does not open.
 *
 * A manifest is written LAST in a backup (temp file, fsync, rename, fsync
 * of snapshots/), so it never names a blob that is not already durable.
 * Ownership: snapshot_read returns a heap manifest freed with snapshot_free.
 */
#ifndef ALBUMFS_BACKUP_SNAPSHOT_H
#define ALBUMFS_BACKUP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"

#define SNAPSHOT_ID_BYTES 8
#define SNAPSHOT_ID_HEX (SNAPSHOT_ID_BYTES * 2 + 1) /* with NUL */
#define SNAPSHOT_FORMAT_VERSION 1u

struct snapshot_blob {
    char id[VAULT_ID_HEX];
    uint64_t size; /* bytes of the blob file in the repository */
};

struct snapshot {
    char id[SNAPSHOT_ID_HEX];
    int64_t time_ms;             /* milliseconds since the epoch */
    char catalog[VAULT_ID_HEX];  /* the catalog copy's blob */
    uint64_t catalog_size;       /* its blob file's bytes */
    uint64_t photos;             /* live photos and documents in the catalog */
    uint64_t total_bytes;        /* every blob file it names, catalog included */
    uint64_t new_bytes;          /* bytes this backup wrote to the repository */
    size_t n_blobs;
    struct snapshot_blob *blobs; /* the vault blobs (not the catalog) */
};

/* Seal s and write it as snapshots/<new id>; s->id receives the id. */
int snapshot_write(struct bk_repo *r, struct snapshot *s) __attribute__((warn_unused_result));

/* Read and open snapshots/<id>: -ENOENT no such snapshot; -EINVAL not a
 * manifest or malformed; -EPROTO a newer format; -EBADMSG does not
 * authenticate (damaged, swapped, another repository's). */
int snapshot_read(struct bk_repo *r, const char *id, struct snapshot **out)
    __attribute__((warn_unused_result));

void snapshot_free(struct snapshot *s);

/* The ids in snapshots/ (well-formed names only, sorted), malloc'd array
 * of SNAPSHOT_ID_HEX strings freed with free(); none (and NULL) when the
 * folder is not there yet (a repository whose creation was cut short). */
int snapshot_list(struct bk_repo *r, char (**ids)[SNAPSHOT_ID_HEX], size_t *n)
    __attribute__((warn_unused_result));

/* Resolve "latest" (the newest snapshot that opens) or an id: read into *out.
 * -ENOENT when there is none. */
int snapshot_find(struct bk_repo *r, const char *which, struct snapshot **out)
    __attribute__((warn_unused_result));

#endif
