/* test_ststxt.c: RFC 8461 §3.1 TXT record verdicts, reason codes and ids, table-driven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/ststxt.h"
#include "tests/unit/harness.h"

/* One TXT record as the DNS stage hands it over: joined strings, explicit length. */
struct rec {
    const char *p;
    size_t len;
};

/* One table row per line reads better than what the formatter makes of it. */
/* clang-format off */
#define R(s) {s, sizeof(s) - 1}

#define ID32 "abcdefghijklmnopqrstuvwxyz012345"
#define ID33 ID32 "6"
#define N32  "n234567890123456789012345678901x"
#define N33  N32 "y"

struct sts_case {
    struct rec recs[4];
    size_t n;
    enum txt_verdict want;
    const char *err; /* NULL for valid and none */
    const char *id;  /* the id when valid */
};

static const struct sts_case cases[] = {
    /* Valid records (RFC 8461 §3.1 example and checklist A.1.5). */
    {{R("v=STSv1; id=20160831085700Z;")}, 1, TXT_VALID, NULL, "20160831085700Z"},
    {{R("v=STSv1;id=A1;")}, 1, TXT_VALID, NULL, "A1"},
    {{R("v=STSv1;id=A1")}, 1, TXT_VALID, NULL, "A1"},
    {{R("v=STSv1; id=abc")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1;id=" ID32)}, 1, TXT_VALID, NULL, ID32},
    {{R("v=STSv1;id=" ID32 ";")}, 1, TXT_VALID, NULL, ID32},
    /* sts-field-delim = *WSP ";" *WSP: WSP on both sides of every ";", tabs too. */
    {{R("v=STSv1 ;id=abc")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1   ;   id=abc   ;   ")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1\t;\tid=abc\t;\t")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc ;")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1;id=abc;  ")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; \t id=abc \t ; \t ")}, 1, TXT_VALID, NULL, "abc"},
    /* Extensions: checked, then ignored; id need not follow the version directly. */
    {{R("v=STSv1; id=abc; ext=val")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; ext=val; id=abc")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc; a_b-c.d=x")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc; 9x=1")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc; " N32 "=1")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc; x=!\"#$%&'()*+,-./09:<>?@AZ[\\]^_`az{|}~")}, 1, TXT_VALID, NULL, "abc"},
    {{R("v=STSv1; id=abc; v=STSv1")}, 1, TXT_VALID, NULL, "abc"},
    /* %s"id=" is case-sensitive: "ID" is an extension name. */
    {{R("v=STSv1; ID=abc; id=def")}, 1, TXT_VALID, NULL, "def"},
    /* Duplicate id: the RFC is silent, the first wins. */
    {{R("v=STSv1; id=first; id=second")}, 1, TXT_VALID, NULL, "first"},
    {{R("v=STSv1; id=first; x=1; id=first")}, 1, TXT_VALID, NULL, "first"},

    /* Invalid: the id. */
    {{R("v=STSv1")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1;")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1; ")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1 ;\t")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1; ext=1")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1; ID=abc")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1; Id=abc;")}, 1, TXT_INVALID, "id_missing", NULL},
    {{R("v=STSv1; id=")}, 1, TXT_INVALID, "id_empty", NULL},
    {{R("v=STSv1; id=;")}, 1, TXT_INVALID, "id_empty", NULL},
    {{R("v=STSv1; id= ;")}, 1, TXT_INVALID, "id_empty", NULL},
    {{R("v=STSv1; id=2019-01-01")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=2019.01.01;")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=abc_1")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=abc def")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id= abc")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=\"abc\"")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=ab\xc3\xa4")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=abc=")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=" ID33)}, 1, TXT_INVALID, "id_too_long", NULL},
    {{R("v=STSv1; id=" ID33 "-")}, 1, TXT_INVALID, "id_syntax", NULL},
    /* Every "id" field must be an sts-id, whichever comes first. */
    {{R("v=STSv1; id=abc; id=2019-01-01")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=2019-01-01; id=abc")}, 1, TXT_INVALID, "id_syntax", NULL},
    {{R("v=STSv1; id=abc; id=")}, 1, TXT_INVALID, "id_empty", NULL},
    /* Invalid: delimiters and shape. */
    {{R("v=STSv1 id=abc")}, 1, TXT_INVALID, "version_syntax", NULL},
    {{R("v=STSv1 is not a policy")}, 1, TXT_INVALID, "version_syntax", NULL},
    {{R("v=STSv1\tid=abc;")}, 1, TXT_INVALID, "version_syntax", NULL},
    {{R("v=STSv1 ")}, 1, TXT_INVALID, "trailing_wsp", NULL},
    {{R("v=STSv1; id=abc ")}, 1, TXT_INVALID, "trailing_wsp", NULL},
    {{R("v=STSv1; id=abc\t")}, 1, TXT_INVALID, "trailing_wsp", NULL},
    {{R("v=STSv1; id=a-b ")}, 1, TXT_INVALID, "id_syntax", NULL}, /* first rule broken */
    {{R("v=STSv1;;id=abc")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=STSv1; ;id=abc")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=STSv1;id=abc;;")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=STSv1;id=abc; ; ")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=STSv1;;")}, 1, TXT_INVALID, "empty_field", NULL},
    {{R("v=STSv1; id=abc; foo")}, 1, TXT_INVALID, "field_syntax", NULL},
    {{R("v=STSv1; abc")}, 1, TXT_INVALID, "field_syntax", NULL},
    {{R("v=STSv1; id:abc")}, 1, TXT_INVALID, "field_syntax", NULL},
    /* Invalid: extensions. */
    {{R("v=STSv1; id=abc; =x")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id=abc; _x=1")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id=abc; -x=1")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id=abc; a!b=1")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id = abc")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id =abc")}, 1, TXT_INVALID, "ext_name_syntax", NULL},
    {{R("v=STSv1; id=abc; " N33 "=1")}, 1, TXT_INVALID, "ext_name_too_long", NULL},
    {{R("v=STSv1; id=abc; foo=")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; id=abc; foo=a=b")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; id=abc; foo=a b")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; id=abc; foo=\x7f")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; id=abc; foo=\x80")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; id=abc; foo=a\r\n")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    {{R("v=STSv1; foo=a b; id=abc")}, 1, TXT_INVALID, "ext_value_syntax", NULL},
    /* NUL anywhere in the candidate. */
    {{R("v=STSv1; id=ab\0c")}, 1, TXT_INVALID, "nul_byte", NULL},
    {{R("v=STSv1;\0")}, 1, TXT_INVALID, "nul_byte", NULL},
    {{R("v=STSv1; id=abc; x=\0")}, 1, TXT_INVALID, "nul_byte", NULL},

    /* Not candidates: dropped, so the RRset has no MTA-STS record. */
    {{{0}}, 0, TXT_NONE, NULL, NULL},
    {{R("")}, 1, TXT_NONE, NULL, NULL},
    {{R("V=STSv1; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=stsv1; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSV1; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R(" v=STSv1; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v = STSv1; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv10; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv1x")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv1,id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv1\0; id=abc")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=STSv1\r\n")}, 1, TXT_NONE, NULL, NULL},
    {{R("v=spf1 -all"), R("v=TLSRPTv1; rua=mailto:a@x")}, 2, TXT_NONE, NULL, NULL},

    /* Exactly one candidate among others. */
    {{R("v=spf1 -all"), R("v=STSv1; id=a"), R("V=STSv1; id=b")}, 3, TXT_VALID, NULL, "a"},
    {{R("v=STSv10; id=b"), R("v=STSv1; id=a")}, 2, TXT_VALID, NULL, "a"},
    {{R(""), R("v=STSv1;id=2019-01-01"), R("x")}, 3, TXT_INVALID, "id_syntax", NULL},
    /* More than one candidate, whatever their validity (§3.1: count, then parse). */
    {{R("v=STSv1; id=a"), R("v=STSv1; id=b")}, 2, TXT_MULTIPLE, "txt_multiple", NULL},
    {{R("v=STSv1; id=a"), R("v=STSv1; id=a")}, 2, TXT_MULTIPLE, "txt_multiple", NULL},
    {{R("v=STSv1; id=a"), R("v=STSv1")}, 2, TXT_MULTIPLE, "txt_multiple", NULL},
    {{R("v=STSv1"), R("v=STSv1 garbage")}, 2, TXT_MULTIPLE, "txt_multiple", NULL},
    {{R("v=spf1 -all"), R("v=STSv1; id=a"), R("x"), R("v=STSv1 ;id=b")},
     4, TXT_MULTIPLE, "txt_multiple", NULL},
};
/* clang-format on */

static void run_case(size_t idx, const struct sts_case *c)
{
    const char *ptrs[4];
    size_t lens[4];
    struct sts_txt_result res;
    int ok;

    for (size_t i = 0; i < c->n; i++) {
        ptrs[i] = c->recs[i].p;
        lens[i] = c->recs[i].len;
    }
    memset(&res, 0x5a, sizeof(res)); /* evaluate must overwrite everything */
    sts_txt_evaluate(ptrs, lens, c->n, &res);
    ok = th_failed;
    CHECK_STR(txt_verdict_str(res.verdict), txt_verdict_str(c->want));
    if (c->err == NULL)
        CHECK(res.error == NULL);
    else
        CHECK_STR(res.error, c->err);
    CHECK(memchr(res.id, '\0', sizeof(res.id)) != NULL);
    CHECK_STR(res.id, c->id != NULL ? c->id : "");
    if (th_failed != ok)
        fprintf(stderr, "  in case %zu: first record \"%.*s\"\n", idx,
                c->n > 0 ? (int)c->recs[0].len : 0, c->n > 0 ? c->recs[0].p : "");
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(i, &cases[i]);
}

/* Hostile callers: NULL arrays, NULL records, and exact-size heap copies (ASan sees overreads). */
static void test_api_edges(void)
{
    static const char *const texts[] = {
        "v=STSv1",  "v=STSv1;", "v=STSv1; id=abc", "v=STSv1;id=a ", "v=STSv1; id=abc; x=",
        "v=STSv1 ;"};
    struct sts_txt_result res;
    const char *nullrec[1] = {NULL};
    size_t zero[1] = {0};

    sts_txt_evaluate(NULL, NULL, 5, &res);
    CHECK_INT(res.verdict, TXT_NONE);
    CHECK(res.error == NULL);
    sts_txt_evaluate(nullrec, zero, 1, &res);
    CHECK_INT(res.verdict, TXT_NONE);

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t len = strlen(texts[i]);
        char *copy = malloc(len);
        const char *p;

        if (copy == NULL)
            return;
        memcpy(copy, texts[i], len);
        p = copy;
        sts_txt_evaluate(&p, &len, 1, &res);
        CHECK(res.verdict == TXT_VALID || res.verdict == TXT_INVALID);
        free(copy);
    }
}

/* A large record: many extensions, then the id; and a record of 64 KiB of WSP after the version. */
static void test_large(void)
{
    static char big[70000];
    struct sts_txt_result res;
    const char *p = big;
    size_t len = 0;

    memcpy(big, "v=STSv1", 7);
    len = 7;
    while (len + 16 < sizeof(big) - 32) {
        memcpy(big + len, "; ext=value.x", 13);
        len += 13;
    }
    memcpy(big + len, "; id=last", 9);
    len += 9;
    sts_txt_evaluate(&p, &len, 1, &res);
    CHECK_INT(res.verdict, TXT_VALID);
    CHECK_STR(res.id, "last");

    memset(big + 7, ' ', 65536);
    len = 7 + 65536;
    sts_txt_evaluate(&p, &len, 1, &res);
    CHECK_STR(res.error, "trailing_wsp");
}

static void test_strings(void)
{
    CHECK_STR(txt_verdict_str(TXT_NONE), "none");
    CHECK_STR(txt_verdict_str(TXT_VALID), "valid");
    CHECK_STR(txt_verdict_str(TXT_INVALID), "invalid");
    CHECK_STR(txt_verdict_str(TXT_MULTIPLE), "multiple");
    CHECK_STR(txt_verdict_str((enum txt_verdict)17), "unknown");
    CHECK_STR(txt_errstr(TXT_E_ID_TOO_LONG), "id_too_long");
    CHECK_STR(txt_errstr(TXT_E__COUNT), "unknown");
}

int main(void)
{
    test_table();
    test_api_edges();
    test_large();
    test_strings();
    return th_report("test_ststxt");
}
