/* bucket.h: token bucket for rate limits (per resolver, per destination IP, global). */
#ifndef MS_COMMON_BUCKET_H
#define MS_COMMON_BUCKET_H

#include <stdint.h>

/* Embedded by its owner; no allocation. A rate of 0 means unlimited. */
struct ms_bucket {
    double rate;   /* tokens per second */
    double burst;  /* maximum tokens held */
    double tokens; /* tokens available now */
    uint64_t last_ms;
};

/* Starts full (burst tokens). burst < 1 is raised to 1. */
void ms_bucket_init(struct ms_bucket *b, double rate_per_s, double burst, uint64_t now_ms);

/* Takes one token if available: returns 1 if taken, 0 if the caller must wait. */
int ms_bucket_take(struct ms_bucket *b, uint64_t now_ms);

/* Milliseconds until one token is available (0 if one is available now). */
uint64_t ms_bucket_wait_ms(struct ms_bucket *b, uint64_t now_ms);

#endif
