/* scanmeta.h: what a scan records in its store's `meta` database, and reading it back (merge). */
#ifndef MS_SCANNER_SCANMETA_H
#define MS_SCANNER_SCANMETA_H

#include <stdint.h>

#include "common/strbuf.h"
#include "output/store.h"
#include "scanner/counters.h"
#include "scanner/options.h"

/*
 * Meta keys (docs/output.md, "The store's meta"):
 *   complete      "true" once a run ended without interruption or fault; "false"
 *                 from the moment a run starts, so a killed run leaves "false"
 *   input_sha256  SHA-256 (hex) of the input file, "" when unknown (stdin),
 *                 "mixed" when a resumed run read another input than the first
 *   options       scan_opts_canon text of the last run
 *   counters      scan_counters_text of the last run
 * and, written by the pipeline with --shard, `shard` ("K/N"), `shard_function`,
 * `public_suffix_list` and `registered_only`.
 */
#define SCAN_META_COMPLETE "complete"
#define SCAN_META_INPUT    "input_sha256"
#define SCAN_META_OPTIONS  "options"
#define SCAN_META_COUNTERS "counters"

/*
 * Queues the start-of-run meta (complete=false, options). With --resume it
 * first checks the store's: a scan continued with other options would mix two
 * settings in one store (ms_error names the first option that differs, and
 * MS_EINVAL is returned); pacing options (rates, in-flight caps, concurrency,
 * host cache size) may change; the input digest the store already has is copied to
 * `prev_sha` (65 bytes; "" when none) for scan_meta_input. Loop thread.
 */
int scan_meta_begin(struct out_store *s, const struct scan_opts *o, char *prev_sha);

/*
 * Records the input's digest as soon as it is known, so even a run killed
 * later leaves it. When the store was begun with another input (`prev_sha`
 * set and different) nothing is recorded but "mixed" (which no merge accepts
 * and no later resume matches), ms_error says so, and MS_EINVAL is returned:
 * the caller stops the scan. Loop thread.
 */
int scan_meta_input(struct out_store *s, const char *prev_sha, const char *sha, const char *input);

/*
 * Queues the end-of-run meta: the counters, the input digest ("" when unknown;
 * NULL leaves the recorded value, e.g. "mixed") and whether the run is
 * complete. Call before out_store_close.
 * Returns 0 or MS_E*. Loop thread.
 */
int scan_meta_end(struct out_store *s, const struct scan_counters *c, const char *input_sha256,
                  int complete);

/* The first line where two `name=value` texts differ, as "'a' vs 'b'", into `out`. */
void scan_meta_first_difference(const char *a, const char *b, char *out, size_t outsz);

/* A scan's meta as read back from a closed store. Owns its buffers: scan_meta_free. */
struct scan_meta {
    int complete;
    char input_sha256[65];
    struct ms_buf options;
    struct ms_buf counters;
    struct ms_buf shard;          /* "K/N"; empty in a store written before --shard existed */
    struct ms_buf shard_function; /* the partition's name (DS_SHARD_FUNCTION) */
    struct ms_buf psl;            /* the public suffix list the partition used */
};

/*
 * Reads DIR's meta into `m` (initialised here). A store without these keys
 * (written before they existed, or a run killed before its first commit) reads
 * as incomplete with empty values. Returns 0, MS_ENOTFOUND (no store in DIR),
 * MS_ENOMEM or MS_ELMDB. Blocking; the store must not be open in this process.
 */
int scan_meta_read(const char *dir, struct scan_meta *m);

void scan_meta_free(struct scan_meta *m);

/*
 * The value of counter `name` in a counters text (`name=value` lines) into
 * *val. Returns 0 or MS_ENOTFOUND (absent or not a number).
 */
int scan_meta_counter(const char *text, const char *name, uint64_t *val);

#endif
