/* markup_check.h: checks of generated HTML/SVG shared by the writer tests (tag nesting, entities).
 */
#ifndef MS_TESTS_MARKUP_CHECK_H
#define MS_TESTS_MARKUP_CHECK_H

#include <stdio.h>
#include <string.h>

static int mc_is_void(const char *n, size_t len)
{
    static const char *const voids[] = {"meta", "br",  "hr",   "img",  "input",  "link",
                                        "col",  "wbr", "area", "base", "source", NULL};

    for (int i = 0; voids[i] != NULL; i++)
        if (strlen(voids[i]) == len && strncmp(voids[i], n, len) == 0)
            return 1;
    return 0;
}

/* Quotes inside one tag come in pairs, so no attribute value spilled out of its quotes. */
static int mc_quotes_even(const char *from, const char *to)
{
    int q = 0;

    for (const char *p = from; p < to; p++)
        q += *p == '"';
    return q % 2 == 0;
}

/*
 * 0 if every tag of `s` closes in order (HTML void elements and "/>" SVG tags
 * excepted; the text of <script> and <style> skipped; comments and <!DOCTYPE>
 * skipped), every '<' opens a tag and quotes pair up inside each tag; else -1,
 * printing where it went wrong.
 */
static int mc_tags_balanced(const char *s)
{
    const char *stack[64];
    size_t lens[64];
    int depth = 0;
    const char *p = s;

    while ((p = strchr(p, '<')) != NULL) {
        int closing = p[1] == '/';
        const char *n = p + 1 + closing, *e;
        size_t len = strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789");

        if (p[1] == '!') {
            p = strstr(p, strncmp(p, "<!--", 4) == 0 ? "-->" : ">");
            if (p == NULL)
                return -1;
            continue;
        }
        e = strchr(n, '>');
        if (len == 0 || e == NULL || !mc_quotes_even(n, e)) {
            fprintf(stderr, "bad tag at: %.60s\n", p);
            return -1;
        }
        if (closing) {
            if (depth == 0 || lens[depth - 1] != len || strncmp(stack[depth - 1], n, len) != 0) {
                fprintf(stderr, "unbalanced close at: %.60s\n", p);
                return -1;
            }
            depth--;
        } else if (e[-1] != '/' && !mc_is_void(n, len)) {
            if (depth == 64)
                return -1;
            stack[depth] = n;
            lens[depth++] = len;
            if ((len == 6 && strncmp(n, "script", 6) == 0) ||
                (len == 5 && strncmp(n, "style", 5) == 0)) {
                const char *end = strstr(e, len == 6 ? "</script>" : "</style>");

                if (end == NULL)
                    return -1;
                e = end - 1; /* its closing tag is next */
            }
        }
        p = e + 1;
    }
    if (depth != 0)
        fprintf(stderr, "%d unclosed, innermost: %.20s\n", depth, stack[depth - 1]);
    return depth == 0 ? 0 : -1;
}

/* 0 if every '&' starts a character reference ("&amp;", "&#39;", ...). */
static int mc_entities_ok(const char *s)
{
    for (const char *p = strchr(s, '&'); p != NULL; p = strchr(p + 1, '&')) {
        size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789#");

        if (n == 0 || p[1 + n] != ';') {
            fprintf(stderr, "bare & at: %.30s\n", p);
            return -1;
        }
    }
    return 0;
}

/* Number of (non-overlapping) occurrences of `needle` in `s`. */
static size_t mc_count(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

#endif
