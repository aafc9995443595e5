/* csv.h: RFC 4180 CSV for domains.csv: quoting, header and rows, export from the result store. */
#ifndef MS_OUTPUT_CSV_H
#define MS_OUTPUT_CSV_H

#include <stdint.h>

#include "common/strbuf.h"
#include "output/record.h"

/*
 * Appends one field to `b` (RFC 4180 §2): quoted when it contains `,` `"` CR
 * or LF, or starts or ends with a space or tab; quotes inside are doubled.
 * NULL is the empty field. Bytes are passed through unchanged. On out-of-memory
 * `b->oom` is set (ms_buf semantics). Any thread, given its own `b`.
 */
void out_csv_field(struct ms_buf *b, const char *s);

/* Appends the header line: the in_csv fields in OUT_FIELD_MAP order, CRLF-terminated. */
void out_csv_header(struct ms_buf *b);

/* Appends the row for `r`: one field per CSV column (empty when NULL), CRLF-terminated. */
void out_csv_row(struct ms_buf *b, const struct out_record *r);

/*
 * Writes DIR/results.lmdb's `domains` database as CSV to `csv_path`: the header,
 * then one row per record in key order. Writes `csv_path`.tmp, fsyncs it and
 * rename()s it over `csv_path`, so readers see the old file or the complete new
 * one. A record that does not decode (corrupt or a newer OUT_RECORD_VERSION)
 * fails the export with MS_ESYNTAX (logged with its key) rather than silently
 * dropping a row; the .tmp file is removed on any failure. `*rows` (may be NULL)
 * receives the number of data rows. The store must not be open for writing in
 * this process (see out_store_iterate). Returns 0, MS_ENOTFOUND (no store),
 * MS_EIO, MS_ENOMEM, MS_ETOOLONG (path), MS_ESYNTAX or MS_ELMDB. Blocking; any thread.
 */
int out_csv_export(const char *dir, const char *csv_path, uint64_t *rows);

#endif
