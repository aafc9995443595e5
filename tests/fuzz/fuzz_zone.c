/* fuzz_zone.c: libFuzzer harness for the zone file reader (RFC 1035 §5) with result invariants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/zone.h"

/* Aborts (so libFuzzer and the replay test both fail) when an invariant does not hold. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every entry of data[0..size) and checks what each must satisfy. Returns the entries. */
static size_t read_zone(const uint8_t *data, size_t size, const char *origin)
{
    static struct ds_zone_reader z; /* large: kept off the stack */
    static struct ds_entry e;
    struct ds_source src;
    char prev[DS_NAME_MAX + 1] = "", again[DS_NAME_MAX + 1];
    uint64_t lines = 1, last_line = 0;
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (ds_source_open_mem(&src, data, size) != 0)
        return 0;
    FUZZ_ASSERT(ds_zone_init(&z, &src, origin) == 0);
    while ((rc = ds_zone_next(&z, &e)) == 1) {
        n++;
        FUZZ_ASSERT(e.lineno >= 1 && e.lineno <= lines && e.lineno >= last_line);
        last_line = e.lineno;
        FUZZ_ASSERT(e.raw_len <= DS_LINE_MAX && e.raw[e.raw_len] == '\0');
        if (e.err != DS_NAME_OK)
            continue;
        /* A delegated name is a normalised name, and never the one handed out just before. */
        FUZZ_ASSERT(ds_name_normalise(e.name, strlen(e.name), again) == DS_NAME_OK);
        FUZZ_ASSERT(strcmp(again, e.name) == 0);
        FUZZ_ASSERT(strcmp(prev, e.name) != 0);
        if (origin != NULL && strcmp(origin, ".") != 0) {
            size_t a = strlen("fuzz"), l = strlen(e.name);
            FUZZ_ASSERT(l > a + 1 && strcmp(e.name + l - a - 1, ".fuzz") == 0);
        }
        memcpy(prev, e.name, sizeof(prev));
    }
    FUZZ_ASSERT(rc == 0);
    ds_source_close(&src);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t a, b;

    if (size < 1)
        return 0;
    /* The first byte picks the origin given by the caller (--zone-origin). */
    a = read_zone(data + 1, size - 1, data[0] % 3 == 0 ? NULL : data[0] % 3 == 1 ? "fuzz." : ".");
    /* Deterministic: the same bytes give the same entries. */
    b = read_zone(data + 1, size - 1, data[0] % 3 == 0 ? NULL : data[0] % 3 == 1 ? "fuzz." : ".");
    FUZZ_ASSERT(a == b);
    return 0;
}
