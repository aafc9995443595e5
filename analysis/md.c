/* md.c: the report as Markdown (CommonMark with GFM pipe tables) for pasting into papers. */
#include <stdio.h>
#include <string.h>

#include "analysis/writers.h"
#include "common/error.h"
#include "common/strbuf.h"

/*
 * Appends untrusted text so it renders as itself: characters that start
 * emphasis, code, links, inline HTML or entities are backslash-escaped
 * (CommonMark §2.4), `|` too so it cannot end a table cell, and control
 * characters (line breaks included) become spaces so a value stays on its
 * line. At the start of a line (`line_start`) a character that would open a
 * list, heading, quote or setext underline is escaped as well, and so is the
 * `.` or `)` after leading digits (an ordered list).
 */
static void md_text_at(struct ms_buf *b, const char *s, int line_start)
{
    size_t digits = 0;

    if (s != NULL && line_start) {
        digits = strspn(s, "0123456789");
        if (digits == 0 && *s != '\0' && strchr("-+#>=", *s) != NULL)
            ms_buf_putc(b, '\\');
    }
    for (size_t i = 0; s != NULL && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f)
            ms_buf_putc(b, ' ');
        else if (strchr("\\`*_{}[]<>|~&#", c) != NULL ||
                 (i == digits && digits > 0 && (c == '.' || c == ')')))
            ms_buf_printf(b, "\\%c", c);
        else
            ms_buf_putc(b, (char)c);
    }
}

static void md_text(struct ms_buf *b, const char *s)
{
    md_text_at(b, s, 0);
}

static void md_cell(struct ms_buf *b, const struct rpt_cell *c)
{
    switch (c->kind) {
    case RPT_CELL_TEXT:
        md_text(b, c->text);
        return;
    case RPT_CELL_COUNT:
        ms_buf_printf(b, "%llu", (unsigned long long)c->n);
        return;
    case RPT_CELL_SHARE:
        ms_buf_printf(b, "%llu of %llu (%.1f%%)", (unsigned long long)c->n,
                      (unsigned long long)c->denom, rpt_percent(c->n, c->denom));
        return;
    case RPT_CELL_NUMBER:
        ms_buf_printf(b, "%g", c->value);
        if (c->text != NULL) {
            ms_buf_putc(b, ' ');
            md_text(b, c->text);
        }
        return;
    default:
        return;
    }
}

static void md_table(struct ms_buf *b, const struct rpt_table *t)
{
    ms_buf_puts(b, "### ");
    md_text(b, t->title);
    ms_buf_puts(b, "\n\n|");
    for (size_t i = 0; i < t->ncols; i++) {
        ms_buf_putc(b, ' ');
        md_text(b, t->cols[i]);
        ms_buf_puts(b, " |");
    }
    ms_buf_puts(b, "\n|");
    for (size_t i = 0; i < t->ncols; i++) {
        const struct rpt_cell *c = rpt_cell_at(t, 0, i);
        int number = c != NULL && c->kind >= RPT_CELL_COUNT;
        ms_buf_puts(b, number ? " ---: |" : " --- |");
    }
    ms_buf_putc(b, '\n');
    for (size_t row = 0; row < t->nrows; row++) {
        ms_buf_putc(b, '|');
        for (size_t col = 0; col < t->ncols; col++) {
            ms_buf_putc(b, ' ');
            md_cell(b, rpt_cell_at(t, row, col));
            ms_buf_puts(b, " |");
        }
        ms_buf_putc(b, '\n');
    }
    if (t->note != NULL) {
        ms_buf_puts(b, "\n_");
        md_text_at(b, t->note, 1);
        ms_buf_puts(b, "_\n");
    }
    ms_buf_putc(b, '\n');
}

int rpt_write_md(const struct rpt_report *r, FILE *fp)
{
    struct ms_buf b;
    int rc = 0;

    if (r->oom)
        return MS_ENOMEM;
    ms_buf_init(&b);
    ms_buf_puts(&b, "# ");
    md_text(&b, r->title);
    ms_buf_puts(&b, "\n\n## Methodology\n\n");
    for (size_t i = 0; i < r->nfacts; i++) {
        ms_buf_puts(&b, "- **");
        md_text(&b, r->facts[i].key);
        ms_buf_puts(&b, "**: ");
        md_text(&b, r->facts[i].value);
        ms_buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < r->nsections && rc == 0; i++) {
        const struct rpt_section *s = r->sections[i];

        ms_buf_puts(&b, "\n## ");
        md_text(&b, s->title);
        ms_buf_puts(&b, "\n\n");
        if (s->intro != NULL) {
            md_text_at(&b, s->intro, 1);
            ms_buf_puts(&b, "\n\n");
        }
        for (size_t j = 0; j < s->ntables; j++)
            md_table(&b, s->tables[j]);
        if (b.oom)
            rc = MS_ENOMEM;
        else if (fwrite(b.data, 1, b.len, fp) != b.len)
            rc = MS_EIO;
        ms_buf_reset(&b);
    }
    if (rc == 0 && b.len > 0 && fwrite(b.data, 1, b.len, fp) != b.len)
        rc = MS_EIO;
    if (rc == 0 && b.oom)
        rc = MS_ENOMEM;
    ms_buf_free(&b);
    if (rc == 0 && fflush(fp) != 0)
        rc = MS_EIO;
    return rc;
}
