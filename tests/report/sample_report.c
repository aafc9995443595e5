/* sample_report.c: writes the HTML report of a hand-built model (every chart kind, hostile text) to
 * a file, for the rendering test while no scan is involved. Usage: ms-report-sample OUT.html */
#include <stdio.h>

#include "analysis/writers.h"
#include "common/error.h"

static void headline(struct rpt_report *r)
{
    static const char *const cols[] = {"measure", "domains", NULL};
    static const char *const labels[] = {
        "with mail", "STARTTLS on all MX", "MTA-STS record", "valid policy",
        "enforce",   "DANE valid",         "TLS-RPT valid",  "neither"};
    static const uint64_t n[] = {4975, 4898, 243, 201, 120, 104, 204, 4600};
    struct rpt_section *s =
        rpt_section(r, "headline", "Headline adoption", "What the scanned domains deploy.");
    struct rpt_table *t =
        rpt_table(r, s, "adoption", "Adoption", "Denominator: the 4975 domains with mail.",
                  RPT_CHART_BAR, cols);

    for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
        rpt_set_share(&rpt_row(r, t, labels[i])[1], n[i], 4975);
}

static void breakdown(struct rpt_report *r)
{
    static const char *const cols[] = {"TLD", "enforce", "testing", "none", "domains", NULL};
    static const char *const tlds[] = {"nl", "de", "com", "<script>alert('tld')</script>"};
    static const uint64_t v[][4] = {{40, 10, 5, 100}, {12, 8, 3, 80}, {5, 2, 1, 400}, {0, 1, 0, 3}};
    struct rpt_section *s = rpt_section(r, "tld", "Per TLD", NULL);
    struct rpt_table *t =
        rpt_table(r, s, "sts_modes", "MTA-STS modes by TLD",
                  "Denominator: domains with mail under the TLD.", RPT_CHART_STACKED, cols);

    for (size_t i = 0; i < 4; i++) {
        struct rpt_cell *row = rpt_row(r, t, tlds[i]);

        for (size_t k = 0; k < 3; k++)
            rpt_set_share(&row[1 + k], v[i][k], v[i][3]);
        rpt_set_count(&row[4], v[i][3]);
    }
}

static void trend(struct rpt_report *r)
{
    static const char *const cols[] = {"scan", "MTA-STS valid", "DANE valid", "TLS-RPT", NULL};
    static const char *const dates[] = {"2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"};
    struct rpt_section *s = rpt_section(r, "trends", "Trends", "One point per scan.");
    struct rpt_table *t =
        rpt_table(r, s, "trend", "Adoption over time",
                  "Denominator: domains with mail in each scan.", RPT_CHART_LINE, cols);

    for (size_t i = 0; i < 4; i++) {
        struct rpt_cell *row = rpt_row(r, t, dates[i]);

        rpt_set_share(&row[1], 150 + 17 * i, 4975);
        rpt_set_share(&row[2], 90 + 5 * i, 4975);
        rpt_set_share(&row[3], 180 + 8 * i, 4975);
    }
    t = rpt_table(r, s, "empty", "Changes since the previous scan", NULL, RPT_CHART_BAR, cols);
}

int main(int argc, char **argv)
{
    struct rpt_report r;
    FILE *fp;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
        return 2;
    }
    rpt_init(&r, "Sample adoption report");
    rpt_fact(&r, "scan date", "2026-11-23T15:52:46Z");
    rpt_fact(&r, "input", "domains.txt \"quoted\" & <tagged>");
    rpt_fact(&r, "resolvers", "127.0.0.1");
    headline(&r);
    breakdown(&r);
    trend(&r);
    if ((fp = fopen(argv[1], "w")) == NULL) {
        perror(argv[1]);
        return 1;
    }
    rc = rpt_write_html(&r, fp);
    if (fclose(fp) != 0 && rc == 0)
        rc = MS_EIO;
    rpt_free(&r);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", argv[1], ms_strerror(rc));
    return rc == 0 ? 0 : 1;
}
