/* exclude.c: exclusion list lookups: a hash set of domains, a list of address blocks. */
#include "scanner/exclude.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/hash.h"
#include "common/error.h"
#include "datasets/listreader.h"

struct block {
    int family; /* 4 or 6 */
    int prefix;
    uint8_t addr[16];
};

struct excl_list {
    char **names; /* open addressing, NULL = free */
    size_t cap, n_names;
    struct block *blocks;
    size_t n_blocks, cap_blocks;
};

static int names_grow(struct excl_list *l)
{
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **t = calloc(cap, sizeof(*t));

    if (t == NULL)
        return MS_ENOMEM;
    for (size_t i = 0; i < l->cap; i++) {
        if (l->names[i] == NULL)
            continue;
        size_t j = ms_hash_str(l->names[i]) & (cap - 1);
        while (t[j] != NULL)
            j = (j + 1) & (cap - 1);
        t[j] = l->names[i];
    }
    free(l->names);
    l->names = t;
    l->cap = cap;
    return 0;
}

static int add_name(struct excl_list *l, const char *name)
{
    size_t j;

    if (excl_domain(l, name) && l->cap > 0) {
        /* Already covered (itself or a parent listed): nothing to add. */
        return 0;
    }
    if ((l->n_names + 1) * 2 > l->cap && names_grow(l) != 0)
        return MS_ENOMEM;
    j = ms_hash_str(name) & (l->cap - 1);
    while (l->names[j] != NULL)
        j = (j + 1) & (l->cap - 1);
    l->names[j] = strdup(name);
    if (l->names[j] == NULL)
        return MS_ENOMEM;
    l->n_names++;
    return 0;
}

static int parse_block(const char *s, struct block *b)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    char *end;
    long prefix;

    if (alen == 0 || alen >= sizeof(addr))
        return MS_ESYNTAX;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    memset(b, 0, sizeof(*b));
    if (inet_pton(AF_INET, addr, b->addr) == 1)
        b->family = 4;
    else if (inet_pton(AF_INET6, addr, b->addr) == 1)
        b->family = 6;
    else
        return MS_ESYNTAX;
    prefix = b->family == 4 ? 32 : 128;
    if (slash != NULL) {
        long max = prefix;
        prefix = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || prefix < 0 || prefix > max)
            return MS_ESYNTAX;
    }
    b->prefix = (int)prefix;
    return 0;
}

static int add_block(struct excl_list *l, const struct block *b)
{
    if (l->n_blocks == l->cap_blocks) {
        size_t cap = l->cap_blocks ? l->cap_blocks * 2 : 16;
        struct block *nb = realloc(l->blocks, cap * sizeof(*nb));
        if (nb == NULL)
            return MS_ENOMEM;
        l->blocks = nb;
        l->cap_blocks = cap;
    }
    l->blocks[l->n_blocks++] = *b;
    return 0;
}

/* One entry: an address block if it parses as one, else a domain name. */
static int add_entry(struct excl_list *l, const struct ds_entry *e)
{
    struct block b;

    if (parse_block(e->raw, &b) == 0)
        return add_block(l, &b);
    if (e->err != DS_NAME_OK)
        return MS_ESYNTAX;
    return add_name(l, e->name);
}

int excl_load(const char *path, struct excl_list **out, size_t *bad_line)
{
    struct excl_list *l = calloc(1, sizeof(*l));
    struct ds_list_reader rd;
    struct ds_entry *e = malloc(sizeof(*e));
    FILE *fp = fopen(path, "r");
    int rc = 0;

    *out = NULL;
    *bad_line = 0;
    if (l == NULL || e == NULL || fp == NULL || names_grow(l) != 0) {
        rc = fp == NULL ? MS_EIO : MS_ENOMEM;
        goto done;
    }
    ds_list_reader_init(&rd, fp);
    while ((rc = ds_list_next(&rd, e)) == 1) {
        rc = add_entry(l, e);
        if (rc != 0) {
            *bad_line = (size_t)e->lineno;
            goto done;
        }
    }
done:
    if (fp != NULL)
        fclose(fp);
    free(e);
    if (rc != 0) {
        excl_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int excl_domain(const struct excl_list *l, const char *name)
{
    if (l == NULL || l->cap == 0)
        return 0;
    /* The name itself, then each parent at a label boundary. */
    for (const char *p = name; p != NULL && *p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
        size_t j = ms_hash_str(p) & (l->cap - 1);
        while (l->names[j] != NULL) {
            if (strcmp(l->names[j], p) == 0)
                return 1;
            j = (j + 1) & (l->cap - 1);
        }
    }
    return 0;
}

static int in_block(const struct block *b, const uint8_t *a, int family)
{
    int full = b->prefix / 8, rest = b->prefix % 8;

    if (b->family != family)
        return 0;
    if (memcmp(b->addr, a, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    return ((b->addr[full] ^ a[full]) & (0xff << (8 - rest))) == 0;
}

int excl_addr(const struct excl_list *l, const char *ip)
{
    uint8_t a[16];
    int family;

    if (l == NULL || l->n_blocks == 0)
        return 0;
    if (inet_pton(AF_INET, ip, a) == 1)
        family = 4;
    else if (inet_pton(AF_INET6, ip, a) == 1)
        family = 6;
    else
        return 0;
    for (size_t i = 0; i < l->n_blocks; i++)
        if (in_block(&l->blocks[i], a, family))
            return 1;
    return 0;
}

void excl_counts(const struct excl_list *l, size_t *domains, size_t *blocks)
{
    *domains = l ? l->n_names : 0;
    *blocks = l ? l->n_blocks : 0;
}

void excl_free(struct excl_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->cap; i++)
        free(l->names[i]);
    free(l->names);
    free(l->blocks);
    free(l);
}
