/* svg.c: inline SVG charts of report tables (bar, stacked bar, line) for the HTML writer. */
#include "analysis/svg.h"

#include <math.h>
#include <string.h>

#include "analysis/markup.h"

/* Geometry in viewBox units; the page scales the chart to its column. */
#define W             720.0
#define LABEL_X       250.0 /* row labels end here (right-aligned) */
#define LABEL_CHARS   34    /* at about 7 units a character they fit left of LABEL_X */
#define ROW_H         22.0
#define BAR_H         14.0
#define LEGEND_H      20.0
#define GROUP_BAR_H   8.0  /* one bar of a group (side-by-side shares) */
#define X_LABEL_CHARS 20   /* a time axis label: "2026-11-23T03:00:00Z" whole */
#define X_INSET       72.0 /* the first and last points, so their labels fit */

/*
 * Okabe & Ito's colour-blind safe palette, darkest first; lines also differ by
 * dash pattern so they stay apart on a grey-scale print.
 */
static const char *const PALETTE[RPT_SVG_MAX_SERIES] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#777777", "#F0E442",
};
static const char *const DASHES[4] = {"none", "7 3", "2 3", "9 3 2 3"};

/* The columns drawn: SHARE columns (by percentage) if the table has any, else COUNT columns. */
struct series {
    size_t n;
    size_t col[RPT_SVG_MAX_SERIES];
    size_t omitted;
    int percent;
};

/* A linear axis from 0 to `max` divided into `ticks` steps. */
struct scale {
    double max;
    int ticks;
    int percent;
};

static int column_has(const struct rpt_table *t, size_t c, enum rpt_cell_kind kind)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (rpt_cell_at(t, r, c)->kind == kind)
            return 1;
    return 0;
}

static void pick_series(const struct rpt_table *t, struct series *s, size_t max)
{
    static const enum rpt_cell_kind kinds[2] = {RPT_CELL_SHARE, RPT_CELL_COUNT};

    memset(s, 0, sizeof(*s));
    for (int k = 0; k < 2 && s->n == 0; k++) {
        for (size_t c = 1; c < t->ncols; c++) {
            if (!column_has(t, c, kinds[k]))
                continue;
            if (s->n < max)
                s->col[s->n++] = c;
            else
                s->omitted++;
        }
        s->percent = kinds[k] == RPT_CELL_SHARE;
    }
}

/* The drawn value of a cell of a series column; 0 with *ok = 0 for a cell of another kind. */
static double value(const struct series *s, const struct rpt_cell *c, int *ok)
{
    *ok = c->kind == (s->percent ? RPT_CELL_SHARE : RPT_CELL_COUNT);
    if (!*ok)
        return 0;
    return s->percent ? rpt_percent(c->n, c->denom) : (double)c->n;
}

/* A round maximum at or above vmax (1, 2, 2.5 or 5 times a power of ten) and its steps. */
static void scale_init(struct scale *sc, double vmax, int percent)
{
    double e, f, nf;

    sc->percent = percent;
    if (!(vmax > 0) || !isfinite(vmax))
        vmax = percent ? 100 : 5; /* all zero: the whole range, not a magnified sliver */
    if (!percent && vmax < 5)
        vmax = 5; /* whole-number ticks for small counts */
    e = pow(10, floor(log10(vmax)));
    f = vmax / e;
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    sc->max = nf * e;
    sc->ticks = nf == 2 ? 4 : 5;
    if (percent && sc->max > 100 && vmax <= 100) {
        sc->max = 100;
        sc->ticks = 5;
    }
}

static void put_tick(struct ms_buf *b, double v, int percent)
{
    if (v == floor(v))
        ms_buf_printf(b, "%.0f", v);
    else
        ms_buf_printf(b, "%.3g", v);
    if (percent)
        ms_buf_putc(b, '%');
}

/* The figure as the table prints it, for a mark's tooltip: "label — column: 3 of 4 (75.0%)". */
static void put_title(struct ms_buf *b, const struct rpt_table *t, size_t row, size_t col,
                      int with_col)
{
    ms_buf_puts(b, "<title>");
    rpt_esc(b, rpt_cell_at(t, row, 0)->text, 0);
    if (with_col) {
        ms_buf_puts(b, " \xE2\x80\x94 "); /* — */
        rpt_esc(b, t->cols[col], 0);
    }
    ms_buf_puts(b, ": ");
    rpt_fmt_cell(b, rpt_cell_at(t, row, col));
    ms_buf_puts(b, "</title>");
}

static void svg_open(struct ms_buf *b, const struct rpt_table *t, const char *kind, double h)
{
    ms_buf_printf(b,
                  "<svg class=\"chart chart-%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
                  "height=\"%.0f\" font-size=\"12\" fill=\"#222\" role=\"img\" aria-label=\"",
                  kind, W, h, W, h);
    rpt_esc(b, t->title, 0);
    ms_buf_puts(b, "\">\n");
}

static void svg_close(struct ms_buf *b, const struct rpt_table *t, size_t shown,
                      const struct series *s)
{
    ms_buf_puts(b, "</svg>\n");
    if (shown < t->nrows)
        ms_buf_printf(b,
                      "<p class=\"chartnote\">The chart shows the first %zu of %zu rows; the "
                      "table lists them all.</p>\n",
                      shown, t->nrows);
    if (s->omitted > 0)
        ms_buf_printf(b,
                      "<p class=\"chartnote\">The chart shows the first %zu columns; %zu more "
                      "are in the table.</p>\n",
                      s->n, s->omitted);
}

static int no_data(struct ms_buf *b)
{
    ms_buf_puts(b, "<p class=\"nodata\">No data to chart.</p>\n");
    return 0;
}

/* Vertical grid lines and value labels under a horizontal scale over [x0, x1]. */
static void x_axis(struct ms_buf *b, const struct scale *sc, double x0, double x1, double y0,
                   double y1)
{
    for (int i = 0; i <= sc->ticks; i++) {
        double x = x0 + (x1 - x0) * i / sc->ticks;

        ms_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x,
                      y0, x, y1, i == 0 ? "#666" : "#ddd");
        ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y1 + 15);
        put_tick(b, sc->max * i / sc->ticks, sc->percent);
        ms_buf_puts(b, "</text>\n");
    }
}

/* Horizontal grid lines and value labels left of a vertical scale over [y1 (0), y0 (max)]. */
static void y_axis(struct ms_buf *b, const struct scale *sc, double x0, double x1, double y0,
                   double y1)
{
    for (int i = 0; i <= sc->ticks; i++) {
        double y = y1 - (y1 - y0) * i / sc->ticks;

        ms_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                      x0, y, x1, y, i == 0 ? "#666" : "#ddd");
        ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x0 - 6, y + 4);
        put_tick(b, sc->max * i / sc->ticks, sc->percent);
        ms_buf_puts(b, "</text>\n");
    }
}

/* A legend of the series' column names from y on, wrapped to the width; returns its bottom. */
static double legend(struct ms_buf *b, const struct rpt_table *t, const struct series *s, double y,
                     int lines)
{
    double x = 8;

    for (size_t k = 0; k < s->n; k++) {
        const char *name = t->cols[s->col[k]];
        size_t len = strlen(name) < LABEL_CHARS ? strlen(name) : LABEL_CHARS;
        double w = 22 + 7.0 * (double)len;

        if (x > 8 && x + w > W - 8) {
            x = 8;
            y += LEGEND_H;
        }
        if (lines)
            ms_buf_printf(b,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>",
                          x, y + 7, x + 16, y + 7, PALETTE[k], DASHES[k % 4]);
        else
            ms_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>",
                          x, y + 1, PALETTE[k]);
        ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 19, y + 11);
        rpt_esc(b, name, LABEL_CHARS);
        ms_buf_puts(b, "</text>\n");
        x += w + 14;
    }
    return y + LEGEND_H + 4;
}

/* The label of a row of height h at y, right-aligned, vertically centred. */
static void row_label(struct ms_buf *b, const struct rpt_table *t, size_t row, double y, double h)
{
    ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", LABEL_X, y + h / 2 + 4);
    rpt_esc(b, rpt_cell_at(t, row, 0)->text, LABEL_CHARS);
    ms_buf_puts(b, "</text>");
}

/* One horizontal bar at height y, its length v on scale sc over [x0, x1], with its value. */
static void bar_row(struct ms_buf *b, const struct rpt_table *t, const struct series *s, size_t row,
                    const struct scale *sc, double x0, double x1, double y)
{
    const struct rpt_cell *c = rpt_cell_at(t, row, s->col[0]);
    int ok;
    double v = value(s, c, &ok), w = (x1 - x0) * v / sc->max;

    ms_buf_puts(b, "<g>"); /* the tooltip names the row in full, even where the label is cut */
    put_title(b, t, row, s->col[0], 0);
    row_label(b, t, row, y, ROW_H);
    if (ok) {
        ms_buf_printf(b,
                      "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
                      "fill=\"%s\" data-v=\"%.6g\"/>",
                      x0, y + (ROW_H - BAR_H) / 2, w, BAR_H, PALETTE[0], v);
        ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x0 + w + 4, y + ROW_H / 2 + 4);
        if (s->percent)
            rpt_fmt_percent(b, c->n, c->denom);
        else
            put_tick(b, v, 0);
        ms_buf_puts(b, "</text>");
    }
    ms_buf_puts(b, "</g>\n");
}

static int bar_chart(struct ms_buf *b, const struct rpt_table *t)
{
    struct series s;
    struct scale sc;
    size_t n = t->nrows < RPT_SVG_MAX_BARS ? t->nrows : RPT_SVG_MAX_BARS;
    double vmax = 0, x0 = LABEL_X + 8, x1 = W - 60, top = 8;
    int ok;

    pick_series(t, &s, 1);
    if (s.n == 0 || n == 0)
        return no_data(b);
    for (size_t r = 0; r < n; r++)
        vmax = fmax(vmax, value(&s, rpt_cell_at(t, r, s.col[0]), &ok));
    scale_init(&sc, vmax, s.percent);
    svg_open(b, t, "bar", top + (double)n * ROW_H + 24);
    x_axis(b, &sc, x0, x1, top, top + (double)n * ROW_H);
    for (size_t r = 0; r < n; r++)
        bar_row(b, t, &s, r, &sc, x0, x1, top + (double)r * ROW_H);
    svg_close(b, t, n, &s);
    return 1;
}

/* One stacked bar: a segment per series, each as long as its value on sc. */
static void stack_row(struct ms_buf *b, const struct rpt_table *t, const struct series *s,
                      size_t row, const struct scale *sc, double x0, double x1, double y)
{
    double x = x0;
    int ok;

    ms_buf_puts(b, "<g>");
    row_label(b, t, row, y, ROW_H);
    for (size_t k = 0; k < s->n; k++) {
        double v = value(s, rpt_cell_at(t, row, s->col[k]), &ok), w = (x1 - x0) * v / sc->max;

        if (!ok)
            continue;
        ms_buf_printf(b,
                      "<rect class=\"mark\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
                      "fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\" data-v=\"%.6g\">",
                      x, y + (ROW_H - BAR_H) / 2, w, BAR_H, PALETTE[k], v);
        put_title(b, t, row, s->col[k], 1);
        ms_buf_puts(b, "</rect>");
        x += w;
    }
    ms_buf_puts(b, "</g>\n");
}

/*
 * Whether each row's shares are parts of one whole: one denominator, adding up
 * to at most all of it. Only then is a stack honest; overlapping shares
 * (STARTTLS, MTA-STS and DANE of the same domains) or shares of different
 * wholes are drawn side by side instead. Counts are taken as parts.
 */
static int parts_of_whole(const struct rpt_table *t, const struct series *s, size_t nrows)
{
    for (size_t r = 0; r < nrows && s->percent; r++) {
        uint64_t denom = 0, sum = 0;
        int first = 1;

        for (size_t k = 0; k < s->n; k++) {
            const struct rpt_cell *c = rpt_cell_at(t, r, s->col[k]);

            if (c->kind != RPT_CELL_SHARE)
                continue;
            if (!first && c->denom != denom)
                return 0;
            denom = c->denom;
            first = 0;
            sum += c->n;
        }
        if (sum > denom)
            return 0;
    }
    return 1;
}

/* One group of thin bars, one per series, each against the whole scale. */
static void group_row(struct ms_buf *b, const struct rpt_table *t, const struct series *s,
                      size_t row, const struct scale *sc, const double box[2], double y)
{
    double h = (double)s->n * GROUP_BAR_H + 8;
    int ok;

    ms_buf_puts(b, "<g>");
    row_label(b, t, row, y, h);
    for (size_t k = 0; k < s->n; k++) {
        double v = value(s, rpt_cell_at(t, row, s->col[k]), &ok);

        if (!ok)
            continue;
        ms_buf_printf(b,
                      "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
                      "fill=\"%s\" data-v=\"%.6g\">",
                      box[0], y + 4 + (double)k * GROUP_BAR_H, (box[1] - box[0]) * v / sc->max,
                      GROUP_BAR_H - 1, PALETTE[k], v);
        put_title(b, t, row, s->col[k], 1);
        ms_buf_puts(b, "</rect>");
    }
    ms_buf_puts(b, "</g>\n");
}

static int grouped_chart(struct ms_buf *b, const struct rpt_table *t, const struct series *s)
{
    struct scale sc;
    struct ms_buf body;
    size_t n = t->nrows < RPT_SVG_MAX_GROUPS ? t->nrows : RPT_SVG_MAX_GROUPS;
    double vmax = 0, h = (double)s->n * GROUP_BAR_H + 8, box[2] = {LABEL_X + 8, W - 24}, top;
    int ok;

    for (size_t r = 0; r < n; r++)
        for (size_t k = 0; k < s->n; k++)
            vmax = fmax(vmax, value(s, rpt_cell_at(t, r, s->col[k]), &ok));
    scale_init(&sc, vmax, s->percent);
    ms_buf_init(&body);
    top = legend(&body, t, s, 4, 0);
    x_axis(&body, &sc, box[0], box[1], top, top + (double)n * h);
    for (size_t r = 0; r < n; r++)
        group_row(&body, t, s, r, &sc, box, top + (double)r * h);
    svg_open(b, t, "grouped", top + (double)n * h + 24);
    ms_buf_append(b, body.data, body.len);
    b->oom |= body.oom;
    ms_buf_free(&body);
    svg_close(b, t, n, s);
    ms_buf_puts(b, "<p class=\"chartnote\">These shares overlap or have different wholes, so "
                   "they are drawn side by side rather than stacked.</p>\n");
    return 1;
}

static int stacked_chart(struct ms_buf *b, const struct rpt_table *t)
{
    struct series s;
    struct scale sc;
    struct ms_buf body;
    size_t n = t->nrows < RPT_SVG_MAX_BARS ? t->nrows : RPT_SVG_MAX_BARS;
    double vmax = 0, x0 = LABEL_X + 8, x1 = W - 24, top;
    int ok;

    pick_series(t, &s, RPT_SVG_MAX_SERIES);
    if (s.n == 0 || n == 0)
        return no_data(b);
    if (!parts_of_whole(t, &s, n))
        return grouped_chart(b, t, &s);
    for (size_t r = 0; r < n; r++) {
        double sum = 0;

        for (size_t k = 0; k < s.n; k++)
            sum += value(&s, rpt_cell_at(t, r, s.col[k]), &ok);
        vmax = fmax(vmax, sum);
    }
    /* Shares of one whole read against all of it: a 0-100% axis unless they overlap past it. */
    scale_init(&sc, s.percent && vmax <= 100 ? 100 : vmax, s.percent);
    ms_buf_init(&body); /* the legend's height is known once it is laid out */
    top = legend(&body, t, &s, 4, 0);
    x_axis(&body, &sc, x0, x1, top, top + (double)n * ROW_H);
    for (size_t r = 0; r < n; r++)
        stack_row(&body, t, &s, r, &sc, x0, x1, top + (double)r * ROW_H);
    svg_open(b, t, "stacked", top + (double)n * ROW_H + 24);
    ms_buf_append(b, body.data, body.len);
    b->oom |= body.oom;
    ms_buf_free(&body);
    svg_close(b, t, n, &s);
    return 1;
}

/* x of point i of n over [x0, x1], inset so that the first and last labels fit. */
static double point_x(size_t i, size_t n, double x0, double x1)
{
    return n < 2 ? (x0 + x1) / 2
                 : x0 + X_INSET + (x1 - x0 - 2 * X_INSET) * (double)i / (double)(n - 1);
}

/* One series as a path broken where a cell has no value, and a marker per point. */
static void line_series(struct ms_buf *b, const struct rpt_table *t, const struct series *s,
                        size_t k, const struct scale *sc, const double box[4])
{
    int ok, pen = 0;

    ms_buf_printf(b,
                  "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                  "stroke-dasharray=\"%s\" d=\"",
                  PALETTE[k], DASHES[k % 4]);
    for (size_t r = 0; r < t->nrows; r++) {
        double v = value(s, rpt_cell_at(t, r, s->col[k]), &ok);

        if (ok)
            ms_buf_printf(b, "%s%.1f %.1f ", pen ? "L" : "M", point_x(r, t->nrows, box[0], box[1]),
                          box[3] - (box[3] - box[2]) * v / sc->max);
        pen = ok;
    }
    ms_buf_puts(b, "\"/>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        double v = value(s, rpt_cell_at(t, r, s->col[k]), &ok);

        if (!ok)
            continue;
        ms_buf_printf(b,
                      "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" "
                      "data-v=\"%.6g\">",
                      point_x(r, t->nrows, box[0], box[1]),
                      box[3] - (box[3] - box[2]) * v / sc->max, PALETTE[k], v);
        put_title(b, t, r, s->col[k], 1);
        ms_buf_puts(b, "</circle>\n");
    }
}

/* Labels of the points under the x axis, every step-th one so that they do not overlap. */
static void x_labels(struct ms_buf *b, const struct rpt_table *t, const double box[4])
{
    size_t longest = 0, step;
    double gap = t->nrows > 1 ? (box[1] - box[0] - 2 * X_INSET) / (double)(t->nrows - 1) : W;

    for (size_t r = 0; r < t->nrows; r++) {
        const char *l = rpt_cell_at(t, r, 0)->text;
        size_t len = l != NULL ? strlen(l) : 0;

        longest = len > longest ? len : longest;
    }
    longest = longest < X_LABEL_CHARS ? longest : X_LABEL_CHARS;
    step = (size_t)ceil((7.0 * (double)longest + 12) / gap);
    for (size_t r = 0; r<t->nrows; r += step> 0 ? step : 1) {
        ms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      point_x(r, t->nrows, box[0], box[1]), box[3] + 16);
        rpt_esc(b, rpt_cell_at(t, r, 0)->text, X_LABEL_CHARS);
        ms_buf_puts(b, "</text>\n");
    }
}

static int line_chart(struct ms_buf *b, const struct rpt_table *t)
{
    struct series s;
    struct scale sc;
    struct ms_buf body;
    double vmax = 0, box[4]; /* x0, x1, y0 (top), y1 (the axis) */
    int ok;

    pick_series(t, &s, RPT_SVG_MAX_SERIES);
    if (s.n == 0 || t->nrows == 0)
        return no_data(b);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t k = 0; k < s.n; k++)
            vmax = fmax(vmax, value(&s, rpt_cell_at(t, r, s.col[k]), &ok));
    scale_init(&sc, vmax, s.percent);
    ms_buf_init(&body);
    box[0] = 64;
    box[1] = W - 16;
    box[2] = legend(&body, t, &s, 4, 1) + 6;
    box[3] = box[2] + 220;
    y_axis(&body, &sc, box[0], box[1], box[2], box[3]);
    x_labels(&body, t, box);
    for (size_t k = 0; k < s.n; k++)
        line_series(&body, t, &s, k, &sc, box);
    svg_open(b, t, "line", box[3] + 26);
    ms_buf_append(b, body.data, body.len);
    b->oom |= body.oom;
    ms_buf_free(&body);
    svg_close(b, t, t->nrows, &s);
    return 1;
}

int rpt_svg_chart(struct ms_buf *b, const struct rpt_table *t)
{
    switch (t->chart) {
    case RPT_CHART_BAR:
        return bar_chart(b, t);
    case RPT_CHART_STACKED:
        return stacked_chart(b, t);
    case RPT_CHART_LINE:
        return line_chart(b, t);
    default:
        return 0;
    }
}
