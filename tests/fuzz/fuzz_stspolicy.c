/* fuzz_stspolicy.c: libFuzzer harness for sts_policy_parse (RFC 8461 §3.2) with result invariants.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/stspolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts (so libFuzzer and the replay test both fail) when an invariant does not hold. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Flags the strict reading never lets through. */
#define STRICT_FORBIDDEN                                                                           \
    (STS_PF(STS_PF_BOM) | STS_PF(STS_PF_BARE_CR) | STS_PF(STS_PF_BLANK_LINES) |                    \
     STS_PF(STS_PF_LEADING_WSP) | STS_PF(STS_PF_WSP_BEFORE_COLON) |                                \
     STS_PF(STS_PF_CAPITALISED_KEY) | STS_PF(STS_PF_JUNK_LINE) | STS_PF(STS_PF_TRAILING_DOT_MX) |  \
     STS_PF(STS_PF_MX_IP_LITERAL) | STS_PF(STS_PF_MX_NON_ASCII) | STS_PF(STS_PF_MX_INVALID) |      \
     STS_PF(STS_PF_NUL_BYTE))

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A verdict and its error agree, and the error is a code of the vocabulary. */
static void check_verdict(int valid, const char *error)
{
    int known = 0;

    FUZZ_ASSERT(valid == 0 || valid == 1);
    FUZZ_ASSERT(valid == (error == NULL));
    if (error == NULL)
        return;
    for (int e = STS_PE_OK + 1; e < STS_PE__COUNT; e++) {
        if (error == sts_policy_errstr((enum sts_policy_err)e))
            known = 1;
    }
    FUZZ_ASSERT(known);
}

/* A stored pattern: NUL-terminated, printable lowercase LDH, no trailing dot, matches a host. */
static void check_pattern(const char *pat)
{
    char host[300];
    size_t n;

    FUZZ_ASSERT(memchr(pat, '\0', 256) != NULL);
    n = strlen(pat);
    FUZZ_ASSERT(n > 0 && pat[n - 1] != '.');
    for (size_t i = pat[0] == '*' ? 2 : 0; i < n; i++)
        FUZZ_ASSERT(is_ldh((unsigned char)pat[i]));
    if (pat[0] == '*') {
        FUZZ_ASSERT(n > 2 && pat[1] == '.');
        snprintf(host, sizeof(host), "x%s", pat + 1);
        FUZZ_ASSERT(sts_mx_match(pat, host));
        FUZZ_ASSERT(!sts_mx_match(pat, pat + 2)); /* the parent itself */
    } else {
        FUZZ_ASSERT(sts_mx_match(pat, pat));
    }
}

static void check_result(const struct sts_policy *p)
{
    check_verdict(p->valid_strict, p->error_strict);
    check_verdict(p->valid_lenient, p->error_lenient);
    FUZZ_ASSERT(!p->valid_strict || p->valid_lenient);
    FUZZ_ASSERT(p->mode >= STS_MODE_NONE_SET && p->mode <= STS_MODE_NONE);
    FUZZ_ASSERT(p->n_mx >= 0 && p->n_mx <= STS_POLICY_MAX_MX);
    FUZZ_ASSERT(!p->mx_truncated || p->n_mx == STS_POLICY_MAX_MX);
    FUZZ_ASSERT(p->max_age >= -1 && p->max_age <= 9999999999LL);
    FUZZ_ASSERT((p->flags >> STS_PF__COUNT) == 0);
    FUZZ_ASSERT(p->error_line_strict >= 0 && p->error_line_lenient >= 0);
    FUZZ_ASSERT(p->valid_strict ? p->error_line_strict == 0 : 1);
    for (int i = 0; i < p->n_mx; i++)
        check_pattern(p->mx[i]);
    if (p->valid_lenient) {
        FUZZ_ASSERT(p->mode != STS_MODE_NONE_SET);
        FUZZ_ASSERT(p->max_age >= 0 && p->max_age <= 31557600);
        FUZZ_ASSERT(p->mode == STS_MODE_NONE || p->n_mx > 0);
    }
    if (p->valid_strict)
        FUZZ_ASSERT((p->flags & STRICT_FORBIDDEN) == 0);
}

/* Results that must not depend on how lines end or on a leading BOM. */
static int same_reading(const struct sts_policy *a, const struct sts_policy *b)
{
    if (a->valid_lenient != b->valid_lenient || a->error_lenient != b->error_lenient ||
        a->mode != b->mode || a->max_age != b->max_age || a->n_mx != b->n_mx ||
        a->mx_truncated != b->mx_truncated)
        return 0;
    for (int i = 0; i < a->n_mx; i++) {
        if (strcmp(a->mx[i], b->mx[i]) != 0)
            return 0;
    }
    return 1;
}

/* Parses `len` bytes from an exact-size heap copy, so AddressSanitizer sees any overread. */
static int parse_copy(const void *src, size_t len, struct sts_policy *out)
{
    char *copy;

    if (len == 0) {
        sts_policy_parse(NULL, 0, out);
        return 0;
    }
    copy = malloc(len);
    if (copy == NULL)
        return -1;
    memcpy(copy, src, len);
    sts_policy_parse(copy, len, out);
    free(copy);
    return 0;
}

/* The body with every LF made CRLF (only called when it holds no CR). NULL on out-of-memory. */
static char *to_crlf(const uint8_t *data, size_t size, size_t *len)
{
    char *out = malloc(size * 2 + 1);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n')
            out[n++] = '\r';
        out[n++] = (char)data[i];
    }
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sts_policy p1, p2; /* 16 KiB each: off the stack */
    char *alt;
    size_t alen;

    if (parse_copy(data, size, &p1) != 0)
        return 0;
    check_result(&p1);

    /* CRLF and LF are the same sts-policy-term: only the crlf/lf flags may change. */
    if (memchr(data, '\r', size) == NULL && (alt = to_crlf(data, size, &alen)) != NULL) {
        sts_policy_parse(alt, alen, &p2);
        free(alt);
        check_result(&p2);
        FUZZ_ASSERT(same_reading(&p1, &p2));
        FUZZ_ASSERT(p1.valid_strict == p2.valid_strict && p1.error_strict == p2.error_strict);
    }

    /* A leading BOM changes nothing leniently; strictly it is the first violation. */
    if ((size < 3 || memcmp(data, "\xef\xbb\xbf", 3) != 0) && (alt = malloc(size + 3)) != NULL) {
        memcpy(alt, "\xef\xbb\xbf", 3);
        if (size > 0)
            memcpy(alt + 3, data, size);
        sts_policy_parse(alt, size + 3, &p2);
        free(alt);
        check_result(&p2);
        FUZZ_ASSERT(same_reading(&p1, &p2));
        FUZZ_ASSERT(!p2.valid_strict);
        if (p1.valid_strict)
            FUZZ_ASSERT(strcmp(p2.error_strict, "bom") == 0);
    }
    return 0;
}
