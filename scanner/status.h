/* status.h: the once-a-second status line on stderr. */
#ifndef MS_SCANNER_STATUS_H
#define MS_SCANNER_STATUS_H

#include <uv.h>

#include "resolver/resolver.h"
#include "scanner/counters.h"

struct scan_status {
    uv_timer_t timer;
    int active;
    const struct scan_counters *c;
    const struct rsv_ctx *rsv;
    uint64_t last_done, last_sent, last_ms;
};

/* mode: 1 on, 0 off, -1 when stderr is a terminal. Reads c and rsv each second. */
void scan_status_start(struct scan_status *s, uv_loop_t *loop, int mode,
                       const struct scan_counters *c, const struct rsv_ctx *rsv);

/* Stops and closes the timer (prints a final newline when a line was shown). */
void scan_status_stop(struct scan_status *s);

#endif
