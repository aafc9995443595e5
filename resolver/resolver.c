/* resolver.c: query scheduling over upstreams: token buckets, in-flight caps, retries with backoff.
 */
#include "resolver/resolver.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "resolver/reply.h"
#include "resolver/upstream.h"

/* One query from rsv_query() to its callback; recycled through a free list. */
struct rsv_q {
    struct rsv_ctx *ctx;
    struct rsv_q *next;
    rsv_query_cb cb;
    void *arg;
    uint64_t due_ms; /* not before this time (retry backoff) */
    uint16_t type;
    uint8_t flags;
    uint8_t attempt;
    int8_t last_up;
    uint8_t waited;
    char name[256];
};

struct rsv_qlist {
    struct rsv_q *head;
    struct rsv_q *tail;
    uint64_t n;
};

struct rsv_ctx {
    uv_loop_t *loop;
    struct rsv_opts opts;
    struct rsv_upstream up[RSV_MAX_UPSTREAMS];
    int n_up;
    int next_up;            /* round-robin cursor */
    struct rsv_qlist ready; /* waiting for a token or an in-flight slot */
    struct rsv_qlist later; /* waiting for their backoff to pass */
    struct rsv_q *free_q;
    uint64_t n_free;
    uint64_t inflight;
    uv_timer_t pump; /* runs the scheduler outside callers' stacks */
    int open_handles;
    int closing;
};

#define FREE_Q_KEEP 4096
/* Largest query: header, a 255-octet name, type and class, OPT. */
#define RSV_WIRE_MAX 512

static void on_pump(uv_timer_t *t);

static void qlist_push(struct rsv_qlist *l, struct rsv_q *q)
{
    q->next = NULL;
    if (l->tail != NULL)
        l->tail->next = q;
    else
        l->head = q;
    l->tail = q;
    l->n++;
}

static struct rsv_q *qlist_pop(struct rsv_qlist *l)
{
    struct rsv_q *q = l->head;

    if (q != NULL) {
        l->head = q->next;
        if (l->head == NULL)
            l->tail = NULL;
        l->n--;
    }
    return q;
}

uv_loop_t *rsv_ctx_loop(struct rsv_ctx *ctx)
{
    return ctx->loop;
}

void rsv_ctx_handle_opened(struct rsv_ctx *ctx)
{
    ctx->open_handles++;
}

static void free_ctx(struct rsv_ctx *ctx)
{
    struct rsv_q *q;

    while ((q = ctx->free_q) != NULL) {
        ctx->free_q = q->next;
        free(q);
    }
    free(ctx);
}

void rsv_ctx_handle_released(struct rsv_ctx *ctx)
{
    if (--ctx->open_handles == 0 && ctx->closing)
        free_ctx(ctx);
}

void rsv_opts_default(struct rsv_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->qps_per_upstream = 0;
    o->max_inflight = 1000;
    o->timeout_ms = 2000;
    o->retries = 2;
    o->backoff_ms = 100;
    o->edns_size = 1232;
}

int rsv_parse_upstream(const char *s, struct rsv_upstream_opts *u)
{
    const char *colon, *addr = s, *end;
    size_t alen;
    long port = 53;
    char *stop;

    memset(u, 0, sizeof(*u));
    if (s[0] == '[') {
        addr = s + 1;
        end = strchr(addr, ']');
        if (end == NULL)
            return MS_EINVAL;
        colon = end[1] == ':' ? end + 1 : NULL;
        if (end[1] != '\0' && colon == NULL)
            return MS_EINVAL;
    } else {
        colon = strchr(s, ':');
        /* More than one colon without brackets is a bare IPv6 address. */
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            colon = NULL;
        end = colon != NULL ? colon : s + strlen(s);
    }
    alen = (size_t)(end - addr);
    if (alen == 0 || alen >= sizeof(u->addr))
        return MS_EINVAL;
    memcpy(u->addr, addr, alen);
    if (colon != NULL) {
        port = strtol(colon + 1, &stop, 10);
        if (*stop != '\0' || port < 1 || port > 65535)
            return MS_EINVAL;
    }
    u->port = (uint16_t)port;
    return 0;
}

static struct rsv_q *q_alloc(struct rsv_ctx *ctx)
{
    struct rsv_q *q = ctx->free_q;

    if (q != NULL) {
        ctx->free_q = q->next;
        ctx->n_free--;
        return q;
    }
    return malloc(sizeof(*q));
}

static void q_release(struct rsv_ctx *ctx, struct rsv_q *q)
{
    if (ctx->n_free >= FREE_Q_KEEP) {
        free(q);
        return;
    }
    q->next = ctx->free_q;
    ctx->free_q = q;
    ctx->n_free++;
}

/* Hands the outcome to the caller and recycles the query. */
static void deliver(struct rsv_q *q, struct rsv_reply *reply)
{
    struct rsv_ctx *ctx = q->ctx;
    rsv_query_cb cb = q->cb;
    void *arg = q->arg;

    q_release(ctx, q);
    cb(arg, reply);
}

static void deliver_status(struct rsv_q *q, enum rsv_status st)
{
    struct rsv_reply r;

    memset(&r, 0, sizeof(r));
    r.status = st;
    r.ede = -1;
    r.upstream = q->last_up;
    deliver(q, &r);
}

static void schedule(struct rsv_ctx *ctx, uint64_t delay_ms)
{
    if (ctx->closing)
        return;
    if (uv_is_active((uv_handle_t *)&ctx->pump) && uv_timer_get_due_in(&ctx->pump) <= delay_ms)
        return;
    uv_timer_start(&ctx->pump, on_pump, delay_ms, 0);
}

/* Puts a failed try back for another go, or ends the query with `st`. */
static void retry_or_fail(struct rsv_q *q, enum rsv_status st)
{
    struct rsv_ctx *ctx = q->ctx;
    uint64_t delay;

    if (ctx->closing || q->attempt >= ctx->opts.retries) {
        deliver_status(q, ctx->closing ? RSV_CANCELLED : st);
        return;
    }
    q->attempt++;
    delay = (uint64_t)ctx->opts.backoff_ms << (q->attempt - 1);
    q->due_ms = uv_now(ctx->loop) + delay;
    qlist_push(&ctx->later, q);
    schedule(ctx, delay);
}

static void count_rcode(struct rsv_upstream_stats *st, uint8_t rcode)
{
    if (rcode == LDNS_RCODE_SERVFAIL)
        st->servfail++;
    else if (rcode == LDNS_RCODE_NXDOMAIN)
        st->nxdomain++;
    else if (rcode == LDNS_RCODE_REFUSED)
        st->refused++;
}

/*
 * Parses a reply. Only SERVFAIL replies need more than the header and the
 * answer section (their OPT record carries the Extended DNS Error); for the
 * rest the authority and additional sections, heavy with NSEC and RRSIG
 * records under DO=1, are cut off before ldns allocates them.
 */
static ldns_status parse_reply(ldns_pkt **pkt, const unsigned char *abuf, size_t alen)
{
    static uint8_t copy[65536];
    size_t end;

    if (alen < 12 || alen > sizeof(copy) || (abuf[3] & 0x0f) == LDNS_RCODE_SERVFAIL)
        return ldns_wire2pkt(pkt, abuf, alen);
    end = rsv_wire_answer_end(abuf, alen);
    if (end == 0)
        return ldns_wire2pkt(pkt, abuf, alen);
    memcpy(copy, abuf, end);
    copy[8] = copy[9] = copy[10] = copy[11] = 0; /* NSCOUNT = ARCOUNT = 0 */
    return ldns_wire2pkt(pkt, copy, end);
}

static void on_answer(struct rsv_q *q, struct rsv_upstream *up, const unsigned char *abuf, int alen)
{
    struct rsv_reply r;
    ldns_pkt *pkt = NULL;

    up->stats.answered++;
    if (parse_reply(&pkt, abuf, (size_t)alen) != LDNS_STATUS_OK) {
        retry_or_fail(q, RSV_MALFORMED);
        return;
    }
    memset(&r, 0, sizeof(r));
    r.status = RSV_OK;
    r.rcode = (uint8_t)ldns_pkt_get_rcode(pkt);
    r.ad = ldns_pkt_ad(pkt);
    r.ede = rsv_reply_ede(pkt);
    r.pkt = pkt;
    r.upstream = up->index;
    count_rcode(&up->stats, r.rcode);
    /* REFUSED is the upstream's own policy or overload: another upstream may answer. */
    if (r.rcode == LDNS_RCODE_REFUSED && up->ctx->n_up > 1 && q->attempt < up->ctx->opts.retries) {
        ldns_pkt_free(pkt);
        retry_or_fail(q, RSV_OK);
        return;
    }
    deliver(q, &r);
    ldns_pkt_free(pkt);
}

static void on_ares(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct rsv_q *q = arg;
    struct rsv_ctx *ctx = q->ctx;
    struct rsv_upstream *up = &ctx->up[q->last_up];

    up->inflight--;
    ctx->inflight--;
    if (status == ARES_SUCCESS && abuf != NULL) {
        on_answer(q, up, abuf, alen);
    } else if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
        deliver_status(q, RSV_CANCELLED);
    } else if (status == ARES_ETIMEOUT) {
        up->stats.timeouts++;
        retry_or_fail(q, RSV_TIMEOUT);
    } else {
        ms_debug("resolver %s: %s for %s: %s", up->name, q->name,
                 status == ARES_ECONNREFUSED ? "connection refused" : "error",
                 ares_strerror(status));
        up->stats.neterr++;
        retry_or_fail(q, RSV_NETERR);
    }
    schedule(ctx, 0);
}

/*
 * Encodes the query (RFC 1035 §4.1, RFC 6891 §6): random id, RD, CD per flags,
 * one question, and an OPT record last with the advertised UDP size, DO=1 and
 * no options (checklist D.1). ldns turns the name into wire form; the fixed
 * parts are written here because ldns_pkt_query_new + ldns_pkt2wire cost a
 * dozen allocations per query on the hot path.
 */
static int build_wire(const struct rsv_q *q, uint16_t edns_size, uint8_t *wire, size_t *len)
{
    ldns_rdf *qname = ldns_dname_new_frm_str(q->name);
    uint16_t id = (uint16_t)arc4random();
    size_t nlen, p;

    if (qname == NULL)
        return MS_EINVAL;
    nlen = ldns_rdf_size(qname);
    if (12 + nlen + 4 + 11 > RSV_WIRE_MAX) {
        ldns_rdf_deep_free(qname);
        return MS_EINVAL;
    }
    memset(wire, 0, 12);
    wire[0] = (uint8_t)(id >> 8);
    wire[1] = (uint8_t)id;
    wire[2] = 0x01;                                 /* RD */
    wire[3] = (q->flags & RSV_QF_CD) ? 0x10 : 0x00; /* CD */
    wire[5] = 1;                                    /* QDCOUNT */
    wire[11] = 1;                                   /* ARCOUNT: the OPT record */
    memcpy(wire + 12, ldns_rdf_data(qname), nlen);
    ldns_rdf_deep_free(qname);
    p = 12 + nlen;
    wire[p++] = (uint8_t)(q->type >> 8);
    wire[p++] = (uint8_t)q->type;
    wire[p++] = 0;
    wire[p++] = LDNS_RR_CLASS_IN;
    wire[p++] = 0; /* OPT owner: root */
    wire[p++] = 0;
    wire[p++] = LDNS_RR_TYPE_OPT;
    wire[p++] = (uint8_t)(edns_size >> 8);
    wire[p++] = (uint8_t)edns_size;
    wire[p++] = 0;    /* extended RCODE */
    wire[p++] = 0;    /* EDNS version 0 */
    wire[p++] = 0x80; /* DO */
    wire[p++] = 0;
    wire[p++] = 0; /* RDLENGTH 0: no options */
    wire[p++] = 0;
    *len = p;
    return 0;
}

static void send_on(struct rsv_q *q, struct rsv_upstream *up)
{
    uint8_t wire[RSV_WIRE_MAX];
    size_t len = 0;

    if (build_wire(q, q->ctx->opts.edns_size, wire, &len) != 0) {
        deliver_status(q, RSV_MALFORMED);
        return;
    }
    q->last_up = (int8_t)up->index;
    if (q->waited)
        up->stats.throttled++;
    up->inflight++;
    up->stats.sent++;
    q->ctx->inflight++;
    ares_send(up->channel, wire, (int)len, on_ares, q); /* copies the buffer */
    rsv_upstream_arm(up);
}

/* Picks an upstream with capacity, preferring one other than the last tried. Returns NULL if none.
 */
static struct rsv_upstream *pick(struct rsv_ctx *ctx, const struct rsv_q *q, uint64_t now,
                                 uint64_t *wait_ms)
{
    struct rsv_upstream *fallback = NULL;

    for (int i = 0; i < ctx->n_up; i++) {
        struct rsv_upstream *up = &ctx->up[(ctx->next_up + i) % ctx->n_up];
        uint64_t w;

        if (up->inflight >= ctx->opts.max_inflight)
            continue;
        w = ms_bucket_wait_ms(&up->bucket, now);
        if (w > 0) {
            if (*wait_ms == 0 || w < *wait_ms)
                *wait_ms = w;
            continue;
        }
        if (q->attempt > 0 && up->index == q->last_up && ctx->n_up > 1) {
            fallback = up;
            continue;
        }
        ctx->next_up = (up->index + 1) % ctx->n_up;
        return up;
    }
    return fallback;
}

static void move_due(struct rsv_ctx *ctx, uint64_t now, uint64_t *next_due)
{
    struct rsv_qlist keep = {NULL, NULL, 0};
    struct rsv_q *q;

    while ((q = qlist_pop(&ctx->later)) != NULL) {
        if (q->due_ms <= now) {
            qlist_push(&ctx->ready, q);
        } else {
            if (*next_due == 0 || q->due_ms - now < *next_due)
                *next_due = q->due_ms - now;
            qlist_push(&keep, q);
        }
    }
    ctx->later = keep;
}

static void on_pump(uv_timer_t *t)
{
    struct rsv_ctx *ctx = t->data;
    uint64_t now = uv_now(ctx->loop), wait_ms = 0, next_due = 0;
    struct rsv_q *q;

    move_due(ctx, now, &next_due);
    while ((q = ctx->ready.head) != NULL) {
        struct rsv_upstream *up = pick(ctx, q, now, &wait_ms);
        if (up == NULL) {
            q->waited = 1;
            break;
        }
        ms_bucket_take(&up->bucket, now);
        qlist_pop(&ctx->ready);
        send_on(q, up);
    }
    /* Blocked on in-flight slots only: a completion will call schedule(). */
    if (ctx->ready.head != NULL && wait_ms > 0)
        schedule(ctx, wait_ms);
    if (next_due > 0)
        schedule(ctx, next_due);
}

int rsv_create(struct rsv_ctx **out, uv_loop_t *loop, const struct rsv_opts *opts)
{
    struct rsv_ctx *ctx;
    int rc;

    *out = NULL;
    if (opts->n_upstreams < 1 || opts->n_upstreams > RSV_MAX_UPSTREAMS)
        return MS_EINVAL;
    rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS)
        return MS_ECARES;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return MS_ENOMEM;
    ctx->loop = loop;
    ctx->opts = *opts;
    if (ctx->opts.max_inflight < 1)
        ctx->opts.max_inflight = 1;
    uv_timer_init(loop, &ctx->pump);
    ctx->pump.data = ctx;
    ctx->open_handles = 1;
    for (int i = 0; i < opts->n_upstreams; i++) {
        ctx->n_up++;
        rc = rsv_upstream_init(&ctx->up[i], ctx, i, &opts->upstream[i], opts);
        if (rc != 0) {
            rsv_destroy(ctx);
            return rc;
        }
        ms_bucket_init(&ctx->up[i].bucket, opts->qps_per_upstream,
                       opts->qps_per_upstream > 0 ? opts->qps_per_upstream / 10 : 1, uv_now(loop));
    }
    *out = ctx;
    return 0;
}

int rsv_query(struct rsv_ctx *ctx, const char *name, uint16_t type, unsigned flags, rsv_query_cb cb,
              void *arg)
{
    struct rsv_q *q;
    size_t n = strlen(name);

    if (ctx->closing || n == 0 || n >= sizeof(q->name))
        return MS_EINVAL;
    q = q_alloc(ctx);
    if (q == NULL)
        return MS_ENOMEM;
    memset(q, 0, offsetof(struct rsv_q, name));
    memcpy(q->name, name, n + 1);
    q->ctx = ctx;
    q->cb = cb;
    q->arg = arg;
    q->type = type;
    q->flags = (uint8_t)flags;
    q->last_up = 0;
    qlist_push(&ctx->ready, q);
    schedule(ctx, 0);
    return 0;
}

uint64_t rsv_pending(const struct rsv_ctx *ctx)
{
    return ctx->ready.n + ctx->later.n + ctx->inflight;
}

const struct rsv_upstream_stats *rsv_stats(const struct rsv_ctx *ctx, int i)
{
    return &ctx->up[i].stats;
}

int rsv_n_upstreams(const struct rsv_ctx *ctx)
{
    return ctx->n_up;
}

const char *rsv_upstream_name(const struct rsv_ctx *ctx, int i)
{
    return ctx->up[i].name;
}

static void on_pump_closed(uv_handle_t *h)
{
    rsv_ctx_handle_released(h->data);
}

void rsv_destroy(struct rsv_ctx *ctx)
{
    struct rsv_q *q;

    if (ctx == NULL || ctx->closing)
        return;
    ctx->closing = 1;
    uv_timer_stop(&ctx->pump);
    while ((q = qlist_pop(&ctx->ready)) != NULL)
        deliver_status(q, RSV_CANCELLED);
    while ((q = qlist_pop(&ctx->later)) != NULL)
        deliver_status(q, RSV_CANCELLED);
    for (int i = 0; i < ctx->n_up; i++)
        rsv_upstream_close(&ctx->up[i]);
    uv_close((uv_handle_t *)&ctx->pump, on_pump_closed);
}
