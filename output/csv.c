/* csv.c: RFC 4180 quoting, domains.csv header and rows, atomic export from the store. */
#include "output/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "output/store.h"

static int needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    /* Leading/trailing blanks are quoted so no reader trims them away. */
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void out_csv_field(struct ms_buf *b, const char *s)
{
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    if (!needs_quotes(s, n)) {
        ms_buf_append(b, s, n);
        return;
    }
    /* RFC 4180 §2 rule 7: a double quote inside a quoted field is doubled. */
    ms_buf_putc(b, '"');
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        ms_buf_append(b, s, (size_t)(q - s) + 1);
        ms_buf_putc(b, '"');
    }
    ms_buf_puts(b, s);
    ms_buf_putc(b, '"');
}

void out_csv_header(struct ms_buf *b)
{
    int first = 1;

    for (unsigned i = 0; i < OUT_F__COUNT; i++) {
        if (!out_field_in_csv((enum out_field)i))
            continue;
        if (!first)
            ms_buf_putc(b, ',');
        first = 0;
        out_csv_field(b, out_field_name((enum out_field)i));
    }
    ms_buf_append(b, "\r\n", 2);
}

void out_csv_row(struct ms_buf *b, const struct out_record *r)
{
    int first = 1;

    for (unsigned i = 0; i < OUT_F__COUNT; i++) {
        if (!out_field_in_csv((enum out_field)i))
            continue;
        if (!first)
            ms_buf_putc(b, ',');
        first = 0;
        out_csv_field(b, r->f[i]);
    }
    ms_buf_append(b, "\r\n", 2);
}

/* State of one export, passed through out_store_iterate. */
struct csv_export {
    FILE *fp;
    struct ms_buf row;
    struct ms_buf scratch;
    uint64_t rows;
};

static int write_buf(struct csv_export *x, struct ms_buf *b)
{
    if (b->oom)
        return MS_ENOMEM;
    if (b->len > 0 && fwrite(b->data, 1, b->len, x->fp) != b->len)
        return MS_EIO;
    return 0;
}

static int export_one(const char *key, size_t keylen, const void *val, size_t vallen, void *arg)
{
    struct csv_export *x = arg;
    struct out_record r;
    int rc;

    rc = out_record_decode(val, vallen, &r, &x->scratch);
    if (rc != 0) {
        ms_error("csv export: record '%.*s' does not decode: %s", (int)keylen, key,
                 ms_strerror(rc));
        return rc;
    }
    /* The key is the normalised domain: use it if the record lacks one. */
    if (r.f[OUT_F_DOMAIN] == NULL || r.f[OUT_F_DOMAIN][0] == '\0')
        r.f[OUT_F_DOMAIN] = key;
    ms_buf_reset(&x->row);
    out_csv_row(&x->row, &r);
    rc = write_buf(x, &x->row);
    if (rc == 0)
        x->rows++;
    return rc;
}

/* Flushes and fsyncs the stream, then closes it; returns 0 or MS_EIO. */
static int close_synced(FILE *fp)
{
    int rc = 0;

    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
        rc = MS_EIO;
    if (fclose(fp) != 0)
        rc = MS_EIO;
    return rc;
}

int out_csv_export(const char *dir, const char *csv_path, uint64_t *rows)
{
    struct csv_export x;
    char tmp[4096];
    int rc;

    memset(&x, 0, sizeof(x));
    if (rows != NULL)
        *rows = 0;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", csv_path) >= sizeof(tmp))
        return MS_ETOOLONG;
    x.fp = fopen(tmp, "wb");
    if (x.fp == NULL) {
        ms_error("csv export: %s: %s", tmp, strerror(errno));
        return MS_EIO;
    }
    out_csv_header(&x.row);
    rc = write_buf(&x, &x.row);
    if (rc == 0)
        rc = out_store_iterate(dir, export_one, &x);
    if (rc == 0)
        rc = close_synced(x.fp);
    else
        fclose(x.fp);
    if (rc == 0 && rename(tmp, csv_path) != 0) {
        ms_error("csv export: rename %s: %s", csv_path, strerror(errno));
        rc = MS_EIO;
    }
    if (rc != 0)
        unlink(tmp);
    else if (rows != NULL)
        *rows = x.rows;
    ms_buf_free(&x.row);
    ms_buf_free(&x.scratch);
    return rc;
}
