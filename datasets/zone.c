/* zone.c: RFC 1035 §5 master file reader: tokens of each record, NS owners below the apex. */
#include "datasets/zone.h"

#include <string.h>
#include <strings.h>

#include "common/error.h"

/* The tokenizer's state within one record (RFC 1035 §5.1). */
struct lex {
    int depth;    /* open parentheses: a newline inside them does not end the record */
    int quote;    /* inside a quoted string */
    int comment;  /* after ';' up to the end of the line */
    int escape;   /* after '\' */
    int in_token; /* a token is being read */
    int skipping; /* the record is too long: read up to the end of the line */
};

static void raw_put(struct ds_zone_record *r, int c)
{
    if (r->raw_len < DS_LINE_MAX)
        r->raw[r->raw_len++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : (char)c;
}

static void tok_start(struct ds_zone_record *r, struct lex *l, int quoted)
{
    if (r->ntok < DS_ZONE_TOKENS) {
        r->toklen[r->ntok] = 0;
        r->tok_cut[r->ntok] = 0;
        r->tok_quoted[r->ntok] = quoted;
        r->tok[r->ntok][0] = '\0';
    }
    r->ntok++;
    l->in_token = 1;
}

static void tok_put(struct ds_zone_record *r, struct lex *l, int c)
{
    int i;

    if (!l->in_token)
        tok_start(r, l, 0);
    i = r->ntok - 1;
    if (i >= DS_ZONE_TOKENS)
        return;
    if (r->toklen[i] < DS_ZONE_TOKEN_MAX) {
        r->tok[i][r->toklen[i]++] = (char)c;
        r->tok[i][r->toklen[i]] = '\0';
    } else {
        r->tok_cut[i] = 1;
    }
}

static void tok_end(struct lex *l)
{
    l->in_token = 0;
}

/* Past DS_ZONE_RECORD_MAX: an error; forget the open parenthesis or quote and resume at the next
 * line. */
static void too_long(struct ds_zone_record *r, struct lex *l)
{
    r->err = DS_NAME_ZONE_TOO_LONG;
    l->skipping = 1;
    l->depth = 0;
    l->quote = 0;
    l->escape = 0;
    l->in_token = 0;
}

/* One byte inside a quoted string. */
static void lex_quoted(struct ds_zone_record *r, struct lex *l, int c)
{
    if (l->escape) {
        l->escape = 0;
        tok_put(r, l, c);
    } else if (c == '\\') {
        l->escape = 1;
    } else if (c == '"') {
        l->quote = 0;
        tok_end(l);
    } else {
        tok_put(r, l, c);
    }
}

/* One byte outside quotes and comments (not a newline). */
static void lex_plain(struct ds_zone_record *r, struct lex *l, int c)
{
    if (l->escape) {
        l->escape = 0;
        tok_put(r, l, c);
        return;
    }
    switch (c) {
    case '\\':
        tok_put(r, l, c); /* kept: an escaped owner is then refused by the name check */
        l->escape = 1;
        break;
    case '"':
        tok_end(l);
        tok_start(r, l, 1);
        l->quote = 1;
        break;
    case ';':
        tok_end(l);
        l->comment = 1;
        break;
    case '(':
        tok_end(l);
        if (++l->depth > 1)
            r->err = DS_NAME_ZONE_SYNTAX; /* parentheses do not nest */
        break;
    case ')':
        tok_end(l);
        if (l->depth == 0)
            r->err = DS_NAME_ZONE_SYNTAX;
        else
            l->depth--;
        break;
    case ' ':
    case '\t':
    case '\r':
        tok_end(l);
        break;
    default:
        tok_put(r, l, c);
    }
}

/* A newline: returns 1 when it ends the record. */
static int lex_newline(struct ds_zone_record *r, struct lex *l)
{
    l->comment = 0;
    l->escape = 0;
    tok_end(l);
    if (l->quote) {
        /* RFC 1035 §5.1 quoted strings do not span lines: the quote was never closed. */
        r->err = DS_NAME_ZONE_SYNTAX;
        l->quote = 0;
    }
    l->skipping = 0;
    return l->depth == 0;
}

/*
 * Reads one record: up to a newline outside parentheses, or the end. Returns
 * 1 (possibly an empty record: a blank or comment line), 0 at the end, or MS_EIO.
 */
static int read_record(struct ds_zone_reader *z, struct ds_zone_record *r)
{
    struct lex l;
    int c = ds_source_getc(z->src);

    if (c == -1)
        return 0;
    if (c < 0)
        return c;
    memset(&l, 0, sizeof(l));
    r->lineno = z->lineno + 1;
    r->blank_owner = c == ' ' || c == '\t';
    r->ntok = 0;
    r->err = DS_NAME_OK;
    r->raw_len = 0;
    r->bytes = 0;
    for (;; c = ds_source_getc(z->src)) {
        if (c < -1)
            return c;
        if (c == -1) {
            if (l.quote || l.depth > 0)
                r->err = DS_NAME_ZONE_SYNTAX;
            break;
        }
        raw_put(r, c);
        if (c == '\n') {
            z->lineno++;
            if (lex_newline(r, &l))
                break;
            continue;
        }
        if (++r->bytes > DS_ZONE_RECORD_MAX && !l.skipping && r->err != DS_NAME_ZONE_TOO_LONG)
            too_long(r, &l);
        if (l.skipping || l.comment)
            continue;
        if (c == '\0') {
            r->err = DS_NAME_ZONE_SYNTAX; /* no NUL in master files; never inside a kept token */
            continue;
        }
        if (l.quote)
            lex_quoted(r, &l, c);
        else
            lex_plain(r, &l, c);
    }
    r->raw[r->raw_len] = '\0';
    return 1;
}

/* A TTL: decimal seconds, or BIND's units ("1h30m", "2D"): accepted by most zone files. */
static int is_ttl(const char *s)
{
    if (*s < '0' || *s > '9')
        return 0;
    for (; *s; s++) {
        if ((*s < '0' || *s > '9') && strchr("wdhmsWDHMS", *s) == NULL)
            return 0;
    }
    return 1;
}

/* A class mnemonic (RFC 1035 §3.2.4) or the generic CLASSnnn (RFC 3597 §5). */
static int is_class(const char *s)
{
    if (strcasecmp(s, "IN") == 0 || strcasecmp(s, "CH") == 0 || strcasecmp(s, "HS") == 0 ||
        strcasecmp(s, "CS") == 0)
        return 1;
    return strncasecmp(s, "CLASS", 5) == 0 && s[5] >= '0' && s[5] <= '9';
}

/* A type mnemonic: a letter, then letters, digits or hyphens (TYPEnnn included, RFC 3597). */
static int is_type(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return 0;
    }
    return 1;
}

/*
 * The type of a record whose RR part starts at token `i`:
 * [TTL] [class] type or [class] [TTL] type (RFC 1035 §5.1, RFC 2308 §4).
 * Returns the token index of the type, or -1.
 */
static int find_type(const struct ds_zone_record *r, int i)
{
    int ttl = 0, cls = 0;

    for (; i < r->ntok && i < DS_ZONE_TOKENS; i++) {
        const char *t = r->tok[i];

        if (r->tok_quoted[i])
            return -1;
        if (!ttl && is_ttl(t))
            ttl = 1;
        else if (!cls && is_class(t))
            cls = 1;
        else
            return is_type(t) ? i : -1;
    }
    return -1;
}

/* Lowercase copy without one trailing dot; "" for the root. Returns the length or -1 if too long.
 */
static int copy_lower(char *out, size_t outsz, const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len >= outsz)
        return -1;
    for (size_t i = 0; i < len; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    out[len] = '\0';
    return (int)len;
}

/*
 * The absolute owner of token `t` (RFC 1035 §5.1: "@" is the origin, a name
 * without a final dot is relative to it) into `out`. Returns DS_NAME_OK,
 * ZONE_NO_ORIGIN or NAME_TOO_LONG.
 */
static enum ds_name_err resolve(const struct ds_zone_reader *z, const char *t, size_t len, int cut,
                                char *out, size_t outsz)
{
    if (cut)
        return DS_NAME_TOO_LONG;
    if (len == 1 && t[0] == '@') {
        if (!z->has_origin)
            return DS_NAME_ZONE_NO_ORIGIN;
        return copy_lower(out, outsz, z->origin, strlen(z->origin)) < 0 ? DS_NAME_TOO_LONG
                                                                        : DS_NAME_OK;
    }
    if (len > 0 && t[len - 1] == '.' && (len < 2 || t[len - 2] != '\\'))
        return copy_lower(out, outsz, t, len) < 0 ? DS_NAME_TOO_LONG : DS_NAME_OK;
    if (!z->has_origin)
        return DS_NAME_ZONE_NO_ORIGIN;
    {
        size_t ol = strlen(z->origin);
        int n = copy_lower(out, outsz, t, len);

        if (n < 0 || (size_t)n + 1 + ol >= outsz)
            return DS_NAME_TOO_LONG;
        if (ol > 0) {
            out[n] = '.';
            memcpy(out + n + 1, z->origin, ol + 1);
        }
    }
    return DS_NAME_OK;
}

/* The apex as a normalised name ("" for the root). Returns 0 or -1 when it is no valid name. */
static int set_apex(struct ds_zone_reader *z, const char *name, int from)
{
    if (name[0] == '\0') {
        z->apex[0] = '\0';
    } else if (ds_name_normalise(name, strlen(name), z->apex) != DS_NAME_OK) {
        return -1;
    }
    z->apex_from = from;
    return 0;
}

int ds_zone_init(struct ds_zone_reader *z, struct ds_source *src, const char *origin)
{
    memset(z, 0, sizeof(*z));
    z->src = src;
    if (origin == NULL)
        return 0;
    if (copy_lower(z->origin, sizeof(z->origin), origin, strlen(origin)) < 0 ||
        set_apex(z, z->origin, 3) != 0)
        return MS_EINVAL;
    /* The normalised form (IDNA applied) is the origin relative names are joined to. */
    memcpy(z->origin, z->apex, strlen(z->apex) + 1);
    z->has_origin = 1;
    return 0;
}

/* Fills `e` as an input error of the current record. */
static int error_entry(struct ds_zone_reader *z, enum ds_name_err err, struct ds_entry *e)
{
    struct ds_zone_record *r = &z->rec;

    while (r->raw_len > 0 && r->raw[r->raw_len - 1] == ' ')
        r->raw_len--;
    while (r->raw_len > 0 && r->raw[0] == ' ') {
        memmove(r->raw, r->raw + 1, r->raw_len - 1);
        r->raw_len--;
    }
    memcpy(e->raw, r->raw, r->raw_len);
    e->raw[r->raw_len] = '\0';
    e->raw_len = r->raw_len;
    e->lineno = r->lineno;
    e->err = err;
    e->name[0] = '\0';
    return 1;
}

/*
 * $ORIGIN, $TTL and $INCLUDE (RFC 1035 §5.1, RFC 2308 §4). Returns 1 when `e`
 * holds an error entry, 0 when the directive was applied.
 */
static int directive(struct ds_zone_reader *z, struct ds_entry *e)
{
    struct ds_zone_record *r = &z->rec;
    char name[DS_ZONE_TOKEN_MAX + 1];
    enum ds_name_err err;

    if (strcasecmp(r->tok[0], "$INCLUDE") == 0)
        return error_entry(z, DS_NAME_ZONE_INCLUDE, e);
    if (strcasecmp(r->tok[0], "$TTL") == 0)
        return r->ntok >= 2 && is_ttl(r->tok[1]) ? 0 : error_entry(z, DS_NAME_ZONE_SYNTAX, e);
    if (strcasecmp(r->tok[0], "$ORIGIN") != 0 || r->ntok < 2 || r->tok_quoted[1])
        return error_entry(z, DS_NAME_ZONE_SYNTAX, e);
    err = resolve(z, r->tok[1], r->toklen[1], r->tok_cut[1], name, sizeof(name));
    if (err == DS_NAME_OK && name[0] != '\0') {
        char norm[DS_NAME_MAX + 1];
        err = ds_name_normalise(name, strlen(name), norm);
        if (err == DS_NAME_OK)
            memcpy(name, norm, strlen(norm) + 1);
    }
    if (err != DS_NAME_OK)
        return error_entry(z, err, e);
    memcpy(z->origin, name, strlen(name) + 1);
    z->has_origin = 1;
    if (z->apex_from == 0)
        set_apex(z, name, 1);
    return 0;
}

/* Whether `name` is strictly below the apex (every name is below the root). */
static int below_apex(const struct ds_zone_reader *z, const char *name)
{
    size_t n = strlen(name), a = strlen(z->apex);

    if (a == 0)
        return n > 0;
    return n > a + 1 && name[n - a - 1] == '.' && memcmp(name + n - a, z->apex, a) == 0;
}

/* A delegation: the NS owner `owner` (absolute, lowercase). Returns 1 with `e` filled, or 0. */
static int delegation(struct ds_zone_reader *z, const char *owner, struct ds_entry *e)
{
    size_t len = strlen(owner);
    enum ds_name_err err;

    if (len == 0 && z->apex_from != 0 && z->apex[0] == '\0')
        return 0; /* the root's own NS records */
    err = ds_name_normalise(owner, len, e->name);
    if (err != DS_NAME_OK)
        return error_entry(z, err, e);
    if (z->apex_from != 0) {
        if (strcmp(e->name, z->apex) == 0)
            return 0; /* the apex's own NS records: not a delegation */
        if (!below_apex(z, e->name))
            return error_entry(z, DS_NAME_ZONE_OUTSIDE, e);
    }
    /* NS records of one owner come together: hand the name out once per run. */
    if (strcmp(e->name, z->last_name) == 0)
        return 0;
    memcpy(z->last_name, e->name, strlen(e->name) + 1);
    e->lineno = z->rec.lineno;
    e->err = DS_NAME_OK;
    e->raw_len = strlen(e->name);
    memcpy(e->raw, e->name, e->raw_len + 1);
    return 1;
}

/* One resource record. Returns 1 when `e` holds an entry, 0 when there is none. */
static int resource_record(struct ds_zone_reader *z, struct ds_entry *e)
{
    struct ds_zone_record *r = &z->rec;
    int first = r->blank_owner ? 0 : 1, t;

    if (!r->blank_owner) {
        enum ds_name_err err = resolve(z, r->tok[0], r->toklen[0], r->tok_cut[0], z->prev_owner,
                                       sizeof(z->prev_owner));
        if (err != DS_NAME_OK || r->tok_quoted[0]) {
            z->has_prev_owner = 0;
            return error_entry(z, err != DS_NAME_OK ? err : DS_NAME_ZONE_SYNTAX, e);
        }
        z->has_prev_owner = 1;
    } else if (!z->has_prev_owner) {
        return error_entry(z, DS_NAME_ZONE_SYNTAX, e); /* no owner to repeat */
    }
    t = find_type(r, first);
    if (t < 0)
        return error_entry(z, DS_NAME_ZONE_SYNTAX, e);
    if (strcasecmp(r->tok[t], "SOA") == 0 && z->apex_from < 2) {
        if (set_apex(z, z->prev_owner, 2) != 0)
            return error_entry(z, DS_NAME_ZONE_SYNTAX, e);
        return 0;
    }
    if (strcasecmp(r->tok[t], "NS") != 0 && strcasecmp(r->tok[t], "TYPE2") != 0)
        return 0;
    return delegation(z, z->prev_owner, e);
}

int ds_zone_next(struct ds_zone_reader *z, struct ds_entry *e)
{
    struct ds_zone_record *r = &z->rec;
    int rc;

    for (;;) {
        rc = read_record(z, r);
        if (rc <= 0)
            return rc;
        if (r->err != DS_NAME_OK)
            return error_entry(z, r->err, e);
        if (r->ntok == 0)
            continue; /* a blank or comment line */
        if (!r->blank_owner && r->tok[0][0] == '$' && !r->tok_quoted[0])
            rc = directive(z, e);
        else
            rc = resource_record(z, e);
        if (rc != 0)
            return rc;
    }
}
