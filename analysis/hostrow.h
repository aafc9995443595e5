/* hostrow.h: one line of a record's hosts_detail field (a row of mx.csv) split into its columns. */
#ifndef MS_ANALYSIS_HOSTROW_H
#define MS_ANALYSIS_HOSTROW_H

#include <stddef.h>

/*
 * The columns of a hosts_detail line, in the order of SCAN_MXROW_COLUMNS
 * (scanner/mxrows.h; test_report_units checks the two agree).
 */
enum rpt_hcol {
    RPT_H_MX_HOST,
    RPT_H_PREF,
    RPT_H_IP,
    RPT_H_STARTTLS,
    RPT_H_TLS_VERSION,
    RPT_H_TLS_CIPHER,
    RPT_H_PKIX,
    RPT_H_DANE,
    RPT_H_ERROR,
    RPT_H_TLS_GROUP,
    RPT_H_TLS_REASON,
    RPT_H_GREETING_CODE,
    RPT_H_LEAF_SUBJECT,
    RPT_H_LEAF_ISSUER,
    RPT_H_LEAF_SANS,
    RPT_H_LEAF_NOT_BEFORE,
    RPT_H_LEAF_NOT_AFTER,
    RPT_H_LEAF_KEY,
    RPT_H_CHAIN_ID,
    RPT_H_STS_MATCH,
    RPT_H_STS_VALID,
    RPT_H_STS_RESULT_TYPE,
    RPT_H_DANE_NOTES,
    RPT_H__COUNT
};

/* The names of the columns above, comma-separated (as SCAN_MXROW_COLUMNS spells them). */
extern const char rpt_hcol_names[];

/*
 * Splits the line at *detail (ending at '\n' or NUL) into `f` (columns past
 * the line's end are ""), writing NULs into the line, and advances *detail
 * past it. Returns 0 at the end of the field (nothing split), 1 otherwise.
 */
int rpt_hostrow_next(char **detail, const char *f[RPT_H__COUNT]);

#endif
