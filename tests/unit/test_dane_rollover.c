/* test_dane_rollover.c: the rollover facts of a DANE match (probes/dane.c) on a generated chain. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "probes/dane.h"
#include "tests/unit/harness.h"

static X509 *cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_sign(x, issuer_key, EVP_sha256());
    X509_NAME_free(n);
    return x;
}

/* A TLSA record U S 1 for `c`; `buf` holds the digest. */
static struct smtp_tlsa rec(int usage, int selector, X509 *c, unsigned char buf[32])
{
    unsigned char *der = NULL;
    int len = selector == 0 ? i2d_X509(c, &der) : i2d_PUBKEY(X509_get0_pubkey(c), &der);
    unsigned int mdlen = 0;
    struct smtp_tlsa t = {(uint8_t)usage, (uint8_t)selector, 1, 32, buf};

    EVP_Digest(der, (size_t)len, buf, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    return t;
}

int main(void)
{
    EVP_PKEY *kr = EVP_EC_gen("P-256"), *ki = EVP_EC_gen("P-256"), *kl = EVP_EC_gen("P-256"),
             *kn = EVP_EC_gen("P-256");
    X509 *root = cert("Root", kr, NULL, kr), *inter = cert("Intermediate", ki, root, kr);
    X509 *leaf = cert("mx.example", kl, inter, ki), *next = cert("mx.example", kn, inter, ki);
    STACK_OF(X509) *chain = sk_X509_new_null();
    unsigned char d[6][32];
    struct smtp_tlsa t[3];
    int cur, inter_full;

    sk_X509_push(chain, leaf);
    sk_X509_push(chain, inter);
    sk_X509_push(chain, root);
    /* 3 1 1 of the leaf alone: the next key change breaks DANE. */
    t[0] = rec(3, 1, leaf, d[0]);
    dane_rollover_facts(chain, t, 1, &cur, &inter_full);
    CHECK_INT(cur, 1);
    CHECK_INT(inter_full, 0);
    /* ... with 3 1 1 of the next key beside it: a rollover is prepared. */
    t[1] = rec(3, 1, next, d[1]);
    dane_rollover_facts(chain, t, 2, &cur, &inter_full);
    CHECK_INT(cur, 0);
    /* 3 0 1 and 3 1 1 of the same leaf: still only the current key. */
    t[1] = rec(3, 0, leaf, d[1]);
    dane_rollover_facts(chain, t, 2, &cur, &inter_full);
    CHECK_INT(cur, 1);
    /* An unusable record (usage 1) does not count either way. */
    t[2] = rec(1, 1, next, d[2]);
    dane_rollover_facts(chain, t, 3, &cur, &inter_full);
    CHECK_INT(cur, 1);
    /* 2 0 1 of the intermediate: flagged; 2 1 1 of it (its key) or 2 0 1 of the root: not. */
    t[0] = rec(2, 0, inter, d[3]);
    dane_rollover_facts(chain, t, 1, &cur, &inter_full);
    CHECK_INT(inter_full, 1);
    CHECK_INT(cur, 0);
    t[0] = rec(2, 1, inter, d[4]);
    dane_rollover_facts(chain, t, 1, &cur, &inter_full);
    CHECK_INT(inter_full, 0);
    t[0] = rec(2, 0, root, d[5]);
    dane_rollover_facts(chain, t, 1, &cur, &inter_full);
    CHECK_INT(inter_full, 0);
    /* No chain: no facts. */
    dane_rollover_facts(NULL, t, 1, &cur, &inter_full);
    CHECK_INT(cur + inter_full, 0);
    sk_X509_free(chain);
    X509_free(leaf);
    X509_free(next);
    X509_free(inter);
    X509_free(root);
    EVP_PKEY_free(kr);
    EVP_PKEY_free(ki);
    EVP_PKEY_free(kl);
    EVP_PKEY_free(kn);
    return th_report("test_dane_rollover");
}
