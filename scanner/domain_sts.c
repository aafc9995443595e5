/* domain_sts.c: the MTA-STS policy of one domain: resolve mta-sts.<domain> ourselves, fetch, parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "probes/stsfetch.h"
#include "probes/stspolicy.h"
#include "resolver/reply.h"
#include "scanner/addrpolicy.h"
#include "scanner/domain.h"
#include "scanner/exclude.h"

static void sts_fail(struct scan_domain *d, const char *error)
{
    d->stsp->error = error;
    scan_domain_unref(d);
}

static void policy_id(const char *body, size_t len, char *out, size_t outsz)
{
    unsigned char md[32];

    out[0] = '\0';
    if (outsz < 72 || EVP_Digest(body, len, md, NULL, EVP_sha256(), NULL) != 1)
        return;
    memcpy(out, "policy:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static void on_fetched(void *arg, const struct sts_fetch_result *r)
{
    struct scan_domain *d = arg;
    struct scan_sts *s = d->stsp;

    if (r->error != NULL)
        d->env->sts_fetch_errors++;
    s->ct_ok = r->ct_ok;
    snprintf(s->content_type, sizeof(s->content_type), "%s", r->content_type);
    if (r->error != NULL) {
        sts_fail(d, r->error);
        return;
    }
    s->fetched = 1;
    policy_id(r->body ? r->body : "", r->body_len, s->policy_id, sizeof(s->policy_id));
    if (d->env->blob_cb != NULL && s->policy_id[0] != '\0')
        d->env->blob_cb(d->env->blob_arg, s->policy_id, r->body ? r->body : "", r->body_len);
    s->policy = malloc(sizeof(*s->policy));
    if (s->policy == NULL) {
        sts_fail(d, "scanner_nomem");
        return;
    }
    sts_policy_parse(r->body, r->body_len, s->policy);
    scan_domain_unref(d);
}

/* Picks the first address of the policy host's answer that the scanner may connect to. */
static const char *pick_address(struct scan_domain *d, const struct rsv_reply *rep, uint16_t type,
                                char *ip, size_t ipsz, const char **why)
{
    char host[270];
    struct rsv_rrset set;

    snprintf(host, sizeof(host), "mta-sts.%s", d->name);
    rsv_rrset_extract(rep->pkt, host, type, &set);
    for (int i = 0; i < set.n; i++) {
        const ldns_rdf *rdf = ldns_rr_rdf(set.rrs[i], 0);
        int af = type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;

        if (rdf == NULL || ldns_rdf_size(rdf) != (af == AF_INET ? 4u : 16u))
            continue;
        inet_ntop(af, ldns_rdf_data(rdf), ip, (socklen_t)ipsz);
        if (!addr_allowed(addr_classify(ip), d->env->allow_private_sts)) {
            *why = addr_class_str(addr_classify(ip));
            continue;
        }
        if (excl_addr(d->env->excl, ip)) {
            *why = "excluded";
            continue;
        }
        return ip;
    }
    return NULL;
}

static void on_policy_host(void *arg, const struct rsv_reply *rep);

static void lookup(struct scan_domain *d, uint16_t type)
{
    char host[270];

    snprintf(host, sizeof(host), "mta-sts.%s", d->name);
    if (rsv_query(d->env->rsv, host, type, 0, on_policy_host, d) != 0)
        sts_fail(d, "host_dns_error");
}

static void on_policy_host(void *arg, const struct rsv_reply *rep)
{
    struct scan_domain *d = arg;
    uint16_t type = LDNS_RR_TYPE_A;
    const char *why = NULL;
    char ip[64], host[270];

    if (rep->status != RSV_OK ||
        (rep->rcode != LDNS_RCODE_NOERROR && rep->rcode != LDNS_RCODE_NXDOMAIN)) {
        sts_fail(d, "host_dns_error");
        return;
    }
    if (rep->pkt != NULL && ldns_pkt_question(rep->pkt) != NULL &&
        ldns_rr_list_rr_count(ldns_pkt_question(rep->pkt)) > 0)
        type = (uint16_t)ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(rep->pkt), 0));
    if (pick_address(d, rep, type, ip, sizeof(ip), &why) == NULL) {
        if (type == LDNS_RR_TYPE_A && rep->rcode != LDNS_RCODE_NXDOMAIN) {
            lookup(d, LDNS_RR_TYPE_AAAA); /* no usable IPv4: try IPv6 */
            return;
        }
        /* §3.3 and checklist A.5: a TXT record whose policy host does not resolve. */
        sts_fail(d, why != NULL ? "host_address_skipped" : "host_nxdomain");
        return;
    }
    snprintf(host, sizeof(host), "mta-sts.%s", d->name);
    d->env->sts_fetches++;
    if (sts_fetch_start(d->env->sts, host, ip, on_fetched, d) != 0) {
        d->env->sts_fetch_errors++;
        sts_fail(d, "fetch_error");
    }
}

void scan_domain_sts_start(struct scan_domain *d)
{
    if (excl_domain(d->env->excl, d->name))
        return;
    d->stsp = calloc(1, sizeof(*d->stsp));
    if (d->stsp == NULL)
        return;
    d->pending++;
    lookup(d, LDNS_RR_TYPE_A);
}

void scan_domain_sts_release(struct scan_domain *d)
{
    if (d->stsp == NULL)
        return;
    free(d->stsp->policy);
    free(d->stsp);
    d->stsp = NULL;
}
