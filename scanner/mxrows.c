/* mxrows.c: per-(MX host, IP) verdicts and the domain's STARTTLS and DANE summary (RFC 7672 §2.2).
 */
#include "scanner/mxrows.h"

#include <string.h>

#include <openssl/x509v3.h>

#include "probes/certinfo.h"
#include "probes/stspolicy.h"
#include "scanner/mxprobe.h"

/* One row's verdicts, before formatting. */
struct row {
    const char *starttls, *tls_version, *cipher, *pkix, *dane, *error;
    const struct smtp_result *shown; /* the probe whose TLS facts the row shows */
    const char *chain_id;
    int sts_pass; /* RFC 8461 §4: STARTTLS, handshake and a PKIX-valid certificate for the MX name
                   */
    int reachable, ok, dane_pass, dane_fail;
};

/*
 * §3.2.2: with a secure MX RRset the next-hop domain is also a reference
 * identifier for DANE-TA; the probe only knew the host's names, so a
 * name mismatch is re-checked here against the domain itself.
 */
static int nexthop_names_leaf(const struct scan_domain *d, const struct smtp_result *r)
{
    X509 *leaf;

    if (d->mx_dnssec != DS_SECURE || r->chain == NULL || sk_X509_num(r->chain) == 0)
        return 0;
    leaf = sk_X509_value(r->chain, 0);
    return X509_check_host(leaf, d->name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

static void dane_verdict(const struct scan_domain *d, const struct rsv_host *h,
                         const struct smtp_result *r, struct row *w)
{
    if (h->tlsa == RSV_TLSA_BOGUS || h->tlsa == RSV_TLSA_ERROR) {
        w->dane = "lookup_error"; /* §2.1.2: unreachable for a DANE sender */
        w->dane_fail = 1;
        if (w->error == NULL)
            w->error = "tlsa_lookup_error";
        return;
    }
    if (h->tlsa != RSV_TLSA_SECURE) {
        w->dane = "none";
        return;
    }
    if (r->outcome == SMTP_OUT_UNREACHABLE) {
        w->dane = ""; /* not assessable: no SMTP session */
        return;
    }
    if (r->outcome != SMTP_OUT_OK) {
        w->dane = "nomatch"; /* §2.2.3: secure TLSA commits the host to STARTTLS */
        w->dane_fail = 1;
        w->error = "starttls_missing_with_tlsa";
        return;
    }
    switch (r->dane) {
    case DANE_M_EE:
        w->dane = "match_ee";
        w->dane_pass = 1;
        return;
    case DANE_M_TA:
        w->dane = "match_ta";
        w->dane_pass = 1;
        return;
    case DANE_M_UNUSABLE:
        w->dane = "unusable"; /* TLS without authentication, and TLS succeeded */
        w->dane_pass = 1;
        return;
    default:
        if (r->dane_error != NULL && strcmp(r->dane_error, "ta_name_mismatch") == 0 &&
            nexthop_names_leaf(d, r)) {
            w->dane = "match_ta";
            w->dane_pass = 1;
            return;
        }
        w->dane = "nomatch";
        w->dane_fail = 1;
        if (w->error == NULL)
            w->error = r->dane_error;
        return;
    }
}

static void fill_row(const struct scan_domain *d, const struct scan_probe *p, struct row *w)
{
    const struct rsv_host *h = d->mx[p->mx].h;
    const struct smtp_result *main_r, *pkix_r;

    memset(w, 0, sizeof(*w));
    if (p->skip != NULL) {
        w->starttls = "skipped";
        w->error = p->skip;
        w->dane = "";
        return;
    }
    if (p->main == NULL) {
        w->starttls = "unreachable";
        w->error = "scanner_nomem";
        w->dane = "";
        return;
    }
    main_r = mxp_result(p->main);
    pkix_r = p->pkix != NULL ? mxp_result(p->pkix) : main_r;
    w->shown = pkix_r;
    w->chain_id = mxp_chain_id(p->pkix != NULL ? p->pkix : p->main);
    w->starttls = smtp_outcome_str(pkix_r->outcome);
    w->reachable = pkix_r->outcome != SMTP_OUT_UNREACHABLE;
    w->ok = pkix_r->outcome == SMTP_OUT_OK;
    w->tls_version = pkix_r->tls_version;
    w->cipher = pkix_r->cipher;
    w->pkix = pkix_verdict_str((enum pkix_verdict)pkix_r->pkix);
    w->sts_pass = w->ok && pkix_r->pkix == PKIX_VALID;
    if (pkix_r->error != SMTP_E_NONE)
        w->error = smtp_errstr(pkix_r->error);
    dane_verdict(d, h, main_r, w);
    if (w->error == NULL && (main_r->injection || pkix_r->injection))
        w->error = "plaintext_injection";
}

static void put_field(struct ms_buf *b, const char *s, char sep)
{
    /* Tabs and newlines separate fields and rows: they never come from our vocabularies. */
    for (; s != NULL && *s; s++)
        ms_buf_putc(b, (*s == '\t' || *s == '\n') ? ' ' : *s);
    ms_buf_putc(b, sep);
}

/* TLS parameters, the reason a handshake failed, and the leaf certificate's facts. */
static void put_tls_facts(struct ms_buf *b, const struct row *w)
{
    const struct smtp_result *r = w->shown;
    struct cert_info ci;
    char code[16] = "", key[32] = "";
    int leaf = r != NULL && r->chain != NULL && sk_X509_num(r->chain) > 0;

    if (leaf) {
        cert_info_get(sk_X509_value(r->chain, 0), &ci);
        snprintf(key, sizeof(key), "%s-%d", ci.key_type, ci.key_bits);
    }
    if (r != NULL && r->greeting_code > 0)
        snprintf(code, sizeof(code), "%d", r->greeting_code);
    put_field(b, r ? r->group : NULL, '\t');
    put_field(b, r ? r->tls_reason : NULL, '\t');
    put_field(b, code, '\t');
    put_field(b, leaf ? ci.subject : NULL, '\t');
    put_field(b, leaf ? ci.issuer : NULL, '\t');
    put_field(b, leaf ? ci.sans : NULL, '\t');
    put_field(b, leaf ? ci.not_before : NULL, '\t');
    put_field(b, leaf ? ci.not_after : NULL, '\t');
    put_field(b, leaf ? key : NULL, '\t');
    put_field(b, w->chain_id, '\t');
}

int scan_sts_applies(const struct scan_domain *d)
{
    return d->stsp != NULL && d->stsp->policy != NULL && d->stsp->error == NULL &&
           d->stsp->policy->valid_lenient;
}

/* RFC 8461 §4.1: the MX name as published against the policy's patterns. */
static int sts_host_matches(const struct scan_domain *d, const struct scan_mx *mx)
{
    return scan_sts_applies(d) && sts_policy_matches(d->stsp->policy, mx->host);
}

/*
 * RFC 8460 §4.3.1: the negotiation failure a sender applying the policy would
 * report for this MX address (empty when it passes, is unreachable or skipped).
 */
static const char *mx_result_type(const struct row *w, int match)
{
    const struct smtp_result *r = w->shown;

    if (r == NULL || !w->reachable || (match && w->sts_pass))
        return NULL;
    if (!match)
        return "validation-failure"; /* RFC 8461 §4.1: not a policy-valid MX */
    if (r->outcome == SMTP_OUT_NOT_OFFERED)
        return "starttls-not-supported";
    if (r->outcome != SMTP_OUT_OK)
        return "validation-failure";
    switch (r->pkix) {
    case PKIX_EXPIRED:
        return "certificate-expired";
    case PKIX_NAME_MISMATCH:
        return "certificate-host-mismatch";
    case PKIX_UNTRUSTED:
        return "certificate-not-trusted";
    default:
        return "validation-failure";
    }
}

static void put_sts(struct ms_buf *b, const struct scan_domain *d, const struct scan_probe *p,
                    const struct row *w)
{
    int match = sts_host_matches(d, &d->mx[p->mx]);
    int applies = scan_sts_applies(d) && d->stsp->policy->mode != STS_MODE_NONE;

    put_field(b, scan_sts_applies(d) ? (match ? "yes" : "no") : NULL, '\t');
    put_field(b, scan_sts_applies(d) ? (match && w->sts_pass ? "yes" : "no") : NULL, '\t');
    put_field(b, applies ? mx_result_type(w, match) : NULL, '\t');
}

/* Rollover forecasts for an address that passes DANE with a match (probes/dane.h). */
static void put_dane_notes(struct ms_buf *b, const struct scan_probe *p, const struct row *w)
{
    const struct smtp_result *r = p->main != NULL ? mxp_result(p->main) : NULL;
    int matched =
        w->dane != NULL && (strcmp(w->dane, "match_ee") == 0 || strcmp(w->dane, "match_ta") == 0);

    if (matched && r != NULL && r->dane_ee_current_only)
        ms_buf_puts(b, "tlsa_current_only");
    if (matched && r != NULL && r->dane_ta_full_intermediate)
        ms_buf_puts(b, r->dane_ee_current_only ? ";ta_full_cert_intermediate"
                                               : "ta_full_cert_intermediate");
    ms_buf_putc(b, '\n');
}

static void put_row(struct ms_buf *b, const struct scan_domain *d, const struct scan_probe *p,
                    const struct row *w)
{
    const struct scan_mx *mx = &d->mx[p->mx];
    char pref[8];

    snprintf(pref, sizeof(pref), "%u", (unsigned)mx->pref);
    put_field(b, mx->host, '\t');
    put_field(b, pref, '\t');
    put_field(b, mx->h->addrs[p->ip], '\t');
    put_field(b, w->starttls, '\t');
    put_field(b, w->tls_version, '\t');
    put_field(b, w->cipher, '\t');
    put_field(b, w->pkix, '\t');
    put_field(b, w->dane, '\t');
    put_field(b, w->error, '\t');
    put_tls_facts(b, w);
    put_sts(b, d, p, w);
    put_dane_notes(b, p, w);
}

/* Per host: does it have secure TLSA, did any of its rows fail or pass DANE. */
struct host_dane {
    int tlsa, lookup_error, pass, fail, unusable_only;
};

static const char *dane_summary(const struct scan_domain *d, const struct host_dane *hd, int n,
                                const char **first_error, int *any_host)
{
    int with_tlsa = 0, lookup = 0, fail = 0, all_unusable = 1, unverified = 0;

    for (int i = 0; i < n; i++) {
        if (hd[i].lookup_error)
            lookup = 1;
        if (!hd[i].tlsa)
            continue;
        with_tlsa++;
        fail |= hd[i].fail;
        unverified |= !hd[i].fail && !hd[i].pass;
        all_unusable &= hd[i].unusable_only;
    }
    if (with_tlsa == 0 && !lookup)
        return "none";
    if (fail)
        return "invalid";
    if (lookup) {
        if (*first_error == NULL)
            *first_error = "tlsa_lookup_error";
        return "lookup_error";
    }
    if (unverified)
        return "unverified"; /* secure TLSA, but the host could not be reached to check it */
    if (d->mx_dnssec != DS_SECURE)
        return "host_only"; /* §2.2.1: an insecure MX RRset cannot be protected by DANE */
    if (all_unusable)
        return "unusable";
    return with_tlsa == *any_host ? "valid" : "partial";
}

void scan_mx_rows(const struct scan_domain *d, struct ms_buf *rows, struct scan_mx_summary *sum)
{
    struct host_dane hd[SCAN_MAX_MX];
    int sts_ok[SCAN_MAX_MX] = {0};
    int reachable = 0, ok = 0, probed = 0, hosts = 0, sts_hosts = 0, sts_good = 0;
    const char *first_error = NULL;

    memset(sum, 0, sizeof(*sum));
    memset(hd, 0, sizeof(hd));
    for (int i = 0; i < d->n_mx; i++) {
        const struct rsv_host *h = d->mx[i].h;
        if (h == NULL || h->addr != RSV_ADDR_OK || d->mx[i].ip_literal)
            continue;
        hosts++;
        hd[i].tlsa = h->tlsa == RSV_TLSA_SECURE;
        hd[i].lookup_error = h->tlsa == RSV_TLSA_BOGUS || h->tlsa == RSV_TLSA_ERROR;
        hd[i].unusable_only = 1;
    }
    for (int i = 0; i < d->n_probes; i++) {
        const struct scan_probe *p = &d->probes[i];
        struct row w;

        fill_row(d, p, &w);
        put_row(rows, d, p, &w);
        if (p->skip == NULL) {
            probed++;
            reachable += w.reachable;
            ok += w.ok;
        }
        hd[p->mx].pass |= w.dane_pass;
        /* A host a sender can deliver to: one of its addresses passes (RFC 8461 §4). */
        sts_ok[p->mx] |= w.sts_pass && sts_host_matches(d, &d->mx[p->mx]);
        hd[p->mx].fail |= w.dane_fail && hd[p->mx].tlsa;
        if (w.dane != NULL && strcmp(w.dane, "unusable") != 0)
            hd[p->mx].unusable_only = 0;
        if (w.dane_fail && first_error == NULL && hd[p->mx].tlsa)
            first_error = w.error;
    }
    if (probed > 0)
        sum->starttls = reachable == 0    ? "unreachable"
                        : ok == reachable ? "all"
                        : ok == 0         ? "none"
                                          : "some";
    sum->dane = dane_summary(d, hd, d->n_mx, &first_error, &hosts);
    /* §5: a policy in mode none restricts nothing, so no MX coverage is reported. */
    if (scan_sts_applies(d) && hosts > 0 && d->stsp->policy->mode != STS_MODE_NONE) {
        for (int i = 0; i < d->n_mx; i++) {
            const struct rsv_host *h = d->mx[i].h;
            if (h == NULL || h->addr != RSV_ADDR_OK || d->mx[i].ip_literal)
                continue;
            sts_hosts++;
            sts_good += sts_ok[i];
        }
        sum->sts_mx_ok = sts_good == sts_hosts ? "all" : sts_good == 0 ? "none" : "some";
        if (d->stsp->policy->mode == STS_MODE_ENFORCE)
            sum->sts_deliverable = sts_good > 0 ? "yes" : "no";
    }
    sum->dane_error = strcmp(sum->dane, "invalid") == 0 || strcmp(sum->dane, "lookup_error") == 0
                          ? first_error
                          : NULL;
}
