/* tlsctx.h: the one TLS client configuration every SMTP probe uses, stated explicitly. */
#ifndef MS_PROBES_TLSCTX_H
#define MS_PROBES_TLSCTX_H

#include <openssl/ssl.h>

#include "common/strbuf.h"

/*
 * Creates the client SSL_CTX: TLS 1.0 to 1.3, security level 0 and every
 * cipher (so the scanner's own defaults never count as a server failure),
 * legacy server connect allowed, no session cache or tickets (a resumed
 * session would carry an earlier verification), DANE enabled
 * (SSL_CTX_dane_enable), verification off during the handshake (verdicts
 * are read after it). Returns NULL on failure.
 */
SSL_CTX *smtp_tls_ctx_new(void);

/*
 * Loads trust anchors for the PKIX verdict: `ca_file` (PEM bundle) or, when
 * NULL, the system store. Returns NULL on failure (the caller reports it).
 */
X509_STORE *smtp_tls_store_new(const char *ca_file);

/* Appends the configuration as a JSON object for the manifest. */
void smtp_tls_ctx_json(struct ms_buf *b);

#endif
