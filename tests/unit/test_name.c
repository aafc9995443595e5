/* test_name.c: input name normalisation and the bounded list reader. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "datasets/listreader.h"
#include "datasets/name.h"
#include "tests/unit/harness.h"

static const struct {
    const char *in;
    enum ds_name_err want;
    const char *norm;
} name_cases[] = {
    {"example.com", DS_NAME_OK, "example.com"},
    {"Example.COM.", DS_NAME_OK, "example.com"},
    {"a-b.c0m", DS_NAME_OK, "a-b.c0m"},
    {"com", DS_NAME_OK, "com"},
    {"", DS_NAME_EMPTY, NULL},
    {".", DS_NAME_EMPTY, NULL},
    {"a..b", DS_NAME_EMPTY_LABEL, NULL},
    {".a.b", DS_NAME_EMPTY_LABEL, NULL},
    {"-a.b", DS_NAME_HYPHEN, NULL},
    {"a-.b", DS_NAME_HYPHEN, NULL},
    {"a_b.c", DS_NAME_BAD_CHAR, NULL},
    {"*.c", DS_NAME_BAD_CHAR, NULL},
    /* IDNA2008: U-labels become A-labels (NFC, UTS #46 non-transitional mapping). */
    {"b\xc3\xa4r.de", DS_NAME_OK, "xn--br-via.de"},
    {"B\xc3\x84R.De.", DS_NAME_OK, "xn--br-via.de"},
    {"fa\xc3\x9f.de", DS_NAME_OK, "xn--fa-hia.de"}, /* non-transitional: not "fass.de" */
    {"caf\xc3\xa9.test", DS_NAME_OK, "xn--caf-dma.test"},
    {"cafe\xcc\x81.test", DS_NAME_OK, "xn--caf-dma.test"}, /* NFC joins e + U+0301 */
    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.jp", DS_NAME_OK, "xn--wgv71a119e.jp"},
    {"mail.\xe5\x85\xac\xe5\x8f\xb8.cn", DS_NAME_OK, "mail.xn--55qx5d.cn"},
    {"a\xe3\x80\x82"
     "b.test",
     DS_NAME_OK, "a.b.test"},                           /* U+3002 ideographic full stop */
    {"\xe2\x98\x83.com", DS_NAME_IDNA_INVALID, NULL},   /* U+2603 snowman: DISALLOWED */
    {"x\xe2\x80\x8dy.com", DS_NAME_IDNA_INVALID, NULL}, /* ZWJ without context (RFC 5892 A.2) */
    {"\xff\xfe.test", DS_NAME_NON_ASCII, NULL},         /* not UTF-8 */
    {"b\xc3\xa4r_x.test", DS_NAME_BAD_CHAR, NULL},      /* converted, then not LDH */
    {"\xc3\xa4.\xc3\xa4\xc3\xa4..test", DS_NAME_EMPTY_LABEL, NULL},
    /* A-labels given as such must decode and round-trip. */
    {"xn--br-via.de", DS_NAME_OK, "xn--br-via.de"},
    {"XN--55QX5D.CN", DS_NAME_OK, "xn--55qx5d.cn"},
    {"www.xn--br-via.de", DS_NAME_OK, "www.xn--br-via.de"},
    {"xn--zz.test", DS_NAME_ALABEL_INVALID, NULL},   /* not Punycode */
    {"xn--.test", DS_NAME_ALABEL_INVALID, NULL},     /* empty */
    {"xn--a.test", DS_NAME_ALABEL_INVALID, NULL},    /* decodes to a non-character */
    {"xn--n3h.com", DS_NAME_ALABEL_INVALID, NULL},   /* the snowman again, as an A-label */
    {"xn--ls8h.test", DS_NAME_ALABEL_INVALID, NULL}, /* an emoji: DISALLOWED */
    /* Pure LDH names never go through IDNA: R-LDH labels and "xn" inside a label stay valid. */
    {"ab--c.test", DS_NAME_OK, "ab--c.test"},
    {"axn--b.test", DS_NAME_OK, "axn--b.test"},
    {"192.0.2.1", DS_NAME_IP_LITERAL, NULL},
    {"2001:db8::1", DS_NAME_IP_LITERAL, NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", DS_NAME_LABEL_TOO_LONG,
     NULL},
};

static void test_names(void)
{
    char out[DS_NAME_MAX + 1];
    char longname[300];

    for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
        enum ds_name_err e = ds_name_normalise(name_cases[i].in, strlen(name_cases[i].in), out);
        CHECK_STR(ds_name_errstr(e), ds_name_errstr(name_cases[i].want));
        if (name_cases[i].norm != NULL && e == DS_NAME_OK)
            CHECK_STR(out, name_cases[i].norm);
    }
    /* 254 octets in presentation form is one too many (63+1)*3+62 = 254. */
    memset(longname, 'a', sizeof(longname));
    for (int i = 63; i < 254; i += 64)
        longname[i] = '.';
    CHECK_INT(ds_name_normalise(longname, 253, out), DS_NAME_OK);
    CHECK_INT(ds_name_normalise(longname, 254, out), DS_NAME_TOO_LONG);
    /* A U-label of 30 distinct CJK characters (90 bytes) has a 68-octet A-label: too long. */
    {
        char u[200];
        size_t n = 0;
        for (unsigned i = 0; i < 30; i++) {
            unsigned cp = 0x4e00 + i * 37; /* three bytes of UTF-8 each */
            u[n++] = (char)(0xe0 | (cp >> 12));
            u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[n++] = (char)(0x80 | (cp & 0x3f));
        }
        memcpy(u + n, ".test", 6);
        CHECK_STR(ds_name_errstr(ds_name_normalise(u, strlen(u), out)), "label_too_long");
        /* 25 of them (75 bytes) fit: 53 octets. */
        memmove(u + 75, u + 90, 6);
        CHECK_STR(ds_name_errstr(ds_name_normalise(u, strlen(u), out)), "ok");
        CHECK_INT(strlen(out), 4 + 53 + 5);
        /* 200 labels of one U-label each: the name is too long as A-labels, and as bytes. */
        memset(longname, 0, sizeof(longname));
        for (int i = 0; i < 290; i += 3)
            memcpy(longname + i, "\xc3\xa4.", 3);
        CHECK_STR(ds_name_errstr(ds_name_normalise(longname, 291, out)), "name_too_long");
        CHECK_STR(ds_name_errstr(ds_name_normalise(longname, 42, out)), "ok");
    }
}

static void test_escape(void)
{
    char out[16];

    ds_name_escape("a b\x01\\", 5, out, sizeof(out));
    CHECK_STR(out, "a\\x20b\\x01\\x5c");
    /* Truncation never splits an escape and always terminates. */
    ds_name_escape("\x01\x02\x03\x04", 4, out, 10);
    CHECK_STR(out, "\\x01\\x02");
}

static void test_reader(void)
{
    static const char input[] = "# header comment\n"
                                "\n"
                                "  Example.ORG  \n"
                                "bad name.com\n"
                                "good.net # trailing comment\r\n"
                                "x..y\n"
                                "1,Google.com\n"
                                "22,bad name\n"
                                "3,\n";
    struct ds_list_reader r;
    struct ds_entry e;
    FILE *fp = fmemopen((void *)input, sizeof(input) - 1, "r");
    char huge[3000];
    FILE *fp2;

    ds_list_reader_init(&r, fp);
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.lineno, 3);
    CHECK_INT(e.err, DS_NAME_OK);
    CHECK_STR(e.name, "example.org");
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_BAD_CHAR);
    CHECK_STR(e.raw, "bad name.com");
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_STR(e.name, "good.net");
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_EMPTY_LABEL);
    /* Top list lines: the rank is dropped, the name checked as usual, the raw line kept. */
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_OK);
    CHECK_STR(e.name, "google.com");
    CHECK_STR(e.raw, "1,Google.com");
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_BAD_CHAR);
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_EMPTY);
    CHECK_INT(ds_list_next(&r, &e), 0);
    fclose(fp);

    /* An endless line is cut, reported once, and the next line still read. */
    memset(huge, 'a', sizeof(huge));
    huge[2000] = '\n';
    memcpy(huge + 2001, "ok.test\n", 8);
    fp2 = fmemopen(huge, 2009, "r");
    ds_list_reader_init(&r, fp2);
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_INT(e.err, DS_NAME_LINE_TOO_LONG);
    CHECK_INT(ds_list_next(&r, &e), 1);
    CHECK_STR(e.name, "ok.test");
    CHECK_INT(e.lineno, 2);
    CHECK_INT(ds_list_next(&r, &e), 0);
    fclose(fp2);
}

int main(void)
{
    test_names();
    test_escape();
    test_reader();
    return th_report("test_name");
}
