/* certinfo.h: facts about a server certificate, the MTA-STS PKIX verdict, and TLSA digests. */
#ifndef MS_PROBES_CERTINFO_H
#define MS_PROBES_CERTINFO_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

/* What the results keep about one certificate; embedded by the caller, filled by cert_info_get. */
struct cert_info {
    /* RFC 2253 one-line form (XN_FLAG_RFC2253: non-ASCII escaped), cut at the buffer's end */
    char subject[256], issuer[256];
    /*
     * The DNS-ID subjectAltNames in certificate order joined by ';', as published (case kept);
     * bytes outside 0x21..0x7e and ';' inside a name become '?'. Whole names only: a name that
     * does not fit is left out with every one after it.
     */
    char sans[1024];
    int n_sans;                         /* DNS SANs in the certificate, incl. those left out */
    char not_before[32], not_after[32]; /* RFC 3339 UTC, "2025-01-02T03:04:05Z" */
    char key_type[16];                  /* "RSA" (incl. RSA-PSS), "EC", "ED25519", "ED448", "DSA",
                                           "other"; "" when the key cannot be decoded */
    int key_bits;                       /* EVP_PKEY_get_bits; 0 when unknown */
    char sha256[65];                    /* lowercase hex SHA-256 of the DER certificate */
};

/*
 * Fills `out` from a certificate (not modified, no reference kept). Never fails on odd
 * certificates: a part that is missing or cannot be decoded is left empty (0 for numbers); cert
 * NULL gives an all-empty result. Every string is NUL-terminated. Thread-safe.
 */
void cert_info_get(X509 *cert, struct cert_info *out);

/* The `pkix` column of mx.csv (docs/output.md); PKIX_NONE when no verdict was reached. */
enum pkix_verdict { PKIX_NONE = 0, PKIX_VALID, PKIX_EXPIRED, PKIX_UNTRUSTED, PKIX_NAME_MISMATCH };

/* "none", "valid", "expired", "untrusted", "name_mismatch"; "unknown" outside the enum. */
const char *pkix_verdict_str(enum pkix_verdict v);

/*
 * The WebPKI verdict (RFC 8461 §4.2) on a chain presented by a server, leaf first as
 * SSL_get_peer_cert_chain gives it on the client side, against the trust anchors in `store`, for
 * `hostname` (the MX host as published; one trailing dot is ignored).
 *
 * The chain is verified once with OpenSSL (purpose "ssl_server", as an OpenSSL TLS client does;
 * X509_V_FLAG_PARTIAL_CHAIN cleared even if the store sets it, so only a self-signed anchor in the
 * store ends a path) with a verify callback that records every error and lets verification go
 * on, so one pass sees all failures. Then, in this order, the first that applies wins:
 *   1. PKIX_UNTRUSTED: any error other than a validity-time one, i.e. no path to a trust anchor
 *      (unknown CA, missing intermediate, self-signed leaf, bad signature, not a CA, wrong
 *      purpose, malformed validity field, ...);
 *   2. PKIX_EXPIRED: a certificate of the path (leaf, intermediates, anchor) is expired or not yet
 *      valid at `now` (X509_V_ERR_CERT_HAS_EXPIRED / X509_V_ERR_CERT_NOT_YET_VALID);
 *   3. PKIX_NAME_MISMATCH: X509_check_host on the leaf fails with
 *      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT: DNS-ID only, no
 *      CN fallback, a wildcard only as a whole left-most label covering exactly one label
 *      (RFC 6125 §6.4.3, RFC 8461 §4.2);
 *   4. PKIX_VALID.
 * `now` = 0 means the current time; otherwise the verification time (X509_VERIFY_PARAM_set_time).
 * *x509_err (may be NULL) gets the OpenSSL verify error behind the verdict: the first error of the
 * winning class, X509_V_ERR_HOSTNAME_MISMATCH, or X509_V_OK. PKIX_NONE (with
 * X509_V_ERR_UNSPECIFIED) when chain is NULL or empty, store or hostname is NULL, or OpenSSL fails
 * internally (out of memory). Nothing is modified or owned: chain, store and hostname stay the
 * caller's. Thread-safe: threads may share `store` as long as none changes it meanwhile.
 */
enum pkix_verdict pkix_check(STACK_OF(X509) * chain, X509_STORE *store, const char *hostname,
                             time_t now, int *x509_err);

/*
 * Digest for TLSA matching (RFC 6698 §2.1.2-2.1.3): SHA-256 (mtype 1) or SHA-512 (mtype 2) of the
 * certificate's DER (selector 0) or of its SubjectPublicKeyInfo DER (selector 1), written to out.
 * Returns the digest length (32 or 64), or 0 for another selector/mtype, cert/out NULL, outsz too
 * small, or an OpenSSL failure. For diagnosing which chain certificate a TLSA record names.
 */
size_t cert_tlsa_digest(X509 *cert, int selector, int mtype, unsigned char *out, size_t outsz);

#endif
