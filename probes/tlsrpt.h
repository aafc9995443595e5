/* tlsrpt.h: the TLS-RPT TXT record at _smtp._tls.<domain> (RFC 8460 §3): verdict and rua URIs. */
#ifndef MS_PROBES_TLSRPT_H
#define MS_PROBES_TLSRPT_H

#include <stddef.h>

#include "probes/txtrecord.h"

/* The verdict on one `_smtp._tls` TXT RRset; embedded by the caller, filled by tlsrpt_evaluate. */
struct tlsrpt_result {
    enum txt_verdict verdict;
    const char *error; /* static reason code (txt_errstr), NULL when valid/none */
    /* valid: the rua URIs in order joined by ';' (truncated safely, see rua_truncated) */
    char rua[1024];
    int rua_truncated; /* 1 when URIs were left out of `rua` for lack of room */
};

/*
 * Evaluates the TXT RRset at _smtp._tls.<domain>: `records[i]` is record i with its strings already
 * joined (not NUL-terminated, may contain any byte incl. NUL), lens[i] its length. RFC 8460 §3.
 * Records that do not begin with "v=TLSRPTv1" followed by ";", WSP or the end are ignored; none
 * left gives TXT_NONE, more than one TXT_MULTIPLE ("txt_multiple"), one that breaks the ABNF or
 * has a rua URI that is not mailto:/https: TXT_INVALID with the first rule broken
 * (docs/txt-records.md). `rua` is always NUL-terminated and holds only whole URIs, as published,
 * from every rua field in order; a URI that does not fit is left out with every one after it and
 * rua_truncated set. Pure function: reads only records[i][0..lens[i]), never allocates; safe
 * from any thread.
 */
void tlsrpt_evaluate(const char *const *records, const size_t *lens, size_t n,
                     struct tlsrpt_result *out);

#endif
