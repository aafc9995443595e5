/* test_model.c: unit tests of the report model's builders. */
#include <stdlib.h>

#include "analysis/model.h"
#include "tests/unit/harness.h"

static void test_build(void)
{
    static const char *const cols[] = {"measure", "domains", NULL};
    struct rpt_report r;
    struct rpt_section *s;
    struct rpt_table *t;
    struct rpt_cell *row;

    rpt_init(&r, "Adoption");
    rpt_fact(&r, "scan date", "2026-11-23");
    rpt_fact(&r, "input", NULL);
    s = rpt_section(&r, "headline", "Headline", NULL);
    t = rpt_table(&r, s, "adoption", "Adoption", "of domains with mail", RPT_CHART_BAR, cols);
    CHECK(t != NULL);
    for (int i = 0; i < 20; i++) { /* past the first growth of the row array */
        row = rpt_row(&r, t, i % 2 ? "odd" : "even");
        CHECK(row != NULL);
        rpt_set_share(&row[1], (uint64_t)i, 20);
    }
    CHECK(!r.oom);
    CHECK_STR(r.title, "Adoption");
    CHECK_INT(r.nfacts, 2);
    CHECK_STR(r.facts[1].value, "");
    CHECK_INT(r.nsections, 1);
    CHECK_INT(s->ntables, 1);
    CHECK_INT(t->ncols, 2);
    CHECK_INT(t->nrows, 20);
    CHECK_STR(t->cols[1], "domains");
    CHECK_STR(t->note, "of domains with mail");
    CHECK_INT(rpt_cell_at(t, 19, 0)->kind, RPT_CELL_TEXT);
    CHECK_STR(rpt_cell_at(t, 19, 0)->text, "odd");
    CHECK_INT(rpt_cell_at(t, 19, 1)->kind, RPT_CELL_SHARE);
    CHECK_INT(rpt_cell_at(t, 19, 1)->n, 19);
    CHECK_INT(rpt_cell_at(t, 19, 1)->denom, 20);
    CHECK(rpt_cell_at(t, 20, 0) == NULL);
    CHECK(rpt_cell_at(t, 0, 2) == NULL);
    rpt_free(&r);
    CHECK(r.sections == NULL && r.nsections == 0);
}

static void test_cells(void)
{
    static const char *const cols[] = {"a", "b", "c", "d", NULL};
    struct rpt_report r;
    struct rpt_table *t;
    struct rpt_cell *row;

    rpt_init(&r, "t");
    t = rpt_table(&r, rpt_section(&r, "s", "S", "intro"), "t", "T", NULL, RPT_CHART_NONE, cols);
    row = rpt_row(&r, t, "label");
    CHECK_INT(row[1].kind, RPT_CELL_EMPTY);
    rpt_set_count(&row[1], 7);
    rpt_set_number(&r, &row[2], 1.5, "days");
    rpt_set_text(&r, &row[3], "first");
    rpt_set_text(&r, &row[3], "second"); /* replaced, not leaked */
    CHECK_INT(row[1].kind, RPT_CELL_COUNT);
    CHECK_INT(row[1].n, 7);
    CHECK_INT(row[2].kind, RPT_CELL_NUMBER);
    CHECK(row[2].value == 1.5);
    CHECK_STR(row[2].text, "days");
    CHECK_STR(row[3].text, "second");
    rpt_set_text(&r, &row[3], NULL);
    CHECK_INT(row[3].kind, RPT_CELL_EMPTY);
    CHECK(rpt_percent(1, 4) == 25.0);
    CHECK(rpt_percent(1, 0) == 0.0);
    CHECK(!r.oom);
    rpt_free(&r);
}

int main(void)
{
    test_build();
    test_cells();
    return th_report("test_model");
}
