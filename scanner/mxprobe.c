/* mxprobe.c: one STARTTLS probe per (MX host, IP, SNI) per scan, within per-IP and global limits.
 */
#include "scanner/mxprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/bucket.h"
#include "common/error.h"
#include "common/log.h"
#include "probes/certinfo.h"

#include <openssl/evp.h>

/* TLSA records kept per probe (the resolver keeps at most as many per host). */
#define RSV_TLSA_KEEP 16

struct mxp_waiter {
    mxp_cb cb;
    void *arg;
    struct mxp_waiter *next;
};

/* Politeness state of one destination IP. */
struct ip_slot {
    struct ip_slot *hnext;
    struct ip_slot *wprev, *wnext; /* in the list of slots with queued probes */
    struct mxp_entry *qhead, *qtail;
    struct ms_bucket bucket;
    uint64_t last_ms;
    int inflight;
    char ip[46];
};

struct mxp_entry {
    struct mxp_ctx *m;
    struct mxp_entry *hnext;
    struct mxp_entry *qnext;
    struct mxp_entry *lru_prev, *lru_next;
    struct mxp_waiter *waiters;
    struct ip_slot *slot;
    struct smtp_target target;
    struct smtp_probe *probe;
    struct smtp_result res; /* the finished probe's result; chain reduced to the leaf */
    struct smtp_tlsa tlsa[RSV_TLSA_KEEP];
    uint8_t *tlsa_blob; /* the TLSA data, copied: the probe may outlive the caller's copy */
    int refs;
    int done;
    char *key;
    char chain_id[72];
};

struct mxp_ctx {
    uv_loop_t *loop;
    struct mxp_opts o;
    struct mxp_entry **etab;
    uint32_t emask;
    struct ip_slot **stab;
    uint32_t smask;
    uint32_t n_slots;
    struct ip_slot *waiting; /* slots with queued probes */
    struct mxp_entry *lru_head, *lru_tail;
    uint32_t n_idle;
    int inflight;
    uv_timer_t pump;
    uv_timer_t sweep;
    int open_handles;
    struct mxp_stats st;
};

static void on_pump(uv_timer_t *t);

static void schedule(struct mxp_ctx *m, uint64_t ms)
{
    if (uv_is_active((uv_handle_t *)&m->pump) && uv_timer_get_due_in(&m->pump) <= ms)
        return;
    uv_timer_start(&m->pump, on_pump, ms, 0);
}

static struct ip_slot *slot_get(struct mxp_ctx *m, const char *ip)
{
    uint32_t h = ms_hash_str(ip) & m->smask;
    struct ip_slot *s;

    for (s = m->stab[h]; s != NULL; s = s->hnext)
        if (strcmp(s->ip, ip) == 0)
            return s;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    snprintf(s->ip, sizeof(s->ip), "%s", ip);
    ms_bucket_init(&s->bucket, m->o.per_ip_rate, 1, uv_now(m->loop));
    s->hnext = m->stab[h];
    m->stab[h] = s;
    m->n_slots++;
    return s;
}

static void waiting_add(struct mxp_ctx *m, struct ip_slot *s)
{
    if (s->wprev != NULL || m->waiting == s)
        return;
    s->wnext = m->waiting;
    if (m->waiting != NULL)
        m->waiting->wprev = s;
    m->waiting = s;
}

static void waiting_remove(struct mxp_ctx *m, struct ip_slot *s)
{
    if (s->wprev != NULL)
        s->wprev->wnext = s->wnext;
    else if (m->waiting == s)
        m->waiting = s->wnext;
    else
        return;
    if (s->wnext != NULL)
        s->wnext->wprev = s->wprev;
    s->wprev = s->wnext = NULL;
}

/* ---- finished entries: LRU of the unreferenced ones ---- */

static void lru_unlink(struct mxp_ctx *m, struct mxp_entry *e)
{
    if (e->lru_prev != NULL)
        e->lru_prev->lru_next = e->lru_next;
    else
        m->lru_head = e->lru_next;
    if (e->lru_next != NULL)
        e->lru_next->lru_prev = e->lru_prev;
    else
        m->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
    m->n_idle--;
}

static void entry_free(struct mxp_entry *e)
{
    if (e->res.chain != NULL)
        sk_X509_pop_free(e->res.chain, X509_free);
    free(e->tlsa_blob);
    free(e->key);
    free(e);
}

/* Copies t's TLSA records into e so the target no longer points at the caller's memory. */
static int copy_tlsa(struct mxp_entry *e, const struct smtp_target *t)
{
    size_t total = 0, off = 0;
    int n = t->n_tlsa < RSV_TLSA_KEEP ? t->n_tlsa : RSV_TLSA_KEEP;

    for (int i = 0; i < n; i++)
        total += t->tlsa[i].len;
    if (total > 0 && (e->tlsa_blob = malloc(total)) == NULL)
        return MS_ENOMEM;
    for (int i = 0; i < n; i++) {
        e->tlsa[i] = t->tlsa[i];
        if (t->tlsa[i].len > 0)
            memcpy(e->tlsa_blob + off, t->tlsa[i].data, t->tlsa[i].len);
        e->tlsa[i].data = e->tlsa_blob + off;
        off += t->tlsa[i].len;
    }
    e->target.tlsa = e->tlsa;
    e->target.n_tlsa = n;
    return 0;
}

static void entry_unhash(struct mxp_ctx *m, struct mxp_entry *e)
{
    struct mxp_entry **link = &m->etab[ms_hash_str(e->key) & m->emask];

    while (*link != NULL && *link != e)
        link = &(*link)->hnext;
    if (*link != NULL)
        *link = e->hnext;
}

void mxp_release(struct mxp_ctx *m, struct mxp_entry *e)
{
    if (--e->refs > 0)
        return;
    e->lru_prev = m->lru_tail;
    e->lru_next = NULL;
    if (m->lru_tail != NULL)
        m->lru_tail->lru_next = e;
    else
        m->lru_head = e;
    m->lru_tail = e;
    m->n_idle++;
    while (m->n_idle > m->o.max_entries && m->lru_head != NULL) {
        struct mxp_entry *old = m->lru_head;
        lru_unlink(m, old);
        entry_unhash(m, old);
        entry_free(old);
    }
}

/* ---- probing ---- */

/* Keeps only the leaf of the presented chain: enough for per-domain name checks, small to cache. */
static void keep_result(struct mxp_entry *e, const struct smtp_result *r)
{
    e->res = *r;
    e->res.chain = NULL;
    if (r->chain != NULL && sk_X509_num(r->chain) > 0) {
        X509 *leaf = sk_X509_value(r->chain, 0);
        e->res.chain = sk_X509_new_null();
        if (e->res.chain != NULL && X509_up_ref(leaf) == 1)
            sk_X509_push(e->res.chain, leaf);
    }
}

/* Hands a finished entry to its waiters and drops the probe's own reference. */
static void complete(struct mxp_ctx *m, struct mxp_entry *e)
{
    struct mxp_waiter *w;

    e->done = 1;
    e->slot->inflight--;
    m->inflight--;
    schedule(m, 0);
    while ((w = e->waiters) != NULL) {
        e->waiters = w->next;
        w->cb(w->arg, e);
        free(w);
    }
    mxp_release(m, e);
}

/* Hands the whole presented chain to the store once, under the SHA-256 of its DER. */
static void store_chain(struct mxp_ctx *m, struct mxp_entry *e, STACK_OF(X509) * chain)
{
    unsigned char md[32], *der = NULL, *p;
    size_t total = 0;
    int n = sk_X509_num(chain);

    for (int i = 0; i < n; i++) {
        int len = i2d_X509(sk_X509_value(chain, i), NULL);
        if (len <= 0)
            return;
        total += (size_t)len;
    }
    if (total == 0 || (der = OPENSSL_malloc(total)) == NULL)
        return;
    p = der;
    for (int i = 0; i < n; i++)
        i2d_X509(sk_X509_value(chain, i), &p);
    if (EVP_Digest(der, total, md, NULL, EVP_sha256(), NULL) == 1) {
        memcpy(e->chain_id, "chain:", 6);
        for (int i = 0; i < 32; i++)
            snprintf(e->chain_id + 6 + 2 * i, 3, "%02x", md[i]);
        if (m->o.chain_cb != NULL)
            m->o.chain_cb(m->o.chain_arg, e->chain_id, der, total);
    }
    OPENSSL_free(der);
}

static void on_probe_done(struct smtp_probe *p, void *arg)
{
    struct mxp_entry *e = arg;
    struct mxp_ctx *m = e->m;
    const struct smtp_result *r = smtp_probe_result(p);

    keep_result(e, r);
    if (r->outcome == SMTP_OUT_OK)
        m->st.handshakes++;
    if (r->chain != NULL && sk_X509_num(r->chain) > 0)
        store_chain(m, e, r->chain);
    if (r->chain != NULL && m->o.probe.pkix != NULL)
        e->res.pkix = pkix_check(r->chain, m->o.probe.pkix, e->target.mx_host, 0, NULL);
    smtp_probe_free(p);
    e->probe = NULL;
    complete(m, e);
}

/* Called from the pump only, never inside mxp_get, so waiters are never called back re-entrantly.
 */
static void start_probe(struct mxp_ctx *m, struct mxp_entry *e)
{
    int rc;

    e->slot->inflight++;
    m->inflight++;
    m->st.probes++;
    if (m->inflight > m->st.max_conns_seen)
        m->st.max_conns_seen = m->inflight;
    if (e->slot->inflight > m->st.max_per_ip_seen)
        m->st.max_per_ip_seen = e->slot->inflight;
    e->slot->last_ms = uv_now(m->loop);
    rc = smtp_probe_start(m->loop, &m->o.probe, &e->target, on_probe_done, e, &e->probe);
    if (rc != 0) {
        struct smtp_result r;

        memset(&r, 0, sizeof(r));
        r.outcome = SMTP_OUT_UNREACHABLE;
        r.error = rc == MS_ENOMEM ? SMTP_E_NOMEM : SMTP_E_CONNECT_ERROR;
        keep_result(e, &r);
        complete(m, e);
    }
}

/* Starts whatever the limits allow; re-arms itself for the next token. */
static void on_pump(uv_timer_t *t)
{
    struct mxp_ctx *m = t->data;
    uint64_t now = uv_now(m->loop), wait = 0;
    struct ip_slot *s = m->waiting, *next;

    for (; s != NULL; s = next) {
        next = s->wnext;
        while (s->qhead != NULL && s->inflight < m->o.per_ip_conns &&
               m->inflight < m->o.max_conns) {
            uint64_t w = ms_bucket_wait_ms(&s->bucket, now);
            struct mxp_entry *e;

            if (w > 0) {
                if (wait == 0 || w < wait)
                    wait = w;
                break;
            }
            ms_bucket_take(&s->bucket, now);
            e = s->qhead;
            s->qhead = e->qnext;
            if (s->qhead == NULL)
                s->qtail = NULL;
            start_probe(m, e);
        }
        if (s->qhead == NULL)
            waiting_remove(m, s);
        if (m->inflight >= m->o.max_conns)
            break; /* a finishing probe schedules the next pump */
    }
    if (wait > 0)
        schedule(m, wait);
}

static void enqueue(struct mxp_ctx *m, struct mxp_entry *e)
{
    struct ip_slot *s = e->slot;

    e->qnext = NULL;
    if (s->qtail != NULL)
        s->qtail->qnext = e;
    else
        s->qhead = e;
    s->qtail = e;
    if (s->inflight >= m->o.per_ip_conns || ms_bucket_wait_ms(&s->bucket, uv_now(m->loop)) > 0)
        m->st.waited_ip++;
    else if (m->inflight >= m->o.max_conns)
        m->st.waited_global++;
    waiting_add(m, s);
    schedule(m, 0);
}

static int add_waiter(struct mxp_entry *e, mxp_cb cb, void *arg)
{
    struct mxp_waiter *w = malloc(sizeof(*w));

    if (w == NULL)
        return MS_ENOMEM;
    w->cb = cb;
    w->arg = arg;
    w->next = e->waiters;
    e->waiters = w;
    e->refs++;
    return 0;
}

int mxp_get(struct mxp_ctx *m, const struct smtp_target *t, mxp_cb cb, void *arg,
            struct mxp_entry **out)
{
    char key[900];
    uint32_t h;
    struct mxp_entry *e;

    *out = NULL;
    snprintf(key, sizeof(key), "%s|%s|%u|%s|%d|%s", t->mx_host, t->ip, (unsigned)t->port, t->sni,
             t->dane, t->dane ? t->dane_base : "");
    h = ms_hash_str(key) & m->emask;
    for (e = m->etab[h]; e != NULL; e = e->hnext) {
        if (strcmp(e->key, key) != 0)
            continue;
        m->st.reused++;
        if (!e->done)
            return add_waiter(e, cb, arg);
        if (e->refs++ == 0)
            lru_unlink(m, e);
        *out = e;
        return 1;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        return MS_ENOMEM;
    }
    e->m = m;
    e->target = *t;
    e->slot = slot_get(m, t->ip);
    if (e->slot == NULL || copy_tlsa(e, t) != 0 || add_waiter(e, cb, arg) != 0) {
        free(e->tlsa_blob);
        free(e->key);
        free(e);
        return MS_ENOMEM;
    }
    e->refs++; /* held by the probe until it finishes */
    e->hnext = m->etab[h];
    m->etab[h] = e;
    enqueue(m, e);
    return 0;
}

const struct smtp_result *mxp_result(const struct mxp_entry *e)
{
    return &e->res;
}

const char *mxp_chain_id(const struct mxp_entry *e)
{
    return e->chain_id;
}

const struct mxp_stats *mxp_stats(const struct mxp_ctx *m)
{
    return &m->st;
}

/* Forgets idle IP slots whose rate-limit history no longer matters. */
static void on_sweep(uv_timer_t *t)
{
    struct mxp_ctx *m = t->data;
    uint64_t now = uv_now(m->loop);
    uint64_t keep_ms = m->o.per_ip_rate > 0 ? (uint64_t)(2000.0 / m->o.per_ip_rate) : 0;

    if (keep_ms < 5000)
        keep_ms = 5000;
    for (uint32_t i = 0; i <= m->smask; i++) {
        struct ip_slot **link = &m->stab[i];
        while (*link != NULL) {
            struct ip_slot *s = *link;
            if (s->inflight == 0 && s->qhead == NULL && now - s->last_ms > keep_ms) {
                *link = s->hnext;
                free(s);
                m->n_slots--;
            } else {
                link = &s->hnext;
            }
        }
    }
}

int mxp_create(struct mxp_ctx **out, uv_loop_t *loop, const struct mxp_opts *o)
{
    struct mxp_ctx *m = calloc(1, sizeof(*m));

    *out = NULL;
    if (m == NULL)
        return MS_ENOMEM;
    m->loop = loop;
    m->o = *o;
    if (m->o.per_ip_conns < 1)
        m->o.per_ip_conns = 1;
    if (m->o.max_conns < 1)
        m->o.max_conns = 1;
    m->emask = (1u << 16) - 1;
    m->smask = (1u << 16) - 1;
    m->etab = calloc(m->emask + 1, sizeof(*m->etab));
    m->stab = calloc(m->smask + 1, sizeof(*m->stab));
    if (m->etab == NULL || m->stab == NULL) {
        free(m->etab);
        free(m->stab);
        free(m);
        return MS_ENOMEM;
    }
    uv_timer_init(loop, &m->pump);
    uv_timer_init(loop, &m->sweep);
    m->pump.data = m->sweep.data = m;
    m->open_handles = 2;
    uv_timer_start(&m->sweep, on_sweep, 10000, 10000);
    uv_unref((uv_handle_t *)&m->sweep);
    *out = m;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    struct mxp_ctx *m = h->data;

    if (--m->open_handles > 0)
        return;
    for (uint32_t i = 0; i <= m->emask; i++) {
        while (m->etab[i] != NULL) {
            struct mxp_entry *e = m->etab[i];
            m->etab[i] = e->hnext;
            entry_free(e);
        }
    }
    for (uint32_t i = 0; i <= m->smask; i++) {
        while (m->stab[i] != NULL) {
            struct ip_slot *s = m->stab[i];
            m->stab[i] = s->hnext;
            free(s);
        }
    }
    free(m->etab);
    free(m->stab);
    free(m);
}

void mxp_destroy(struct mxp_ctx *m)
{
    if (m == NULL)
        return;
    uv_timer_stop(&m->pump);
    uv_timer_stop(&m->sweep);
    uv_close((uv_handle_t *)&m->pump, on_closed);
    uv_close((uv_handle_t *)&m->sweep, on_closed);
}
