/* smtpreply.c: SMTP reply lines into replies (RFC 5321 §4.2): bounds, codes, STARTTLS keyword. */
#include "probes/smtpreply.h"

#include <string.h>

const char *smtp_rd_errstr(enum smtp_rd_error e)
{
    switch (e) {
    case SMTP_RDE_NONE:
        return "none";
    case SMTP_RDE_LINE_TOO_LONG:
        return "line_too_long";
    case SMTP_RDE_TOO_MANY_LINES:
        return "too_many_lines";
    case SMTP_RDE_SYNTAX:
        return "reply_syntax";
    case SMTP_RDE_CODE_MISMATCH:
        return "reply_code_mismatch";
    }
    return "unknown";
}

void smtp_reader_init(struct smtp_reader *r)
{
    memset(r, 0, sizeof(*r));
}

size_t smtp_reader_buffered(const struct smtp_reader *r)
{
    return r->pending + r->line_len;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 3207 §4: the EHLO keyword "STARTTLS" (case-insensitive, §4.1.1.1), then params or the end. */
static int is_starttls_line(const char *text, size_t n)
{
    static const char kw[] = "STARTTLS";
    size_t k = sizeof(kw) - 1;

    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (c != (unsigned char)kw[i])
            return 0;
    }
    return n == k || text[k] == ' ' || text[k] == '\t';
}

/* Copies the text for logs: bounded by the destination, control bytes shown as '?'. */
static void copy_text(char *dst, size_t cap, const char *src, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

/*
 * One line without its ending. Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 * Reply-code [ SP textstring ] CRLF, Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 §4.2). Only
 * the first digit's range is enforced: §4.2.1 gives meaning to it alone. Sets *final on the last
 * line of a reply.
 */
static enum smtp_rd_error take_line(struct smtp_reader *r, const char *p, size_t n, int *final)
{
    struct smtp_reply *cur = &r->cur;
    char sep;
    int code;

    if (n < 3 || !is_digit((unsigned char)p[0]) || !is_digit((unsigned char)p[1]) ||
        !is_digit((unsigned char)p[2]) || p[0] < '2' || p[0] > '5')
        return SMTP_RDE_SYNTAX;
    sep = n == 3 ? ' ' : p[3];
    if (sep != ' ' && sep != '-')
        return SMTP_RDE_SYNTAX;
    code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (cur->n_lines > 0 && code != cur->code)
        return SMTP_RDE_CODE_MISMATCH;
    if (cur->n_lines >= SMTP_REPLY_MAX_LINES)
        return SMTP_RDE_TOO_MANY_LINES;
    p += n > 3 ? 4 : 3;
    n -= n > 3 ? 4 : 3;
    if (cur->n_lines == 0) {
        cur->code = code;
        copy_text(cur->text, sizeof(cur->text), p, n);
    } else if (code == 250 && is_starttls_line(p, n)) {
        cur->starttls = 1;
    }
    cur->n_lines++;
    *final = sep == ' ';
    return SMTP_RDE_NONE;
}

static enum smtp_rd_status fail(struct smtp_reader *r, enum smtp_rd_error e, size_t consumed,
                                size_t *used)
{
    r->error = e;
    if (used != NULL)
        *used = consumed;
    return SMTP_RD_ERROR;
}

/* The line in r->line is complete (its LF consumed): strips the CR, parses, maybe ends a reply. */
static enum smtp_rd_error end_line(struct smtp_reader *r, int *final)
{
    size_t n = r->line_len;
    enum smtp_rd_error e;

    if (n > 0 && r->line[n - 1] == '\r')
        n--;
    else
        r->bare_lf++;
    e = take_line(r, r->line, n, final);
    if (e != SMTP_RDE_NONE)
        return e;
    r->pending += r->line_len + 1;
    r->line_len = 0;
    return SMTP_RDE_NONE;
}

enum smtp_rd_status smtp_reader_feed(struct smtp_reader *r, const char *data, size_t len,
                                     size_t *used, struct smtp_reply *out)
{
    size_t i = 0;

    if (r->error != SMTP_RDE_NONE)
        return fail(r, r->error, 0, used);
    while (i < len) {
        const char *lf = memchr(data + i, '\n', len - i);
        size_t seg = lf != NULL ? (size_t)(lf - (data + i)) : len - i;
        size_t room = SMTP_LINE_MAX - 1 - r->line_len; /* the LF itself makes SMTP_LINE_MAX */
        enum smtp_rd_error e;
        int final = 0;

        if (seg > room)
            return fail(r, SMTP_RDE_LINE_TOO_LONG, i + room + 1, used);
        memcpy(r->line + r->line_len, data + i, seg);
        r->line_len += seg;
        i += seg;
        if (lf == NULL)
            break;
        i++;
        e = end_line(r, &final);
        if (e != SMTP_RDE_NONE)
            return fail(r, e, i, used);
        if (final) {
            *out = r->cur;
            memset(&r->cur, 0, sizeof(r->cur));
            r->pending = 0;
            if (used != NULL)
                *used = i;
            return SMTP_RD_REPLY;
        }
    }
    if (used != NULL)
        *used = len;
    return SMTP_RD_MORE;
}
