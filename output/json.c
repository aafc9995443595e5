/* json.c: JSON string escaping with UTF-8 validation, and object member writers. */
#include "output/json.h"

#include <inttypes.h>
#include <string.h>

/*
 * Length of the valid UTF-8 sequence at s[0..n) (RFC 3629 §4), or 0 if it is
 * not one: overlongs, surrogates (U+D800..DFFF) and code points above U+10FFFF
 * are rejected through the allowed ranges of the second byte.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        if (s[0] == 0xE0)
            lo = 0xA0;
        else if (s[0] == 0xED)
            hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        if (s[0] == 0xF0)
            lo = 0x90;
        else if (s[0] == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

void out_json_strn(struct ms_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    ms_buf_putc(b, '"');
    /* Plain bytes are copied in runs; only escapes are written one by one. */
    while (i < n) {
        unsigned char c = p[i];
        size_t len = 1;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80 && (len = utf8_len(p + i, n - i)) > 0) {
            i += len;
            continue;
        }
        ms_buf_append(b, s + run, i - run);
        if (c == '"' || c == '\\') {
            ms_buf_putc(b, '\\');
            ms_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            ms_buf_append(b, esc, sizeof(esc));
        } else {
            ms_buf_append(b, "\\ufffd", 6);
        }
        run = ++i;
    }
    ms_buf_append(b, s + run, n - run);
    ms_buf_putc(b, '"');
}

void out_json_str(struct ms_buf *b, const char *s)
{
    out_json_strn(b, s ? s : "", s ? strlen(s) : 0);
}

void out_json_key(struct ms_buf *b, const char *key)
{
    if (b->len > 0 && !b->oom) {
        char last = b->data[b->len - 1];

        if (last != '{' && last != '[' && last != ',')
            ms_buf_putc(b, ',');
    }
    out_json_str(b, key);
    ms_buf_putc(b, ':');
}

void out_json_kv_str(struct ms_buf *b, const char *key, const char *val)
{
    out_json_key(b, key);
    out_json_str(b, val);
}

void out_json_kv_u64(struct ms_buf *b, const char *key, uint64_t val)
{
    out_json_key(b, key);
    ms_buf_printf(b, "%" PRIu64, val);
}

void out_json_kv_bool(struct ms_buf *b, const char *key, int val)
{
    out_json_key(b, key);
    ms_buf_puts(b, val ? "true" : "false");
}
