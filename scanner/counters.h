/* counters.h: what a scan counts, for the status line, the manifest and the store's meta. */
#ifndef MS_SCANNER_COUNTERS_H
#define MS_SCANNER_COUNTERS_H

#include <stdint.h>

/*
 * The counters reported in manifest.json ("counters") and in the store's meta
 * (key "counters", `name=value` lines, read back by `mtascope merge`):
 * XX(member, "name"). Append new ones; names are part of the output format.
 */
#define SCAN_COUNTER_MAP(XX)                                                                       \
    XX(lines, "input_entries")                                                                     \
    XX(input_errors, "input_errors")                                                               \
    XX(done, "domains_scanned")                                                                    \
    XX(dns_errors, "dns_errors")                                                                   \
    XX(skipped_recorded, "skipped_recorded")                                                       \
    XX(skipped_duplicate, "skipped_duplicate")                                                     \
    XX(excluded, "excluded")                                                                       \
    XX(sampled_out, "sampled_out")                                                                 \
    XX(sharded_out, "sharded_out")                                                                 \
    XX(exclude_reloads, "exclude_reloads")

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
