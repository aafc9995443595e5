/* domain_probe.c: the STARTTLS stage of one domain: one probe request per (MX host, IP). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "scanner/addrpolicy.h"
#include "scanner/domain.h"
#include "scanner/exclude.h"
#include "scanner/mxprobe.h"

struct probe_wait {
    struct scan_domain *d;
    struct mxp_entry **slot;
};

static void probe_ready(void *arg, struct mxp_entry *e)
{
    struct probe_wait *w = arg;
    struct scan_domain *d = w->d;

    *w->slot = e;
    free(w);
    scan_domain_unref(d);
}

/* Asks for one probe; returns 1 when the answer will come later, 0 when it is already here. */
static int request(struct scan_domain *d, const struct smtp_target *t, struct mxp_entry **slot)
{
    struct probe_wait *w = malloc(sizeof(*w));
    int rc;

    if (w == NULL)
        return 0; /* the slot stays NULL: reported as a scanner fault in the row */
    w->d = d;
    w->slot = slot;
    rc = mxp_get(d->env->mxp, t, probe_ready, w, slot);
    if (rc == 0)
        return 1;
    free(w);
    return 0;
}

static void fill_target(const struct scan_domain *d, const struct scan_mx *mx, const char *ip,
                        struct smtp_target *t, struct smtp_tlsa *tlsa)
{
    const struct rsv_host *h = mx->h;

    memset(t, 0, sizeof(*t));
    snprintf(t->ip, sizeof(t->ip), "%s", ip);
    t->port = d->env->smtp_port;
    snprintf(t->mx_host, sizeof(t->mx_host), "%s", mx->host);
    t->dane = h->tlsa == RSV_TLSA_SECURE;
    if (t->dane) {
        snprintf(t->dane_base, sizeof(t->dane_base), "%s", h->tlsa_base_name);
        for (int i = 0; i < h->n_tlsa; i++) {
            tlsa[i].usage = h->tlsa_rr[i].usage;
            tlsa[i].selector = h->tlsa_rr[i].selector;
            tlsa[i].mtype = h->tlsa_rr[i].mtype;
            tlsa[i].len = h->tlsa_rr[i].len;
            tlsa[i].data = h->tlsa_rr[i].data;
        }
        t->tlsa = tlsa;
        t->n_tlsa = h->n_tlsa;
    }
    /* SNI: the TLSA base domain under DANE (RFC 7672 §8.1), else the MX name (RFC 8461 §7.1). */
    snprintf(t->sni, sizeof(t->sni), "%s", t->dane ? t->dane_base : t->mx_host);
}

static int count_slots(const struct scan_domain *d)
{
    int n = 0;

    for (int i = 0; i < d->n_mx; i++) {
        const struct rsv_host *h = d->mx[i].h;
        if (h != NULL && h->addr == RSV_ADDR_OK && !d->mx[i].ip_literal)
            n += h->n_addrs < SCAN_MAX_IPS ? h->n_addrs : SCAN_MAX_IPS;
    }
    return n;
}

int scan_domain_probe(struct scan_domain *d)
{
    struct smtp_tlsa tlsa[RSV_HOST_MAX_TLSA];
    int n = d->env->mxp != NULL ? count_slots(d) : 0, pending = 0;

    if (n == 0 || (d->probes = calloc((size_t)n, sizeof(*d->probes))) == NULL)
        return 0;
    for (int i = 0; i < d->n_mx; i++) {
        const struct rsv_host *h = d->mx[i].h;

        if (h == NULL || h->addr != RSV_ADDR_OK || d->mx[i].ip_literal)
            continue;
        for (int j = 0; j < h->n_addrs && j < SCAN_MAX_IPS; j++) {
            struct scan_probe *p = &d->probes[d->n_probes++];
            enum addr_class cls = addr_classify(h->addrs[j]);
            struct smtp_target t;

            p->mx = (uint8_t)i;
            p->ip = (uint8_t)j;
            if (!addr_allowed(cls, d->env->allow_private)) {
                p->skip = addr_class_str(cls);
                continue;
            }
            if (excl_addr(d->env->excl, h->addrs[j])) {
                p->skip = "excluded";
                continue;
            }
            fill_target(d, &d->mx[i], h->addrs[j], &t, tlsa);
            pending += request(d, &t, &p->main);
            if (t.dane && strcmp(t.dane_base, t.mx_host) != 0) {
                /* The PKIX (MTA-STS) view needs SNI = the MX name: a second handshake. */
                t.dane = 0;
                t.n_tlsa = 0;
                t.tlsa = NULL;
                snprintf(t.sni, sizeof(t.sni), "%s", t.mx_host);
                pending += request(d, &t, &p->pkix);
            }
        }
    }
    return pending;
}

void scan_domain_probe_release(struct scan_domain *d)
{
    for (int i = 0; i < d->n_probes; i++) {
        if (d->probes[i].main != NULL)
            mxp_release(d->env->mxp, d->probes[i].main);
        if (d->probes[i].pkix != NULL)
            mxp_release(d->env->mxp, d->probes[i].pkix);
    }
    free(d->probes);
    d->probes = NULL;
    d->n_probes = 0;
}
