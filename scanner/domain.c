/* domain.c: the DNS stage of one domain, as a set of parallel lookups joined by a pending count. */
#include "scanner/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "resolver/reply.h"
#include "scanner/exclude.h"

#define NOTE(d, id) ((d)->notes |= 1u << SCAN_NOTE_BIT_##id)

/* Longest TXT record we evaluate; longer ones are cut (and then fail the syntax check). */
#define TXT_JOIN_MAX    4096
#define TXT_MAX_RECORDS 16

static void unref(struct scan_domain *d);

void scan_domain_unref(struct scan_domain *d)
{
    unref(d);
}

static void unref(struct scan_domain *d)
{
    if (--d->pending > 0)
        return;
    /* The DNS stage is over: the STARTTLS stage may add work before the domain is done. */
    if (d->stage == 0) {
        d->stage = 1;
        d->pending = 1;
        d->pending += scan_domain_probe(d);
        if (--d->pending > 0)
            return;
    }
    d->done(d);
}

/* ---- TXT: _mta-sts and _smtp._tls (RFC 8461 §3.1, RFC 8460 §3) ---- */

struct txt_set {
    char buf[TXT_MAX_RECORDS][TXT_JOIN_MAX];
    const char *rec[TXT_MAX_RECORDS];
    size_t len[TXT_MAX_RECORDS];
    size_t n;
};

/*
 * One scratch set for every TXT reply: evaluation finishes inside the
 * callback and the loop is single-threaded, so no per-reply allocation.
 */
static struct txt_set txt_scratch;

/* Returns 0 and fills `ts` with the TXT records at the end of the CNAME chain, or -1 on failure. */
static int collect_txt(const struct rsv_reply *rep, const char *qname, struct txt_set *ts)
{
    struct rsv_rrset set;

    ts->n = 0;
    if (rep->status != RSV_OK)
        return -1;
    if (rep->rcode == LDNS_RCODE_NXDOMAIN)
        return 0;
    if (rep->rcode != LDNS_RCODE_NOERROR)
        return -1;
    rsv_rrset_extract(rep->pkt, qname, LDNS_RR_TYPE_TXT, &set);
    for (int i = 0; i < set.n && ts->n < TXT_MAX_RECORDS; i++) {
        ts->len[ts->n] = rsv_txt_join(set.rrs[i], ts->buf[ts->n], TXT_JOIN_MAX);
        ts->rec[ts->n] = ts->buf[ts->n];
        ts->n++;
    }
    return 0;
}

static void on_sts_txt(void *arg, const struct rsv_reply *rep)
{
    struct scan_domain *d = arg;
    struct txt_set *ts = &txt_scratch;
    char qname[270];

    snprintf(qname, sizeof(qname), "_mta-sts.%s", d->name);
    if (collect_txt(rep, qname, ts) != 0) {
        d->sts_state = TXTS_DNS_ERROR;
    } else {
        sts_txt_evaluate(ts->rec, ts->len, ts->n, &d->sts);
        d->sts_state = TXTS_DONE;
        if (d->sts.verdict == TXT_VALID && d->env->sts != NULL)
            scan_domain_sts_start(d);
    }
    unref(d);
}

static void on_rpt_txt(void *arg, const struct rsv_reply *rep)
{
    struct scan_domain *d = arg;
    struct txt_set *ts = &txt_scratch;
    char qname[270];

    snprintf(qname, sizeof(qname), "_smtp._tls.%s", d->name);
    if (collect_txt(rep, qname, ts) != 0) {
        d->rpt_state = TXTS_DNS_ERROR;
    } else {
        tlsrpt_evaluate(ts->rec, ts->len, ts->n, &d->rpt);
        d->rpt_state = TXTS_DONE;
    }
    unref(d);
}

/* ---- MX hosts ---- */

/* Starts the host lookup for slot i; the reference arrives in mx[i].h. */
struct host_wait {
    struct scan_domain *d;
    int slot;
};

static void host_ready(void *arg, struct rsv_host *h)
{
    struct host_wait *w = arg;
    struct scan_domain *d = w->d;

    d->mx[w->slot].h = h;
    free(w);
    unref(d);
}

static void lookup_host(struct scan_domain *d, int slot)
{
    struct host_wait *w = malloc(sizeof(*w));
    struct rsv_host *h = NULL;
    int rc;

    if (w == NULL)
        return; /* h stays NULL: counted as an address lookup error */
    w->d = d;
    w->slot = slot;
    d->pending++;
    rc = rsv_host_lookup(d->env->hosts, d->mx[slot].host, host_ready, w, &h);
    if (rc == 1) {
        d->mx[slot].h = h;
        free(w);
        d->pending--;
    } else if (rc < 0) {
        free(w);
        d->pending--;
    }
}

/* An MX target written as an address ("192.0.2.1."): not a host name, DANE does not apply. */
static int is_ip_literal(const char *host)
{
    int dots = 0;

    if (host[0] == '[')
        return 1;
    for (const char *p = host; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return 0;
    }
    return dots == 3;
}

static int mx_cmp(const void *a, const void *b)
{
    const struct scan_mx *x = a, *y = b;

    if (x->pref != y->pref)
        return x->pref < y->pref ? -1 : 1;
    return strcmp(x->host, y->host);
}

static void mx_failed(struct scan_domain *d, const char *error, enum scan_dnssec sec)
{
    d->mx_kind = MXK_ERROR;
    d->mx_dnssec = sec;
    d->error = error;
}

/*
 * Reads the MX records of a NOERROR reply into d->mx: all of them sorted by
 * preference (then name), the SCAN_MAX_MX most preferred kept. Returns how
 * many kept records are "." targets.
 */
static int take_mx(struct scan_domain *d, const struct rsv_reply *rep)
{
    struct rsv_rrset set;
    struct scan_mx *all;
    int n = 0, nulls = 0;

    rsv_rrset_extract(rep->pkt, d->name, LDNS_RR_TYPE_MX, &set);
    if (set.cname_hops > 0)
        NOTE(d, DOMAIN_CNAME);
    if (set.n == 0)
        return 0;
    all = calloc((size_t)set.n, sizeof(*all));
    if (all == NULL)
        return 0;
    for (int i = 0; i < set.n; i++) {
        const ldns_rr *rr = set.rrs[i];

        if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 2)
            continue;
        all[n].pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        rsv_dname_str(ldns_rr_rdf(rr, 1), all[n].host, sizeof(all[n].host));
        n++;
    }
    qsort(all, (size_t)n, sizeof(all[0]), mx_cmp);
    if (n > SCAN_MAX_MX || set.truncated)
        NOTE(d, MX_HOSTS_CAPPED);
    d->n_mx = n < SCAN_MAX_MX ? n : SCAN_MAX_MX;
    memcpy(d->mx, all, sizeof(all[0]) * (size_t)d->n_mx);
    free(all);
    for (int i = 0; i < d->n_mx; i++)
        nulls += strcmp(d->mx[i].host, ".") == 0;
    return nulls;
}

static void start_hosts(struct scan_domain *d)
{
    for (int i = 0; i < d->n_mx; i++) {
        struct scan_mx *mx = &d->mx[i];

        if (strcmp(mx->host, ".") == 0)
            continue;
        if (is_ip_literal(mx->host)) {
            mx->ip_literal = 1;
            NOTE(d, MX_IP_LITERAL);
            continue;
        }
        if (excl_domain(d->env->excl, mx->host)) {
            mx->excluded = 1;
            NOTE(d, MX_EXCLUDED);
            continue;
        }
        lookup_host(d, i);
    }
}

static void on_mx_cd(void *arg, const struct rsv_reply *rep)
{
    struct scan_domain *d = arg;

    /* RFC 4035 §5.5: a SERVFAIL that CD=1 answers is a validation failure. */
    if (rep->status == RSV_OK &&
        (rep->rcode == LDNS_RCODE_NOERROR || rep->rcode == LDNS_RCODE_NXDOMAIN))
        mx_failed(d, "mx_bogus", DS_BOGUS);
    else
        mx_failed(d, "mx_servfail", DS_ERROR);
    unref(d);
}

static void mx_rcode_failure(struct scan_domain *d, const struct rsv_reply *rep)
{
    switch (rep->rcode) {
    case LDNS_RCODE_SERVFAIL:
        d->mx_ede = rep->ede;
        d->pending++;
        if (rsv_query(d->env->rsv, d->name, LDNS_RR_TYPE_MX, RSV_QF_CD, on_mx_cd, d) != 0) {
            d->pending--;
            mx_failed(d, "mx_servfail", DS_ERROR);
        }
        return;
    case LDNS_RCODE_REFUSED:
        mx_failed(d, "mx_refused", DS_ERROR);
        return;
    case LDNS_RCODE_FORMERR:
        mx_failed(d, "mx_formerr", DS_ERROR);
        return;
    default:
        mx_failed(d, "mx_rcode_other", DS_ERROR);
        return;
    }
}

static void on_mx(void *arg, const struct rsv_reply *rep)
{
    struct scan_domain *d = arg;
    int nulls;

    if (rep->status != RSV_OK) {
        mx_failed(d,
                  rep->status == RSV_MALFORMED ? "mx_malformed"
                  : rep->status == RSV_NETERR  ? "mx_neterr"
                                               : "mx_timeout",
                  DS_ERROR);
    } else if (rep->rcode == LDNS_RCODE_NXDOMAIN) {
        d->mx_kind = MXK_NXDOMAIN;
        d->mx_dnssec = rep->ad ? DS_SECURE : DS_INSECURE;
    } else if (rep->rcode != LDNS_RCODE_NOERROR) {
        mx_rcode_failure(d, rep);
    } else {
        d->mx_dnssec = rep->ad ? DS_SECURE : DS_INSECURE;
        nulls = take_mx(d, rep);
        if (d->n_mx == 0) {
            /* RFC 5321 §5.1: no MX, the domain itself is the mail host. */
            d->mx_kind = MXK_IMPLICIT;
            d->n_mx = 1;
            d->mx[0].pref = 0;
            snprintf(d->mx[0].host, sizeof(d->mx[0].host), "%s", d->name);
            lookup_host(d, 0);
        } else if (nulls == d->n_mx && d->n_mx == 1) {
            d->mx_kind = MXK_NULL; /* RFC 7505 §3: no mail, no fallback */
        } else {
            d->mx_kind = MXK_MX;
            if (nulls > 0)
                NOTE(d, NULL_MX_MIXED);
            start_hosts(d);
        }
    }
    unref(d);
}

void scan_domain_start(struct scan_domain *d)
{
    char qname[270];

    d->mx_ede = -1;
    /* One extra count held here, so `done` cannot run while queries are still being sent. */
    d->pending = 1;
    d->pending++;
    if (rsv_query(d->env->rsv, d->name, LDNS_RR_TYPE_MX, 0, on_mx, d) != 0) {
        d->pending--;
        mx_failed(d, "mx_malformed", DS_ERROR);
    }
    snprintf(qname, sizeof(qname), "_mta-sts.%s", d->name);
    d->pending++;
    if (rsv_query(d->env->rsv, qname, LDNS_RR_TYPE_TXT, 0, on_sts_txt, d) != 0) {
        d->pending--;
        d->sts_state = TXTS_DNS_ERROR;
    }
    snprintf(qname, sizeof(qname), "_smtp._tls.%s", d->name);
    d->pending++;
    if (rsv_query(d->env->rsv, qname, LDNS_RR_TYPE_TXT, 0, on_rpt_txt, d) != 0) {
        d->pending--;
        d->rpt_state = TXTS_DNS_ERROR;
    }
    unref(d);
}

void scan_domain_release(struct scan_domain *d)
{
    scan_domain_probe_release(d);
    scan_domain_sts_release(d);
    for (int i = 0; i < d->n_mx; i++) {
        if (d->mx[i].h != NULL) {
            rsv_host_release(d->env->hosts, d->mx[i].h);
            d->mx[i].h = NULL;
        }
    }
}
