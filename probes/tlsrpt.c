/* tlsrpt.c: RFC 8460 §3 TXT record parsing: candidate filter, ABNF check, rua URI checks. */
#include "probes/tlsrpt.h"

#include <string.h>

#define TLSRPT_VERSION "v=TLSRPTv1"

/* Collects the rua URIs into the result: whole URIs only, in order, separated by ';'. */
struct rua_sink {
    char *buf;
    size_t cap; /* bytes in buf including the NUL */
    size_t len;
    int full; /* a URI did not fit: it and all later ones are left out */
};

static void sink_add(struct rua_sink *s, const char *uri, size_t n)
{
    size_t need = n + (s->len > 0 ? 1 : 0);

    if (s->full || need > s->cap - 1 - s->len) {
        s->full = 1;
        return;
    }
    if (s->len > 0)
        s->buf[s->len++] = ';';
    memcpy(s->buf + s->len, uri, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static int is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ASCII case-insensitive comparison of n bytes at p with the lowercase literal `lit`. */
static int ieq(const char *p, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lit[i])
            return 0;
    }
    return 1;
}

/*
 * RFC 3986 characters a TLS-RPT URI may hold unencoded: unreserved, gen-delims and sub-delims,
 * less "," "!" ";" which RFC 8460 §3 says MUST be percent-encoded. "%" is handled by the caller.
 */
static int is_uri_char(unsigned char c)
{
    if (is_alpha(c) || is_digit(c))
        return 1;
    return c != '\0' && strchr("-._~:/?#[]@$&'()*+=", c) != NULL;
}

/* A DMARC size limit (RFC 7489 §6.4: "!" 1*DIGIT [k/m/g/t]) ending the URI, p[0] == '!'. */
static int is_size_suffix(const char *p, size_t n)
{
    size_t i = 1;

    while (i < n && is_digit((unsigned char)p[i]))
        i++;
    if (i == 1)
        return 0;
    if (i < n && p[i] != '\0' && strchr("kmgtKMGT", p[i]) != NULL)
        i++;
    return i == n;
}

/* port = *DIGIT (RFC 3986 §3.2.3), given with its leading ":" or empty. */
static int port_ok(const char *p, size_t n)
{
    if (n == 0)
        return 1;
    if (p[0] != ':')
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return 0;
    }
    return 1;
}

/*
 * An https authority, [userinfo "@"] host [":" port] (RFC 3986 §3.2), with a non-empty host
 * (RFC 9110 §4.2.2): userinfo holds no "@"; the host is an IP-literal "[...]" or a reg-name
 * without "[" "]" ":". The characters themselves were checked by the caller.
 */
static int https_authority_ok(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);
    size_t h;

    if (at != NULL) {
        n -= (size_t)(at - a) + 1;
        a = at + 1;
        if (memchr(a, '@', n) != NULL)
            return 0;
    }
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL || close == a + 1)
            return 0;
        h = (size_t)(close - a) + 1;
        return port_ok(a + h, n - h);
    }
    for (h = 0; h < n && a[h] != ':'; h++) {
        if (a[h] == '[' || a[h] == ']')
            return 0;
    }
    return h > 0 && port_ok(a + h, n - h);
}

/*
 * The scheme-specific minimum after "scheme:": https needs "//" and a host; mailto needs a
 * recipient, that is an "@" with something on both sides before any "?" (RFC 6068 §2; several
 * recipients are separated by percent-encoded commas here, so they are not told apart).
 */
static enum txt_err check_target(const char *rest, size_t n, int https)
{
    size_t i;

    if (https) {
        if (n < 2 || rest[0] != '/' || rest[1] != '/')
            return TXT_E_RUA_URI_SYNTAX;
        for (i = 2; i < n && rest[i] != '/' && rest[i] != '?' && rest[i] != '#'; i++)
            ;
        return https_authority_ok(rest + 2, i - 2) ? TXT_E_OK : TXT_E_RUA_URI_SYNTAX;
    }
    for (i = 0; i < n && rest[i] != '?' && rest[i] != '#'; i++)
        ;
    for (size_t at = 1; at + 1 < i; at++) {
        if (rest[at] == '@')
            return TXT_E_OK;
    }
    return TXT_E_RUA_URI_SYNTAX;
}

/*
 * tlsrpt-uri = URI with the scheme "mailto" or "https" (RFC 8460 §3; schemes are case-insensitive,
 * RFC 3986 §3.1). Checked in this order: characters and percent-encoding, the scheme, a DMARC size
 * suffix, the scheme-specific minimum.
 */
static enum txt_err check_uri(const char *u, size_t n)
{
    size_t i = 0;
    int https, suffix = 0;

    for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)u[j];
        if (c == '%') {
            if (n - j < 3 || !is_hex((unsigned char)u[j + 1]) || !is_hex((unsigned char)u[j + 2]))
                return TXT_E_RUA_URI_SYNTAX;
            j += 2;
        } else if (c == '!') {
            if (!is_size_suffix(u + j, n - j))
                return TXT_E_RUA_URI_SYNTAX;
            suffix = 1;
            n = j; /* the rest is the suffix */
        } else if (!is_uri_char(c)) {
            return TXT_E_RUA_URI_SYNTAX;
        }
    }
    if (n == 0 || !is_alpha((unsigned char)u[0]))
        return TXT_E_RUA_SCHEME;
    while (i < n && (is_alpha((unsigned char)u[i]) || is_digit((unsigned char)u[i]) ||
                     u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    if (i == n || u[i] != ':')
        return TXT_E_RUA_SCHEME;
    https = ieq(u, i, "https");
    if (!https && !ieq(u, i, "mailto"))
        return TXT_E_RUA_SCHEME;
    if (suffix)
        return TXT_E_RUA_SIZE_SUFFIX;
    return check_target(u + i + 1, n - i - 1, https);
}

/*
 * tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri). `v` is the value after "rua=",
 * trailing WSP already removed by the cursor. WSP is allowed only beside a comma: after "rua="
 * it ends up inside the first URI, which then fails the URI check.
 */
static enum txt_err parse_rua(const char *v, size_t vlen, struct rua_sink *sink)
{
    size_t start = 0;

    if (vlen == 0)
        return TXT_E_RUA_EMPTY;
    for (;;) {
        const char *comma = memchr(v + start, ',', vlen - start);
        size_t end = comma != NULL ? (size_t)(comma - v) : vlen;
        size_t a = start, b = end;
        enum txt_err err;

        if (start > 0) {
            while (a < b && txt_is_wsp((unsigned char)v[a]))
                a++;
        }
        if (comma != NULL) {
            while (b > a && txt_is_wsp((unsigned char)v[b - 1]))
                b--;
        }
        if (a == b)
            return TXT_E_RUA_EMPTY;
        err = check_uri(v + a, b - a);
        if (err != TXT_E_OK)
            return err;
        sink_add(sink, v + a, b - a);
        if (comma == NULL)
            return TXT_E_OK;
        start = end + 1;
    }
}

/*
 * Parses the one candidate record. Every field named exactly "rua" must be a valid tlsrpt-rua (a
 * malformed one is not quietly taken for an extension); the URIs of all of them are collected in
 * order. Other fields are extensions: checked, then ignored.
 */
static enum txt_err parse_record(const char *rec, size_t len, struct rua_sink *sink)
{
    struct txt_cursor cur;
    struct txt_field f;
    enum txt_err err = TXT_E_OK;
    int have_rua = 0, r;

    if (txt_has_nul(rec, len))
        return TXT_E_NUL_BYTE;
    txt_cursor_init(&cur, rec, len, TLSRPT_VERSION);
    while ((r = txt_cursor_next(&cur, &f, &err)) > 0) {
        if (txt_field_is(&f, "rua")) {
            err = parse_rua(f.value, f.value_len, sink);
            have_rua = 1;
        } else {
            err = txt_check_extension(&f);
        }
        if (err != TXT_E_OK)
            return err;
    }
    if (r < 0)
        return err;
    return have_rua ? TXT_E_OK : TXT_E_RUA_MISSING;
}

void tlsrpt_evaluate(const char *const *records, const size_t *lens, size_t n,
                     struct tlsrpt_result *out)
{
    struct rua_sink sink;
    size_t first = 0, count;
    enum txt_err err;

    memset(out, 0, sizeof(*out));
    out->verdict = TXT_NONE;
    count = txt_count_candidates(records, lens, n, TLSRPT_VERSION, &first);
    if (count == 0)
        return;
    if (count > 1) {
        out->verdict = TXT_MULTIPLE;
        out->error = txt_errstr(TXT_E_MULTIPLE);
        return;
    }
    sink.buf = out->rua;
    sink.cap = sizeof(out->rua);
    sink.len = 0;
    sink.full = 0;
    err = parse_record(records[first], lens[first], &sink);
    if (err != TXT_E_OK) {
        out->verdict = TXT_INVALID;
        out->error = txt_errstr(err);
        memset(out->rua, 0, sizeof(out->rua));
        return;
    }
    out->verdict = TXT_VALID;
    out->rua_truncated = sink.full;
}
