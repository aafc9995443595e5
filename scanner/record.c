/* record.c: turning a finished domain into its result record (the column values of docs/output.md).
 */
#include <stdio.h>
#include <string.h>

#include "scanner/domain.h"
#include "scanner/mxrows.h"
#include "probes/stspolicy.h"

static const char *const mx_kind_str[] = {"", "mx", "null", "implicit", "nxdomain", "dns_error"};
static const char *const dnssec_str[] = {"", "secure", "insecure", "bogus", "error"};
static const char *const note_str[] = {
#define XX(id, str) str,
    SCAN_NOTE_MAP(XX)
#undef XX
};

/* Ranks for "the least secure host counts" (docs/output.md, column tlsa). */
static int tlsa_rank(enum rsv_tlsa_state s)
{
    switch (s) {
    case RSV_TLSA_BOGUS:
        return 0;
    case RSV_TLSA_ERROR:
        return 1;
    case RSV_TLSA_INSECURE:
        return 2;
    case RSV_TLSA_NONE:
        return 3;
    case RSV_TLSA_SECURE:
        return 4;
    default:
        return 5;
    }
}

static const char *tlsa_str(int rank)
{
    static const char *const names[] = {"bogus", "error", "insecure", "none", "secure"};
    return rank >= 0 && rank < 5 ? names[rank] : "none";
}

/* Host facts that become notes, and the domain's TLSA summary. */
static const char *hosts_summary(const struct scan_domain *d, uint32_t *notes)
{
    int best = 5, addr_error = 0;

    for (int i = 0; i < d->n_mx; i++) {
        const struct rsv_host *h = d->mx[i].h;

        if (d->mx[i].ip_literal || d->mx[i].excluded || strcmp(d->mx[i].host, ".") == 0)
            continue;
        if (h == NULL || h->addr == RSV_ADDR_ERROR) {
            *notes |= 1u << SCAN_NOTE_BIT_MX_ADDR_ERROR;
            addr_error = 1;
            continue;
        }
        if (h->cname && d->mx_kind == MXK_MX)
            *notes |= 1u << SCAN_NOTE_BIT_MX_CNAME;
        if (h->addr == RSV_ADDR_NONE) {
            *notes |= 1u << SCAN_NOTE_BIT_MX_NO_ADDRESS;
            continue;
        }
        if (h->n_v4 == 0 && h->n_v6 > 0)
            *notes |= 1u << SCAN_NOTE_BIT_MX_AAAA_ONLY;
        if (h->tlsa == RSV_TLSA_SECURE || h->tlsa == RSV_TLSA_INSECURE) {
            if (h->tlsa_base == RSV_BASE_EXPANDED)
                *notes |= 1u << SCAN_NOTE_BIT_TLSA_BASE_EXPANDED;
            else if (h->tlsa_base == RSV_BASE_ORIGINAL)
                *notes |= 1u << SCAN_NOTE_BIT_TLSA_BASE_ORIGINAL;
        }
        if (tlsa_rank(h->tlsa) < best)
            best = tlsa_rank(h->tlsa);
    }
    if (best == 5)
        return addr_error ? "error" : "none";
    return tlsa_str(best);
}

/* Appends a NUL-terminated string to scratch and returns its offset. */
static size_t put(struct ms_buf *b, const char *s)
{
    size_t off = b->len;

    ms_buf_puts(b, s);
    ms_buf_append(b, "", 1);
    return off;
}

static size_t put_mx_hosts(struct ms_buf *b, const struct scan_domain *d)
{
    size_t off = b->len;

    for (int i = 0; i < d->n_mx; i++)
        ms_buf_printf(b, "%s%u:%s", i ? ";" : "", (unsigned)d->mx[i].pref, d->mx[i].host);
    ms_buf_append(b, "", 1);
    return off;
}

static size_t put_notes(struct ms_buf *b, uint32_t notes)
{
    size_t off = b->len;
    int first = 1;

    for (size_t i = 0; i < sizeof(note_str) / sizeof(note_str[0]); i++) {
        if (notes & (1u << i)) {
            ms_buf_printf(b, "%s%s", first ? "" : ";", note_str[i]);
            first = 0;
        }
    }
    ms_buf_append(b, "", 1);
    return off;
}

static const char *txt_str(enum scan_txt st, enum txt_verdict v)
{
    if (st == TXTS_DNS_ERROR)
        return "dns_error";
    return txt_verdict_str(v);
}

/* RFC 8460 §4.3.2: the TLS-RPT result type a sender would report for a policy failure. */
static const char *policy_result_type(const char *sts, const char *error)
{
    if (sts == NULL || error == NULL)
        return NULL;
    if (strcmp(sts, "fetch_error") == 0)
        return strncmp(error, "webpki_", 7) == 0 ? "sts-webpki-invalid" : "sts-policy-fetch-error";
    if (strcmp(sts, "invalid") == 0 && strncmp(error, "txt_", 4) != 0)
        return "sts-policy-invalid";
    return NULL;
}

/*
 * The MTA-STS columns (RFC 8461): none without a record; invalid for a broken
 * record or policy; fetch_error when no policy could be fetched; valid with
 * its mode otherwise. `max_age` goes through a static buffer: one record is
 * built at a time on the loop thread.
 */
static void sts_fields(const struct scan_domain *d, struct out_record *r, struct ms_buf *scratch,
                       const struct scan_mx_summary *sum)
{
    static char max_age[24];
    const struct scan_sts *s = d->stsp;

    (void)scratch;
    if (d->sts_state == TXTS_DNS_ERROR) {
        r->f[OUT_F_STS] = "dns_error";
        r->f[OUT_F_STS_ERROR] = "txt_dns_error";
        return;
    }
    if (d->sts_state != TXTS_DONE || d->sts.verdict == TXT_NONE) {
        r->f[OUT_F_STS] = d->sts_state == TXTS_DONE ? "none" : NULL;
        return;
    }
    if (d->sts.verdict != TXT_VALID) {
        r->f[OUT_F_STS] = "invalid";
        r->f[OUT_F_STS_ERROR] = d->sts.verdict == TXT_MULTIPLE ? "txt_multiple" : "txt_syntax";
        return;
    }
    if (s == NULL) /* valid record, but no fetch (DNS stage only, or excluded) */
        return;
    r->f[OUT_F_STS_CONTENT_TYPE] = s->content_type[0] ? s->content_type : NULL;
    if (s->error != NULL || s->policy == NULL) {
        r->f[OUT_F_STS] = "fetch_error";
        r->f[OUT_F_STS_ERROR] = s->error;
        return;
    }
    r->f[OUT_F_STS_POLICY_ID] = s->policy_id;
    r->f[OUT_F_STS_STRICT] = s->policy->valid_strict ? "yes" : "no";
    if (s->policy->max_age >= 0) { /* kept for invalid policies too: an over-cap value is news */
        snprintf(max_age, sizeof(max_age), "%lld", s->policy->max_age);
        r->f[OUT_F_STS_MAX_AGE] = max_age;
    }
    if (!s->policy->valid_lenient) {
        r->f[OUT_F_STS] = "invalid";
        r->f[OUT_F_STS_ERROR] = s->policy->error_lenient;
        return;
    }
    r->f[OUT_F_STS] = "valid";
    r->f[OUT_F_STS_MODE] = sts_mode_str(s->policy->mode);
    r->f[OUT_F_STS_ERROR] = s->policy->mode == STS_MODE_NONE ? "mode_none"
                            : !s->ct_ok                      ? "ct_mismatch"
                                                             : s->policy->error_strict;
    r->f[OUT_F_STS_MX_OK] = sum->sts_mx_ok;
    r->f[OUT_F_STS_DELIVERABLE] = sum->sts_deliverable;
}

void scan_domain_record(const struct scan_domain *d, struct out_record *r, struct ms_buf *scratch,
                        char *numbuf, size_t numbuf_size)
{
    size_t off_hosts = 0, off_notes, off_ede = 0, off_rows = 0;
    struct scan_mx_summary sum;
    uint32_t notes = d->notes;
    const char *tlsa = NULL;
    int has_hosts = d->mx_kind == MXK_MX || d->mx_kind == MXK_IMPLICIT;

    memset(r, 0, sizeof(*r));
    memset(&sum, 0, sizeof(sum));
    ms_buf_reset(scratch);
    if (has_hosts)
        tlsa = hosts_summary(d, &notes);
    if (d->mx_kind == MXK_MX || d->mx_kind == MXK_NULL)
        off_hosts = put_mx_hosts(scratch, d);
    off_notes = put_notes(scratch, notes);
    if (d->mx_ede >= 0) {
        char ede[16];
        snprintf(ede, sizeof(ede), "%d", d->mx_ede);
        off_ede = put(scratch, ede);
    }
    if (has_hosts) {
        off_rows = scratch->len;
        scan_mx_rows(d, scratch, &sum);
        ms_buf_append(scratch, "", 1);
    }
    if (scratch->oom)
        return;
    snprintf(numbuf, numbuf_size, "%llu", (unsigned long long)d->lineno);
    r->f[OUT_F_DOMAIN] = d->name;
    r->f[OUT_F_STATUS] = d->mx_kind == MXK_ERROR ? "dns_error" : "ok";
    r->f[OUT_F_ERROR] = d->error;
    r->f[OUT_F_MX_KIND] = mx_kind_str[d->mx_kind];
    r->f[OUT_F_MX_DNSSEC] = dnssec_str[d->mx_dnssec];
    r->f[OUT_F_MX_HOSTS] =
        (d->mx_kind == MXK_MX || d->mx_kind == MXK_NULL) ? scratch->data + off_hosts : NULL;
    r->f[OUT_F_DNS_NOTES] = scratch->data + off_notes;
    r->f[OUT_F_MX_EDE] = d->mx_ede >= 0 ? scratch->data + off_ede : NULL;
    r->f[OUT_F_TLSA] = tlsa;
    r->f[OUT_F_STS_TXT] = txt_str(d->sts_state, d->sts.verdict);
    r->f[OUT_F_STS_TXT_ERROR] = d->sts_state == TXTS_DONE ? d->sts.error : NULL;
    r->f[OUT_F_STS_ID] =
        d->sts_state == TXTS_DONE && d->sts.verdict == TXT_VALID ? d->sts.id : NULL;
    r->f[OUT_F_TLSRPT] = txt_str(d->rpt_state, d->rpt.verdict);
    r->f[OUT_F_TLSRPT_ERROR] = d->rpt_state == TXTS_DONE ? d->rpt.error : NULL;
    r->f[OUT_F_TLSRPT_RUA] =
        d->rpt_state == TXTS_DONE && d->rpt.verdict == TXT_VALID ? d->rpt.rua : NULL;
    r->f[OUT_F_INPUT_LINE] = numbuf;
    sts_fields(d, r, scratch, &sum);
    r->f[OUT_F_STS_RESULT_TYPE] = policy_result_type(r->f[OUT_F_STS], r->f[OUT_F_STS_ERROR]);
    if (has_hosts) {
        r->f[OUT_F_HOSTS_DETAIL] = scratch->data + off_rows;
        r->f[OUT_F_STARTTLS] = sum.starttls;
        r->f[OUT_F_DANE] = sum.dane;
        r->f[OUT_F_DANE_ERROR] = sum.dane_error;
    }
}
