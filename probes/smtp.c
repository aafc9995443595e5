/* smtp.c: the STARTTLS probe: TCP on libuv, SMTP replies through a bounded reader, TLS through
 * memory BIOs. */
#include "probes/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/error.h"
#include "common/log.h"
#include "probes/dane.h"
#include "probes/smtpreply.h"

enum smtp_state {
    ST_CONNECT = 0,
    ST_GREETING,
    ST_EHLO,
    ST_STARTTLS,
    ST_HANDSHAKE,
    ST_EHLO2,
    ST_QUIT,
    ST_CLOSING
};

static const char *const state_names[] = {"connect",   "greeting", "ehlo", "starttls",
                                          "handshake", "ehlo2",    "quit", "closing"};

static const char *const err_names[] = {
#define XX(id, str) str,
    SMTP_ERR_MAP(XX)
#undef XX
};

struct smtp_probe {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    int open_handles;
    enum smtp_state state;
    const struct smtp_probe_cfg *cfg;
    struct smtp_target target;
    struct smtp_result res;
    struct smtp_reader rd;
    SSL *ssl;
    BIO *rbio,
        *wbio; /* network side of the memory BIOs: rbio feeds SSL, wbio collects its output */
    smtp_done_cb cb;
    void *arg;
    char readbuf[16384];
};

const char *smtp_errstr(enum smtp_error e)
{
    return (size_t)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "unknown";
}

const char *smtp_outcome_str(enum smtp_outcome o)
{
    static const char *const names[] = {"ok", "not_offered", "failed", "unreachable"};
    return (size_t)o < 4 ? names[o] : "unknown";
}

static void set_state(struct smtp_probe *p, enum smtp_state st)
{
    ms_trace("smtp %s[%s]: %s -> %s", p->target.mx_host, p->target.ip, state_names[p->state],
             state_names[st]);
    p->state = st;
}

static void on_handle_closed(uv_handle_t *h)
{
    struct smtp_probe *p = h->data;

    if (--p->open_handles == 0)
        p->cb(p, p->arg);
}

/* Ends the probe: records the outcome (the first one set wins) and closes the connection. */
static void finish(struct smtp_probe *p, enum smtp_outcome out, enum smtp_error err)
{
    if (p->state == ST_CLOSING)
        return;
    p->res.outcome = out;
    if (p->res.error == SMTP_E_NONE)
        p->res.error = err;
    set_state(p, ST_CLOSING);
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_handle_closed);
    uv_close((uv_handle_t *)&p->tcp, on_handle_closed);
}

/* The stage failed before STARTTLS could be judged: keep the host out of STARTTLS statistics. */
static void fail_pre_tls(struct smtp_probe *p, enum smtp_error err)
{
    finish(p, SMTP_OUT_UNREACHABLE, err);
}

static void on_stage_timeout(uv_timer_t *t)
{
    struct smtp_probe *p = t->data;
    static const enum smtp_error by_state[] = {[ST_CONNECT] = SMTP_E_CONNECT_TIMEOUT,
                                               [ST_GREETING] = SMTP_E_GREETING_TIMEOUT,
                                               [ST_EHLO] = SMTP_E_EHLO_TIMEOUT,
                                               [ST_STARTTLS] = SMTP_E_STARTTLS_TIMEOUT,
                                               [ST_HANDSHAKE] = SMTP_E_HANDSHAKE_TIMEOUT};

    switch (p->state) {
    case ST_CONNECT:
    case ST_GREETING:
    case ST_EHLO:
        fail_pre_tls(p, by_state[p->state]);
        return;
    case ST_STARTTLS:
    case ST_HANDSHAKE:
        finish(p, SMTP_OUT_FAILED, by_state[p->state]);
        return;
    default:
        /* After the handshake the verdict is made: a slow EHLO or QUIT changes nothing. */
        finish(p, p->res.outcome, SMTP_E_NONE);
        return;
    }
}

static void arm(struct smtp_probe *p, int ms)
{
    uv_timer_start(&p->timer, on_stage_timeout, (uint64_t)ms, 0);
}

struct write_req {
    uv_write_t req;
    char data[];
};

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write surfaces as a read error or a timeout */
    free(req);
}

static int send_raw(struct smtp_probe *p, const void *data, size_t len)
{
    struct write_req *w = malloc(sizeof(*w) + len);
    uv_buf_t buf;

    if (w == NULL)
        return MS_ENOMEM;
    memcpy(w->data, data, len);
    buf = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &buf, 1, on_written) != 0) {
        free(w);
        return MS_EIO;
    }
    return 0;
}

/* Sends what OpenSSL wrote into the memory BIO (checklist D.4: drain after every SSL call). */
static void flush_tls(struct smtp_probe *p)
{
    char out[16384];
    int n;

    while (BIO_ctrl_pending(p->wbio) > 0 && (n = BIO_read(p->wbio, out, sizeof(out))) > 0)
        send_raw(p, out, (size_t)n);
}

static void send_cmd(struct smtp_probe *p, const char *cmd)
{
    char line[600];
    int n = snprintf(line, sizeof(line), "%s\r\n", cmd);

    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    if (p->ssl != NULL && SSL_is_init_finished(p->ssl)) {
        SSL_write(p->ssl, line, n);
        flush_tls(p);
    } else {
        send_raw(p, line, (size_t)n);
    }
}

static void send_ehlo(struct smtp_probe *p)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "EHLO %s", p->cfg->ehlo_name);
    send_cmd(p, cmd);
}

static void tls_done(struct smtp_probe *p);

static void record_tls_failure(struct smtp_probe *p, int ssl_err)
{
    unsigned long e = ERR_peek_last_error();

    if (e != 0)
        snprintf(p->res.tls_reason, sizeof(p->res.tls_reason), "%s",
                 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown");
    else
        snprintf(p->res.tls_reason, sizeof(p->res.tls_reason), "ssl_error_%d", ssl_err);
    ERR_clear_error();
}

/* Advances the handshake with whatever arrived; finishes the probe on failure. */
static void drive_handshake(struct smtp_probe *p)
{
    int rc = SSL_do_handshake(p->ssl), err;

    flush_tls(p);
    if (rc == 1) {
        tls_done(p);
        return;
    }
    err = SSL_get_error(p->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return;
    record_tls_failure(p, err);
    finish(p, SMTP_OUT_FAILED, SMTP_E_TLS_HANDSHAKE);
}

static int start_tls(struct smtp_probe *p)
{
    p->ssl = SSL_new(p->cfg->ctx);
    p->rbio = BIO_new(BIO_s_mem());
    p->wbio = BIO_new(BIO_s_mem());
    if (p->ssl == NULL || p->rbio == NULL || p->wbio == NULL) {
        BIO_free(p->rbio);
        BIO_free(p->wbio);
        p->rbio = p->wbio = NULL;
        return MS_ENOMEM;
    }
    SSL_set_bio(p->ssl, p->rbio, p->wbio);
    SSL_set_connect_state(p->ssl);
    /* An empty memory BIO must read as "retry", not EOF (checklist D.4). */
    BIO_set_mem_eof_return(p->rbio, -1);
    SSL_set_tlsext_host_name(p->ssl, p->target.sni);
    if (p->target.dane)
        p->res.dane_usable = dane_configure(p->ssl, p->target.dane_base, p->target.mx_host,
                                            p->target.tlsa, p->target.n_tlsa);
    set_state(p, ST_HANDSHAKE);
    arm(p, p->cfg->stage_timeout_ms);
    drive_handshake(p);
    return 0;
}

static void copy_chain(struct smtp_probe *p)
{
    STACK_OF(X509) *peer = SSL_get_peer_cert_chain(p->ssl);

    if (peer == NULL)
        return;
    p->res.chain = sk_X509_new_null();
    if (p->res.chain == NULL)
        return;
    for (int i = 0; i < sk_X509_num(peer); i++) {
        X509 *c = sk_X509_value(peer, i);
        if (X509_up_ref(c) == 1 && sk_X509_push(p->res.chain, c) <= 0)
            X509_free(c);
    }
}

static void tls_done(struct smtp_probe *p)
{
    int nid = SSL_get_negotiated_group(p->ssl);
    const char *group = nid > 0 ? OBJ_nid2sn(nid) : NULL;

    snprintf(p->res.tls_version, sizeof(p->res.tls_version), "%s", SSL_get_version(p->ssl));
    snprintf(p->res.cipher, sizeof(p->res.cipher), "%s", SSL_get_cipher_name(p->ssl));
    snprintf(p->res.group, sizeof(p->res.group), "%s", group ? group : "");
    copy_chain(p);
    p->res.verify_result = SSL_get_verify_result(p->ssl);
    if (p->target.dane)
        dane_evaluate(p->ssl, p->res.dane_usable, p->res.verify_result, p->res.chain,
                      p->target.tlsa, p->target.n_tlsa, &p->res.dane, &p->res.dane_error);
    /* The chain is reduced to its leaf once the probe ends: rollover facts are read now (they
     * are shown for hosts that pass, which may be decided later: next-hop names, §3.2.2). */
    if (p->target.dane)
        dane_rollover_facts(p->res.chain, p->target.tlsa, p->target.n_tlsa,
                            &p->res.dane_ee_current_only, &p->res.dane_ta_full_intermediate);
    p->res.outcome = SMTP_OUT_OK;
    smtp_reader_init(&p->rd);
    set_state(p, ST_EHLO2);
    arm(p, p->cfg->stage_timeout_ms);
    send_ehlo(p);
}

/* Handles one complete reply in the plaintext or TLS stage. */
static void on_reply(struct smtp_probe *p, const struct smtp_reply *r)
{
    switch (p->state) {
    case ST_GREETING:
        p->res.greeting_code = r->code;
        if (r->code != 220) {
            fail_pre_tls(p, SMTP_E_GREETING_REJECT);
            return;
        }
        set_state(p, ST_EHLO);
        arm(p, p->cfg->stage_timeout_ms);
        send_ehlo(p);
        return;
    case ST_EHLO:
        p->res.ehlo_code = r->code;
        p->res.starttls_offered = r->starttls;
        if (r->code != 250) {
            fail_pre_tls(p, SMTP_E_EHLO_REJECT);
            return;
        }
        if (!r->starttls) {
            send_cmd(p, "QUIT");
            finish(p, SMTP_OUT_NOT_OFFERED, SMTP_E_NONE);
            return;
        }
        set_state(p, ST_STARTTLS);
        arm(p, p->cfg->stage_timeout_ms);
        send_cmd(p, "STARTTLS");
        return;
    case ST_STARTTLS:
        p->res.starttls_code = r->code;
        if (r->code != 220) {
            send_cmd(p, "QUIT");
            finish(p, SMTP_OUT_FAILED, SMTP_E_STARTTLS_REJECT);
            return;
        }
        if (start_tls(p) != 0)
            finish(p, SMTP_OUT_FAILED, SMTP_E_NOMEM);
        return;
    case ST_EHLO2:
        p->res.ehlo2_code = r->code;
        set_state(p, ST_QUIT);
        send_cmd(p, "QUIT");
        arm(p, p->cfg->stage_timeout_ms);
        return;
    case ST_QUIT:
        finish(p, p->res.outcome, SMTP_E_NONE);
        return;
    default:
        return;
    }
}

static enum smtp_error reader_error(const struct smtp_reader *rd)
{
    switch (rd->error) {
    case SMTP_RDE_LINE_TOO_LONG:
        return SMTP_E_LINE_TOO_LONG;
    case SMTP_RDE_TOO_MANY_LINES:
        return SMTP_E_TOO_MANY_LINES;
    default:
        return SMTP_E_REPLY_SYNTAX;
    }
}

/* Feeds SMTP bytes to the reply reader and acts on each complete reply. */
static void feed_smtp(struct smtp_probe *p, const char *data, size_t len)
{
    while (len > 0 && p->state != ST_CLOSING) {
        struct smtp_reply r;
        size_t used = 0;
        enum smtp_rd_status st = smtp_reader_feed(&p->rd, data, len, &used, &r);
        enum smtp_state before = p->state;

        if (st == SMTP_RD_ERROR) {
            if (p->state >= ST_HANDSHAKE)
                finish(p, p->res.outcome, SMTP_E_NONE);
            else if (p->state == ST_STARTTLS)
                finish(p, SMTP_OUT_FAILED, reader_error(&p->rd));
            else
                fail_pre_tls(p, reader_error(&p->rd));
            return;
        }
        if (st == SMTP_RD_MORE)
            return;
        data += used;
        len -= used;
        on_reply(p, &r);
        /*
         * Bytes after the STARTTLS 220 were sent in plaintext before TLS
         * started: never hand them to TLS or SMTP (RFC 3207 §6), just flag.
         */
        if (before == ST_STARTTLS && p->state == ST_HANDSHAKE) {
            if (len > 0 || smtp_reader_buffered(&p->rd) > 0)
                p->res.injection = 1;
            return;
        }
    }
}

static void feed_tls(struct smtp_probe *p, const char *data, size_t len)
{
    char plain[4096];
    int n;

    if (len > 0)
        BIO_write(p->rbio, data, (int)len);
    if (p->state == ST_HANDSHAKE) {
        drive_handshake(p);
        if (p->state == ST_HANDSHAKE || p->state == ST_CLOSING)
            return;
    }
    while (p->state != ST_CLOSING && (n = SSL_read(p->ssl, plain, sizeof(plain))) > 0)
        feed_smtp(p, plain, (size_t)n);
    if (p->state != ST_CLOSING)
        flush_tls(p);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct smtp_probe *p = h->data;

    (void)suggested;
    *buf = uv_buf_init(p->readbuf, sizeof(p->readbuf));
}

static void on_eof(struct smtp_probe *p, ssize_t nread)
{
    enum smtp_error e = nread == UV_EOF ? SMTP_E_CONN_CLOSED : SMTP_E_CONN_RESET;

    if (p->state == ST_HANDSHAKE) {
        BIO_set_mem_eof_return(p->rbio, 0);
        drive_handshake(p);
        if (p->state != ST_CLOSING) {
            snprintf(p->res.tls_reason, sizeof(p->res.tls_reason), "%s",
                     nread == UV_EOF ? "eof_during_handshake" : "reset_during_handshake");
            finish(p, SMTP_OUT_FAILED, SMTP_E_TLS_HANDSHAKE);
        }
    } else if (p->state >= ST_EHLO2) {
        finish(p, p->res.outcome, SMTP_E_NONE);
    } else if (p->state == ST_STARTTLS) {
        finish(p, SMTP_OUT_FAILED, e);
    } else {
        fail_pre_tls(p, e);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct smtp_probe *p = s->data;

    (void)buf;
    if (p->state == ST_CLOSING || nread == 0)
        return;
    if (nread < 0) {
        on_eof(p, nread);
        return;
    }
    if (p->ssl != NULL)
        feed_tls(p, p->readbuf, (size_t)nread);
    else
        feed_smtp(p, p->readbuf, (size_t)nread);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct smtp_probe *p = req->data;

    if (p->state == ST_CLOSING)
        return;
    if (status != 0) {
        fail_pre_tls(p, status == UV_ECONNREFUSED ? SMTP_E_CONNECT_REFUSED
                        : status == UV_ETIMEDOUT  ? SMTP_E_CONNECT_TIMEOUT
                        : status == UV_ENETUNREACH || status == UV_EHOSTUNREACH ||
                                status == UV_EADDRNOTAVAIL
                            ? SMTP_E_NO_ROUTE
                            : SMTP_E_CONNECT_ERROR);
        return;
    }
    set_state(p, ST_GREETING);
    arm(p, p->cfg->stage_timeout_ms);
    uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
}

static int parse_addr(const struct smtp_target *t, struct sockaddr_storage *ss)
{
    if (uv_ip4_addr(t->ip, t->port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(t->ip, t->port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return MS_EINVAL;
}

int smtp_probe_start(uv_loop_t *loop, const struct smtp_probe_cfg *cfg, const struct smtp_target *t,
                     smtp_done_cb cb, void *arg, struct smtp_probe **out)
{
    struct sockaddr_storage ss;
    struct smtp_probe *p;
    int rc;

    *out = NULL;
    if (parse_addr(t, &ss) != 0)
        return MS_EINVAL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return MS_ENOMEM;
    p->cfg = cfg;
    p->target = *t;
    p->cb = cb;
    p->arg = arg;
    smtp_reader_init(&p->rd);
    uv_tcp_init(loop, &p->tcp);
    uv_timer_init(loop, &p->timer);
    p->tcp.data = p->timer.data = p->connect_req.data = p;
    p->open_handles = 2;
    set_state(p, ST_CONNECT);
    arm(p, cfg->connect_timeout_ms);
    rc = uv_tcp_connect(&p->connect_req, &p->tcp, (const struct sockaddr *)&ss, on_connect);
    if (rc != 0) {
        /* Reported through the callback like any other connect failure. */
        p->res.error = rc == UV_ENETUNREACH ? SMTP_E_NO_ROUTE : SMTP_E_CONNECT_ERROR;
        finish(p, SMTP_OUT_UNREACHABLE, p->res.error);
    }
    *out = p;
    return 0;
}

const struct smtp_result *smtp_probe_result(const struct smtp_probe *p)
{
    return &p->res;
}

const struct smtp_target *smtp_probe_target(const struct smtp_probe *p)
{
    return &p->target;
}

void smtp_probe_free(struct smtp_probe *p)
{
    if (p == NULL)
        return;
    if (p->res.chain != NULL)
        sk_X509_pop_free(p->res.chain, X509_free);
    SSL_free(p->ssl); /* frees both memory BIOs */
    free(p);
}
