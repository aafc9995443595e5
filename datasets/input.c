/* input.c: one reader for every input format: list, top list or zone file, plain or gzip. */
#include "datasets/input.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"

static const char *const format_names[] = {
#define XX(name, str) str,
    DS_INPUT_FORMAT_MAP(XX)
#undef XX
};

const char *ds_input_format_name(enum ds_input_format f)
{
    if ((size_t)f >= sizeof(format_names) / sizeof(format_names[0]))
        return "unknown";
    return format_names[f];
}

int ds_input_format_parse(const char *s, enum ds_input_format *out)
{
    for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum ds_input_format)i;
            return 0;
        }
    }
    return MS_EINVAL;
}

/* Whether token t[0..n) is a class or one of the types common in zone files. */
static int rr_word(const char *t, size_t n)
{
    static const char *const words[] = {"IN",   "CH",    "HS",        "SOA",   "NS",  "A",
                                        "AAAA", "MX",    "TXT",       "CNAME", "DS",  "RRSIG",
                                        "NSEC", "NSEC3", "DNSKEY",    "PTR",   "SRV", "CAA",
                                        "TLSA", "DNAME", "NSEC3PARAM"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i]) == n && strncasecmp(t, words[i], n) == 0)
            return 1;
    }
    return 0;
}

/*
 * How one line reads: 'Z' surely a zone file (a directive), 'z' like a resource record or a zone
 * comment, 't' a top list entry, 'l' a list entry, 0 blank or a '#' comment.
 */
static int sniff_line(const char *s, size_t n)
{
    size_t i = 0, ntok = 0, digits;

    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    if (i == n || s[i] == '#')
        return 0;
    if (i == 0 && n >= 4 &&
        (strncasecmp(s, "$ORIGIN", n < 7 ? n : 7) == 0 || strncasecmp(s, "$TTL", 4) == 0 ||
         strncasecmp(s, "$INCLUDE", n < 8 ? n : 8) == 0))
        return 'Z'; /* a directive: certainly a zone file */
    if (s[i] == ';')
        return 'z';
    while (i < n && ntok < 5) {
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        if (ntok > 0 && rr_word(s + start, i - start))
            return 'z';
        ntok++;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
    }
    digits = strspn(s, "0123456789");
    if (digits > 0 && digits < n && s[digits] == ',')
        return 't';
    return 'l';
}

enum ds_input_format ds_input_sniff(const char *buf, size_t len)
{
    size_t pos = 0, entries = 0, ranked = 0, zone = 0;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - buf) - pos : len - pos;
        int kind;

        if (nl == NULL && pos > 0)
            break; /* a cut last line says nothing reliable */
        kind = sniff_line(buf + pos, n);
        if (kind == 'Z')
            return DS_INPUT_ZONE;
        if (kind != 0) {
            entries++;
            ranked += kind == 't';
            zone += kind == 'z';
        }
        pos += n + 1;
    }
    /* A list with a few malformed lines ("not a domain" has an "A" in it) stays a list. */
    if (zone * 2 > entries)
        return DS_INPUT_ZONE;
    return entries > 0 && ranked == entries ? DS_INPUT_TOPLIST : DS_INPUT_LIST;
}

int ds_input_open(struct ds_input **out, const char *path, enum ds_input_format fmt,
                  const char *zone_origin)
{
    struct ds_input *in = calloc(1, sizeof(*in));
    int rc;

    *out = NULL;
    if (in == NULL)
        return MS_ENOMEM;
    rc = ds_source_open(&in->src, path);
    if (rc != 0) {
        free(in);
        return rc;
    }
    {
        /* Read the start now: gzip is known, a corrupt stream fails here, AUTO has its sample. */
        long n = ds_source_fill(&in->src, DS_INPUT_SNIFF);
        if (n < 0) {
            ds_input_close(in);
            return (int)n;
        }
        if (fmt == DS_INPUT_AUTO)
            fmt = ds_input_sniff((const char *)in->src.buf + in->src.pos, (size_t)n);
    }
    in->format = fmt;
    if (ds_zone_init(&in->zone, &in->src, zone_origin) != 0) {
        ds_input_close(in);
        return MS_EINVAL;
    }
    *out = in;
    return 0;
}

int ds_input_next(struct ds_input *in, struct ds_entry *e)
{
    if (in->format == DS_INPUT_ZONE)
        return ds_zone_next(&in->zone, e);
    for (;;) {
        size_t n;
        int too_long, rc = ds_source_getline(&in->src, in->line, sizeof(in->line), &n, &too_long);

        if (rc <= 0)
            return rc;
        in->lineno++;
        if (ds_list_parse(in->line, n, too_long,
                          in->format == DS_INPUT_TOPLIST ? DS_LIST_TOPLIST : DS_LIST_PLAIN,
                          in->lineno, e) == 1)
            return 1;
    }
}

int ds_input_compressed(const struct ds_input *in)
{
    return in->src.compressed;
}

void ds_input_close(struct ds_input *in)
{
    if (in == NULL)
        return;
    ds_source_close(&in->src);
    free(in);
}
