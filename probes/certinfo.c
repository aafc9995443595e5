/* certinfo.c: certificate facts for the results, the PKIX verdict (RFC 8461 §4.2), TLSA digests. */
#include "probes/certinfo.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

/* Length of the escape starting at s[j] == '\\' in RFC 2253 output: "\HH" or "\c". */
static size_t escape_len(const char *s, size_t j, size_t n)
{
    static const char hex[] = "0123456789ABCDEFabcdef";

    if (j + 2 < n && s[j + 1] != '\0' && s[j + 2] != '\0' && strchr(hex, s[j + 1]) != NULL &&
        strchr(hex, s[j + 2]) != NULL)
        return 3;
    return 2;
}

/*
 * Copies n bytes of RFC 2253 text into dst (cap bytes): when it must be cut, the cut never falls
 * inside a backslash escape; control bytes (which XN_FLAG_RFC2253 escapes anyway) become '?'.
 */
static void copy_dn(char *dst, size_t cap, const char *s, size_t n)
{
    size_t end = n, j = 0;

    if (n > cap - 1) {
        end = cap - 1;
        while (j < end) {
            size_t step = s[j] == '\\' ? escape_len(s, j, n) : 1;
            if (j + step > end)
                break;
            j += step;
        }
        end = j;
    }
    for (j = 0; j < end; j++) {
        unsigned char c = (unsigned char)s[j];
        dst[j] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[end] = '\0';
}

static void name_line(const X509_NAME *name, char *dst, size_t cap)
{
    BIO *bio;
    char *p = NULL;
    long n;

    dst[0] = '\0';
    if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_get_mem_data(bio, &p);
        if (n > 0 && p != NULL)
            copy_dn(dst, cap, p, (size_t)n);
    }
    BIO_free(bio);
}

/* Appends one DNS SAN (sanitised) if it fits whole; returns 0 once a name did not fit. */
static int san_add(struct cert_info *out, size_t *len, const unsigned char *p, size_t n)
{
    size_t need = n + (*len > 0 ? 1 : 0);

    if (need > sizeof(out->sans) - 1 - *len)
        return 0;
    if (*len > 0)
        out->sans[(*len)++] = ';';
    for (size_t i = 0; i < n; i++)
        out->sans[(*len)++] = (p[i] < 0x21 || p[i] > 0x7e || p[i] == ';') ? '?' : (char)p[i];
    out->sans[*len] = '\0';
    return 1;
}

static void get_sans(X509 *cert, struct cert_info *out)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    size_t len = 0;
    int room = 1;

    if (gens == NULL)
        return;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        int n;

        if (g->type != GEN_DNS || g->d.dNSName == NULL)
            continue;
        out->n_sans++;
        n = ASN1_STRING_length(g->d.dNSName);
        if (room && n >= 0)
            room = san_add(out, &len, ASN1_STRING_get0_data(g->d.dNSName), (size_t)n);
    }
    GENERAL_NAMES_free(gens);
}

static void rfc3339(const ASN1_TIME *t, char *dst, size_t cap)
{
    struct tm tm;

    dst[0] = '\0';
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return;
    if (strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        dst[0] = '\0';
}

static void key_info(X509 *cert, struct cert_info *out)
{
    static const struct {
        const char *openssl, *ours;
    } types[] = {{"RSA", "RSA"},         {"RSA-PSS", "RSA"}, {"EC", "EC"},
                 {"ED25519", "ED25519"}, {"ED448", "ED448"}, {"DSA", "DSA"}};
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    const char *type = "other";

    if (pk == NULL)
        return;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (EVP_PKEY_is_a(pk, types[i].openssl)) {
            type = types[i].ours;
            break;
        }
    }
    snprintf(out->key_type, sizeof(out->key_type), "%s", type);
    out->key_bits = EVP_PKEY_get_bits(pk) > 0 ? EVP_PKEY_get_bits(pk) : 0;
}

static void fingerprint(X509 *cert, struct cert_info *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return;
    for (unsigned int i = 0; i < n; i++) {
        out->sha256[2 * i] = hex[md[i] >> 4];
        out->sha256[2 * i + 1] = hex[md[i] & 0xf];
    }
    out->sha256[2 * n] = '\0';
}

void cert_info_get(X509 *cert, struct cert_info *out)
{
    memset(out, 0, sizeof(*out));
    if (cert == NULL)
        return;
    name_line(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
    name_line(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
    get_sans(cert, out);
    rfc3339(X509_get0_notBefore(cert), out->not_before, sizeof(out->not_before));
    rfc3339(X509_get0_notAfter(cert), out->not_after, sizeof(out->not_after));
    key_info(cert, out);
    fingerprint(cert, out);
}

const char *pkix_verdict_str(enum pkix_verdict v)
{
    switch (v) {
    case PKIX_NONE:
        return "none";
    case PKIX_VALID:
        return "valid";
    case PKIX_EXPIRED:
        return "expired";
    case PKIX_UNTRUSTED:
        return "untrusted";
    case PKIX_NAME_MISMATCH:
        return "name_mismatch";
    }
    return "unknown";
}

/* The first error of each class seen while verifying one chain. */
struct pkix_seen {
    int untrusted; /* first error other than a validity-time one, X509_V_OK if none */
    int time;      /* first X509_V_ERR_CERT_HAS_EXPIRED / _NOT_YET_VALID, X509_V_OK if none */
};

/* Records the error and lets verification continue, so a single pass reports every failure. */
static int collect_cb(int ok, X509_STORE_CTX *ctx)
{
    struct pkix_seen *seen = X509_STORE_CTX_get_app_data(ctx);
    int err;

    if (ok)
        return 1;
    if (seen == NULL)
        return 0;
    err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_OK)
        err = X509_V_ERR_UNSPECIFIED;
    if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
        if (seen->time == X509_V_OK)
            seen->time = err;
    } else if (seen->untrusted == X509_V_OK) {
        seen->untrusted = err;
    }
    return 1;
}

/*
 * Verifies the chain as an OpenSSL TLS client would ("ssl_server" purpose and trust), without
 * partial chains or a host name, collecting errors. Returns 0, or -1 if OpenSSL failed itself.
 */
static int verify_chain(STACK_OF(X509) * chain, X509_STORE *store, time_t now,
                        struct pkix_seen *seen)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    int rc = -1, ok;

    if (ctx == NULL || X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain) != 1)
        goto done;
    if (X509_STORE_CTX_set_default(ctx, "ssl_server") != 1)
        goto done;
    param = X509_STORE_CTX_get0_param(ctx);
    /* RFC 8461 §4.2 wants a path to a trusted root: never stop at a non-self-signed anchor. */
    X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_VERIFY_PARAM_set1_host(param, NULL, 0) != 1) /* names: X509_check_host, below */
        goto done;
    if (now != 0)
        X509_VERIFY_PARAM_set_time(param, now);
    X509_STORE_CTX_set_verify_cb(ctx, collect_cb);
    X509_STORE_CTX_set_app_data(ctx, seen);
    ok = X509_verify_cert(ctx);
    /* With collect_cb accepting everything, a failure not reported through it is our own. */
    if (ok <= 0 && seen->untrusted == X509_V_OK && seen->time == X509_V_OK)
        goto done;
    rc = 0;
done:
    X509_STORE_CTX_free(ctx);
    return rc;
}

/* RFC 6125 DNS-ID match of the leaf (RFC 8461 §4.2): whole-label wildcard, no CN fallback. */
static int name_matches(X509 *leaf, const char *hostname)
{
    size_t n = strlen(hostname);

    if (n > 1 && hostname[n - 1] == '.')
        n--;
    return X509_check_host(leaf, hostname, n,
                           X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                               X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                           NULL) == 1;
}

enum pkix_verdict pkix_check(STACK_OF(X509) * chain, X509_STORE *store, const char *hostname,
                             time_t now, int *x509_err)
{
    struct pkix_seen seen = {X509_V_OK, X509_V_OK};
    enum pkix_verdict v = PKIX_NONE;
    int err = X509_V_ERR_UNSPECIFIED;

    if (chain == NULL || sk_X509_num(chain) < 1 || sk_X509_value(chain, 0) == NULL ||
        store == NULL || hostname == NULL)
        goto done;
    if (verify_chain(chain, store, now, &seen) < 0)
        goto done;
    if (seen.untrusted != X509_V_OK) {
        v = PKIX_UNTRUSTED;
        err = seen.untrusted;
    } else if (seen.time != X509_V_OK) {
        v = PKIX_EXPIRED;
        err = seen.time;
    } else if (!name_matches(sk_X509_value(chain, 0), hostname)) {
        v = PKIX_NAME_MISMATCH;
        err = X509_V_ERR_HOSTNAME_MISMATCH;
    } else {
        v = PKIX_VALID;
        err = X509_V_OK;
    }
done:
    if (x509_err != NULL)
        *x509_err = err;
    return v;
}

size_t cert_tlsa_digest(X509 *cert, int selector, int mtype, unsigned char *out, size_t outsz)
{
    const EVP_MD *md = mtype == 1 ? EVP_sha256() : mtype == 2 ? EVP_sha512() : NULL;
    unsigned char *der = NULL;
    unsigned int mdlen = 0;
    int n = -1;

    if (cert == NULL || out == NULL || md == NULL || (size_t)EVP_MD_get_size(md) > outsz)
        return 0;
    if (selector == 0)
        n = i2d_X509(cert, &der);
    else if (selector == 1)
        n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (n <= 0 || der == NULL) {
        OPENSSL_free(der);
        return 0;
    }
    if (EVP_Digest(der, (size_t)n, out, &mdlen, md, NULL) != 1)
        mdlen = 0;
    OPENSSL_free(der);
    return mdlen;
}
