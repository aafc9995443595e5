/* fuzz_tlsrpt.c: libFuzzer harness for tlsrpt_evaluate (RFC 8460 §3) with result invariants. */
#include <stdint.h>
#include <string.h>

#include "probes/tlsrpt.h"
#include "tests/fuzz/fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int starts_with_nocase(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);

    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return 0;
    }
    return 1;
}

/* Whether the n bytes at p occur in the candidate record of the set. */
static int in_candidate(const struct fuzz_rrset *s, const char *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *r = s->recs[i];
        if (!fuzz_is_candidate(r, s->lens[i], "v=TLSRPTv1"))
            continue;
        for (size_t j = 0; j + n <= s->lens[i]; j++) {
            if (memcmp(r + j, p, n) == 0)
                return 1;
        }
    }
    return 0;
}

/* Every URI in rua: a published, encoded mailto:/https: URI without a size suffix. */
static void check_rua(const struct fuzz_rrset *s, const struct tlsrpt_result *r)
{
    const char *p = r->rua;
    size_t len = strlen(r->rua);

    FUZZ_ASSERT(r->rua_truncated == 0 || r->rua_truncated == 1);
    FUZZ_ASSERT(len > 0 || r->rua_truncated);
    while (len > 0) {
        const char *semi = memchr(p, ';', len);
        size_t n = semi != NULL ? (size_t)(semi - p) : len;

        FUZZ_ASSERT(n > 0);
        FUZZ_ASSERT(starts_with_nocase(p, n, "mailto:") || starts_with_nocase(p, n, "https://"));
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            FUZZ_ASSERT(c > 0x20 && c < 0x7f && c != ',' && c != '!' && c != '"');
        }
        FUZZ_ASSERT(in_candidate(s, p, n));
        if (semi == NULL)
            break;
        FUZZ_ASSERT(n + 1 < len); /* never a trailing ';' */
        len -= n + 1;
        p = semi + 1;
    }
}

static void check_result(const struct fuzz_rrset *s, const struct tlsrpt_result *r)
{
    fuzz_check_verdict(r->verdict, r->error, fuzz_count_candidates(s, "v=TLSRPTv1"));
    FUZZ_ASSERT(memchr(r->rua, '\0', sizeof(r->rua)) != NULL);
    if (r->verdict != TXT_VALID) {
        FUZZ_ASSERT(r->rua[0] == '\0' && r->rua_truncated == 0);
        return;
    }
    check_rua(s, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char decoy[] = "v=TLSRPTv10;rua=mailto:x@y";
    static struct tlsrpt_result r1, r2;
    struct fuzz_rrset s;

    if (fuzz_rrset_split(&s, data, size) != 0)
        return 0;
    tlsrpt_evaluate(s.recs, s.lens, s.n, &r1);
    check_result(&s, &r1);

    /* A record that is not a candidate changes nothing (RFC 8460 §3 drops it). */
    s.recs[s.n] = decoy;
    s.lens[s.n] = sizeof(decoy) - 1;
    tlsrpt_evaluate(s.recs, s.lens, s.n + 1, &r2);
    FUZZ_ASSERT(r1.verdict == r2.verdict && r1.error == r2.error &&
                r1.rua_truncated == r2.rua_truncated && strcmp(r1.rua, r2.rua) == 0);

    fuzz_rrset_free(&s);
    return 0;
}
