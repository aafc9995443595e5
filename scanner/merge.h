/* merge.h: `mtascope merge OUT DIR...`: one result directory from the shards of one scan. */
#ifndef MS_SCANNER_MERGE_H
#define MS_SCANNER_MERGE_H

/*
 * Runs the merge command (argv after the "merge" word). Checks that the
 * directories are the complete shards 0..N-1 of one scan (same input SHA-256,
 * same options, every record in the shard its hash names, no domain twice,
 * the shards' taken lines adding up to the input's) and writes OUT/results.lmdb
 * (domains, blobs, meta), OUT/domains.csv, OUT/mx.csv and OUT/manifest.json.
 * Returns the exit status: 0 merged, 1 fault (I/O, memory, LMDB), 2 usage
 * error or refusal (the reason is printed). On a refusal found while copying,
 * what was written to OUT is removed. May load the public suffix list
 * (datasets/psl.h); the caller frees it with ds_psl_shutdown when done.
 * Blocking; main thread.
 */
int scan_merge_main(int argc, char **argv);

#endif
