/* dane.h: DANE for SMTP (RFC 7672 §3) on top of OpenSSL's DANE verifier. */
#ifndef MS_PROBES_DANE_H
#define MS_PROBES_DANE_H

#include <openssl/ssl.h>

#include "probes/smtp.h"

/*
 * Prepares `ssl` before the handshake: the TLSA base domain and the MX host
 * as reference identifiers (§3.2.2), no partial wildcards, no name checks
 * for DANE-EE (§3.2.1), and every usage 2/3 record (§3.1.3: usages 0 and 1
 * are unusable in SMTP and are not offered to OpenSSL). Returns the number
 * of usable records OpenSSL accepted (0: all unusable, §2.2 "mandatory TLS
 * without authentication").
 */
int dane_configure(SSL *ssl, const char *base, const char *mx_host, const struct smtp_tlsa *tlsa,
                   int n_tlsa);

/*
 * Reads the DANE verdict after the handshake (made with SSL_VERIFY_NONE):
 * match_ee, match_ta, nomatch with the first failing rule's code, or
 * unusable. `chain` is the presented chain (for diagnosing a missing TA).
 */
void dane_evaluate(SSL *ssl, int usable, long verify_result, STACK_OF(X509) * chain,
                   const struct smtp_tlsa *tlsa, int n_tlsa, enum dane_match *match,
                   const char **error);

/*
 * Facts for rollover forecasts (RFC 7671 §8.1, RFC 7672 §4) of a host that
 * passed DANE with the presented `chain` (leaf first): *ee_current_only is 1
 * when every usable record is DANE-EE and names the current leaf (the next
 * key has no record yet: the next key change breaks DANE unless one is
 * published first); *ta_full_intermediate is 1 when a usable DANE-TA record
 * with selector 0 (the whole certificate) names an intermediate, not
 * self-issued, certificate of the chain (re-issuing that certificate breaks
 * it, even with the same key).
 */
void dane_rollover_facts(STACK_OF(X509) * chain, const struct smtp_tlsa *tlsa, int n_tlsa,
                         int *ee_current_only, int *ta_full_intermediate);

/* 1 when TLSA record `t` names certificate `cert` (any selector, matching type 0/1/2). */
int dane_record_matches(const struct smtp_tlsa *t, X509 *cert);

#endif
