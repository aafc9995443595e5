/* manifest.h: DIR/manifest.json, the record of what ran, with which options, and what it counted.
 */
#ifndef MS_SCANNER_MANIFEST_H
#define MS_SCANNER_MANIFEST_H

#include <stdint.h>
#include <time.h>

#include "resolver/host.h"
#include "resolver/resolver.h"
#include "scanner/counters.h"
#include "scanner/mxprobe.h"
#include "scanner/options.h"

struct scan_manifest {
    const struct scan_opts *opts;
    int argc;
    char **argv;
    time_t started_at, finished_at;
    double duration_s; /* monotonic, sub-second */
    int complete;
    uint64_t records_total;
    const char *input_sha256; /* "" when unknown (stdin, or the scan stopped early) */
    uint64_t input_bytes;
    const struct scan_counters *counters;
    const char *input_format;  /* as read: "list", "toplist" or "zone" (NULL: unknown) */
    int input_compressed;      /* the input was gzip */
    const struct rsv_ctx *rsv; /* may be NULL */
    uint64_t host_hits, host_misses;
    struct rsv_upstream_stats up_stats[RSV_MAX_UPSTREAMS];
    char up_names[RSV_MAX_UPSTREAMS][80];
    int n_up;
    int has_sts;
    uint64_t sts_fetches, sts_fetch_errors;
    int has_smtp;
    struct mxp_stats smtp;
};

/* Writes DIR/manifest.json atomically (temporary file, then rename). Returns 0 or MS_EIO. */
int scan_manifest_write(const char *dir, const struct scan_manifest *m);

/* Appends the counters as `name=value` lines (SCAN_COUNTER_MAP order), for the store's meta. */
void scan_counters_text(const struct scan_counters *c, struct ms_buf *b);

/* Formats t as RFC 3339 UTC ("2026-11-23T14:00:00Z") into out (at least 21 bytes). */
void scan_time_rfc3339(time_t t, char *out, size_t outsz);

#endif
