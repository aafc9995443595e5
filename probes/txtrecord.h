/* txtrecord.h: what the MTA-STS and TLS-RPT TXT record parsers share (verdicts, codes, fields). */
#ifndef MS_PROBES_TXTRECORD_H
#define MS_PROBES_TXTRECORD_H

#include <stddef.h>

/* The verdict on one TXT RRset (`sts_txt` and `tlsrpt` columns of docs/output.md). */
enum txt_verdict { TXT_NONE = 0, TXT_VALID, TXT_INVALID, TXT_MULTIPLE };

/* "none", "valid", "invalid", "multiple"; "unknown" for a value outside the enum. Static string. */
const char *txt_verdict_str(enum txt_verdict v);

/*
 * The reason codes of `sts_txt_error` and `tlsrpt_error`, one fixed vocabulary for both records
 * (docs/txt-records.md gives the rule behind each). TXT_E_OK is not a reason and never appears in
 * a result.
 */
#define TXT_ERR_MAP(XX)                                                                            \
    XX(OK, "ok")                                                                                   \
    XX(MULTIPLE, "txt_multiple")                                                                   \
    XX(NUL_BYTE, "nul_byte")                                                                       \
    XX(VERSION_SYNTAX, "version_syntax")                                                           \
    XX(EMPTY_FIELD, "empty_field")                                                                 \
    XX(TRAILING_WSP, "trailing_wsp")                                                               \
    XX(FIELD_SYNTAX, "field_syntax")                                                               \
    XX(EXT_NAME_SYNTAX, "ext_name_syntax")                                                         \
    XX(EXT_NAME_TOO_LONG, "ext_name_too_long")                                                     \
    XX(EXT_VALUE_SYNTAX, "ext_value_syntax")                                                       \
    XX(ID_MISSING, "id_missing")                                                                   \
    XX(ID_EMPTY, "id_empty")                                                                       \
    XX(ID_SYNTAX, "id_syntax")                                                                     \
    XX(ID_TOO_LONG, "id_too_long")                                                                 \
    XX(RUA_MISSING, "rua_missing")                                                                 \
    XX(RUA_EMPTY, "rua_empty")                                                                     \
    XX(RUA_SCHEME, "rua_scheme")                                                                   \
    XX(RUA_SIZE_SUFFIX, "rua_size_suffix")                                                         \
    XX(RUA_URI_SYNTAX, "rua_uri_syntax")

enum txt_err {
#define XX(name, str) TXT_E_##name,
    TXT_ERR_MAP(XX)
#undef XX
        TXT_E__COUNT
};

/* The static reason string of a code ("id_syntax"); "unknown" for a value outside the enum. */
const char *txt_errstr(enum txt_err e);

/*
 * Whether a record is a candidate for `version` ("v=STSv1", "v=TLSRPTv1"): it begins with exactly
 * those bytes (case-sensitive, ABNF %s) followed by the end of the record, ";" or WSP (SP/HTAB),
 * the only bytes the ABNF lets follow the version (RFC 8461 §3.1, RFC 8460 §3). `rec` may be NULL
 * when len is 0. Returns 1 or 0.
 */
int txt_is_candidate(const char *rec, size_t len, const char *version);

/* One field of a record: spans into the caller's record, valid as long as the record is. */
struct txt_field {
    const char *name; /* bytes before the first "=" */
    size_t name_len;
    const char *value; /* bytes after the first "=", up to the delimiter (inner WSP kept) */
    size_t value_len;
};

/*
 * Walks the fields of a candidate record according to the shared ABNF shape
 *   record = version 1*(field-delim field) [field-delim];  field-delim = *WSP ";" *WSP
 * Embedded by the caller, initialised with txt_cursor_init; holds no allocation.
 */
struct txt_cursor {
    const char *rec;
    size_t len;
    size_t pos;        /* next byte to read: a delimiter or the end */
    int pending_trail; /* the field just returned ended the record with WSP and no ";" */
};

/*
 * Starts a cursor over `rec` (len bytes, any bytes) that txt_is_candidate accepted for `version`.
 * The record must outlive the cursor and the fields it returns.
 */
void txt_cursor_init(struct txt_cursor *c, const char *rec, size_t len, const char *version);

/*
 * Reads the next field. Returns 1 with *f filled, 0 at the end of the record, -1 with *err set
 * to the first rule broken (TXT_E_VERSION_SYNTAX, TXT_E_EMPTY_FIELD, TXT_E_TRAILING_WSP,
 * TXT_E_FIELD_SYNTAX). WSP that belongs to a delimiter is not part of the field. Never reads
 * outside the record.
 */
int txt_cursor_next(struct txt_cursor *c, struct txt_field *f, enum txt_err *err);

/*
 * Checks an extension field against the shared ABNF (RFC 8461 §3.1, RFC 8460 §3):
 *   ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 * Returns TXT_E_OK, TXT_E_EXT_NAME_SYNTAX, TXT_E_EXT_NAME_TOO_LONG or TXT_E_EXT_VALUE_SYNTAX.
 */
enum txt_err txt_check_extension(const struct txt_field *f);

/* Whether the field name is exactly `name` (case-sensitive). */
int txt_field_is(const struct txt_field *f, const char *name);

/* Whether the `len` bytes at p contain a NUL byte. */
int txt_has_nul(const char *p, size_t len);

/*
 * Counts the candidates for `version` among n records (records[i] is lens[i] bytes; NULL arrays
 * count as none) and stores the index of the first in *first (untouched when there is none).
 */
size_t txt_count_candidates(const char *const *records, const size_t *lens, size_t n,
                            const char *version, size_t *first);

/* ABNF WSP: SP or HTAB. */
static inline int txt_is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* ABNF ALPHA / DIGIT, ASCII only (no locale). */
static inline int txt_is_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

#endif
