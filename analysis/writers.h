/* writers.h: the report's output formats: HTML, Markdown, JSON and CSV writers of a report model.
 */
#ifndef MS_ANALYSIS_WRITERS_H
#define MS_ANALYSIS_WRITERS_H

#include <stdio.h>

#include "analysis/model.h"

/*
 * Each writer renders the whole report `r` (check r->oom first) to `fp`, which
 * stays owned by the caller. Returns 0, MS_EIO on a write error, or MS_ENOMEM.
 * Every text from the scan (domain names, issuers, error details) is untrusted:
 * each writer escapes it for its format.
 */

/* One self-contained HTML file: inline CSS and SVG charts, no network fetches. */
int rpt_write_html(const struct rpt_report *r, FILE *fp);
/* Markdown: the methodology as a list, every table as a pipe table. */
int rpt_write_md(const struct rpt_report *r, FILE *fp);
/* JSON: every figure with its count and denominator, keyed by section and table ids. */
int rpt_write_json(const struct rpt_report *r, FILE *fp);
/* CSV: one row per figure (section, table, row, column, kind, n, denom, percent, value, text). */
int rpt_write_csv(const struct rpt_report *r, FILE *fp);

#endif
