/* record.h: the per-domain result record: named fields, CSV columns, versioned binary encoding. */
#ifndef MS_OUTPUT_RECORD_H
#define MS_OUTPUT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/* Bumped whenever the meaning of a field changes; stored as the first byte of every value. */
#define OUT_RECORD_VERSION 1

/*
 * Every field of a domain record, in CSV column order: XX(ID, "csv_name", in_csv).
 * Field ids are stored in LMDB: append new fields at the end, never renumber.
 * docs/output.md documents each column and its values.
 */
#define OUT_FIELD_MAP(XX)                                                                          \
    XX(DOMAIN, "domain", 1)                                                                        \
    XX(STATUS, "status", 1)                                                                        \
    XX(ERROR, "error", 1)                                                                          \
    XX(MX_KIND, "mx_kind", 1)                                                                      \
    XX(MX_HOSTS, "mx_hosts", 1)                                                                    \
    XX(MX_DNSSEC, "mx_dnssec", 1)                                                                  \
    XX(STS_TXT, "sts_txt", 1)                                                                      \
    XX(STS_ID, "sts_id", 1)                                                                        \
    XX(TLSRPT, "tlsrpt", 1)                                                                        \
    XX(TLSRPT_RUA, "tlsrpt_rua", 1)                                                                \
    XX(TLSA, "tlsa", 1)                                                                            \
    XX(STS, "sts", 1)                                                                              \
    XX(STS_MODE, "sts_mode", 1)                                                                    \
    XX(STS_ERROR, "sts_error", 1)                                                                  \
    XX(DANE, "dane", 1)                                                                            \
    XX(DANE_ERROR, "dane_error", 1)                                                                \
    XX(STARTTLS, "starttls", 1)                                                                    \
    XX(DNS_NOTES, "dns_notes", 1)                                                                  \
    XX(STS_TXT_ERROR, "sts_txt_error", 1)                                                          \
    XX(TLSRPT_ERROR, "tlsrpt_error", 1)                                                            \
    XX(MX_EDE, "mx_ede", 1)                                                                        \
    XX(INPUT_LINE, "input_line", 1)                                                                \
    XX(SCANNED_AT, "scanned_at", 1)                                                                \
    XX(HOSTS_DETAIL, "hosts_detail", 0)                                                            \
    XX(STS_MAX_AGE, "sts_max_age", 1)                                                              \
    XX(STS_MX_OK, "sts_mx_ok", 1)                                                                  \
    XX(STS_DELIVERABLE, "sts_deliverable", 1)                                                      \
    XX(STS_STRICT, "sts_strict", 1)                                                                \
    XX(STS_CONTENT_TYPE, "sts_content_type", 1)                                                    \
    XX(STS_POLICY_ID, "sts_policy_id", 1)                                                          \
    XX(STS_RESULT_TYPE, "sts_result_type", 1)

enum out_field {
#define XX(id, name, csv) OUT_F_##id,
    OUT_FIELD_MAP(XX)
#undef XX
        OUT_F__COUNT
};

/*
 * A record is a set of string fields; NULL or "" means empty. The record does
 * not own the strings: the caller keeps them alive while it uses the record
 * (decoding points them into the decoded buffer).
 */
struct out_record {
    const char *f[OUT_F__COUNT];
};

/* The CSV column name of a field, and whether it is a CSV column. */
const char *out_field_name(enum out_field id);
int out_field_in_csv(enum out_field id);

/*
 * Appends the versioned binary encoding of `r` to `out`:
 * byte 0 = OUT_RECORD_VERSION, then for each non-empty field: u8 id, u16 length
 * (big-endian), bytes. Values longer than 65535 bytes are truncated.
 */
void out_record_encode(const struct out_record *r, struct ms_buf *out);

/*
 * Decodes `len` bytes at `data` into `r`, copying the values NUL-terminated into
 * `scratch` (which `r` then points into: valid until scratch changes). Unknown
 * field ids are skipped. Returns 0, or MS_ESYNTAX for a truncated or
 * wrong-version buffer.
 * Added: `scratch` is reset first; MS_ESYNTAX also for a known field twice or a
 * value containing NUL; MS_ENOMEM if scratch cannot grow; on error r->f[] are NULL.
 */
int out_record_decode(const void *data, size_t len, struct out_record *r, struct ms_buf *scratch);

#endif
