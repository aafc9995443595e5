/* fuzz_ststxt.c: libFuzzer harness for sts_txt_evaluate (RFC 8461 §3.1) with result invariants. */
#include <stdint.h>
#include <string.h>

#include "probes/ststxt.h"
#include "tests/fuzz/fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The id of a valid record is the value of an "id=" field that really is in the record. */
static int id_in_record(const char *rec, size_t len, const char *id)
{
    size_t n = strlen(id);

    for (size_t i = 0; i + 3 + n <= len; i++) {
        if (memcmp(rec + i, "id=", 3) != 0 || memcmp(rec + i + 3, id, n) != 0)
            continue;
        if (i + 3 + n == len || rec[i + 3 + n] == ';' || rec[i + 3 + n] == ' ' ||
            rec[i + 3 + n] == '\t')
            return 1;
    }
    return 0;
}

static void check_result(const struct fuzz_rrset *s, const struct sts_txt_result *r)
{
    size_t candidates = fuzz_count_candidates(s, "v=STSv1");
    size_t idlen;

    fuzz_check_verdict(r->verdict, r->error, candidates);
    FUZZ_ASSERT(memchr(r->id, '\0', sizeof(r->id)) != NULL);
    idlen = strlen(r->id);
    if (r->verdict != TXT_VALID) {
        FUZZ_ASSERT(idlen == 0);
        return;
    }
    FUZZ_ASSERT(idlen >= 1 && idlen <= 32);
    for (size_t i = 0; i < idlen; i++)
        FUZZ_ASSERT(is_alnum((unsigned char)r->id[i]));
    for (size_t i = 0; i < s->n; i++) {
        if (fuzz_is_candidate(s->recs[i], s->lens[i], "v=STSv1")) {
            FUZZ_ASSERT(memchr(s->recs[i], '\0', s->lens[i]) == NULL);
            FUZZ_ASSERT(id_in_record(s->recs[i], s->lens[i], r->id));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char decoy[] = "v=spf1 -all";
    struct fuzz_rrset s;
    struct sts_txt_result r1, r2;

    if (fuzz_rrset_split(&s, data, size) != 0)
        return 0;
    sts_txt_evaluate(s.recs, s.lens, s.n, &r1);
    check_result(&s, &r1);

    /* A record that is not a candidate changes nothing, wherever it sits (§3.1 drops it). */
    s.recs[s.n] = decoy;
    s.lens[s.n] = sizeof(decoy) - 1;
    sts_txt_evaluate(s.recs, s.lens, s.n + 1, &r2);
    FUZZ_ASSERT(r1.verdict == r2.verdict && r1.error == r2.error && strcmp(r1.id, r2.id) == 0);

    fuzz_rrset_free(&s);
    return 0;
}
