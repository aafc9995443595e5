/* listreader.c: bounded line reader for plain domain lists and top lists. */
#include "datasets/listreader.h"

#include <string.h>

#include "common/error.h"

void ds_list_reader_init(struct ds_list_reader *r, FILE *fp)
{
    memset(r, 0, sizeof(*r));
    r->fp = fp;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Discards the rest of an over-long line. */
static void skip_to_eol(FILE *fp)
{
    int c;

    while ((c = getc(fp)) != EOF && c != '\n')
        ;
}

/* The name of a trimmed line: after "rank," for top lists (required in DS_LIST_TOPLIST). */
static void parse_name(struct ds_entry *e, enum ds_list_mode mode)
{
    size_t skip = strspn(e->raw, "0123456789");
    const char *name = e->raw;
    size_t len = e->raw_len;

    /* A top list line, "rank,domain" as Tranco publishes it: the name follows the comma. */
    if (skip > 0 && e->raw[skip] == ',') {
        name += skip + 1;
        len -= skip + 1;
    } else if (mode == DS_LIST_TOPLIST) {
        e->err = DS_NAME_TOPLIST_SYNTAX;
        return;
    }
    if (memchr(name, ' ', len) || memchr(name, '\t', len))
        e->err = DS_NAME_BAD_CHAR;
    else
        e->err = ds_name_normalise(name, len, e->name);
}

int ds_list_parse(const char *line, size_t n, int too_long, enum ds_list_mode mode, uint64_t lineno,
                  struct ds_entry *e)
{
    size_t start = 0;
    const char *hash = memchr(line, '#', n);

    if (hash != NULL)
        n = (size_t)(hash - line);
    /* Embedded NUL bytes end the line early: what follows is dropped. */
    {
        const char *nul = memchr(line, '\0', n);
        if (nul != NULL)
            n = (size_t)(nul - line);
    }
    while (n > 0 && is_space(line[n - 1]))
        n--;
    while (start < n && is_space(line[start]))
        start++;
    if (start == n && !too_long)
        return 0;
    e->lineno = lineno;
    e->raw_len = n - start;
    if (e->raw_len > DS_LINE_MAX)
        e->raw_len = DS_LINE_MAX;
    memcpy(e->raw, line + start, e->raw_len);
    e->raw[e->raw_len] = '\0';
    e->name[0] = '\0';
    if (too_long)
        e->err = DS_NAME_LINE_TOO_LONG;
    else
        parse_name(e, mode);
    return 1;
}

int ds_list_next(struct ds_list_reader *r, struct ds_entry *e)
{
    for (;;) {
        size_t n;
        int too_long = 0;

        if (fgets(r->buf, sizeof(r->buf), r->fp) == NULL)
            return ferror(r->fp) ? MS_EIO : 0;
        r->lineno++;
        n = strlen(r->buf);
        if (n == sizeof(r->buf) - 1 && r->buf[n - 1] != '\n') {
            too_long = 1;
            skip_to_eol(r->fp);
        }
        if (ds_list_parse(r->buf, n, too_long, DS_LIST_PLAIN, r->lineno, e) == 1)
            return 1;
    }
}
