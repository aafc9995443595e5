/* upstream.h: one upstream resolver: a c-ares channel whose sockets and timeouts run on libuv. */
#ifndef MS_RESOLVER_UPSTREAM_H
#define MS_RESOLVER_UPSTREAM_H

#include <ares.h>
#include <uv.h>

#include "common/bucket.h"
#include "resolver/resolver.h"

struct rsv_ctx;
struct rsv_poll;

/* Embedded in the resolver context; all fields private to resolver/. */
struct rsv_upstream {
    struct rsv_ctx *ctx;
    int index;
    char name[80];
    ares_channel channel;
    int channel_ok;
    int timeout_ms;
    uv_timer_t timer; /* fires at c-ares' next timeout */
    struct rsv_poll *polls;
    struct ms_bucket bucket;
    int inflight;
    struct rsv_upstream_stats stats;
};

/*
 * Sets up the channel for one server (ARES_FLAG_NOCHECKRESP so SERVFAIL and
 * REFUSED reach us, ARES_FLAG_EDNS with the advertised size so replies over
 * 512 bytes are not taken as truncated, one try per ares_send: retries are
 * ours). The timer handle counts in ctx's open-handle count.
 */
int rsv_upstream_init(struct rsv_upstream *up, struct rsv_ctx *ctx, int index,
                      const struct rsv_upstream_opts *u, const struct rsv_opts *o);

/* Makes sure the timeout timer runs; call after every send. */
void rsv_upstream_arm(struct rsv_upstream *up);

/* Destroys the channel (pending callbacks get ARES_EDESTRUCTION) and closes the handles. */
void rsv_upstream_close(struct rsv_upstream *up);

/* Resolver hooks used by upstream.c. */
uv_loop_t *rsv_ctx_loop(struct rsv_ctx *ctx);
void rsv_ctx_handle_opened(struct rsv_ctx *ctx);
void rsv_ctx_handle_released(struct rsv_ctx *ctx);

#endif
