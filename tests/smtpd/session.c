/* session.c: one SMTP connection of ms-smtpd: greeting, EHLO, STARTTLS, TLS, and the scripted
 * faults. */
#include "smtpd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#define SD_LINE_MAX    1024        /* RFC 5321 4.5.3.1.4: 512 octets per command line */
#define SD_DRIP_MS     500         /* slow-drip: one byte every 500 ms */
#define SD_CHUNK       65536       /* endless-line: bytes per write */
#define SD_ENDLESS_MAX (16u << 20) /* endless-line: then it stops sending, the line still open */
#define SD_HANDLES     3           /* tcp, drip timer, lifetime timer */

/* explicit state machine (conventions rule 8); every change goes through set_state() */
#define SD_STATE_MAP(XX)                                                                           \
    XX(DRIP, "drip")             /* slow-drip: greeting trickling out, input ignored */            \
    XX(ENDLESS, "endless")       /* endless-line: one greeting line that never ends */             \
    XX(MUTE, "mute")             /* says nothing more; input ignored (silent, after faults) */     \
    XX(CMD, "cmd")               /* plaintext commands */                                          \
    XX(REJECTED, "rejected")     /* after a 554 greeting: only QUIT works (RFC 5321 3.1) */        \
    XX(WAIT_HELLO, "wait-hello") /* after STARTTLS 220: the fault fires on the ClientHello */      \
    XX(HANDSHAKE, "handshake")   /* TLS handshake */                                               \
    XX(TLS_CMD, "tls-cmd")       /* commands inside TLS */                                         \
    XX(CLOSING, "closing")

enum sd_state {
#define XX(id, name) ST_##id,
    SD_STATE_MAP(XX)
#undef XX
};

static const char *const state_names[] = {
#define XX(id, name) name,
    SD_STATE_MAP(XX)
#undef XX
};

struct sd_conn {
    uv_tcp_t tcp;
    uv_timer_t drip;
    uv_timer_t life;
    struct sd_listener *l;
    enum sd_state state;
    SSL *ssl; /* owns its two memory BIOs */
    BIO *rbio, *wbio;
    int handles;           /* open libuv handles; the conn is freed when it reaches 0 */
    int closing;           /* sd_close() ran */
    int close_after_write; /* close once the pending writes are done */
    unsigned pending;      /* writes in flight */
    size_t drip_pos;
    size_t endless_sent;
    size_t line_len;
    int line_overflow;
    char drip_text[SD_HOST_MAX + 64];
    char line[SD_LINE_MAX];
};

struct sd_wreq {
    uv_write_t req;
    struct sd_conn *c;
    char data[];
};

/* endless-line's payload: shared, never freed */
static char endless_chunk[SD_CHUNK];
static char read_buf[65536];

static void conn_close(struct sd_conn *c, int reset);
static void plain_input(struct sd_conn *c, const char *buf, size_t n);

static void set_state(struct sd_conn *c, enum sd_state s)
{
    if (sd_opts.verbose)
        sd_log("%s %s: %s -> %s", c->l->stats->ip, sd_behaviour_name(c->l->behaviour),
               state_names[c->state], state_names[s]);
    c->state = s;
}

static void on_closed(uv_handle_t *h)
{
    struct sd_conn *c = h->data;

    if (--c->handles > 0)
        return;
    SSL_free(c->ssl);
    free(c);
}

static void conn_close(struct sd_conn *c, int reset)
{
    if (c->closing)
        return;
    c->closing = 1;
    set_state(c, ST_CLOSING);
    c->l->stats->open--;
    uv_close((uv_handle_t *)&c->drip, on_closed);
    uv_close((uv_handle_t *)&c->life, on_closed);
    /* reset-handshake: SO_LINGER 0, so the peer gets an RST instead of a FIN */
    if (reset && uv_tcp_close_reset(&c->tcp, on_closed) == 0)
        return;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* After the last pending write, or now when nothing is pending. */
static void close_after_write(struct sd_conn *c)
{
    c->close_after_write = 1;
    if (c->pending == 0)
        conn_close(c, 0);
}

static void endless_more(struct sd_conn *c);

static void on_written(uv_write_t *req, int status)
{
    struct sd_wreq *w = (struct sd_wreq *)req;
    struct sd_conn *c = w->c;

    free(w);
    c->pending--;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c, 0);
        return;
    }
    if (c->state == ST_ENDLESS)
        endless_more(c);
    else if (c->close_after_write && c->pending == 0)
        conn_close(c, 0);
}

/* Queues bytes on the socket: copied, unless `shared` points at storage that outlives the write. */
static void send_raw(struct sd_conn *c, const char *data, size_t n, int shared)
{
    struct sd_wreq *w;
    uv_buf_t buf;

    if (c->closing)
        return;
    w = malloc(sizeof(*w) + (shared ? 0 : n));
    if (w == NULL) {
        conn_close(c, 0);
        return;
    }
    w->c = c;
    if (!shared)
        memcpy(w->data, data, n);
    buf = uv_buf_init(shared ? (char *)data : w->data, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
        free(w);
        conn_close(c, 0);
        return;
    }
    c->pending++;
}

/* Sends whatever TLS records OpenSSL has queued in the write BIO. */
static void tls_flush(struct sd_conn *c)
{
    char buf[16384];
    int n;

    while (c->ssl != NULL && BIO_ctrl_pending(c->wbio) > 0) {
        n = BIO_read(c->wbio, buf, sizeof(buf));
        if (n <= 0)
            break;
        send_raw(c, buf, (size_t)n, 0);
    }
}

/* One reply: inside TLS once the handshake is done, else in plaintext. */
static void reply(struct sd_conn *c, const char *text)
{
    if (c->state == ST_TLS_CMD) {
        SSL_write(c->ssl, text, (int)strlen(text));
        tls_flush(c);
    } else {
        send_raw(c, text, strlen(text), 0);
    }
}

static void replyf(struct sd_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void replyf(struct sd_conn *c, const char *fmt, ...)
{
    char buf[2 * SD_HOST_MAX + 256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    reply(c, buf);
}

static void endless_more(struct sd_conn *c)
{
    if (c->endless_sent >= SD_ENDLESS_MAX) {
        set_state(c, ST_MUTE);
        return;
    }
    c->endless_sent += SD_CHUNK;
    send_raw(c, endless_chunk, SD_CHUNK, 1);
}

static void on_drip(uv_timer_t *t)
{
    struct sd_conn *c = t->data;

    send_raw(c, &c->drip_text[c->drip_pos], 1, 0);
    c->drip_pos = (c->drip_pos + 1) % strlen(c->drip_text);
}

static void on_lifetime(uv_timer_t *t)
{
    conn_close(t->data, 0);
}

/* ---------------------------------------------------------------- TLS */

static int tls_begin(struct sd_conn *c)
{
    c->ssl = SSL_new(c->l->ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        return -1;
    }
    BIO_set_mem_eof_return(c->rbio, -1);
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    set_state(c, ST_HANDSHAKE);
    return 0;
}

/* 1 when OpenSSL only waits for more bytes, 0 on a failure worth logging in verbose mode. */
static int tls_retryable(struct sd_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);

    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 1;
    if (sd_opts.verbose) {
        const char *why = ERR_reason_error_string(ERR_peek_error());

        sd_log("%s: TLS error %d: %s", c->l->stats->ip, e, why ? why : "-");
    }
    ERR_clear_error();
    return 0;
}

static void tls_input(struct sd_conn *c, const char *buf, size_t n)
{
    char plain[4096];
    int r = 0;

    BIO_write(c->rbio, buf, (int)n);
    if (c->state == ST_HANDSHAKE) {
        r = SSL_do_handshake(c->ssl);
        tls_flush(c);
        if (r != 1) {
            if (!tls_retryable(c, r))
                close_after_write(c);
            return;
        }
        sd_stats_handshake(c->l->stats, SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name));
        set_state(c, ST_TLS_CMD);
    }
    while (c->state == ST_TLS_CMD && (r = SSL_read(c->ssl, plain, sizeof(plain))) > 0)
        plain_input(c, plain, (size_t)r);
    if (c->state == ST_TLS_CMD && !tls_retryable(c, r))
        close_after_write(c); /* close_notify or a TLS error */
    tls_flush(c);
}

/* ---------------------------------------------------------------- SMTP */

static void greet(struct sd_conn *c)
{
    const char *h = c->l->hostname;

    switch (c->l->behaviour) {
    case SD_B_SILENT:
        set_state(c, ST_MUTE);
        break;
    case SD_B_TLS_DIRECT:
        /* TLS from the first byte, no SMTP: the baseline `openssl s_time` measures against. */
        if (tls_begin(c) != 0)
            conn_close(c, 0);
        break;
    case SD_B_SLOW_DRIP:
        snprintf(c->drip_text, sizeof(c->drip_text), "220-%s slow greeting, never finished\r\n", h);
        set_state(c, ST_DRIP);
        uv_timer_start(&c->drip, on_drip, SD_DRIP_MS, SD_DRIP_MS);
        break;
    case SD_B_ENDLESS_LINE:
        set_state(c, ST_ENDLESS);
        send_raw(c, "220 ", 4, 1);
        break;
    case SD_B_GREET_421:
        replyf(c, "421 4.3.2 %s Service not available, closing transmission channel\r\n", h);
        close_after_write(c);
        break;
    case SD_B_GREET_554:
        replyf(c, "554 5.3.2 %s No SMTP service here\r\n", h);
        set_state(c, ST_REJECTED);
        break;
    case SD_B_MULTILINE:
        replyf(
            c,
            "220-%s ESMTP ms-smtpd\r\n220-This greeting has\r\n220-four lines\r\n220 %s ready\r\n",
            h, h);
        break;
    default:
        replyf(c, "220 %s ESMTP ms-smtpd\r\n", h);
        break;
    }
}

static void ehlo(struct sd_conn *c)
{
    char buf[SD_HOST_MAX + 256];
    int offer = c->state == ST_CMD && c->l->behaviour != SD_B_NO_STARTTLS;

    if (c->l->behaviour == SD_B_CLOSE_AFTER_EHLO) {
        conn_close(c, 0);
        return;
    }
    /* STARTTLS in the middle, so a client has to read the whole multiline reply (RFC 5321 4.2.1) */
    snprintf(buf, sizeof(buf),
             "250-%s greets you\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n%s"
             "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n",
             c->l->hostname, offer ? "250-STARTTLS\r\n" : "");
    reply(c, buf);
}

/* RFC 3207 4: 220 and the handshake, 454 refused, or one of the scripted faults. */
static void starttls(struct sd_conn *c)
{
    static const char ready[] = "220 2.0.0 Ready to start TLS\r\n";

    if (c->state == ST_TLS_CMD) {
        reply(c, "503 5.5.1 TLS already active\r\n");
        return;
    }
    switch (c->l->behaviour) {
    case SD_B_NO_STARTTLS:
        reply(c, "502 5.5.1 STARTTLS not offered\r\n");
        return;
    case SD_B_STARTTLS_REFUSED:
        reply(c, "454 4.7.0 TLS not available due to temporary reason\r\n");
        return;
    case SD_B_GARBAGE_TLS:
    case SD_B_RESET_HANDSHAKE:
    case SD_B_STALL_HANDSHAKE:
        reply(c, ready);
        set_state(c, ST_WAIT_HELLO);
        return;
    case SD_B_INJECT:
        /* plaintext after the 220, in the same write: a client must discard it (CVE-2011-0411) */
        reply(c, "220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n");
        break;
    default:
        reply(c, ready);
        break;
    }
    if (c->l->ctx == NULL || tls_begin(c) != 0)
        close_after_write(c);
}

static void command(struct sd_conn *c, const char *line)
{
    if (c->state == ST_REJECTED) {
        if (strncasecmp(line, "QUIT", 4) == 0) {
            replyf(c, "221 2.0.0 %s closing connection\r\n", c->l->hostname);
            close_after_write(c);
        } else {
            reply(c, "503 5.5.1 No SMTP service here\r\n");
        }
        return;
    }
    if (strncasecmp(line, "EHLO", 4) == 0) {
        ehlo(c);
    } else if (strncasecmp(line, "HELO", 4) == 0) {
        if (c->l->behaviour == SD_B_CLOSE_AFTER_EHLO)
            conn_close(c, 0);
        else
            replyf(c, "250 %s\r\n", c->l->hostname);
    } else if (strncasecmp(line, "STARTTLS", 8) == 0) {
        starttls(c);
    } else if (strncasecmp(line, "QUIT", 4) == 0) {
        replyf(c, "221 2.0.0 %s closing connection\r\n", c->l->hostname);
        if (c->state == ST_TLS_CMD) {
            SSL_shutdown(c->ssl);
            tls_flush(c);
        }
        close_after_write(c);
    } else if (strncasecmp(line, "NOOP", 4) == 0 || strncasecmp(line, "RSET", 4) == 0) {
        reply(c, "250 2.0.0 OK\r\n");
    } else {
        reply(c, "502 5.5.2 Command not implemented\r\n");
    }
}

/*
 * Plaintext (or decrypted) input: complete lines become commands. After a switch to TLS the
 * rest of the buffer is dropped: bytes a client pipelined after STARTTLS are not trusted
 * (RFC 3207 6).
 */
static void plain_input(struct sd_conn *c, const char *buf, size_t n)
{
    enum sd_state before = c->state;

    for (size_t i = 0; i < n && !c->closing && c->state == before; i++) {
        if (buf[i] != '\n') {
            if (c->line_len < SD_LINE_MAX - 1)
                c->line[c->line_len++] = buf[i];
            else
                c->line_overflow = 1;
            continue;
        }
        if (c->line_len > 0 && c->line[c->line_len - 1] == '\r')
            c->line_len--;
        c->line[c->line_len] = '\0';
        if (c->line_overflow)
            reply(c, "500 5.5.2 Line too long\r\n");
        else
            command(c, c->line);
        c->line_len = 0;
        c->line_overflow = 0;
    }
}

/* The first bytes after the STARTTLS 220 (the ClientHello) trigger the handshake faults. */
static void hello_fault(struct sd_conn *c)
{
    static const char garbage[] = "554 5.0.0 this is not TLS, just plain text garbage\r\n"
                                  "\x15\x03\x01\x00\x02\xff\xff garbage";

    switch (c->l->behaviour) {
    case SD_B_GARBAGE_TLS:
        send_raw(c, garbage, sizeof(garbage) - 1, 1);
        set_state(c, ST_MUTE);
        break;
    case SD_B_RESET_HANDSHAKE:
        conn_close(c, 1);
        break;
    default: /* stall-handshake: read it and never answer */
        set_state(c, ST_MUTE);
        break;
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    *buf = uv_buf_init(read_buf, sizeof(read_buf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct sd_conn *c = s->data;

    if (nread < 0) {
        conn_close(c, 0);
        return;
    }
    if (nread == 0 || c->closing)
        return;
    switch (c->state) {
    case ST_CMD:
    case ST_REJECTED:
        plain_input(c, buf->base, (size_t)nread);
        break;
    case ST_WAIT_HELLO:
        hello_fault(c);
        break;
    case ST_HANDSHAKE:
    case ST_TLS_CMD:
        tls_input(c, buf->base, (size_t)nread);
        break;
    default: /* drip, endless, mute: input ignored */
        break;
    }
}

void sd_session_accept(struct sd_listener *l)
{
    struct sd_conn *c = calloc(1, sizeof(*c));
    uv_loop_t *loop = l->tcp.loop;

    if (endless_chunk[0] == '\0')
        memset(endless_chunk, 'x', sizeof(endless_chunk));
    if (c == NULL || uv_tcp_init(loop, &c->tcp) != 0) {
        free(c);
        return;
    }
    c->l = l;
    c->state = ST_CMD;
    c->handles = SD_HANDLES;
    c->tcp.data = c->drip.data = c->life.data = c;
    uv_timer_init(loop, &c->drip);
    uv_timer_init(loop, &c->life);
    l->stats->open++;
    if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c, 0);
        return;
    }
    l->stats->accepted++;
    if (l->stats->open > l->stats->max_open)
        l->stats->max_open = l->stats->open;
    uv_timer_start(&c->life, on_lifetime, sd_opts.max_time_ms, 0);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    greet(c);
}
