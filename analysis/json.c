/* json.c: the report as JSON (RFC 8259): every figure with its count and denominator. */
#include <stdio.h>

#include "analysis/writers.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "output/json.h"

static const char *const chart_names[] = {"none", "bar", "stacked", "line"};

/* Writes and empties `b` when it grew past a few KiB (or at the end: `force`). */
static int flush(struct ms_buf *b, FILE *fp, int force)
{
    if (b->oom)
        return MS_ENOMEM;
    if (!force && b->len < 16384)
        return 0;
    if (b->len > 0 && fwrite(b->data, 1, b->len, fp) != b->len)
        return MS_EIO;
    ms_buf_reset(b);
    return 0;
}

/* A cell: text as a string, a count as {"n"}, a share as {"n","denom","percent"}, empty as null. */
static void cell(struct ms_buf *b, const struct rpt_cell *c)
{
    switch (c->kind) {
    case RPT_CELL_TEXT:
        out_json_str(b, c->text);
        return;
    case RPT_CELL_COUNT:
        ms_buf_putc(b, '{');
        out_json_kv_u64(b, "n", c->n);
        ms_buf_putc(b, '}');
        return;
    case RPT_CELL_SHARE:
        ms_buf_putc(b, '{');
        out_json_kv_u64(b, "n", c->n);
        out_json_kv_u64(b, "denom", c->denom);
        out_json_key(b, "percent");
        ms_buf_printf(b, "%.2f", rpt_percent(c->n, c->denom));
        ms_buf_putc(b, '}');
        return;
    case RPT_CELL_NUMBER:
        ms_buf_putc(b, '{');
        out_json_key(b, "value");
        ms_buf_printf(b, "%.17g", c->value);
        if (c->text != NULL)
            out_json_kv_str(b, "unit", c->text);
        ms_buf_putc(b, '}');
        return;
    default:
        ms_buf_puts(b, "null");
    }
}

static void opt_str(struct ms_buf *b, const char *key, const char *val)
{
    out_json_key(b, key);
    if (val != NULL)
        out_json_str(b, val);
    else
        ms_buf_puts(b, "null");
}

static int table(struct ms_buf *b, const struct rpt_table *t, FILE *fp)
{
    int rc;

    ms_buf_putc(b, '{');
    out_json_kv_str(b, "id", t->id);
    out_json_kv_str(b, "title", t->title);
    opt_str(b, "note", t->note);
    out_json_kv_str(b, "chart", chart_names[t->chart <= RPT_CHART_LINE ? t->chart : 0]);
    out_json_key(b, "columns");
    ms_buf_putc(b, '[');
    for (size_t i = 0; i < t->ncols; i++) {
        if (i > 0)
            ms_buf_putc(b, ',');
        out_json_str(b, t->cols[i]);
    }
    ms_buf_puts(b, "],\"rows\":[");
    for (size_t row = 0; row < t->nrows; row++) {
        ms_buf_puts(b, row > 0 ? ",\n[" : "\n[");
        for (size_t col = 0; col < t->ncols; col++) {
            if (col > 0)
                ms_buf_putc(b, ',');
            cell(b, rpt_cell_at(t, row, col));
        }
        ms_buf_putc(b, ']');
        rc = flush(b, fp, 0);
        if (rc != 0)
            return rc;
    }
    ms_buf_puts(b, "]}");
    return flush(b, fp, 0);
}

int rpt_write_json(const struct rpt_report *r, FILE *fp)
{
    struct ms_buf b;
    int rc = 0;

    if (r->oom)
        return MS_ENOMEM;
    ms_buf_init(&b);
    ms_buf_putc(&b, '{');
    out_json_kv_str(&b, "title", r->title);
    out_json_key(&b, "methodology");
    ms_buf_putc(&b, '[');
    for (size_t i = 0; i < r->nfacts; i++) {
        ms_buf_puts(&b, i > 0 ? ",\n{" : "\n{");
        out_json_kv_str(&b, "key", r->facts[i].key);
        out_json_kv_str(&b, "value", r->facts[i].value);
        ms_buf_putc(&b, '}');
    }
    ms_buf_puts(&b, "],\n\"sections\":[");
    for (size_t i = 0; i < r->nsections && rc == 0; i++) {
        const struct rpt_section *s = r->sections[i];

        ms_buf_puts(&b, i > 0 ? ",\n{" : "\n{");
        out_json_kv_str(&b, "id", s->id);
        out_json_kv_str(&b, "title", s->title);
        opt_str(&b, "intro", s->intro);
        ms_buf_puts(&b, ",\"tables\":[");
        for (size_t j = 0; j < s->ntables && rc == 0; j++) {
            if (j > 0)
                ms_buf_putc(&b, ',');
            rc = table(&b, s->tables[j], fp);
        }
        ms_buf_puts(&b, "]}");
    }
    ms_buf_puts(&b, "]}\n");
    if (rc == 0)
        rc = flush(&b, fp, 1);
    ms_buf_free(&b);
    if (rc == 0 && fflush(fp) != 0)
        rc = MS_EIO;
    return rc;
}
