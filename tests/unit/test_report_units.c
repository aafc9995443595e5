/* test_report_units.c: the report's manifest reader, count map, hosts_detail rows and tally. */
#include <stdlib.h>
#include <string.h>

#include "analysis/countmap.h"
#include "analysis/hostrow.h"
#include "analysis/manifest.h"
#include "analysis/tally.h"
#include "common/error.h"
#include "scanner/mxrows.h"
#include "tests/unit/harness.h"

static void test_manifest(void)
{
    static const char ok[] = " {\"a\": {\"b\": [1, \"x\\u00e9\\n\", true, null], \"c\": -2.5e3},"
                             " \"d\": \"\\ud83d\\ude00\", \"e\": {}, \"f\": []} ";
    static const char *const bad[] = {
        "",         "{",       "{\"a\":}", "{\"a\" 1}",   "[1,]",      "{\"a\":1,}", "\"\\x\"",
        "\"a\nb\"", "[1] [2]", "nul",      "{\"a\":1 2}", "\"\\u12\"", "[truex]",    "{1:2}"};
    struct rpt_manifest m;
    char deep[200];

    CHECK_INT(rpt_manifest_parse(&m, ok, strlen(ok)), 0);
    CHECK_STR(rpt_manifest_get(&m, "a.b[0]"), "1");
    CHECK_STR(rpt_manifest_get(&m, "a.b[1]"), "x\xc3\xa9\n");
    CHECK_STR(rpt_manifest_get(&m, "a.b[2]"), "true");
    CHECK_STR(rpt_manifest_get(&m, "a.b[3]"), "null");
    CHECK_STR(rpt_manifest_get(&m, "a.c"), "-2.5e3");
    CHECK_STR(rpt_manifest_get(&m, "d"), "\xf0\x9f\x98\x80");
    CHECK(rpt_manifest_get(&m, "e") == NULL);
    CHECK_INT(m.n, 6);
    rpt_manifest_free(&m);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(rpt_manifest_parse(&m, bad[i], strlen(bad[i])), MS_ESYNTAX);
        CHECK_INT(m.n, 0);
    }
    /* A NUL escape cannot cut a value short; depth is bounded. */
    CHECK_INT(rpt_manifest_parse(&m, "[\"a\\u0000b\"]", 12), 0);
    CHECK_STR(rpt_manifest_get(&m, "[0]"), "a\xef\xbf\xbd"
                                           "b");
    rpt_manifest_free(&m);
    memset(deep, '[', sizeof(deep));
    CHECK_INT(rpt_manifest_parse(&m, deep, sizeof(deep)), MS_ESYNTAX);
}

static void test_countmap(void)
{
    struct rpt_countmap m;
    const struct rpt_countmap_entry **v;
    char key[16];

    rpt_countmap_init(&m, 3, 2);
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%d", i % 5);
        uint64_t *c = rpt_countmap_get(&m, key);
        CHECK(c != NULL);
        c[0] += (uint64_t)(i % 5) + 1;
        c[1]++;
    }
    CHECK_INT(m.n, 3); /* k0, k1, k2 fit; k3, k4 went to other */
    CHECK_INT(m.other[0], 2 * (4 + 5));
    CHECK_INT(m.other[1], 4);
    v = rpt_countmap_sorted(&m);
    CHECK_STR(v[0]->key, "k2");
    CHECK_INT(v[0]->vals[0], 6);
    CHECK_STR(v[2]->key, "k0");
    free(v);
    rpt_countmap_free(&m);
}

static void test_hostrow(void)
{
    char detail[] = "mx.a\t10\t192.0.2.1\tok\tTLSv1.3\n"
                    "mx.b\t20\n";
    const char *f[RPT_H__COUNT];
    char *p = detail;

    /* The column order is the scanner's. */
    CHECK_STR(rpt_hcol_names, SCAN_MXROW_COLUMNS);
    CHECK_INT(rpt_hostrow_next(&p, f), 1);
    CHECK_STR(f[RPT_H_MX_HOST], "mx.a");
    CHECK_STR(f[RPT_H_TLS_VERSION], "TLSv1.3");
    CHECK_STR(f[RPT_H_STS_RESULT_TYPE], "");
    CHECK_INT(rpt_hostrow_next(&p, f), 1);
    CHECK_STR(f[RPT_H_PREF], "20");
    CHECK_STR(f[RPT_H_STARTTLS], "");
    CHECK_INT(rpt_hostrow_next(&p, f), 0);
}

/* A hosts_detail line with the given facts (the other columns empty). */
static void row(struct ms_buf *b, const char *starttls, const char *version, const char *pkix,
                const char *dane, const char *error, const char *issuer, const char *not_after,
                const char *sts_match, const char *sts_valid)
{
    const char *f[RPT_H__COUNT] = {0};

    f[RPT_H_MX_HOST] = "mx";
    f[RPT_H_STARTTLS] = starttls;
    f[RPT_H_TLS_VERSION] = version;
    f[RPT_H_PKIX] = pkix;
    f[RPT_H_DANE] = dane;
    f[RPT_H_ERROR] = error;
    f[RPT_H_LEAF_ISSUER] = issuer;
    f[RPT_H_LEAF_NOT_AFTER] = not_after;
    f[RPT_H_STS_MATCH] = sts_match;
    f[RPT_H_STS_VALID] = sts_valid;
    for (int i = 0; i < RPT_H__COUNT; i++) {
        ms_buf_puts(b, f[i] ? f[i] : "");
        ms_buf_putc(b, i + 1 < RPT_H__COUNT ? '\t' : '\n');
    }
}

static void test_tally(void)
{
    struct rpt_tally t;
    struct out_record r;
    struct ms_buf d;

    rpt_tally_init(&t, 16);
    ms_buf_init(&d);
    /* An enforce policy with two policy-valid MX hosts, one certificate 10 days from expiry. */
    row(&d, "ok", "TLSv1.3", "valid", "none", "", "CN=CA", "2026-01-11T00:00:00Z", "yes", "yes");
    row(&d, "ok", "TLSv1.2", "valid", "none", "", "CN=CA", "2026-03-01T00:00:00Z", "yes", "yes");
    row(&d, "ok", "TLSv1.2", "expired", "nomatch", "ta_not_in_chain", "CN=Old", "", "yes", "no");
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "mx";
    r.f[OUT_F_STS_TXT] = "valid";
    r.f[OUT_F_STS] = "valid";
    r.f[OUT_F_STS_MODE] = "enforce";
    r.f[OUT_F_STS_MAX_AGE] = "3600";
    r.f[OUT_F_STS_POLICY_ID] = "policy:x";
    r.f[OUT_F_STS_CONTENT_TYPE] = "Text/Plain ; charset=utf-8";
    r.f[OUT_F_DANE] = "invalid";
    r.f[OUT_F_SCANNED_AT] = "2026-01-01T00:00:00Z";
    r.f[OUT_F_HOSTS_DETAIL] = ms_buf_cstr(&d);
    CHECK_INT(rpt_tally_add(&t, &r), 0);
    /* A domain without mail counts only in the coverage figures. */
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "null";
    r.f[OUT_F_STS] = "valid";
    CHECK_INT(rpt_tally_add(&t, &r), 0);

    CHECK_INT(t.n[RPT_N_RECORDS], 2);
    CHECK_INT(t.n[RPT_N_NULL_MX], 1);
    CHECK_INT(t.n[RPT_N_MAIL], 1);
    CHECK_INT(t.n[RPT_N_STS_VALID], 1);
    CHECK_INT(t.n[RPT_N_EXP14_ANY], 1);
    CHECK_INT(t.n[RPT_N_EXP14_ALL], 0);
    CHECK_INT(t.n[RPT_N_EXP30_ANY], 1);
    CHECK_INT(t.n[RPT_N_EXP30_ALL], 0);
    CHECK_INT(t.n[RPT_N_HS_ROWS], 3);
    CHECK_INT(t.n[RPT_N_LEAF_ROWS], 3);
    CHECK_INT(t.n[RPT_N_DANE_BROKEN], 1);
    CHECK_INT(t.n[RPT_N_BOTH], 1);
    CHECK_INT(t.misconf[RPT_M_CT_MISMATCH], 0); /* case and parameters ignored (§3.2) */
    CHECK_INT(t.misconf[RPT_M_MAX_AGE_TINY], 1);
    CHECK_INT(t.misconf[RPT_M_CERT_INVALID_ENFORCE], 1);
    CHECK_INT(t.misconf[RPT_M_MX_NOT_IN_POLICY], 0);
    CHECK_INT(t.misconf[RPT_M_TA_NOT_IN_CHAIN], 1);
    CHECK_INT(rpt_countmap_get(&t.tls_versions, "TLSv1.2")[0], 2);
    CHECK_INT(rpt_countmap_get(&t.issuers, "CN=CA")[0], 2);
    ms_buf_free(&d);
    rpt_tally_free(&t);
}

int main(void)
{
    test_manifest();
    test_countmap();
    test_hostrow();
    test_tally();
    return th_report("test_report_units");
}
