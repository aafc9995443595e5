/* smtp.h: one SMTP STARTTLS probe of one (MX host, IP): a non-blocking state machine on libuv. */
#ifndef MS_PROBES_SMTP_H
#define MS_PROBES_SMTP_H

#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

/* Where the probe ended; docs/output.md (mx.csv `starttls`) defines each. */
enum smtp_outcome { SMTP_OUT_OK = 0, SMTP_OUT_NOT_OFFERED, SMTP_OUT_FAILED, SMTP_OUT_UNREACHABLE };

/* Failure codes (mx.csv `error`); SMTP_E_NONE when nothing failed. */
#define SMTP_ERR_MAP(XX)                                                                           \
    XX(NONE, "")                                                                                   \
    XX(CONNECT_REFUSED, "connect_refused")                                                         \
    XX(CONNECT_TIMEOUT, "connect_timeout")                                                         \
    XX(NO_ROUTE, "no_route")                                                                       \
    XX(CONNECT_ERROR, "connect_error")                                                             \
    XX(GREETING_TIMEOUT, "greeting_timeout")                                                       \
    XX(GREETING_REJECT, "greeting_reject")                                                         \
    XX(CONN_CLOSED, "conn_closed")                                                                 \
    XX(CONN_RESET, "conn_reset")                                                                   \
    XX(LINE_TOO_LONG, "line_too_long")                                                             \
    XX(TOO_MANY_LINES, "too_many_lines")                                                           \
    XX(REPLY_SYNTAX, "reply_syntax")                                                               \
    XX(EHLO_REJECT, "ehlo_reject")                                                                 \
    XX(EHLO_TIMEOUT, "ehlo_timeout")                                                               \
    XX(STARTTLS_REJECT, "starttls_reject")                                                         \
    XX(STARTTLS_TIMEOUT, "starttls_timeout")                                                       \
    XX(TLS_HANDSHAKE, "tls_handshake")                                                             \
    XX(HANDSHAKE_TIMEOUT, "handshake_timeout")                                                     \
    XX(NOMEM, "scanner_nomem")

enum smtp_error {
#define XX(id, str) SMTP_E_##id,
    SMTP_ERR_MAP(XX)
#undef XX
};

const char *smtp_errstr(enum smtp_error e);
const char *smtp_outcome_str(enum smtp_outcome o); /* ok, not_offered, failed, unreachable */

/* A TLSA record as the probe needs it (data borrowed from the caller until the probe ends). */
struct smtp_tlsa {
    uint8_t usage, selector, mtype;
    uint16_t len;
    const uint8_t *data;
};

/* What to probe; copied by smtp_probe_start (the TLSA data is not: keep it alive). */
struct smtp_target {
    char ip[46];
    uint16_t port;
    char mx_host[256]; /* the MX name as published: PKIX reference identifier */
    char sni[256];     /* server name sent in the ClientHello */
    int dane;          /* apply DANE: the host's TLSA RRset is DNSSEC-secure */
    char dane_base[256];
    const struct smtp_tlsa *tlsa;
    int n_tlsa;
};

/* Probe settings shared by every probe; owned by the caller. */
struct smtp_probe_cfg {
    SSL_CTX *ctx;          /* from smtp_tls_ctx_new() */
    X509_STORE *pkix;      /* trust anchors for the PKIX verdict */
    const char *ehlo_name; /* sent in EHLO */
    int connect_timeout_ms;
    int stage_timeout_ms; /* greeting, each command reply, the TLS handshake */
};

enum dane_match { DANE_M_NONE = 0, DANE_M_EE, DANE_M_TA, DANE_M_NOMATCH, DANE_M_UNUSABLE };

/* Everything a probe found; filled progressively, final when the done callback runs. */
struct smtp_result {
    enum smtp_outcome outcome;
    enum smtp_error error;
    int greeting_code, ehlo_code, starttls_code, ehlo2_code;
    int starttls_offered;
    int injection; /* plaintext arrived after the STARTTLS 220 (discarded, RFC 3207 §6) */
    char tls_version[16];
    char cipher[64];
    char group[32];
    char tls_reason[128];   /* OpenSSL's reason or the alert when the handshake failed */
    STACK_OF(X509) * chain; /* presented chain, leaf first; owned by the result */
    long verify_result;     /* OpenSSL's verify result (DANE when DANE applies) */
    int dane_usable;        /* TLSA records OpenSSL accepted (usages 2/3 only) */
    enum dane_match dane;
    const char *dane_error;   /* static code: tlsa_ee_nomatch, ta_not_in_chain, ... */
    int dane_ee_current_only; /* dane_rollover_facts (probes/dane.h), after a DANE match */
    int dane_ta_full_intermediate;
    int pkix; /* enum pkix_verdict (probes/certinfo.h), set by the caller */
};

struct smtp_probe;

/* Called once on the loop when the connection is closed; the result lives until smtp_probe_free. */
typedef void (*smtp_done_cb)(struct smtp_probe *p, void *arg);

/*
 * Starts a probe. Returns 0 (the callback will run later, never from
 * inside this call) or MS_ENOMEM / MS_EINVAL (an address that does not parse).
 */
int smtp_probe_start(uv_loop_t *loop, const struct smtp_probe_cfg *cfg, const struct smtp_target *t,
                     smtp_done_cb cb, void *arg, struct smtp_probe **out);

/* The probe's result and target. */
const struct smtp_result *smtp_probe_result(const struct smtp_probe *p);
const struct smtp_target *smtp_probe_target(const struct smtp_probe *p);

/* Frees a finished probe (after its callback), including the chain in its result. */
void smtp_probe_free(struct smtp_probe *p);

#endif
