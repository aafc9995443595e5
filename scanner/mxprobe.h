/* mxprobe.h: STARTTLS probes shared by every domain, scheduled politely per destination IP. */
#ifndef MS_SCANNER_MXPROBE_H
#define MS_SCANNER_MXPROBE_H

#include <stdint.h>

#include <uv.h>

#include "probes/smtp.h"

struct mxp_opts {
    struct smtp_probe_cfg probe; /* TLS context, trust store, EHLO name, timeouts */
    int per_ip_conns;            /* concurrent connections per destination IP */
    double per_ip_rate;          /* new connections per second per IP; 0 = unlimited */
    int max_conns;               /* concurrent connections in all */
    uint32_t max_entries;        /* finished probes kept for reuse */
    /* Called once per probe that saw a certificate chain, with its content address and DER. */
    void (*chain_cb)(void *arg, const char *key, const unsigned char *der, size_t len);
    void *chain_arg;
};

struct mxp_ctx;
struct mxp_entry;

/* Called on the loop when the probe is finished; the caller owns one reference. */
typedef void (*mxp_cb)(void *arg, struct mxp_entry *e);

struct mxp_stats {
    uint64_t probes;        /* connections made */
    uint64_t handshakes;    /* probes that completed STARTTLS and the TLS handshake */
    uint64_t reused;        /* requests served by a probe already made or under way */
    uint64_t waited_ip;     /* probes that had to wait for the per-IP limits */
    uint64_t waited_global; /* probes that had to wait for the global cap */
    int max_conns_seen;     /* most simultaneous connections */
    int max_per_ip_seen;    /* most simultaneous connections to one IP */
};

int mxp_create(struct mxp_ctx **out, uv_loop_t *loop, const struct mxp_opts *o);

/*
 * Asks for the probe of target t (keyed by MX host, IP, SNI and whether
 * DANE applies; each is probed once per scan). Returns 1 with *out set
 * when it is already finished, 0 when `cb` will run later, or MS_E*.
 * t->tlsa must stay valid until the probe finishes (the host cache keeps it).
 */
int mxp_get(struct mxp_ctx *m, const struct smtp_target *t, mxp_cb cb, void *arg,
            struct mxp_entry **out);

const struct smtp_result *mxp_result(const struct mxp_entry *e);

/* "chain:<sha-256 of the concatenated DER, leaf first>" of the presented chain, or "" without one.
 */
const char *mxp_chain_id(const struct mxp_entry *e);
void mxp_release(struct mxp_ctx *m, struct mxp_entry *e);
const struct mxp_stats *mxp_stats(const struct mxp_ctx *m);

/* Closes the timers; frees everything in the last close callback. No probe may be running. */
void mxp_destroy(struct mxp_ctx *m);

#endif
