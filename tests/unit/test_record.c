/* test_record.c: field table, record encoding: golden bytes, round trips, corrupt input. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "output/record.h"
#include "tests/unit/harness.h"

static void test_fields(void)
{
    CHECK_STR(out_field_name(OUT_F_DOMAIN), "domain");
    CHECK_STR(out_field_name(OUT_F_TLSRPT_RUA), "tlsrpt_rua");
    CHECK_STR(out_field_name(OUT_F_SCANNED_AT), "scanned_at");
    CHECK_STR(out_field_name(OUT_F_HOSTS_DETAIL), "hosts_detail");
    CHECK(out_field_name(OUT_F__COUNT) == NULL);
    CHECK(out_field_name((enum out_field)255) == NULL);
    CHECK_INT(out_field_in_csv(OUT_F_DOMAIN), 1);
    CHECK_INT(out_field_in_csv(OUT_F_HOSTS_DETAIL), 0);
    CHECK_INT(out_field_in_csv(OUT_F__COUNT), 0);
    /* Every name is unique and non-empty. */
    for (int i = 0; i < OUT_F__COUNT; i++) {
        CHECK(out_field_name((enum out_field)i)[0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(out_field_name((enum out_field)i), out_field_name((enum out_field)j)) !=
                  0);
    }
}

/* Encodes `in`, decodes it, and checks every field (NULL and "" both read back as absent). */
static void round_trip(const struct out_record *in)
{
    struct ms_buf enc, scratch;
    struct out_record out;

    ms_buf_init(&enc);
    ms_buf_init(&scratch);
    out_record_encode(in, &enc);
    CHECK_INT(enc.oom, 0);
    CHECK_INT((unsigned char)enc.data[0], OUT_RECORD_VERSION);
    CHECK_INT(out_record_decode(enc.data, enc.len, &out, &scratch), 0);
    for (int i = 0; i < OUT_F__COUNT; i++) {
        if (in->f[i] == NULL || in->f[i][0] == '\0')
            CHECK(out.f[i] == NULL);
        else
            CHECK_STR(out.f[i], in->f[i]);
    }
    ms_buf_free(&enc);
    ms_buf_free(&scratch);
}

static void test_round_trips(void)
{
    struct out_record r;
    char all[OUT_F__COUNT][16];

    memset(&r, 0, sizeof(r));
    round_trip(&r); /* all empty: just the version byte */

    r.f[OUT_F_DOMAIN] = "example.com";
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_ERROR] = "";
    r.f[OUT_F_MX_HOSTS] = "10:mx1.example.com;20:mx2.example.com";
    r.f[OUT_F_HOSTS_DETAIL] = "{\"x\":1}";
    round_trip(&r);

    /* Binary bytes (everything but NUL), CSV and JSON metacharacters. */
    r.f[OUT_F_STS_ID] = "\x01\x02\x7f\x80\xff\xfe,\"\r\n\\";
    r.f[OUT_F_DNS_NOTES] = "\xc3\xa4\xe2\x82\xac";
    round_trip(&r);

    for (int i = 0; i < OUT_F__COUNT; i++) {
        snprintf(all[i], sizeof(all[i]), "v%d", i);
        r.f[i] = all[i];
    }
    round_trip(&r);
}

static void test_long_field(void)
{
    struct ms_buf enc, scratch;
    struct out_record r, out;
    char *big = malloc(70001);

    memset(&r, 0, sizeof(r));
    ms_buf_init(&enc);
    ms_buf_init(&scratch);
    /* ASCII: cut at exactly 65535 bytes. */
    memset(big, 'a', 70000);
    big[70000] = '\0';
    r.f[OUT_F_HOSTS_DETAIL] = big;
    out_record_encode(&r, &enc);
    CHECK_INT(out_record_decode(enc.data, enc.len, &out, &scratch), 0);
    CHECK_INT(strlen(out.f[OUT_F_HOSTS_DETAIL]), 65535);
    /* A 3-byte UTF-8 character straddling the limit is dropped whole. */
    memcpy(big + 65534, "\xe2\x82\xac", 3);
    ms_buf_reset(&enc);
    out_record_encode(&r, &enc);
    CHECK_INT(out_record_decode(enc.data, enc.len, &out, &scratch), 0);
    CHECK_INT(strlen(out.f[OUT_F_HOSTS_DETAIL]), 65534);
    free(big);
    ms_buf_free(&enc);
    ms_buf_free(&scratch);
}

/*
 * The stored format, byte for byte: field ids and the version are on disk, so
 * this must only change together with OUT_RECORD_VERSION or by appending ids.
 */
static const char golden[] = "\x01" /* version 1 */
                             "\x00\x00\x0b"
                             "example.com" /* DOMAIN */
                             "\x01\x00\x02"
                             "ok" /* STATUS */
                             "\x04\x00\x03"
                             "0:." /* MX_HOSTS */
                             "\x17\x00\x01"
                             "x"; /* HOSTS_DETAIL (id 23) */

static void test_golden(void)
{
    struct ms_buf enc;
    struct out_record r;

    CHECK_INT(OUT_RECORD_VERSION, 1);
    CHECK_INT(OUT_F_HOSTS_DETAIL, 23);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = "example.com";
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_HOSTS] = "0:.";
    r.f[OUT_F_HOSTS_DETAIL] = "x";
    ms_buf_init(&enc);
    out_record_encode(&r, &enc);
    CHECK_INT(enc.len, sizeof(golden) - 1);
    CHECK(enc.len == sizeof(golden) - 1 && memcmp(enc.data, golden, enc.len) == 0);
    ms_buf_free(&enc);
}

static void test_unknown_field(void)
{
    /* Unknown ids 200 (3 bytes) and 255 (empty) between known fields are skipped. */
    static const char buf[] = "\x01"
                              "\xc8\x00\x03"
                              "xyz"
                              "\x00\x00\x03"
                              "a.b"
                              "\xff\x00\x00"
                              "\x01\x00\x02"
                              "ok";
    struct ms_buf scratch;
    struct out_record out;

    ms_buf_init(&scratch);
    CHECK_INT(out_record_decode(buf, sizeof(buf) - 1, &out, &scratch), 0);
    CHECK_STR(out.f[OUT_F_DOMAIN], "a.b");
    CHECK_STR(out.f[OUT_F_STATUS], "ok");
    CHECK(out.f[OUT_F_ERROR] == NULL);
    ms_buf_free(&scratch);
}

static const struct {
    const char *what;
    unsigned char bytes[12];
    size_t len;
} corrupt_cases[] = {
    {"empty", {0}, 0},
    {"wrong version", {OUT_RECORD_VERSION + 1}, 1},
    {"version zero", {0, OUT_F_DOMAIN, 0, 1, 'a'}, 5},
    {"header cut after id", {OUT_RECORD_VERSION, OUT_F_DOMAIN}, 2},
    {"header cut in length", {OUT_RECORD_VERSION, OUT_F_DOMAIN, 0}, 3},
    {"value shorter than length", {OUT_RECORD_VERSION, OUT_F_DOMAIN, 0, 4, 'a', 'b', 'c'}, 7},
    {"huge length", {OUT_RECORD_VERSION, OUT_F_DOMAIN, 0xff, 0xff, 'a'}, 5},
    {"unknown id cut", {OUT_RECORD_VERSION, 250, 0, 9, 'a'}, 5},
    {"duplicate field", {OUT_RECORD_VERSION, 0, 0, 1, 'a', 0, 0, 1, 'b'}, 9},
    {"NUL in value", {OUT_RECORD_VERSION, OUT_F_STATUS, 0, 3, 'o', 0, 'k'}, 7},
};

static void test_corrupt(void)
{
    struct ms_buf scratch;
    struct out_record out;

    ms_buf_init(&scratch);
    CHECK_INT(out_record_decode(NULL, 5, &out, &scratch), MS_ESYNTAX);
    for (size_t i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
        /* Decode from an exact-size heap copy so ASan catches any read past the end. */
        unsigned char *copy = malloc(corrupt_cases[i].len ? corrupt_cases[i].len : 1);
        int rc;

        memcpy(copy, corrupt_cases[i].bytes, corrupt_cases[i].len);
        out.f[OUT_F_DOMAIN] = "stale";
        rc = out_record_decode(copy, corrupt_cases[i].len, &out, &scratch);
        if (rc != MS_ESYNTAX)
            fprintf(stderr, "corrupt case '%s'\n", corrupt_cases[i].what);
        CHECK_INT(rc, MS_ESYNTAX);
        CHECK(out.f[OUT_F_DOMAIN] == NULL);
        free(copy);
    }
    ms_buf_free(&scratch);
}

/* Every prefix and every single-byte change of a valid encoding is handled without overreads. */
static void test_mutations(void)
{
    struct ms_buf enc, scratch;
    struct out_record r, out;
    int ok = 0, bad = 0;

    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = "mutant.example";
    r.f[OUT_F_MX_KIND] = "mx";
    r.f[OUT_F_MX_HOSTS] = "0:.";
    r.f[OUT_F_SCANNED_AT] = "2026-01-01T00:00:00Z";
    ms_buf_init(&enc);
    ms_buf_init(&scratch);
    out_record_encode(&r, &enc);
    for (size_t cut = 0; cut < enc.len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        int rc;

        memcpy(copy, enc.data, cut);
        rc = out_record_decode(copy, cut, &out, &scratch);
        /* A prefix is valid only when it ends exactly on a field boundary. */
        CHECK(rc == 0 || rc == MS_ESYNTAX);
        free(copy);
    }
    for (size_t pos = 0; pos < enc.len; pos++) {
        for (int x = 0; x < 256; x += 17) {
            unsigned char *copy = malloc(enc.len);

            memcpy(copy, enc.data, enc.len);
            copy[pos] ^= (unsigned char)x;
            if (out_record_decode(copy, enc.len, &out, &scratch) == 0)
                ok++;
            else
                bad++;
            free(copy);
        }
    }
    CHECK(ok > 0 && bad > 0);
    ms_buf_free(&enc);
    ms_buf_free(&scratch);
}

int main(void)
{
    test_fields();
    test_golden();
    test_round_trips();
    test_long_field();
    test_unknown_field();
    test_corrupt();
    test_mutations();
    return th_report("test_record");
}
