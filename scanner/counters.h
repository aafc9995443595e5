/* counters.h: what a scan counts, for the status line and the manifest. */
#ifndef MS_SCANNER_COUNTERS_H
#define MS_SCANNER_COUNTERS_H

#include <stdint.h>

struct scan_counters {
    uint64_t lines;            /* entries read from the input (blank lines and comments excluded) */
    uint64_t input_errors;     /* entries that are not domain names */
    uint64_t started;          /* domains sent through the DNS stage */
    uint64_t done;             /* domains finished */
    uint64_t dns_errors;       /* finished with status dns_error */
    uint64_t skipped_recorded; /* --resume: already in the store */
    uint64_t skipped_duplicate; /* the same name again while the first was in flight */
    uint64_t excluded;          /* on the exclusion list: recorded as excluded, not scanned */
    uint64_t sampled_out;       /* left out by --sample (no record) */
    uint64_t sharded_out;       /* another shard's entries under --shard K/N (no record here) */
    uint64_t exclude_reloads;   /* successful SIGHUP reloads of the exclusion list */
    uint64_t inflight;
};

#endif
