/* markup.h: escaping of untrusted text and formatting of figures for the HTML page and its SVG
 * charts.
 */
#ifndef MS_ANALYSIS_MARKUP_H
#define MS_ANALYSIS_MARKUP_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/model.h"
#include "common/strbuf.h"

/*
 * Appends `s` to `b` escaped for HTML and XML text and quoted attribute
 * values: & < > " ' become character references; C0 controls other than tab
 * and newline, DEL and every byte that is not part of well-formed UTF-8 become
 * U+FFFD, so a hostile issuer or error detail can neither open markup nor make
 * the file invalid. At most `max` code points are kept (0: no limit); a longer
 * text ends in "…". NULL appends nothing. Thread: any.
 */
void rpt_esc(struct ms_buf *b, const char *s, size_t max);

/* Appends `s` reduced to an HTML id token: [a-z0-9_-] kept, anything else '-'. */
void rpt_id(struct ms_buf *b, const char *s);

/*
 * Appends a percentage of n out of d with one decimal ("12.5%"); a share
 * that is not zero but rounds to it prints "<0.1%" (escaped: "&lt;0.1%"), so
 * it never reads as none. d == 0 prints "n/a".
 */
void rpt_fmt_percent(struct ms_buf *b, uint64_t n, uint64_t d);

/*
 * Appends a cell as escaped text: a share as "n of d (p%)", a count as its
 * number, a number with its unit (non-finite values as "n/a"), text escaped,
 * an empty cell as nothing.
 */
void rpt_fmt_cell(struct ms_buf *b, const struct rpt_cell *c);

/*
 * The value a chart or a sort uses for a cell: a share's percentage, a count,
 * a number; *ok = 0 for text, empty cells and non-finite numbers.
 */
double rpt_cell_value(const struct rpt_cell *c, int *ok);

#endif
