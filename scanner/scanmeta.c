/* scanmeta.c: the store's meta written at the start and end of a run, and read back by merge. */
#include "scanner/scanmeta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "scanner/manifest.h"

void scan_meta_first_difference(const char *a, const char *b, char *out, size_t outsz)
{
    while (*a && *a == *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);

        if (la != lb || memcmp(a, b, la) != 0)
            break;
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    snprintf(out, outsz, "'%.*s' vs '%.*s'", (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

/*
 * Options that pace a scan without changing what it records: a resumed run
 * may change them (a scan slowed down, then continued at full speed). A merge
 * still compares them, as it compares every option.
 */
static int is_pacing(const char *line)
{
    static const char *const pacing[] = {
        "resolver_qps=", "resolver_inflight=", "concurrency=", "per_ip_conns=",
        "per_ip_rate=",  "max_conns=",         "max_hosts="};

    for (size_t i = 0; i < sizeof(pacing) / sizeof(pacing[0]); i++)
        if (strncmp(line, pacing[i], strlen(pacing[i])) == 0)
            return 1;
    return 0;
}

/* `text` without its pacing lines, into `out`. */
static void without_pacing(const char *text, struct ms_buf *out)
{
    ms_buf_reset(out);
    while (*text) {
        const char *eol = strchr(text, '\n');
        size_t n = eol ? (size_t)(eol - text) + 1 : strlen(text);

        if (!is_pacing(text))
            ms_buf_append(out, text, n);
        text += n;
    }
}

/* --resume: the store's options must be this run's; its input digest is kept for later. */
static int check_resume(struct out_store *s, const char *opts, char *prev_sha)
{
    struct ms_buf v, was, now;
    char diff[600];
    int rc;

    ms_buf_init(&v);
    ms_buf_init(&was);
    ms_buf_init(&now);
    rc = out_store_meta_get(s, SCAN_META_INPUT, &v);
    if (rc == 0)
        snprintf(prev_sha, 65, "%s", ms_buf_cstr(&v));
    rc = out_store_meta_get(s, SCAN_META_OPTIONS, &v);
    if (rc == 0) {
        without_pacing(ms_buf_cstr(&v), &was);
        without_pacing(opts, &now);
        rc = was.oom || now.oom ? MS_ENOMEM : 0;
    }
    if (rc == MS_ENOTFOUND)
        rc = 0; /* a store from before the options were recorded */
    else if (rc == 0 && strcmp(ms_buf_cstr(&was), ms_buf_cstr(&now)) != 0) {
        scan_meta_first_difference(ms_buf_cstr(&was), ms_buf_cstr(&now), diff, sizeof(diff));
        ms_error("the scan in this directory ran with other options (%s): refusing to resume it "
                 "with these, which would mix two settings in one store",
                 diff);
        rc = MS_EINVAL;
    }
    ms_buf_free(&v);
    ms_buf_free(&was);
    ms_buf_free(&now);
    return rc;
}

int scan_meta_begin(struct out_store *s, const struct scan_opts *o, char *prev_sha)
{
    struct ms_buf b;
    int rc;

    prev_sha[0] = '\0';
    ms_buf_init(&b);
    scan_opts_canon(o, &b);
    rc = b.oom ? MS_ENOMEM : 0;
    if (rc == 0 && o->resume)
        rc = check_resume(s, ms_buf_cstr(&b), prev_sha);
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_OPTIONS, ms_buf_cstr(&b));
    /* Until this run ends well, the store holds an unfinished scan (even if an earlier one ended).
     */
    if (rc == 0)
        rc = out_store_meta_put(s, SCAN_META_COMPLETE, "false");
    ms_buf_free(&b);
    return rc;
}

int scan_meta_input(struct out_store *s, const char *prev_sha, const char *sha, const char *input)
{
    if (prev_sha[0] != '\0' && strcmp(prev_sha, sha) != 0) {
        ms_error("%s is not the input this scan began with (SHA-256 %.16s... vs %.16s...): "
                 "stopping; the store now mixes two inputs, start a new scan",
                 input, sha, prev_sha);
        out_store_meta_put(s, SCAN_META_INPUT, "mixed");
        return MS_EINVAL;
    }
    return out_store_meta_put(s, SCAN_META_INPUT, sha);
}

int scan_meta_end(struct out_store *s, const struct scan_counters *c, const char *input_sha256,
                  int complete)
{
    struct ms_buf b;
    int rc;

    ms_buf_init(&b);
    scan_counters_text(c, &b);
    rc = b.oom ? MS_ENOMEM : out_store_meta_put(s, SCAN_META_COUNTERS, ms_buf_cstr(&b));
    if (rc == 0 && input_sha256 != NULL)
        rc = out_store_meta_put(s, SCAN_META_INPUT, input_sha256);
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
