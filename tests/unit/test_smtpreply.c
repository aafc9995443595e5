/* test_smtpreply.c: SMTP reply reader (RFC 5321 §4.2): table-driven, whole and chunked feeding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/smtpreply.h"
#include "tests/unit/harness.h"

#define ALL ((size_t)-1) /* `used` of a case: the whole input */

struct rd_case {
    const char *in;
    size_t len;
    enum smtp_rd_status st; /* of the call that ends the first reply (or the last call) */
    enum smtp_rd_error err;
    size_t used; /* bytes consumed in all until then */
    int code, n_lines, starttls;
    const char *text; /* text of the first line */
    unsigned bare_lf;
};

/* One table row per line reads better than what the formatter makes of it. */
/* clang-format off */
#define R(s) s, sizeof(s) - 1
#define OK(code, n, tls, text) SMTP_RD_REPLY, SMTP_RDE_NONE, ALL, code, n, tls, text
#define ERR(e, used) SMTP_RD_ERROR, e, used, 0, 0, 0, NULL
#define MORE SMTP_RD_MORE, SMTP_RDE_NONE, ALL, 0, 0, 0, NULL
#define EHLO "250-mx.example.test Hello\r\n"

static const struct rd_case cases[] = {
    /* Single-line and multi-line greetings. */
    {R("220 mx.example.test ESMTP\r\n"), OK(220, 1, 0, "mx.example.test ESMTP"), 0},
    {R("220-mx.example.test ESMTP\r\n220-no UCE\r\n220 ready\r\n"), OK(220, 3, 0, "mx.example.test ESMTP"), 0},
    {R("220-\r\n220\r\n"), OK(220, 2, 0, ""), 0},
    {R("250\r\n"), OK(250, 1, 0, ""), 0},
    {R("250 \r\n"), OK(250, 1, 0, ""), 0},
    {R("554 5.7.1 go away\r\n"), OK(554, 1, 0, "5.7.1 go away"), 0},
    {R("421-4.7.0 busy\r\n421 try later\r\n"), OK(421, 2, 0, "4.7.0 busy"), 0},
    /* EHLO: STARTTLS in the middle, last, absent, in any case, with parameters. */
    {R(EHLO "250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"), OK(250, 4, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-SIZE 10240000\r\n250 STARTTLS\r\n"), OK(250, 3, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-PIPELINING\r\n250 8BITMIME\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250-starttls\r\n250 HELP\r\n"), OK(250, 3, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-StartTLS\r\n250 HELP\r\n"), OK(250, 3, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTLS REQUIRED\r\n250 HELP\r\n"), OK(250, 3, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTLS\tx\r\n250 HELP\r\n"), OK(250, 3, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250 STARTTLS \r\n"), OK(250, 2, 1, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTLS\n250 HELP\n"), OK(250, 3, 1, "mx.example.test Hello"), 2},
    /* Not the STARTTLS keyword. */
    {R(EHLO "250-STARTTLSX\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250-XSTARTTLS\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250- STARTTLS\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTL\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTLS=1\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R(EHLO "250-STARTTLS\0\r\n250 HELP\r\n"), OK(250, 3, 0, "mx.example.test Hello"), 0},
    {R("250 STARTTLS\r\n"), OK(250, 1, 0, "STARTTLS"), 0},           /* the domain line */
    {R("250-STARTTLS\r\n250 HELP\r\n"), OK(250, 2, 0, "STARTTLS"), 0}, /* the domain line */
    {R("220-x\r\n220-STARTTLS\r\n220 y\r\n"), OK(220, 3, 0, "x"), 0},   /* not an EHLO reply */
    /* Line endings: bare LF accepted and counted; a lone CR is text. */
    {R("250-a\n250 b\n"), OK(250, 2, 0, "a"), 2},
    {R("250-a\r\n250 b\n"), OK(250, 2, 0, "a"), 1},
    {R("220 a\rb\r\n"), OK(220, 1, 0, "a?b"), 0},
    {R("220 a\r\r\n"), OK(220, 1, 0, "a?"), 0},
    /* Text for logs: NUL and controls shown as '?', UTF-8 kept. */
    {R("220 a\0b\r\n"), OK(220, 1, 0, "a?b"), 0},
    {R("220 \x1b[31mred\x7f\r\n"), OK(220, 1, 0, "?[31mred?"), 0},
    {R("220 caf\xc3\xa9\r\n"), OK(220, 1, 0, "caf\xc3\xa9"), 0},
    {R("220 a\tb\r\n"), OK(220, 1, 0, "a?b"), 0},
    /* Syntax: three digits, the first 2-5, then SP, "-" or the end (RFC 5321 §4.2). */
    {R("2x0 hi\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("ABC hi\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("25\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("2500 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("250x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("250\tx\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R(" 250 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("150 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("650 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("-250 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("\xef\xbb\xbf" "220 x\r\n"), ERR(SMTP_RDE_SYNTAX, ALL), 0},
    {R("250-a\r\nhello\r\n250 b\r\n"), ERR(SMTP_RDE_SYNTAX, 14), 0},
    {R("250-a\r\n250\0b\r\n"), ERR(SMTP_RDE_SYNTAX, 14), 0},
    /* All lines of a reply share the code. */
    {R("250-a\r\n251 b\r\n"), ERR(SMTP_RDE_CODE_MISMATCH, ALL), 0},
    {R("220-a\r\n250-b\r\n220 c\r\n"), ERR(SMTP_RDE_CODE_MISMATCH, 14), 0},
    /* Incomplete: all consumed, no reply yet. */
    {R(""), MORE, 0},
    {R("220 a"), MORE, 0},
    {R("220 a\r"), MORE, 0},
    {R("220-a\r\n"), MORE, 0},
    {R("220-a\r\n220-b\r\n22"), MORE, 0},
    {R("250-a\r\n250"), MORE, 0},
};
/* clang-format on */

/* What feeding an input in chunks of `chunk` bytes produced, up to the first reply or error. */
struct run {
    enum smtp_rd_status st;
    size_t consumed;
    struct smtp_reply rep;
    enum smtp_rd_error err;
    unsigned bare_lf;
    size_t buffered;
    int bad_used; /* a SMTP_RD_MORE call did not consume its whole chunk */
};

/* Feeds an exact-size heap copy (so ASan sees any overread), chunk bytes at a time. */
static void run_chunks(const char *in, size_t len, size_t chunk, struct run *res)
{
    struct smtp_reader r;
    char *copy = malloc(len > 0 ? len : 1);
    size_t off = 0;

    memset(res, 0, sizeof(*res));
    res->st = SMTP_RD_MORE;
    if (copy == NULL) {
        res->st = SMTP_RD_ERROR;
        return;
    }
    memcpy(copy, in, len);
    smtp_reader_init(&r);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk, used = 12345;
        enum smtp_rd_status st = smtp_reader_feed(&r, copy + off, n, &used, &res->rep);

        off += used;
        if (st != SMTP_RD_MORE) {
            res->st = st;
            break;
        }
        if (used != n)
            res->bad_used = 1;
    }
    res->consumed = off;
    res->err = r.error;
    res->bare_lf = r.bare_lf;
    res->buffered = smtp_reader_buffered(&r);
    free(copy);
}

static void check_case(size_t idx, const struct rd_case *c, size_t chunk)
{
    struct run res;
    size_t want_used = c->used == ALL ? c->len : c->used;
    int before = th_failed;

    run_chunks(c->in, c->len, chunk, &res);
    CHECK_INT(res.st, c->st);
    CHECK_STR(smtp_rd_errstr(res.err), smtp_rd_errstr(c->err));
    CHECK_INT(res.consumed, want_used);
    CHECK_INT(res.bad_used, 0);
    if (c->st == SMTP_RD_REPLY) {
        CHECK_INT(res.rep.code, c->code);
        CHECK_INT(res.rep.n_lines, c->n_lines);
        CHECK_INT(res.rep.starttls, c->starttls);
        CHECK_STR(res.rep.text, c->text);
        CHECK_INT(res.bare_lf, c->bare_lf);
        CHECK_INT(res.buffered, 0);
    } else if (c->st == SMTP_RD_MORE) {
        CHECK_INT(res.buffered, c->len);
    }
    if (th_failed != before)
        fprintf(stderr, "  in case %zu (chunk %zu): \"%.*s\"\n", idx, chunk, (int)c->len, c->in);
}

/* Every case gives the same result fed whole, byte by byte, and in odd-sized chunks. */
static void test_table(void)
{
    static const size_t chunks[] = {(size_t)-1, 1, 2, 3, 7, 64};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
            check_case(i, &cases[i], chunks[k]);
    }
}

/* Two replies and the start of a third in one buffer: one call per reply, `used` marks the end. */
static void test_pipelined(void)
{
    static const char in[] = "220 a\r\n250-b\r\n250-STARTTLS\r\n250 c\r\n221 bye";
    struct smtp_reader r;
    struct smtp_reply rep;
    size_t len = sizeof(in) - 1, used = 0, off = 0;

    smtp_reader_init(&r);
    CHECK_INT(smtp_reader_feed(&r, in, len, &used, &rep), SMTP_RD_REPLY);
    CHECK_INT(used, 7);
    CHECK_INT(rep.code, 220);
    CHECK_INT(rep.starttls, 0);
    CHECK_INT(smtp_reader_buffered(&r), 0);
    off += used;
    CHECK_INT(smtp_reader_feed(&r, in + off, len - off, &used, &rep), SMTP_RD_REPLY);
    CHECK_INT(used, 28);
    CHECK_INT(rep.code, 250);
    CHECK_INT(rep.n_lines, 3);
    CHECK_INT(rep.starttls, 1);
    CHECK_STR(rep.text, "b");
    off += used;
    /* The rest is not a complete reply: buffered, and the reply struct is left alone. */
    rep.code = 999;
    CHECK_INT(smtp_reader_feed(&r, in + off, len - off, &used, &rep), SMTP_RD_MORE);
    CHECK_INT(used, 7);
    CHECK_INT(rep.code, 999);
    CHECK_INT(smtp_reader_buffered(&r), 7);
    CHECK_INT(smtp_reader_feed(&r, "\r\n", 2, NULL, &rep), SMTP_RD_REPLY);
    CHECK_INT(rep.code, 221);
    CHECK_STR(rep.text, "bye");
    CHECK_INT(smtp_reader_buffered(&r), 0);
    CHECK_INT(smtp_reader_feed(&r, NULL, 0, &used, &rep), SMTP_RD_MORE);
    CHECK_INT(used, 0);
}

/* The STARTTLS 220 followed by injected plaintext in the same read. */
static void test_injection(void)
{
    static const char in[] = "220 2.0.0 Ready to start TLS\r\n250-evil\r\n";
    struct smtp_reader r;
    struct smtp_reply rep;
    size_t used = 0;

    smtp_reader_init(&r);
    CHECK_INT(smtp_reader_feed(&r, in, sizeof(in) - 1, &used, &rep), SMTP_RD_REPLY);
    CHECK_INT(rep.code, 220);
    CHECK(used < sizeof(in) - 1);
    CHECK_INT(smtp_reader_feed(&r, in + used, sizeof(in) - 1 - used, &used, &rep), SMTP_RD_MORE);
    CHECK_INT(smtp_reader_buffered(&r), 10);
}

/* Builds "250 " + filler + ending so that the whole line is `total` bytes. */
static size_t long_line(char *buf, size_t total, const char *ending)
{
    size_t el = strlen(ending);

    memcpy(buf, "250 ", 4);
    memset(buf + 4, 'x', total - 4 - el);
    memcpy(buf + total - el, ending, el);
    return total;
}

static void test_line_length(void)
{
    static char buf[6000];
    struct run res;
    size_t n;

    /* 1000 bytes with CRLF: accepted; text is the 994 filler bytes. */
    n = long_line(buf, SMTP_LINE_MAX, "\r\n");
    run_chunks(buf, n, n, &res);
    CHECK_INT(res.st, SMTP_RD_REPLY);
    CHECK_INT(strlen(res.rep.text), SMTP_LINE_MAX - 6);
    /* 1000 bytes with a bare LF: accepted. */
    n = long_line(buf, SMTP_LINE_MAX, "\n");
    run_chunks(buf, n, 1, &res);
    CHECK_INT(res.st, SMTP_RD_REPLY);
    CHECK_INT(strlen(res.rep.text), SMTP_LINE_MAX - 5);
    /* 1001 bytes: rejected at the 1000th byte, before the LF arrives. */
    n = long_line(buf, SMTP_LINE_MAX + 1, "\r\n");
    for (size_t chunk = 1; chunk <= n; chunk += 333) {
        run_chunks(buf, n, chunk, &res);
        CHECK_INT(res.st, SMTP_RD_ERROR);
        CHECK_STR(smtp_rd_errstr(res.err), "line_too_long");
        CHECK_INT(res.consumed, SMTP_LINE_MAX);
    }
    /* A stream that never sends LF fails after SMTP_LINE_MAX bytes, whatever follows. */
    memset(buf, 'a', sizeof(buf));
    run_chunks(buf, sizeof(buf), sizeof(buf), &res);
    CHECK_INT(res.err, SMTP_RDE_LINE_TOO_LONG);
    CHECK_INT(res.consumed, SMTP_LINE_MAX);
    /* The limit is per line: a second long line after a first is fine. */
    n = long_line(buf, SMTP_LINE_MAX, "\r\n");
    buf[3] = '-';
    n += long_line(buf + n, SMTP_LINE_MAX, "\r\n");
    run_chunks(buf, n, 100, &res);
    CHECK_INT(res.st, SMTP_RD_REPLY);
    CHECK_INT(res.rep.n_lines, 2);
}

/* Builds a reply of `lines` lines; returns its length. */
static size_t many_lines(char *buf, size_t cap, int lines)
{
    size_t n = 0;

    for (int i = 0; i < lines && n + 16 < cap; i++) {
        memcpy(buf + n, i + 1 < lines ? "250-line\r\n" : "250 last\r\n", 10);
        n += 10;
    }
    return n;
}

static void test_line_count(void)
{
    static char buf[2000];
    struct run res;
    size_t n;

    n = many_lines(buf, sizeof(buf), SMTP_REPLY_MAX_LINES);
    run_chunks(buf, n, n, &res);
    CHECK_INT(res.st, SMTP_RD_REPLY);
    CHECK_INT(res.rep.n_lines, SMTP_REPLY_MAX_LINES);
    n = many_lines(buf, sizeof(buf), SMTP_REPLY_MAX_LINES + 1);
    for (size_t chunk = 1; chunk < 50; chunk += 13) {
        run_chunks(buf, n, chunk, &res);
        CHECK_INT(res.st, SMTP_RD_ERROR);
        CHECK_STR(smtp_rd_errstr(res.err), "too_many_lines");
        CHECK_INT(res.consumed, n);
    }
}

/* After an error the reader stays failed until smtp_reader_init. */
static void test_sticky_error(void)
{
    struct smtp_reader r;
    struct smtp_reply rep;
    size_t used = 99;

    smtp_reader_init(&r);
    CHECK_INT(smtp_reader_feed(&r, "xyz\r\n220 ok\r\n", 13, &used, &rep), SMTP_RD_ERROR);
    CHECK_INT(used, 5);
    CHECK_INT(r.error, SMTP_RDE_SYNTAX);
    CHECK_INT(smtp_reader_feed(&r, "220 ok\r\n", 8, &used, &rep), SMTP_RD_ERROR);
    CHECK_INT(used, 0);
    smtp_reader_init(&r);
    CHECK_INT(smtp_reader_feed(&r, "220 ok\r\n", 8, &used, &rep), SMTP_RD_REPLY);
    CHECK_INT(r.error, SMTP_RDE_NONE);
    CHECK_INT(r.bare_lf, 0);
}

/* bare_lf counts over the reader's life, across replies. */
static void test_bare_lf_total(void)
{
    struct smtp_reader r;
    struct smtp_reply rep;

    smtp_reader_init(&r);
    CHECK_INT(smtp_reader_feed(&r, "220 a\n", 6, NULL, &rep), SMTP_RD_REPLY);
    CHECK_INT(smtp_reader_feed(&r, "250-b\r\n250 c\n", 13, NULL, &rep), SMTP_RD_REPLY);
    CHECK_INT(r.bare_lf, 2);
}

static void test_strings(void)
{
    CHECK_STR(smtp_rd_errstr(SMTP_RDE_NONE), "none");
    CHECK_STR(smtp_rd_errstr(SMTP_RDE_LINE_TOO_LONG), "line_too_long");
    CHECK_STR(smtp_rd_errstr(SMTP_RDE_TOO_MANY_LINES), "too_many_lines");
    CHECK_STR(smtp_rd_errstr(SMTP_RDE_SYNTAX), "reply_syntax");
    CHECK_STR(smtp_rd_errstr(SMTP_RDE_CODE_MISMATCH), "reply_code_mismatch");
    CHECK_STR(smtp_rd_errstr((enum smtp_rd_error)42), "unknown");
}

int main(void)
{
    test_table();
    test_pipelined();
    test_injection();
    test_line_length();
    test_line_count();
    test_sticky_error();
    test_bare_lf_total();
    test_strings();
    return th_report("test_smtpreply");
}
