/* figures.c: the report's tables of one scan: headline adoption, misconfigurations, breakdowns,
 * forecasts (each figure with its denominator; docs/report.md defines them). */
#include "analysis/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One figure: a count over a denominator (RPT_N__COUNT: a plain count). */
struct fig {
    const char *label;
    int n;   /* enum rpt_count, or enum rpt_misconf in misconfiguration tables */
    int den; /* enum rpt_count */
    const char *rule;
};

#define NONE RPT_N__COUNT

static const char *denom_text(int den)
{
    switch (den) {
    case RPT_N_RECORDS:
        return "records";
    case RPT_N_RESOLVED:
        return "resolved domains";
    case RPT_N_MAIL:
        return "domains with mail";
    case RPT_N_STARTTLS_REACHABLE:
        return "domains with a reachable MX";
    case RPT_N_STARTTLS_PROBED:
        return "domains with probed MX addresses";
    case RPT_N_STS_RECORD:
        return "domains with a v=STSv1 record";
    case RPT_N_STS_TXT_VALID:
        return "domains with a valid v=STSv1 record";
    case RPT_N_STS_FETCHED:
        return "policies fetched";
    case RPT_N_STS_VALID:
        return "valid policies";
    case RPT_N_STS_POLICY_MODE:
        return "valid policies in enforce or testing";
    case RPT_N_STS_ENFORCE:
        return "valid enforce policies";
    case RPT_N_DANE_DENOM:
        return "domains with TLSA records or a failed TLSA lookup";
    case RPT_N_TLSRPT_RECORD:
        return "domains with a v=TLSRPTv1 record";
    case RPT_N_DANE_MATCHED:
        return "domains with an MX address passing DANE by a match";
    default:
        return "";
    }
}

static const char *const fig_cols[] = {"figure", "code", "domains", "of", NULL};
static const char *const mis_cols[] = {"category", "code", "domains", "of", "rule", NULL};

/* Adds one row per figure; `misconf` selects the misconfiguration counters. */
static void fig_table(struct rpt_report *r, struct rpt_section *s, const struct rpt_tally *ta,
                      const char *id, const char *title, const char *note, enum rpt_chart chart,
                      const struct fig *figs, size_t nfigs, int misconf)
{
    struct rpt_table *t = rpt_table(r, s, id, title, note, chart, misconf ? mis_cols : fig_cols);

    for (size_t i = 0; i < nfigs; i++) {
        const struct fig *f = &figs[i];
        struct rpt_cell *c = rpt_row(r, t, f->label);
        uint64_t n = misconf ? ta->misconf[f->n] : ta->n[f->n];

        if (c == NULL)
            return;
        rpt_set_text(r, &c[1], misconf ? rpt_misconf_code(f->n) : rpt_count_code(f->n));
        if (f->den == NONE)
            rpt_set_count(&c[2], n);
        else
            rpt_set_share(&c[2], n, ta->n[f->den]);
        rpt_set_text(r, &c[3], denom_text(f->den));
        if (misconf)
            rpt_set_text(r, &c[4], f->rule);
    }
}

#define NFIGS(a) (sizeof(a) / sizeof((a)[0]))

static const struct fig coverage[] = {
    {"Records (domains and input lines)", RPT_N_RECORDS, NONE, NULL},
    {"Input lines that are not domain names", RPT_N_INPUT_ERROR, RPT_N_RECORDS, NULL},
    {"Excluded (opted out)", RPT_N_EXCLUDED, RPT_N_RECORDS, NULL},
    {"MX lookup failed", RPT_N_DNS_ERROR, RPT_N_RECORDS, NULL},
    {"Resolved", RPT_N_RESOLVED, RPT_N_RECORDS, NULL},
    {"Domain does not exist", RPT_N_NXDOMAIN, RPT_N_RESOLVED, NULL},
    {"Null MX: no mail (RFC 7505)", RPT_N_NULL_MX, RPT_N_RESOLVED, NULL},
    {"With mail (MX or implicit MX)", RPT_N_MAIL, RPT_N_RESOLVED, NULL},
    {"Implicit MX (no MX records)", RPT_N_IMPLICIT, RPT_N_MAIL, NULL},
};

static const struct fig starttls[] = {
    {"STARTTLS on all MX hosts", RPT_N_STARTTLS_ALL, RPT_N_STARTTLS_REACHABLE, NULL},
    {"STARTTLS on some MX hosts", RPT_N_STARTTLS_SOME, RPT_N_STARTTLS_REACHABLE, NULL},
    {"STARTTLS on no MX host", RPT_N_STARTTLS_NONE, RPT_N_STARTTLS_REACHABLE, NULL},
    {"No MX host reachable", RPT_N_STARTTLS_UNREACHABLE, RPT_N_STARTTLS_PROBED, NULL},
};

static const struct fig mta_sts[] = {
    {"MTA-STS record published", RPT_N_STS_RECORD, RPT_N_MAIL, NULL},
    {"MTA-STS record valid", RPT_N_STS_TXT_VALID, RPT_N_MAIL, NULL},
    {"MTA-STS policy valid", RPT_N_STS_VALID, RPT_N_MAIL, NULL},
    {"Mode enforce", RPT_N_STS_ENFORCE, RPT_N_STS_VALID, NULL},
    {"Mode testing", RPT_N_STS_TESTING, RPT_N_STS_VALID, NULL},
    {"Mode none", RPT_N_STS_MODE_NONE, RPT_N_STS_VALID, NULL},
    {"Deliverable under enforce", RPT_N_STS_DELIVERABLE, RPT_N_STS_ENFORCE, NULL},
    {"Undeliverable under enforce", RPT_N_STS_UNDELIVERABLE, RPT_N_STS_ENFORCE, NULL},
};

static const struct fig dane[] = {
    {"DNSSEC-signed MX RRset", RPT_N_MX_DNSSEC, RPT_N_MAIL, NULL},
    {"Secure TLSA on every MX host", RPT_N_TLSA_SECURE, RPT_N_MAIL, NULL},
    {"Secure TLSA on some MX host", RPT_N_DANE_ANY, RPT_N_MAIL, NULL},
    {"DANE valid (full)", RPT_N_DANE_VALID, RPT_N_MAIL, NULL},
    {"DANE host-only (insecure MX RRset)", RPT_N_DANE_HOST_ONLY, RPT_N_MAIL, NULL},
    {"DANE partial (some hosts without TLSA)", RPT_N_DANE_PARTIAL, RPT_N_MAIL, NULL},
    {"DANE with only unusable TLSA", RPT_N_DANE_UNUSABLE, RPT_N_MAIL, NULL},
    {"DANE unverified (host unreachable)", RPT_N_DANE_UNVERIFIED, RPT_N_MAIL, NULL},
    {"DANE broken (invalid or TLSA lookup error)", RPT_N_DANE_BROKEN, RPT_N_MAIL, NULL},
};

static const struct fig tlsrpt[] = {
    {"TLS-RPT record published", RPT_N_TLSRPT_RECORD, RPT_N_MAIL, NULL},
    {"TLS-RPT record valid", RPT_N_TLSRPT_VALID, RPT_N_MAIL, NULL},
};

static const struct fig combined[] = {
    {"MTA-STS (enforce or testing)", RPT_N_STS_ADOPTED, RPT_N_MAIL, NULL},
    {"MTA-STS and DANE", RPT_N_BOTH, RPT_N_MAIL, NULL},
    {"Neither MTA-STS nor DANE", RPT_N_NEITHER, RPT_N_MAIL, NULL},
};

static void headline(struct rpt_report *r, const struct rpt_tally *t)
{
    struct rpt_section *s = rpt_section(
        r, "headline", "Headline adoption",
        "Each figure is a count of domains with its denominator. Adoption is counted over "
        "domains with mail: an MX record or, without one, the domain itself (RFC 5321 §5.1).");

    fig_table(r, s, t, "coverage", "What was scanned", NULL, RPT_CHART_BAR, coverage,
              NFIGS(coverage), 0);
    fig_table(r, s, t, "starttls", "STARTTLS",
              "Over the MX addresses that answered with a 220 greeting.", RPT_CHART_BAR, starttls,
              NFIGS(starttls), 0);
    fig_table(r, s, t, "mta_sts", "MTA-STS (RFC 8461)",
              "A valid policy is one a sender applies (fetched, lenient reading valid).",
              RPT_CHART_BAR, mta_sts, NFIGS(mta_sts), 0);
    fig_table(r, s, t, "dane", "DNSSEC and DANE (RFC 7672)",
              "Full DANE needs a DNSSEC-signed MX RRset (RFC 7672 §2.2.1); with an insecure one, "
              "hosts that pass are host-only.",
              RPT_CHART_BAR, dane, NFIGS(dane), 0);
    fig_table(r, s, t, "tlsrpt", "TLS-RPT (RFC 8460)", NULL, RPT_CHART_BAR, tlsrpt, NFIGS(tlsrpt),
              0);
    fig_table(r, s, t, "combined", "MTA-STS and DANE together",
              "MTA-STS: a valid policy in mode enforce or testing; DANE: a secure TLSA RRset on "
              "some MX host.",
              RPT_CHART_BAR, combined, NFIGS(combined), 0);
}

static const struct fig sts_mis[] = {
    {"TXT record syntax", RPT_M_TXT_SYNTAX, RPT_N_STS_RECORD, "RFC 8461 §3.1"},
    {"Several v=STSv1 records", RPT_M_TXT_MULTIPLE, RPT_N_STS_RECORD, "RFC 8461 §3.1"},
    {"TXT without policy host", RPT_M_HOST_NXDOMAIN, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Policy host DNS error", RPT_M_HOST_DNS_ERROR, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Policy host address not usable", RPT_M_HOST_ADDRESS_SKIPPED, RPT_N_STS_TXT_VALID,
     "RFC 8461 §3.3"},
    {"Fetch: connection failed", RPT_M_CONNECT_FAIL, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: TLS handshake failed", RPT_M_TLS_HANDSHAKE, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: certificate expired", RPT_M_WEBPKI_EXPIRED, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: certificate not trusted", RPT_M_WEBPKI_UNTRUSTED, RPT_N_STS_TXT_VALID,
     "RFC 8461 §3.3"},
    {"Fetch: certificate name mismatch", RPT_M_WEBPKI_NAME_MISMATCH, RPT_N_STS_TXT_VALID,
     "RFC 8461 §3.3, RFC 6125"},
    {"Fetch: certificate without DNS-ID", RPT_M_WEBPKI_NO_DNS_SAN, RPT_N_STS_TXT_VALID,
     "RFC 8461 §3.3, RFC 6125"},
    {"Fetch: redirect (3xx)", RPT_M_HTTP_3XX, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: HTTP 4xx", RPT_M_HTTP_4XX, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: HTTP 5xx", RPT_M_HTTP_5XX, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: other HTTP status", RPT_M_HTTP_OTHER, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: policy too large", RPT_M_TOO_LARGE, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: timeout", RPT_M_TIMEOUT, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Fetch: other error", RPT_M_FETCH_ERROR, RPT_N_STS_TXT_VALID, "RFC 8461 §3.3"},
    {"Wrong content type", RPT_M_CT_MISMATCH, RPT_N_STS_FETCHED, "RFC 8461 §3.2 (SHOULD)"},
    {"Policy syntax: rejected", RPT_M_SYNTAX_LENIENT, RPT_N_STS_FETCHED, "RFC 8461 §3.2"},
    {"Policy syntax: strict ABNF broken", RPT_M_SYNTAX_STRICT, RPT_N_STS_VALID,
     "RFC 8461 §3.2 ABNF"},
    {"MX not covered by the policy", RPT_M_MX_NOT_IN_POLICY, RPT_N_STS_POLICY_MODE,
     "RFC 8461 §4.1"},
    {"MX certificate invalid under enforce", RPT_M_CERT_INVALID_ENFORCE, RPT_N_STS_ENFORCE,
     "RFC 8461 §4.2, §5"},
    {"Left in testing mode", RPT_M_TESTING, RPT_N_STS_VALID, "RFC 8461 §5"},
    {"Mode none", RPT_M_MODE_NONE, RPT_N_STS_VALID, "RFC 8461 §5"},
    {"max_age below one day", RPT_M_MAX_AGE_TINY, RPT_N_STS_VALID, "RFC 8461 §3.2"},
};

static const struct fig dane_mis[] = {
    {"TLSA without DNSSEC (insecure)", RPT_M_TLSA_INSECURE, RPT_N_DANE_DENOM, "RFC 7672 §2.2"},
    {"TLSA lookup error or bogus", RPT_M_TLSA_LOOKUP_ERROR, RPT_N_DANE_DENOM, "RFC 7672 §2.1.2"},
    {"DANE-EE: no match", RPT_M_TLSA_EE_NOMATCH, RPT_N_DANE_DENOM, "RFC 7672 §3.1.1"},
    {"DANE-TA: trust anchor not in chain", RPT_M_TA_NOT_IN_CHAIN, RPT_N_DANE_DENOM,
     "RFC 7672 §3.1.2"},
    {"DANE-TA: name mismatch", RPT_M_TA_NAME_MISMATCH, RPT_N_DANE_DENOM, "RFC 7672 §3.2.2"},
    {"DANE-TA: chain expired", RPT_M_TA_CHAIN_EXPIRED, RPT_N_DANE_DENOM,
     "RFC 7672 §3.1.2, RFC 7671 §5.2"},
    {"All TLSA records unusable", RPT_M_TLSA_ALL_UNUSABLE, RPT_N_DANE_DENOM, "RFC 7672 §3.1.3"},
    {"STARTTLS missing with TLSA", RPT_M_STARTTLS_MISSING_TLSA, RPT_N_DANE_DENOM,
     "RFC 7672 §2.2.3"},
};

static const struct fig rpt_mis[] = {
    {"Record syntax", RPT_M_RPT_SYNTAX, RPT_N_TLSRPT_RECORD, "RFC 8460 §3"},
    {"rua scheme not mailto/https", RPT_M_RPT_SCHEME, RPT_N_TLSRPT_RECORD, "RFC 8460 §3"},
    {"Several v=TLSRPTv1 records", RPT_M_RPT_MULTIPLE, RPT_N_TLSRPT_RECORD, "RFC 8460 §3"},
};

static void misconfigurations(struct rpt_report *r, const struct rpt_tally *t)
{
    struct rpt_section *s = rpt_section(
        r, "misconfigurations", "Misconfigurations",
        "Domains with mail, by the first rule their deployment breaks; the codes are those of "
        "docs/output.md and the rule is the RFC section that decides.");

    fig_table(r, s, t, "sts_misconfigurations", "MTA-STS",
              "A domain counts once per category; fetch errors are the first failure of the "
              "policy fetch.",
              RPT_CHART_BAR, sts_mis, NFIGS(sts_mis), 1);
    fig_table(r, s, t, "dane_misconfigurations", "DANE",
              "A domain counts in a category when one of its MX addresses shows it.", RPT_CHART_BAR,
              dane_mis, NFIGS(dane_mis), 1);
    fig_table(r, s, t, "tlsrpt_misconfigurations", "TLS-RPT", NULL, RPT_CHART_BAR, rpt_mis,
              NFIGS(rpt_mis), 1);
}

/* A top-N table of a count map, the rest (and what did not fit the map) summed as one row. */
static void top_table(struct rpt_report *r, struct rpt_section *s, const struct rpt_countmap *m,
                      uint64_t denom, const char *id, const char *title, const char *note,
                      const char *const *cols, size_t top, const char *empty_label)
{
    struct rpt_table *t = rpt_table(r, s, id, title, note, RPT_CHART_BAR, cols);
    const struct rpt_countmap_entry **v = rpt_countmap_sorted(m);
    uint64_t rest = m->other[0];
    struct rpt_cell *c;

    if (m->n > 0 && v == NULL)
        r->oom = 1;
    for (size_t i = 0; i < m->n && v != NULL; i++) {
        if (i >= top) {
            rest += v[i]->vals[0];
            continue;
        }
        c = rpt_row(r, t, *v[i]->key ? v[i]->key : empty_label);
        rpt_set_share(c ? &c[1] : NULL, v[i]->vals[0], denom);
    }
    if (rest > 0) {
        c = rpt_row(r, t, "(others)");
        rpt_set_share(c ? &c[1] : NULL, rest, denom);
    }
    free(v);
}

static void group_row(struct rpt_report *r, struct rpt_table *t, const char *label,
                      const uint64_t *v, uint64_t mail)
{
    struct rpt_cell *c = rpt_row(r, t, label);

    if (c == NULL)
        return;
    rpt_set_share(&c[1], v[RPT_G_DOMAINS], mail);
    for (int i = RPT_G_STARTTLS_ALL; i < RPT_G__COUNT; i++)
        rpt_set_share(&c[1 + i], v[i], v[RPT_G_DOMAINS]);
}

/* Groups (public suffixes, providers) by domains: the top N, then the rest summed as one row. */
static void group_table(struct rpt_report *r, struct rpt_section *s, const struct rpt_countmap *m,
                        uint64_t mail, const char *id, const char *title, const char *note,
                        const char *group, size_t top)
{
    const char *cols[] = {group,         "domains",    "STARTTLS on all MX", "MTA-STS",
                          "DANE (TLSA)", "DANE valid", "TLS-RPT valid",      NULL};
    struct rpt_table *t = rpt_table(r, s, id, title, note, RPT_CHART_STACKED, cols);
    const struct rpt_countmap_entry **v = rpt_countmap_sorted(m);
    uint64_t rest[RPT_G__COUNT];

    if (m->n > 0 && v == NULL)
        r->oom = 1;
    memcpy(rest, m->other, sizeof(rest));
    for (size_t i = 0; i < m->n && v != NULL; i++) {
        if (i < top) {
            group_row(r, t, *v[i]->key ? v[i]->key : "(none)", v[i]->vals, mail);
            continue;
        }
        for (int k = 0; k < RPT_G__COUNT; k++)
            rest[k] += v[i]->vals[k];
    }
    if (rest[RPT_G_DOMAINS] > 0)
        group_row(r, t, "(others)", rest, mail);
    free(v);
}

static void breakdowns(struct rpt_report *r, const struct rpt_tally *t, size_t top)
{
    static const char *const vcols[] = {"TLS version", "MX addresses", NULL};
    static const char *const icols[] = {"certificate issuer", "MX addresses", NULL};
    struct rpt_section *s = rpt_section(
        r, "breakdowns", "Breakdowns",
        "MX addresses are counted once per domain that uses them (rows of mx.csv), so each "
        "share is weighted by the domains a host serves.");

    group_table(r, s, &t->suffixes, t->n[RPT_N_MAIL], "suffixes", "By public suffix",
                "Domains with mail by public suffix (Public Suffix List); each adoption share is "
                "of the suffix's own domains. MTA-STS: a valid policy in mode enforce or "
                "testing; DANE (TLSA): secure TLSA on some MX host.",
                "public suffix", top);
    group_table(r, s, &t->providers, t->n[RPT_N_MAIL], "providers", "By mail provider",
                "A domain's provider is the registered domain of its most preferred MX host (of "
                "the domain itself with an implicit MX); shares as by public suffix.",
                "provider", top);
    top_table(r, s, &t->tls_versions, t->n[RPT_N_HS_ROWS], "tls_versions",
              "TLS versions on MX hosts",
              "Of (domain, MX address) pairs whose STARTTLS "
              "handshake completed.",
              vcols, (size_t)-1, "(unknown)");
    top_table(r, s, &t->issuers, t->n[RPT_N_LEAF_ROWS], "issuers",
              "Certificate issuers on MX hosts",
              "Of (domain, MX address) pairs that presented "
              "a certificate; the issuer DN of the leaf (RFC 2253).",
              icols, top, "(empty)");
}

static const struct fig expiry[] = {
    {"A policy-valid MX certificate expires within 14 days", RPT_N_EXP14_ANY, RPT_N_STS_ENFORCE,
     NULL},
    {"Every policy-valid MX certificate expires within 14 days", RPT_N_EXP14_ALL, RPT_N_STS_ENFORCE,
     NULL},
    {"A policy-valid MX certificate expires within 30 days", RPT_N_EXP30_ANY, RPT_N_STS_ENFORCE,
     NULL},
    {"Every policy-valid MX certificate expires within 30 days", RPT_N_EXP30_ALL, RPT_N_STS_ENFORCE,
     NULL},
};

static const struct fig rollover[] = {
    {"DANE-EE records name only the current key (no next key)", RPT_N_DANE_CURRENT_ONLY,
     RPT_N_DANE_MATCHED, NULL},
    {"DANE-TA 2 0 x names an intermediate certificate", RPT_N_DANE_TA_FULL_INTERMEDIATE,
     RPT_N_DANE_MATCHED, NULL},
};

static void forecasts(struct rpt_report *r, const struct rpt_tally *t)
{
    struct rpt_section *s = rpt_section(
        r, "forecasts", "Forecasts",
        "What will break without a change: MX certificates by their notAfter against the "
        "time each domain was scanned; DANE records by what they name.");

    fig_table(r, s, t, "cert_expiry", "MTA-STS enforce: MX certificates about to expire",
              "When every policy-valid MX certificate has expired, a compliant sender stops "
              "delivering (RFC 8461 §4.2, §5).",
              RPT_CHART_BAR, expiry, NFIGS(expiry), 0);
    fig_table(r, s, t, "dane_rollover", "DANE: records that the next change will break",
              "A domain counts when one of its MX addresses that passes DANE shows it. Only the "
              "current key: its next key change fails DANE unless a record for the next key is "
              "published first (RFC 7671 §8.1, RFC 7672 §4). A whole-certificate DANE-TA record "
              "on an intermediate fails when the CA re-issues it, even with the same key.",
              RPT_CHART_BAR, rollover, NFIGS(rollover), 0);
}

void rpt_build(struct rpt_report *r, const struct rpt_scan *scans, size_t n,
               const struct rpt_figure_opts *o)
{
    const struct rpt_tally *t;

    if (n == 0)
        return;
    t = &scans[n - 1].tally;
    rpt_methodology(r, scans, n);
    headline(r, t);
    misconfigurations(r, t);
    breakdowns(r, t, o->top);
    forecasts(r, t);
    if (n > 1)
        rpt_trend(r, scans, n);
}
