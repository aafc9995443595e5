/* bucket.c: token bucket, driven by the caller's clock so tests need no sleeping. */
#include "common/bucket.h"

void ms_bucket_init(struct ms_bucket *b, double rate_per_s, double burst, uint64_t now_ms)
{
    b->rate = rate_per_s > 0 ? rate_per_s : 0;
    b->burst = burst < 1 ? 1 : burst;
    b->tokens = b->burst;
    b->last_ms = now_ms;
}

static void refill(struct ms_bucket *b, uint64_t now_ms)
{
    if (now_ms <= b->last_ms)
        return;
    b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last_ms = now_ms;
}

int ms_bucket_take(struct ms_bucket *b, uint64_t now_ms)
{
    if (b->rate == 0)
        return 1;
    refill(b, now_ms);
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

uint64_t ms_bucket_wait_ms(struct ms_bucket *b, uint64_t now_ms)
{
    double missing;

    if (b->rate == 0)
        return 0;
    refill(b, now_ms);
    if (b->tokens >= 1.0)
        return 0;
    missing = 1.0 - b->tokens;
    /* Round up so a timer armed for this long always finds a whole token. */
    return (uint64_t)(missing * 1000.0 / b->rate) + 1;
}
