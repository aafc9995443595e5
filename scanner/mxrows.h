/* mxrows.h: a domain's per-(MX host, IP) rows and its starttls/dane summary (docs/output.md). */
#ifndef MS_SCANNER_MXROWS_H
#define MS_SCANNER_MXROWS_H

#include "common/strbuf.h"
#include "scanner/domain.h"

/* Column order of the rows in the hosts_detail field and in mx.csv (after `domain`). */
#define SCAN_MXROW_COLUMNS                                                                         \
    "mx_host,pref,ip,starttls,tls_version,tls_cipher,pkix,dane,error,tls_group,tls_reason,"        \
    "greeting_code,leaf_subject,leaf_issuer,leaf_sans,leaf_not_before,leaf_not_after,leaf_key,"    \
    "chain_id,sts_match,sts_valid,sts_result_type,dane_notes"

struct scan_mx_summary {
    const char *starttls;   /* all, some, none, unreachable, or NULL */
    const char *dane;       /* none, valid, host_only, partial, invalid, unusable, lookup_error */
    const char *dane_error; /* first failing rule, or NULL */
    const char *sts_mx_ok;  /* all, some, none: MX hosts a compliant MTA-STS sender could use */
    const char *sts_deliverable; /* enforce mode: yes/no */
};

/* 1 when the domain has a policy a sender would apply (fetched, lenient-valid). */
int scan_sts_applies(const struct scan_domain *d);

/*
 * Appends one line per (MX host, IP) to `rows` (fields separated by tabs,
 * lines by newlines, in SCAN_MXROW_COLUMNS order) and fills `sum`.
 */
void scan_mx_rows(const struct scan_domain *d, struct ms_buf *rows, struct scan_mx_summary *sum);

#endif
