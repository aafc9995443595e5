/* test_tlsrpt.c: RFC 8460 §3 TXT record verdicts, reason codes and rua lists, table-driven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/tlsrpt.h"
#include "tests/unit/harness.h"

/* One TXT record as the DNS stage hands it over: joined strings, explicit length. */
struct rec {
    const char *p;
    size_t len;
};

/* One table row per line reads better than what the formatter makes of it. */
/* clang-format off */
#define R(s) {s, sizeof(s) - 1}

#define N32 "n234567890123456789012345678901x"
#define N33 N32 "y"

struct tlsrpt_case {
    struct rec recs[4];
    size_t n;
    enum txt_verdict want;
    const char *err; /* NULL for valid and none */
    const char *rua; /* the joined rua when valid */
};

static const struct tlsrpt_case cases[] = {
    /* Checklist section C. */
    {{R("v=TLSRPTv1;rua=mailto:a@x")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1; rua=mailto:a@x, https://r.x/v1")}, 1, TXT_VALID, NULL,
     "mailto:a@x;https://r.x/v1"},
    {{R("v=TLSRPTv1; rua=a@x")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!10m")}, 1, TXT_INVALID, "rua_size_suffix", NULL},
    {{R("V=TLSRPTv1; rua=mailto:a@x")}, 1, TXT_NONE, NULL, NULL},

    /* Valid: RFC 8460 §3.1 examples, list spacing, schemes. */
    {{R("v=TLSRPTv1;rua=mailto:reports@example.com")}, 1, TXT_VALID, NULL,
     "mailto:reports@example.com"},
    {{R("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt")}, 1, TXT_VALID, NULL,
     "https://reporting.example.com/v1/tlsrpt"},
    {{R("v=TLSRPTv1; rua=mailto:a@x,https://r.x/v1")}, 1, TXT_VALID, NULL,
     "mailto:a@x;https://r.x/v1"},
    {{R("v=TLSRPTv1; rua=mailto:a@x \t,\t https://r.x/v1;")}, 1, TXT_VALID, NULL,
     "mailto:a@x;https://r.x/v1"},
    {{R("v=TLSRPTv1 ; rua=mailto:a@x ;")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1\t;\trua=mailto:a@x\t;\t")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1;rua=mailto:a@x,mailto:b@y,mailto:c@z")}, 1, TXT_VALID, NULL,
     "mailto:a@x;mailto:b@y;mailto:c@z"},
    /* Percent-encoded ",", "!" and ";" are data (RFC 8460 §3: they MUST be encoded). */
    {{R("v=TLSRPTv1; rua=mailto:a%2Cb@x")}, 1, TXT_VALID, NULL, "mailto:a%2Cb@x"},
    {{R("v=TLSRPTv1; rua=mailto:a@x%2110m")}, 1, TXT_VALID, NULL, "mailto:a@x%2110m"},
    {{R("v=TLSRPTv1; rua=https://r.x/a%3Bb")}, 1, TXT_VALID, NULL, "https://r.x/a%3Bb"},
    /* Schemes are case-insensitive (RFC 3986 §3.1); kept as published. */
    {{R("v=TLSRPTv1; rua=MAILTO:a@x")}, 1, TXT_VALID, NULL, "MAILTO:a@x"},
    {{R("v=TLSRPTv1; rua=HTTPS://r.x/, Mailto:b@y")}, 1, TXT_VALID, NULL,
     "HTTPS://r.x/;Mailto:b@y"},
    {{R("v=TLSRPTv1; rua=mailto:a@x?subject=TLS%20report")}, 1, TXT_VALID, NULL,
     "mailto:a@x?subject=TLS%20report"},
    {{R("v=TLSRPTv1; rua=https://r.x:8443/a?b=c&d=e#f")}, 1, TXT_VALID, NULL,
     "https://r.x:8443/a?b=c&d=e#f"},
    {{R("v=TLSRPTv1; rua=https://[2001:db8::1]/r")}, 1, TXT_VALID, NULL, "https://[2001:db8::1]/r"},
    {{R("v=TLSRPTv1; rua=https://u@r.x:443")}, 1, TXT_VALID, NULL, "https://u@r.x:443"},
    {{R("v=TLSRPTv1; rua=https://[::1]:8443")}, 1, TXT_VALID, NULL, "https://[::1]:8443"},
    {{R("v=TLSRPTv1; rua=https://r.x:/")}, 1, TXT_VALID, NULL, "https://r.x:/"},
    {{R("v=TLSRPTv1; rua=mailto:a@x%2Cb@y")}, 1, TXT_VALID, NULL, "mailto:a@x%2Cb@y"},
    /* Extensions anywhere; the version repeated later is an extension. */
    {{R("v=TLSRPTv1; rua=mailto:a@x; ext=1")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1; ext=1; rua=mailto:a@x")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1; rua=mailto:a@x; " N32 "=v")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1; rua=mailto:a@x; v=TLSRPTv1")}, 1, TXT_VALID, NULL, "mailto:a@x"},
    /* Repeated rua fields: each is checked, all URIs kept in order. */
    {{R("v=TLSRPTv1; rua=mailto:a@x; rua=mailto:b@y")}, 1, TXT_VALID, NULL,
     "mailto:a@x;mailto:b@y"},
    /* %s"rua=" is case-sensitive: "RUA" is an extension name. */
    {{R("v=TLSRPTv1; RUA=mailto:a@x; rua=mailto:b@y")}, 1, TXT_VALID, NULL, "mailto:b@y"},

    /* Invalid: rua. */
    {{R("v=TLSRPTv1")}, 1, TXT_INVALID, "rua_missing", NULL},
    {{R("v=TLSRPTv1;")}, 1, TXT_INVALID, "rua_missing", NULL},
    {{R("v=TLSRPTv1; ")}, 1, TXT_INVALID, "rua_missing", NULL},
    {{R("v=TLSRPTv1; RUA=mailto:a@x")}, 1, TXT_INVALID, "rua_missing", NULL},
    {{R("v=TLSRPTv1; ext=1")}, 1, TXT_INVALID, "rua_missing", NULL},
    {{R("v=TLSRPTv1; rua=")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua= ;")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x,")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x, ;")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x,,https://r.x/")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua=,mailto:a@x")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1; rua=http://r.x/")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x, http://r.x/")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=ftp://r.x/")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=mailtox:a@x")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=:a@x")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=1mailto:a@x")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=reports@example.com")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=a@x!10m")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=!10m")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; rua=a@x")}, 1, TXT_INVALID, "rua_scheme", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!10")}, 1, TXT_INVALID, "rua_size_suffix", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!5G")}, 1, TXT_INVALID, "rua_size_suffix", NULL},
    {{R("v=TLSRPTv1; rua=https://r.x/!5k")}, 1, TXT_INVALID, "rua_size_suffix", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!10m, mailto:b@y")}, 1, TXT_INVALID, "rua_size_suffix", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!10mb")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x!")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a!b@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua= mailto:a@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a b@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x mailto:b@y")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x%2")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x%")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x%zz")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a\"@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:<a@x>")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x\x80")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x\r\n")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:reports")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:?to=a@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https:r.x/v1")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https:///v1")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://@")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://u@:443/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://[]/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://[::1/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://[::1]x/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://r.x:44a/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://r]x/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://@b@r.x/")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=https://?q")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:@")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:@x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@?subject=x")}, 1, TXT_INVALID, "rua_uri_syntax", NULL},
    /* Invalid: shape, extensions, NUL. */
    {{R("v=TLSRPTv1 rua=mailto:a@x")}, 1, TXT_INVALID, "version_syntax", NULL},
    {{R("v=TLSRPTv1 ")}, 1, TXT_INVALID, "trailing_wsp", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x ")}, 1, TXT_INVALID, "trailing_wsp", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x , ")}, 1, TXT_INVALID, "rua_empty", NULL},
    {{R("v=TLSRPTv1;;rua=mailto:a@x")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=TLSRPTv1;rua=mailto:a@x;;")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; x")}, 1, TXT_INVALID, "field_syntax", NULL},
    {{R("v=TLSRPTv1; rua:mailto:a@x")}, 1, TXT_INVALID, "field_syntax", NULL},
    {{R("v=TLSRPTv1; rua =mailto:a@x")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; .x=1")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; " N33 "=v")}, 1, TXT_INVALID, "ext_name_too_long", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; x=")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a@x; x=a b")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=TLSRPTv1; rua=mailto:a\0@x")}, 1, TXT_INVALID, "nul_byte", NULL},

    /* Not candidates. */
    {{{0}}, 0, TXT_NONE, NULL, NULL},
    {{R("")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=tlsrptv1; rua=mailto:a@x")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=TLSRPTv10;rua=mailto:a@x")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=TLSRPTv2;rua=mailto:a@x")}, 1, TXT_NONE, NULL, NULL},
    {{R(" v=TLSRPTv1;rua=mailto:a@x")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=DMARC1; p=none; rua=mailto:a@x"), R("v=STSv1; id=abc")}, 2, TXT_NONE, NULL, NULL},

    /* Exactly one candidate among others, or several. */
    {{R("v=spf1 -all"), R("v=TLSRPTv1;rua=mailto:a@x"), R("v=TLSRPTv10;rua=mailto:b@y")},
     3, TXT_VALID, NULL, "mailto:a@x"},
    {{R("v=TLSRPTv1;rua=mailto:a@x"), R("v=TLSRPTv1;rua=mailto:b@y")},
     2, TXT_MULTIPLE, "txt_multiple", NULL},
    {{R("v=TLSRPTv1;rua=mailto:a@x"), R("v=TLSRPTv1")}, 2, TXT_MULTIPLE, "txt_multiple", NULL},
};
/* clang-format on */

static void run_case(size_t idx, const struct tlsrpt_case *c)
{
    const char *ptrs[4];
    size_t lens[4];
    struct tlsrpt_result res;
    int before;

    for (size_t i = 0; i < c->n; i++) {
        ptrs[i] = c->recs[i].p;
        lens[i] = c->recs[i].len;
    }
    memset(&res, 0x5a, sizeof(res)); /* evaluate must overwrite everything */
    tlsrpt_evaluate(ptrs, lens, c->n, &res);
    before = th_failed;
    CHECK_STR(txt_verdict_str(res.verdict), txt_verdict_str(c->want));
    if (c->err == NULL)
        CHECK(res.error == NULL);
    else
        CHECK_STR(res.error, c->err);
    CHECK(memchr(res.rua, '\0', sizeof(res.rua)) != NULL);
    CHECK_STR(res.rua, c->rua != NULL ? c->rua : "");
    CHECK_INT(res.rua_truncated, 0);
    if (th_failed != before)
        fprintf(stderr, "  in case %zu: first record \"%.*s\"\n", idx,
                c->n > 0 ? (int)c->recs[0].len : 0, c->n > 0 ? c->recs[0].p : "");
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(i, &cases[i]);
}

/* Appends "mailto:<k x local>@x" to buf at *len, with a ", " before all but the first. */
static void add_uri(char *buf, size_t *len, size_t k, int first)
{
    if (!first) {
        memcpy(buf + *len, ", ", 2);
        *len += 2;
    }
    memcpy(buf + *len, "mailto:", 7);
    *len += 7;
    memset(buf + *len, 'a', k);
    *len += k;
    memcpy(buf + *len, "@x", 2);
    *len += 2;
}

/* rua holds whole URIs only: what fits exactly, what does not, a single URI too long. */
static void test_truncation(void)
{
    static char buf[8192];
    struct tlsrpt_result res;
    const char *p = buf;
    size_t len;

    /* 32 URIs of 31 bytes joined by ';': 32 * 31 + 31 = 1023 bytes, exactly the room there is. */
    len = 0;
    memcpy(buf, "v=TLSRPTv1; rua=", 16);
    len = 16;
    for (int i = 0; i < 32; i++)
        add_uri(buf, &len, 22, i == 0);
    tlsrpt_evaluate(&p, &len, 1, &res);
    CHECK_INT(res.verdict, TXT_VALID);
    CHECK_INT(strlen(res.rua), 1023);
    CHECK_INT(res.rua_truncated, 0);

    /* One more byte in the last URI: it is left out whole. */
    len = 16;
    for (int i = 0; i < 32; i++)
        add_uri(buf, &len, i == 31 ? 23 : 22, i == 0);
    tlsrpt_evaluate(&p, &len, 1, &res);
    CHECK_INT(res.verdict, TXT_VALID);
    CHECK_INT(strlen(res.rua), 31 * 31 + 30);
    CHECK_INT(res.rua_truncated, 1);
    CHECK(res.rua[strlen(res.rua) - 1] == 'x');

    /* Later URIs that would fit are not used either: the list stays a prefix, in order. */
    len = 16;
    add_uri(buf, &len, 1100, 1);
    add_uri(buf, &len, 1, 0);
    tlsrpt_evaluate(&p, &len, 1, &res);
    CHECK_INT(res.verdict, TXT_VALID);
    CHECK_STR(res.rua, "");
    CHECK_INT(res.rua_truncated, 1);

    /* Truncation never hides an invalid URI further on. */
    len = 16;
    for (int i = 0; i < 40; i++)
        add_uri(buf, &len, 40, i == 0);
    memcpy(buf + len, ", http://r.x/", 13);
    len += 13;
    tlsrpt_evaluate(&p, &len, 1, &res);
    CHECK_STR(res.error, "rua_scheme");
    CHECK_STR(res.rua, "");
    CHECK_INT(res.rua_truncated, 0);
}

/* Hostile callers: NULL arrays, NULL records, exact-size heap copies (ASan sees overreads). */
static void test_api_edges(void)
{
    static const char *const texts[] = {"v=TLSRPTv1",          "v=TLSRPTv1;rua=mailto:a@x%",
                                        "v=TLSRPTv1;rua=x",    "v=TLSRPTv1;rua=mailto:a@x!1",
                                        "v=TLSRPTv1;rua=h:",   "v=TLSRPTv1;rua=https:/",
                                        "v=TLSRPTv1;rua=a,  ", "v=TLSRPTv1;rua=mailto:a@x!"};
    struct tlsrpt_result res;
    const char *nullrec[1] = {NULL};
    size_t zero[1] = {0};

    tlsrpt_evaluate(NULL, NULL, 3, &res);
    CHECK_INT(res.verdict, TXT_NONE);
    tlsrpt_evaluate(nullrec, zero, 1, &res);
    CHECK_INT(res.verdict, TXT_NONE);
    CHECK_STR(res.rua, "");

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t len = strlen(texts[i]);
        char *copy = malloc(len);
        const char *p;

        if (copy == NULL)
            return;
        memcpy(copy, texts[i], len);
        p = copy;
        tlsrpt_evaluate(&p, &len, 1, &res);
        CHECK_INT(res.verdict, TXT_INVALID);
        free(copy);
    }
}

int main(void)
{
    test_table();
    test_truncation();
    test_api_edges();
    return th_report("test_tlsrpt");
}
