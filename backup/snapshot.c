/* snapshot.c — encoding, sealing, writing and reading snapshot manifests
 * (see snapshot.h; docs/backup.md §4 has the layout this file implements).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "backup/snapshot.h"
#include "backup/snapshot_private.h"
#include "store/sysio.h"

#define MANIFEST_MAGIC "ALBUMSNP"
#define HEADER_BYTES 60 /* magic, version, snapshot id, repository id, nonce */
#define AD_BYTES 36     /* the header without the nonce */
#define MAX_MANIFEST (256u << 20)

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int hex_to_bin(unsigned char *out, size_t len, const char *hex)
{
    size_t got = 0;

    if (sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL) != 0 || got != len)
        return -EINVAL;
    return 0;
}

/* The plaintext body of s: malloc'd, *len bytes. */
static int encode_body(const struct snapshot *s, unsigned char **out, size_t *len)
{
    size_t n = SNAPSHOT_BODY_FIXED + s->n_blobs * SNAPSHOT_BLOB_ENTRY;
    unsigned char *b = calloc(1, n);
    int rc;

    *out = NULL;
    if (!b)
        return -ENOMEM;
    put_le(b, (uint64_t)s->time_ms, 8);
    rc = hex_to_bin(b + 8, 32, s->catalog);
    put_le(b + 40, s->catalog_size, 8);
    put_le(b + 48, s->photos, 8);
    put_le(b + 56, s->total_bytes, 8);
    put_le(b + 64, s->new_bytes, 8);
    put_le(b + 72, s->n_blobs, 8);
    for (size_t i = 0; i < s->n_blobs && rc == 0; i++) {
        unsigned char *e = b + SNAPSHOT_BODY_FIXED + i * SNAPSHOT_BLOB_ENTRY;
        rc = hex_to_bin(e, 32, s->blobs[i].id);
        put_le(e + 32, s->blobs[i].size, 8);
    }
    if (rc < 0) {
        free(b);
        return rc;
    }
    *out = b;
    *len = n;
    return 0;
}

int snapshot_decode_body(const unsigned char *b, size_t len, struct snapshot *s)
{
    uint64_t n;

    if (len < SNAPSHOT_BODY_FIXED)
        return -EINVAL;
    n = get_le(b + 72, 8);
    if (n > (len - SNAPSHOT_BODY_FIXED) / SNAPSHOT_BLOB_ENTRY ||
        len != SNAPSHOT_BODY_FIXED + n * SNAPSHOT_BLOB_ENTRY)
        return -EINVAL;
    s->time_ms = (int64_t)get_le(b, 8);
    sodium_bin2hex(s->catalog, sizeof s->catalog, b + 8, 32);
    s->catalog_size = get_le(b + 40, 8);
    s->photos = get_le(b + 48, 8);
    s->total_bytes = get_le(b + 56, 8);
    s->new_bytes = get_le(b + 64, 8);
    s->n_blobs = (size_t)n;
    s->blobs = calloc(n ? n : 1, sizeof *s->blobs);
    if (!s->blobs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *e = b + SNAPSHOT_BODY_FIXED + i * SNAPSHOT_BLOB_ENTRY;
        sodium_bin2hex(s->blobs[i].id, sizeof s->blobs[i].id, e, 32);
        s->blobs[i].size = get_le(e + 32, 8);
    }
    return 0;
}

static void make_header(const struct bk_repo *r, const unsigned char id[SNAPSHOT_ID_BYTES],
                        unsigned char h[HEADER_BYTES])
{
    memcpy(h, MANIFEST_MAGIC, 8);
    put_le(h + 8, SNAPSHOT_FORMAT_VERSION, 4);
    memcpy(h + 12, id, SNAPSHOT_ID_BYTES);
    memcpy(h + 20, r->id, REPO_ID_BYTES);
    randombytes_buf(h + AD_BYTES, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
}

static int write_file(int dirfd, const char *tmp, const unsigned char *buf, size_t len)
{
    int fd = sysio_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc;

    if (fd < 0)
        return -errno;
    rc = repo_write_all(fd, buf, len);
    if (rc == 0 && sysio_fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

int snapshot_write(struct bk_repo *r, struct snapshot *s)
{
    unsigned char id[SNAPSHOT_ID_BYTES], *body = NULL, *file = NULL;
    char name[SNAPSHOT_ID_HEX + 16], tmp[SNAPSHOT_ID_HEX + 32];
    size_t body_len = 0, file_len;
    int sdir = -1, rc;

    randombytes_buf(id, sizeof id);
    sodium_bin2hex(s->id, sizeof s->id, id, sizeof id);
    rc = encode_body(s, &body, &body_len);
    if (rc < 0)
        return rc;
    file_len = HEADER_BYTES + body_len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    file = malloc(file_len);
    if (!file) {
        rc = -ENOMEM;
        goto out;
    }
    make_header(r, id, file);
    crypto_aead_xchacha20poly1305_ietf_encrypt(file + HEADER_BYTES, NULL, body, body_len,
                                               file, AD_BYTES, NULL, file + AD_BYTES,
                                               r->manifest_key);
    sdir = openat(r->dirfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sdir < 0) {
        rc = -errno;
        goto out;
    }
    snprintf(name, sizeof name, "%s", s->id);
    snprintf(tmp, sizeof tmp, "tmp-%s", s->id);
    rc = write_file(sdir, tmp, file, file_len);
    if (rc == 0 && sysio_renameat(sdir, tmp, sdir, name) < 0)
        rc = -errno;
    if (rc < 0) {
        unlinkat(sdir, tmp, 0);
        goto out;
    }
    if (sysio_fsync(sdir) < 0)
        rc = -errno;
out:
    if (sdir >= 0)
        close(sdir);
    if (body)
        sodium_memzero(body, body_len);
    free(body);
    free(file);
    return rc;
}

/* The whole of snapshots/<id> into a malloc'd buffer. */
static int read_file(const struct bk_repo *r, const char *id, unsigned char **out, size_t *len)
{
    char path[SNAPSHOT_ID_HEX + 16];
    struct stat st;
    unsigned char *buf = NULL;
    size_t done = 0;
    int fd, rc = 0;

    *out = NULL;
    snprintf(path, sizeof path, "snapshots/%s", id);
    fd = openat(r->dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_MANIFEST) {
        rc = -EINVAL;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            goto out;
        }
        done += (size_t)n;
    }
    *out = buf;
    *len = done;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int snapshot_read(struct bk_repo *r, const char *id, struct snapshot **out)
{
    unsigned char *file = NULL, *body = NULL, want_id[SNAPSHOT_ID_BYTES];
    unsigned long long body_len = 0;
    struct snapshot *s = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (!repo_is_hex(id, SNAPSHOT_ID_HEX - 1))
        return -ENOENT;
    rc = read_file(r, id, &file, &len);
    if (rc < 0)
        return rc;
    if (len < HEADER_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        memcmp(file, MANIFEST_MAGIC, 8) != 0 || get_le(file + 8, 4) == 0) {
        rc = -EINVAL;
        goto out;
    }
    if (get_le(file + 8, 4) > SNAPSHOT_FORMAT_VERSION) {
        rc = -EPROTO;
        goto out;
    }
    hex_to_bin(want_id, sizeof want_id, id);
    if (memcmp(file + 12, want_id, SNAPSHOT_ID_BYTES) != 0 ||
        memcmp(file + 20, r->id, REPO_ID_BYTES) != 0) {
        rc = -EBADMSG; /* renamed from another snapshot or taken from another repository */
        goto out;
    }
    body = malloc(len - HEADER_BYTES);
    s = calloc(1, sizeof *s);
    if (!body || !s) {
        rc = -ENOMEM;
        goto out;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(body, &body_len, NULL, file + HEADER_BYTES,
                                                   len - HEADER_BYTES, file, AD_BYTES,
                                                   file + AD_BYTES, r->manifest_key) != 0) {
        rc = -EBADMSG;
        goto out;
    }
    rc = snapshot_decode_body(body, (size_t)body_len, s);
    if (rc < 0)
        goto out;
    snprintf(s->id, sizeof s->id, "%s", id);
    *out = s;
    s = NULL;
out:
    snapshot_free(s);
    free(body);
    free(file);
    return rc;
}

void snapshot_free(struct snapshot *s)
{
    if (!s)
        return;
    free(s->blobs);
    free(s);
}

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

int snapshot_list(struct bk_repo *r, char (**ids)[SNAPSHOT_ID_HEX], size_t *n)
{
    char (*list)[SNAPSHOT_ID_HEX] = NULL;
    size_t cap = 0, count = 0;
    struct dirent *de;
    DIR *d;
    int rc;

    *ids = NULL;
    *n = 0;
    rc = repo_opendir(r->dirfd, "snapshots", &d);
    if (rc == -ENOENT)
        return 0; /* a creation cut short after the config: no snapshot yet */
    if (rc < 0)
        return rc;
    while ((de = readdir(d)) != NULL) {
        if (!repo_is_hex(de->d_name, SNAPSHOT_ID_HEX - 1))
            continue;
        if (count == cap) {
            void *grown = reallocarray(list, cap ? cap * 2 : 16, sizeof *list);
            if (!grown) {
                rc = -ENOMEM;
                break;
            }
            list = grown;
            cap = cap ? cap * 2 : 16;
        }
        memcpy(list[count++], de->d_name, SNAPSHOT_ID_HEX); /* 16 digits and the NUL */
    }
    closedir(d);
    if (rc < 0) {
        free(list);
        return rc;
    }
    if (count)
        qsort(list, count, sizeof *list, cmp_ids);
    *ids = list;
    *n = count;
    return 0;
}

int snapshot_find(struct bk_repo *r, const char *which, struct snapshot **out)
{
    char (*ids)[SNAPSHOT_ID_HEX] = NULL;
    struct snapshot *best = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    if (strcmp(which, "latest") != 0)
        return snapshot_read(r, which, out);
    rc = snapshot_list(r, &ids, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct snapshot *s;
        if (snapshot_read(r, ids[i], &s) < 0)
            continue; /* a damaged manifest is for verify to report */
        if (!best || s->time_ms > best->time_ms) {
            snapshot_free(best);
            best = s;
        } else
            snapshot_free(s);
    }
    free(ids);
    if (!best)
        return -ENOENT;
    *out = best;
    return 0;
}
