/* model.h: the report model: every figure of an adoption report as named tables, rendered by
 * the html, md, json and csv writers alike. */
#ifndef MS_ANALYSIS_MODEL_H
#define MS_ANALYSIS_MODEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A report is a title, methodology facts (key/value pairs from the manifests)
 * and sections; a section holds tables; a table has named columns and rows of
 * cells. Every number is a cell, and a share is always a count with its
 * denominator, so every writer can print "n of d (p%)" and JSON keeps both.
 *
 * Ownership: the report owns every string and array it holds (copied in by
 * the rpt_* builders below) and frees them in rpt_free. Builders never fail
 * loudly: on out-of-memory the report sets `oom` and ignores further
 * additions (check it once before rendering), like struct ms_buf.
 */

/* What a cell holds. */
enum rpt_cell_kind {
    RPT_CELL_EMPTY,  /* nothing (a missing value, e.g. no earlier scan) */
    RPT_CELL_TEXT,   /* `text` */
    RPT_CELL_COUNT,  /* `n` */
    RPT_CELL_SHARE,  /* `n` of `denom`; renderers print the percentage too */
    RPT_CELL_NUMBER, /* `value` (a median, a mean), printed with `text` as unit if set */
};

struct rpt_cell {
    enum rpt_cell_kind kind;
    char *text;
    uint64_t n;
    uint64_t denom;
    double value;
};

/* The chart a renderer that draws (HTML) makes of a table; the others ignore it. */
enum rpt_chart {
    RPT_CHART_NONE,
    RPT_CHART_BAR,     /* one bar per row: the first SHARE (or COUNT) cell of the row */
    RPT_CHART_STACKED, /* one stacked bar per row: its SHARE cells, columns as the legend */
    RPT_CHART_LINE,    /* trends: rows are points in time (first cell = label), one line per
                          SHARE/COUNT column */
};

struct rpt_table {
    char *id;    /* stable identifier for JSON and CSV ("headline", "sts_errors", ...) */
    char *title; /* human title */
    char *note;  /* what the denominators are, the rule cited; may be NULL */
    enum rpt_chart chart;
    size_t ncols;
    char **cols; /* column headings; column 0 is the row label */
    size_t nrows;
    size_t cap;
    struct rpt_cell *cells; /* nrows * ncols, row-major */
};

struct rpt_section {
    char *id;
    char *title;
    char *intro; /* a paragraph of plain text; may be NULL */
    size_t ntables;
    struct rpt_table **tables;
};

struct rpt_fact {
    char *key; /* "scan date", "input", "resolvers", "options", ... */
    char *value;
};

struct rpt_report {
    char *title;
    size_t nfacts;
    struct rpt_fact *facts; /* methodology, in insertion order */
    size_t nsections;
    struct rpt_section **sections;
    int oom;
};

/* Initialises an empty report titled `title` (copied). */
void rpt_init(struct rpt_report *r, const char *title);
/* Frees everything the report holds; `r` may be reused after rpt_init. */
void rpt_free(struct rpt_report *r);

/* Appends a methodology fact (both copied). */
void rpt_fact(struct rpt_report *r, const char *key, const char *value);

/* Appends a section; returns it (owned by the report), or NULL on out-of-memory. */
struct rpt_section *rpt_section(struct rpt_report *r, const char *id, const char *title,
                                const char *intro);

/*
 * Appends a table with `ncols` columns named by the NULL-terminated list
 * `cols` (copied) to section `s`; returns it (owned by the report) or NULL.
 * `note` may be NULL.
 */
struct rpt_table *rpt_table(struct rpt_report *r, struct rpt_section *s, const char *id,
                            const char *title, const char *note, enum rpt_chart chart,
                            const char *const *cols);

/*
 * Appends a row whose label (column 0) is `label` and returns a pointer to its
 * ncols cells (cell 0 already holds the label; the others are EMPTY), valid
 * until the next row is added; NULL on out-of-memory. Set the cells with the
 * rpt_set_* helpers.
 */
struct rpt_cell *rpt_row(struct rpt_report *r, struct rpt_table *t, const char *label);

void rpt_set_text(struct rpt_report *r, struct rpt_cell *c, const char *text);
void rpt_set_count(struct rpt_cell *c, uint64_t n);
void rpt_set_share(struct rpt_cell *c, uint64_t n, uint64_t denom);
void rpt_set_number(struct rpt_report *r, struct rpt_cell *c, double value, const char *unit);

/* The cell at (row, col) of `t`. */
const struct rpt_cell *rpt_cell_at(const struct rpt_table *t, size_t row, size_t col);

/* A share as a percentage (0 when denom is 0). */
double rpt_percent(uint64_t n, uint64_t denom);

#endif
