/* strbuf.h: growable byte buffer used to build CSV rows, JSON and records. */
#ifndef MS_COMMON_STRBUF_H
#define MS_COMMON_STRBUF_H

#include <stddef.h>

/*
 * Embedded by its owner and zero-initialised (or ms_buf_init). Appends never
 * fail loudly: on out-of-memory the buffer sets `oom` and ignores further
 * appends, so a hot path checks once at the end (never aborts).
 */
struct ms_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
};

void ms_buf_init(struct ms_buf *b);
void ms_buf_free(struct ms_buf *b);
/* Empties the buffer and clears the oom flag; keeps the allocation. */
void ms_buf_reset(struct ms_buf *b);
void ms_buf_append(struct ms_buf *b, const void *p, size_t n);
void ms_buf_puts(struct ms_buf *b, const char *s);
void ms_buf_putc(struct ms_buf *b, char c);
void ms_buf_printf(struct ms_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated view of the contents, valid until the next append; "" when empty. */
const char *ms_buf_cstr(struct ms_buf *b);

#endif
