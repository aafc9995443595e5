/* host.c: per-host address and TLSA lookups (RFC 7672 §2.2.2 base domain rules), shared and cached.
 */
#include "resolver/host.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/hash.h"
#include "common/error.h"
#include "common/log.h"
#include "resolver/reply.h"

enum host_state { H_ADDR = 0, H_CNAME, H_TLSA, H_TLSA_CD, H_DONE };

static const char *const state_names[] = {"addr", "cname", "tlsa", "tlsa_cd", "done"};

struct host_waiter {
    rsv_host_cb cb;
    void *arg;
    struct host_waiter *next;
};

/* Working state of a lookup; freed when the host is complete. */
struct host_scratch {
    int pending;
    int failed;        /* an address lookup failed */
    int all_ad;        /* every successful address answer had AD */
    char cand[2][256]; /* TLSA base domain candidates, in order */
    int n_cand, cur;
    char addrs[RSV_HOST_MAX_ADDRS][46];
    int n_v4, n_v6;
    char final_name[256];
};

struct host_entry {
    struct rsv_host pub;
    struct rsv_hostcache *hc;
    struct host_entry *hnext;
    struct host_entry *lru_prev, *lru_next;
    struct host_waiter *waiters;
    struct host_scratch *s;
    uint8_t *blob;
    char *base_alloc;
    int refs;
    enum host_state state;
    char namebuf[];
};

struct rsv_hostcache {
    struct rsv_ctx *r;
    struct host_entry **table;
    uint32_t mask;
    uint32_t max_idle;
    uint32_t n_idle;
    struct host_entry *lru_head, *lru_tail; /* idle hosts: head is the oldest */
    uint64_t hits, misses;
};

int rsv_hostcache_create(struct rsv_hostcache **out, struct rsv_ctx *r, uint32_t max_hosts)
{
    struct rsv_hostcache *hc = calloc(1, sizeof(*hc));
    uint32_t size = 1024;

    if (hc == NULL)
        return MS_ENOMEM;
    while (size < max_hosts && size < (1u << 24))
        size <<= 1;
    hc->table = calloc(size, sizeof(*hc->table));
    if (hc->table == NULL) {
        free(hc);
        return MS_ENOMEM;
    }
    hc->mask = size - 1;
    hc->r = r;
    hc->max_idle = max_hosts;
    *out = hc;
    return 0;
}

static void set_state(struct host_entry *e, enum host_state st)
{
    ms_trace("host %s: %s -> %s", e->pub.name, state_names[e->state], state_names[st]);
    e->state = st;
}

static void lru_unlink(struct rsv_hostcache *hc, struct host_entry *e)
{
    if (e->lru_prev != NULL)
        e->lru_prev->lru_next = e->lru_next;
    else
        hc->lru_head = e->lru_next;
    if (e->lru_next != NULL)
        e->lru_next->lru_prev = e->lru_prev;
    else
        hc->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
    hc->n_idle--;
}

static void entry_free(struct host_entry *e)
{
    free(e->pub.addrs);
    free(e->blob);
    free(e->base_alloc);
    free(e->s);
    free(e);
}

static void table_remove(struct rsv_hostcache *hc, struct host_entry *e)
{
    struct host_entry **link = &hc->table[ms_hash_str(e->pub.name) & hc->mask];

    while (*link != NULL && *link != e)
        link = &(*link)->hnext;
    if (*link != NULL)
        *link = e->hnext;
}

static void evict(struct rsv_hostcache *hc)
{
    while (hc->n_idle > hc->max_idle && hc->lru_head != NULL) {
        struct host_entry *e = hc->lru_head;
        lru_unlink(hc, e);
        table_remove(hc, e);
        entry_free(e);
    }
}

void rsv_host_release(struct rsv_hostcache *hc, struct rsv_host *h)
{
    struct host_entry *e = (struct host_entry *)h;

    if (--e->refs > 0)
        return;
    /* Idle now: newest at the tail, so eviction takes the least recently used. */
    e->lru_prev = hc->lru_tail;
    e->lru_next = NULL;
    if (hc->lru_tail != NULL)
        hc->lru_tail->lru_next = e;
    else
        hc->lru_head = e;
    hc->lru_tail = e;
    hc->n_idle++;
    evict(hc);
}

/* Copies the scratch results into the public part and wakes every waiter. */
static void finish(struct host_entry *e)
{
    struct host_scratch *s = e->s;
    struct host_waiter *w;

    e->pub.n_addrs = s->n_v4 + s->n_v6;
    e->pub.n_v4 = s->n_v4;
    e->pub.n_v6 = s->n_v6;
    if (e->pub.n_addrs > 0) {
        e->pub.addrs = malloc(sizeof(*e->pub.addrs) * (size_t)e->pub.n_addrs);
        if (e->pub.addrs != NULL)
            memcpy(e->pub.addrs, s->addrs, sizeof(*e->pub.addrs) * (size_t)e->pub.n_addrs);
        else
            e->pub.n_addrs = 0;
    }
    free(e->s);
    e->s = NULL;
    set_state(e, H_DONE);
    while ((w = e->waiters) != NULL) {
        e->waiters = w->next;
        w->cb(w->arg, &e->pub);
        free(w);
    }
    /* The lookup's own reference. */
    rsv_host_release(e->hc, &e->pub);
}

static void query_tlsa(struct host_entry *e, unsigned flags);

static void on_tlsa(void *arg, const struct rsv_reply *rep);

/* Stores the usage-selector-mtype-data of each TLSA record; malformed records are dropped. */
static void keep_tlsa(struct host_entry *e, const struct rsv_rrset *set)
{
    size_t total = 0, off = 0;

    for (int i = 0; i < set->n && i < RSV_HOST_MAX_TLSA; i++)
        if (ldns_rr_rd_count(set->rrs[i]) == 4)
            total += ldns_rdf_size(ldns_rr_rdf(set->rrs[i], 3));
    e->blob = total > 0 ? malloc(total) : NULL;
    if (total > 0 && e->blob == NULL)
        return;
    for (int i = 0; i < set->n && e->pub.n_tlsa < RSV_HOST_MAX_TLSA; i++) {
        const ldns_rr *rr = set->rrs[i];
        struct rsv_tlsa_rr *t = &e->pub.tlsa_rr[e->pub.n_tlsa];
        const ldns_rdf *data;

        if (ldns_rr_rd_count(rr) != 4)
            continue;
        data = ldns_rr_rdf(rr, 3);
        t->usage = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
        t->selector = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0];
        t->mtype = ldns_rdf_data(ldns_rr_rdf(rr, 2))[0];
        t->len = (uint16_t)ldns_rdf_size(data);
        memcpy(e->blob + off, ldns_rdf_data(data), t->len);
        t->data = e->blob + off;
        off += t->len;
        e->pub.n_tlsa++;
    }
}

static void tlsa_done(struct host_entry *e, enum rsv_tlsa_state st)
{
    e->pub.tlsa = st;
    if ((st == RSV_TLSA_SECURE || st == RSV_TLSA_INSECURE) &&
        strcmp(e->s->cand[e->s->cur], e->pub.name) != 0) {
        e->base_alloc = strdup(e->s->cand[e->s->cur]);
        if (e->base_alloc != NULL)
            e->pub.tlsa_base_name = e->base_alloc;
    }
    if (st == RSV_TLSA_SECURE || st == RSV_TLSA_INSECURE) {
        if (e->pub.cname)
            e->pub.tlsa_base =
                e->s->cur == 0 && e->s->n_cand == 2 ? RSV_BASE_EXPANDED : RSV_BASE_ORIGINAL;
    }
    finish(e);
}

static void on_tlsa(void *arg, const struct rsv_reply *rep)
{
    struct host_entry *e = arg;
    struct host_scratch *s = e->s;
    struct rsv_rrset set;
    char qname[270];

    if (e->state == H_TLSA_CD) {
        /* The CD=1 retry answered: the SERVFAIL was a validation failure (RFC 4035 §5.5). */
        int answered = rep->status == RSV_OK &&
                       (rep->rcode == LDNS_RCODE_NOERROR || rep->rcode == LDNS_RCODE_NXDOMAIN);
        tlsa_done(e, answered ? RSV_TLSA_BOGUS : RSV_TLSA_ERROR);
        return;
    }
    if (rep->status != RSV_OK) {
        tlsa_done(e, RSV_TLSA_ERROR);
        return;
    }
    if (rep->rcode == LDNS_RCODE_SERVFAIL) {
        e->pub.tlsa_ede = rep->ede;
        set_state(e, H_TLSA_CD);
        query_tlsa(e, RSV_QF_CD);
        return;
    }
    if (rep->rcode != LDNS_RCODE_NOERROR && rep->rcode != LDNS_RCODE_NXDOMAIN) {
        tlsa_done(e, RSV_TLSA_ERROR);
        return;
    }
    snprintf(qname, sizeof(qname), "_25._tcp.%s", s->cand[s->cur]);
    rsv_rrset_extract(rep->pkt, qname, LDNS_RR_TYPE_TLSA, &set);
    if (set.n > 0) {
        keep_tlsa(e, &set);
        tlsa_done(e, rep->ad ? RSV_TLSA_SECURE : RSV_TLSA_INSECURE);
        return;
    }
    /* §2.2.2: no TLSA at the expanded name, so try the original name next. */
    if (++s->cur < s->n_cand) {
        query_tlsa(e, 0);
        return;
    }
    tlsa_done(e, RSV_TLSA_NONE);
}

static void query_tlsa(struct host_entry *e, unsigned flags)
{
    struct host_scratch *s = e->s;
    char qname[270];

    if (e->state != H_TLSA_CD)
        set_state(e, H_TLSA);
    snprintf(qname, sizeof(qname), "_25._tcp.%s", s->cand[s->cur]);
    if (rsv_query(e->hc->r, qname, LDNS_RR_TYPE_TLSA, flags, on_tlsa, e) != 0)
        tlsa_done(e, RSV_TLSA_ERROR);
}

static void on_cname(void *arg, const struct rsv_reply *rep)
{
    struct host_entry *e = arg;

    /*
     * §2.2.2: the chain is not secure end to end; if its first CNAME is
     * secure the original name is the base domain, otherwise no TLSA.
     */
    if (rep->status == RSV_OK && rep->rcode == LDNS_RCODE_NOERROR && rep->ad) {
        e->s->n_cand = 1;
        snprintf(e->s->cand[0], sizeof(e->s->cand[0]), "%s", e->pub.name);
        query_tlsa(e, 0);
        return;
    }
    tlsa_done(e, RSV_TLSA_NONE);
}

/* Decides, after both address answers, whether and where to look for TLSA. */
static void after_addresses(struct host_entry *e)
{
    struct host_scratch *s = e->s;

    if (s->n_v4 + s->n_v6 == 0) {
        e->pub.addr = s->failed ? RSV_ADDR_ERROR : RSV_ADDR_NONE;
        finish(e);
        return;
    }
    e->pub.addr = RSV_ADDR_OK;
    e->pub.addr_secure = s->all_ad;
    if (!e->pub.cname) {
        if (!s->all_ad) {
            /* §2.2.2: insecure address and no CNAME: no TLSA query. */
            tlsa_done(e, RSV_TLSA_NONE);
            return;
        }
        s->n_cand = 1;
        snprintf(s->cand[0], sizeof(s->cand[0]), "%s", e->pub.name);
        query_tlsa(e, 0);
        return;
    }
    if (s->all_ad) {
        s->n_cand = 2;
        snprintf(s->cand[0], sizeof(s->cand[0]), "%s", s->final_name);
        snprintf(s->cand[1], sizeof(s->cand[1]), "%s", e->pub.name);
        query_tlsa(e, 0);
        return;
    }
    set_state(e, H_CNAME);
    if (rsv_query(e->hc->r, e->pub.name, LDNS_RR_TYPE_CNAME, 0, on_cname, e) != 0)
        tlsa_done(e, RSV_TLSA_ERROR);
}

static void take_addresses(struct host_entry *e, const struct rsv_reply *rep, uint16_t type)
{
    struct host_scratch *s = e->s;
    struct rsv_rrset set;

    if (rep->status != RSV_OK ||
        (rep->rcode != LDNS_RCODE_NOERROR && rep->rcode != LDNS_RCODE_NXDOMAIN)) {
        s->failed = 1;
        return;
    }
    if (!rep->ad)
        s->all_ad = 0;
    rsv_rrset_extract(rep->pkt, e->pub.name, type, &set);
    if (set.cname_hops > 0) {
        e->pub.cname = 1;
        snprintf(s->final_name, sizeof(s->final_name), "%s", set.final_name);
    }
    for (int i = 0; i < set.n && s->n_v4 + s->n_v6 < RSV_HOST_MAX_ADDRS; i++) {
        const ldns_rdf *rdf = ldns_rr_rdf(set.rrs[i], 0);
        int af = type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
        size_t want = af == AF_INET ? 4 : 16;

        if (rdf == NULL || ldns_rdf_size(rdf) != want)
            continue;
        /* IPv4 first: callers try addresses in this order. */
        if (af == AF_INET && s->n_v6 > 0)
            memmove(s->addrs[s->n_v4 + 1], s->addrs[s->n_v4],
                    sizeof(s->addrs[0]) * (size_t)s->n_v6);
        inet_ntop(af, ldns_rdf_data(rdf), s->addrs[af == AF_INET ? s->n_v4 : s->n_v4 + s->n_v6],
                  sizeof(s->addrs[0]));
        if (af == AF_INET)
            s->n_v4++;
        else
            s->n_v6++;
    }
}

static void on_a(void *arg, const struct rsv_reply *rep)
{
    struct host_entry *e = arg;

    take_addresses(e, rep, LDNS_RR_TYPE_A);
    if (--e->s->pending == 0)
        after_addresses(e);
}

static void on_aaaa(void *arg, const struct rsv_reply *rep)
{
    struct host_entry *e = arg;

    take_addresses(e, rep, LDNS_RR_TYPE_AAAA);
    if (--e->s->pending == 0)
        after_addresses(e);
}

static int start_lookup(struct host_entry *e)
{
    struct host_scratch *s = e->s;

    s->all_ad = 1;
    s->pending = 2;
    set_state(e, H_ADDR);
    if (rsv_query(e->hc->r, e->pub.name, LDNS_RR_TYPE_A, 0, on_a, e) != 0)
        return MS_EINVAL;
    if (rsv_query(e->hc->r, e->pub.name, LDNS_RR_TYPE_AAAA, 0, on_aaaa, e) != 0) {
        /* The A query is out: let it finish alone and count AAAA as failed. */
        s->pending = 1;
        s->failed = 1;
    }
    return 0;
}

static struct host_entry *find(struct rsv_hostcache *hc, const char *name, uint32_t h)
{
    struct host_entry *e;

    for (e = hc->table[h & hc->mask]; e != NULL; e = e->hnext)
        if (strcmp(e->pub.name, name) == 0)
            return e;
    return NULL;
}

static int add_waiter(struct host_entry *e, rsv_host_cb cb, void *arg)
{
    struct host_waiter *w = malloc(sizeof(*w)), **tail = &e->waiters;

    if (w == NULL)
        return MS_ENOMEM;
    w->cb = cb;
    w->arg = arg;
    w->next = NULL;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = w;
    e->refs++;
    return 0;
}

int rsv_host_lookup(struct rsv_hostcache *hc, const char *name, rsv_host_cb cb, void *arg,
                    struct rsv_host **out)
{
    uint32_t h = ms_hash_str(name);
    struct host_entry *e = find(hc, name, h);
    size_t n = strlen(name);
    int rc;

    *out = NULL;
    if (e != NULL) {
        hc->hits++;
        if (e->state != H_DONE)
            return add_waiter(e, cb, arg);
        if (e->refs++ == 0)
            lru_unlink(hc, e);
        *out = &e->pub;
        return 1;
    }
    hc->misses++;
    e = calloc(1, sizeof(*e) + n + 1);
    if (e == NULL)
        return MS_ENOMEM;
    e->s = calloc(1, sizeof(*e->s));
    if (e->s == NULL) {
        free(e);
        return MS_ENOMEM;
    }
    memcpy(e->namebuf, name, n + 1);
    e->pub.name = e->namebuf;
    e->pub.tlsa_base_name = e->namebuf;
    e->pub.tlsa_ede = -1;
    e->hc = hc;
    e->refs = 1; /* held by the lookup until finish() */
    e->hnext = hc->table[h & hc->mask];
    hc->table[h & hc->mask] = e;
    rc = add_waiter(e, cb, arg);
    if (rc == 0)
        rc = start_lookup(e);
    if (rc != 0) {
        table_remove(hc, e);
        while (e->waiters != NULL) {
            struct host_waiter *w = e->waiters;
            e->waiters = w->next;
            free(w);
        }
        entry_free(e);
        return rc;
    }
    return 0;
}

void rsv_hostcache_stats(const struct rsv_hostcache *hc, uint64_t *hits, uint64_t *misses)
{
    *hits = hc->hits;
    *misses = hc->misses;
}

void rsv_hostcache_destroy(struct rsv_hostcache *hc)
{
    if (hc == NULL)
        return;
    for (uint32_t i = 0; i <= hc->mask; i++) {
        struct host_entry *e = hc->table[i];
        while (e != NULL) {
            struct host_entry *next = e->hnext;
            entry_free(e);
            e = next;
        }
    }
    free(hc->table);
    free(hc);
}
