/* manifest.c: a bounded JSON reader (RFC 8259) that flattens manifest.json into path = value pairs.
 */
#include "analysis/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"

#define MAN_MAX_BYTES   (1u << 20)
#define MAN_MAX_DEPTH   32
#define MAN_MAX_ENTRIES 4096

struct parser {
    const char *p, *end;
    int depth;
    int err;
    struct ms_buf path; /* the current path, NUL-free */
    struct ms_buf val;
    struct rpt_manifest *m;
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int fail(struct parser *ps)
{
    if (ps->err == 0)
        ps->err = MS_ESYNTAX;
    return ps->err;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(struct ms_buf *b, unsigned cp)
{
    if (cp < 0x80) {
        ms_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        ms_buf_putc(b, (char)(0xc0 | (cp >> 6)));
        ms_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        ms_buf_putc(b, (char)(0xe0 | (cp >> 12)));
        ms_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ms_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        ms_buf_putc(b, (char)(0xf0 | (cp >> 18)));
        ms_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        ms_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ms_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* \uXXXX (the "\u" already read); surrogate pairs joined, a lone surrogate becomes U+FFFD. */
static int read_u(struct parser *ps, unsigned *cp)
{
    unsigned v = 0;

    if (ps->end - ps->p < 4)
        return fail(ps);
    for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0)
            return fail(ps);
        v = v * 16 + (unsigned)h;
    }
    ps->p += 4;
    *cp = v;
    return 0;
}

static int read_escape(struct parser *ps, struct ms_buf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e;
    unsigned cp, lo;

    if (ps->p >= ps->end)
        return fail(ps);
    if (*ps->p != 'u') {
        e = strchr(from, *ps->p);
        if (e == NULL || *ps->p == '\0')
            return fail(ps);
        ms_buf_putc(out, to[e - from]);
        ps->p++;
        return 0;
    }
    ps->p++;
    if (read_u(ps, &cp) != 0)
        return ps->err;
    if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
        ps->p[1] == 'u') {
        ps->p += 2;
        if (read_u(ps, &lo) != 0)
            return ps->err;
        cp = lo >= 0xdc00 && lo < 0xe000 ? 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00) : 0xfffd;
    } else if (cp >= 0xd800 && cp < 0xe000) {
        cp = 0xfffd;
    }
    if (cp == 0) /* values are C strings: a NUL would cut them short */
        cp = 0xfffd;
    put_utf8(out, cp);
    return 0;
}

/* A string (the opening quote at ps->p) into `out`, reset first. */
static int read_string(struct parser *ps, struct ms_buf *out)
{
    ms_buf_reset(out);
    ps->p++;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;

        if (c < 0x20)
            return fail(ps);
        if (c == '\\') {
            ps->p++;
            if (read_escape(ps, out) != 0)
                return ps->err;
            continue;
        }
        ms_buf_putc(out, (char)c);
        ps->p++;
    }
    if (ps->p >= ps->end)
        return fail(ps);
    ps->p++;
    ms_buf_cstr(out);
    if (out->oom)
        ps->err = MS_ENOMEM;
    return ps->err;
}

static int add_entry(struct parser *ps, const char *value)
{
    struct rpt_manifest *m = ps->m;
    char **np, **nv;

    if (m->n >= MAN_MAX_ENTRIES)
        return fail(ps);
    np = realloc(m->path, (m->n + 1) * sizeof(*np));
    if (np != NULL)
        m->path = np;
    nv = realloc(m->value, (m->n + 1) * sizeof(*nv));
    if (nv != NULL)
        m->value = nv;
    if (np == NULL || nv == NULL)
        return ps->err = MS_ENOMEM;
    m->path[m->n] = strdup(ms_buf_cstr(&ps->path));
    m->value[m->n] = strdup(value);
    m->n++;
    if (m->path[m->n - 1] == NULL || m->value[m->n - 1] == NULL)
        return ps->err = MS_ENOMEM;
    return 0;
}

/* A number, true, false or null: kept as its text after a syntax check of its characters. */
static int read_literal(struct parser *ps)
{
    const char *s = ps->p;
    char text[64];
    size_t n;

    while (ps->p < ps->end && strchr("0123456789+-.eEtruefalsn", *ps->p) != NULL && *ps->p)
        ps->p++;
    n = (size_t)(ps->p - s);
    if (n == 0 || n >= sizeof(text))
        return fail(ps);
    memcpy(text, s, n);
    text[n] = '\0';
    if (strspn(text, "0123456789+-.eE") != n && strcmp(text, "true") != 0 &&
        strcmp(text, "false") != 0 && strcmp(text, "null") != 0)
        return fail(ps);
    return add_entry(ps, text);
}

static int read_value(struct parser *ps);

/* Members or elements: `obj` 1 for an object. The opening bracket is at ps->p. */
static int read_container(struct parser *ps, int obj)
{
    size_t base = ps->path.len;
    struct ms_buf key;
    int i = 0, rc = 0;

    if (++ps->depth > MAN_MAX_DEPTH)
        return fail(ps);
    ms_buf_init(&key);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
        ps->p++;
        goto done;
    }
    for (;; i++) {
        skip_ws(ps);
        ps->path.len = base;
        if (obj) {
            if (ps->p >= ps->end || *ps->p != '"' || read_string(ps, &key) != 0) {
                rc = fail(ps);
                goto done;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p++ != ':') {
                rc = fail(ps);
                goto done;
            }
            ms_buf_printf(&ps->path, "%s%s", base ? "." : "", ms_buf_cstr(&key));
        } else {
            ms_buf_printf(&ps->path, "[%d]", i);
        }
        if ((rc = read_value(ps)) != 0)
            goto done;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            break;
        }
        rc = fail(ps);
        goto done;
    }
done:
    ps->path.len = base;
    ps->depth--;
    ms_buf_free(&key);
    return rc;
}

static int read_value(struct parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps);
    if (*ps->p == '{' || *ps->p == '[')
        return read_container(ps, *ps->p == '{');
    if (*ps->p == '"') {
        if (read_string(ps, &ps->val) != 0)
            return ps->err;
        return add_entry(ps, ms_buf_cstr(&ps->val));
    }
    return read_literal(ps);
}

int rpt_manifest_parse(struct rpt_manifest *m, const char *json, size_t len)
{
    struct parser ps;

    memset(m, 0, sizeof(*m));
    if (len > MAN_MAX_BYTES)
        return MS_ESYNTAX;
    memset(&ps, 0, sizeof(ps));
    ps.p = json;
    ps.end = json + len;
    ps.m = m;
    ms_buf_init(&ps.path);
    ms_buf_init(&ps.val);
    if (read_value(&ps) == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            fail(&ps);
    }
    if (ps.path.oom || ps.val.oom)
        ps.err = MS_ENOMEM;
    ms_buf_free(&ps.path);
    ms_buf_free(&ps.val);
    if (ps.err != 0)
        rpt_manifest_free(m);
    return ps.err;
}

int rpt_manifest_load(struct rpt_manifest *m, const char *dir)
{
    struct ms_buf path, body;
    char chunk[8192];
    size_t n;
    FILE *fp;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    ms_buf_init(&path);
    ms_buf_init(&body);
    ms_buf_printf(&path, "%s/manifest.json", dir);
    fp = path.oom ? NULL : fopen(ms_buf_cstr(&path), "rb");
    if (fp == NULL) {
        ms_buf_free(&path);
        return MS_ENOTFOUND;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && body.len <= MAN_MAX_BYTES)
        ms_buf_append(&body, chunk, n);
    if (ferror(fp))
        rc = MS_EIO;
    fclose(fp);
    if (rc == 0)
        rc = body.oom ? MS_ENOMEM : rpt_manifest_parse(m, body.data ? body.data : "", body.len);
    ms_buf_free(&path);
    ms_buf_free(&body);
    return rc;
}

const char *rpt_manifest_get(const struct rpt_manifest *m, const char *path)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->path[i], path) == 0)
            return m->value[i];
    return NULL;
}

void rpt_manifest_free(struct rpt_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->path[i]);
        free(m->value[i]);
    }
    free(m->path);
    free(m->value);
    memset(m, 0, sizeof(*m));
}
