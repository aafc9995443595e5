/* svg.h: inline SVG charts of report tables (bar, stacked bar, line) for the HTML writer. */
#ifndef MS_ANALYSIS_SVG_H
#define MS_ANALYSIS_SVG_H

#include "analysis/model.h"
#include "common/strbuf.h"

/* At most this many rows are drawn as bars (the table below the chart lists them all). */
#define RPT_SVG_MAX_BARS 40
/* At most this many rows are drawn as groups of side-by-side bars. */
#define RPT_SVG_MAX_GROUPS 20
/* At most this many columns are drawn as series (stack segments or lines). */
#define RPT_SVG_MAX_SERIES 8

/*
 * Appends the chart t->chart asks for, drawn from the table's cells, to `b`:
 * an <svg class="chart"> element (axes, labels, a legend when there are
 * several series) for inclusion in an HTML page. Bars and lines scale
 * linearly from zero: shares by their percentage, counts by their number.
 * RPT_CHART_STACKED stacks a row's shares only where they are parts of one
 * whole (one denominator, adding up to at most it); otherwise it draws them
 * as groups of side-by-side bars (class "chart-grouped") and says why.
 * Every drawn value is a shape of class "mark" carrying it in data-v, with a
 * <title> giving the figure as the table prints it. All text is escaped.
 *
 * RPT_CHART_NONE appends nothing. A table with nothing to draw (no rows, or
 * no SHARE/COUNT column) gets <p class="nodata"> saying so instead of an
 * empty chart. Returns 1 if a chart was drawn, 0 otherwise; out-of-memory is
 * left in b->oom. Thread: any.
 */
int rpt_svg_chart(struct ms_buf *b, const struct rpt_table *t);

#endif
