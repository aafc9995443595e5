/* stsfetch.c: libcurl multi driven by libuv socket and timer callbacks, with RFC 8461's fetch
 * rules. */
#include "probes/stsfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/error.h"
#include "common/log.h"

struct sts_fetcher {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct sts_fetch_cfg cfg;
    char ca_file[4096];
    char user_agent[256]; /* "mtascope/V", with " (+URL)" when a contact is given */
    int pending;
    int open_handles;
    int closing;
};

/* One transfer. */
struct fetch {
    struct sts_fetcher *f;
    CURL *easy;
    struct curl_slist *resolve;
    sts_fetch_cb cb;
    void *arg;
    char host[260];
    char *body;
    size_t len;
    int too_large;
    X509 *leaf;      /* captured during verification (depth 0), for our own SAN check */
    long x509_error; /* first verification error */
};

/* One polled socket (libuv allows one active poll handle per fd). */
struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct sts_fetcher *f;
};

static int ssl_ex_index = -1;

static void check_done(struct sts_fetcher *f);

static void on_sock_closed(uv_handle_t *h)
{
    struct sock *s = h->data;
    struct sts_fetcher *f = s->f;

    free(s);
    if (--f->open_handles == 0 && f->closing) {
        curl_multi_cleanup(f->multi);
        free(f);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sock *s = h->data;
    int flags = 0, running;

    /* libuv reports POLLERR as status < 0 without events: tell curl, or a refused connect looks
     * like a timeout (D.2). */
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else
        flags = ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(s->f->multi, s->fd, flags, &running);
    check_done(s->f);
}

static int on_socket(CURL *easy, curl_socket_t fd, int action, void *userp, void *socketp)
{
    struct sts_fetcher *f = userp;
    struct sock *s = socketp;
    int events = 0;

    (void)easy;
    if (action == CURL_POLL_REMOVE) {
        if (s != NULL) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, on_sock_closed);
            curl_multi_assign(f->multi, fd, NULL);
        }
        return 0;
    }
    if (s == NULL) {
        s = calloc(1, sizeof(*s));
        if (s == NULL || uv_poll_init_socket(f->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->fd = fd;
        s->f = f;
        s->poll.data = s;
        f->open_handles++;
        curl_multi_assign(f->multi, fd, s);
    }
    if (action == CURL_POLL_IN || action == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    struct sts_fetcher *f = t->data;
    int running;

    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(f);
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    struct sts_fetcher *f = userp;

    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&f->timer);
    else /* 0 means "as soon as possible": run from the loop, not from inside curl */
        uv_timer_start(&f->timer, on_timer, timeout_ms == 0 ? 1 : (uint64_t)timeout_ms, 0);
    return 0;
}

/* Enforces the size cap here: in 7.88 CURLOPT_MAXFILESIZE only acts on a known length (D.3). */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch *x = userp;
    size_t n = size * nmemb;
    char *grown;

    if (x->len + n > STS_FETCH_MAX_BODY) {
        x->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    grown = realloc(x->body, x->len + n + 1);
    if (grown == NULL)
        return 0;
    x->body = grown;
    memcpy(x->body + x->len, data, n);
    x->len += n;
    x->body[x->len] = '\0';
    return n;
}

/* Records the leaf and the first error; never changes OpenSSL's (and so curl's) decision. */
static int on_verify(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct fetch *x = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ssl_ex_index) : NULL;

    if (x != NULL) {
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        if (!ok && x->x509_error == 0)
            x->x509_error = X509_STORE_CTX_get_error(store);
        if (X509_STORE_CTX_get_error_depth(store) == 0 && x->leaf == NULL && cert != NULL &&
            X509_up_ref(cert) == 1)
            x->leaf = cert;
    }
    return ok;
}

static CURLcode on_ssl_ctx(CURL *easy, void *sslctx, void *parm)
{
    SSL_CTX *ctx = sslctx;
    struct fetch *x = parm;
    X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);

    (void)easy;
    /*
     * Name check inside the handshake, DNS-ID only (§3.3): curl's own check
     * runs after it and falls back to the CN, so without this a strict
     * sender's GET would already have been sent to a CN-only host.
     */
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(vp, x->host, 0);
    SSL_CTX_set_ex_data(ctx, ssl_ex_index, parm);
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
    return CURLE_OK;
}

/* RFC 8461 §3.3: DNS-ID only (curl falls back to the CN when there is no DNS SAN, D.3). */
static const char *check_names(const struct fetch *x)
{
    GENERAL_NAMES *sans;
    int dns = 0;

    if (x->leaf == NULL)
        return "tls_handshake";
    sans = X509_get_ext_d2i(x->leaf, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++)
        dns |= sk_GENERAL_NAME_value(sans, i)->type == GEN_DNS;
    GENERAL_NAMES_free(sans);
    if (!dns)
        return "webpki_no_dns_san";
    if (X509_check_host(x->leaf, x->host, 0,
                        X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                        NULL) != 1)
        return "webpki_name_mismatch";
    return NULL;
}

static const char *verify_error(const struct fetch *x)
{
    const char *names;

    switch (x->x509_error) {
    case 0: /* the chain verified: curl refused the name */
        names = check_names(x);
        return names != NULL ? names : "webpki_name_mismatch";
    case X509_V_ERR_HOSTNAME_MISMATCH:
        names = check_names(x);
        return names != NULL ? names : "webpki_name_mismatch";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return "webpki_expired";
    default:
        return "webpki_untrusted";
    }
}

static const char *curl_error(const struct fetch *x, CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return "connect_fail";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_PEER_FAILED_VERIFICATION:
        return verify_error(x);
    case CURLE_SSL_CONNECT_ERROR:
        return x->x509_error != 0 ? verify_error(x) : "tls_handshake";
    case CURLE_WRITE_ERROR:
        return x->too_large ? "too_large" : "fetch_error";
    default:
        return "fetch_error";
    }
}

static void content_type(struct fetch *x, struct sts_fetch_result *r)
{
    char *ct = NULL;
    size_t n;

    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (ct == NULL)
        return;
    snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
    /* §3.2: "text/plain", parameters (charset) ignored, case-insensitive. */
    n = strcspn(ct, "; \t");
    r->ct_ok = n == 10 && strncasecmp(ct, "text/plain", 10) == 0;
}

static void fill_result(struct fetch *x, CURLcode rc, struct sts_fetch_result *r)
{
    char *loc = NULL;

    memset(r, 0, sizeof(*r));
    r->curl_code = rc;
    r->x509_error = x->x509_error;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
    content_type(x, r);
    if (curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
        snprintf(r->location, sizeof(r->location), "%s", loc);
    r->body = x->body;
    r->body_len = x->len;
    if (rc != CURLE_OK)
        r->error = curl_error(x, rc);
    else if ((r->error = check_names(x)) != NULL)
        ;
    else if (r->http_status >= 300 && r->http_status < 400)
        r->error = "http_3xx"; /* §3.3: redirects MUST NOT be followed */
    else if (r->http_status >= 400 && r->http_status < 500)
        r->error = "http_4xx";
    else if (r->http_status >= 500)
        r->error = "http_5xx";
    else if (r->http_status != 200)
        r->error = "http_other";
}

static void finish(struct sts_fetcher *f, CURL *easy, CURLcode rc)
{
    struct fetch *x = NULL;
    struct sts_fetch_result r;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(f->multi, easy);
    fill_result(x, rc, &r);
    f->pending--;
    x->cb(x->arg, &r);
    curl_easy_cleanup(easy);
    curl_slist_free_all(x->resolve);
    X509_free(x->leaf);
    free(x->body);
    free(x);
}

static void check_done(struct sts_fetcher *f)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(f->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            finish(f, msg->easy_handle, msg->data.result);
}

/* Every option RFC 8461 §3.3 and checklist D.3 call for, in one place. */
static int set_options(struct sts_fetcher *f, struct fetch *x, const char *ip)
{
    char url[400], pin[400];
    CURL *e = x->easy;

    snprintf(url, sizeof(url), "https://%s:%u/.well-known/mta-sts.txt", x->host,
             (unsigned)f->cfg.port);
    /* "+": an entry that times out, so the multi's shared cache does not keep it forever (D.3). */
    snprintf(pin, sizeof(pin), "+%s:%u:%s%s%s", x->host, (unsigned)f->cfg.port,
             strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "");
    x->resolve = curl_slist_append(NULL, pin);
    if (x->resolve == NULL)
        return MS_ENOMEM;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_RESOLVE, x->resolve);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (f->ca_file[0] != '\0')
        curl_easy_setopt(e, CURLOPT_CAINFO, f->ca_file);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, x);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)f->cfg.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)f->cfg.timeout_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
    return 0;
}

int sts_fetch_start(struct sts_fetcher *f, const char *policy_host, const char *ip, sts_fetch_cb cb,
                    void *arg)
{
    struct fetch *x = calloc(1, sizeof(*x));

    if (x == NULL)
        return MS_ENOMEM;
    if (strlen(policy_host) >= sizeof(x->host) || strlen(ip) >= 64) {
        free(x);
        return MS_EINVAL;
    }
    snprintf(x->host, sizeof(x->host), "%s", policy_host);
    x->f = f;
    x->cb = cb;
    x->arg = arg;
    x->easy = curl_easy_init();
    if (x->easy == NULL || set_options(f, x, ip) != 0 ||
        curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
        curl_easy_cleanup(x->easy);
        curl_slist_free_all(x->resolve);
        free(x);
        return MS_ENOMEM;
    }
    f->pending++;
    return 0;
}

int sts_fetcher_pending(const struct sts_fetcher *f)
{
    return f->pending;
}

int sts_fetcher_create(struct sts_fetcher **out, uv_loop_t *loop, const struct sts_fetch_cfg *cfg)
{
    struct sts_fetcher *f;

    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return MS_EINVAL;
    if (ssl_ex_index < 0)
        ssl_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    f = calloc(1, sizeof(*f));
    if (f == NULL || (f->multi = curl_multi_init()) == NULL) {
        free(f);
        return MS_ENOMEM;
    }
    f->loop = loop;
    f->cfg = *cfg;
    if (cfg->ca_file != NULL)
        snprintf(f->ca_file, sizeof(f->ca_file), "%s", cfg->ca_file);
    if (f->cfg.port == 0)
        f->cfg.port = 443;
    /* Who is fetching and how to reach them: the scanned operator's only clue besides EHLO. */
    if (cfg->contact != NULL && cfg->contact[0] != '\0')
        snprintf(f->user_agent, sizeof(f->user_agent), "mtascope/%s (+%.200s)", MS_VERSION,
                 cfg->contact);
    else
        snprintf(f->user_agent, sizeof(f->user_agent), "mtascope/%s", MS_VERSION);
    f->cfg.contact = NULL; /* not kept: user_agent holds it */
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    /* Each policy host is distinct: no connection is worth keeping (D.3). */
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, 1L);
    uv_timer_init(loop, &f->timer);
    f->timer.data = f;
    f->open_handles = 1;
    *out = f;
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    struct sts_fetcher *f = h->data;

    if (--f->open_handles == 0) {
        curl_multi_cleanup(f->multi);
        free(f);
    }
}

void sts_fetcher_destroy(struct sts_fetcher *f)
{
    if (f == NULL)
        return;
    f->closing = 1;
    uv_timer_stop(&f->timer);
    uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}
