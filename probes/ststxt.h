/* ststxt.h: the MTA-STS TXT record at _mta-sts.<domain> (RFC 8461 §3.1): verdict and id. */
#ifndef MS_PROBES_STSTXT_H
#define MS_PROBES_STSTXT_H

#include <stddef.h>

#include "probes/txtrecord.h"

/* The verdict on one `_mta-sts` TXT RRset; embedded by the caller, filled by sts_txt_evaluate. */
struct sts_txt_result {
    enum txt_verdict verdict;
    const char *error; /* static reason code (txt_errstr), NULL when valid/none */
    char id[33];       /* the id when valid (1-32 ALPHA/DIGIT), "" otherwise */
};

/*
 * Evaluates the TXT RRset at _mta-sts.<domain>: `records[i]` is record i with its strings already
 * joined (not NUL-terminated, may contain any byte incl. NUL), lens[i] its length. RFC 8461 §3.1.
 * Records that do not begin with "v=STSv1" followed by ";", WSP or the end are ignored; none left
 * gives TXT_NONE, more than one TXT_MULTIPLE ("txt_multiple"), one that breaks the ABNF
 * TXT_INVALID with the first rule broken (docs/txt-records.md). Pure function: reads only
 * records[i][0..lens[i]), keeps no pointer into them, never allocates; safe from any thread.
 */
void sts_txt_evaluate(const char *const *records, const size_t *lens, size_t n,
                      struct sts_txt_result *out);

#endif
