/* mergeout.h: the shards `mtascope merge` reads, and what it writes besides the records. */
#ifndef MS_SCANNER_MERGEOUT_H
#define MS_SCANNER_MERGEOUT_H

#include <stdint.h>

#include "output/store.h"
#include "scanner/scanmeta.h"

/* Most shard directories one merge takes. */
#define MERGE_MAX_SHARDS 4096

/* The counter of input entries a shard left to the other shards. */
#define MERGE_SHARDED_OUT "sharded_out"

/* One shard directory and what its meta says. */
struct merge_shard {
    const char *dir;
    struct scan_meta meta;
    unsigned k, n;        /* shard K of N (0/1 for an unsharded scan) */
    uint64_t lines;       /* input entries read (every shard reads the whole input) */
    uint64_t sharded_out; /* of those, left to the other shards */
};

/* What the merge wrote. */
struct merge_totals {
    uint64_t records; /* records copied into OUT's store */
    uint64_t rows;    /* domains.csv data rows */
    uint64_t mx_rows; /* mx.csv data rows */
};

/* The shard (0..n-1) a record key belongs to: the partition `mtascope scan --shard` uses. */
unsigned merge_key_shard(const char *key, unsigned n);

/*
 * Queues OUT's meta: complete, the shards' common input SHA-256 and options,
 * their counters summed (input_entries taken once: every shard reads the whole
 * input; sharded_out left out), and merged_shards = N. Returns 0 or MS_E*.
 */
int merge_out_meta(struct out_store *out, const struct merge_shard *sh, int n);

/*
 * Writes OUT/manifest.json: merged counters, totals, and each shard's own
 * manifest.json embedded as it is. Written to a temporary file, then renamed.
 * Returns 0 or MS_EIO/MS_ENOMEM.
 */
int merge_out_manifest(const char *out, const struct merge_shard *sh, int n,
                       const struct merge_totals *t);

#endif
