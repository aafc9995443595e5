/* test_stspolicy.c: RFC 8461 §3.2 policy verdicts, codes, flags and §4.1 MX matching, table-driven.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/stspolicy.h"
#include "tests/unit/harness.h"

#define E STS_MODE_ENFORCE
#define T STS_MODE_TESTING
#define N STS_MODE_NONE
#define U STS_MODE_NONE_SET

#define F(name) STS_PF(STS_PF_##name)

/* One table row per line reads better than what the formatter makes of it. */
/* clang-format off */
#define B(s) s, sizeof(s) - 1

/* The fields of a minimal valid policy, one per line, LF-terminated. */
#define V "version: STSv1\n"
#define M "mode: enforce\n"
#define X "mx: mail.example.com\n"
#define A "max_age: 86400\n"

#define L63 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0"
#define L64 L63 "1"
#define L61 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy"
/* Names of 253 and 254 characters: three 63-character labels and one of 61 or 62. */
#define D253 L63 "." L63 "." L63 "." L61
#define D254 L63 "." L63 "." L63 "." L61 "z"
#define N32 "n234567890123456789012345678901x"
#define N33 N32 "y"

struct pcase {
    const char *body;
    size_t len;
    const char *strict;  /* expected error_strict, NULL for valid */
    const char *lenient; /* expected error_lenient, NULL for valid */
    enum sts_mode mode;
    long long max_age;
    int n_mx;
    const char *mx0;     /* expected first pattern, NULL when not checked */
    uint32_t flags;      /* flags that must be set (others may be) */
};

static const struct pcase cases[] = {
    /* Valid both ways (checklist A.3 rules 14-19). */
    {B(V M X A), NULL, NULL, E, 86400, 1, "mail.example.com", F(LF)},
    {B("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
       "mx: backupmx.example.com\r\nmax_age: 604800\r\n"),
     NULL, NULL, E, 604800, 3, "mail.example.com", F(CRLF) | F(MX_WILDCARD)},
    {B("version: STSv1\r\nmode: testing\nmx: mail.example.com\r\nmax_age: 86400\n"),
     NULL, NULL, T, 86400, 1, NULL, F(CRLF) | F(LF)},
    /* The final term is optional: [sts-policy-term]. */
    {B(V M X "max_age: 86400"), NULL, NULL, E, 86400, 1, NULL, F(NO_FINAL_EOL)},
    {B(V M X "max_age: 86400\r\n"), NULL, NULL, E, 86400, 1, NULL, F(CRLF) | F(LF)},
    /* Field order is free (rule 17); version_not_first is only an observation. */
    {B(A X M V), NULL, NULL, E, 86400, 1, NULL, F(VERSION_NOT_FIRST)},
    {B(M V A X), NULL, NULL, E, 86400, 1, NULL, F(VERSION_NOT_FIRST)},
    {B(X A V M), NULL, NULL, E, 86400, 1, NULL, F(VERSION_NOT_FIRST)},
    {B(V A X M), NULL, NULL, E, 86400, 1, NULL, 0},
    {B("foo: bar\n" V M X A), NULL, NULL, E, 86400, 1, NULL, F(VERSION_NOT_FIRST) | F(UNKNOWN_KEY)},
    /* Modes; mx may be absent only under none. */
    {B(V "mode: testing\n" X A), NULL, NULL, T, 86400, 1, NULL, 0},
    {B(V "mode: none\n" A), NULL, NULL, N, 86400, 0, NULL, 0},
    {B(V "mode: none\n" X A), NULL, NULL, N, 86400, 1, NULL, 0},
    /* WSP: *WSP after ":" (zero or more, tabs too), *WSP after the value. */
    {B("version:STSv1\nmode:enforce\nmx:mail.example.com\nmax_age:86400\n"),
     NULL, NULL, E, 86400, 1, "mail.example.com", 0},
    {B("version:\tSTSv1\t\nmode: \t enforce  \nmx:\t\tmail.example.com \t\nmax_age:\t86400\t\n"),
     NULL, NULL, E, 86400, 1, "mail.example.com", 0},
    {B("version: STSv1 \n" M X A), NULL, NULL, E, 86400, 1, NULL, 0},
    {B("version: STSv1   \r\n" M X A), NULL, NULL, E, 86400, 1, NULL, 0},
    /* Unknown fields are ignored when they are well-formed extensions. */
    {B(V M X A "foo: bar baz\n"), NULL, NULL, E, 86400, 1, NULL, F(UNKNOWN_KEY)},
    {B(V M X A "x-a_b.1: =;,!\"\n"), NULL, NULL, E, 86400, 1, NULL, F(UNKNOWN_KEY)},
    {B(V M X A "note: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\n"), NULL, NULL, E, 86400, 1, NULL,
     F(UNKNOWN_KEY)},
    {B(V M X A N32 ": 1\n"), NULL, NULL, E, 86400, 1, NULL, F(UNKNOWN_KEY)},
    {B(V M X A "9: http://x/y\n"), NULL, NULL, E, 86400, 1, NULL, F(UNKNOWN_KEY)},
    /* A misspelt key is an unknown field: the real one is then missing. */
    {B(V M X "max-age: 86400\n"), "max_age_missing", "max_age_missing", E, -1, 1, NULL,
     F(UNKNOWN_KEY)},
    {B(V "mdoe: enforce\n" X A), "mode_missing", "mode_missing", U, 86400, 1, NULL, F(UNKNOWN_KEY)},
    /* Repeated non-mx fields: the first wins (rule 18); each must still be well-formed strictly. */
    {B(V M "mode: testing\n" X A), NULL, NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V M X A "max_age: 100\n"), NULL, NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V V M X A), NULL, NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V "mode: none\n" M A), NULL, NULL, N, 86400, 0, NULL, F(REPEATED_FIELD)},
    {B(V M "mode: bogus\n" X A), "bad_mode", NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V M X A "max_age: 31557601\n"), "max_age_range", NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V "version: STSv2\n" M X A), "bad_version", NULL, E, 86400, 1, NULL, F(REPEATED_FIELD)},
    {B(V "mode: bogus\n" M X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, F(REPEATED_FIELD)},
    /* max_age: 1*10 DIGIT, at most 31557600. */
    {B(V M X "max_age: 0\n"), NULL, NULL, E, 0, 1, NULL, 0},
    {B(V M X "max_age: 31557600\n"), NULL, NULL, E, 31557600, 1, NULL, 0},
    {B(V M X "max_age: 0000086400\n"), NULL, NULL, E, 86400, 1, NULL, 0},
    {B(V M X "max_age: 31557601\n"), "max_age_range", "max_age_range", E, 31557601, 1, NULL, 0},
    {B(V M X "max_age: 9999999999\n"), "max_age_range", "max_age_range", E, 9999999999LL, 1, NULL, 0},
    {B(V M X "max_age: 00000086400\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: 12345678901\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: +86400\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: -1\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: 86400s\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: 1e5\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: 86 400\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: 0x10\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age:\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X "max_age: \xd9\xa1\n"), "max_age_syntax", "max_age_syntax", E, -1, 1, NULL, 0},
    {B(V M X), "max_age_missing", "max_age_missing", E, -1, 1, NULL, 0},
    /* version: exactly STSv1. */
    {B(M X A), "version_missing", "version_missing", E, 86400, 1, NULL, 0},
    {B("version: STSv2\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    {B("version: stsv1\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    {B("version: STSv1 extra\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    {B("version: STSv1;\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    {B("version:\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    {B("version: \"STSv1\"\n" M X A), "bad_version", "bad_version", E, 86400, 1, NULL, 0},
    /* mode: enforce, testing or none, case-sensitive. */
    {B(V X A), "mode_missing", "mode_missing", U, 86400, 1, NULL, 0},
    {B(V "mode: Enforce\n" X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, 0},
    {B(V "mode: enforced\n" X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, 0},
    {B(V "mode: report\n" X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, 0},
    {B(V "mode: enforce # yes\n" X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, 0},
    {B(V "mode:\n" X A), "bad_mode", "bad_mode", U, 86400, 1, NULL, 0},
    /* Required fields are checked in the order version, mode, max_age, mx. */
    {B("foo: bar\n"), "version_missing", "version_missing", U, -1, 0, NULL, F(UNKNOWN_KEY)},
    {B(X), "version_missing", "version_missing", U, -1, 1, NULL, 0},
    {B(V), "mode_missing", "mode_missing", U, -1, 0, NULL, 0},
    {B(V M), "max_age_missing", "max_age_missing", E, -1, 0, NULL, 0},
    /* mx_missing under enforce and testing (rule 16). */
    {B(V M A), "mx_missing", "mx_missing", E, 86400, 0, NULL, 0},
    {B(V "mode: testing\n" A), "mx_missing", "mx_missing", T, 86400, 0, NULL, 0},
    {B(V M A "mx:\n"), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, F(MX_INVALID)},
    /* Empty bodies. */
    {B(""), "empty", "empty", U, -1, 0, NULL, 0},
    {B("\n"), "empty", "empty", U, -1, 0, NULL, F(BLANK_LINES)},
    {B("\r\n\r\n  \t\r\n"), "empty", "empty", U, -1, 0, NULL, F(BLANK_LINES) | F(CRLF)},
    {B("\xef\xbb\xbf"), "empty", "empty", U, -1, 0, NULL, F(BOM)},
    {B("\xef\xbb\xbf\n"), "empty", "empty", U, -1, 0, NULL, F(BOM) | F(BLANK_LINES)},
    /* NUL anywhere: not a text body, invalid both ways, reported first. */
    {B(V M "mx: mail\0.example.com\n" A), "nul_byte", "nul_byte", E, 86400, 0, NULL,
     F(NUL_BYTE) | F(MX_INVALID)},
    {B(V M X A "\0"), "nul_byte", "nul_byte", E, 86400, 1, NULL, F(NUL_BYTE) | F(JUNK_LINE)},
    {B("\0"), "nul_byte", "nul_byte", U, -1, 0, NULL, F(NUL_BYTE)},
    {B("\xef\xbb\xbf" V M X A "foo: \0\n"), "nul_byte", "nul_byte", E, 86400, 1, NULL,
     F(NUL_BYTE) | F(BOM)},

    /* Strict-invalid, lenient-valid (rule 21). */
    {B("\xef\xbb\xbf" V M X A), "bom", NULL, E, 86400, 1, NULL, F(BOM)},
    {B("\xef\xbb\xbf" "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n"),
     "bom", NULL, E, 86400, 1, NULL, F(BOM) | F(CRLF)},
    {B(V "\n" M X A), "blank_line", NULL, E, 86400, 1, NULL, F(BLANK_LINES)},
    {B(V M X A "\n"), "blank_line", NULL, E, 86400, 1, NULL, F(BLANK_LINES)},
    {B("\n" V M X A), "blank_line", NULL, E, 86400, 1, NULL, F(BLANK_LINES)},
    {B(V M "  \t\n" X A), "blank_line", NULL, E, 86400, 1, NULL, F(BLANK_LINES)},
    {B(V M X A "\r\n\r\n"), "blank_line", NULL, E, 86400, 1, NULL, F(BLANK_LINES) | F(CRLF)},
    {B(V M "mx: mail.example.com.\n" A), "mx_trailing_dot", NULL, E, 86400, 1, "mail.example.com",
     F(TRAILING_DOT_MX)},
    {B(V M "mx: *.example.com.\n" A), "mx_trailing_dot", NULL, E, 86400, 1, "*.example.com",
     F(TRAILING_DOT_MX) | F(MX_WILDCARD)},
    {B(V "Mode: enforce\n" X A), "key_case", NULL, E, 86400, 1, NULL, F(CAPITALISED_KEY)},
    {B("Version: STSv1\n" M X A), "key_case", NULL, E, 86400, 1, NULL, F(CAPITALISED_KEY)},
    {B(V M "MX: mail.example.com\n" A), "key_case", NULL, E, 86400, 1, NULL, F(CAPITALISED_KEY)},
    {B(V M X "MAX_AGE: 86400\n"), "key_case", NULL, E, 86400, 1, NULL, F(CAPITALISED_KEY)},
    {B(V "Mode: testing\n" M X A), "key_case", NULL, T, 86400, 1, NULL,
     F(CAPITALISED_KEY) | F(REPEATED_FIELD)},
    {B(V "mode : enforce\n" X A), "wsp_before_colon", NULL, E, 86400, 1, NULL, F(WSP_BEFORE_COLON)},
    {B(V "mode\t: enforce\n" X A), "wsp_before_colon", NULL, E, 86400, 1, NULL, F(WSP_BEFORE_COLON)},
    {B(V M "mx : mail.example.com\n" A), "wsp_before_colon", NULL, E, 86400, 1, NULL,
     F(WSP_BEFORE_COLON)},
    {B(V " mode: enforce\n" X A), "leading_wsp", NULL, E, 86400, 1, NULL, F(LEADING_WSP)},
    {B("\tversion: STSv1\n" M X A), "leading_wsp", NULL, E, 86400, 1, NULL, F(LEADING_WSP)},
    /* CR alone: not a sts-policy-term; the lenient reading takes it as a line end. */
    {B("version: STSv1\rmode: enforce\rmx: mail.example.com\rmax_age: 86400\r"), "bare_cr", NULL,
     E, 86400, 1, NULL, F(BARE_CR)},
    {B("version: STSv1\rmode: enforce\nmx: mail.example.com\r\nmax_age: 86400"), "bare_cr", NULL,
     E, 86400, 1, NULL, F(BARE_CR) | F(LF) | F(CRLF) | F(NO_FINAL_EOL)},
    {B(V M X "max_age: 86400\r\r\n"), "bare_cr", NULL, E, 86400, 1, NULL,
     F(BARE_CR) | F(BLANK_LINES)},
    /* Junk lines: ignored by the lenient reading. */
    {B(V M X A "hello world\n"), "line_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A ": no key\n"), "line_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B("<html>\n" V M X A), "line_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo bar: x\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE) | F(UNKNOWN_KEY)},
    {B(V M X A "_x: 1\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A N33 ": 1\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo:\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: a\tb\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: a\x7f\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: a\x01\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xff\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xc3\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xc0\xaf\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xe0\x80\xaf\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xed\xa0\x80\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xf4\x90\x80\x80\n"), "ext_syntax", NULL, E, 86400, 1, NULL, F(JUNK_LINE)},
    {B(V M X A "foo: \xef\xbb\xbf\n"), NULL, NULL, E, 86400, 1, NULL, F(UNKNOWN_KEY)},
    /* The first violation in the body is the one reported. */
    {B("\xef\xbb\xbf" "Mode: enforce\n" V X A), "bom", NULL, E, 86400, 1, NULL,
     F(BOM) | F(CAPITALISED_KEY)},
    {B(V " Mode : enforce\n" X A), "leading_wsp", NULL, E, 86400, 1, NULL,
     F(LEADING_WSP) | F(CAPITALISED_KEY) | F(WSP_BEFORE_COLON)},
    {B(V "Mode : enforce\n" X A), "wsp_before_colon", NULL, E, 86400, 1, NULL, 0},
    {B(V "Mode: enforce\n" X "max_age: 31557601\n"), "key_case", "max_age_range", E, 31557601, 1,
     NULL, 0},
    {B("mode: bogus\nversion: STSv2\n"), "bad_mode", "bad_mode", U, -1, 0, NULL, 0},

    /* mx values: ["*."] Domain, A-labels only (rule 19). */
    {B(V M "mx: MAIL.Example.COM\n" A), NULL, NULL, E, 86400, 1, "mail.example.com", 0},
    {B(V M "mx: *.Example.com\n" A), NULL, NULL, E, 86400, 1, "*.example.com", F(MX_WILDCARD)},
    {B(V M "mx: localhost\n" A), NULL, NULL, E, 86400, 1, "localhost", 0},
    {B(V M "mx: xn--mil-via.example.com\n" A), NULL, NULL, E, 86400, 1, "xn--mil-via.example.com", 0},
    {B(V M "mx: a-b.1e100.net\n" A), NULL, NULL, E, 86400, 1, "a-b.1e100.net", 0},
    {B(V M "mx: 1.example.com\n" A), NULL, NULL, E, 86400, 1, "1.example.com", 0},
    {B(V M "mx: *.com\n" A), NULL, NULL, E, 86400, 1, "*.com", 0},
    {B(V M "mx: " L63 ".example.com\n" A), NULL, NULL, E, 86400, 1, L63 ".example.com", 0},
    {B(V M "mx: " D253 "\n" A), NULL, NULL, E, 86400, 1, D253, 0},
    {B(V M "mx: *." D253 "\n" A), NULL, NULL, E, 86400, 1, "*." D253, 0},
    {B(V M "mx: " L64 ".example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, F(MX_INVALID)},
    {B(V M "mx: " D254 "\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, F(MX_INVALID)},
    {B(V M "mx: *.*.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, F(MX_INVALID)},
    {B(V M "mx: *example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, F(MX_INVALID)},
    {B(V M "mx: mail.*.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: *\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: *.\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: .\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: .example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: mail.example.com..\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: a..example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: -a.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: a-.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: mail_1.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: mail.example.com:25\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: mail.example.com mx2.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: mail.example.com,\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL, 0},
    {B(V M "mx: m\xc3\xa4il.example.com\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL,
     F(MX_NON_ASCII) | F(MX_INVALID)},
    {B(V M "mx: mail.\xe4\xbe\x8b\xe3\x81\x88\n" A), "mx_syntax", "mx_syntax", E, 86400, 0, NULL,
     F(MX_NON_ASCII)},
    {B(V M "mx: 192.0.2.1\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL,
     F(MX_IP_LITERAL) | F(MX_INVALID)},
    {B(V M "mx: 192.0.2.1.\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL,
     F(MX_IP_LITERAL)},
    {B(V M "mx: [192.0.2.1]\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL,
     F(MX_IP_LITERAL)},
    {B(V M "mx: 2001:db8::25\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL,
     F(MX_IP_LITERAL)},
    {B(V M "mx: [IPv6:2001:db8::25]\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL,
     F(MX_IP_LITERAL)},
    {B(V M "mx: *.0.2.1\n" A), "mx_ip_literal", "mx_ip_literal", E, 86400, 0, NULL, F(MX_IP_LITERAL)},
    /* A bad pattern beside good ones: strict rejects, the lenient reading drops it. */
    {B(V M "mx: 192.0.2.1\n" X A), "mx_ip_literal", NULL, E, 86400, 1, "mail.example.com",
     F(MX_IP_LITERAL) | F(MX_INVALID)},
    {B(V M X "mx: *.*.example.com\n" A), "mx_syntax", NULL, E, 86400, 1, "mail.example.com",
     F(MX_INVALID)},
    {B(V "mode: testing\n" "mx: m\xc3\xa4il.example.com\n" X A), "mx_syntax", NULL, T, 86400, 1,
     "mail.example.com", F(MX_NON_ASCII)},
    /* Under mode none, bad patterns are still strictly invalid but harmless leniently. */
    {B(V "mode: none\n" "mx: 192.0.2.1\n" A), "mx_ip_literal", NULL, N, 86400, 0, NULL,
     F(MX_IP_LITERAL)},
    /* Repeated mx lines are all kept, duplicates too. */
    {B(V M X X "mx: mx2.example.com\n" A), NULL, NULL, E, 86400, 3, "mail.example.com", 0},
    /* An HTML error page served with 200. */
    {B("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n</html>\n"),
     "line_syntax", "version_missing", U, -1, 0, NULL, F(JUNK_LINE)},
    /* A TXT record where the policy should be. */
    {B("v=STSv1; id=20160831085700Z;\n"), "line_syntax", "version_missing", U, -1, 0, NULL,
     F(JUNK_LINE)},
    /* key=value instead of key: value */
    {B("version=STSv1\nmode=enforce\nmx=mail.example.com\nmax_age=86400\n"), "line_syntax",
     "version_missing", U, -1, 0, NULL, F(JUNK_LINE)},
    {B(V "mode enforce\n" X A), "line_syntax", "mode_missing", U, 86400, 1, NULL, F(JUNK_LINE)},
};
/* clang-format on */

static void run_case(size_t idx, const struct pcase *c)
{
    struct sts_policy p;
    int before = th_failed;

    memset(&p, 0x5a, sizeof(p)); /* parse must overwrite everything */
    sts_policy_parse(c->body, c->len, &p);
    if (c->strict == NULL) {
        CHECK(p.error_strict == NULL);
        CHECK_INT(p.valid_strict, 1);
    } else {
        CHECK_STR(p.error_strict, c->strict);
        CHECK_INT(p.valid_strict, 0);
    }
    if (c->lenient == NULL) {
        CHECK(p.error_lenient == NULL);
        CHECK_INT(p.valid_lenient, 1);
    } else {
        CHECK_STR(p.error_lenient, c->lenient);
        CHECK_INT(p.valid_lenient, 0);
    }
    CHECK_STR(sts_mode_str(p.mode), sts_mode_str(c->mode));
    CHECK_INT(p.max_age, c->max_age);
    CHECK_INT(p.n_mx, c->n_mx);
    CHECK_INT(p.mx_truncated, 0);
    if (c->mx0 != NULL)
        CHECK_STR(p.mx[0], c->mx0);
    CHECK_INT(p.flags & c->flags, c->flags);
    if (th_failed != before)
        fprintf(stderr, "  in case %zu: \"%.*s\" (flags %#x)\n", idx, (int)c->len, c->body,
                (unsigned)p.flags);
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(i, &cases[i]);
}

/* Exact flag sets: every observation appears when, and only when, it should. */
struct fcase {
    const char *body;
    size_t len;
    uint32_t flags;
};

/* clang-format off */
static const struct fcase flag_cases[] = {
    {B(V M X A), F(LF)},
    {B("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n"), F(CRLF)},
    {B("version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmax_age: 86400"),
     F(CRLF) | F(LF) | F(NO_FINAL_EOL)},
    {B("version: STSv1\rmode: enforce\rmx: mail.example.com\rmax_age: 86400\r"), F(BARE_CR)},
    {B("\xef\xbb\xbf" V M X A), F(BOM) | F(LF)},
    {B(V "\n" M X A), F(LF) | F(BLANK_LINES)},
    {B(V "  " M X A), F(LF) | F(LEADING_WSP)},
    {B(V "mode : enforce\n" X A), F(LF) | F(WSP_BEFORE_COLON)},
    {B(V "Mode: enforce\n" X A), F(LF) | F(CAPITALISED_KEY)},
    {B(V M M X A), F(LF) | F(REPEATED_FIELD)},
    {B(V M X A "foo: bar\n"), F(LF) | F(UNKNOWN_KEY)},
    {B(V M X A "foo bar\n"), F(LF) | F(JUNK_LINE)},
    {B(V M X A "foo:\n"), F(LF) | F(UNKNOWN_KEY) | F(JUNK_LINE)},
    {B(M V X A), F(LF) | F(VERSION_NOT_FIRST)},
    {B(V M "mx: mail.example.com.\n" A), F(LF) | F(TRAILING_DOT_MX)},
    {B(V M X "mx: 192.0.2.1\n" A), F(LF) | F(MX_IP_LITERAL) | F(MX_INVALID)},
    {B(V M X "mx: \xc3\xa4.example.com\n" A), F(LF) | F(MX_NON_ASCII) | F(MX_INVALID)},
    {B(V M X "mx: -.example.com\n" A), F(LF) | F(MX_INVALID)},
    {B(V M "mx: *.example.com\n" A), F(LF) | F(MX_WILDCARD)},
    {B(V M X A "\0"), F(LF) | F(NO_FINAL_EOL) | F(NUL_BYTE) | F(JUNK_LINE)},
    {B(""), 0},
};
/* clang-format on */

static void test_flags(void)
{
    struct sts_policy p;
    uint32_t all = 0;

    for (size_t i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
        const struct fcase *c = &flag_cases[i];
        int before = th_failed;

        sts_policy_parse(c->body, c->len, &p);
        CHECK_INT(p.flags, c->flags);
        all |= c->flags;
        if (th_failed != before)
            fprintf(stderr, "  in flag case %zu: \"%.*s\"\n", i, (int)c->len, c->body);
    }
    /* Every flag but too_many_mx (test_many_mx) is exercised above. */
    CHECK_INT(all | F(TOO_MANY_MX), STS_PF(STS_PF__COUNT) - 1);
}

/* The 1-based line of the first error; 0 for whole-body and missing-field errors. */
static void test_error_lines(void)
{
    static const struct {
        const char *body;
        size_t len;
        int strict, lenient;
    } lines[] = {
        {B(V M X A), 0, 0},
        {B("\xef\xbb\xbf" V M X A), 1, 0},
        {B(V M "\n" X A), 3, 0},
        {B(V M X "max_age: 31557601\n"), 4, 4},
        {B(V "Mode: enforce\n" X "max_age: x\n"), 2, 4},
        {B(V M X), 0, 0},
        {B(V M "mx: 192.0.2.1\n" A "mx: 10.0.0.1\n"), 3, 3},
        {B("\0" V M X A), 0, 0},
        {B("a\rb\r\nc\n" V M X A), 1, 0},
    };
    struct sts_policy p;

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        sts_policy_parse(lines[i].body, lines[i].len, &p);
        CHECK_INT(p.error_line_strict, lines[i].strict);
        CHECK_INT(p.error_line_lenient, lines[i].lenient);
    }
}

/* 64 patterns fit; the 65th sets mx_truncated but the policy stays valid. */
static void test_many_mx(void)
{
    static char body[8192];
    struct sts_policy p;
    size_t len;

    for (int n = 63; n <= 66; n++) {
        len = (size_t)snprintf(body, sizeof(body), "%s", V M A);
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(body + len, sizeof(body) - len, "mx: mx%d.Example.com\n", i);
        sts_policy_parse(body, len, &p);
        CHECK(p.valid_strict && p.valid_lenient);
        CHECK_INT(p.n_mx, n <= STS_POLICY_MAX_MX ? n : STS_POLICY_MAX_MX);
        CHECK_INT(p.mx_truncated, n > STS_POLICY_MAX_MX);
        CHECK_INT((p.flags & F(TOO_MANY_MX)) != 0, n > STS_POLICY_MAX_MX);
        CHECK_STR(p.mx[0], "mx0.example.com");
        CHECK_STR(p.mx[p.n_mx - 1], n <= 63 ? "mx62.example.com" : "mx63.example.com");
        CHECK(sts_policy_matches(&p, "mx63.example.com") == (n >= 64));
        CHECK(!sts_policy_matches(&p, "mx64.example.com"));
    }
    /* An invalid 65th pattern is still checked strictly, even though nothing is stored. */
    len = (size_t)snprintf(body, sizeof(body), "%s", V M A);
    for (int i = 0; i < 64; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, "mx: mx%d.example.com\n", i);
    len += (size_t)snprintf(body + len, sizeof(body) - len, "mx: 10.0.0.1\n");
    sts_policy_parse(body, len, &p);
    CHECK_STR(p.error_strict, "mx_ip_literal");
    CHECK(p.valid_lenient);
    CHECK_INT(p.mx_truncated, 0);
}

struct mcase {
    const char *pattern;
    const char *host;
    int want;
};

/* clang-format off */
static const struct mcase match_cases[] = {
    /* §4.1: the wildcard covers exactly one left-most label (checklist A.4 rule 22). */
    {"*.example.com", "mx.example.com", 1},
    {"*.example.com", "a.b.example.com", 0},
    {"*.example.com", "example.com", 0},
    {"*.example.com", "xexample.com", 0},
    {"*.example.com", ".example.com", 0},
    {"*.example.com", "EXAMPLE.com", 0},
    {"*.example.com", "MX.EXAMPLE.com", 1},
    {"*.example.com", "mx.example.com.", 1},
    {"*.example.com", "mx.example.co", 0},
    {"*.example.com", "mx.example.comx", 0},
    {"*.EXAMPLE.com", "mx.example.COM", 1},
    {"*.example.com.", "mx.example.com", 1},
    {"*.example.com", "mx.mx.example.com", 0},
    /* Exact patterns: case-insensitive, one trailing dot ignored. */
    {"example.com", "example.com", 1},
    {"example.com", "EXAMPLE.com", 1},
    {"EXAMPLE.COM", "example.com", 1},
    {"example.com", "example.com.", 1},
    {"example.com.", "example.com", 1},
    {"example.com", "xexample.com", 0},
    {"example.com", "mx.example.com", 0},
    {"example.com", "example.co", 0},
    {"example.com", "example.com..", 0},
    {"mail.example.com", "mail.example.com", 1},
    /* Malformed patterns match nothing real; "*" elsewhere is literal. */
    {"*.*.example.com", "a.b.example.com", 0},
    {"*.*.example.com", "a.example.com", 0},
    {"*example.com", "xexample.com", 0},
    {"*example.com", "mx.example.com", 0},
    {"mx.*.com", "mx.example.com", 0},
    {"*", "mx", 0},
    {"*.", "mx.", 0},
    {"*.", "mx", 0},
    {"", "", 0},
    {"", "example.com", 0},
    {"example.com", "", 0},
    {".", ".", 0},
};
/* clang-format on */

static void test_match(void)
{
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const struct mcase *c = &match_cases[i];
        int got = sts_mx_match(c->pattern, c->host);

        CHECK_INT(got, c->want);
        if (got != c->want)
            fprintf(stderr, "  match case %zu: \"%s\" vs \"%s\"\n", i, c->pattern, c->host);
    }
    CHECK_INT(sts_mx_match(NULL, "example.com"), 0);
    CHECK_INT(sts_mx_match("example.com", NULL), 0);
    CHECK_INT(sts_mx_match(NULL, NULL), 0);
}

/* Patterns as the parser stores them, matched against MX hosts. */
static void test_policy_matches(void)
{
    static const char body[] = "version: STSv1\nmode: enforce\nmx: MAIL.example.com.\n"
                               "mx: *.Backup.example.net\nmx: 192.0.2.1\nmax_age: 86400\n";
    struct sts_policy p;

    sts_policy_parse(body, sizeof(body) - 1, &p);
    CHECK(p.valid_lenient);
    CHECK_INT(p.n_mx, 2);
    CHECK_STR(p.mx[0], "mail.example.com");
    CHECK_STR(p.mx[1], "*.backup.example.net");
    CHECK_INT(sts_policy_matches(&p, "mail.example.com"), 1);
    CHECK_INT(sts_policy_matches(&p, "Mail.Example.Com"), 1);
    CHECK_INT(sts_policy_matches(&p, "mx1.backup.example.net"), 1);
    CHECK_INT(sts_policy_matches(&p, "backup.example.net"), 0);
    CHECK_INT(sts_policy_matches(&p, "a.mx1.backup.example.net"), 0);
    CHECK_INT(sts_policy_matches(&p, "192.0.2.1"), 0);
    CHECK_INT(sts_policy_matches(&p, "example.com"), 0);
    CHECK_INT(sts_policy_matches(&p, ""), 0);
    CHECK_INT(sts_policy_matches(&p, NULL), 0);
    CHECK_INT(sts_policy_matches(NULL, "mail.example.com"), 0);

    sts_policy_parse(V "mode: none\nmax_age: 1\n", strlen(V "mode: none\nmax_age: 1\n"), &p);
    CHECK(p.valid_strict);
    CHECK_INT(sts_policy_matches(&p, "mail.example.com"), 0);
}

/* Hostile callers: NULL text, and exact-size heap copies (ASan sees any overread). */
static void test_api_edges(void)
{
    static const char *const texts[] = {"version: STSv1",
                                        "mode:",
                                        "mx: a.",
                                        "mx: *.",
                                        "max_age: 1234567890",
                                        "\xef\xbb",
                                        "\xef\xbb\xbf",
                                        "\r",
                                        "a\r",
                                        ":",
                                        "foo: \xe2\x82",
                                        "x: \xf0\x9f\x93",
                                        "mx: 1.2.3.4",
                                        "mx: [",
                                        "mx",
                                        "version: STSv1\nmode: none\nmax_age: 0"};
    struct sts_policy p;

    sts_policy_parse(NULL, 0, &p);
    CHECK_STR(p.error_strict, "empty");
    CHECK_STR(p.error_lenient, "empty");
    sts_policy_parse(NULL, 10, &p);
    CHECK_STR(p.error_strict, "empty");
    CHECK_INT(p.max_age, -1);

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t len = strlen(texts[i]);
        char *copy = malloc(len);

        if (copy == NULL)
            return;
        memcpy(copy, texts[i], len);
        sts_policy_parse(copy, len, &p);
        CHECK(!p.valid_strict || p.valid_lenient);
        free(copy);
    }
    sts_policy_parse(V "mode: none\nmax_age: 0", strlen(V "mode: none\nmax_age: 0"), &p);
    CHECK(p.valid_strict);
    CHECK_INT(p.max_age, 0);
}

/* 64 KiB of junk, and a valid policy buried in 64 KiB of extensions: linear, no overreads. */
static void test_large(void)
{
    static char big[70000];
    struct sts_policy p;
    size_t len = 0;
    unsigned x = 12345;

    for (size_t i = 0; i < 65536; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)(1 + (x >> 16) % 255); /* any byte but NUL */
    }
    sts_policy_parse(big, 65536, &p);
    CHECK(!p.valid_strict && !p.valid_lenient);
    CHECK(p.error_strict != NULL && p.error_lenient != NULL);
    CHECK(p.n_mx >= 0 && p.n_mx <= STS_POLICY_MAX_MX);

    memset(big, 'x', 65536);
    sts_policy_parse(big, 65536, &p);
    CHECK_STR(p.error_strict, "line_syntax");
    CHECK_STR(p.error_lenient, "version_missing");

    memset(big, '\n', 65536);
    sts_policy_parse(big, 65536, &p);
    CHECK_STR(p.error_strict, "empty");

    len = (size_t)snprintf(big, sizeof(big), "%s", V M);
    while (len + 32 < 65536)
        len += (size_t)snprintf(big + len, sizeof(big) - len, "ext%zu: some value\r\n", len);
    len += (size_t)snprintf(big + len, sizeof(big) - len, "%s", X A);
    sts_policy_parse(big, len, &p);
    CHECK(p.valid_strict);
    CHECK_STR(p.mx[0], "mail.example.com");
    CHECK_INT(p.max_age, 86400);
}

static void test_strings(void)
{
    CHECK_STR(sts_mode_str(STS_MODE_NONE_SET), "");
    CHECK_STR(sts_mode_str(STS_MODE_ENFORCE), "enforce");
    CHECK_STR(sts_mode_str(STS_MODE_TESTING), "testing");
    CHECK_STR(sts_mode_str(STS_MODE_NONE), "none");
    CHECK_STR(sts_mode_str((enum sts_mode)9), "unknown");
    CHECK_STR(sts_policy_errstr(STS_PE_MX_MISSING), "mx_missing");
    CHECK_STR(sts_policy_errstr(STS_PE__COUNT), "unknown");
    CHECK_STR(sts_policy_flag_str(STS_PF_BOM), "bom");
    CHECK_STR(sts_policy_flag_str(STS_PF_TRAILING_DOT_MX), "trailing_dot_mx");
    CHECK_STR(sts_policy_flag_str(STS_PF__COUNT), "unknown");
    CHECK_STR(sts_policy_flag_str(31), "unknown");
    CHECK(STS_PF__COUNT <= 32);
    /* Names are distinct, so a flag set round-trips through its names. */
    for (unsigned i = 0; i < STS_PF__COUNT; i++) {
        for (unsigned j = i + 1; j < STS_PF__COUNT; j++)
            CHECK(strcmp(sts_policy_flag_str(i), sts_policy_flag_str(j)) != 0);
    }
    for (int i = STS_PE_OK + 1; i < STS_PE__COUNT; i++) {
        for (int j = i + 1; j < STS_PE__COUNT; j++)
            CHECK(strcmp(sts_policy_errstr((enum sts_policy_err)i),
                         sts_policy_errstr((enum sts_policy_err)j)) != 0);
    }
}

int main(void)
{
    test_table();
    test_flags();
    test_error_lines();
    test_many_mx();
    test_match();
    test_policy_matches();
    test_api_edges();
    test_large();
    test_strings();
    return th_report("test_stspolicy");
}
