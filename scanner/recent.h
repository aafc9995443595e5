/* recent.h: keys put into the result store but maybe not yet visible to out_store_exists. */
#ifndef MS_SCANNER_RECENT_H
#define MS_SCANNER_RECENT_H

#include <stdint.h>

/*
 * Why: the scan dedupes its input against the store itself (a name already
 * recorded gets no second record), but out_store_exists reads a snapshot that
 * lags behind the puts: queued, being written, or committed after the snapshot
 * began. This set holds exactly those keys, each with the sequence number of
 * its put; once the store's visibility horizon (out_store_visible) reaches the
 * number, out_store_exists answers for the key and it is dropped. Puts happen
 * in sequence order, so the set is a FIFO ring plus a hash index, and its size
 * is bounded by what is not yet committed (the pipeline bounds that), not by
 * the input. One thread (the loop's).
 */
struct scan_recent {
    struct recent_slot *slots; /* ring of `cap` slots */
    uint32_t *buckets;         /* hash -> slot index, RECENT_NONE when empty */
    uint32_t cap, mask;        /* cap slots; mask + 1 buckets */
    uint32_t head, count;      /* oldest slot and number of keys */
};

/* Allocates room for `cap` keys (at least 16). Returns 0 or MS_ENOMEM. */
int scan_recent_init(struct scan_recent *r, uint32_t cap);

/* Frees everything; `r` may be zeroed or already freed. */
void scan_recent_free(struct scan_recent *r);

/*
 * Adds `key` (copied) put with sequence number `seq` (not below any added
 * before). Returns 0, MS_EFULL (cap keys held) or MS_ENOMEM.
 */
int scan_recent_add(struct scan_recent *r, const char *key, uint64_t seq);

/* 1 when `key` is held, else 0. */
int scan_recent_has(const struct scan_recent *r, const char *key);

/* Drops the keys whose sequence number is at most `horizon`. */
void scan_recent_prune(struct scan_recent *r, uint64_t horizon);

#endif
