/* test_report_changes.c: the merge walk of two result stores (changes between scans, the lists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/changes.h"
#include "output/record.h"
#include "output/store.h"
#include "tests/unit/harness.h"

/* One domain's deployment: sts (none/broken/valid), dane (none/lookup_error/invalid/valid), rpt. */
struct dom {
    const char *name, *sts, *dane, *rpt;
};

static void put(struct out_store *s, const struct dom *d)
{
    struct out_record r;
    struct ms_buf b;
    int sts_valid = strcmp(d->sts, "valid") == 0, sts_any = strcmp(d->sts, "none") != 0;

    memset(&r, 0, sizeof(r));
    ms_buf_init(&b);
    r.f[OUT_F_DOMAIN] = d->name;
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_MX_KIND] = "mx";
    r.f[OUT_F_STS_TXT] = sts_any ? "valid" : "none";
    r.f[OUT_F_STS] = sts_valid ? "valid" : sts_any ? "fetch_error" : "none";
    r.f[OUT_F_STS_MODE] = sts_valid ? "enforce" : NULL;
    r.f[OUT_F_DANE] = d->dane;
    r.f[OUT_F_TLSRPT] = d->rpt;
    out_record_encode(&r, &b);
    CHECK_INT(out_store_put(s, d->name, strlen(d->name), b.data, b.len), 0);
    ms_buf_free(&b);
}

static void make(const char *dir, const struct dom *doms, size_t n)
{
    struct out_store *s;

    CHECK_INT(out_store_open(&s, dir, NULL, NULL), 0);
    for (size_t i = 0; i < n; i++)
        put(s, &doms[i]);
    out_store_close(s, NULL, NULL);
}

static int lines(const char *path, const char *first)
{
    char line[256];
    int n = 0;
    FILE *fp = fopen(path, "r");

    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (n++ == 0 && first != NULL)
            CHECK_STR(strtok(line, "\n"), first);
    }
    fclose(fp);
    return n;
}

int main(void)
{
    static const struct dom prev[] = {
        {"a.example", "none", "none", "none"},
        {"b.example", "valid", "valid", "valid"},
        {"c.example", "valid", "valid", "valid"},
        {"d.example", "broken", "lookup_error", "invalid"},
        {"gone.example", "valid", "none", "none"},
        {"z.example", "valid", "invalid", "none"},
        {"zz.example", "none", "none", "none"},
    };
    static const struct dom latest[] = {
        {"a.example", "valid", "valid", "valid"},
        {"b.example", "none", "none", "none"},
        {"c.example", "broken", "invalid", "invalid"},
        {"d.example", "valid", "valid", "valid"},
        {"new1.example", "none", "none", "none"},
        {"new2.example", "none", "none", "none"},
        {"z.example", "valid", "invalid", "none"},
        {"zz.example", "none", "lookup_error", "none"},
    };
    char tmpl[] = "/tmp/ms-changes-XXXXXX", p[300], l[300], lists[300], f[400];
    struct rpt_changes ch;

    CHECK(mkdtemp(tmpl) != NULL);
    snprintf(p, sizeof(p), "%s/prev", tmpl);
    snprintf(l, sizeof(l), "%s/latest", tmpl);
    snprintf(lists, sizeof(lists), "%s/lists", tmpl);
    CHECK_INT(mkdir(lists, 0700), 0);
    make(p, prev, sizeof(prev) / sizeof(prev[0]));
    make(l, latest, sizeof(latest) / sizeof(latest[0]));
    CHECK_INT(rpt_changes_walk(p, l, lists, &ch), 0);
    CHECK_INT(ch.both, 6); /* zz: a failed TLSA lookup beside no TLSA is no change */
    CHECK_INT(ch.only_prev, 1);
    CHECK_INT(ch.only_latest, 2);
    for (int t = 0; t < RPT_T__COUNT; t++) {
        CHECK_INT(ch.n[t][RPT_C_ADOPTED], 1); /* a */
        CHECK_INT(ch.n[t][RPT_C_DROPPED], 1); /* b */
        CHECK_INT(ch.n[t][RPT_C_BROKE], 1);   /* c */
        CHECK_INT(ch.n[t][RPT_C_FIXED], 1);   /* d */
    }
    snprintf(f, sizeof(f), "%s/sts_adopted.txt", lists);
    CHECK_INT(lines(f, "a.example"), 1);
    snprintf(f, sizeof(f), "%s/dane_broke.txt", lists);
    CHECK_INT(lines(f, "c.example"), 1);
    snprintf(f, sizeof(f), "%s/tlsrpt_fixed.txt", lists);
    CHECK_INT(lines(f, "d.example"), 1);
    snprintf(f, sizeof(f), "%s/new.txt", lists);
    CHECK_INT(lines(f, "new1.example"), 2);
    snprintf(f, sizeof(f), "%s/gone.txt", lists);
    CHECK_INT(lines(f, "gone.example"), 1);
    /* The walk is symmetric in what it finds: reversed, adopted and dropped swap. */
    CHECK_INT(rpt_changes_walk(l, p, NULL, &ch), 0);
    CHECK_INT(ch.only_prev, 2);
    CHECK_INT(ch.n[RPT_T_DANE][RPT_C_ADOPTED], 1);
    CHECK_INT(ch.n[RPT_T_DANE][RPT_C_BROKE], 1);
    snprintf(f, sizeof(f), "%s/none", tmpl);
    CHECK(rpt_changes_walk(f, l, NULL, &ch) != 0);
    snprintf(f, sizeof(f), "rm -rf '%s'", tmpl);
    CHECK_INT(system(f), 0);
    return th_report("test_report_changes");
}
