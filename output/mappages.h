/* mappages.h: bounds how many pages of LMDB's read-only file mapping stay in the process's RSS. */
#ifndef MS_OUTPUT_MAPPAGES_H
#define MS_OUTPUT_MAPPAGES_H

#include <lmdb.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Up to this many mapping ranges of one environment's data file (LMDB makes one). */
#define OUT_MAPPAGES_RANGES 4

/*
 * Every page fault on the map also maps up to 15 neighbouring pages already in
 * the page cache (the kernel's fault-around, 64 KiB), so a record read at a
 * random place costs up to 64 KiB of RSS per tree level it misses, whatever
 * readahead is set to (MDB_NORDAHEAD does not change it). Bounding the
 * records between two drops would need a few dozen to keep RSS flat; instead
 * the process's file-backed RSS is read every OUT_MAPPAGES_CHECK records and
 * the map dropped when it grew by OUT_MAPPAGES_BUDGET since the last drop:
 * RSS stays bounded whatever the input's size, order or rate, and an input in
 * key order, which touches few new pages, is rarely dropped.
 */
#define OUT_MAPPAGES_CHECK  32
#define OUT_MAPPAGES_BUDGET ((uint64_t)1 << 20)

/* One environment's mapping: where it is, and the records touched since the last drop. */
struct out_mappages {
    void *addr[OUT_MAPPAGES_RANGES];
    size_t len[OUT_MAPPAGES_RANGES];
    int n;
    int fd;                      /* the data file: drops stop at its end */
    _Atomic uint64_t touched;    /* records read or written */
    _Atomic uint64_t base_pages; /* file-backed RSS after the last drop, in pages */
};

/*
 * Finds `env`'s data file mapping in /proc/self/maps (LMDB does not expose its
 * address). Call after opening the environment and after every remap
 * (mdb_env_set_mapsize); until then out_mappages_drop must not run, as the
 * old range may be reused by other mappings. Returns 0 or MS_EIO (then drops
 * do nothing). Thread: the caller serialises it against out_mappages_drop.
 */
int out_mappages_find(struct out_mappages *m, MDB_env *env);

/*
 * Drops the mapping's pages from this process's page tables (MADV_DONTNEED).
 * They are clean page-cache pages (the environment must not use
 * MDB_WRITEMAP): a later read faults them back in with the same bytes, also
 * in the middle of a transaction. Thread: any, with the mapping held stable.
 */
void out_mappages_drop(struct out_mappages *m);

/*
 * Counts `n` records read or written through the mapping; every
 * OUT_MAPPAGES_CHECK records, drops its pages if the process's file-backed
 * RSS grew by OUT_MAPPAGES_BUDGET. Thread: any (the counts are atomic), with
 * the mapping held stable.
 */
void out_mappages_touch(struct out_mappages *m, unsigned n);

#endif
