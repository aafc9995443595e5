/* hostrow.c: splitting hosts_detail lines (tab-separated fields, one line per MX host address). */
#include "analysis/hostrow.h"

#include <string.h>

const char rpt_hcol_names[] =
    "mx_host,pref,ip,starttls,tls_version,tls_cipher,pkix,dane,error,tls_group,tls_reason,"
    "greeting_code,leaf_subject,leaf_issuer,leaf_sans,leaf_not_before,leaf_not_after,leaf_key,"
    "chain_id,sts_match,sts_valid,sts_result_type,dane_notes";

int rpt_hostrow_next(char **detail, const char *f[RPT_H__COUNT])
{
    char *p = *detail;
    int i = 0;

    if (p == NULL || *p == '\0')
        return 0;
    for (int k = 0; k < RPT_H__COUNT; k++)
        f[k] = "";
    f[i++] = p;
    for (; *p != '\0' && *p != '\n'; p++) {
        if (*p != '\t')
            continue;
        *p = '\0';
        if (i < RPT_H__COUNT)
            f[i++] = p + 1;
    }
    if (*p == '\n')
        *p++ = '\0';
    *detail = p;
    return 1;
}
