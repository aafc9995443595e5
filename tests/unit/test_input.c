/* test_input.c: zone files, top lists, format sniffing and gzip through the datasets input API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "common/error.h"
#include "datasets/input.h"
#include "tests/unit/harness.h"

static char tmpdir[] = "/tmp/ms-test-input-XXXXXX";

/* Writes `data` to DIR/name, gzip-compressed when gz; returns the path (valid for 4 more calls). */
static const char *write_file(const char *name, const char *data, size_t len, int gz)
{
    static char path[4][256];
    static int slot;
    char *p = path[slot++ % 4];

    snprintf(p, 256, "%s/%s", tmpdir, name);
    if (gz) {
        gzFile f = gzopen(p, "wb");
        gzwrite(f, data, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(p, "wb");
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return p;
}

/* Reads every entry as "name@line" or "!reason@line", joined by spaces. */
static char *read_all(const char *path, enum ds_input_format fmt, const char *origin, int *rc_out)
{
    struct ds_input *in;
    struct ds_entry *e = malloc(sizeof(*e));
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    int rc = ds_input_open(&in, path, fmt, origin);

    out[0] = '\0';
    if (rc == 0) {
        while ((rc = ds_input_next(in, e)) == 1) {
            if (len < cap - 600)
                len += (size_t)snprintf(out + len, cap - len, "%s%s%s@%llu", len ? " " : "",
                                        e->err == DS_NAME_OK ? "" : "!",
                                        e->err == DS_NAME_OK ? e->name : ds_name_errstr(e->err),
                                        (unsigned long long)e->lineno);
        }
        ds_input_close(in);
    }
    *rc_out = rc;
    free(e);
    return out;
}

static void check_zone(const char *zone, const char *origin, const char *want)
{
    int rc;
    const char *path = write_file("t.zone", zone, strlen(zone), 0);
    char *got = read_all(path, DS_INPUT_ZONE, origin, &rc);

    CHECK_INT(rc, 0);
    CHECK_STR(got, want);
    free(got);
}

static const char zone1[] = "; a zone with most of RFC 1035 section 5\n"
                            "$TTL 3600\n"
                            "$ORIGIN Example.\n"
                            "@   IN SOA ns1 hostmaster ( 2026112301 ; serial\n"
                            "        7200 3600 1209600 300 )\n"
                            "    IN NS ns1\n"
                            "    IN NS ns2.example.\n"
                            "ns1 IN A 192.0.2.1\n"
                            "foo 86400 IN NS ns1.foo\n"
                            "    IN NS ns2.foo\n"
                            "foo IN DS 1 2 3 ABCD\n"
                            "Bar IN 3600 NS ns.other.\n"
                            "bar.example. NS ns2.other.\n"
                            "baz NS \"quoted;not-a-comment\" ; comment ( with a paren\n"
                            "txt TXT \"a \\\"quoted\\\" ; string (\" \"x\"\n"
                            "qux IN NS ( ns1.qux\n"
                            "   ns2.qux )\n"
                            "xn--br-via NS ns.x.\n"
                            "_bad NS ns.x.\n"
                            "outside.org. NS ns.x.\n"
                            "$INCLUDE other.zone\n"
                            "sub.foo TYPE2 \\# 0\n"
                            "b\\.c NS x.\n"
                            "$ORIGIN deep.example.\n"
                            "d NS x.\n"
                            "@ NS x.\n"
                            "$ORIGIN more\n"
                            "m NS x.\n"
                            "broken NS ( x.\n";

static void test_zone(void)
{
    check_zone(zone1, NULL,
               "foo.example@9 bar.example@12 baz.example@14 qux.example@16 xn--br-via.example@18 "
               "!bad_char@19 !zone_outside_origin@20 !zone_include@21 sub.foo.example@22 "
               "!bad_char@23 d.deep.example@25 deep.example@26 m.more.deep.example@28 "
               "!zone_syntax@29");
    /* No $ORIGIN: relative names need --zone-origin; absolute ones do not. */
    check_zone("a NS x.\nb.example. NS x.\n", NULL, "!zone_no_origin@1 b.example@2");
    check_zone("@ SOA a b 1 2 3 4 5\n@ NS x.\na NS x.\nb.example. NS x.\n", "EXAMPLE.",
               "a.example@3 b.example@4");
    /* The SOA owner is the apex when nothing else says; NS runs are handed out once. */
    check_zone("com. 900 IN SOA a. b. 1 2 3 4 5\ncom. 172800 IN NS a.gtld.\n"
               "example.com. 172800 in ns ns1.example.com.\nexample.com. 172800 in ns ns2.\n"
               "example.com. 86400 in ds 1 2 3 AB\nexample.com. 172800 in ns ns3.\n"
               "other.com. 172800 in ns ns1.\n",
               NULL, "example.com@3 other.com@7");
    /* A file written with "$ORIGIN ." and absolute names: the SOA, not the root, is the apex. */
    check_zone("$ORIGIN .\ncom IN SOA a b 1 2 3 4 5\ncom NS x\nex.com NS x\n", NULL, "ex.com@4");
    /* The root zone. */
    check_zone(". IN SOA a. b. 1 2 3 4 5\n. NS a.root.\ncom. NS a.gtld.\n", NULL, "com@3");
    /* CRLF line ends, tabs, no final newline, comment-only and blank lines. */
    check_zone("$ORIGIN t.\r\n\r\n; c\r\n\ta\tNS\tx.\r\nb\tIN\tNS\tx.\r\nc NS x.", NULL,
               "!zone_syntax@4 b.t@5 c.t@6");
    /* Syntax errors, each followed by a good record that is still read. */
    check_zone("$ORIGIN t.\na NS x.)\nb NS x.\nc NS \"unterminated\nd NS x.\n"
               "e NS ((x.))\nf NS x.\ng 3600\nh NS x.\n$FOO bar\n$ORIGIN\ni NS x.\n"
               "j \"NS\" x.\nk NS x.\n\"l\" NS x.\nm NS x.\n",
               NULL,
               "!zone_syntax@2 b.t@3 !zone_syntax@4 d.t@5 !zone_syntax@6 f.t@7 !zone_syntax@8 "
               "h.t@9 !zone_syntax@10 !zone_syntax@11 i.t@12 !zone_syntax@13 k.t@14 "
               "!zone_syntax@15 m.t@16");
    /* A blank owner needs a previous owner; TTL units; generic class; names too long. */
    check_zone("$ORIGIN t.\n NS x.\na 1h30m CLASS1 NS x.\n", NULL, "!zone_syntax@2 a.t@3");
}

/* The NUL in a literal ends strlen: write zones with embedded NULs by length. */
static void test_zone_nul(void)
{
    static const char z[] = "$ORIGIN t.\nn NS x\0y\no NS x.\n";
    int rc;
    const char *path = write_file("nul.zone", z, sizeof(z) - 1, 0);
    char *got = read_all(path, DS_INPUT_ZONE, NULL, &rc);

    CHECK_INT(rc, 0);
    CHECK_STR(got, "!zone_syntax@2 o.t@3");
    free(got);
}

/* Bounded: an endless owner, an unclosed parenthesis and a huge RDATA cost no memory. */
static void test_zone_bounds(void)
{
    size_t n = 300000, len = 0;
    char *z = malloc(n);
    const char *path;
    char *got;
    int rc;

    len += (size_t)sprintf(z + len, "$ORIGIN t.\n");
    memset(z + len, 'a', 5000);
    len += 5000;
    len += (size_t)sprintf(z + len, " NS x.\nok1 NS x.\nbig TXT \"");
    memset(z + len, 'b', 50000);
    len += 50000;
    len += (size_t)sprintf(z + len, "\"\nok2 NS x.\nopen NS ( x.\n");
    while (len < 200000)
        len += (size_t)sprintf(z + len, "lost NS x.\n");
    len += (size_t)sprintf(z + len, "ok3 NS x.\n");
    path = write_file("big.zone", z, len, 0);
    got = read_all(path, DS_INPUT_ZONE, NULL, &rc);
    CHECK_INT(rc, 0);
    /* The unclosed '(' swallows 64 KiB of lines, then reading resumes at the next line. */
    CHECK(strncmp(got, "!name_too_long@2 ok1.t@3 ok2.t@5 !zone_record_too_long@6 ", 57) == 0);
    CHECK(strstr(got, "lost.t@") != NULL);
    CHECK(strlen(got) > 20 && strcmp(got + strlen(got) - 9, "ok3.t@") != 0);
    CHECK(strstr(got, " ok3.t@") != NULL);
    free(got);
    free(z);
}

static void test_gzip(void)
{
    int rc;
    const char *plain = write_file("p.zone", zone1, strlen(zone1), 0);
    const char *gz = write_file("p.zone.gz", zone1, strlen(zone1), 1);
    char *a = read_all(plain, DS_INPUT_AUTO, NULL, &rc), *b;
    struct ds_input *in;
    char half[4096];
    FILE *f;
    size_t n;

    CHECK_INT(rc, 0);
    b = read_all(gz, DS_INPUT_AUTO, NULL, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(b, a);
    CHECK(strlen(a) > 100);
    free(b);
    /* Gzip is known by its magic bytes, not by the file's name. */
    CHECK_INT(ds_input_open(&in, gz, DS_INPUT_AUTO, NULL), 0);
    CHECK_INT(ds_input_compressed(in), 1);
    CHECK_INT(in->format, DS_INPUT_ZONE);
    ds_input_close(in);
    CHECK_INT(ds_input_open(&in, plain, DS_INPUT_AUTO, NULL), 0);
    CHECK_INT(ds_input_compressed(in), 0);
    ds_input_close(in);
    /* Two gzip members one after the other read as one stream (RFC 1952 §2.2). */
    {
        char cat[512];
        const char *one = write_file("one.gz", "a.example\n", 10, 1);
        const char *two = write_file("two.gz", "b.example\n", 10, 1);
        snprintf(cat, sizeof(cat), "cat %s %s > %s/both.gz", one, two, tmpdir);
        CHECK_INT(system(cat), 0);
        snprintf(cat, sizeof(cat), "%s/both.gz", tmpdir);
        b = read_all(cat, DS_INPUT_AUTO, NULL, &rc);
        CHECK_INT(rc, 0);
        CHECK_STR(b, "a.example@1 b.example@2");
        free(b);
    }
    /* A truncated gzip file is a read error, not a silent end. */
    f = fopen(gz, "rb");
    n = fread(half, 1, sizeof(half), f);
    fclose(f);
    write_file("cut.gz", half, n / 2, 0);
    {
        char p[256];
        snprintf(p, sizeof(p), "%s/cut.gz", tmpdir);
        b = read_all(p, DS_INPUT_ZONE, NULL, &rc);
        CHECK_INT(rc, MS_ESYNTAX);
        free(b);
    }
    free(a);
    CHECK_INT(ds_input_open(&in, "/nonexistent/x", DS_INPUT_AUTO, NULL), MS_EIO);
    plain = write_file("p.zone", zone1, strlen(zone1), 0);
    CHECK_INT(ds_input_open(&in, plain, DS_INPUT_ZONE, "bad..origin"), MS_EINVAL);
    CHECK_INT(ds_input_open(&in, plain, DS_INPUT_ZONE, "."), 0);
    ds_input_close(in);
}

static void test_lists(void)
{
    static const char top[] = "1,Google.com\n2,bad name.com\n3,\nx.com\n# c\n\n10,a.example\r\n";
    static const char list[] = "# a list\nExample.org\n1,ranked.example\n  spaced.example  \n";
    int rc;
    char *got =
        read_all(write_file("top.csv", top, sizeof(top) - 1, 0), DS_INPUT_TOPLIST, NULL, &rc);

    CHECK_STR(got, "google.com@1 !bad_char@2 !empty_name@3 !toplist_syntax@4 a.example@7");
    free(got);
    got = read_all(write_file("l.txt", list, sizeof(list) - 1, 1), DS_INPUT_AUTO, NULL, &rc);
    CHECK_STR(got, "example.org@2 ranked.example@3 spaced.example@4");
    free(got);
}

static void test_sniff(void)
{
    static const struct {
        const char *s;
        enum ds_input_format want;
    } cases[] = {
        {"example.com\nexample.org\n", DS_INPUT_LIST},
        {"# comment\nexample.com\n", DS_INPUT_LIST},
        {"1,google.com\n2,facebook.com\n", DS_INPUT_TOPLIST},
        {"1,google.com\nexample.org\n", DS_INPUT_LIST},
        {"$ORIGIN example.\n@ SOA a b 1 2 3 4 5\n", DS_INPUT_ZONE},
        {"$TTL 3600\n", DS_INPUT_ZONE},
        {"; zone\n", DS_INPUT_ZONE},
        {"com.\t900\tIN\tSOA\ta.gtld-servers.net. nstld. 1 2 3 4 5\n", DS_INPUT_ZONE},
        {"example.com. 172800 in ns ns1.example.com.\n", DS_INPUT_ZONE},
        {"foo NS ns.foo\n", DS_INPUT_ZONE},
        {"a.example A 192.0.2.1\n", DS_INPUT_ZONE},
        {"", DS_INPUT_LIST},
        {"\n\n", DS_INPUT_LIST},
        {"1,a.com\n2,b.c", DS_INPUT_TOPLIST}, /* the cut last line is not judged */
        /* A list with a malformed line that looks like a record stays a list. */
        {"a.example\nnot a domain\nb.example\n", DS_INPUT_LIST},
        {"a.example\nb.example NS x.\nc.example NS x.\n", DS_INPUT_ZONE},
        {"a.example\n$ttl 60\n", DS_INPUT_ZONE},
        {"$OR\n", DS_INPUT_LIST},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ds_input_format f = ds_input_sniff(cases[i].s, strlen(cases[i].s));
        CHECK_STR(ds_input_format_name(f), ds_input_format_name(cases[i].want));
    }
    {
        enum ds_input_format f;
        CHECK_INT(ds_input_format_parse("zone", &f), 0);
        CHECK_INT(f, DS_INPUT_ZONE);
        CHECK_INT(ds_input_format_parse("csv", &f), MS_EINVAL);
    }
}

int main(void)
{
    char cmd[128];

    if (mkdtemp(tmpdir) == NULL)
        return 1;
    test_zone();
    test_zone_nul();
    test_zone_bounds();
    test_gzip();
    test_lists();
    test_sniff();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return th_report("test_input");
}
