/* model.c: builders of the report model (tables of counts with their denominators). */
#include "analysis/model.h"

#include <stdlib.h>
#include <string.h>

/* strdup that marks the report on failure; NULL in, NULL out. */
static char *dup(struct rpt_report *r, const char *s)
{
    char *c;

    if (s == NULL || r->oom)
        return NULL;
    c = strdup(s);
    if (c == NULL)
        r->oom = 1;
    return c;
}

/* Grows the array *p of *n elements of `size` bytes by one; returns the new slot or NULL. */
static void *grow(struct rpt_report *r, void *p, size_t *n, size_t size)
{
    void **pp = p;
    void *np;

    if (r->oom)
        return NULL;
    np = realloc(*pp, (*n + 1) * size);
    if (np == NULL) {
        r->oom = 1;
        return NULL;
    }
    *pp = np;
    memset((char *)np + *n * size, 0, size);
    return (char *)np + (*n)++ * size;
}

void rpt_init(struct rpt_report *r, const char *title)
{
    memset(r, 0, sizeof(*r));
    r->title = dup(r, title);
}

static void table_free(struct rpt_table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->cols);
    free(t->cells);
    free(t->id);
    free(t->title);
    free(t->note);
    free(t);
}

void rpt_free(struct rpt_report *r)
{
    for (size_t i = 0; i < r->nfacts; i++) {
        free(r->facts[i].key);
        free(r->facts[i].value);
    }
    for (size_t i = 0; i < r->nsections; i++) {
        struct rpt_section *s = r->sections[i];

        for (size_t j = 0; j < s->ntables; j++)
            table_free(s->tables[j]);
        free(s->tables);
        free(s->id);
        free(s->title);
        free(s->intro);
        free(s);
    }
    free(r->facts);
    free(r->sections);
    free(r->title);
    memset(r, 0, sizeof(*r));
}

void rpt_fact(struct rpt_report *r, const char *key, const char *value)
{
    struct rpt_fact *f = grow(r, &r->facts, &r->nfacts, sizeof(*f));

    if (f == NULL)
        return;
    f->key = dup(r, key);
    f->value = dup(r, value != NULL ? value : "");
}

struct rpt_section *rpt_section(struct rpt_report *r, const char *id, const char *title,
                                const char *intro)
{
    struct rpt_section *s, **slot;

    if (r->oom || (s = calloc(1, sizeof(*s))) == NULL) {
        r->oom = 1;
        return NULL;
    }
    slot = grow(r, &r->sections, &r->nsections, sizeof(*slot));
    if (slot == NULL) {
        free(s);
        return NULL;
    }
    *slot = s;
    s->id = dup(r, id);
    s->title = dup(r, title);
    s->intro = dup(r, intro);
    return s;
}

struct rpt_table *rpt_table(struct rpt_report *r, struct rpt_section *s, const char *id,
                            const char *title, const char *note, enum rpt_chart chart,
                            const char *const *cols)
{
    struct rpt_table *t, **slot;
    size_t n = 0;

    if (s == NULL || r->oom || (t = calloc(1, sizeof(*t))) == NULL) {
        r->oom = 1;
        return NULL;
    }
    slot = grow(r, &s->tables, &s->ntables, sizeof(*slot));
    if (slot == NULL) {
        free(t);
        return NULL;
    }
    *slot = t;
    t->id = dup(r, id);
    t->title = dup(r, title);
    t->note = dup(r, note);
    t->chart = chart;
    while (cols[n] != NULL)
        n++;
    t->cols = calloc(n, sizeof(*t->cols));
    if (t->cols == NULL) {
        r->oom = 1;
        return NULL;
    }
    t->ncols = n;
    for (size_t i = 0; i < n; i++)
        t->cols[i] = dup(r, cols[i]);
    return t;
}

struct rpt_cell *rpt_row(struct rpt_report *r, struct rpt_table *t, const char *label)
{
    struct rpt_cell *row;

    if (t == NULL || r->oom || t->ncols == 0)
        return NULL;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        struct rpt_cell *c = realloc(t->cells, cap * t->ncols * sizeof(*c));

        if (c == NULL) {
            r->oom = 1;
            return NULL;
        }
        t->cells = c;
        t->cap = cap;
    }
    row = t->cells + t->nrows * t->ncols;
    memset(row, 0, t->ncols * sizeof(*row));
    t->nrows++;
    rpt_set_text(r, &row[0], label);
    return row;
}

void rpt_set_text(struct rpt_report *r, struct rpt_cell *c, const char *text)
{
    if (c == NULL)
        return;
    free(c->text);
    c->text = dup(r, text);
    c->kind = c->text != NULL ? RPT_CELL_TEXT : RPT_CELL_EMPTY;
}

void rpt_set_count(struct rpt_cell *c, uint64_t n)
{
    if (c == NULL)
        return;
    c->kind = RPT_CELL_COUNT;
    c->n = n;
}

void rpt_set_share(struct rpt_cell *c, uint64_t n, uint64_t denom)
{
    if (c == NULL)
        return;
    c->kind = RPT_CELL_SHARE;
    c->n = n;
    c->denom = denom;
}

void rpt_set_number(struct rpt_report *r, struct rpt_cell *c, double value, const char *unit)
{
    if (c == NULL)
        return;
    free(c->text);
    c->text = dup(r, unit);
    c->kind = RPT_CELL_NUMBER;
    c->value = value;
}

const struct rpt_cell *rpt_cell_at(const struct rpt_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return NULL;
    return &t->cells[row * t->ncols + col];
}

double rpt_percent(uint64_t n, uint64_t denom)
{
    return denom == 0 ? 0.0 : 100.0 * (double)n / (double)denom;
}
