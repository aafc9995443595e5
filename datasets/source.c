/* source.c: a buffered byte stream over zlib's gzread: plain or gzip input, file or stdin. */
#include "datasets/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "common/error.h"

int ds_source_open(struct ds_source *s, const char *path)
{
    int fd;

    memset(s, 0, sizeof(*s));
    s->buf = malloc(DS_SOURCE_BUF);
    if (s->buf == NULL)
        return MS_ENOMEM;
    fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        free(s->buf);
        s->buf = NULL;
        return MS_EIO;
    }
    s->gz = gzdopen(fd, "rb");
    if (s->gz == NULL) {
        int e = errno;
        close(fd);
        free(s->buf);
        s->buf = NULL;
        errno = e;
        return MS_ENOMEM;
    }
    /* zlib's own input buffer: large reads, few system calls. */
    gzbuffer(s->gz, DS_SOURCE_BUF);
    return 0;
}

int ds_source_open_mem(struct ds_source *s, const void *data, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->buf = malloc(len > 0 ? len : 1);
    if (s->buf == NULL)
        return MS_ENOMEM;
    memcpy(s->buf, data, len);
    s->len = len;
    s->eof = 1;
    return 0;
}

void ds_source_close(struct ds_source *s)
{
    if (s->gz != NULL)
        gzclose(s->gz);
    free(s->buf);
    s->gz = NULL;
    s->buf = NULL;
    s->pos = s->len = 0;
}

long ds_source_fill(struct ds_source *s, size_t want)
{
    if (want > DS_SOURCE_BUF)
        want = DS_SOURCE_BUF;
    if (s->err)
        return s->err;
    if (s->len - s->pos >= want || s->eof)
        return (long)(s->len - s->pos);
    memmove(s->buf, s->buf + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = 0;
    while (s->len < want && !s->eof) {
        int n = gzread(s->gz, s->buf + s->len, (unsigned)(DS_SOURCE_BUF - s->len));
        if (n <= 0) {
            int zerr = Z_OK;
            /* zlib reports a stream cut short (Z_BUF_ERROR) only through gzerror. */
            gzerror(s->gz, &zerr);
            if (n < 0 || zerr != Z_OK) {
                /* A corrupt or truncated gzip stream is an error, not a silent end. */
                s->err = zerr == Z_ERRNO ? MS_EIO : MS_ESYNTAX;
                return s->err;
            }
            s->eof = 1;
        }
        s->len += (size_t)n;
        s->compressed = !gzdirect(s->gz);
    }
    return (long)(s->len - s->pos);
}

int ds_source_getline(struct ds_source *s, char *out, size_t cap, size_t *len, int *too_long)
{
    size_t n = 0;

    *too_long = 0;
    for (;;) {
        unsigned char *start, *nl;
        size_t avail, take;

        if (s->pos == s->len) {
            long r = ds_source_fill(s, 1);
            if (r < 0)
                return (int)r;
            if (r == 0) {
                if (n == 0 && !*too_long)
                    return 0;
                break;
            }
        }
        start = s->buf + s->pos;
        avail = s->len - s->pos;
        nl = memchr(start, '\n', avail);
        take = nl != NULL ? (size_t)(nl - start) : avail;
        if (n + take > cap - 1) {
            *too_long = 1;
            memcpy(out + n, start, cap - 1 - n);
            n = cap - 1;
        } else {
            memcpy(out + n, start, take);
            n += take;
        }
        s->pos += take;
        if (nl != NULL) {
            s->pos++;
            break;
        }
    }
    out[n] = '\0';
    *len = n;
    return 1;
}
