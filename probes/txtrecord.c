/* txtrecord.c: candidate filter and field cursor shared by the MTA-STS and TLS-RPT TXT parsers. */
#include "probes/txtrecord.h"

#include <string.h>

static const char *const verdict_names[] = {"none", "valid", "invalid", "multiple"};

static const char *const err_names[] = {
#define XX(name, str) str,
    TXT_ERR_MAP(XX)
#undef XX
};

const char *txt_verdict_str(enum txt_verdict v)
{
    if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
        return "unknown";
    return verdict_names[v];
}

const char *txt_errstr(enum txt_err e)
{
    if ((unsigned)e >= sizeof(err_names) / sizeof(err_names[0]))
        return "unknown";
    return err_names[e];
}

int txt_is_candidate(const char *rec, size_t len, const char *version)
{
    size_t vlen = strlen(version);

    if (rec == NULL || len < vlen || memcmp(rec, version, vlen) != 0)
        return 0;
    /* "v=STSv10;..." is another version, not ours (RFC 8461 §3.1: records are filtered on the
     * version; the ABNF lets only a delimiter or the end follow it). */
    return len == vlen || rec[vlen] == ';' || txt_is_wsp((unsigned char)rec[vlen]);
}

size_t txt_count_candidates(const char *const *records, const size_t *lens, size_t n,
                            const char *version, size_t *first)
{
    size_t count = 0;

    if (records == NULL || lens == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (txt_is_candidate(records[i], lens[i], version)) {
            if (count == 0)
                *first = i;
            count++;
        }
    }
    return count;
}

int txt_has_nul(const char *p, size_t len)
{
    return len > 0 && memchr(p, '\0', len) != NULL;
}

void txt_cursor_init(struct txt_cursor *c, const char *rec, size_t len, const char *version)
{
    size_t vlen = strlen(version);

    c->rec = rec;
    c->len = len;
    c->pos = vlen <= len ? vlen : len;
    c->pending_trail = 0;
}

static size_t skip_wsp(const char *s, size_t pos, size_t len)
{
    while (pos < len && txt_is_wsp((unsigned char)s[pos]))
        pos++;
    return pos;
}

int txt_cursor_next(struct txt_cursor *c, struct txt_field *f, enum txt_err *err)
{
    const char *s = c->rec;
    size_t q, start, end, trim;
    const char *eq;

    if (c->pending_trail) {
        /* The previous field ended the record in WSP: field-delim needs a ";" after *WSP. */
        *err = TXT_E_TRAILING_WSP;
        return -1;
    }
    if (c->pos >= c->len)
        return 0;
    q = skip_wsp(s, c->pos, c->len);
    if (q == c->len) {
        *err = TXT_E_TRAILING_WSP;
        return -1;
    }
    if (s[q] != ';') {
        /* Fields run to the next ";", so only the version can be followed by anything else. */
        *err = TXT_E_VERSION_SYNTAX;
        return -1;
    }
    start = skip_wsp(s, q + 1, c->len);
    if (start == c->len) {
        c->pos = c->len; /* the optional trailing field-delim */
        return 0;
    }
    if (s[start] == ';') {
        *err = TXT_E_EMPTY_FIELD;
        return -1;
    }
    eq = memchr(s + start, ';', c->len - start);
    end = eq != NULL ? (size_t)(eq - s) : c->len;
    trim = end;
    while (trim > start && txt_is_wsp((unsigned char)s[trim - 1]))
        trim--;
    if (end == c->len && trim < end)
        c->pending_trail = 1;
    c->pos = end;

    eq = memchr(s + start, '=', trim - start);
    if (eq == NULL) {
        *err = TXT_E_FIELD_SYNTAX;
        return -1;
    }
    f->name = s + start;
    f->name_len = (size_t)(eq - f->name);
    f->value = eq + 1;
    f->value_len = trim - start - f->name_len - 1;
    return 1;
}

int txt_field_is(const struct txt_field *f, const char *name)
{
    size_t n = strlen(name);

    return f->name_len == n && memcmp(f->name, name, n) == 0;
}

/* ext-value = 1*(%x21-3A / %x3C / %x3E-7E): visible ASCII except ";" and "=". */
static int is_ext_value_char(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

enum txt_err txt_check_extension(const struct txt_field *f)
{
    const unsigned char *name = (const unsigned char *)f->name;
    const unsigned char *value = (const unsigned char *)f->value;

    if (f->name_len == 0 || !txt_is_alnum(name[0]))
        return TXT_E_EXT_NAME_SYNTAX;
    for (size_t i = 1; i < f->name_len; i++) {
        unsigned char c = name[i];
        if (!txt_is_alnum(c) && c != '_' && c != '-' && c != '.')
            return TXT_E_EXT_NAME_SYNTAX;
    }
    if (f->name_len > 32)
        return TXT_E_EXT_NAME_TOO_LONG;
    if (f->value_len == 0)
        return TXT_E_EXT_VALUE_SYNTAX;
    for (size_t i = 0; i < f->value_len; i++) {
        if (!is_ext_value_char(value[i]))
            return TXT_E_EXT_VALUE_SYNTAX;
    }
    return TXT_E_OK;
}
