/* recent.c: the FIFO of keys put but maybe not yet visible to the store's exists() snapshot. */
#include "scanner/recent.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/hash.h"

#define RECENT_NONE UINT32_MAX

struct recent_slot {
    uint64_t seq;
    char *key;
    uint32_t hnext; /* next slot in the same bucket */
};

int scan_recent_init(struct scan_recent *r, uint32_t cap)
{
    uint32_t nb = 16;

    memset(r, 0, sizeof(*r));
    if (cap < 16)
        cap = 16;
    while (nb < cap * 2)
        nb <<= 1;
    r->slots = calloc(cap, sizeof(*r->slots));
    r->buckets = malloc(nb * sizeof(*r->buckets));
    if (r->slots == NULL || r->buckets == NULL) {
        scan_recent_free(r);
        return MS_ENOMEM;
    }
    memset(r->buckets, 0xff, nb * sizeof(*r->buckets));
    r->cap = cap;
    r->mask = nb - 1;
    return 0;
}

void scan_recent_free(struct scan_recent *r)
{
    for (uint32_t i = 0; r->slots != NULL && i < r->count; i++)
        free(r->slots[(r->head + i) % r->cap].key);
    free(r->slots);
    free(r->buckets);
    memset(r, 0, sizeof(*r));
}

int scan_recent_add(struct scan_recent *r, const char *key, uint64_t seq)
{
    uint32_t i, b;
    char *copy;

    if (r->count == r->cap)
        return MS_EFULL;
    copy = strdup(key);
    if (copy == NULL)
        return MS_ENOMEM;
    i = (r->head + r->count) % r->cap;
    b = ms_hash_str(key) & r->mask;
    r->slots[i].seq = seq;
    r->slots[i].key = copy;
    r->slots[i].hnext = r->buckets[b];
    r->buckets[b] = i;
    r->count++;
    return 0;
}

int scan_recent_has(const struct scan_recent *r, const char *key)
{
    if (r->count == 0)
        return 0;
    for (uint32_t i = r->buckets[ms_hash_str(key) & r->mask]; i != RECENT_NONE;
         i = r->slots[i].hnext) {
        if (strcmp(r->slots[i].key, key) == 0)
            return 1;
    }
    return 0;
}

/* Unlinks slot `i` from its bucket's chain. */
static void unlink_slot(struct scan_recent *r, uint32_t i)
{
    uint32_t *link = &r->buckets[ms_hash_str(r->slots[i].key) & r->mask];

    while (*link != i)
        link = &r->slots[*link].hnext;
    *link = r->slots[i].hnext;
}

void scan_recent_prune(struct scan_recent *r, uint64_t horizon)
{
    while (r->count > 0 && r->slots[r->head].seq <= horizon) {
        uint32_t i = r->head;

        unlink_slot(r, i);
        free(r->slots[i].key);
        r->slots[i].key = NULL;
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
}
