/* strbuf.c: growable byte buffer with a sticky out-of-memory flag. */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ms_buf_init(struct ms_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void ms_buf_free(struct ms_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void ms_buf_reset(struct ms_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static int reserve(struct ms_buf *b, size_t extra)
{
    size_t want;
    char *p;

    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    want = b->cap ? b->cap : 128;
    while (want < b->len + extra + 1)
        want *= 2;
    p = realloc(b->data, want);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = want;
    return 0;
}

void ms_buf_append(struct ms_buf *b, const void *p, size_t n)
{
    if (n == 0 || reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ms_buf_puts(struct ms_buf *b, const char *s)
{
    ms_buf_append(b, s, strlen(s));
}

void ms_buf_putc(struct ms_buf *b, char c)
{
    ms_buf_append(b, &c, 1);
}

void ms_buf_printf(struct ms_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *ms_buf_cstr(struct ms_buf *b)
{
    return b->data ? b->data : "";
}
