/* scanmeta.c: the store's meta written at the start and end of a run, and read back by merge. */
#include "scanner/scanmeta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "scanner/manifest.h"

int scan_meta_begin(struct out_store *s, const struct scan_opts *o)
{
    struct ms_buf b;
    int rc;

    ms_buf_init(&b);
    scan_opts_canon(o, &b);
    rc = b.oom ? MS_ENOMEM : out_store_meta_put(s, SCAN_META_OPTIONS, ms_buf_cstr(&b));
    /* Until this run ends well, the store holds an unfinished scan (even if an earlier one ended).
     */
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_COMPLETE, "false");
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_INPUT, "");
    ms_buf_free(&b);
    return rc;
}

int scan_meta_end(struct out_store *s, const struct scan_counters *c, const char *input_sha256,
                  int complete)
{
    struct ms_buf b;
    int rc;

    ms_buf_init(&b);
    scan_counters_text(c, &b);
    rc = b.oom ? MS_ENOMEM : out_store_meta_put(s, SCAN_META_COUNTERS, ms_buf_cstr(&b));
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_INPUT, input_sha256 ? input_sha256 : "");
    /* Last, so a store whose end-of-run meta is only partly committed still reads incomplete. */
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_COMPLETE, complete ? "true" : "false");
    ms_buf_free(&b);
    return rc;
}

/* Reads one key; an absent key leaves `v` empty. */
static int read_key(const char *dir, const char *key, struct ms_buf *v)
{
    int rc = out_store_meta_read(dir, key, v);

    if (rc == MS_ENOTFOUND) {
        ms_buf_reset(v);
        return 0;
    }
    return rc;
}

int scan_meta_read(const char *dir, struct scan_meta *m)
{
    struct ms_buf v;
    uint64_t n;
    int rc;

    memset(m, 0, sizeof(*m));
    ms_buf_init(&m->options);
    ms_buf_init(&m->counters);
    ms_buf_init(&m->shard);
    ms_buf_init(&m->shard_function);
    ms_buf_init(&m->psl);
    ms_buf_init(&v);
    /* out_store_count tells "no store" apart from "a store without this key". */
    rc = out_store_count(dir, &n);
    if (rc == 0)
        rc = read_key(dir, SCAN_META_COMPLETE, &v);
    if (rc == 0) {
        m->complete = strcmp(ms_buf_cstr(&v), "true") == 0;
        rc = read_key(dir, SCAN_META_INPUT, &v);
    }
    if (rc == 0) {
        snprintf(m->input_sha256, sizeof(m->input_sha256), "%s", ms_buf_cstr(&v));
        rc = read_key(dir, SCAN_META_OPTIONS, &m->options);
    }
    if (rc == 0)
        rc = read_key(dir, SCAN_META_COUNTERS, &m->counters);
    if (rc == 0)
        rc = read_key(dir, "shard", &m->shard);
    if (rc == 0)
        rc = read_key(dir, "shard_function", &m->shard_function);
    if (rc == 0)
        rc = read_key(dir, "public_suffix_list", &m->psl);
    if (rc == 0 && (m->options.oom || m->counters.oom || m->shard.oom || m->shard_function.oom ||
                    m->psl.oom || v.oom))
        rc = MS_ENOMEM;
    ms_buf_free(&v);
    return rc;
}

void scan_meta_free(struct scan_meta *m)
{
    ms_buf_free(&m->options);
    ms_buf_free(&m->counters);
    ms_buf_free(&m->shard);
    ms_buf_free(&m->shard_function);
    ms_buf_free(&m->psl);
}

int scan_meta_counter(const char *text, const char *name, uint64_t *val)
{
    size_t n = strlen(name);

    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            char *end;
            unsigned long long v;

            errno = 0;
            v = strtoull(p + n + 1, &end, 10);
            if (errno != 0 || end == p + n + 1 || (*end != '\n' && *end != '\0'))
                return MS_ENOTFOUND;
            *val = (uint64_t)v;
            return 0;
        }
    }
    return MS_ENOTFOUND;
}
