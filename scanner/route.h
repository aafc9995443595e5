/* route.h: what happens to an input entry before any lookup: reduce, sample, shard. */
#ifndef MS_SCANNER_ROUTE_H
#define MS_SCANNER_ROUTE_H

#include <stddef.h>

#include "datasets/listreader.h"
#include "scanner/options.h"

/* Where an entry goes. */
enum scan_route {
    SCAN_ROUTE_SAMPLED_OUT, /* left out by --sample: no record */
    SCAN_ROUTE_SHARDED_OUT, /* another shard's (--shard K/N): no record here */
    SCAN_ROUTE_INPUT_ERROR, /* recorded as an input_error (e->err says why) */
    SCAN_ROUTE_NAME         /* a name to scan (e->name), unless it is a duplicate */
};

/*
 * Applies --registered-only (e->name becomes its registered domain; a public
 * suffix becomes the input error public_suffix), then --sample (by the hash of
 * the name, or of the raw line for an input error), then --shard (by the
 * registered domain, or the raw line). Pure but for `e`; any thread.
 */
enum scan_route scan_route_entry(const struct scan_opts *o, struct ds_entry *e);

/*
 * The store key of an input error: "!" and the raw line, bytes outside
 * printable ASCII as \xNN (ds_name_escape), cut to keysz - 1 bytes.
 */
void scan_input_error_key(const struct ds_entry *e, char *key, size_t keysz);

/* Size of a buffer for scan_input_error_key that every use shares. */
#define SCAN_ERROR_KEY_MAX 300

#endif
