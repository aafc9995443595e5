/* json.h: minimal JSON writers (strings, key/value members) for manifest.json and status lines. */
#ifndef MS_OUTPUT_JSON_H
#define MS_OUTPUT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/*
 * Appends `s` as a JSON string (RFC 8259 §7), quotes included: `"` and `\` are
 * escaped, control characters (< 0x20) written as \u00XX, valid UTF-8 passed
 * through, and each byte of an invalid sequence (overlong, surrogate, above
 * U+10FFFF, truncated, stray continuation) written as \ufffd. NULL writes "".
 * On out-of-memory `b->oom` is set (ms_buf semantics). Any thread, given its own `b`.
 */
void out_json_str(struct ms_buf *b, const char *s);

/* As out_json_str for `n` bytes at `s`; a NUL byte is written as \u0000. */
void out_json_strn(struct ms_buf *b, const char *s, size_t n);

/*
 * Member writers for objects built in order. Each first appends a `,` unless
 * the buffer is empty or its last byte is `{`, `[` or `,`, then `"key":value`.
 * So an object is: ms_buf_putc(b, '{'); out_json_kv_...(b, ...); ...; ms_buf_putc(b, '}').
 * out_json_key writes the separator, key and colon only (for a nested value).
 */
void out_json_key(struct ms_buf *b, const char *key);
void out_json_kv_str(struct ms_buf *b, const char *key, const char *val);
void out_json_kv_u64(struct ms_buf *b, const char *key, uint64_t val);
void out_json_kv_bool(struct ms_buf *b, const char *key, int val);

#endif
