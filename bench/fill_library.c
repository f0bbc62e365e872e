/* fill_library.c — bench/backup.sh's helper: fill a library with N photo
 * records quickly, for the incremental-backup figure of a 100,000-photo
 * catalog (bench/README.md says how it differs from an import).
 *
 *   fill_library LIBRARY N [ALBUM]
 *
 * Every photo gets a blob of its own in the vault — 1 KiB of random bytes
 * stored with vault_put_buffer (encrypted, content-addressed, fsync'd, as
 * an import stores a photo), by 8 threads at once — and its catalog rows
 * through catalog_photo_add_version (the call an import makes), 1000 to a
 * transaction, in album ALBUM (default "Bench") set "Photos", named
 * P000001.jpg... with the media description of a 6000x4000 JPEG. What is
 * left out is only what an import does before storing: decoding a real
 * JPEG (media_probe_buffer) and rendering views (--no-prepare).
 * Threads: the vault is shared (it may be, vault.h); the catalog is used by
 * the main thread alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/library.h"

#define BLOB_BYTES 1024
#define WORKERS 8
#define BATCH 1000

struct work {
    struct af_vault *vault;
    char (*ids)[VAULT_ID_HEX];
    size_t from, to;
    int rc;
};

static void *put_blobs(void *arg)
{
    struct work *w = arg;
    unsigned char buf[BLOB_BYTES];

    for (size_t i = w->from; i < w->to && w->rc == 0; i++) {
        randombytes_buf(buf, sizeof buf);
        w->rc = vault_put_buffer(w->vault, buf, sizeof buf, w->ids[i]);
    }
    return NULL;
}

static int add_rows(struct af_catalog *c, int64_t set_id, char (*ids)[VAULT_ID_HEX], size_t n)
{
    const struct media_info jpeg = {
        .kind = MEDIA_PHOTO, .mime = "image/jpeg", .width = 6000, .height = 4000,
        .orientation = 1,
    };
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        char name[32];

        if (i % BATCH == 0 && (rc = catalog_begin(c)) < 0)
            break;
        snprintf(name, sizeof name, "P%06zu.jpg", i + 1);
        rc = catalog_photo_add_version(c, set_id, name, ids[i], BLOB_BYTES, &jpeg, NULL, NULL);
        if (rc == 0 && (i % BATCH == BATCH - 1 || i + 1 == n))
            rc = catalog_commit(c);
    }
    if (rc < 0)
        catalog_rollback(c);
    return rc;
}

int main(int argc, char **argv)
{
    struct af_library *lib = NULL;
    struct work w[WORKERS];
    pthread_t t[WORKERS];
    struct cat_album album;
    struct cat_set set;
    char why[LIBRARY_WHY_MAX];
    char (*ids)[VAULT_ID_HEX];
    const char *album_name = argc > 3 ? argv[3] : "Bench";
    size_t n;
    int rc;

    if (argc < 3 || (n = strtoul(argv[2], NULL, 10)) == 0) {
        fprintf(stderr, "usage: fill_library LIBRARY N [ALBUM]\n");
        return 2;
    }
    if (sodium_init() < 0 || library_open(argv[1], NULL, &lib, why, sizeof why) < 0) {
        fprintf(stderr, "fill_library: cannot open %s: %s\n", argv[1], why);
        return 1;
    }
    ids = calloc(n, VAULT_ID_HEX);
    rc = ids ? 0 : -ENOMEM;
    if (rc == 0 && catalog_album_by_name(lib->catalog, album_name, &album) == -ENOENT)
        rc = catalog_album_create(lib->catalog, album_name, &album.id);
    if (rc == 0)
        rc = catalog_set_by_name(lib->catalog, album.id, "Photos", &set);
    for (int i = 0; i < WORKERS && rc == 0; i++) {
        w[i] = (struct work){lib->vault, ids, n * i / WORKERS, n * (i + 1) / WORKERS, 0};
        pthread_create(&t[i], NULL, put_blobs, &w[i]);
    }
    for (int i = 0; i < WORKERS && ids && rc == 0; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < WORKERS && rc == 0; i++)
        rc = w[i].rc;
    if (rc == 0)
        rc = add_rows(lib->catalog, set.id, ids, n);
    if (rc < 0)
        fprintf(stderr, "fill_library: %s (%s)\n", strerror(-rc), catalog_errmsg(lib->catalog));
    else
        printf("%zu photos added to %s/Photos\n", n, album_name);
    free(ids);
    library_close(lib);
    return rc < 0;
}
