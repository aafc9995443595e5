/* scan.c: reading one scan directory for the report (manifest, one pass over the store), the
 * methodology facts and the trend over several scans. */
#include <stdlib.h>
#include <string.h>

#include "analysis/figures.h"
#include "common/error.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "output/store.h"

static int on_record(const char *key, size_t keylen, const void *val, size_t vallen, void *arg)
{
    struct rpt_tally *t = arg;
    struct out_record r;

    (void)keylen;
    if (out_record_decode(val, vallen, &r, &t->scratch) != 0) {
        ms_error("report: the record of '%s' does not decode (corrupt, or a newer version)", key);
        return MS_ESYNTAX;
    }
    return rpt_tally_add(t, &r);
}

int rpt_scan_load(struct rpt_scan *s, const char *dir, size_t map_cap)
{
    int rc;

    memset(s, 0, sizeof(*s));
    s->dir = dir;
    s->started = "";
    rc = rpt_manifest_load(&s->man, dir);
    if (rc == MS_ENOTFOUND)
        ms_warn("report: %s has no manifest.json: its methodology facts are missing", dir);
    else if (rc != 0) {
        ms_error("report: %s/manifest.json: %s", dir, ms_strerror(rc));
        return rc;
    }
    if (rpt_manifest_get(&s->man, "started_at") != NULL)
        s->started = rpt_manifest_get(&s->man, "started_at");
    rpt_tally_init(&s->tally, map_cap);
    rc = out_store_iterate(dir, on_record, &s->tally);
    if (rc == 0 && (s->tally.tls_versions.oom || s->tally.issuers.oom || s->tally.suffixes.oom ||
                    s->tally.providers.oom))
        rc = MS_ENOMEM;
    if (rc != 0) {
        if (rc == MS_ENOTFOUND)
            ms_error("report: %s holds no result store (results.lmdb)", dir);
        rpt_scan_free(s);
    }
    return rc;
}

void rpt_scan_free(struct rpt_scan *s)
{
    rpt_manifest_free(&s->man);
    rpt_tally_free(&s->tally);
    s->started = "";
}

static int by_start(const void *a, const void *b)
{
    const struct rpt_scan *x = a, *y = b;
    int c = strcmp(x->started, y->started); /* RFC 3339 UTC: text order is time order */

    return c != 0 ? c : strcmp(x->dir, y->dir);
}

void rpt_scans_sort(struct rpt_scan *scans, size_t n)
{
    qsort(scans, n, sizeof(*scans), by_start);
}

/* Joins every manifest value under `prefix` as "name=value" (or values only), comma-separated. */
static void join(struct ms_buf *b, const struct rpt_manifest *m, const char *prefix, int names,
                 const char *const *skip)
{
    size_t plen = strlen(prefix);

    ms_buf_reset(b);
    for (size_t i = 0; i < m->n; i++) {
        const char *name = m->path[i] + plen;
        int skipped = 0;

        if (strncmp(m->path[i], prefix, plen) != 0)
            continue;
        for (size_t k = 0; skip != NULL && skip[k] != NULL; k++) {
            size_t n = strlen(skip[k]); /* the name itself, or its array elements */
            skipped |= strncmp(name, skip[k], n) == 0 && (name[n] == '\0' || name[n] == '[');
        }
        if (skipped)
            continue;
        if (b->len > 0)
            ms_buf_puts(b, ", ");
        if (names)
            ms_buf_printf(b, "%s=", name);
        ms_buf_puts(b, m->value[i]);
    }
    ms_buf_cstr(b);
}

static const char *get(const struct rpt_manifest *m, const char *path)
{
    const char *v = rpt_manifest_get(m, path);
    return v != NULL ? v : "";
}

/* The facts of one scan, keys prefixed with `pre` ("" for the latest scan). */
static void scan_facts(struct rpt_report *r, const struct rpt_scan *s, const char *pre,
                       struct ms_buf *b)
{
    static const char *const skip[] = {"input", "out", "resolvers", NULL};
    const struct rpt_manifest *m = &s->man;
    struct ms_buf k;

    ms_buf_init(&k);
#define FACT(name, value)                                                                          \
    do {                                                                                           \
        ms_buf_reset(&k);                                                                          \
        ms_buf_printf(&k, "%s%s", pre, name);                                                      \
        rpt_fact(r, ms_buf_cstr(&k), value);                                                       \
    } while (0)
    FACT("directory", s->dir);
    ms_buf_reset(b);
    ms_buf_printf(b, "%s .. %s (%s)", get(m, "started_at"), get(m, "finished_at"),
                  strcmp(get(m, "complete"), "true") == 0 ? "complete" : "incomplete");
    FACT("scan date", ms_buf_cstr(b));
    FACT("input", get(m, "options.input"));
    join(b, m, "options.resolvers", 0, NULL);
    FACT("resolvers", ms_buf_cstr(b));
    join(b, m, "options.", 1, skip);
    FACT("options", ms_buf_cstr(b));
    join(b, m, "counters.", 1, NULL);
    FACT("counts", ms_buf_cstr(b));
    ms_buf_reset(b);
    ms_buf_printf(b, "mtascope %s, record version %s", get(m, "mtascope_version"),
                  get(m, "record_version"));
    FACT("scanner", ms_buf_cstr(b));
    join(b, m, "libraries.", 1, NULL);
    FACT("libraries", ms_buf_cstr(b));
#undef FACT
    ms_buf_free(&k);
}

void rpt_methodology(struct rpt_report *r, const struct rpt_scan *scans, size_t n)
{
    struct ms_buf b, pre;

    ms_buf_init(&b);
    ms_buf_init(&pre);
    scan_facts(r, &scans[n - 1], "", &b);
    for (size_t i = n - 1; i-- > 0;) { /* earlier scans, newest first */
        ms_buf_reset(&pre);
        ms_buf_printf(&pre, "earlier scan %zu", i + 1);
        ms_buf_reset(&b);
        ms_buf_printf(&b, "%s, %s .. %s", scans[i].dir, get(&scans[i].man, "started_at"),
                      get(&scans[i].man, "finished_at"));
        rpt_fact(r, ms_buf_cstr(&pre), ms_buf_cstr(&b));
    }
    if (b.oom || pre.oom)
        r->oom = 1;
    ms_buf_free(&b);
    ms_buf_free(&pre);
}

void rpt_trend(struct rpt_report *r, const struct rpt_scan *scans, size_t n)
{
    static const char *const cols[] = {"scan",          "domains with mail", "STARTTLS on all MX",
                                       "MTA-STS valid", "MTA-STS enforce",   "DNSSEC MX",
                                       "DANE valid",    "TLS-RPT valid",     NULL};
    struct rpt_section *s =
        rpt_section(r, "trend", "Trend", "One row per scan, oldest first (by start time).");
    struct rpt_table *t =
        rpt_table(r, s, "trend", "Adoption over time",
                  "STARTTLS: of domains with a reachable MX; the others: of domains with mail.",
                  RPT_CHART_LINE, cols);

    struct ms_buf label;

    ms_buf_init(&label);
    for (size_t i = 0; i < n; i++) {
        const uint64_t *c = scans[i].tally.n;
        struct rpt_cell *row;

        /* The start time names a scan; two started in the same second get their directory too. */
        ms_buf_reset(&label);
        ms_buf_puts(&label, *scans[i].started ? scans[i].started : scans[i].dir);
        if (*scans[i].started &&
            ((i > 0 && strcmp(scans[i - 1].started, scans[i].started) == 0) ||
             (i + 1 < n && strcmp(scans[i + 1].started, scans[i].started) == 0)))
            ms_buf_printf(&label, " %s", scans[i].dir);
        row = rpt_row(r, t, ms_buf_cstr(&label));

        if (row == NULL)
            break;
        rpt_set_count(&row[1], c[RPT_N_MAIL]);
        rpt_set_share(&row[2], c[RPT_N_STARTTLS_ALL], c[RPT_N_STARTTLS_REACHABLE]);
        rpt_set_share(&row[3], c[RPT_N_STS_VALID], c[RPT_N_MAIL]);
        rpt_set_share(&row[4], c[RPT_N_STS_ENFORCE], c[RPT_N_MAIL]);
        rpt_set_share(&row[5], c[RPT_N_MX_DNSSEC], c[RPT_N_MAIL]);
        rpt_set_share(&row[6], c[RPT_N_DANE_VALID], c[RPT_N_MAIL]);
        rpt_set_share(&row[7], c[RPT_N_TLSRPT_VALID], c[RPT_N_MAIL]);
    }
    if (label.oom)
        r->oom = 1;
    ms_buf_free(&label);
}
