/* countmap.c: the bounded string -> counters map of the report's breakdowns. */
#include "analysis/countmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

void rpt_countmap_init(struct rpt_countmap *m, size_t cap, size_t nvals)
{
    memset(m, 0, sizeof(*m));
    m->cap = cap ? cap : 1;
    m->nvals = nvals ? nvals : 1;
    m->nslots = 16;
    while (m->nslots < m->cap * 2)
        m->nslots *= 2;
    /* Slots are cheap (two pointers); they are allocated once so a lookup never rehashes. */
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    m->other = calloc(m->nvals, sizeof(*m->other));
    if (m->slots == NULL || m->other == NULL)
        m->oom = 1;
}

void rpt_countmap_free(struct rpt_countmap *m)
{
    for (size_t i = 0; m->slots != NULL && i < m->nslots; i++) {
        free(m->slots[i].key);
        free(m->slots[i].vals);
    }
    free(m->slots);
    free(m->other);
    memset(m, 0, sizeof(*m));
}

uint64_t *rpt_countmap_get(struct rpt_countmap *m, const char *key)
{
    size_t mask, i;
    struct rpt_countmap_entry *e;

    if (m->oom)
        return NULL;
    mask = m->nslots - 1;
    for (i = ms_hash_str(key) & mask;; i = (i + 1) & mask) {
        e = &m->slots[i];
        if (e->key == NULL)
            break;
        if (strcmp(e->key, key) == 0)
            return e->vals;
    }
    if (m->n >= m->cap) {
        m->other_keys++;
        return m->other;
    }
    e->key = strdup(key);
    e->vals = calloc(m->nvals, sizeof(*e->vals));
    if (e->key == NULL || e->vals == NULL) {
        free(e->key);
        free(e->vals);
        e->key = NULL;
        e->vals = NULL;
        m->oom = 1;
        return NULL;
    }
    m->n++;
    return e->vals;
}

static int by_count(const void *a, const void *b)
{
    const struct rpt_countmap_entry *x = *(const struct rpt_countmap_entry *const *)a;
    const struct rpt_countmap_entry *y = *(const struct rpt_countmap_entry *const *)b;

    if (x->vals[0] != y->vals[0])
        return x->vals[0] > y->vals[0] ? -1 : 1;
    return strcmp(x->key, y->key);
}

const struct rpt_countmap_entry **rpt_countmap_sorted(const struct rpt_countmap *m)
{
    const struct rpt_countmap_entry **v;
    size_t k = 0;

    if (m->n == 0 || (v = malloc(m->n * sizeof(*v))) == NULL)
        return NULL;
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].key != NULL)
            v[k++] = &m->slots[i];
    qsort(v, k, sizeof(*v), by_count);
    return v;
}
