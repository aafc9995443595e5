/* figures.h: one scan's figures (manifest and tallied store) and the report model built from them.
 */
#ifndef MS_ANALYSIS_FIGURES_H
#define MS_ANALYSIS_FIGURES_H

#include <stddef.h>

#include "analysis/manifest.h"
#include "analysis/model.h"
#include "analysis/tally.h"

/* One scan directory, read. */
struct rpt_scan {
    const char *dir;         /* borrowed from the caller */
    struct rpt_manifest man; /* empty when the directory has no manifest.json */
    const char *started;     /* manifest started_at, or "" */
    struct rpt_tally tally;
};

/*
 * Reads DIR/manifest.json (a missing one is logged and tolerated) and tallies
 * every record of DIR's result store in one streaming pass (memory: the
 * tally's bounded maps, `map_cap` keys each). Returns 0, MS_ENOTFOUND (no
 * store), MS_ESYNTAX (a record that does not decode, or a malformed
 * manifest), MS_ENOMEM or MS_ELMDB. On error `s` is freed.
 */
int rpt_scan_load(struct rpt_scan *s, const char *dir, size_t map_cap);
void rpt_scan_free(struct rpt_scan *s);

/* Sorts scans by their manifest's start time (then directory name), oldest first. */
void rpt_scans_sort(struct rpt_scan *scans, size_t n);

/* Options of the figures. */
struct rpt_figure_opts {
    size_t top; /* rows of the "top N" tables (issuers, providers) */
};

/*
 * Adds the methodology facts and the sections of the latest scan
 * (scans[n-1]) to `r`: headline adoption, misconfigurations, breakdowns,
 * forecasts; with n > 1 also the trend over all scans. Errors: r->oom.
 */
void rpt_build(struct rpt_report *r, const struct rpt_scan *scans, size_t n,
               const struct rpt_figure_opts *o);

/* The methodology facts of the scans (analysis/scan.c). Errors: r->oom. */
void rpt_methodology(struct rpt_report *r, const struct rpt_scan *scans, size_t n);

/* The trend section: one row per scan, oldest first (analysis/scan.c). Errors: r->oom. */
void rpt_trend(struct rpt_report *r, const struct rpt_scan *scans, size_t n);

#endif
