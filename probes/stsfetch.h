/* stsfetch.h: MTA-STS policy fetches (RFC 8461 §3.3) with libcurl's multi interface on the libuv
 * loop. */
#ifndef MS_PROBES_STSFETCH_H
#define MS_PROBES_STSFETCH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* RFC 8461 §3.3 suggests 64 KiB as the largest policy a sender needs to accept. */
#define STS_FETCH_MAX_BODY 65536

struct sts_fetch_cfg {
    const char *ca_file; /* PEM trust anchors; NULL: the system store */
    int connect_timeout_ms;
    int timeout_ms;      /* the whole fetch (RFC 8461 §3.3 suggests 60 s at most) */
    uint16_t port;       /* 443 except in test worlds */
    const char *contact; /* a URL for the User-Agent, "mtascope/V (+URL)"; NULL: none */
};

/* What a fetch found; `error` is NULL only for HTTP 200 with a body within the limit. */
struct sts_fetch_result {
    const char *error; /* connect_fail, tls_handshake, webpki_*, http_3xx/4xx/5xx, too_large,
                          timeout, fetch_error */
    long http_status;
    int ct_ok; /* Content-Type is text/plain (parameters ignored, RFC 8461 §3.2) */
    char content_type[128];
    char location[512]; /* a redirect's target: recorded, never followed (§3.3) */
    char tls_version[16];
    char *body; /* owned by the result, NUL-terminated, body_len bytes before the NUL */
    size_t body_len;
    int curl_code;   /* the CURLcode, for diagnosis */
    long x509_error; /* first certificate verification error seen, 0 if none */
};

struct sts_fetcher;

/* Called once on the loop; the result is valid only during the call. */
typedef void (*sts_fetch_cb)(void *arg, const struct sts_fetch_result *r);

/* Creates the fetcher (one CURLM) on `loop`. Returns 0 or MS_E*. */
int sts_fetcher_create(struct sts_fetcher **out, uv_loop_t *loop, const struct sts_fetch_cfg *cfg);

/*
 * Fetches https://<policy_host>/.well-known/mta-sts.txt from address `ip`
 * (resolved by the caller's own resolver and pinned with CURLOPT_RESOLVE).
 * No redirects, no proxy, no caching, no connection reuse, TLS 1.2 or
 * newer, certificate verified for policy_host by DNS-ID only (§3.3).
 * Returns 0 (cb runs later, never inside this call) or MS_E*.
 */
int sts_fetch_start(struct sts_fetcher *f, const char *policy_host, const char *ip, sts_fetch_cb cb,
                    void *arg);

/* Fetches started and not yet called back. */
int sts_fetcher_pending(const struct sts_fetcher *f);

/* Cancels nothing: call when no fetch is pending. Frees in the last close callback. */
void sts_fetcher_destroy(struct sts_fetcher *f);

#endif
