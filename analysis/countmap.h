/* countmap.h: a bounded map from strings (TLS versions, issuers, suffixes, providers) to counters.
 */
#ifndef MS_ANALYSIS_COUNTMAP_H
#define MS_ANALYSIS_COUNTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/*
 * Each key holds `nvals` counters. The map holds at most `cap` keys: a key
 * arriving when it is full is counted in `other` instead, so memory stays
 * bounded whatever the scan holds (the figures say how much went to other).
 * Keys are copied. Not thread-safe.
 */
struct rpt_countmap_entry {
    char *key;
    uint64_t *vals;
};

struct rpt_countmap {
    size_t cap, n, nslots, nvals;
    struct rpt_countmap_entry *slots; /* open addressing, nslots a power of two */
    uint64_t *other;                  /* nvals counters of the keys that did not fit */
    uint64_t other_keys;              /* lookups of keys that did not fit (not distinct) */
    int oom;
};

/* Initialises an empty map; `cap` >= 1, `nvals` >= 1. Sets m->oom on failure. */
void rpt_countmap_init(struct rpt_countmap *m, size_t cap, size_t nvals);
void rpt_countmap_free(struct rpt_countmap *m);

/*
 * The counters of `key` (created zeroed), or `other` when the map is full;
 * NULL on out-of-memory (m->oom set). Valid until the next call.
 */
uint64_t *rpt_countmap_get(struct rpt_countmap *m, const char *key);

/*
 * The entries sorted by vals[0] descending, then key: a malloc'd array of
 * m->n pointers into the map (free() it; NULL when empty or out of memory).
 */
const struct rpt_countmap_entry **rpt_countmap_sorted(const struct rpt_countmap *m);

#endif
