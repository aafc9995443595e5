/* shard.h: the --shard K/N partition of the input by a stable hash of the registered domain. */
#ifndef MS_DATASETS_SHARD_H
#define MS_DATASETS_SHARD_H

#include <stdint.h>

/* Most shards a scan may be split into. */
#define DS_SHARD_MAX 65536

/* Names the partition function in the manifest and the store's meta; bump if it ever changes. */
#define DS_SHARD_FUNCTION "fnv1a32-fmix32-registered-domain"

/*
 * Parses "K/N" (0 <= K < N <= DS_SHARD_MAX, decimal, no signs or spaces).
 * Returns 0 or MS_EINVAL.
 */
int ds_shard_parse(const char *s, uint32_t *k, uint32_t *n);

/*
 * The shard (0..n-1) of a key: FNV-1a (common/hash.h) finalised with
 * MurmurHash3's fmix32, scaled to n by multiplication. The mix keeps the
 * partition independent of --sample, which thresholds the raw FNV-1a hash of
 * the name. A pure function of the key's bytes: stable across runs, machines
 * and versions. n must be >= 1.
 */
uint32_t ds_shard_of(const char *key, uint32_t n);

/*
 * The partition key of a normalised name: its registered domain
 * (ds_psl_registered), so every name of one registered domain lands in the
 * same shard, or the name itself when it is a public suffix. `out` needs
 * DS_NAME_MAX + 1 bytes. Input errors are partitioned by their raw line
 * instead (the caller passes it to ds_shard_of directly). Any thread.
 */
void ds_shard_key(const char *name, char *out);

#endif
