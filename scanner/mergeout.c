/* mergeout.c: the merged store's meta and manifest.json (counters summed, shards' manifests). */
#include "scanner/mergeout.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "output/json.h"
#include "output/record.h"
#include "scanner/manifest.h"

/* The merged value of one counter: summed, but input_entries once (each shard read it all). */
static uint64_t merged_counter(const struct merge_shard *sh, int n, const char *name)
{
    uint64_t sum = 0, v;

    for (int i = 0; i < n; i++) {
        if (scan_meta_counter(ms_buf_cstr((struct ms_buf *)&sh[i].meta.counters), name, &v) != 0)
            continue;
        if (strcmp(name, "input_entries") == 0)
            return v;
        sum += v;
    }
    return sum;
}

int merge_out_meta(struct out_store *out, const struct merge_shard *sh, int n)
{
    static const char *const names[] = {
#define XX(member, name) name,
        SCAN_COUNTER_MAP(XX)
#undef XX
    };
    struct ms_buf b;
    char num[24];
    int rc;

    ms_buf_init(&b);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], MERGE_SHARDED_OUT) != 0)
            ms_buf_printf(&b, "%s=%llu\n", names[i],
                          (unsigned long long)merged_counter(sh, n, names[i]));
    snprintf(num, sizeof(num), "%d", n);
    rc = b.oom ? MS_ENOMEM : out_store_meta_put(out, SCAN_META_COUNTERS, ms_buf_cstr(&b));
    if (rc == 0)
        rc = out_store_meta_put(out, SCAN_META_OPTIONS,
                                ms_buf_cstr((struct ms_buf *)&sh[0].meta.options));
    if (rc == 0)
        rc = out_store_meta_put(out, SCAN_META_INPUT, sh[0].meta.input_sha256);
    if (rc == 0)
        rc = out_store_meta_put(out, "merged_shards", num);
    if (rc == 0)
        rc = out_store_meta_put(out, SCAN_META_COMPLETE, "true");
    ms_buf_free(&b);
    return rc;
}

/* Appends DIR/manifest.json as it is when it looks like a JSON object, else null. */
static void put_shard_manifest(struct ms_buf *b, const char *dir)
{
    char path[4200], chunk[8192];
    struct ms_buf text;
    FILE *fp;
    size_t got;

    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    ms_buf_init(&text);
    fp = fopen(path, "r");
    while (fp != NULL && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        ms_buf_append(&text, chunk, got);
    if (fp != NULL)
        fclose(fp);
    while (text.len > 0 && strchr(" \t\r\n", text.data[text.len - 1]) != NULL)
        text.len--;
    if (!text.oom && text.len > 1 && text.data[0] == '{' && text.data[text.len - 1] == '}')
        ms_buf_append(b, text.data, text.len);
    else
        ms_buf_puts(b, "null");
    ms_buf_free(&text);
}

static void put_counters(struct ms_buf *b, const struct merge_shard *sh, int n,
                         const struct merge_totals *t)
{
    out_json_key(b, "counters");
    ms_buf_putc(b, '{');
#define XX(member, name)                                                                           \
    if (strcmp(name, MERGE_SHARDED_OUT) != 0)                                                      \
        out_json_kv_u64(b, name, merged_counter(sh, n, name));
    SCAN_COUNTER_MAP(XX)
#undef XX
    out_json_kv_u64(b, "records_total", t->rows);
    out_json_kv_u64(b, "mx_rows", t->mx_rows);
    ms_buf_putc(b, '}');
}

static void build(struct ms_buf *b, const struct merge_shard *sh, int n,
                  const struct merge_totals *t)
{
    char now[32];

    scan_time_rfc3339(time(NULL), now, sizeof(now));
    ms_buf_putc(b, '{');
    out_json_kv_str(b, "mtascope_version", MS_VERSION);
    out_json_kv_u64(b, "record_version", OUT_RECORD_VERSION);
    out_json_kv_bool(b, "merged", 1);
    out_json_kv_str(b, "merged_at", now);
    out_json_kv_str(b, "input_sha256", sh[0].meta.input_sha256);
    out_json_kv_u64(b, "shards", (uint64_t)n);
    out_json_kv_bool(b, "complete", 1);
    ms_buf_putc(b, '\n');
    put_counters(b, sh, n, t);
    ms_buf_puts(b, ",\n\"shard_manifests\":[");
    for (int i = 0; i < n; i++) {
        ms_buf_puts(b, i ? ",\n{" : "\n{");
        out_json_kv_str(b, "dir", sh[i].dir);
        ms_buf_printf(b, ",\"shard\":\"%u/%u\",\"manifest\":", sh[i].k, sh[i].n);
        put_shard_manifest(b, sh[i].dir);
        ms_buf_putc(b, '}');
    }
    ms_buf_puts(b, "]}\n");
}

int merge_out_manifest(const char *out, const struct merge_shard *sh, int n,
                       const struct merge_totals *t)
{
    char path[4200], tmp[4300];
    struct ms_buf b;
    FILE *fp;
    int rc = 0;

    ms_buf_init(&b);
    build(&b, sh, n, t);
    snprintf(path, sizeof(path), "%s/manifest.json", out);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "w");
    if (b.oom)
        rc = MS_ENOMEM;
    else if (fp == NULL || fwrite(b.data, 1, b.len, fp) != b.len)
        rc = MS_EIO;
    if (fp != NULL && fclose(fp) != 0)
        rc = MS_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = MS_EIO;
    if (rc != 0)
        remove(tmp);
    ms_buf_free(&b);
    return rc;
}
