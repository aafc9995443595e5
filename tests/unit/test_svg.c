/* test_svg.c: unit tests of the SVG charts: proportional marks, axes, legends, no data, no NaN. */
#include <stdlib.h>
#include <string.h>

#include "analysis/svg.h"
#include "tests/unit/harness.h"
#include "tests/unit/markup_check.h"

/* One drawn value: the numeric attributes of a shape of class "mark". */
struct mark {
    double x, y, w, cx, cy, v;
};

static double attr(const char *tag, const char *end, const char *name)
{
    char key[16];
    const char *p;

    snprintf(key, sizeof(key), " %s=\"", name);
    p = strstr(tag, key);
    return p != NULL && p < end ? strtod(p + strlen(key), NULL) : -1;
}

/* Reads up to `max` marks of `svg` in order; returns how many there are. */
static size_t marks(const char *svg, struct mark *m, size_t max)
{
    size_t n = 0;

    for (const char *p = strstr(svg, "class=\"mark\""); p != NULL;
         p = strstr(p + 1, "class=\"mark\"")) {
        const char *end = strchr(p, '>');

        if (n < max) {
            m[n].x = attr(p, end, "x");
            m[n].y = attr(p, end, "y");
            m[n].w = attr(p, end, "width");
            m[n].cx = attr(p, end, "cx");
            m[n].cy = attr(p, end, "cy");
            m[n].v = attr(p, end, "data-v");
        }
        n++;
    }
    return n;
}

static int near(double a, double b)
{
    return a - b < 0.02 && b - a < 0.02;
}

/* A finite, well-formed chart: tags nest, no NaN or infinity anywhere. */
static void check_clean(const char *svg)
{
    CHECK(mc_tags_balanced(svg) == 0);
    CHECK(mc_entities_ok(svg) == 0);
    CHECK(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
    CHECK(strstr(svg, "NaN") == NULL && strstr(svg, "-0.0") == NULL);
}

static void test_bar_shares(void)
{
    static const char *const cols[] = {"measure", "label", "domains", "count", NULL};
    static const uint64_t n[] = {1, 2, 4, 0, 3};
    struct rpt_report r;
    struct rpt_table *t;
    struct ms_buf b;
    struct mark m[8];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "bar", "Bar", NULL, RPT_CHART_BAR, cols);
    for (size_t i = 0; i < 5; i++) {
        struct rpt_cell *row = rpt_row(&r, t, i == 4 ? "a <b> & \"c\"" : "row");

        rpt_set_text(&r, &row[1], "text first"); /* the first SHARE column is drawn */
        rpt_set_share(&row[2], n[i], i == 3 ? 0 : 8);
        rpt_set_count(&row[3], 1000);
    }
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    CHECK_INT(marks(b.data, m, 8), 5);
    /* Lengths proportional to the shares (12.5%, 25%, 50%, 0 for an empty denominator, 37.5%). */
    CHECK(m[0].w > 0 && near(m[1].w / m[0].w, 2) && near(m[2].w / m[0].w, 4));
    CHECK(near(m[4].w / m[0].w, 3) && m[3].w == 0);
    CHECK(near(m[0].v, 12.5) && near(m[2].v, 50) && m[3].v == 0);
    CHECK(m[0].x == m[1].x && m[1].y > m[0].y); /* one column of bars, one row each */
    /* The axis: a 0-50% scale (the largest share rounds up to 50). */
    CHECK(strstr(b.data, ">0%</text>") != NULL && strstr(b.data, ">50%</text>") != NULL);
    CHECK(strstr(b.data, ">60%</text>") == NULL);
    CHECK(strstr(b.data, "<title>row: 2 of 8 (25.0%)</title>") != NULL);
    CHECK(strstr(b.data, ">a &lt;b&gt; &amp; &quot;c&quot;</text>") != NULL);
    CHECK(strstr(b.data, "role=\"img\" aria-label=\"Bar\"") != NULL);
    ms_buf_free(&b);
    rpt_free(&r);
}

static void test_bar_counts(void)
{
    static const char *const cols[] = {"issuer", "hosts", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct ms_buf b;
    struct mark m[RPT_SVG_MAX_BARS + 1];
    char label[64];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "c", "Counts", NULL, RPT_CHART_BAR, cols);
    for (size_t i = 0; i < RPT_SVG_MAX_BARS + 5; i++) {
        snprintf(label, sizeof(label), "a label much longer than thirty-four characters %zu", i);
        rpt_set_count(&rpt_row(&r, t, label)[1], 10 * (i + 1));
    }
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    CHECK_INT(marks(b.data, m, RPT_SVG_MAX_BARS + 1), RPT_SVG_MAX_BARS);
    CHECK(near(m[RPT_SVG_MAX_BARS - 1].w / m[0].w, RPT_SVG_MAX_BARS));
    CHECK(strstr(b.data, "the first 40 of 45 rows") != NULL);
    CHECK(strstr(b.data, ">a label much longer than thirty-f\xE2\x80\xA6</text>") != NULL);
    CHECK(strstr(b.data, ">400</text>") != NULL); /* the largest count drawn, beside its bar */
    CHECK(strstr(b.data, ">450") == NULL);        /* rows past the cap are not drawn */
    ms_buf_free(&b);
    rpt_free(&r);
}

static void test_stacked(void)
{
    static const char *const cols[] = {"TLD", "enforce", "testing", "none", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct rpt_cell *row;
    struct ms_buf b;
    struct mark m[8];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "st", "Modes", NULL, RPT_CHART_STACKED,
                  cols);
    row = rpt_row(&r, t, "nl");
    rpt_set_share(&row[1], 1, 4);
    rpt_set_share(&row[2], 1, 4);
    rpt_set_share(&row[3], 2, 4);
    row = rpt_row(&r, t, "de");
    rpt_set_share(&row[1], 1, 10);
    rpt_set_share(&row[3], 3, 10); /* "testing" missing: no segment */
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    CHECK_INT(marks(b.data, m, 8), 5);
    /* Segments follow each other; a whole row (100%) spans the full 0-100% axis. */
    CHECK(near(m[1].x, m[0].x + m[0].w) && near(m[2].x, m[1].x + m[1].w));
    CHECK(near(m[2].w, 2 * m[0].w) && near(m[0].w, 0.25 * (m[0].w + m[1].w + m[2].w)));
    CHECK(near(m[3].w / (m[0].w + m[1].w + m[2].w), 0.1) && near(m[4].x, m[3].x + m[3].w));
    CHECK(strstr(b.data, ">100%</text>") != NULL);
    /* A legend names every column with its colour. */
    CHECK(strstr(b.data, ">enforce</text>") != NULL && strstr(b.data, ">testing</text>") != NULL);
    CHECK(strstr(b.data, ">none</text>") != NULL);
    CHECK(strstr(b.data, "<title>de \xE2\x80\x94 none: 3 of 10 (30.0%)</title>") != NULL);
    ms_buf_free(&b);
    rpt_free(&r);
}

static void test_grouped(void)
{
    static const char *const cols[] = {"provider", "STARTTLS", "MTA-STS", "DANE", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct rpt_cell *row;
    struct ms_buf b;
    struct mark m[8];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "g", "By provider", NULL, RPT_CHART_STACKED,
                  cols);
    row = rpt_row(&r, t, "a.example"); /* overlapping shares of one whole: 125% together */
    rpt_set_share(&row[1], 90, 100);
    rpt_set_share(&row[2], 20, 100);
    rpt_set_share(&row[3], 15, 100);
    row = rpt_row(&r, t, "b.example");
    rpt_set_share(&row[1], 1, 2);
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    CHECK(strstr(b.data, "<svg class=\"chart chart-grouped\"") != NULL);
    CHECK(strstr(b.data, "drawn side by side rather than stacked") != NULL);
    CHECK_INT(marks(b.data, m, 8), 4);
    /* Side by side: every bar starts at the axis, lengths proportional to the shares. */
    CHECK(m[0].x == m[1].x && m[1].x == m[2].x && m[2].x == m[3].x);
    CHECK(near(m[0].w / m[1].w, 4.5) && near(m[1].w / m[2].w, 20.0 / 15));
    CHECK(near(m[3].w / m[0].w, 50.0 / 90) && m[1].y > m[0].y && m[3].y > m[2].y);
    CHECK(strstr(b.data, ">100%</text>") != NULL);
    /* Parts with different denominators are not one whole either, even under 100% together. */
    t = rpt_table(&r, rpt_section(&r, "s2", "S", NULL), "g2", "Wholes", NULL, RPT_CHART_STACKED,
                  cols);
    row = rpt_row(&r, t, "c.example");
    rpt_set_share(&row[1], 1, 4);
    rpt_set_share(&row[2], 1, 5);
    ms_buf_reset(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    CHECK(strstr(b.data, "chart-grouped") != NULL);
    ms_buf_free(&b);
    rpt_free(&r);
}

/* y of the line chart's horizontal axis (the dark grid line at 0). */
static double axis_y(const char *svg)
{
    for (const char *p = strstr(svg, "<line "); p != NULL; p = strstr(p + 1, "<line ")) {
        const char *end = strchr(p, '>');
        const char *dark = strstr(p, "stroke=\"#666\"");

        if (dark != NULL && dark < end)
            return attr(p, end, "y1");
    }
    return -1;
}

/* Number of pen moves ("M") in the d attributes of the chart's paths. */
static int path_moves(const char *svg)
{
    int n = 0;

    for (const char *p = strstr(svg, " d=\""); p != NULL; p = strstr(p + 1, " d=\""))
        for (const char *q = p + 4; *q != '"' && *q != '\0'; q++)
            n += *q == 'M';
    return n;
}

static void test_line(void)
{
    static const char *const cols[] = {"scan", "MTA-STS", "DANE", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct rpt_cell *row;
    struct ms_buf b;
    struct mark m[8];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "tr", "Trend", NULL, RPT_CHART_LINE, cols);
    for (int i = 0; i < 3; i++) {
        row = rpt_row(&r, t, i == 0 ? "2026-11-09" : i == 1 ? "2026-11-16" : "2026-11-23");
        rpt_set_share(&row[1], (uint64_t)(10 * (i + 1)), 100);
        if (i != 1) /* DANE missing in the middle scan: its line breaks */
            rpt_set_share(&row[2], 5, 100);
    }
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    CHECK_INT(marks(b.data, m, 8), 5);
    /* Rising shares rise on the page (smaller y), evenly spaced in time. */
    CHECK(m[0].cy > m[1].cy && m[1].cy > m[2].cy);
    CHECK(near(m[1].cx - m[0].cx, m[2].cx - m[1].cx) && m[2].cx > m[1].cx);
    CHECK(near(m[3].cy, m[4].cy) && m[3].cx == m[0].cx && m[4].cx == m[2].cx);
    /* Heights above the axis (0%) proportional to the values: 30% stands 3 times as high as 10%. */
    CHECK(near((axis_y(b.data) - m[2].cy) / (axis_y(b.data) - m[0].cy), 3));
    CHECK_INT(mc_count(b.data, "<path class=\"line\""), 2);
    CHECK_INT(path_moves(b.data), 3); /* the first series, then the second twice */
    CHECK(strstr(b.data, ">2026-11-16</text>") != NULL);
    CHECK(strstr(b.data, ">MTA-STS</text>") != NULL && strstr(b.data, ">DANE</text>") != NULL);
    ms_buf_free(&b);
    rpt_free(&r);
}

static void test_time_axis(void)
{
    static const char *const cols[] = {"scan", "MTA-STS", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct ms_buf b;
    char label[32];

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "tr", "Weekly", NULL, RPT_CHART_LINE, cols);
    for (int i = 0; i < 30; i++) {
        snprintf(label, sizeof(label), "2026-%02d-01T03:00:00Z", 1 + i % 12);
        rpt_set_share(&rpt_row(&r, t, label)[1], (uint64_t)i, 30);
    }
    ms_buf_init(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 1);
    check_clean(ms_buf_cstr(&b));
    /* Whole time stamps under the axis, only as many as fit side by side (about 130 units each). */
    CHECK(strstr(b.data, ">2026-01-01T03:00:00Z</text>") != NULL);
    CHECK(mc_count(b.data, "T03:00:00Z</text>") >= 3 && mc_count(b.data, "T03:00:00Z</text>") <= 5);
    CHECK_INT(mc_count(b.data, "<circle class=\"mark\""), 30);
    ms_buf_free(&b);
    rpt_free(&r);
}

static void test_no_data(void)
{
    static const char *const cols[] = {"name", "value", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct ms_buf b;
    enum rpt_chart kinds[3] = {RPT_CHART_BAR, RPT_CHART_STACKED, RPT_CHART_LINE};

    rpt_init(&r, "t");
    ms_buf_init(&b);
    for (int k = 0; k < 3; k++) {
        t = rpt_table(&r, rpt_section(&r, "s", "S", NULL), "e", "E", NULL, kinds[k], cols);
        ms_buf_reset(&b);
        CHECK_INT(rpt_svg_chart(&b, t), 0); /* no rows */
        CHECK_STR(ms_buf_cstr(&b), "<p class=\"nodata\">No data to chart.</p>\n");
        rpt_set_text(&r, &rpt_row(&r, t, "x")[1], "text only");
        ms_buf_reset(&b);
        CHECK_INT(rpt_svg_chart(&b, t), 0); /* nothing numeric */
        CHECK(strstr(ms_buf_cstr(&b), "<svg") == NULL);
        rpt_set_share(&rpt_row(&r, t, "zero")[1], 0, 0);
        ms_buf_reset(&b);
        CHECK_INT(rpt_svg_chart(&b, t), 1); /* 0 of 0 is drawn as nothing, not as NaN */
        check_clean(ms_buf_cstr(&b));
        CHECK(strstr(b.data, ">100%</text>") != NULL); /* all zero: the whole 0-100% range */
    }
    t->chart = RPT_CHART_NONE;
    ms_buf_reset(&b);
    CHECK_INT(rpt_svg_chart(&b, t), 0);
    CHECK_INT(b.len, 0);
    CHECK(!b.oom && !r.oom);
    ms_buf_free(&b);
    rpt_free(&r);
}

int main(void)
{
    test_bar_shares();
    test_bar_counts();
    test_stacked();
    test_grouped();
    test_time_axis();
    test_line();
    test_no_data();
    return th_report("test_svg");
}
