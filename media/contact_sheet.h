/* contact_sheet.h — one JPEG that shows photos as captioned thumbnails in
 * a grid under a title line ('albumctl contact-sheet': a client's
 * favourites on one page).
 *
 * Each photo is shrunk on load to fit a square cell of S×S pixels (turned
 * upright from its EXIF orientation, in sRGB, alpha flattened onto white)
 * and set at the bottom centre of the cell on white, with its caption in a
 * band under it. With C columns (at most the number of photos) and R rows:
 *
 *   margin m = max(8, S/16)   caption band c = max(14, S/8)
 *   title band t = max(20, S/5)
 *   width  = 2m + C·S + (C−1)·m
 *   height = 2m + t + m + R·(S + c) + (R−1)·m
 *
 * Use: media_sheet_new, media_sheet_add for each photo (decoded and shrunk
 * at once, so only one original is in memory at a time; the sheet keeps the
 * small cells), media_sheet_jpeg, media_sheet_free.
 *
 * Threading: a sheet is used by one thread; media_init() first. Errors are
 * negative errno values with a one-line reason in why[why_len].
 */
#ifndef ALBUMFS_CONTACT_SHEET_H
#define ALBUMFS_CONTACT_SHEET_H

#include <stddef.h>

#define MEDIA_SHEET_CELL_MIN 64u
#define MEDIA_SHEET_CELL_MAX 1024u
#define MEDIA_SHEET_COLUMNS_MAX 20u
#define MEDIA_SHEET_MAX_EDGE 65500u                    /* JPEG's limit */
#define MEDIA_SHEET_MAX_PIXELS (100u * 1000u * 1000u)  /* held in memory, 3 bytes each */

struct media_sheet;

struct media_sheet_layout {
    unsigned columns, rows;
    unsigned width, height; /* of the whole sheet, pixels */
};

/* The layout of a sheet of n ≥ 1 photos in at most `columns` columns of
 * `cell`-pixel cells. 0, -EINVAL (n, columns or cell out of range) or
 * -EFBIG (larger than MEDIA_SHEET_MAX_EDGE or MEDIA_SHEET_MAX_PIXELS). */
int media_sheet_layout(size_t n, unsigned columns, unsigned cell,
                       struct media_sheet_layout *out);

/* A new, empty sheet; title is plain UTF-8. Caller frees with
 * media_sheet_free. -EINVAL for columns or cell out of range. */
int media_sheet_new(const char *title, unsigned columns, unsigned cell,
                    struct media_sheet **out);

/* Add one photo from its original's bytes, with a caption (plain UTF-8)
 * under it. -EINVAL: not an accepted image (documents have no thumbnail);
 * -EFBIG: beyond the limits of probe.h; -EIO: the image failed to decode. */
int media_sheet_add(struct media_sheet *s, const void *orig, size_t len,
                    const char *caption, char *why, size_t why_len);

/* The sheet as a baseline JPEG; caller frees *jpeg with g_free(). -EINVAL
 * when no photo was added, -EFBIG as media_sheet_layout, -EIO. */
int media_sheet_jpeg(struct media_sheet *s, void **jpeg, size_t *len,
                     char *why, size_t why_len);

void media_sheet_free(struct media_sheet *s);

#endif
