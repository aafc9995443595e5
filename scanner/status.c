/* status.c: a one-line progress report each second, only for people watching a terminal. */
#include "scanner/status.h"

#include <stdio.h>
#include <unistd.h>

static void on_tick(uv_timer_t *t)
{
    struct scan_status *s = t->data;
    uint64_t now = uv_now(t->loop), sent = 0, timeouts = 0;
    double secs = (double)(now - s->last_ms) / 1000.0;

    for (int i = 0; s->rsv != NULL && i < rsv_n_upstreams(s->rsv); i++) {
        sent += rsv_stats(s->rsv, i)->sent;
        timeouts += rsv_stats(s->rsv, i)->timeouts;
    }
    if (secs <= 0)
        secs = 1;
    fprintf(stderr, "\r%llu done (%.0f/s), %llu in flight, %.0f queries/s, %llu timeouts\033[K",
            (unsigned long long)s->c->done + s->c->input_errors,
            (double)(s->c->done - s->last_done) / secs, (unsigned long long)s->c->inflight,
            (double)(sent - s->last_sent) / secs, (unsigned long long)timeouts);
    s->last_done = s->c->done;
    s->last_sent = sent;
    s->last_ms = now;
}

void scan_status_start(struct scan_status *s, uv_loop_t *loop, int mode,
                       const struct scan_counters *c, const struct rsv_ctx *rsv)
{
    s->active = mode == 1 || (mode == -1 && isatty(STDERR_FILENO));
    s->c = c;
    s->rsv = rsv;
    if (!s->active)
        return;
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->last_ms = uv_now(loop);
    uv_timer_start(&s->timer, on_tick, 1000, 1000);
}

void scan_status_stop(struct scan_status *s)
{
    if (!s->active)
        return;
    s->active = 0;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, NULL);
    fputc('\n', stderr);
}
