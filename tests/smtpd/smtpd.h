/* smtpd.h: ms-smtpd, the test world's STARTTLS responder: listeners, their behaviours, counters. */
#ifndef MS_SMTPD_H
#define MS_SMTPD_H

#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

/* Behaviour names as written in smtpd.conf; tests/world/README.md says what each one does. */
#define SD_BEHAVIOUR_MAP(XX)                                                                       \
    XX(GOOD, "good")                                                                               \
    XX(MULTILINE, "multiline-greeting")                                                            \
    XX(NO_STARTTLS, "no-starttls")                                                                 \
    XX(STARTTLS_REFUSED, "starttls-refused")                                                       \
    XX(GREET_421, "greet-421")                                                                     \
    XX(GREET_554, "greet-554")                                                                     \
    XX(CLOSE_AFTER_EHLO, "close-after-ehlo")                                                       \
    XX(SLOW_DRIP, "slow-drip")                                                                     \
    XX(ENDLESS_LINE, "endless-line")                                                               \
    XX(GARBAGE_TLS, "garbage-tls")                                                                 \
    XX(RESET_HANDSHAKE, "reset-handshake")                                                         \
    XX(STALL_HANDSHAKE, "stall-handshake")                                                         \
    XX(INJECT, "inject")                                                                           \
    XX(TLS12_ONLY, "tls12-only")                                                                   \
    XX(SILENT, "silent")                                                                           \
    XX(TLS_DIRECT, "tls-direct")

enum sd_behaviour {
#define XX(id, name) SD_B_##id,
    SD_BEHAVIOUR_MAP(XX)
#undef XX
        SD_B_COUNT
};

#define SD_HOST_MAX 256
#define SD_IP_MAX   64
#define SD_SNI_MAX  4 /* distinct SNI names remembered per address */

/* Connection counters of one listener address, summed over its ports. */
struct sd_ipstats {
    char ip[SD_IP_MAX];
    uint64_t accepted; /* connections accepted */
    uint64_t tls;      /* TLS handshakes completed */
    uint64_t no_sni;   /* ... of which without SNI */
    uint32_t open;     /* connections open now */
    uint32_t max_open; /* most connections open at once */
    unsigned n_sni;
    char sni[SD_SNI_MAX][SD_HOST_MAX]; /* the first distinct SNI names seen */
};

/* Counts a completed handshake and remembers its SNI (NULL: none sent). */
void sd_stats_handshake(struct sd_ipstats *s, const char *sni);

/* One (ip, port) listener, from one line of smtpd.conf. Lives until exit. */
struct sd_listener {
    uv_tcp_t tcp;
    enum sd_behaviour behaviour;
    SSL_CTX *ctx;             /* shared with other listeners; NULL when the behaviour has no TLS */
    struct sd_ipstats *stats; /* shared by the listeners of one address; stats->ip is the address */
    int port;
    char hostname[SD_HOST_MAX];
};

/* Process-wide settings, set once at start-up. */
struct sd_options {
    uint64_t max_time_ms; /* any connection is closed after this long */
    int verbose;          /* log every session state change to stderr */
};

extern struct sd_options sd_opts;

/* Logs one line "ms-smtpd: message" to stderr. */
void sd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The behaviour named `name`, or -1. */
int sd_behaviour_parse(const char *name);

/* The name of a behaviour (static storage). */
const char *sd_behaviour_name(enum sd_behaviour b);

/* Whether the behaviour completes a TLS handshake, so its listener needs a certificate and key. */
int sd_behaviour_needs_tls(enum sd_behaviour b);

/*
 * Accepts one pending connection on `l` and runs its session to the end. The session owns its
 * memory and frees it after its last handle closes. Loop thread only.
 */
void sd_session_accept(struct sd_listener *l);

/*
 * Reads smtpd.conf: one listener per line "ip port behaviour chain key hostname" (chain and key
 * may be "-" for behaviours without TLS; # starts a comment). Allocates *out (caller owns, never
 * freed before exit) and the shared TLS contexts and counters. Returns 0, or -1 after logging.
 */
int sd_conf_load(const char *path, struct sd_listener **out, size_t *n);

/* Writes the per-address counters as JSON to `path` (via a temporary file and rename). 0 or -1. */
int sd_stats_write(const char *path);

/* Zeroes the counters (SIGUSR2), so a test measures only its own connections. */
void sd_stats_reset(void);

#endif
