/* csv.c: the report as CSV aggregates (RFC 4180): one row per figure, for spreadsheets. */
#include <stdio.h>
#include <string.h>

#include "analysis/writers.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "output/csv.h"

static const char *const kind_names[] = {"empty", "text", "count", "share", "number"};

/*
 * A text field: RFC 4180 quoting (out_csv_field), and a leading ' before a
 * text starting with = + - @ TAB or CR, which spreadsheets would otherwise
 * run as a formula (OWASP "CSV injection"); scan data is untrusted.
 */
static void text_field(struct ms_buf *b, const char *s)
{
    struct ms_buf g;

    if (s == NULL || *s == '\0' || strchr("=+-@\t\r", *s) == NULL) {
        out_csv_field(b, s);
        return;
    }
    ms_buf_init(&g);
    ms_buf_putc(&g, '\'');
    ms_buf_puts(&g, s);
    if (g.oom)
        b->oom = 1;
    else
        out_csv_field(b, ms_buf_cstr(&g));
    ms_buf_free(&g);
}

/* The fields of one CSV row after section,table,row: column and the cell's values. */
static void csv_cell(struct ms_buf *b, const char *column, const struct rpt_cell *c)
{
    text_field(b, column);
    ms_buf_putc(b, ',');
    out_csv_field(b, kind_names[c->kind <= RPT_CELL_NUMBER ? c->kind : 0]);
    ms_buf_putc(b, ',');
    if (c->kind == RPT_CELL_COUNT || c->kind == RPT_CELL_SHARE)
        ms_buf_printf(b, "%llu", (unsigned long long)c->n);
    ms_buf_putc(b, ',');
    if (c->kind == RPT_CELL_SHARE)
        ms_buf_printf(b, "%llu,%.2f", (unsigned long long)c->denom, rpt_percent(c->n, c->denom));
    else
        ms_buf_putc(b, ',');
    ms_buf_putc(b, ',');
    if (c->kind == RPT_CELL_NUMBER)
        ms_buf_printf(b, "%.17g", c->value);
    ms_buf_putc(b, ',');
    text_field(b, c->kind == RPT_CELL_TEXT || c->kind == RPT_CELL_NUMBER ? c->text : NULL);
    ms_buf_puts(b, "\r\n");
}

static void prefix(struct ms_buf *b, const char *section, const char *table, const char *row)
{
    text_field(b, section);
    ms_buf_putc(b, ',');
    text_field(b, table);
    ms_buf_putc(b, ',');
    text_field(b, row);
    ms_buf_putc(b, ',');
}

static int put(struct ms_buf *b, FILE *fp)
{
    if (b->oom)
        return MS_ENOMEM;
    if (b->len > 0 && fwrite(b->data, 1, b->len, fp) != b->len)
        return MS_EIO;
    ms_buf_reset(b);
    return 0;
}

/* Every non-label cell of a table, one row each, labelled by the row's first cell. */
static int csv_table(struct ms_buf *b, const char *section, const struct rpt_table *t, FILE *fp)
{
    int rc = 0;

    for (size_t row = 0; row < t->nrows && rc == 0; row++) {
        const struct rpt_cell *label = rpt_cell_at(t, row, 0);

        for (size_t col = 1; col < t->ncols; col++) {
            prefix(b, section, t->id, label->kind == RPT_CELL_TEXT ? label->text : NULL);
            csv_cell(b, t->cols[col], rpt_cell_at(t, row, col));
        }
        rc = put(b, fp);
    }
    return rc;
}

int rpt_write_csv(const struct rpt_report *r, FILE *fp)
{
    struct ms_buf b;
    int rc;

    if (r->oom)
        return MS_ENOMEM;
    ms_buf_init(&b);
    ms_buf_puts(&b, "section,table,row,column,kind,n,denom,percent,value,text\r\n");
    for (size_t i = 0; i < r->nfacts; i++) {
        struct rpt_cell c = {.kind = RPT_CELL_TEXT, .text = r->facts[i].value};

        prefix(&b, "methodology", "facts", r->facts[i].key);
        csv_cell(&b, "value", &c);
    }
    rc = put(&b, fp);
    for (size_t i = 0; i < r->nsections && rc == 0; i++)
        for (size_t j = 0; j < r->sections[i]->ntables && rc == 0; j++)
            rc = csv_table(&b, r->sections[i]->id, r->sections[i]->tables[j], fp);
    ms_buf_free(&b);
    if (rc == 0 && fflush(fp) != 0)
        rc = MS_EIO;
    return rc;
}
