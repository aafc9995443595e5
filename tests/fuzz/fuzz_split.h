/* fuzz_split.h: turns one fuzz input into a TXT RRset, and the checks every TXT harness shares. */
#ifndef MS_TESTS_FUZZ_SPLIT_H
#define MS_TESTS_FUZZ_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/txtrecord.h"

#define FUZZ_MAX_RECORDS 16

/* Aborts (so libFuzzer and the replay test both fail) when an invariant does not hold. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/*
 * An RRset built from a fuzz input: the first byte is the separator, the rest is split on it into
 * at most FUZZ_MAX_RECORDS records (the last takes the remainder). Each record is copied into a
 * heap block of exactly its length, so AddressSanitizer catches any read past its end.
 */
struct fuzz_rrset {
    const char *recs[FUZZ_MAX_RECORDS + 1];
    size_t lens[FUZZ_MAX_RECORDS + 1];
    char *owned[FUZZ_MAX_RECORDS + 1];
    size_t n;
};

static inline void fuzz_rrset_free(struct fuzz_rrset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->owned[i]);
    s->n = 0;
}

/* Fills s from data; returns 0, or -1 on out-of-memory (the input is then skipped). */
static inline int fuzz_rrset_split(struct fuzz_rrset *s, const uint8_t *data, size_t size)
{
    size_t start = 1;

    s->n = 0;
    if (size == 0)
        return 0;
    for (size_t i = 1; i <= size; i++) {
        if (i < size && (data[i] != data[0] || s->n == FUZZ_MAX_RECORDS - 1))
            continue;
        /* malloc(0) may return NULL: keep a 1-byte block but hand out length 0. */
        s->owned[s->n] = malloc(i - start > 0 ? i - start : 1);
        if (s->owned[s->n] == NULL) {
            fuzz_rrset_free(s);
            return -1;
        }
        memcpy(s->owned[s->n], data + start, i - start);
        s->recs[s->n] = s->owned[s->n];
        s->lens[s->n] = i - start;
        s->n++;
        start = i + 1;
    }
    return 0;
}

/* An oracle for the candidate filter written apart from the parser: version, then ";", WSP, end. */
static inline int fuzz_is_candidate(const char *r, size_t len, const char *version)
{
    size_t vlen = strlen(version);

    return len >= vlen && memcmp(r, version, vlen) == 0 &&
           (len == vlen || r[vlen] == ';' || r[vlen] == ' ' || r[vlen] == '\t');
}

static inline size_t fuzz_count_candidates(const struct fuzz_rrset *s, const char *version)
{
    size_t count = 0;

    for (size_t i = 0; i < s->n; i++)
        count += (size_t)fuzz_is_candidate(s->recs[i], s->lens[i], version);
    return count;
}

/* The verdict/error pairing every result obeys, whatever the record. */
static inline void fuzz_check_verdict(enum txt_verdict v, const char *error, size_t candidates)
{
    int known = 0;

    FUZZ_ASSERT(v == TXT_NONE || v == TXT_VALID || v == TXT_INVALID || v == TXT_MULTIPLE);
    FUZZ_ASSERT((v == TXT_NONE) == (candidates == 0));
    FUZZ_ASSERT((v == TXT_MULTIPLE) == (candidates > 1));
    if (v == TXT_NONE || v == TXT_VALID) {
        FUZZ_ASSERT(error == NULL);
        return;
    }
    FUZZ_ASSERT(error != NULL);
    for (int e = TXT_E_OK + 1; e < TXT_E__COUNT; e++) {
        if (error == txt_errstr((enum txt_err)e))
            known = 1;
    }
    FUZZ_ASSERT(known);
    FUZZ_ASSERT((strcmp(error, "txt_multiple") == 0) == (v == TXT_MULTIPLE));
}

#endif
