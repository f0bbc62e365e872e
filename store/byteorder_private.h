/* byteorder_private.h — little-endian integers in on-disk records.
 *
 * Private to store/: the key file and blob headers (docs/vault.md) store
 * every integer little-endian, byte by byte, whatever the host order.
 */
#ifndef ALBUMFS_BYTEORDER_PRIVATE_H
#define ALBUMFS_BYTEORDER_PRIVATE_H

#include <stdint.h>

static inline void store_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void store_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t load_le32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#endif
