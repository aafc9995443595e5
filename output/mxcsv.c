/* mxcsv.c: exports the per-(MX host, IP) rows kept inside each domain record as mx.csv. */
#include "output/mxcsv.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "output/csv.h"
#include "output/record.h"
#include "output/store.h"

struct export
{
    FILE *fp;
    struct ms_buf scratch, line, field;
    uint64_t rows;
    int err;
};

/* Writes the rows of one record: each line of hosts_detail becomes "domain,f1,f2,...". */
static void write_rows(struct export *x, const char *domain, const char *detail)
{
    while (*detail) {
        const char *eol = strchr(detail, '\n');
        size_t n = eol ? (size_t)(eol - detail) : strlen(detail);

        ms_buf_reset(&x->line);
        out_csv_field(&x->line, domain);
        for (size_t i = 0, start = 0; i <= n; i++) {
            if (i == n || detail[i] == '\t') {
                ms_buf_reset(&x->field);
                ms_buf_append(&x->field, detail + start, i - start);
                ms_buf_putc(&x->line, ',');
                out_csv_field(&x->line, ms_buf_cstr(&x->field));
                start = i + 1;
            }
        }
        ms_buf_puts(&x->line, "\r\n");
        if (x->line.oom || fwrite(x->line.data, 1, x->line.len, x->fp) != x->line.len)
            x->err = MS_EIO;
        x->rows++;
        detail += eol ? n + 1 : n;
    }
}

static int on_record(const char *key, size_t keylen, const void *val, size_t vallen, void *arg)
{
    struct export *x = arg;
    struct out_record r;

    (void)keylen;
    if (out_record_decode(val, vallen, &r, &x->scratch) != 0)
        return MS_ESYNTAX;
    if (r.f[OUT_F_HOSTS_DETAIL] != NULL)
        write_rows(x, r.f[OUT_F_DOMAIN] ? r.f[OUT_F_DOMAIN] : key, r.f[OUT_F_HOSTS_DETAIL]);
    return x->err;
}

int out_mxcsv_export(const char *dir, const char *csv_path, const char *columns, uint64_t *rows)
{
    struct export x;
    char tmp[4200];
    int rc;

    memset(&x, 0, sizeof(x));
    snprintf(tmp, sizeof(tmp), "%s.tmp", csv_path);
    x.fp = fopen(tmp, "w");
    if (x.fp == NULL)
        return MS_EIO;
    fprintf(x.fp, "domain,%s\r\n", columns);
    rc = out_store_iterate(dir, on_record, &x);
    if (fclose(x.fp) != 0 && rc == 0)
        rc = MS_EIO;
    if (rc == 0 && rename(tmp, csv_path) != 0)
        rc = MS_EIO;
    if (rc != 0)
        remove(tmp);
    ms_buf_free(&x.scratch);
    ms_buf_free(&x.line);
    ms_buf_free(&x.field);
    *rows = x.rows;
    return rc;
}
