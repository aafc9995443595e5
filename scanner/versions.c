/* versions.c: run-time library versions, so a result can be traced to the code that made it. */
#include "scanner/versions.h"

#include <ares.h>
#include <curl/curl.h>
#include <ldns/ldns.h>
#include <lmdb.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <uv.h>

struct lib_version {
    const char *name;
    const char *version;
};

static void collect(struct lib_version v[6])
{
    static char lmdb[32];
    int maj, min, pat;

    mdb_version(&maj, &min, &pat);
    snprintf(lmdb, sizeof(lmdb), "%d.%d.%d", maj, min, pat);
    v[0] = (struct lib_version){"libuv", uv_version_string()};
    v[1] = (struct lib_version){"c-ares", ares_version(NULL)};
    v[2] = (struct lib_version){"ldns", ldns_version()};
    v[3] = (struct lib_version){"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)};
    v[4] = (struct lib_version){"libcurl", curl_version_info(CURLVERSION_NOW)->version};
    v[5] = (struct lib_version){"lmdb", lmdb};
}

void scan_versions_text(struct ms_buf *out)
{
    struct lib_version v[6];

    collect(v);
    for (int i = 0; i < 6; i++)
        ms_buf_printf(out, "%s%s %s", i ? ", " : "", v[i].name, v[i].version);
}

void scan_versions_json(struct ms_buf *out)
{
    struct lib_version v[6];

    collect(v);
    ms_buf_putc(out, '{');
    for (int i = 0; i < 6; i++)
        ms_buf_printf(out, "%s\"%s\":\"%s\"", i ? "," : "", v[i].name, v[i].version);
    ms_buf_putc(out, '}');
}
