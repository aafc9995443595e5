/* dane.c: configuring OpenSSL's DANE verifier for SMTP and reading its verdict (RFC 7672, RFC
 * 7671). */
#include "probes/dane.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

int dane_configure(SSL *ssl, const char *base, const char *mx_host, const struct smtp_tlsa *tlsa,
                   int n_tlsa)
{
    int usable = 0;

    if (SSL_dane_enable(ssl, base) <= 0)
        return 0;
    /* §3.2.2: the MX host is a reference identifier as well as the TLSA base domain. */
    if (strcmp(base, mx_host) != 0)
        SSL_add1_host(ssl, mx_host);
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    for (int i = 0; i < n_tlsa; i++) {
        const struct smtp_tlsa *t = &tlsa[i];

        /* §3.1.3: PKIX-TA(0) and PKIX-EE(1) are not used with SMTP. */
        if (t->usage != 2 && t->usage != 3)
            continue;
        if (SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype, t->data, t->len) > 0)
            usable++;
    }
    return usable;
}

/* DER of the certificate (selector 0) or of its SubjectPublicKeyInfo (selector 1); caller frees. */
static int selected_der(X509 *cert, int selector, unsigned char **der)
{
    *der = NULL;
    if (selector == 0)
        return i2d_X509(cert, der);
    if (selector == 1)
        return i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), der);
    return -1;
}

int dane_record_matches(const struct smtp_tlsa *t, X509 *cert)
{
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int len = selected_der(cert, t->selector, &der), ok = 0;

    if (len <= 0)
        return 0;
    if (t->mtype == 0) {
        ok = (size_t)len == t->len && memcmp(der, t->data, t->len) == 0;
    } else if (t->mtype == 1 || t->mtype == 2) {
        const EVP_MD *md_type = t->mtype == 1 ? EVP_sha256() : EVP_sha512();
        ok = EVP_Digest(der, (size_t)len, md, &mdlen, md_type, NULL) == 1 && mdlen == t->len &&
             memcmp(md, t->data, mdlen) == 0;
    }
    OPENSSL_free(der);
    return ok;
}

/* Usage 2/3, selector 0/1, matching type 0/1/2 with a digest of the right length (§3.1.3). */
static int record_usable(const struct smtp_tlsa *t)
{
    return (t->usage == 2 || t->usage == 3) && t->selector <= 1 &&
           (t->mtype == 0 || (t->mtype == 1 && t->len == 32) || (t->mtype == 2 && t->len == 64));
}

void dane_rollover_facts(STACK_OF(X509) * chain, const struct smtp_tlsa *tlsa, int n_tlsa,
                         int *ee_current_only, int *ta_full_intermediate)
{
    int usable = 0, ee_leaf = 0, n = chain != NULL ? sk_X509_num(chain) : 0;

    *ee_current_only = 0;
    *ta_full_intermediate = 0;
    if (n == 0)
        return;
    for (int i = 0; i < n_tlsa; i++) {
        if (!record_usable(&tlsa[i]))
            continue;
        usable++;
        if (tlsa[i].usage == 3)
            ee_leaf += dane_record_matches(&tlsa[i], sk_X509_value(chain, 0));
        if (tlsa[i].usage != 2 || tlsa[i].selector != 0)
            continue;
        for (int j = 1; j < n; j++) {
            X509 *c = sk_X509_value(chain, j);
            if (X509_check_issued(c, c) != X509_V_OK && dane_record_matches(&tlsa[i], c))
                *ta_full_intermediate = 1;
        }
    }
    *ee_current_only = usable > 0 && ee_leaf == usable;
}

/* Why usable records matched nothing: which usages were there, and whether a TA was sent. */
static const char *nomatch_reason(STACK_OF(X509) * chain, const struct smtp_tlsa *tlsa, int n)
{
    int ee = 0, ta = 0, ta_sent = 0;

    for (int i = 0; i < n; i++) {
        if (tlsa[i].usage == 3)
            ee = 1;
        if (tlsa[i].usage != 2)
            continue;
        ta = 1;
        for (int j = 1; chain != NULL && j < sk_X509_num(chain); j++)
            ta_sent |= dane_record_matches(&tlsa[i], sk_X509_value(chain, j));
    }
    if (ta && !ee)
        return ta_sent ? "ta_nomatch" : "ta_not_in_chain"; /* §3.1.2: the server must send the TA */
    if (ee && !ta)
        return "tlsa_ee_nomatch";
    return "tlsa_nomatch";
}

void dane_evaluate(SSL *ssl, int usable, long verify_result, STACK_OF(X509) * chain,
                   const struct smtp_tlsa *tlsa, int n_tlsa, enum dane_match *match,
                   const char **error)
{
    uint8_t usage = 0, selector = 0, mtype = 0;
    const unsigned char *data = NULL;
    size_t dlen = 0;

    *error = NULL;
    if (usable == 0) {
        *match = DANE_M_UNUSABLE;
        return;
    }
    if (verify_result == X509_V_OK && SSL_get0_dane_authority(ssl, NULL, NULL) >= 0 &&
        SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &dlen) >= 0) {
        *match = usage == 3 ? DANE_M_EE : DANE_M_TA;
        return;
    }
    *match = DANE_M_NOMATCH;
    switch (verify_result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
        *error = "ta_name_mismatch"; /* §3.2.2 */
        return;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        *error = "ta_chain_expired"; /* DANE-TA keeps PKIX date checks, RFC 7671 §5.2 */
        return;
    default:
        *error = nomatch_reason(chain, tlsa, n_tlsa);
        return;
    }
}
