/* changes.h: what changed between two scans, domain by domain, by a merge walk of their stores. */
#ifndef MS_ANALYSIS_CHANGES_H
#define MS_ANALYSIS_CHANGES_H

#include <stdint.h>

#include "analysis/model.h"

/* The technologies followed, and what can happen to a domain's deployment of each. */
enum rpt_tech { RPT_T_STS, RPT_T_DANE, RPT_T_TLSRPT, RPT_T__COUNT };
enum rpt_change { RPT_C_ADOPTED, RPT_C_DROPPED, RPT_C_BROKE, RPT_C_FIXED, RPT_C__COUNT };

struct rpt_changes {
    uint64_t both, only_prev, only_latest; /* records in both stores, in one only */
    uint64_t n[RPT_T__COUNT][RPT_C__COUNT];
};

/*
 * Walks the stores of `prev_dir` and `latest_dir` side by side in key order
 * (both are sorted by domain: memory stays constant whatever their size) and
 * counts, for domains in both, the changes defined in docs/report.md. With
 * `list_dir` (may be NULL) one file per change is written there,
 * `<tech>_<change>.txt`, plus `new.txt` and `gone.txt`: one domain a line,
 * in key order. The two directories must differ. Returns 0, MS_ENOTFOUND,
 * MS_ESYNTAX (a record that does not decode), MS_EIO (a list file),
 * MS_ENOMEM or MS_ELMDB. Blocking; any one thread.
 */
int rpt_changes_walk(const char *prev_dir, const char *latest_dir, const char *list_dir,
                     struct rpt_changes *ch);

/* Adds the `changes` section for `ch`, naming the two scans by `prev` and `latest`. */
void rpt_changes_section(struct rpt_report *r, const struct rpt_changes *ch, const char *prev,
                         const char *latest);

#endif
