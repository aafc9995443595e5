/* source.h: buffered reading of an input file or stdin, plain or gzip-compressed (zlib). */
#ifndef MS_DATASETS_SOURCE_H
#define MS_DATASETS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes read from the file (or inflated) at a time. */
#define DS_SOURCE_BUF (256 * 1024)

/*
 * A byte stream over zlib's gzFile: gzip is recognised by its magic bytes
 * (1f 8b) whatever the file is called, concatenated gzip members are read as
 * one stream (RFC 1952 §2.2), anything else is passed through as it is. Memory
 * is the buffer plus zlib's window, whatever the input size. One thread at a
 * time (the owner's).
 */
struct ds_source {
    void *gz; /* gzFile */
    unsigned char *buf;
    size_t pos, len;
    int eof;
    int err;        /* 0, or the sticky MS_EIO / MS_ESYNTAX of the first failed read */
    int compressed; /* 1 when the stream is gzip (known after the first fill) */
};

/*
 * Opens `path`, or standard input for "-" (a duplicate of fd 0: closing the
 * source leaves stdin open). Returns 0, MS_EIO (errno says why) or MS_ENOMEM.
 * On success the caller owns `s` until ds_source_close.
 */
int ds_source_open(struct ds_source *s, const char *path);

/*
 * A source over a copy of data[0..len) (tests, fuzzing): the copy is exactly
 * len bytes, so a read past the end shows under AddressSanitizer. Returns 0
 * or MS_ENOMEM.
 */
int ds_source_open_mem(struct ds_source *s, const void *data, size_t len);

/* Closes the file and frees the buffer; `s` may be zeroed or already closed. */
void ds_source_close(struct ds_source *s);

/*
 * Makes at least `want` bytes (at most DS_SOURCE_BUF) available at
 * s->buf + s->pos unless the stream ends first, moving unread bytes to the
 * front. Returns the bytes available (fewer than `want` only at the end),
 * MS_EIO on a read error (errno says why) or MS_ESYNTAX on corrupt or
 * truncated gzip data; the error sticks (s->err).
 */
long ds_source_fill(struct ds_source *s, size_t want);

/* The next byte (0..255), -1 at the end, or MS_EIO / MS_ESYNTAX. */
static inline int ds_source_getc(struct ds_source *s)
{
    if (s->pos == s->len) {
        long n = ds_source_fill(s, 1);
        if (n <= 0)
            return n < 0 ? (int)n : -1;
    }
    return s->buf[s->pos++];
}

/*
 * Reads one line (without its LF) into out[0..cap-1], NUL-terminated; a
 * longer line is cut and its rest skipped (*too_long = 1). Embedded NUL bytes
 * are kept in *len. Returns 1, 0 at the end, or MS_EIO / MS_ESYNTAX.
 */
int ds_source_getline(struct ds_source *s, char *out, size_t cap, size_t *len, int *too_long);

#endif
