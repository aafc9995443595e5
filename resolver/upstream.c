/* upstream.c: c-ares channel per upstream resolver, its sockets polled and timed by libuv. */
#include "resolver/upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/error.h"
#include "common/log.h"

/* One uv_poll per c-ares socket (libuv allows one active poll handle per fd). */
struct rsv_poll {
    uv_poll_t handle;
    ares_socket_t fd;
    struct rsv_upstream *up;
    struct rsv_poll *next;
};

static void rearm_from_ares(struct rsv_upstream *up);

static void on_timer(uv_timer_t *t)
{
    struct rsv_upstream *up = t->data;

    ares_process_fd(up->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm_from_ares(up);
}

/*
 * c-ares 1.18's ares_timeout() walks every outstanding query, so calling it
 * after each send or socket event is quadratic. The timer is instead armed
 * once for the fixed per-try timeout and, when it fires, re-armed from
 * ares_timeout() no sooner than ARM_MIN_MS: a timeout is noticed at most that
 * much late.
 */
#define ARM_MIN_MS 50

static void arm_at(struct rsv_upstream *up, uint64_t ms)
{
    if (ms < ARM_MIN_MS)
        ms = ARM_MIN_MS;
    uv_timer_start(&up->timer, on_timer, ms, 0);
}

void rsv_upstream_arm(struct rsv_upstream *up)
{
    if (up->channel_ok && !uv_is_active((uv_handle_t *)&up->timer))
        arm_at(up, (uint64_t)up->timeout_ms + 1);
}

static void rearm_from_ares(struct rsv_upstream *up)
{
    struct timeval tv, *tvp;

    if (!up->channel_ok)
        return;
    tvp = ares_timeout(up->channel, NULL, &tv);
    if (tvp == NULL)
        return;
    arm_at(up, (uint64_t)tvp->tv_sec * 1000 + (uint64_t)tvp->tv_usec / 1000 + 1);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct rsv_poll *p = h->data;
    struct rsv_upstream *up = p->up;
    ares_socket_t fd = p->fd;

    /*
     * libuv reports POLLERR as status < 0 with no events (checklist D.2): let
     * c-ares read and write so it sees the socket error instead of waiting
     * for a timeout.
     */
    if (status < 0)
        ares_process_fd(up->channel, fd, fd);
    else
        ares_process_fd(up->channel, (events & UV_READABLE) ? fd : ARES_SOCKET_BAD,
                        (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
}

static void on_poll_closed(uv_handle_t *h)
{
    struct rsv_poll *p = h->data;
    struct rsv_ctx *ctx = p->up->ctx;

    free(p);
    rsv_ctx_handle_released(ctx);
}

static void drop_poll(struct rsv_upstream *up, struct rsv_poll **link)
{
    struct rsv_poll *p = *link;

    *link = p->next;
    uv_poll_stop(&p->handle);
    uv_close((uv_handle_t *)&p->handle, on_poll_closed);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct rsv_upstream *up = data;
    struct rsv_poll **link = &up->polls, *p;
    int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);

    while (*link != NULL && (*link)->fd != fd)
        link = &(*link)->next;
    if (events == 0) {
        /* c-ares is about to close fd: stop watching it now, before the number is reused. */
        if (*link != NULL)
            drop_poll(up, link);
        return;
    }
    p = *link;
    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL) {
            ms_error("resolver %s: out of memory for a socket watcher", up->name);
            return;
        }
        if (uv_poll_init_socket(rsv_ctx_loop(up->ctx), &p->handle, fd) != 0) {
            ms_error("resolver %s: cannot poll socket %d", up->name, (int)fd);
            free(p);
            return;
        }
        p->fd = fd;
        p->up = up;
        p->handle.data = p;
        p->next = up->polls;
        up->polls = p;
        rsv_ctx_handle_opened(up->ctx);
    }
    uv_poll_start(&p->handle, events, on_poll);
}

static int set_server(struct rsv_upstream *up, const struct rsv_upstream_opts *u)
{
    struct ares_addr_port_node node;

    memset(&node, 0, sizeof(node));
    if (inet_pton(AF_INET, u->addr, &node.addr.addr4) == 1) {
        node.family = AF_INET;
    } else if (inet_pton(AF_INET6, u->addr, &node.addr.addr6) == 1) {
        node.family = AF_INET6;
    } else {
        return MS_EINVAL;
    }
    node.udp_port = u->port;
    node.tcp_port = u->port;
    return ares_set_servers_ports(up->channel, &node) == ARES_SUCCESS ? 0 : MS_ECARES;
}

int rsv_upstream_init(struct rsv_upstream *up, struct rsv_ctx *ctx, int index,
                      const struct rsv_upstream_opts *u, const struct rsv_opts *o)
{
    struct ares_options ao;
    int mask, rc;

    up->ctx = ctx;
    up->index = index;
    if (strchr(u->addr, ':') != NULL)
        snprintf(up->name, sizeof(up->name), "[%s]:%u", u->addr, (unsigned)u->port);
    else
        snprintf(up->name, sizeof(up->name), "%s:%u", u->addr, (unsigned)u->port);
    memset(&ao, 0, sizeof(ao));
    /* Checklist D.1: NOCHECKRESP, EDNS with the advertised size, our own retries. */
    ao.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH;
    ao.timeout = o->timeout_ms;
    ao.tries = 1;
    ao.ednspsz = o->edns_size;
    ao.sock_state_cb = on_sock_state;
    ao.sock_state_cb_data = up;
    mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
           ARES_OPT_SOCK_STATE_CB;
    rc = ares_init_options(&up->channel, &ao, mask);
    if (rc != ARES_SUCCESS) {
        ms_error("resolver %s: ares_init_options: %s", up->name, ares_strerror(rc));
        return MS_ECARES;
    }
    up->channel_ok = 1;
    up->timeout_ms = o->timeout_ms;
    rc = set_server(up, u);
    if (rc != 0) {
        ms_error("resolver %s: cannot use this address", up->name);
        return rc;
    }
    uv_timer_init(rsv_ctx_loop(ctx), &up->timer);
    up->timer.data = up;
    rsv_ctx_handle_opened(ctx);
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    struct rsv_upstream *up = h->data;

    rsv_ctx_handle_released(up->ctx);
}

void rsv_upstream_close(struct rsv_upstream *up)
{
    if (up->channel_ok) {
        /* Calls every pending query back with ARES_EDESTRUCTION and closes its sockets. */
        ares_destroy(up->channel);
        up->channel_ok = 0;
    }
    while (up->polls != NULL)
        drop_poll(up, &up->polls);
    if (up->timer.data == up) {
        uv_timer_stop(&up->timer);
        uv_close((uv_handle_t *)&up->timer, on_timer_closed);
    }
}
