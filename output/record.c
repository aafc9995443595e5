/* record.c: the field table and the bounded, versioned binary encoding of a domain record. */
#include "output/record.h"

#include <stdint.h>
#include <string.h>

#include "common/error.h"

/* Field ids are stored as one byte. */
_Static_assert(OUT_F__COUNT <= 256, "field ids must fit in a byte");

#define OUT_FIELD_MAXLEN 65535u

static const char *const field_names[OUT_F__COUNT] = {
#define XX(id, name, csv) name,
    OUT_FIELD_MAP(XX)
#undef XX
};

static const unsigned char field_in_csv[OUT_F__COUNT] = {
#define XX(id, name, csv) csv,
    OUT_FIELD_MAP(XX)
#undef XX
};

/* Returns NULL for an id outside the table. Any thread. */
const char *out_field_name(enum out_field id)
{
    if ((unsigned)id >= OUT_F__COUNT)
        return NULL;
    return field_names[id];
}

/* Returns 0 for an id outside the table. Any thread. */
int out_field_in_csv(enum out_field id)
{
    if ((unsigned)id >= OUT_F__COUNT)
        return 0;
    return field_in_csv[id];
}

/* Length to store for `v`: at most 65535 bytes, never ending inside a UTF-8 sequence. */
static size_t field_len(const char *v)
{
    size_t n = strnlen(v, OUT_FIELD_MAXLEN + 1);

    if (n <= OUT_FIELD_MAXLEN)
        return n;
    n = OUT_FIELD_MAXLEN;
    /* v[n] is the first byte cut off: back up while it continues a sequence. */
    while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/*
 * On out-of-memory `out->oom` is set (ms_buf semantics) and the encoding is
 * incomplete: the caller checks `out->oom` before storing it. Any thread.
 */
void out_record_encode(const struct out_record *r, struct ms_buf *out)
{
    ms_buf_putc(out, (char)OUT_RECORD_VERSION);
    for (unsigned i = 0; i < OUT_F__COUNT; i++) {
        const char *v = r->f[i];
        unsigned char hdr[3];
        size_t n;

        if (v == NULL || v[0] == '\0')
            continue;
        n = field_len(v);
        hdr[0] = (unsigned char)i;
        hdr[1] = (unsigned char)(n >> 8);
        hdr[2] = (unsigned char)(n & 0xFF);
        ms_buf_append(out, hdr, sizeof(hdr));
        ms_buf_append(out, v, n);
    }
}

/*
 * `data` is untrusted (a corrupt or foreign store): every length is checked
 * against the bytes left before it is used. A known field seen twice or a value
 * containing NUL is rejected as corrupt (the encoder never produces either).
 * `scratch` is reset first. On error every r->f[] is NULL. Returns MS_ENOMEM if
 * scratch cannot grow. Any thread, given its own `r` and `scratch`.
 */
int out_record_decode(const void *data, size_t len, struct out_record *r, struct ms_buf *scratch)
{
    const unsigned char *p = data;
    size_t off[OUT_F__COUNT];
    size_t pos = 1;

    for (unsigned i = 0; i < OUT_F__COUNT; i++) {
        r->f[i] = NULL;
        off[i] = SIZE_MAX;
    }
    if (p == NULL || len < 1 || p[0] != OUT_RECORD_VERSION)
        return MS_ESYNTAX;
    ms_buf_reset(scratch);
    while (pos < len) {
        unsigned id;
        size_t n;

        if (len - pos < 3)
            return MS_ESYNTAX;
        id = p[pos];
        n = ((size_t)p[pos + 1] << 8) | p[pos + 2];
        pos += 3;
        if (n > len - pos)
            return MS_ESYNTAX;
        if (id < OUT_F__COUNT) {
            if (off[id] != SIZE_MAX || memchr(p + pos, '\0', n) != NULL)
                return MS_ESYNTAX;
            off[id] = scratch->len;
            ms_buf_append(scratch, p + pos, n);
            ms_buf_putc(scratch, '\0');
        }
        pos += n;
    }
    if (scratch->oom)
        return MS_ENOMEM;
    /* Pointers are taken only now: appends may have moved scratch->data. */
    for (unsigned i = 0; i < OUT_F__COUNT; i++)
        if (off[i] != SIZE_MAX)
            r->f[i] = scratch->data + off[i];
    return 0;
}
