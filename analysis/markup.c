/* markup.c: escaping of untrusted text and formatting of figures for the HTML page and its SVG
 * charts.
 */
#include "analysis/markup.h"

#include <inttypes.h>
#include <math.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Length of the well-formed UTF-8 sequence at `p` (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one.
 */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Appends one code point's worth of `p` (of length n, a valid sequence) escaped. */
static void esc_one(struct ms_buf *b, const unsigned char *p, size_t n)
{
    if (n > 1) {
        ms_buf_append(b, p, n);
        return;
    }
    switch (p[0]) {
    case '&':
        ms_buf_puts(b, "&amp;");
        break;
    case '<':
        ms_buf_puts(b, "&lt;");
        break;
    case '>':
        ms_buf_puts(b, "&gt;");
        break;
    case '"':
        ms_buf_puts(b, "&quot;");
        break;
    case '\'':
        ms_buf_puts(b, "&#39;");
        break;
    default:
        if ((p[0] < 0x20 && p[0] != '\t' && p[0] != '\n') || p[0] == 0x7F)
            ms_buf_puts(b, REPLACEMENT);
        else
            ms_buf_putc(b, (char)p[0]);
    }
}

/* Number of code points in `s`, counting each invalid byte as one (as esc_one prints it). */
static size_t code_points(const unsigned char *s)
{
    size_t n = 0, len;

    for (; *s != '\0'; s += len, n++) {
        len = utf8_len(s);
        if (len == 0)
            len = 1;
    }
    return n;
}

void rpt_esc(struct ms_buf *b, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t keep, len;

    if (s == NULL)
        return;
    keep = max > 0 && code_points(p) > max ? max - 1 : SIZE_MAX;
    for (; *p != '\0' && keep > 0; p += len, keep--) {
        len = utf8_len(p);
        if (len == 0) {
            ms_buf_puts(b, REPLACEMENT);
            len = 1;
        } else {
            esc_one(b, p, len);
        }
    }
    if (*p != '\0')
        ms_buf_puts(b, "\xE2\x80\xA6"); /* … */
}

void rpt_id(struct ms_buf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        char c = *s;

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        ms_buf_putc(
            b, (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ? c : '-');
    }
}

void rpt_fmt_percent(struct ms_buf *b, uint64_t n, uint64_t d)
{
    double p = rpt_percent(n, d);

    if (d == 0)
        ms_buf_puts(b, "n/a");
    else if (n > 0 && p < 0.05)
        ms_buf_puts(b, "&lt;0.1%");
    else
        ms_buf_printf(b, "%.1f%%", p);
}

/* Appends a finite number: integral values without decimals, others with two. */
static void fmt_number(struct ms_buf *b, double v)
{
    if (!isfinite(v))
        ms_buf_puts(b, "n/a");
    else if (v == floor(v) && fabs(v) < 1e15)
        ms_buf_printf(b, "%.0f", v);
    else
        ms_buf_printf(b, "%.2f", v);
}

void rpt_fmt_cell(struct ms_buf *b, const struct rpt_cell *c)
{
    switch (c->kind) {
    case RPT_CELL_EMPTY:
        break;
    case RPT_CELL_TEXT:
        rpt_esc(b, c->text, 0);
        break;
    case RPT_CELL_COUNT:
        ms_buf_printf(b, "%" PRIu64, c->n);
        break;
    case RPT_CELL_SHARE:
        ms_buf_printf(b, "%" PRIu64 " of %" PRIu64 " (", c->n, c->denom);
        rpt_fmt_percent(b, c->n, c->denom);
        ms_buf_putc(b, ')');
        break;
    case RPT_CELL_NUMBER:
        fmt_number(b, c->value);
        if (c->text != NULL && isfinite(c->value)) {
            ms_buf_putc(b, ' ');
            rpt_esc(b, c->text, 0);
        }
        break;
    }
}

double rpt_cell_value(const struct rpt_cell *c, int *ok)
{
    *ok = 1;
    switch (c->kind) {
    case RPT_CELL_COUNT:
        return (double)c->n;
    case RPT_CELL_SHARE:
        return rpt_percent(c->n, c->denom);
    case RPT_CELL_NUMBER:
        if (isfinite(c->value))
            return c->value;
        break;
    default:
        break;
    }
    *ok = 0;
    return 0;
}
