/* tally.h: the counts behind every report figure, accumulated one result record at a time. */
#ifndef MS_ANALYSIS_TALLY_H
#define MS_ANALYSIS_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "analysis/countmap.h"
#include "output/record.h"

/*
 * Every domain-level count, XX(ID, "code"). docs/report.md defines each: the
 * code is the key the JSON/CSV outputs and the integration test use. Counts
 * after `MAIL` are over domains with mail (mx_kind mx or implicit) only.
 */
#define RPT_COUNT_MAP(XX)                                                                          \
    XX(RECORDS, "records")                                                                         \
    XX(INPUT_ERROR, "input_error")                                                                 \
    XX(EXCLUDED, "excluded")                                                                       \
    XX(DNS_ERROR, "dns_error")                                                                     \
    XX(RESOLVED, "resolved")                                                                       \
    XX(NXDOMAIN, "nxdomain")                                                                       \
    XX(NULL_MX, "null_mx")                                                                         \
    XX(MAIL, "mail")                                                                               \
    XX(IMPLICIT, "implicit_mx")                                                                    \
    XX(STARTTLS_PROBED, "starttls_probed")                                                         \
    XX(STARTTLS_REACHABLE, "starttls_reachable")                                                   \
    XX(STARTTLS_ALL, "starttls_all")                                                               \
    XX(STARTTLS_SOME, "starttls_some")                                                             \
    XX(STARTTLS_NONE, "starttls_none")                                                             \
    XX(STARTTLS_UNREACHABLE, "starttls_unreachable")                                               \
    XX(STS_RECORD, "sts_record")                                                                   \
    XX(STS_TXT_VALID, "sts_txt_valid")                                                             \
    XX(STS_VALID, "sts_valid")                                                                     \
    XX(STS_ENFORCE, "sts_enforce")                                                                 \
    XX(STS_TESTING, "sts_testing")                                                                 \
    XX(STS_MODE_NONE, "sts_mode_none")                                                             \
    XX(STS_DELIVERABLE, "sts_deliverable")                                                         \
    XX(STS_UNDELIVERABLE, "sts_undeliverable")                                                     \
    XX(MX_DNSSEC, "mx_dnssec_secure")                                                              \
    XX(TLSA_SECURE, "tlsa_secure")                                                                 \
    XX(DANE_ANY, "dane_published")                                                                 \
    XX(DANE_VALID, "dane_valid")                                                                   \
    XX(DANE_HOST_ONLY, "dane_host_only")                                                           \
    XX(DANE_PARTIAL, "dane_partial")                                                               \
    XX(DANE_UNUSABLE, "dane_unusable")                                                             \
    XX(DANE_UNVERIFIED, "dane_unverified")                                                         \
    XX(DANE_BROKEN, "dane_broken")                                                                 \
    XX(TLSRPT_RECORD, "tlsrpt_record")                                                             \
    XX(TLSRPT_VALID, "tlsrpt_valid")                                                               \
    XX(STS_ADOPTED, "sts_adopted")                                                                 \
    XX(BOTH, "sts_and_dane")                                                                       \
    XX(NEITHER, "neither")                                                                         \
    XX(STS_FETCHED, "sts_fetched")                                                                 \
    XX(STS_POLICY_MODE, "sts_policy_applies")                                                      \
    XX(DANE_DENOM, "dane_attempted")                                                               \
    XX(HS_ROWS, "handshake_rows")                                                                  \
    XX(LEAF_ROWS, "leaf_rows")                                                                     \
    XX(EXP14_ANY, "enforce_cert_expiring_14d_any")                                                 \
    XX(EXP14_ALL, "enforce_cert_expiring_14d_all")                                                 \
    XX(EXP30_ANY, "enforce_cert_expiring_30d_any")                                                 \
    XX(EXP30_ALL, "enforce_cert_expiring_30d_all")                                                 \
    XX(DANE_MATCHED, "dane_matched")                                                               \
    XX(DANE_CURRENT_ONLY, "tlsa_current_only")                                                     \
    XX(DANE_TA_FULL_INTERMEDIATE, "ta_full_cert_intermediate")

enum rpt_count {
#define XX(id, code) RPT_N_##id,
    RPT_COUNT_MAP(XX)
#undef XX
        RPT_N__COUNT
};

/*
 * Misconfiguration categories (/work spec checklist names), XX(ID, "code",
 * group, "denominator count code"): each is a count of mail domains.
 */
#define RPT_MISCONF_MAP(XX)                                                                        \
    XX(TXT_SYNTAX, "txt_syntax")                                                                   \
    XX(TXT_MULTIPLE, "txt_multiple")                                                               \
    XX(HOST_NXDOMAIN, "host_nxdomain")                                                             \
    XX(HOST_DNS_ERROR, "host_dns_error")                                                           \
    XX(HOST_ADDRESS_SKIPPED, "host_address_skipped")                                               \
    XX(CONNECT_FAIL, "connect_fail")                                                               \
    XX(TLS_HANDSHAKE, "tls_handshake")                                                             \
    XX(WEBPKI_EXPIRED, "webpki_expired")                                                           \
    XX(WEBPKI_UNTRUSTED, "webpki_untrusted")                                                       \
    XX(WEBPKI_NAME_MISMATCH, "webpki_name_mismatch")                                               \
    XX(WEBPKI_NO_DNS_SAN, "webpki_no_dns_san")                                                     \
    XX(HTTP_3XX, "http_3xx")                                                                       \
    XX(HTTP_4XX, "http_4xx")                                                                       \
    XX(HTTP_5XX, "http_5xx")                                                                       \
    XX(HTTP_OTHER, "http_other")                                                                   \
    XX(TOO_LARGE, "too_large")                                                                     \
    XX(TIMEOUT, "timeout")                                                                         \
    XX(FETCH_ERROR, "fetch_error")                                                                 \
    XX(CT_MISMATCH, "ct_mismatch")                                                                 \
    XX(SYNTAX_LENIENT, "syntax_lenient")                                                           \
    XX(SYNTAX_STRICT, "syntax_strict")                                                             \
    XX(MX_NOT_IN_POLICY, "mx_not_in_policy")                                                       \
    XX(CERT_INVALID_ENFORCE, "mx_cert_invalid_enforce")                                            \
    XX(TESTING, "mode_testing")                                                                    \
    XX(MODE_NONE, "mode_none")                                                                     \
    XX(MAX_AGE_TINY, "max_age_tiny")                                                               \
    XX(TLSA_INSECURE, "tlsa_insecure")                                                             \
    XX(TLSA_LOOKUP_ERROR, "tlsa_lookup_error")                                                     \
    XX(TLSA_EE_NOMATCH, "tlsa_ee_nomatch")                                                         \
    XX(TA_NOT_IN_CHAIN, "ta_not_in_chain")                                                         \
    XX(TA_NAME_MISMATCH, "ta_name_mismatch")                                                       \
    XX(TA_CHAIN_EXPIRED, "ta_chain_expired")                                                       \
    XX(TLSA_ALL_UNUSABLE, "tlsa_all_unusable")                                                     \
    XX(STARTTLS_MISSING_TLSA, "starttls_missing_with_tlsa")                                        \
    XX(RPT_SYNTAX, "tlsrpt_syntax")                                                                \
    XX(RPT_SCHEME, "rua_scheme")                                                                   \
    XX(RPT_MULTIPLE, "tlsrpt_multiple")

enum rpt_misconf {
#define XX(id, code) RPT_M_##id,
    RPT_MISCONF_MAP(XX)
#undef XX
        RPT_M__COUNT
};

/* Below one day a cached policy barely outlives the fetch (RFC 8461 §3.2: "weeks or greater"). */
#define RPT_MAX_AGE_TINY 86400

/* Classes of a domain's deployment, for the change between two scans (analysis/changes.c). */
struct rpt_domain_class {
    int mail;
    int sts_record, sts_valid;       /* a v=STSv1 record; a policy a sender applies */
    int dane_any, dane_ok;           /* secure TLSA somewhere; DANE passes (valid/host_only/...) */
    int tlsrpt_record, tlsrpt_valid; /* a v=TLSRPTv1 record; a valid one */
};

/* The counters of a group (a public suffix, a mail provider): domains with mail and adoption. */
enum rpt_group_val {
    RPT_G_DOMAINS,
    RPT_G_STARTTLS_ALL,
    RPT_G_STS,      /* a valid policy in mode enforce or testing */
    RPT_G_DANE_ANY, /* secure TLSA on some MX host */
    RPT_G_DANE_VALID,
    RPT_G_TLSRPT,
    RPT_G__COUNT
};

/* Most providers a tally keeps apart (the rest are counted as others): about 7 MB at most. */
#define RPT_PROVIDERS_MAX 65536

struct rpt_tally {
    uint64_t n[RPT_N__COUNT];
    uint64_t misconf[RPT_M__COUNT];
    struct rpt_countmap tls_versions; /* per handshake row: TLS version */
    struct rpt_countmap issuers;      /* per row with a leaf: issuer DN */
    struct rpt_countmap suffixes;     /* per domain with mail: public suffix -> RPT_G_* */
    struct rpt_countmap providers;    /* per domain with mail: its first MX host's registered
                                         domain -> RPT_G_* */
    struct ms_buf scratch;            /* decoding */
    struct ms_buf fields;             /* a hosts_detail line split into fields */
};

/* Initialises an empty tally (the maps hold at most `map_cap` keys each, the rest counted as
 * other). */
void rpt_tally_init(struct rpt_tally *t, size_t map_cap);
void rpt_tally_free(struct rpt_tally *t);

/*
 * Counts one decoded record. Returns 0 or MS_ENOMEM (a map could not grow).
 * Not thread-safe: one tally per thread.
 */
int rpt_tally_add(struct rpt_tally *t, const struct out_record *r);

/* The deployment classes of one record (for the change walk). */
void rpt_domain_classify(const struct out_record *r, struct rpt_domain_class *c);

/* The code of a count or misconfiguration (the XX map's string). */
const char *rpt_count_code(enum rpt_count id);
const char *rpt_misconf_code(enum rpt_misconf id);

/* Parses an RFC 3339 UTC time ("2026-11-23T17:21:56Z") into *out; 0 or MS_ESYNTAX. */
int rpt_parse_time(const char *s, time_t *out);

#endif
