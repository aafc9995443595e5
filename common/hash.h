/* hash.h: the one string hash every in-memory table uses (FNV-1a, 32 bits). */
#ifndef MS_COMMON_HASH_H
#define MS_COMMON_HASH_H

#include <stdint.h>

/* FNV-1a over a NUL-terminated string: fast, and good enough for tables keyed by domain names. */
static inline uint32_t ms_hash_str(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

#endif
