/* test_csv.c: CSV quoting, header, rows and export from a store; JSON escaping and members. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "output/csv.h"
#include "output/json.h"
#include "output/record.h"
#include "output/store.h"
#include "tests/unit/harness.h"

static const struct {
    const char *in;
    const char *want;
} csv_cases[] = {
    {"", ""},
    {"plain", "plain"},
    {"10:mx.example.com;20:mx2.example.com", "10:mx.example.com;20:mx2.example.com"},
    {"a,b", "\"a,b\""},
    {"say \"hi\"", "\"say \"\"hi\"\"\""},
    {"\"", "\"\"\"\""},
    {"line\nbreak", "\"line\nbreak\""},
    {"cr\r", "\"cr\r\""},
    {"crlf\r\n", "\"crlf\r\n\""},
    {" lead", "\" lead\""},
    {"trail ", "\"trail \""},
    {"\ttab", "\"\ttab\""},
    {"in side", "in side"},
    {"\xc3\xa4\x01", "\xc3\xa4\x01"},
    {"!\\x20bad", "!\\x20bad"},
};

static void test_fields(void)
{
    struct ms_buf b;

    ms_buf_init(&b);
    for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
        ms_buf_reset(&b);
        out_csv_field(&b, csv_cases[i].in);
        CHECK_STR(ms_buf_cstr(&b), csv_cases[i].want);
    }
    ms_buf_reset(&b);
    out_csv_field(&b, NULL);
    CHECK_INT(b.len, 0);
    ms_buf_free(&b);
}

static const char want_header[] =
    "domain,status,error,mx_kind,mx_hosts,mx_dnssec,sts_txt,sts_id,tlsrpt,tlsrpt_rua,tlsa,sts,"
    "sts_mode,sts_error,dane,dane_error,starttls,dns_notes,sts_txt_error,tlsrpt_error,mx_ede,"
    "input_line,scanned_at,sts_max_age,sts_mx_ok,sts_deliverable,sts_strict,sts_content_type,"
    "sts_policy_id,sts_result_type\r\n";

static void test_header_row(void)
{
    struct ms_buf b;
    struct out_record r;

    ms_buf_init(&b);
    out_csv_header(&b);
    CHECK_STR(ms_buf_cstr(&b), want_header);

    memset(&r, 0, sizeof(r));
    ms_buf_reset(&b);
    out_csv_row(&b, &r);
    CHECK_STR(ms_buf_cstr(&b), ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n");

    r.f[OUT_F_DOMAIN] = "example.com";
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "mx";
    r.f[OUT_F_MX_HOSTS] = "10:a.example.com";
    r.f[OUT_F_STS_ID] = "id,1";
    r.f[OUT_F_SCANNED_AT] = "2026-11-23T14:41:54Z";
    r.f[OUT_F_HOSTS_DETAIL] = "not a column";
    ms_buf_reset(&b);
    out_csv_row(&b, &r);
    CHECK_STR(ms_buf_cstr(&b), "example.com,ok,,mx,10:a.example.com,,,\"id,1\",,,,,,,,,,,,,,,"
                               "2026-11-23T14:41:54Z,,,,,,,\r\n");
    ms_buf_free(&b);
}

static const struct {
    const char *in;
    size_t len; /* 0: strlen */
    const char *want;
} json_cases[] = {
    {"", 0, "\"\""},
    {"plain text", 0, "\"plain text\""},
    {"q\"b\\s/", 0, "\"q\\\"b\\\\s/\""},
    {"\n\r\t\x01\x1f", 0, "\"\\u000a\\u000d\\u0009\\u0001\\u001f\""},
    {"\x7f", 0, "\"\x7f\""},
    {"nul\0x", 5, "\"nul\\u0000x\""},
    {"\xc3\xa4 \xe2\x82\xac \xf0\x9f\x98\x80", 0, "\"\xc3\xa4 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"\xff", 0, "\"\\ufffd\""},
    {"a\x80z", 0, "\"a\\ufffdz\""},
    {"\xc3", 0, "\"\\ufffd\""},                                  /* truncated at the end */
    {"\xc3(", 0, "\"\\ufffd(\""},                                /* bad continuation */
    {"\xc0\xaf", 0, "\"\\ufffd\\ufffd\""},                       /* overlong '/' */
    {"\xe0\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\""},            /* overlong 3-byte */
    {"\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\""},            /* surrogate U+D800 */
    {"\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* above U+10FFFF */
    {"\xf4\x8f\xbf\xbf", 0, "\"\xf4\x8f\xbf\xbf\""},             /* U+10FFFF itself */
};

static void test_json(void)
{
    struct ms_buf b;

    ms_buf_init(&b);
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
        size_t len = json_cases[i].len ? json_cases[i].len : strlen(json_cases[i].in);

        ms_buf_reset(&b);
        out_json_strn(&b, json_cases[i].in, len);
        CHECK_STR(ms_buf_cstr(&b), json_cases[i].want);
    }
    ms_buf_reset(&b);
    out_json_str(&b, NULL);
    CHECK_STR(ms_buf_cstr(&b), "\"\"");

    ms_buf_reset(&b);
    ms_buf_putc(&b, '{');
    out_json_kv_str(&b, "version", "0.1.0");
    out_json_kv_u64(&b, "domains", 18446744073709551615ull);
    out_json_key(&b, "resolvers");
    ms_buf_putc(&b, '[');
    ms_buf_putc(&b, '{');
    out_json_kv_bool(&b, "ok", 1);
    out_json_kv_bool(&b, "dnssec", 0);
    ms_buf_puts(&b, "}]");
    out_json_kv_str(&b, "note", "a\"b");
    ms_buf_putc(&b, '}');
    CHECK_STR(ms_buf_cstr(&b), "{\"version\":\"0.1.0\",\"domains\":18446744073709551615,"
                               "\"resolvers\":[{\"ok\":true,\"dnssec\":false}],"
                               "\"note\":\"a\\\"b\"}");
    ms_buf_free(&b);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Reads a whole file into `b`; returns 0 or -1. */
static int slurp(const char *path, struct ms_buf *b)
{
    char chunk[4096];
    size_t n;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL)
        return -1;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        ms_buf_append(b, chunk, n);
    fclose(fp);
    return 0;
}

static void put_record(struct out_store *s, const struct out_record *r)
{
    struct ms_buf enc;

    ms_buf_init(&enc);
    out_record_encode(r, &enc);
    CHECK_INT(out_store_put(s, r->f[OUT_F_DOMAIN], strlen(r->f[OUT_F_DOMAIN]), enc.data, enc.len),
              0);
    ms_buf_free(&enc);
}

/* Ends a row whose last non-empty column is input_line: one empty field per later CSV column. */
static void tail_commas(struct ms_buf *b)
{
    for (int id = OUT_F_INPUT_LINE + 1; id < OUT_F__COUNT; id++)
        if (out_field_in_csv((enum out_field)id))
            ms_buf_putc(b, ',');
    ms_buf_puts(b, "\r\n");
}

static void test_export(void)
{
    char dir[] = "/tmp/ms-test-csv-XXXXXX";
    char csv[256], tmp[300];
    struct out_store *s;
    struct out_record r;
    struct ms_buf got, want;
    uint64_t rows = 99;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof(csv), "%s/domains.csv", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", csv);
    ms_buf_init(&got);
    ms_buf_init(&want);

    /* No store yet. */
    CHECK_INT(out_csv_export(dir, csv, &rows), MS_ENOTFOUND);
    CHECK_INT(rows, 0);
    CHECK(access(tmp, F_OK) != 0);

    CHECK_INT(out_store_open(&s, dir, NULL, NULL), 0);
    /* Put out of order: the CSV is in key order. */
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = "zeta.test";
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "null";
    r.f[OUT_F_MX_HOSTS] = "0:.";
    r.f[OUT_F_INPUT_LINE] = "3";
    put_record(s, &r);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = "!bad\\x20name";
    r.f[OUT_F_STATUS] = "input_error";
    r.f[OUT_F_ERROR] = "bad_char";
    r.f[OUT_F_INPUT_LINE] = "1";
    put_record(s, &r);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = "alpha.test";
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "mx";
    r.f[OUT_F_MX_HOSTS] = "10:mx.alpha.test;20:mx2.alpha.test";
    r.f[OUT_F_STS_TXT] = "valid";
    r.f[OUT_F_STS_ID] = "say \"hi\", twice";
    r.f[OUT_F_TLSRPT_RUA] = "mailto:a@alpha.test";
    r.f[OUT_F_INPUT_LINE] = "2";
    r.f[OUT_F_HOSTS_DETAIL] = "hidden";
    put_record(s, &r);
    out_store_close(s, NULL, NULL);

    CHECK_INT(out_csv_export(dir, csv, &rows), 0);
    CHECK_INT(rows, 3);
    CHECK(access(tmp, F_OK) != 0);
    ms_buf_puts(&want, want_header);
    ms_buf_puts(&want, "!bad\\x20name,input_error,bad_char,,,,,,,,,,,,,,,,,,,1");
    tail_commas(&want);
    ms_buf_puts(&want, "alpha.test,ok,,mx,10:mx.alpha.test;20:mx2.alpha.test,,valid,"
                       "\"say \"\"hi\"\", twice\",,mailto:a@alpha.test,,,,,,,,,,,,2");
    tail_commas(&want);
    ms_buf_puts(&want, "zeta.test,ok,,null,0:.,,,,,,,,,,,,,,,,,3");
    tail_commas(&want);
    CHECK_INT(slurp(csv, &got), 0);
    /* Line by line, so a failure names the line. */
    {
        char *g = got.data, *w = want.data, *gs, *ws;
        char *gl = strtok_r(g, "\n", &gs), *wl = strtok_r(w, "\n", &ws);

        while (gl != NULL && wl != NULL) {
            CHECK_STR(gl, wl);
            gl = strtok_r(NULL, "\n", &gs);
            wl = strtok_r(NULL, "\n", &ws);
        }
        CHECK(gl == NULL && wl == NULL);
    }

    /* A record that does not decode fails the export and leaves the old CSV alone. */
    CHECK_INT(out_store_open(&s, dir, NULL, NULL), 0);
    CHECK_INT(out_store_put(s, "corrupt.test", 12, "\x63\x00", 2), 0);
    out_store_close(s, NULL, NULL);
    CHECK_INT(out_csv_export(dir, csv, &rows), MS_ESYNTAX);
    CHECK_INT(rows, 0);
    CHECK(access(tmp, F_OK) != 0);
    ms_buf_reset(&got);
    CHECK_INT(slurp(csv, &got), 0);
    CHECK_INT(got.len, want.len);
    ms_buf_free(&got);
    ms_buf_free(&want);
    rm_tree(dir);
}

int main(void)
{
    test_fields();
    test_header_row();
    test_json();
    test_export();
    return th_report("test_csv");
}
