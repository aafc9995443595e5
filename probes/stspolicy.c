/* stspolicy.c: RFC 8461 §3.2 policy body parsing (strict and lenient readings), §4.1 MX matching.
 */
#include "probes/stspolicy.h"

#include <limits.h>
#include <string.h>

#define STS_MAX_AGE_CAP 31557600LL /* §3.2: "maximum value of 31557600" */
#define MAX_AGE_DIGITS  10         /* sts-policy-max-age-value = 1*10(DIGIT) */
#define EXT_NAME_MAX    32         /* sts-policy-ext-name: 1 + *31 */
#define DOMAIN_MAX      253 /* RFC 1035 §2.3.4 / RFC 5321 §4.5.3.1.2, without the root dot */
#define LABEL_MAX       63

static const char *const mode_names[] = {"", "enforce", "testing", "none"};

static const char *const err_names[] = {
#define XX(name, str) str,
    STS_POLICY_ERR_MAP(XX)
#undef XX
};

static const char *const flag_names[] = {
#define XX(name, str) str,
    STS_POLICY_FLAG_MAP(XX)
#undef XX
};

const char *sts_mode_str(enum sts_mode m)
{
    if ((unsigned)m >= sizeof(mode_names) / sizeof(mode_names[0]))
        return "unknown";
    return mode_names[m];
}

const char *sts_policy_errstr(enum sts_policy_err e)
{
    if ((unsigned)e >= sizeof(err_names) / sizeof(err_names[0]))
        return "unknown";
    return err_names[e];
}

const char *sts_policy_flag_str(unsigned bit)
{
    if (bit >= sizeof(flag_names) / sizeof(flag_names[0]))
        return "unknown";
    return flag_names[bit];
}

/* ---- character classes (ASCII only, no locale) ---- */

static int is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static unsigned char to_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int eq_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (to_lower((unsigned char)a[i]) != to_lower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629 §4: UTF8-2 / UTF8-3 / UTF8-4, so no
 * overlong forms, surrogates or code points above U+10FFFF) that starts at p, or 0.
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (p[0] == 0xe0)
        lo = 0xa0;
    else if (p[0] == 0xed)
        hi = 0x9f;
    else if (p[0] == 0xf0)
        lo = 0x90;
    else if (p[0] == 0xf4)
        hi = 0x8f;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    }
    return len;
}

/* ---- field values ---- */

/* sts-policy-ext-name = alphanum *31(alphanum / "_" / "-" / ".") */
static int ext_name_ok(const char *k, size_t n)
{
    if (n == 0 || n > EXT_NAME_MAX || !is_alnum((unsigned char)k[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.')
            return 0;
    }
    return 1;
}

/*
 * sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar], with
 * sts-policy-vchar = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4. The caller has trimmed WSP at both ends.
 */
static int ext_value_ok(const char *v, size_t n)
{
    const unsigned char *u = (const unsigned char *)v;
    size_t i = 0;

    if (n == 0)
        return 0;
    while (i < n) {
        if (u[i] >= 0x20 && u[i] <= 0x7e) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(u + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

static int value_is(const char *v, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(v, lit, n) == 0;
}

/* mode: %s"testing" / %s"enforce" / %s"none" (case-sensitive in both readings). */
static enum sts_policy_err check_mode(const char *v, size_t n, enum sts_mode *mode)
{
    if (value_is(v, n, "enforce"))
        *mode = STS_MODE_ENFORCE;
    else if (value_is(v, n, "testing"))
        *mode = STS_MODE_TESTING;
    else if (value_is(v, n, "none"))
        *mode = STS_MODE_NONE;
    else
        return STS_PE_BAD_MODE;
    return STS_PE_OK;
}

/* max_age: 1*10(DIGIT), at most 31557600. *age is the value whenever the digits parse, else -1. */
static enum sts_policy_err check_max_age(const char *v, size_t n, long long *age)
{
    long long x = 0;

    *age = -1;
    if (n == 0 || n > MAX_AGE_DIGITS)
        return STS_PE_MAX_AGE_SYNTAX;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)v[i]))
            return STS_PE_MAX_AGE_SYNTAX;
        x = x * 10 + (v[i] - '0'); /* at most 9999999999: no overflow */
    }
    *age = x;
    return x > STS_MAX_AGE_CAP ? STS_PE_MAX_AGE_RANGE : STS_PE_OK;
}

/* ---- mx patterns ---- */

/*
 * Whether an mx value (wildcard prefix and trailing dot removed) is an address rather than a
 * name: an RFC 5321 address-literal ("[...]"), only digits and dots (dotted IPv4, which a host
 * name never is: RFC 1123 §2.1), or a colon with only hex digits, colons and dots (IPv6).
 */
static int looks_like_ip(const char *d, size_t n)
{
    int digits = 1, hexcolon = 1, colon = 0;

    if (n == 0)
        return 0;
    if (d[0] == '[')
        return 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        colon |= c == ':';
        if (!is_digit(c) && c != '.')
            digits = 0;
        if (!is_hex(c) && c != ':' && c != '.')
            hexcolon = 0;
    }
    return (digits && d[0] != '.') || (colon && hexcolon);
}

/* RFC 5321 Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]; ASCII only. */
static int is_domain(const char *d, size_t n)
{
    size_t start = 0;

    if (n == 0 || n > DOMAIN_MAX)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && d[i] != '.') {
            unsigned char c = (unsigned char)d[i];
            if (!is_alnum(c) && c != '-')
                return 0;
            continue;
        }
        if (i == start || i - start > LABEL_MAX || d[start] == '-' || d[i - 1] == '-')
            return 0;
        start = i + 1;
    }
    return 1;
}

/*
 * sts-policy-mx-value = ["*."] Domain (§3.2, §4.1). Writes the pattern (lowercase, no trailing
 * dot, NUL-terminated) to pat and returns STS_PE_OK or STS_PE_MX_TRAILING_DOT (a pattern the
 * lenient reading keeps); or returns STS_PE_MX_SYNTAX / STS_PE_MX_IP_LITERAL, pat untouched.
 */
static enum sts_policy_err check_mx(const char *v, size_t n, char pat[256], uint32_t *flags)
{
    size_t off = 0, dn, o = 0;
    int tdot = 0;

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] >= 0x80) {
            *flags |= STS_PF(STS_PF_MX_NON_ASCII); /* a U-label: §3.2 wants A-labels */
            return STS_PE_MX_SYNTAX;
        }
    }
    if (n >= 2 && v[0] == '*' && v[1] == '.')
        off = 2;
    dn = n - off;
    if (dn > 0 && v[n - 1] == '.') {
        tdot = 1;
        dn--;
    }
    if (looks_like_ip(v + off, dn)) {
        *flags |= STS_PF(STS_PF_MX_IP_LITERAL);
        return STS_PE_MX_IP_LITERAL;
    }
    if (!is_domain(v + off, dn))
        return STS_PE_MX_SYNTAX;
    if (off > 0) {
        *flags |= STS_PF(STS_PF_MX_WILDCARD);
        pat[o++] = '*';
        pat[o++] = '.';
    }
    for (size_t i = 0; i < dn; i++)
        pat[o++] = (char)to_lower((unsigned char)v[off + i]);
    pat[o] = '\0';
    if (tdot) {
        *flags |= STS_PF(STS_PF_TRAILING_DOT_MX);
        return STS_PE_MX_TRAILING_DOT;
    }
    return STS_PE_OK;
}

/* ---- the line walk ---- */

enum key { KEY_VERSION, KEY_MODE, KEY_MAX_AGE, KEY_MX, KEY_OTHER };

static const char *const key_names[] = {"version", "mode", "max_age", "mx"};

enum term { TERM_NONE, TERM_LF, TERM_CRLF, TERM_CR };

struct line {
    const char *p;
    size_t len; /* without the terminator */
    enum term term;
};

/* The state of one parse; lives on the stack of sts_policy_parse. */
struct pstate {
    struct sts_policy *out;
    enum sts_policy_err strict, lenient; /* first error of each reading, STS_PE_OK so far */
    int lineno;
    int had_line;               /* a non-blank line was seen */
    int have[KEY_MX];           /* the first version/mode/max_age line was seen (it alone counts) */
    long n_valid_mx;            /* mx patterns kept, including those beyond mx[] */
    enum sts_policy_err mx_err; /* first invalid mx value, for the lenient verdict */
    int mx_err_line;
};

static void set_flag(struct pstate *s, enum sts_policy_flag f)
{
    s->out->flags |= STS_PF(f);
}

static void fail_strict(struct pstate *s, enum sts_policy_err e, int line)
{
    if (s->strict != STS_PE_OK || e == STS_PE_OK)
        return;
    s->strict = e;
    s->out->error_line_strict = line;
}

static void fail_lenient(struct pstate *s, enum sts_policy_err e, int line)
{
    if (s->lenient != STS_PE_OK || e == STS_PE_OK)
        return;
    s->lenient = e;
    s->out->error_line_lenient = line;
}

static void fail_both(struct pstate *s, enum sts_policy_err e, int line)
{
    fail_strict(s, e, line);
    fail_lenient(s, e, line);
}

/*
 * Reads the line at *pos. LF and CRLF end a line (sts-policy-term); so does a CR alone, which
 * only the lenient reading accepts (the caller reports it). Returns 0 at the end of the body.
 */
static int next_line(const char *t, size_t len, size_t *pos, struct line *ln)
{
    size_t i = *pos;

    if (i >= len)
        return 0;
    ln->p = t + i;
    while (i < len && t[i] != '\n' && t[i] != '\r')
        i++;
    ln->len = i - *pos;
    if (i == len) {
        ln->term = TERM_NONE;
    } else if (t[i] == '\n') {
        ln->term = TERM_LF;
        i++;
    } else if (i + 1 < len && t[i + 1] == '\n') {
        ln->term = TERM_CRLF;
        i += 2;
    } else {
        ln->term = TERM_CR;
        i++;
    }
    *pos = i;
    return 1;
}

/* Which known key `k` names: exactly (*exact = 1), only ASCII case-insensitively, or none. */
static enum key classify_key(const char *k, size_t n, int *exact)
{
    for (int i = KEY_VERSION; i < KEY_OTHER; i++) {
        if (strlen(key_names[i]) != n || !eq_nocase(k, key_names[i], n))
            continue;
        *exact = memcmp(k, key_names[i], n) == 0;
        return (enum key)i;
    }
    return KEY_OTHER;
}

/* version, mode or max_age: every line is checked strictly; only the first counts (§3.2). */
static void handle_field(struct pstate *s, enum key k, const char *v, size_t n, int is_first)
{
    enum sts_mode mode = STS_MODE_NONE_SET;
    long long age = -1;
    enum sts_policy_err e;

    if (k == KEY_VERSION)
        e = value_is(v, n, "STSv1") ? STS_PE_OK : STS_PE_BAD_VERSION;
    else if (k == KEY_MODE)
        e = check_mode(v, n, &mode);
    else
        e = check_max_age(v, n, &age);
    fail_strict(s, e, s->lineno);
    if (s->have[k]) {
        set_flag(s, STS_PF_REPEATED_FIELD);
        return;
    }
    s->have[k] = 1;
    fail_lenient(s, e, s->lineno);
    if (k == KEY_VERSION) {
        if (!is_first)
            set_flag(s, STS_PF_VERSION_NOT_FIRST);
    } else if (k == KEY_MODE) {
        s->out->mode = mode;
    } else {
        s->out->max_age = age;
    }
}

/* mx: every line is checked; the lenient reading keeps trailing-dot patterns, drops bad ones. */
static void handle_mx(struct pstate *s, const char *v, size_t n)
{
    struct sts_policy *o = s->out;
    char pat[256];
    enum sts_policy_err e = check_mx(v, n, pat, &o->flags);

    fail_strict(s, e, s->lineno);
    if (e == STS_PE_MX_SYNTAX || e == STS_PE_MX_IP_LITERAL) {
        set_flag(s, STS_PF_MX_INVALID);
        if (s->mx_err == STS_PE_OK) {
            s->mx_err = e;
            s->mx_err_line = s->lineno;
        }
        return;
    }
    s->n_valid_mx++;
    if (o->n_mx == STS_POLICY_MAX_MX) {
        o->mx_truncated = 1;
        set_flag(s, STS_PF_TOO_MANY_MX);
        return;
    }
    memcpy(o->mx[o->n_mx++], pat, strlen(pat) + 1);
}

/* One line without its terminator: `key ":" *WSP value *WSP` (§3.2). */
static void process_line(struct pstate *s, const char *p, size_t n)
{
    size_t i = 0, kend, vstart, vend = n;
    const char *colon;
    int is_first, exact = 0;
    enum key k;

    while (i < n && is_wsp((unsigned char)p[i]))
        i++;
    if (i == n) {
        set_flag(s, STS_PF_BLANK_LINES);
        fail_strict(s, STS_PE_BLANK_LINE, s->lineno);
        return;
    }
    if (i > 0) {
        set_flag(s, STS_PF_LEADING_WSP);
        fail_strict(s, STS_PE_LEADING_WSP, s->lineno);
    }
    is_first = !s->had_line;
    s->had_line = 1;
    colon = memchr(p + i, ':', n - i);
    kend = colon != NULL ? (size_t)(colon - p) : i;
    while (kend > i && is_wsp((unsigned char)p[kend - 1]))
        kend--;
    if (kend == i) { /* no ":" at all, or nothing before it */
        set_flag(s, STS_PF_JUNK_LINE);
        fail_strict(s, STS_PE_LINE_SYNTAX, s->lineno);
        return;
    }
    if (kend < (size_t)(colon - p)) {
        set_flag(s, STS_PF_WSP_BEFORE_COLON);
        fail_strict(s, STS_PE_WSP_BEFORE_COLON, s->lineno);
    }
    vstart = (size_t)(colon - p) + 1;
    while (vstart < n && is_wsp((unsigned char)p[vstart]))
        vstart++;
    while (vend > vstart && is_wsp((unsigned char)p[vend - 1]))
        vend--;

    k = classify_key(p + i, kend - i, &exact);
    if (k == KEY_OTHER) { /* §3.2: unknown fields are ignored, if they are well-formed */
        set_flag(s, STS_PF_UNKNOWN_KEY);
        if (!ext_name_ok(p + i, kend - i) || !ext_value_ok(p + vstart, vend - vstart)) {
            set_flag(s, STS_PF_JUNK_LINE);
            fail_strict(s, STS_PE_EXT_SYNTAX, s->lineno);
        }
        return;
    }
    if (!exact) { /* %s"mode": keys are case-sensitive */
        set_flag(s, STS_PF_CAPITALISED_KEY);
        fail_strict(s, STS_PE_KEY_CASE, s->lineno);
    }
    if (k == KEY_MX)
        handle_mx(s, p + vstart, vend - vstart);
    else
        handle_field(s, k, p + vstart, vend - vstart, is_first);
}

/* sts-policy-term = LF / CRLF; the final one is optional. */
static void end_line(struct pstate *s, enum term t)
{
    if (t == TERM_LF) {
        set_flag(s, STS_PF_LF);
    } else if (t == TERM_CRLF) {
        set_flag(s, STS_PF_CRLF);
    } else if (t == TERM_CR) {
        set_flag(s, STS_PF_BARE_CR);
        fail_strict(s, STS_PE_BARE_CR, s->lineno);
    } else {
        set_flag(s, STS_PF_NO_FINAL_EOL);
    }
}

/* Whether the body holds nothing but WSP, CR and LF. */
static int is_blank_body(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_wsp((unsigned char)t[i]) && t[i] != '\r' && t[i] != '\n')
            return 0;
    }
    return 1;
}

/* Required fields (§3.2), checked in a fixed order once every line has been read. */
static void finish(struct pstate *s)
{
    struct sts_policy *o = s->out;

    if (!s->have[KEY_VERSION])
        fail_both(s, STS_PE_VERSION_MISSING, 0);
    else if (!s->have[KEY_MODE])
        fail_both(s, STS_PE_MODE_MISSING, 0);
    else if (!s->have[KEY_MAX_AGE])
        fail_both(s, STS_PE_MAX_AGE_MISSING, 0);
    if ((o->mode == STS_MODE_ENFORCE || o->mode == STS_MODE_TESTING) && s->n_valid_mx == 0) {
        fail_strict(s, STS_PE_MX_MISSING, 0);
        /* Only bad patterns were published: say which, rather than "missing". */
        if (s->mx_err != STS_PE_OK)
            fail_lenient(s, s->mx_err, s->mx_err_line);
        else
            fail_lenient(s, STS_PE_MX_MISSING, 0);
    }
    o->valid_strict = s->strict == STS_PE_OK;
    o->valid_lenient = s->lenient == STS_PE_OK;
    o->error_strict = o->valid_strict ? NULL : sts_policy_errstr(s->strict);
    o->error_lenient = o->valid_lenient ? NULL : sts_policy_errstr(s->lenient);
}

void sts_policy_parse(const char *text, size_t len, struct sts_policy *out)
{
    struct pstate s;
    struct line ln;
    size_t pos = 0;

    memset(out, 0, sizeof(*out));
    out->max_age = -1;
    memset(&s, 0, sizeof(s));
    s.out = out;
    if (text == NULL) { /* NULL + 0 is undefined behaviour in C */
        text = "";
        len = 0;
    }
    if (len > 0 && memchr(text, '\0', len) != NULL) {
        set_flag(&s, STS_PF_NUL_BYTE);
        fail_both(&s, STS_PE_NUL_BYTE, 0);
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        set_flag(&s, STS_PF_BOM);
        pos = 3;
    }
    if (is_blank_body(text + pos, len - pos))
        fail_both(&s, STS_PE_EMPTY, 0);
    if (pos > 0)
        fail_strict(&s, STS_PE_BOM, 1);
    while (next_line(text, len, &pos, &ln)) {
        if (s.lineno < INT_MAX)
            s.lineno++;
        process_line(&s, ln.p, ln.len);
        end_line(&s, ln.term);
    }
    finish(&s);
}

/* ---- §4.1 matching ---- */

/* strlen without one trailing dot. */
static size_t name_len(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

int sts_mx_match(const char *pattern, const char *host)
{
    size_t pn, hn, rest;
    const char *dot;

    if (pattern == NULL || host == NULL)
        return 0;
    pn = name_len(pattern);
    hn = name_len(host);
    if (pn == 0 || hn == 0)
        return 0;
    if (pn < 2 || pattern[0] != '*' || pattern[1] != '.')
        return pn == hn && eq_nocase(pattern, host, pn);
    /* "*.example.com": one non-empty left-most label, then exactly "example.com". */
    dot = memchr(host, '.', hn);
    if (dot == NULL || dot == host)
        return 0;
    rest = hn - (size_t)(dot + 1 - host);
    return rest > 0 && rest == pn - 2 && eq_nocase(dot + 1, pattern + 2, rest);
}

int sts_policy_matches(const struct sts_policy *p, const char *host)
{
    if (p == NULL || host == NULL)
        return 0;
    for (int i = 0; i < p->n_mx && i < STS_POLICY_MAX_MX; i++) {
        if (sts_mx_match(p->mx[i], host))
            return 1;
    }
    return 0;
}
