/* tally.c: counting result records into the report's figures (definitions: docs/report.md). */
#include "analysis/tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/hostrow.h"
#include "common/error.h"
#include "datasets/psl.h"

static const char *const count_codes[] = {
#define XX(id, code) code,
    RPT_COUNT_MAP(XX)
#undef XX
};

static const char *const misconf_codes[] = {
#define XX(id, code) code,
    RPT_MISCONF_MAP(XX)
#undef XX
};

const char *rpt_count_code(enum rpt_count id)
{
    return id < RPT_N__COUNT ? count_codes[id] : "";
}

const char *rpt_misconf_code(enum rpt_misconf id)
{
    return id < RPT_M__COUNT ? misconf_codes[id] : "";
}

void rpt_tally_init(struct rpt_tally *t, size_t map_cap)
{
    memset(t, 0, sizeof(*t));
    rpt_countmap_init(&t->tls_versions, map_cap, 1);
    rpt_countmap_init(&t->issuers, map_cap, 1);
    rpt_countmap_init(&t->suffixes, map_cap, RPT_G__COUNT);
    rpt_countmap_init(&t->providers, RPT_PROVIDERS_MAX, RPT_G__COUNT);
    ms_buf_init(&t->scratch);
    ms_buf_init(&t->fields);
}

void rpt_tally_free(struct rpt_tally *t)
{
    rpt_countmap_free(&t->tls_versions);
    rpt_countmap_free(&t->issuers);
    rpt_countmap_free(&t->suffixes);
    rpt_countmap_free(&t->providers);
    ms_buf_free(&t->scratch);
    ms_buf_free(&t->fields);
}

/* `s` equals `v` (NULL counts as ""). */
static int is(const char *s, const char *v)
{
    return strcmp(s != NULL ? s : "", v) == 0;
}

int rpt_parse_time(const char *s, time_t *out)
{
    struct tm tm;
    char *end;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0')
        return MS_ESYNTAX;
    *out = timegm(&tm);
    return 0;
}

void rpt_domain_classify(const struct out_record *r, struct rpt_domain_class *c)
{
    const char *const *f = r->f;
    const char *dane = f[OUT_F_DANE];

    memset(c, 0, sizeof(*c));
    c->mail = is(f[OUT_F_MX_KIND], "mx") || is(f[OUT_F_MX_KIND], "implicit");
    if (!c->mail)
        return;
    c->sts_record = is(f[OUT_F_STS_TXT], "valid") || is(f[OUT_F_STS_TXT], "invalid") ||
                    is(f[OUT_F_STS_TXT], "multiple");
    c->sts_valid = is(f[OUT_F_STS], "valid") &&
                   (is(f[OUT_F_STS_MODE], "enforce") || is(f[OUT_F_STS_MODE], "testing"));
    /* Every dane value but none and lookup_error means a host has a secure TLSA RRset. */
    c->dane_any = !is(dane, "") && !is(dane, "none") && !is(dane, "lookup_error");
    c->dane_ok =
        is(dane, "valid") || is(dane, "host_only") || is(dane, "partial") || is(dane, "unusable");
    c->tlsrpt_record = is(f[OUT_F_TLSRPT], "valid") || is(f[OUT_F_TLSRPT], "invalid") ||
                       is(f[OUT_F_TLSRPT], "multiple");
    c->tlsrpt_valid = is(f[OUT_F_TLSRPT], "valid");
}

/* What the hosts_detail rows of one domain show (only the facts the figures need). */
struct rows_seen {
    int not_in_policy, cert_invalid, lookup_error, ee_nomatch, ta_not_in_chain, ta_name_mismatch,
        ta_chain_expired, starttls_missing;
    int sts_valid_rows, exp14, exp30; /* policy-valid rows; of them expiring within 14/30 days */
    int dane_matched, current_only, ta_full_intermediate; /* rows with a DANE match; their notes */
};

static int count_rows(struct rpt_tally *t, const char *detail, time_t scanned, struct rows_seen *s)
{
    const char *f[RPT_H__COUNT];
    char *p;

    ms_buf_reset(&t->fields);
    ms_buf_puts(&t->fields, detail);
    if (t->fields.oom)
        return MS_ENOMEM;
    p = t->fields.data;
    while (rpt_hostrow_next(&p, f)) {
        uint64_t *c;
        time_t na;

        if (is(f[RPT_H_STARTTLS], "ok")) {
            t->n[RPT_N_HS_ROWS]++;
            if ((c = rpt_countmap_get(&t->tls_versions, f[RPT_H_TLS_VERSION])) == NULL)
                return MS_ENOMEM;
            c[0]++;
        }
        if (*f[RPT_H_LEAF_ISSUER] != '\0') {
            t->n[RPT_N_LEAF_ROWS]++;
            if ((c = rpt_countmap_get(&t->issuers, f[RPT_H_LEAF_ISSUER])) == NULL)
                return MS_ENOMEM;
            c[0]++;
        }
        s->not_in_policy |= is(f[RPT_H_STS_MATCH], "no");
        s->cert_invalid |= is(f[RPT_H_STS_MATCH], "yes") && is(f[RPT_H_STARTTLS], "ok") &&
                           !is(f[RPT_H_PKIX], "valid");
        s->lookup_error |= is(f[RPT_H_DANE], "lookup_error");
        if (is(f[RPT_H_DANE], "nomatch")) {
            s->ee_nomatch |= is(f[RPT_H_ERROR], "tlsa_ee_nomatch");
            s->ta_not_in_chain |= is(f[RPT_H_ERROR], "ta_not_in_chain");
            s->ta_name_mismatch |= is(f[RPT_H_ERROR], "ta_name_mismatch");
            s->ta_chain_expired |= is(f[RPT_H_ERROR], "ta_chain_expired");
            s->starttls_missing |= is(f[RPT_H_ERROR], "starttls_missing_with_tlsa");
        }
        if (is(f[RPT_H_DANE], "match_ee") || is(f[RPT_H_DANE], "match_ta")) {
            s->dane_matched = 1;
            s->current_only |= strstr(f[RPT_H_DANE_NOTES], "tlsa_current_only") != NULL;
            s->ta_full_intermediate |=
                strstr(f[RPT_H_DANE_NOTES], "ta_full_cert_intermediate") != NULL;
        }
        if (is(f[RPT_H_STS_VALID], "yes")) {
            s->sts_valid_rows++;
            if (scanned != 0 && rpt_parse_time(f[RPT_H_LEAF_NOT_AFTER], &na) == 0) {
                s->exp14 += na - scanned <= 14 * 86400;
                s->exp30 += na - scanned <= 30 * 86400;
            }
        }
    }
    return 0;
}

/* The media type of a Content-Type value is text/plain (RFC 8461 §3.2; parameters ignored). */
static int ct_plain(const char *ct)
{
    size_t n = strcspn(ct, ";");

    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 10 && strncasecmp(ct, "text/plain", 10) == 0;
}

static void count_sts(struct rpt_tally *t, const struct out_record *r, const struct rows_seen *s)
{
    const char *const *f = r->f;
    int valid = is(f[OUT_F_STS], "valid");
    int applies = valid && !is(f[OUT_F_STS_MODE], "none");
    const char *err = f[OUT_F_STS_ERROR];

    t->misconf[RPT_M_TXT_SYNTAX] += is(err, "txt_syntax");
    t->misconf[RPT_M_TXT_MULTIPLE] += is(err, "txt_multiple");
    if (is(f[OUT_F_STS], "fetch_error")) {
        /* The fetch codes of docs/output.md are the map's HOST_NXDOMAIN..FETCH_ERROR. */
        for (int i = RPT_M_HOST_NXDOMAIN; i <= RPT_M_FETCH_ERROR; i++)
            t->misconf[i] += is(err, misconf_codes[i]);
    }
    if (valid || is(f[OUT_F_STS], "invalid")) {
        int fetched = f[OUT_F_STS_POLICY_ID] != NULL && *f[OUT_F_STS_POLICY_ID] != '\0';

        t->n[RPT_N_STS_FETCHED] += fetched;
        t->misconf[RPT_M_CT_MISMATCH] +=
            fetched && !ct_plain(f[OUT_F_STS_CONTENT_TYPE] ? f[OUT_F_STS_CONTENT_TYPE] : "");
        t->misconf[RPT_M_SYNTAX_LENIENT] += fetched && !valid;
    }
    t->misconf[RPT_M_SYNTAX_STRICT] += valid && is(f[OUT_F_STS_STRICT], "no");
    t->n[RPT_N_STS_POLICY_MODE] += applies;
    t->misconf[RPT_M_MX_NOT_IN_POLICY] += applies && s->not_in_policy;
    t->misconf[RPT_M_CERT_INVALID_ENFORCE] +=
        applies && is(f[OUT_F_STS_MODE], "enforce") && s->cert_invalid;
    t->misconf[RPT_M_TESTING] += valid && is(f[OUT_F_STS_MODE], "testing");
    t->misconf[RPT_M_MODE_NONE] += valid && is(f[OUT_F_STS_MODE], "none");
    if (valid && f[OUT_F_STS_MAX_AGE] != NULL && *f[OUT_F_STS_MAX_AGE] != '\0')
        t->misconf[RPT_M_MAX_AGE_TINY] +=
            strtoull(f[OUT_F_STS_MAX_AGE], NULL, 10) < RPT_MAX_AGE_TINY;
    if (applies && is(f[OUT_F_STS_MODE], "enforce") && s->sts_valid_rows > 0) {
        t->n[RPT_N_EXP14_ANY] += s->exp14 > 0;
        t->n[RPT_N_EXP14_ALL] += s->exp14 == s->sts_valid_rows;
        t->n[RPT_N_EXP30_ANY] += s->exp30 > 0;
        t->n[RPT_N_EXP30_ALL] += s->exp30 == s->sts_valid_rows;
    }
}

static void count_dane(struct rpt_tally *t, const struct out_record *r, const struct rows_seen *s,
                       const struct rpt_domain_class *c)
{
    const char *dane = r->f[OUT_F_DANE];

    t->n[RPT_N_DANE_DENOM] +=
        c->dane_any || is(dane, "lookup_error") || is(r->f[OUT_F_TLSA], "insecure");
    t->misconf[RPT_M_TLSA_INSECURE] += is(r->f[OUT_F_TLSA], "insecure");
    t->misconf[RPT_M_TLSA_LOOKUP_ERROR] += s->lookup_error;
    t->misconf[RPT_M_TLSA_EE_NOMATCH] += s->ee_nomatch;
    t->misconf[RPT_M_TA_NOT_IN_CHAIN] += s->ta_not_in_chain;
    t->misconf[RPT_M_TA_NAME_MISMATCH] += s->ta_name_mismatch;
    t->misconf[RPT_M_TA_CHAIN_EXPIRED] += s->ta_chain_expired;
    t->misconf[RPT_M_TLSA_ALL_UNUSABLE] += is(dane, "unusable");
    t->misconf[RPT_M_STARTTLS_MISSING_TLSA] += s->starttls_missing;
    t->n[RPT_N_DANE_MATCHED] += s->dane_matched;
    t->n[RPT_N_DANE_CURRENT_ONLY] += s->current_only;
    t->n[RPT_N_DANE_TA_FULL_INTERMEDIATE] += s->ta_full_intermediate;
}

static void count_headline(struct rpt_tally *t, const struct out_record *r,
                           const struct rpt_domain_class *c)
{
    const char *const *f = r->f;
    const char *st = f[OUT_F_STARTTLS], *dane = f[OUT_F_DANE];
    int reach = is(st, "all") || is(st, "some") || is(st, "none");

    t->n[RPT_N_MAIL]++;
    t->n[RPT_N_IMPLICIT] += is(f[OUT_F_MX_KIND], "implicit");
    t->n[RPT_N_STARTTLS_PROBED] += reach || is(st, "unreachable");
    t->n[RPT_N_STARTTLS_REACHABLE] += reach;
    t->n[RPT_N_STARTTLS_ALL] += is(st, "all");
    t->n[RPT_N_STARTTLS_SOME] += is(st, "some");
    t->n[RPT_N_STARTTLS_NONE] += is(st, "none");
    t->n[RPT_N_STARTTLS_UNREACHABLE] += is(st, "unreachable");
    t->n[RPT_N_STS_RECORD] += c->sts_record;
    t->n[RPT_N_STS_TXT_VALID] += is(f[OUT_F_STS_TXT], "valid");
    t->n[RPT_N_STS_VALID] += is(f[OUT_F_STS], "valid");
    if (is(f[OUT_F_STS], "valid")) {
        t->n[RPT_N_STS_ENFORCE] += is(f[OUT_F_STS_MODE], "enforce");
        t->n[RPT_N_STS_TESTING] += is(f[OUT_F_STS_MODE], "testing");
        t->n[RPT_N_STS_MODE_NONE] += is(f[OUT_F_STS_MODE], "none");
    }
    t->n[RPT_N_STS_DELIVERABLE] += is(f[OUT_F_STS_DELIVERABLE], "yes");
    t->n[RPT_N_STS_UNDELIVERABLE] += is(f[OUT_F_STS_DELIVERABLE], "no");
    t->n[RPT_N_MX_DNSSEC] += is(f[OUT_F_MX_DNSSEC], "secure");
    t->n[RPT_N_TLSA_SECURE] += is(f[OUT_F_TLSA], "secure");
    t->n[RPT_N_DANE_ANY] += c->dane_any;
    t->n[RPT_N_DANE_VALID] += is(dane, "valid");
    t->n[RPT_N_DANE_HOST_ONLY] += is(dane, "host_only");
    t->n[RPT_N_DANE_PARTIAL] += is(dane, "partial");
    t->n[RPT_N_DANE_UNUSABLE] += is(dane, "unusable");
    t->n[RPT_N_DANE_UNVERIFIED] += is(dane, "unverified");
    t->n[RPT_N_DANE_BROKEN] += is(dane, "invalid") || is(dane, "lookup_error");
    t->n[RPT_N_TLSRPT_RECORD] += c->tlsrpt_record;
    t->n[RPT_N_TLSRPT_VALID] += c->tlsrpt_valid;
    t->n[RPT_N_STS_ADOPTED] += c->sts_valid;
    t->n[RPT_N_BOTH] += c->sts_valid && c->dane_any;
    t->n[RPT_N_NEITHER] += !c->sts_valid && !c->dane_any;
}

static void count_tlsrpt(struct rpt_tally *t, const struct out_record *r)
{
    const char *v = r->f[OUT_F_TLSRPT], *err = r->f[OUT_F_TLSRPT_ERROR];

    t->misconf[RPT_M_RPT_SCHEME] += is(v, "invalid") && is(err, "rua_scheme");
    t->misconf[RPT_M_RPT_SYNTAX] += is(v, "invalid") && !is(err, "rua_scheme");
    t->misconf[RPT_M_RPT_MULTIPLE] += is(v, "multiple");
}

/*
 * The provider of a domain: the registered domain (Public Suffix List) of its
 * most preferred MX host (mx_hosts is sorted by preference, then name), or of
 * the domain itself for an implicit MX. A host that is itself a public suffix
 * stands for itself.
 */
static void provider_of(const struct out_record *r, char *out, size_t outsz)
{
    const char *p = r->f[OUT_F_MX_HOSTS], *host = r->f[OUT_F_DOMAIN];
    char first[256] = "";

    /* The first host that is not the "." of a null MX mixed with others. */
    while (p != NULL && *p != '\0') {
        const char *colon = strchr(p, ':');
        const char *h = colon != NULL ? colon + 1 : p;
        size_t n = strcspn(h, ";");

        if (n < sizeof(first) && !(n == 1 && h[0] == '.')) {
            memcpy(first, h, n);
            first[n] = '\0';
            break;
        }
        p = h[n] == ';' ? h + n + 1 : h + n;
    }
    if (first[0] != '\0')
        host = first;
    else if (p != r->f[OUT_F_MX_HOSTS])
        host = "."; /* only a null MX target */
    /* An IP-literal MX target has no registered domain: it stands for itself. */
    if (host == NULL || strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL ||
        ds_psl_registered(host, out, outsz) != 0)
        snprintf(out, outsz, "%s", host != NULL ? host : "");
}

static int count_group(struct rpt_countmap *m, const char *key, const struct out_record *r,
                       const struct rpt_domain_class *c)
{
    uint64_t *v = rpt_countmap_get(m, key);

    if (v == NULL)
        return MS_ENOMEM;
    v[RPT_G_DOMAINS]++;
    v[RPT_G_STARTTLS_ALL] += is(r->f[OUT_F_STARTTLS], "all");
    v[RPT_G_STS] += c->sts_valid;
    v[RPT_G_DANE_ANY] += c->dane_any;
    v[RPT_G_DANE_VALID] += is(r->f[OUT_F_DANE], "valid");
    v[RPT_G_TLSRPT] += c->tlsrpt_valid;
    return 0;
}

static int count_groups(struct rpt_tally *t, const struct out_record *r,
                        const struct rpt_domain_class *c)
{
    char key[256];
    int rc;

    if (r->f[OUT_F_DOMAIN] == NULL || ds_psl_suffix(r->f[OUT_F_DOMAIN], key, sizeof(key)) != 0)
        snprintf(key, sizeof(key), "%s", "");
    rc = count_group(&t->suffixes, key, r, c);
    provider_of(r, key, sizeof(key));
    return rc != 0 ? rc : count_group(&t->providers, key, r, c);
}

int rpt_tally_add(struct rpt_tally *t, const struct out_record *r)
{
    const char *status = r->f[OUT_F_STATUS], *kind = r->f[OUT_F_MX_KIND];
    struct rpt_domain_class c;
    struct rows_seen s;
    time_t scanned = 0;
    int rc = 0;

    t->n[RPT_N_RECORDS]++;
    t->n[RPT_N_INPUT_ERROR] += is(status, "input_error");
    t->n[RPT_N_EXCLUDED] += is(status, "excluded");
    t->n[RPT_N_DNS_ERROR] += is(status, "dns_error");
    t->n[RPT_N_RESOLVED] += is(status, "ok");
    t->n[RPT_N_NXDOMAIN] += is(kind, "nxdomain");
    t->n[RPT_N_NULL_MX] += is(kind, "null");
    rpt_domain_classify(r, &c);
    if (!c.mail)
        return 0;
    memset(&s, 0, sizeof(s));
    if (rpt_parse_time(r->f[OUT_F_SCANNED_AT], &scanned) != 0)
        scanned = 0;
    if (r->f[OUT_F_HOSTS_DETAIL] != NULL)
        rc = count_rows(t, r->f[OUT_F_HOSTS_DETAIL], scanned, &s);
    count_headline(t, r, &c);
    count_sts(t, r, &s);
    count_dane(t, r, &s, &c);
    count_tlsrpt(t, r);
    return rc != 0 ? rc : count_groups(t, r, &c);
}
