/* resolver.h: asynchronous DNS client: DO-bit queries over c-ares, one channel per upstream
 * resolver. */
#ifndef MS_RESOLVER_RESOLVER_H
#define MS_RESOLVER_RESOLVER_H

#include <stdint.h>

#include <ldns/ldns.h>
#include <uv.h>

#define RSV_MAX_UPSTREAMS 16

/* Query flags. */
#define RSV_QF_CD 0x1 /* checking disabled: used to tell bogus from other SERVFAILs */

/* How a query ended. Anything but RSV_OK carries no packet. */
enum rsv_status {
    RSV_OK = 0,    /* a reply was received and parsed: look at rcode and ad */
    RSV_TIMEOUT,   /* no reply after every try */
    RSV_NETERR,    /* socket-level failure on every try */
    RSV_MALFORMED, /* a reply that ldns could not parse */
    RSV_CANCELLED  /* the resolver was shut down */
};

/* What a query callback receives; valid only during the callback. */
struct rsv_reply {
    enum rsv_status status;
    uint8_t rcode; /* LDNS_RCODE_* when status == RSV_OK */
    int ad;        /* AD bit: the validating resolver found the answer secure (RFC 4035 §3.2.3) */
    int ede;       /* first Extended DNS Error info-code (RFC 8914), -1 when none */
    ldns_pkt *pkt; /* the parsed reply; owned by the resolver, freed after the callback */
    int upstream;  /* index of the upstream that answered (or was last tried) */
};

/* Called once per query on the loop thread, never from inside rsv_query(). */
typedef void (*rsv_query_cb)(void *arg, const struct rsv_reply *reply);

struct rsv_upstream_opts {
    char addr[64]; /* IPv4 or IPv6 literal */
    uint16_t port;
};

struct rsv_opts {
    struct rsv_upstream_opts upstream[RSV_MAX_UPSTREAMS];
    int n_upstreams;
    double qps_per_upstream; /* token bucket rate per upstream; 0 = unlimited */
    int max_inflight;        /* outstanding queries per upstream */
    int timeout_ms;          /* per try */
    int retries;             /* extra tries after a timeout, on the next upstream */
    int backoff_ms;          /* delay before retry k is backoff_ms << k */
    uint16_t edns_size;      /* advertised UDP payload size */
};

/* Per-upstream counters, reported in the run manifest. */
struct rsv_upstream_stats {
    uint64_t sent;      /* queries handed to the socket (retries included) */
    uint64_t answered;  /* replies received */
    uint64_t timeouts;  /* tries that timed out */
    uint64_t servfail;  /* replies with RCODE SERVFAIL */
    uint64_t nxdomain;  /* replies with RCODE NXDOMAIN */
    uint64_t refused;   /* replies with RCODE REFUSED */
    uint64_t neterr;    /* socket errors */
    uint64_t throttled; /* times a query had to wait for this upstream's token bucket */
};

struct rsv_ctx;

/* Fills `o` with defaults (no upstreams; qps 0; 2000 ms timeout, 2 retries). */
void rsv_opts_default(struct rsv_opts *o);

/*
 * Parses "ADDR", "ADDR:PORT", "[V6]:PORT" into `u` (port 53 by default).
 * Returns 0 or MS_EINVAL.
 */
int rsv_parse_upstream(const char *s, struct rsv_upstream_opts *u);

/* Creates the resolver on `loop` (the only thread that may call it). Returns 0 or MS_E*. */
int rsv_create(struct rsv_ctx **out, uv_loop_t *loop, const struct rsv_opts *opts);

/*
 * Queues a query for `name` (presentation form, without or with trailing dot)
 * and `type` (LDNS_RR_TYPE_*), DO=1, RD=1, and CD per `flags`. `cb` is called
 * exactly once, later, from the loop. Returns 0, or MS_EINVAL for a name ldns
 * cannot encode (the callback is then not called).
 */
int rsv_query(struct rsv_ctx *r, const char *name, uint16_t type, unsigned flags, rsv_query_cb cb,
              void *arg);

/* Queries waiting for a token or in flight. */
uint64_t rsv_pending(const struct rsv_ctx *r);

/* Counters of upstream i (0 <= i < n_upstreams). */
const struct rsv_upstream_stats *rsv_stats(const struct rsv_ctx *r, int i);
int rsv_n_upstreams(const struct rsv_ctx *r);
const char *rsv_upstream_name(const struct rsv_ctx *r, int i);

/*
 * Cancels everything (callbacks get RSV_CANCELLED), closes the handles, and
 * frees `r` in the last close callback: run the loop until it returns.
 */
void rsv_destroy(struct rsv_ctx *r);

#endif
