/* test_report_writers.c: the Markdown, JSON and CSV writers keep hostile scan text inert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/manifest.h"
#include "analysis/model.h"
#include "analysis/writers.h"
#include "tests/unit/harness.h"

/* Text a scanned server controls (an issuer DN, a policy error detail): every special character. */
static const char hostile[] = "=cmd|x\"a,b\"\r\n<script>alert(1)</script> *b* _i_ `c` [l](u) "
                              "\\ &amp; # | \t\x01 é";

static void build(struct rpt_report *r)
{
    static const char *const cols[] = {"label", "n", "of", "text", NULL};
    struct rpt_section *s;
    struct rpt_table *t;
    struct rpt_cell *c;

    rpt_init(r, "T|itle\n# not a heading");
    rpt_fact(r, "input", hostile);
    s = rpt_section(r, "sec", "Section", "- not a list");
    t = rpt_table(r, s, "tab", "Table", hostile, RPT_CHART_BAR, cols);
    c = rpt_row(r, t, hostile);
    rpt_set_share(&c[1], 3, 8);
    rpt_set_count(&c[2], 8);
    rpt_set_text(r, &c[3], hostile);
    c = rpt_row(r, t, "plain");
    rpt_set_number(r, &c[1], 1.5, "s");
}

/* Renders with `fn` into a malloc'd NUL-terminated string. */
static char *render(const struct rpt_report *r, int (*fn)(const struct rpt_report *, FILE *))
{
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    CHECK(fp != NULL);
    CHECK_INT(fn(r, fp), 0);
    fclose(fp);
    return out;
}

static void test_md(const struct rpt_report *r)
{
    char *md = render(r, rpt_write_md);
    char *line, *save = NULL;
    int table_lines = 0;

    CHECK(strstr(md, "<script>") == NULL);
    CHECK(strstr(md, "\\<script\\>") != NULL);
    CHECK(strstr(md, "\n# not a heading") == NULL);
    CHECK(strstr(md, "\n- not a list") == NULL);
    CHECK(strstr(md, "\n\\- not a list") != NULL);
    CHECK(strstr(md, "3 of 8 (37.5%)") != NULL);
    /* Every table line keeps its 5 cell borders: no raw | or line break from the text. */
    for (line = strtok_r(md, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        int bars = 0;

        if (line[0] != '|')
            continue;
        table_lines++;
        for (size_t i = 0; line[i]; i++)
            bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
        CHECK_INT(bars, 5);
        CHECK(strchr(line, '\r') == NULL && strchr(line, '\x01') == NULL);
    }
    CHECK_INT(table_lines, 4); /* header, rule, two rows */
    free(md);
}

static void test_json(const struct rpt_report *r)
{
    char *js = render(r, rpt_write_json);
    struct rpt_manifest m;

    /* Our own strict reader must accept it and give back the exact text. */
    CHECK_INT(rpt_manifest_parse(&m, js, strlen(js)), 0);
    CHECK_STR(rpt_manifest_get(&m, "methodology[0].value"), hostile);
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][0]"), hostile);
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][3]"), hostile);
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].note"), hostile);
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][1].n"), "3");
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][1].denom"), "8");
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][1].percent"), "37.50");
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[0][2].n"), "8");
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[1][1].value"), "1.5");
    CHECK_STR(rpt_manifest_get(&m, "sections[0].tables[0].rows[1][2]"), "null");
    CHECK_STR(rpt_manifest_get(&m, "title"), "T|itle\n# not a heading");
    rpt_manifest_free(&m);
    free(js);
}

/* A minimal RFC 4180 reader: the fields of the record at *p (advanced past it). */
static int csv_record(const char **p, char fields[][256], int max)
{
    int n = 0;

    if (**p == '\0')
        return -1;
    for (;;) {
        size_t k = 0;
        const char *s = *p;

        if (*s == '"') {
            for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
                if (*s == '"')
                    s++;
                if (k < 255)
                    fields[n][k++] = *s;
            }
            s += *s == '"';
        } else {
            for (; *s && *s != ',' && *s != '\r'; s++)
                if (k < 255)
                    fields[n][k++] = *s;
        }
        fields[n][k] = '\0';
        n += n < max - 1;
        if (*s == ',') {
            *p = s + 1;
            continue;
        }
        *p = s + (s[0] == '\r' && s[1] == '\n' ? 2 : 0);
        return n;
    }
}

static void test_csv(const struct rpt_report *r)
{
    char *csv = render(r, rpt_write_csv);
    char f[12][256], guarded[256];
    const char *p = csv;
    int records = 0, found = 0;

    snprintf(guarded, sizeof(guarded), "'%s", hostile);
    while (csv_record(&p, f, 12) >= 0) {
        records++;
        /* A text starting with '=' is guarded and round-trips otherwise unchanged. */
        if (strcmp(f[2], guarded) == 0 && strcmp(f[3], "text") == 0) {
            CHECK_STR(f[9], guarded);
            found++;
        }
        if (strcmp(f[2], guarded) == 0 && strcmp(f[3], "n") == 0) {
            CHECK_STR(f[4], "share");
            CHECK_STR(f[5], "3");
            CHECK_STR(f[6], "8");
            CHECK_STR(f[7], "37.50");
            found++;
        }
    }
    CHECK_INT(found, 2);
    /* header + 1 fact + 3 cells of row 1 + 3 cells of row 2 */
    CHECK_INT(records, 8);
    CHECK(strncmp(csv, "section,table,row,column,kind,n,denom,percent,value,text\r\n", 58) == 0);
    free(csv);
}

static void test_oom_refused(void)
{
    struct rpt_report r;
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    rpt_init(&r, "x");
    r.oom = 1;
    CHECK(rpt_write_md(&r, fp) != 0);
    CHECK(rpt_write_json(&r, fp) != 0);
    CHECK(rpt_write_csv(&r, fp) != 0);
    fclose(fp);
    free(out);
    r.oom = 0;
    rpt_free(&r);
}

int main(void)
{
    struct rpt_report r;

    build(&r);
    CHECK(!r.oom);
    test_md(&r);
    test_json(&r);
    test_csv(&r);
    rpt_free(&r);
    test_oom_refused();
    return th_report("test_report_writers");
}
