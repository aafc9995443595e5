/* ststxt.c: RFC 8461 §3.1 TXT record parsing: candidate filter, ABNF check, id extraction. */
#include "probes/ststxt.h"

#include <string.h>

#define STS_VERSION "v=STSv1"
#define STS_ID_MAX  32

/* sts-id = %s"id=" 1*32(ALPHA / DIGIT) */
static enum txt_err check_id(const struct txt_field *f)
{
    if (f->value_len == 0)
        return TXT_E_ID_EMPTY;
    for (size_t i = 0; i < f->value_len; i++) {
        if (!txt_is_alnum((unsigned char)f->value[i]))
            return TXT_E_ID_SYNTAX;
    }
    if (f->value_len > STS_ID_MAX)
        return TXT_E_ID_TOO_LONG;
    return TXT_E_OK;
}

/*
 * Parses the one candidate record. Every field named exactly "id" must be a valid sts-id (a
 * malformed one is not quietly taken for an extension); when there are several, the first wins.
 * Other fields are extensions: checked, then ignored.
 */
static enum txt_err parse_record(const char *rec, size_t len, char id[STS_ID_MAX + 1])
{
    struct txt_cursor cur;
    struct txt_field f;
    enum txt_err err = TXT_E_OK;
    int have_id = 0, r;

    if (txt_has_nul(rec, len))
        return TXT_E_NUL_BYTE;
    txt_cursor_init(&cur, rec, len, STS_VERSION);
    while ((r = txt_cursor_next(&cur, &f, &err)) > 0) {
        if (txt_field_is(&f, "id")) {
            err = check_id(&f);
            if (err != TXT_E_OK)
                return err;
            if (!have_id) {
                memcpy(id, f.value, f.value_len);
                id[f.value_len] = '\0';
                have_id = 1;
            }
        } else {
            err = txt_check_extension(&f);
            if (err != TXT_E_OK)
                return err;
        }
    }
    if (r < 0)
        return err;
    return have_id ? TXT_E_OK : TXT_E_ID_MISSING;
}

void sts_txt_evaluate(const char *const *records, const size_t *lens, size_t n,
                      struct sts_txt_result *out)
{
    size_t first = 0, count;
    enum txt_err err;

    memset(out, 0, sizeof(*out));
    out->verdict = TXT_NONE;
    count = txt_count_candidates(records, lens, n, STS_VERSION, &first);
    if (count == 0)
        return;
    if (count > 1) {
        out->verdict = TXT_MULTIPLE;
        out->error = txt_errstr(TXT_E_MULTIPLE);
        return;
    }
    err = parse_record(records[first], lens[first], out->id);
    if (err != TXT_E_OK) {
        out->verdict = TXT_INVALID;
        out->error = txt_errstr(err);
        out->id[0] = '\0';
        return;
    }
    out->verdict = TXT_VALID;
}
