/* tlsctx.c: the explicit client TLS configuration of the STARTTLS probe. */
#include "probes/tlsctx.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#define MIN_PROTO TLS1_VERSION
#define MAX_PROTO TLS1_3_VERSION
#define CIPHERS   "ALL:@SECLEVEL=0"
#define SEC_LEVEL 0

SSL_CTX *smtp_tls_ctx_new(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return NULL;
    if (SSL_CTX_set_min_proto_version(ctx, MIN_PROTO) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, MAX_PROTO) != 1 ||
        SSL_CTX_set_cipher_list(ctx, CIPHERS) != 1 || SSL_CTX_dane_enable(ctx) <= 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_security_level(ctx, SEC_LEVEL);
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

X509_STORE *smtp_tls_store_new(const char *ca_file)
{
    X509_STORE *st = X509_STORE_new();
    int ok;

    if (st == NULL)
        return NULL;
    ok = ca_file != NULL ? X509_STORE_load_file(st, ca_file) : X509_STORE_set_default_paths(st);
    if (ok != 1) {
        X509_STORE_free(st);
        return NULL;
    }
    return st;
}

void smtp_tls_ctx_json(struct ms_buf *b)
{
    ms_buf_printf(b,
                  "{\"min_protocol\":\"TLSv1\",\"max_protocol\":\"TLSv1.3\",\"ciphers\":\"%s\","
                  "\"security_level\":%d,\"legacy_server_connect\":true,\"session_resumption\":"
                  "false,\"verify_during_handshake\":false,\"openssl\":\"%s\"}",
                  CIPHERS, SEC_LEVEL, OpenSSL_version(OPENSSL_VERSION_STRING));
}
