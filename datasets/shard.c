/* shard.c: the --shard K/N partition (stable hash of the registered domain). */
#include "datasets/shard.h"

#include <string.h>

#include "common/error.h"
#include "common/hash.h"
#include "datasets/name.h"
#include "datasets/psl.h"

static int parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 10)
        return MS_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return MS_EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return MS_EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int ds_shard_parse(const char *s, uint32_t *k, uint32_t *n)
{
    const char *slash = strchr(s, '/');
    uint32_t kk, nn;

    if (slash == NULL || parse_u32(s, (size_t)(slash - s), DS_SHARD_MAX, &kk) != 0 ||
        parse_u32(slash + 1, strlen(slash + 1), DS_SHARD_MAX, &nn) != 0 || nn == 0 || kk >= nn)
        return MS_EINVAL;
    *k = kk;
    *n = nn;
    return 0;
}

/* MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t ds_shard_of(const char *key, uint32_t n)
{
    return (uint32_t)(((uint64_t)fmix32(ms_hash_str(key)) * n) >> 32);
}

void ds_shard_key(const char *name, char *out)
{
    if (ds_psl_registered(name, out, DS_NAME_MAX + 1) != 0) {
        size_t len = strlen(name);

        if (len > DS_NAME_MAX)
            len = DS_NAME_MAX;
        memcpy(out, name, len);
        out[len] = '\0';
    }
}
