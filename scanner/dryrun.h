/* dryrun.h: `scan --dry-run`: a scratch store for the dedupe, and the summary it prints. */
#ifndef MS_SCANNER_DRYRUN_H
#define MS_SCANNER_DRYRUN_H

#include <stddef.h>
#include <stdio.h>

#include "scanner/manifest.h"

/*
 * Creates a scratch directory for the dry run's store (the dedupe needs one,
 * so a dry run reads the input exactly as a scan would): under `out_dir` when
 * given (created if needed), else under $TMPDIR or /tmp. Writes its path to
 * `dir`. Returns 0, or -1 after logging why.
 */
int scan_dryrun_mkdir(const char *out_dir, char *dir, size_t dirsz);

/* Removes the scratch directory and the store in it (errors are logged). */
void scan_dryrun_rmdir(const char *dir);

/*
 * Prints what the dry run counted and how fast it read: entries/s over the
 * whole run and the process's peak RSS (getrusage). The line starting with
 * "dry run:" is stable for scripts (scripts/bench_ingest.sh reads it).
 */
void scan_dryrun_report(FILE *fp, const struct scan_manifest *m);

#endif
