/* test_html.c: unit tests of the HTML writer: escaping, every figure present, structure, policy. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "analysis/markup.h"
#include "analysis/writers.h"
#include "common/error.h"
#include "tests/unit/harness.h"
#include "tests/unit/markup_check.h"

#define EVIL     "<script>alert(1)</script>\" onmouseover=\"x' AT&T"
#define EVIL_ESC "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x&#39; AT&amp;T"

/* Renders `r` into a malloc'd string (NULL on failure); *rc gets the writer's result. */
static char *render(const struct rpt_report *r, int *rc)
{
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    if (fp == NULL)
        return NULL;
    *rc = rpt_write_html(r, fp);
    fclose(fp);
    return out;
}

/* A report with hostile text in every place text can go, and one cell of each kind. */
static void build(struct rpt_report *r)
{
    static const char *const cols[] = {"category", "domains", "hosts", "median", EVIL, NULL};
    static const char *const cols2[] = {"scan", "MTA-STS", "DANE", NULL};
    struct rpt_section *s;
    struct rpt_table *t;
    struct rpt_cell *row;

    rpt_init(r, "Adoption " EVIL);
    rpt_fact(r, "scan date", "2026-11-23T15:52:46Z");
    rpt_fact(r, "input", "domains.txt (5133 entries)");
    rpt_fact(r, "resolver " EVIL, "127.0.0.1 " EVIL);
    s = rpt_section(r, "headline", "Headline adoption", "Intro " EVIL);
    t = rpt_table(r, s, "adoption", "Adoption " EVIL, "Denominator: domains with mail. " EVIL,
                  RPT_CHART_BAR, cols);
    row = rpt_row(r, t, "mail.example " EVIL);
    rpt_set_share(&row[1], 3, 4);
    rpt_set_count(&row[2], 12345);
    rpt_set_number(r, &row[3], 86400, "s");
    rpt_set_text(r, &row[4], "issuer \x01\xff\xc0\xaf bad bytes");
    row = rpt_row(r, t, "tiny share");
    rpt_set_share(&row[1], 1, 100000);
    rpt_set_number(r, &row[3], 2.5, NULL);
    t = rpt_table(r, s, "empty", "An empty table", NULL, RPT_CHART_STACKED, cols2);
    t = rpt_table(r, s, "text", "Nothing to draw", NULL, RPT_CHART_BAR, cols2);
    rpt_set_text(r, &rpt_row(r, t, "only")[1], "words");
    s = rpt_section(r, "trends", "Trends", NULL);
    t = rpt_table(r, s, "trend", "Trend", "of domains scanned", RPT_CHART_LINE, cols2);
    row = rpt_row(r, t, "2026-11-16");
    rpt_set_share(&row[1], 10, 100);
    rpt_set_share(&row[2], 0, 0);
    row = rpt_row(r, t, "2026-11-23");
    rpt_set_share(&row[1], 20, 100);
    rpt_set_share(&row[2], 5, 100);
}

static void test_escaping(const char *html)
{
    const char *script = strstr(html, "<script>");
    size_t body_len = script != NULL ? (size_t)(script - html) : strlen(html);
    char *body = strndup(html, body_len);

    CHECK(strstr(html, "alert(1)</script>") == NULL);
    CHECK_INT(mc_count(html, "<script"), 1); /* ours, at the end */
    CHECK(script != NULL && strstr(script, "</body>") != NULL);
    CHECK(strstr(html, "onmouseover=\"") == NULL);
    CHECK(strstr(html, "AT&T") == NULL);
    /* <title> and <h1>, fact key and value, intro, table title, note, heading, row label; in
     * the chart: its aria-label and the bar's tooltip (the bar's label is truncated) */
    CHECK_INT(mc_count(html, EVIL_ESC), 9 + 2);
    CHECK(strstr(html, "issuer \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD bad bytes") !=
          NULL);
    CHECK(body != NULL && mc_entities_ok(body) == 0);
    free(body);
}

static void test_figures(const char *html)
{
    static const char *const want[] = {
        "<dt>scan date</dt><dd>2026-11-23T15:52:46Z</dd>",
        "<dt>input</dt><dd>domains.txt (5133 entries)</dd>",
        "<h2>Headline adoption</h2>",
        "<h2>Trends</h2>",
        "<h2>Methodology</h2>",
        "<a href=\"#s-headline\">Headline adoption</a>",
        "<figure id=\"t-headline-adoption\"",
        "<figure id=\"t-headline-empty\" class=\"report-table\">\n<figcaption><h3>An empty "
        "table</h3></figcaption>\n<div class=\"scroll\">",
        "<figure id=\"t-trends-trend\"",
        "<h3>An empty table</h3>",
        "<th scope=\"col\">domains</th>",
        "<th scope=\"col\">DANE</th>",
        "data-v=\"75\">3 of 4 (75.0%)</td>",
        "1 of 100000 (&lt;0.1%)</td>",
        "data-v=\"12345\">12345</td>",
        "data-v=\"86400\">86400 s</td>",
        ">2.50</td>",
        "0 of 0 (n/a)</td>",
        "5 of 100 (5.0%)</td>",
        "<p class=\"note\">of domains scanned</p>",
        "<td class=\"nodata\" colspan=\"3\">No data.</td>",
        "<h3>Nothing to draw</h3></figcaption>\n<p class=\"nodata\">No data to chart.</p>",
        "<svg class=\"chart chart-bar\"",
        "<svg class=\"chart chart-line\"",
        "n of d (p%)",
    };

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(html, want[i]) == NULL)
            fprintf(stderr, "missing: %s\n", want[i]);
        CHECK(strstr(html, want[i]) != NULL);
    }
}

/* The sha256 CSP source of the text between `open` and `close` in html. */
static int policy_admits(const char *html, const char *open, const char *close)
{
    const char *a = strstr(html, open), *z;
    unsigned char md[32], b64[64], src[96];
    unsigned int mdlen;

    if (a == NULL || (z = strstr(a += strlen(open), close)) == NULL)
        return 0;
    if (EVP_Digest(a, (size_t)(z - a), md, &mdlen, EVP_sha256(), NULL) != 1)
        return 0;
    EVP_EncodeBlock(b64, md, (int)mdlen);
    snprintf((char *)src, sizeof(src), "'sha256-%s'", (const char *)b64);
    return strstr(html, (const char *)src) != NULL;
}

static void test_structure(const char *html)
{
    const char *csp = strstr(html, "Content-Security-Policy\" content=\"default-src 'none';");

    CHECK(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">",
                  61) == 0);
    CHECK(csp != NULL && csp < strstr(html, "<style>"));
    CHECK(mc_tags_balanced(html) == 0);
    CHECK_INT(mc_count(html, "<html"), 1);
    CHECK_INT(mc_count(html, "<body>"), 1);
    CHECK_INT(mc_count(html, "<table class=\"sortable\">"), 4);
    CHECK_INT(mc_count(html, "<section"), 3);
    /* The inline style and script are exactly what the policy lets run. */
    CHECK(policy_admits(html, "<style>", "</style>"));
    CHECK(policy_admits(html, "<script>", "</script>"));
    /* Nothing to fetch: no URLs, no external resources, no style attributes the policy blocks. */
    CHECK(strstr(html, "http:") == NULL && strstr(html, "https:") == NULL);
    CHECK(strstr(html, " src=") == NULL && strstr(html, "url(") == NULL);
    CHECK(strstr(html, "@import") == NULL && strstr(html, "<link") == NULL);
    CHECK(strstr(html, " style=") == NULL);
    CHECK(strstr(html, "@media print{") != NULL);
    CHECK(strstr(html, "nan") == NULL && strstr(html, "inf\"") == NULL);
}

static void test_page(void)
{
    struct rpt_report r;
    char *html;
    int rc = -1;

    build(&r);
    CHECK(!r.oom);
    html = render(&r, &rc);
    CHECK_INT(rc, 0);
    CHECK(html != NULL);
    if (html != NULL) {
        test_escaping(html);
        test_figures(html);
        test_structure(html);
    }
    free(html);
    rpt_free(&r);
}

static void test_errors(void)
{
    struct rpt_report r;
    FILE *fp;
    int rc = 0;
    char *html;

    build(&r);
    fp = fopen("/dev/full", "w");
    if (fp != NULL) {
        CHECK_INT(rpt_write_html(&r, fp), MS_EIO);
        fclose(fp);
    }
    r.oom = 1;
    html = render(&r, &rc);
    CHECK_INT(rc, MS_ENOMEM);
    CHECK(html == NULL || html[0] == '\0');
    free(html);
    r.oom = 0;
    rpt_free(&r);
}

static void test_markup(void)
{
    struct ms_buf b;

    ms_buf_init(&b);
    rpt_esc(&b, "abcdef", 4);
    CHECK_STR(ms_buf_cstr(&b), "abc\xE2\x80\xA6");
    ms_buf_reset(&b);
    rpt_esc(&b, "\xC3\xA9t\xC3\xA9\xE2\x82\xAC", 4); /* été€: four code points fit */
    CHECK_STR(ms_buf_cstr(&b), "\xC3\xA9t\xC3\xA9\xE2\x82\xAC");
    ms_buf_reset(&b);
    rpt_esc(&b, "\xED\xA0\x80|\xF4\x90\x80\x80|\xE0\x80\xAF|\xC3", 0); /* surrogate, >U+10FFFF */
    CHECK_STR(ms_buf_cstr(&b), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                               "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                               "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD");
    ms_buf_reset(&b);
    rpt_esc(&b, "tab\tnl\ncr\rdel\x7f", 0);
    CHECK_STR(ms_buf_cstr(&b), "tab\tnl\ncr\xEF\xBF\xBD"
                               "del\xEF\xBF\xBD");
    ms_buf_reset(&b);
    rpt_id(&b, "Sts Errors/<x>");
    CHECK_STR(ms_buf_cstr(&b), "sts-errors--x-");
    ms_buf_reset(&b);
    rpt_fmt_percent(&b, 0, 7);
    ms_buf_putc(&b, ' ');
    rpt_fmt_percent(&b, 2, 3);
    ms_buf_putc(&b, ' ');
    rpt_fmt_percent(&b, 1, 2000);
    CHECK_STR(ms_buf_cstr(&b), "0.0% 66.7% 0.1%");
    CHECK(!b.oom);
    ms_buf_free(&b);
}

int main(void)
{
    test_page();
    test_errors();
    test_markup();
    return th_report("test_html");
}
