/* route.c: --registered-only, --sample and --shard applied to one input entry. */
#include "scanner/route.h"

#include <string.h>

#include "common/hash.h"
#include "datasets/psl.h"
#include "datasets/shard.h"

/*
 * --sample: a name is kept when its hash falls in the first fraction P of the
 * hash space, so the same input and P give the same sample every time.
 */
static int sampled(const struct scan_opts *o, const struct ds_entry *e)
{
    const char *key = e->err == DS_NAME_OK ? e->name : e->raw;

    if (o->sample >= 1.0)
        return 1;
    return (double)ms_hash_str(key) < o->sample * 4294967296.0;
}

/*
 * --registered-only: the name becomes its registered domain (the first line
 * naming it is the one recorded; later ones are duplicates). A name that is a
 * public suffix itself has none: an input error, so nothing is dropped.
 */
static void reduce_to_registered(struct ds_entry *e)
{
    char reg[DS_NAME_MAX + 1];

    if (ds_psl_registered(e->name, reg, sizeof(reg)) == 0)
        memcpy(e->name, reg, strlen(reg) + 1);
    else
        e->err = DS_NAME_PUBLIC_SUFFIX;
}

/*
 * --shard K/N: whether the entry belongs to this shard. Names go by their
 * registered domain, so one organisation's names meet in one shard; input
 * errors by their raw line, so each still gets exactly one record in all.
 */
static int in_shard(const struct scan_opts *o, const struct ds_entry *e)
{
    char key[DS_NAME_MAX + 1];

    if (o->shard_n <= 1)
        return 1;
    if (e->err == DS_NAME_OK || e->err == DS_NAME_PUBLIC_SUFFIX) {
        ds_shard_key(e->name, key);
        return ds_shard_of(key, o->shard_n) == o->shard_k;
    }
    return ds_shard_of(e->raw, o->shard_n) == o->shard_k;
}

enum scan_route scan_route_entry(const struct scan_opts *o, struct ds_entry *e)
{
    if (e->err == DS_NAME_OK && o->registered_only)
        reduce_to_registered(e);
    if (!sampled(o, e))
        return SCAN_ROUTE_SAMPLED_OUT;
    if (!in_shard(o, e))
        return SCAN_ROUTE_SHARDED_OUT;
    return e->err != DS_NAME_OK ? SCAN_ROUTE_INPUT_ERROR : SCAN_ROUTE_NAME;
}

void scan_input_error_key(const struct ds_entry *e, char *key, size_t keysz)
{
    key[0] = '!';
    ds_name_escape(e->raw, e->raw_len, key + 1, keysz - 1);
}
