/* test_certinfo.c: certificate facts, PKIX verdicts and TLSA digests on certificates made here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "probes/certinfo.h"
#include "tests/unit/harness.h"

#define DAY 86400

static time_t t0; /* "now" for the verdicts: real time, so now = 0 can be tested too */

/* What a test certificate looks like; NULL-terminated SAN list, times relative to t0. */
struct spec {
    const char *cn;
    const char *const *sans;
    int ca;
    long nb, na; /* notBefore, notAfter offsets from t0 in seconds */
};

static void die(const char *what)
{
    fprintf(stderr, "test setup failed: %s\n", what);
    exit(2);
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");

    if (k == NULL)
        die("EC key");
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
        die("extension");
    X509_EXTENSION_free(ext);
}

/* DNS SANs exactly as given (any bytes), so odd names can be tested. */
static void add_sans(X509 *x, const char *const *sans)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();

    for (size_t i = 0; gens != NULL && sans[i] != NULL; i++) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();

        if (g == NULL || s == NULL || ASN1_STRING_set(s, sans[i], (int)strlen(sans[i])) != 1)
            die("SAN");
        GENERAL_NAME_set0_value(g, GEN_DNS, s);
        if (sk_GENERAL_NAME_push(gens, g) <= 0)
            die("SAN push");
    }
    if (gens == NULL ||
        X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
        die("SAN extension");
    GENERAL_NAMES_free(gens);
}

/* Signs with SHA-256, or with no digest for EdDSA keys. */
static void sign(X509 *x, EVP_PKEY *key)
{
    const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();

    if (X509_sign(x, key, md) <= 0)
        die("sign");
}

/* A certificate for `key` per `s`, signed by issuer/ikey (self-signed when issuer is NULL). */
static X509 *make_cert(const struct spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    if (x == NULL || name == NULL || X509_set_version(x, X509_VERSION_3) != 1)
        die("X509_new");
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    if (s->cn != NULL && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                    (const unsigned char *)s->cn, -1, -1, 0) != 1)
        die("CN");
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    if (ASN1_TIME_set(X509_getm_notBefore(x), t0 + s->nb) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), t0 + s->na) == NULL)
        die("times");
    X509_set_pubkey(x, key);
    if (s->ca) {
        add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer != NULL ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer != NULL ? issuer : x, NID_ext_key_usage, "serverAuth");
    }
    if (s->sans != NULL)
        add_sans(x, s->sans);
    sign(x, issuer != NULL ? ikey : key);
    return x;
}

/* The test PKI: a trusted root and intermediate, an expired intermediate under the same root, an
 * unrelated root nobody trusts, and an impostor root with the trusted root's name but its own key.
 */
static EVP_PKEY *root_key, *inter_key, *other_key, *evil_key, *leaf_key;
static X509 *root, *inter, *old_inter, *other_root, *evil_root;
static X509_STORE *store;

static void pki_init(void)
{
    static const struct spec root_spec = {"Test Root CA", NULL, 1, -10 * DAY, 3650L * DAY};
    static const struct spec inter_spec = {"Test Intermediate CA", NULL, 1, -10 * DAY, 1000 * DAY};
    static const struct spec old_spec = {"Old Intermediate CA", NULL, 1, -100 * DAY, -2 * DAY};
    static const struct spec other_spec = {"Other Root CA", NULL, 1, -10 * DAY, 3650L * DAY};

    root_key = ec_key();
    inter_key = ec_key();
    other_key = ec_key();
    evil_key = ec_key();
    leaf_key = ec_key();
    root = make_cert(&root_spec, root_key, NULL, NULL);
    inter = make_cert(&inter_spec, inter_key, root, root_key);
    old_inter = make_cert(&old_spec, inter_key, root, root_key);
    other_root = make_cert(&other_spec, other_key, NULL, NULL);
    evil_root = make_cert(&root_spec, evil_key, NULL, NULL);
    store = X509_STORE_new();
    if (store == NULL || X509_STORE_add_cert(store, root) != 1)
        die("store");
}

static void pki_free(void)
{
    X509_STORE_free(store);
    X509_free(root);
    X509_free(inter);
    X509_free(old_inter);
    X509_free(other_root);
    X509_free(evil_root);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(inter_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(evil_key);
    EVP_PKEY_free(leaf_key);
}

/* A chain as a server presents it: the non-NULL certs given, in order (references taken). */
static STACK_OF(X509) * chain_of(X509 *a, X509 *b, X509 *c)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *certs[3] = {a, b, c};

    if (sk == NULL)
        die("stack");
    for (int i = 0; i < 3 && certs[i] != NULL; i++) {
        if (X509_up_ref(certs[i]) != 1 || sk_X509_push(sk, certs[i]) <= 0)
            die("push");
    }
    return sk;
}

/* Who issues the leaf of a verdict case, and what the server sends after it. */
enum issuer { BY_INTER, BY_OLD_INTER, BY_OTHER_ROOT, BY_EVIL_ROOT, BY_SELF };
enum sent { SEND_INTER, SEND_NOTHING, SEND_INTER_ROOT, SEND_ISSUER };

struct verdict_case {
    const char *what;
    struct spec leaf;
    enum issuer by;
    enum sent sent;
    const char *host;
    long now_off; /* verification time: t0 + now_off, or the real time (now = 0) for NOW_REAL */
    enum pkix_verdict want;
    int want_err;
};

#define NOW_REAL 1L /* a sentinel: no case verifies one second after t0 */
#define VALID    -1 * DAY, 30 * DAY
#define MX       "mx.example.test"

static const char *const san_mx[] = {MX, NULL};
static const char *const san_wild[] = {"*.example.test", NULL};
static const char *const san_partial[] = {"m*.example.test", NULL};
static const char *const san_upper[] = {"MX.EXAMPLE.TEST", NULL};
static const char *const san_other[] = {"mail.example.test", "mx.example.test.evil", NULL};

/* One row per line reads better than what the formatter makes of it. */
/* clang-format off */
#define MISMATCH PKIX_NAME_MISMATCH, X509_V_ERR_HOSTNAME_MISMATCH
static const struct verdict_case vcases[] = {
    {"valid", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, PKIX_VALID, X509_V_OK},
    {"valid, now = 0", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, MX, NOW_REAL, PKIX_VALID, X509_V_OK},
    {"valid, root sent too", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER_ROOT, MX, 0, PKIX_VALID, X509_V_OK},
    {"host case and trailing dot", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, "MX.Example.TEST.", 0, PKIX_VALID, X509_V_OK},
    {"uppercase SAN", {"leaf", san_upper, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, PKIX_VALID, X509_V_OK},
    {"other host", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, "mx2.example.test", 0, MISMATCH},
    {"parent of the SAN", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, "example.test", 0, MISMATCH},
    {"SAN is a prefix of the host", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, MX ".evil", 0, MISMATCH},
    {"host is a prefix of a SAN", {"leaf", san_other, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, MISMATCH},
    {"empty host", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, "", 0, MISMATCH},
    /* Wildcards: a whole left-most label covering exactly one label (RFC 6125 §6.4.3). */
    {"wildcard, one label", {"leaf", san_wild, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, PKIX_VALID, X509_V_OK},
    {"wildcard, two labels", {"leaf", san_wild, 0, VALID}, BY_INTER, SEND_INTER, "a.b.example.test", 0, MISMATCH},
    {"wildcard, no label", {"leaf", san_wild, 0, VALID}, BY_INTER, SEND_INTER, "example.test", 0, MISMATCH},
    {"partial wildcard", {"leaf", san_partial, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, MISMATCH},
    /* No CN fallback (RFC 8461 §4.2 via RFC 6125 DNS-ID). */
    {"CN only, no SAN", {MX, NULL, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, MISMATCH},
    {"CN matches, SANs do not", {MX, san_other, 0, VALID}, BY_INTER, SEND_INTER, MX, 0, MISMATCH},
    /* Validity at the verification time, for every certificate of the path. */
    {"expired leaf", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_INTER, SEND_INTER, MX, 0, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    {"expired leaf, now = 0", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_INTER, SEND_INTER, MX, NOW_REAL, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    {"not yet valid leaf", {"leaf", san_mx, 0, 1 * DAY, 30 * DAY}, BY_INTER, SEND_INTER, MX, 0, PKIX_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID},
    {"valid leaf checked later", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, MX, 60 * DAY, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    {"valid leaf checked earlier", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_INTER, MX, -5 * DAY, PKIX_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID},
    {"expired intermediate", {"leaf", san_mx, 0, VALID}, BY_OLD_INTER, SEND_ISSUER, MX, 0, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    {"CAs expired at the time", {"leaf", san_mx, 0, -20 * DAY, 4000L * DAY}, BY_INTER, SEND_INTER, MX, 3700L * DAY, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    {"expired and name mismatch", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_INTER, SEND_INTER, "x.example.test", 0, PKIX_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED},
    /* No path to a trust anchor; untrusted wins over expired and name_mismatch. */
    {"missing intermediate", {"leaf", san_mx, 0, VALID}, BY_INTER, SEND_NOTHING, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
    {"unknown CA, root sent", {"leaf", san_mx, 0, VALID}, BY_OTHER_ROOT, SEND_ISSUER, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
    {"unknown CA, root not sent", {"leaf", san_mx, 0, VALID}, BY_OTHER_ROOT, SEND_NOTHING, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
    {"self-signed leaf", {"leaf", san_mx, 0, VALID}, BY_SELF, SEND_NOTHING, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
    {"impostor root, trusted name", {"leaf", san_mx, 0, VALID}, BY_EVIL_ROOT, SEND_ISSUER, MX, 0, PKIX_UNTRUSTED, -1},
    {"expired and unknown CA", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_OTHER_ROOT, SEND_ISSUER, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
    {"expired and self-signed", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_SELF, SEND_NOTHING, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
    {"expired, missing intermediate", {"leaf", san_mx, 0, -30 * DAY, -1 * DAY}, BY_INTER, SEND_NOTHING, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
    {"untrusted and name mismatch", {"leaf", san_mx, 0, VALID}, BY_SELF, SEND_NOTHING, "x.example.test", 0, PKIX_UNTRUSTED, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
    {"untrusted, expired and mismatch", {MX, NULL, 0, -30 * DAY, -1 * DAY}, BY_OTHER_ROOT, SEND_ISSUER, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
    /* Purpose "ssl_server": a leaf whose key usage excludes TLS fails as for any OpenSSL client. */
    {"leaf with CA key usage only", {"leaf", san_mx, 1, VALID}, BY_INTER, SEND_INTER, MX, 0, PKIX_UNTRUSTED, X509_V_ERR_INVALID_PURPOSE},
};
#undef MISMATCH
/* clang-format on */

static void issuer_of(enum issuer by, X509 **cert, EVP_PKEY **key)
{
    switch (by) {
    case BY_INTER:
        *cert = inter, *key = inter_key;
        return;
    case BY_OLD_INTER:
        *cert = old_inter, *key = inter_key;
        return;
    case BY_OTHER_ROOT:
        *cert = other_root, *key = other_key;
        return;
    case BY_EVIL_ROOT:
        *cert = evil_root, *key = evil_key;
        return;
    case BY_SELF:
        break;
    }
    *cert = NULL, *key = NULL;
}

static void run_verdict(size_t idx, const struct verdict_case *c)
{
    X509 *icert, *leaf;
    EVP_PKEY *ikey;
    STACK_OF(X509) * chain;
    enum pkix_verdict v;
    time_t now = c->now_off == NOW_REAL ? 0 : t0 + c->now_off;
    int err = 12345, before = th_failed;

    issuer_of(c->by, &icert, &ikey);
    leaf = make_cert(&c->leaf, leaf_key, icert, ikey);
    if (c->sent == SEND_NOTHING)
        chain = chain_of(leaf, NULL, NULL);
    else if (c->sent == SEND_INTER_ROOT)
        chain = chain_of(leaf, inter, root);
    else
        chain = chain_of(leaf, c->sent == SEND_INTER ? inter : icert, NULL);
    v = pkix_check(chain, store, c->host, now, &err);
    CHECK_STR(pkix_verdict_str(v), pkix_verdict_str(c->want));
    if (c->want_err >= 0)
        CHECK_INT(err, c->want_err);
    else
        CHECK(err != X509_V_OK);
    /* Same verdict without the error out-parameter. */
    CHECK_INT(pkix_check(chain, store, c->host, now, NULL), c->want);
    if (th_failed != before)
        fprintf(stderr, "  in verdict case %zu \"%s\": err %d (%s)\n", idx, c->what, err,
                X509_verify_cert_error_string(err));
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
}

static void test_verdicts(void)
{
    for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
        run_verdict(i, &vcases[i]);
}

/*
 * A store whose own parameters allow partial chains and name a host: pkix_check must still want
 * a path to the self-signed root and judge the name itself (RFC 8461 §4.2, checklist D.4).
 */
static void test_store_params(void)
{
    static const struct spec leaf_spec = {"leaf", san_mx, 0, VALID};
    X509_STORE *partial = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509 *leaf = make_cert(&leaf_spec, leaf_key, inter, inter_key);
    STACK_OF(X509) *chain = chain_of(leaf, inter, NULL);
    int err = 0;

    if (partial == NULL || ctx == NULL || X509_STORE_add_cert(partial, inter) != 1)
        die("partial store");
    X509_STORE_set_flags(partial, X509_V_FLAG_PARTIAL_CHAIN);
    /* The store alone would accept the chain ending at the intermediate... */
    if (X509_STORE_CTX_init(ctx, partial, leaf, chain) != 1)
        die("ctx");
    CHECK_INT(X509_verify_cert(ctx), 1);
    /* ...but not pkix_check: the intermediate's issuer is nowhere. */
    CHECK_INT(pkix_check(chain, partial, MX, t0, &err), PKIX_UNTRUSTED);
    CHECK_INT(err, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);

    /* A host set on the trusted store is ignored: the name check is ours. */
    if (X509_VERIFY_PARAM_set1_host(X509_STORE_get0_param(store), "other.test", 0) != 1)
        die("store host");
    CHECK_INT(pkix_check(chain, store, MX, t0, &err), PKIX_VALID);
    CHECK_INT(pkix_check(chain, store, "other.test", t0, &err), PKIX_NAME_MISMATCH);
    X509_VERIFY_PARAM_set1_host(X509_STORE_get0_param(store), NULL, 0);

    X509_STORE_CTX_free(ctx);
    X509_STORE_free(partial);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
}

static void test_verdict_edges(void)
{
    static const struct spec leaf_spec = {"leaf", san_mx, 0, VALID};
    X509 *leaf = make_cert(&leaf_spec, leaf_key, inter, inter_key);
    STACK_OF(X509) *chain = chain_of(leaf, inter, NULL);
    STACK_OF(X509) *empty = sk_X509_new_null();
    int err = 0;

    CHECK_INT(pkix_check(NULL, store, MX, t0, &err), PKIX_NONE);
    CHECK_INT(err, X509_V_ERR_UNSPECIFIED);
    CHECK_INT(pkix_check(empty, store, MX, t0, &err), PKIX_NONE);
    CHECK_INT(pkix_check(chain, NULL, MX, t0, &err), PKIX_NONE);
    CHECK_INT(pkix_check(chain, store, NULL, t0, &err), PKIX_NONE);
    CHECK_INT(pkix_check(chain, store, MX, t0, &err), PKIX_VALID);
    CHECK_INT(err, X509_V_OK);
    /* The chain is left as it was. */
    CHECK_INT(sk_X509_num(chain), 2);
    CHECK(sk_X509_value(chain, 0) == leaf);

    CHECK_STR(pkix_verdict_str(PKIX_NONE), "none");
    CHECK_STR(pkix_verdict_str(PKIX_VALID), "valid");
    CHECK_STR(pkix_verdict_str(PKIX_EXPIRED), "expired");
    CHECK_STR(pkix_verdict_str(PKIX_UNTRUSTED), "untrusted");
    CHECK_STR(pkix_verdict_str(PKIX_NAME_MISMATCH), "name_mismatch");
    CHECK_STR(pkix_verdict_str((enum pkix_verdict)9), "unknown");
    sk_X509_free(empty);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
}

/* Lowercase hex of a digest, computed here independently of certinfo.c. */
static void hex_of(const unsigned char *md, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[2 * n] = '\0';
}

/* A certificate with fixed dates (UTCTime and GeneralizedTime) and mixed SAN kinds. */
static void test_info_fields(void)
{
    static const char *const sans[] = {MX,        "MX2.Example.TEST", "a;b",
                                       "c d\x01", "*.example.test",   NULL};
    static const struct spec spec = {"leaf", sans, 0, 0, 0};
    X509 *x = make_cert(&spec, leaf_key, inter, inter_key);
    GENERAL_NAME *ip = GENERAL_NAME_new(), *mail = GENERAL_NAME_new();
    ASN1_OCTET_STRING *ipv = ASN1_OCTET_STRING_new();
    ASN1_IA5STRING *mailv = ASN1_IA5STRING_new();
    X509_NAME *subj = X509_NAME_new();
    unsigned char *der = NULL, md[32];
    char want_hex[65];
    struct cert_info ci;
    int n;

    /* Dates: 2025-01-02T03:04:05Z (UTCTime), 2051-03-04T05:06:07Z (GeneralizedTime). */
    if (ASN1_TIME_set(X509_getm_notBefore(x), 1735787045) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), (time_t)2561519167LL) == NULL)
        die("fixed times");
    /* A subject with two attributes; an IP and an email SAN beside the DNS ones (not counted). */
    if (subj == NULL ||
        X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_ASC, (const unsigned char *)"Ex, Inc", -1,
                                   -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)MX, -1, -1,
                                   0) != 1 ||
        X509_set_subject_name(x, subj) != 1)
        die("subject");
    X509_NAME_free(subj);
    if (ip == NULL || mail == NULL || ipv == NULL || mailv == NULL ||
        ASN1_OCTET_STRING_set(ipv, (const unsigned char *)"\xc0\x00\x02\x01", 4) != 1 ||
        ASN1_STRING_set(mailv, "pm@example.test", -1) != 1)
        die("extra SANs");
    GENERAL_NAME_set0_value(ip, GEN_IPADD, ipv);
    GENERAL_NAME_set0_value(mail, GEN_EMAIL, mailv);
    {
        GENERAL_NAMES *old = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        if (old == NULL)
            die("SAN read");
        sk_GENERAL_NAME_insert(old, ip, 1);
        sk_GENERAL_NAME_push(old, mail);
        if (X509_add1_ext_i2d(x, NID_subject_alt_name, old, 0, X509V3_ADD_REPLACE) != 1)
            die("SAN replace");
        GENERAL_NAMES_free(old);
    }
    sign(x, inter_key);

    memset(&ci, 0x5a, sizeof(ci)); /* cert_info_get must overwrite everything */
    cert_info_get(x, &ci);
    CHECK_STR(ci.subject, "CN=mx.example.test,O=Ex\\, Inc");
    CHECK_STR(ci.issuer, "CN=Test Intermediate CA");
    CHECK_STR(ci.sans, "mx.example.test;MX2.Example.TEST;a?b;c?d?;*.example.test");
    CHECK_INT(ci.n_sans, 5);
    CHECK_STR(ci.not_before, "2025-01-02T03:04:05Z");
    CHECK_STR(ci.not_after, "2051-03-04T05:06:07Z");
    CHECK_STR(ci.key_type, "EC");
    CHECK_INT(ci.key_bits, 256);
    CHECK_INT(strlen(ci.sha256), 64);
    n = i2d_X509(x, &der);
    if (n <= 0 || EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL) != 1)
        die("digest");
    hex_of(md, sizeof(md), want_hex);
    CHECK_STR(ci.sha256, want_hex);
    OPENSSL_free(der);
    X509_free(x);
}

/* Whether every backslash in s starts a whole RFC 2253 escape: "\HH" (hex) or "\c" (a special). */
static int escapes_whole(const char *s)
{
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == '\0')
            return 0;
        if (isxdigit((unsigned char)s[i + 1]) && !isxdigit((unsigned char)s[i + 2]))
            return 0;
        i += isxdigit((unsigned char)s[i + 1]) ? 2 : 1;
    }
    return 1;
}

/* Many SANs: whole names only, in order, and the next one would not have fit. */
static void test_info_many_sans(void)
{
    static char names[60][48];
    static const char *sans[61];
    static const struct spec spec = {"leaf", sans, 0, VALID};
    X509 *x;
    struct cert_info ci;
    size_t len, k = 0, off = 0;

    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof(names[i]), "host-%02d.a-fairly-long-label.example.test", i);
        sans[i] = names[i];
    }
    sans[60] = NULL;
    x = make_cert(&spec, leaf_key, inter, inter_key);
    cert_info_get(x, &ci);
    CHECK_INT(ci.n_sans, 60);
    len = strlen(ci.sans);
    CHECK(len <= sizeof(ci.sans) - 1);
    while (k < 60 && off < len) {
        size_t nl = strlen(names[k]);
        CHECK(strncmp(ci.sans + off, names[k], nl) == 0);
        off += nl;
        CHECK(ci.sans[off] == ';' || ci.sans[off] == '\0');
        off += ci.sans[off] == ';';
        k++;
    }
    CHECK(k > 10 && k < 60);
    CHECK(len + 1 + strlen(names[k]) > sizeof(ci.sans) - 1);
    X509_free(x);
}

/*
 * Long subjects full of characters RFC 2253 escapes (',' as "\,", UTF-8 'é' as "\C3\A9"), with
 * a CN of growing length so the cut falls at every offset of an escape: never inside one.
 */
static void test_info_long_subject(void)
{
#define OU_OUT "OU=a\\,b\\,c\\C3\\A9\\C3\\A9\\,d\\,e\\,f"
    static const struct spec spec = {"leaf", san_mx, 0, VALID};
    struct cert_info ci;
    char cn[16];

    for (size_t k = 1; k < sizeof(cn); k++) {
        X509 *x = make_cert(&spec, leaf_key, inter, inter_key);
        X509_NAME *subj = X509_NAME_new();
        size_t len;

        memset(cn, 'x', k);
        cn[k] = '\0';
        for (int i = 0; subj != NULL && i < 10; i++) {
            if (X509_NAME_add_entry_by_txt(subj, "OU", MBSTRING_UTF8,
                                           (const unsigned char *)"a,b,c\xc3\xa9\xc3\xa9,d,e,f", -1,
                                           -1, 0) != 1)
                die("OU");
        }
        if (subj == NULL ||
            X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                       0) != 1 ||
            X509_set_subject_name(x, subj) != 1)
            die("subject");
        X509_NAME_free(subj);
        sign(x, inter_key);
        cert_info_get(x, &ci);
        len = strlen(ci.subject);
        CHECK(len >= sizeof(ci.subject) - 3 && len <= sizeof(ci.subject) - 1);
        CHECK(escapes_whole(ci.subject));
        CHECK(strncmp(ci.subject, "CN=", 3) == 0);
        CHECK(strncmp(ci.subject + 4 + k, OU_OUT ",", sizeof(OU_OUT)) == 0);
        X509_free(x);
    }
#undef OU_OUT
}

/* Key types other than EC, a certificate without names, and a NULL certificate. */
static void test_info_keys(void)
{
    static const struct spec spec = {NULL, NULL, 0, VALID};
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *rsa = EVP_RSA_gen(1024);
    X509 *x;
    struct cert_info ci;

    if (ed == NULL || rsa == NULL)
        die("keys");
    x = make_cert(&spec, ed, NULL, NULL);
    cert_info_get(x, &ci);
    CHECK_STR(ci.key_type, "ED25519");
    CHECK(ci.key_bits > 0);
    CHECK_STR(ci.subject, "");
    CHECK_STR(ci.sans, "");
    CHECK_INT(ci.n_sans, 0);
    CHECK_INT(strlen(ci.sha256), 64);
    X509_free(x);

    x = make_cert(&spec, rsa, NULL, NULL);
    cert_info_get(x, &ci);
    CHECK_STR(ci.key_type, "RSA");
    CHECK_INT(ci.key_bits, 1024);
    X509_free(x);

    memset(&ci, 0x5a, sizeof(ci));
    cert_info_get(NULL, &ci);
    CHECK_STR(ci.subject, "");
    CHECK_STR(ci.issuer, "");
    CHECK_STR(ci.sans, "");
    CHECK_STR(ci.not_before, "");
    CHECK_STR(ci.key_type, "");
    CHECK_STR(ci.sha256, "");
    CHECK_INT(ci.n_sans + ci.key_bits, 0);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(rsa);
}

/* TLSA digests against digests computed here from the key and the DER (RFC 6698 §2.1). */
static void test_tlsa_digest(void)
{
    static const struct spec spec = {"leaf", san_mx, 0, VALID};
    X509 *x = make_cert(&spec, leaf_key, inter, inter_key);
    unsigned char *spki = NULL, *der = NULL, want[64], got[64], big[128];
    int spki_len = i2d_PUBKEY(leaf_key, &spki), der_len = i2d_X509(x, &der);

    if (spki_len <= 0 || der_len <= 0)
        die("DER");
    /* 3 1 1: SHA-256 of the SubjectPublicKeyInfo, from the key we generated. */
    EVP_Digest(spki, (size_t)spki_len, want, NULL, EVP_sha256(), NULL);
    CHECK_INT(cert_tlsa_digest(x, 1, 1, got, sizeof(got)), 32);
    CHECK(memcmp(got, want, 32) == 0);
    /* 3 1 2 */
    EVP_Digest(spki, (size_t)spki_len, want, NULL, EVP_sha512(), NULL);
    CHECK_INT(cert_tlsa_digest(x, 1, 2, got, sizeof(got)), 64);
    CHECK(memcmp(got, want, 64) == 0);
    /* 3 0 1 and 3 0 2: the whole certificate. */
    EVP_Digest(der, (size_t)der_len, want, NULL, EVP_sha256(), NULL);
    CHECK_INT(cert_tlsa_digest(x, 0, 1, got, 32), 32);
    CHECK(memcmp(got, want, 32) == 0);
    EVP_Digest(der, (size_t)der_len, want, NULL, EVP_sha512(), NULL);
    CHECK_INT(cert_tlsa_digest(x, 0, 2, big, sizeof(big)), 64);
    CHECK(memcmp(big, want, 64) == 0);
    /* Another certificate of the chain, another digest. */
    CHECK_INT(cert_tlsa_digest(inter, 1, 1, got, sizeof(got)), 32);
    EVP_Digest(spki, (size_t)spki_len, want, NULL, EVP_sha256(), NULL);
    CHECK(memcmp(got, want, 32) != 0);
    /* Unsupported parameters, short buffers, NULLs. */
    CHECK_INT(cert_tlsa_digest(x, 2, 1, got, sizeof(got)), 0);
    CHECK_INT(cert_tlsa_digest(x, -1, 1, got, sizeof(got)), 0);
    CHECK_INT(cert_tlsa_digest(x, 1, 0, got, sizeof(got)), 0);
    CHECK_INT(cert_tlsa_digest(x, 1, 3, got, sizeof(got)), 0);
    CHECK_INT(cert_tlsa_digest(x, 1, 1, got, 31), 0);
    CHECK_INT(cert_tlsa_digest(x, 1, 2, got, 63), 0);
    CHECK_INT(cert_tlsa_digest(NULL, 1, 1, got, sizeof(got)), 0);
    CHECK_INT(cert_tlsa_digest(x, 1, 1, NULL, 64), 0);
    OPENSSL_free(spki);
    OPENSSL_free(der);
    X509_free(x);
}

int main(void)
{
    t0 = time(NULL);
    pki_init();
    test_verdicts();
    test_store_params();
    test_verdict_edges();
    test_info_fields();
    test_info_many_sans();
    test_info_long_subject();
    test_info_keys();
    test_tlsa_digest();
    pki_free();
    return th_report("test_certinfo");
}
