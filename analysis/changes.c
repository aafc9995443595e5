/* changes.c: the change between two scans: a merge walk of two sorted result stores. */
#include "analysis/changes.h"

#include <stdio.h>
#include <string.h>

#include "analysis/tally.h"
#include "common/error.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "output/record.h"
#include "output/store.h"

static const char *const tech_names[RPT_T__COUNT] = {"sts", "dane", "tlsrpt"};
static const char *const change_names[RPT_C__COUNT] = {"adopted", "dropped", "broke", "fixed"};

/* One side of the walk: its cursor, the current record decoded, and its state. */
struct side {
    struct out_store_cursor *cur;
    struct ms_buf scratch;
    struct out_record rec;
    const char *key;
    size_t keylen;
    int live; /* 1: `key` holds a record; 0: the walk is over */
};

struct walk {
    struct side a, b; /* previous, latest */
    FILE *lists[RPT_T__COUNT][RPT_C__COUNT];
    FILE *fnew, *fgone;
    struct rpt_changes *ch;
    int err;
};

static int advance(struct side *s)
{
    const void *val;
    size_t vallen;
    int rc = out_store_cursor_next(s->cur, &s->key, &s->keylen, &val, &vallen);

    s->live = rc == 1;
    if (rc <= 0)
        return rc;
    if (out_record_decode(val, vallen, &s->rec, &s->scratch) != 0) {
        ms_error("report: the record of '%s' does not decode", s->key);
        return MS_ESYNTAX;
    }
    return 0;
}

static void list(struct walk *w, FILE *fp, const char *key)
{
    if (fp != NULL && fprintf(fp, "%s\n", key) < 0)
        w->err = MS_EIO;
}

/* Deployment of one technology: published at all (2: unknown, a failed TLSA lookup), working. */
static void state(const struct out_record *r, enum rpt_tech t, int *any, int *ok)
{
    struct rpt_domain_class c;
    const char *dane = r->f[OUT_F_DANE] != NULL ? r->f[OUT_F_DANE] : "";

    rpt_domain_classify(r, &c);
    switch (t) {
    case RPT_T_STS:
        *any = c.sts_record;
        *ok = c.sts_valid;
        return;
    case RPT_T_DANE:
        *any = c.dane_any ? 1 : c.mail && strcmp(dane, "lookup_error") == 0 ? 2 : 0;
        *ok = c.dane_ok;
        return;
    default:
        *any = c.tlsrpt_record;
        *ok = c.tlsrpt_valid;
        return;
    }
}

static void compare(struct walk *w, const struct out_record *prev, const struct out_record *cur,
                    const char *key)
{
    for (int t = 0; t < RPT_T__COUNT; t++) {
        int pa, po, ca, co, c = -1;

        state(prev, (enum rpt_tech)t, &pa, &po);
        state(cur, (enum rpt_tech)t, &ca, &co);
        /*
         * A failed TLSA lookup hides whether TLSA exists: beside a scan that found it, it is a
         * DANE deployment that broke (or was fixed); beside one that found none, no change is
         * known (a transient failure must not count as adopting or dropping DANE).
         */
        if ((pa == 2 && !ca) || (!pa && ca == 2))
            continue;
        if (!pa && ca)
            c = RPT_C_ADOPTED;
        else if (pa && !ca)
            c = RPT_C_DROPPED;
        else if (pa && ca && po && !co)
            c = RPT_C_BROKE;
        else if (pa && ca && !po && co)
            c = RPT_C_FIXED;
        if (c >= 0) {
            w->ch->n[t][c]++;
            list(w, w->lists[t][c], key);
        }
    }
}

/* Byte order of keys, as LMDB sorts them. */
static int keycmp(const struct side *a, const struct side *b)
{
    size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = memcmp(a->key, b->key, n);

    return c != 0 ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

static int merge(struct walk *w)
{
    int rc = advance(&w->a);

    if (rc == 0)
        rc = advance(&w->b);
    while (rc == 0 && w->err == 0 && (w->a.live || w->b.live)) {
        int c = !w->a.live ? 1 : !w->b.live ? -1 : keycmp(&w->a, &w->b);

        if (c < 0) {
            w->ch->only_prev++;
            list(w, w->fgone, w->a.key);
            rc = advance(&w->a);
        } else if (c > 0) {
            w->ch->only_latest++;
            list(w, w->fnew, w->b.key);
            rc = advance(&w->b);
        } else {
            w->ch->both++;
            compare(w, &w->a.rec, &w->b.rec, w->b.key);
            rc = advance(&w->a);
            if (rc == 0)
                rc = advance(&w->b);
        }
    }
    return rc != 0 ? rc : w->err;
}

static FILE *open_list(struct walk *w, const char *dir, const char *name)
{
    struct ms_buf p;
    FILE *fp;

    ms_buf_init(&p);
    ms_buf_printf(&p, "%s/%s.txt", dir, name);
    fp = p.oom ? NULL : fopen(ms_buf_cstr(&p), "w");
    if (fp == NULL) {
        ms_error("report: cannot write %s", p.oom ? name : ms_buf_cstr(&p));
        w->err = MS_EIO;
    }
    ms_buf_free(&p);
    return fp;
}

static void open_lists(struct walk *w, const char *dir)
{
    char name[64];

    w->fnew = open_list(w, dir, "new");
    w->fgone = open_list(w, dir, "gone");
    for (int t = 0; t < RPT_T__COUNT; t++)
        for (int c = 0; c < RPT_C__COUNT; c++) {
            snprintf(name, sizeof(name), "%s_%s", tech_names[t], change_names[c]);
            w->lists[t][c] = open_list(w, dir, name);
        }
}

static int close_lists(struct walk *w)
{
    int rc = 0;

    for (int t = 0; t < RPT_T__COUNT; t++)
        for (int c = 0; c < RPT_C__COUNT; c++)
            if (w->lists[t][c] != NULL && fclose(w->lists[t][c]) != 0)
                rc = MS_EIO;
    if (w->fnew != NULL && fclose(w->fnew) != 0)
        rc = MS_EIO;
    if (w->fgone != NULL && fclose(w->fgone) != 0)
        rc = MS_EIO;
    return rc;
}

int rpt_changes_walk(const char *prev_dir, const char *latest_dir, const char *list_dir,
                     struct rpt_changes *ch)
{
    struct walk w;
    int rc, rc2;

    memset(&w, 0, sizeof(w));
    memset(ch, 0, sizeof(*ch));
    w.ch = ch;
    ms_buf_init(&w.a.scratch);
    ms_buf_init(&w.b.scratch);
    rc = out_store_cursor_open(prev_dir, &w.a.cur);
    if (rc == 0)
        rc = out_store_cursor_open(latest_dir, &w.b.cur);
    if (rc == 0 && list_dir != NULL)
        open_lists(&w, list_dir);
    if (rc == 0)
        rc = w.err != 0 ? w.err : merge(&w);
    rc2 = close_lists(&w);
    out_store_cursor_close(w.a.cur);
    out_store_cursor_close(w.b.cur);
    ms_buf_free(&w.a.scratch);
    ms_buf_free(&w.b.scratch);
    return rc != 0 ? rc : rc2;
}

void rpt_changes_section(struct rpt_report *r, const struct rpt_changes *ch, const char *prev,
                         const char *latest)
{
    static const char *const cols[] = {"change", "MTA-STS", "DANE", "TLS-RPT", NULL};
    static const char *const mcols[] = {"domains", "records", NULL};
    static const char *const labels[RPT_C__COUNT] = {
        "Adopted (published now, not before)", "Dropped (published before, not now)",
        "Broke (worked before, published but failing now)",
        "Fixed (published and failing before, working now)"};
    struct ms_buf intro;
    struct rpt_section *s;
    struct rpt_table *t;
    struct rpt_cell *c;

    ms_buf_init(&intro);
    ms_buf_printf(&intro, "From the scan of %s to the scan of %s, over the domains in both.", prev,
                  latest);
    s = rpt_section(r, "changes", "Change since the previous scan", ms_buf_cstr(&intro));
    ms_buf_free(&intro);
    t = rpt_table(r, s, "changes", "Domains whose deployment changed",
                  "MTA-STS works: a valid policy in enforce or testing; DANE works: valid, "
                  "host-only, partial or unusable; TLS-RPT works: a valid record. `mtascope "
                  "report --changes DIR` writes the domains of each cell.",
                  RPT_CHART_NONE, cols);
    for (int k = 0; k < RPT_C__COUNT; k++) {
        c = rpt_row(r, t, labels[k]);
        for (int tech = 0; tech < RPT_T__COUNT && c != NULL; tech++)
            rpt_set_share(&c[1 + tech], ch->n[tech][k], ch->both);
    }
    t = rpt_table(r, s, "membership", "Domains in one scan only", NULL, RPT_CHART_NONE, mcols);
    c = rpt_row(r, t, "In both scans");
    rpt_set_count(c ? &c[1] : NULL, ch->both);
    c = rpt_row(r, t, "New (latest scan only)");
    rpt_set_count(c ? &c[1] : NULL, ch->only_latest);
    c = rpt_row(r, t, "Gone (previous scan only)");
    rpt_set_count(c ? &c[1] : NULL, ch->only_prev);
}
