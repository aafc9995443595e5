/* manifest.c: writes manifest.json: version, options, libraries, times, counters, resource use. */
#include "scanner/manifest.h"

#include <stdio.h>
#include <sys/resource.h>

#include "common/error.h"
#include "datasets/psl.h"
#include "datasets/shard.h"
#include "output/json.h"
#include "probes/tlsctx.h"
#include "output/record.h"
#include "scanner/versions.h"

void scan_time_rfc3339(time_t t, char *out, size_t outsz)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "key":"value" with both escaped; the caller writes separators (no implicit commas). */
static void kv(struct ms_buf *b, const char *key, const char *val)
{
    out_json_str(b, key);
    ms_buf_putc(b, ':');
    out_json_str(b, val);
}

static void put_counters(struct ms_buf *b, const struct scan_counters *c, uint64_t total)
{
    ms_buf_puts(b, "\"counters\":{");
#define XX(member, name) out_json_kv_u64(b, name, c->member);
    SCAN_COUNTER_MAP(XX)
#undef XX
    out_json_kv_u64(b, "records_total", total);
    ms_buf_putc(b, '}');
}

void scan_counters_text(const struct scan_counters *c, struct ms_buf *b)
{
#define XX(member, name) ms_buf_printf(b, "%s=%llu\n", name, (unsigned long long)c->member);
    SCAN_COUNTER_MAP(XX)
#undef XX
}

static void put_resolvers(struct ms_buf *b, const struct scan_manifest *m)
{
    ms_buf_puts(b, "\"resolvers\":[");
    for (int i = 0; i < m->n_up; i++) {
        const struct rsv_upstream_stats *s = &m->up_stats[i];
        ms_buf_puts(b, i ? ",{" : "{");
        kv(b, "address", m->up_names[i]);
        ms_buf_printf(b,
                      ",\"sent\":%llu,\"answered\":%llu,\"timeouts\":%llu,\"servfail\":%llu,"
                      "\"nxdomain\":%llu,\"refused\":%llu,\"neterr\":%llu,\"throttled\":%llu}",
                      (unsigned long long)s->sent, (unsigned long long)s->answered,
                      (unsigned long long)s->timeouts, (unsigned long long)s->servfail,
                      (unsigned long long)s->nxdomain, (unsigned long long)s->refused,
                      (unsigned long long)s->neterr, (unsigned long long)s->throttled);
    }
    ms_buf_puts(b, "]");
}

static void put_resources(struct ms_buf *b)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    ms_buf_printf(b, "\"resources\":{\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"max_rss_kib\":%ld}",
                  (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
                  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
}

/*
 * What decides which names this run scanned: a merge of shards checks that
 * these agree (the partition depends on the public suffix list in use).
 */
static void put_input(struct ms_buf *b, const struct scan_manifest *m)
{
    const struct scan_opts *o = m->opts;
    char shard[32];

    snprintf(shard, sizeof(shard), "%u/%u", o->shard_k, o->shard_n ? o->shard_n : 1);
    ms_buf_puts(b, ",\n\"input\":{");
    kv(b, "format", m->input_format ? m->input_format : "unknown");
    ms_buf_printf(b, ",\"gzip\":%s,", m->input_compressed ? "true" : "false");
    kv(b, "shard", shard);
    ms_buf_putc(b, ',');
    kv(b, "shard_function", DS_SHARD_FUNCTION);
    ms_buf_putc(b, ',');
    kv(b, "public_suffix_list", ds_psl_describe());
    ms_buf_printf(b, ",\"registered_only\":%s}", o->registered_only ? "true" : "false");
}

static void build(struct ms_buf *b, const struct scan_manifest *m)
{
    char t0[32], t1[32];

    scan_time_rfc3339(m->started_at, t0, sizeof(t0));
    scan_time_rfc3339(m->finished_at, t1, sizeof(t1));
    ms_buf_puts(b, "{\n");
    kv(b, "mtascope_version", MS_VERSION);
    ms_buf_printf(b, ",\n\"record_version\":%d,\n\"argv\":[", OUT_RECORD_VERSION);
    for (int i = 0; i < m->argc; i++) {
        if (i)
            ms_buf_putc(b, ',');
        out_json_str(b, m->argv[i]);
    }
    ms_buf_puts(b, "],\n\"options\":");
    scan_opts_json(m->opts, b);
    ms_buf_puts(b, ",\n");
    kv(b, "input_sha256", m->input_sha256 ? m->input_sha256 : "");
    ms_buf_printf(b, ",\n\"input_bytes\":%llu", (unsigned long long)m->input_bytes);
    ms_buf_puts(b, ",\n\"libraries\":");
    scan_versions_json(b);
    put_input(b, m);
    ms_buf_puts(b, ",\n");
    kv(b, "started_at", t0);
    ms_buf_puts(b, ",\n");
    kv(b, "finished_at", t1);
    ms_buf_printf(b, ",\n\"duration_s\":%.3f,\n", m->duration_s);
    ms_buf_printf(b, "\"complete\":%s", m->complete ? "true" : "false");
    ms_buf_puts(b, ",\n");
    put_counters(b, m->counters, m->records_total);
    ms_buf_printf(b, ",\n\"host_cache\":{\"hits\":%llu,\"lookups\":%llu},\n",
                  (unsigned long long)m->host_hits, (unsigned long long)m->host_misses);
    put_resolvers(b, m);
    if (m->has_sts)
        ms_buf_printf(b, ",\n\"mta_sts\":{\"policy_fetches\":%llu,\"fetch_errors\":%llu}",
                      (unsigned long long)m->sts_fetches, (unsigned long long)m->sts_fetch_errors);
    if (m->has_smtp) {
        ms_buf_printf(b,
                      ",\n\"smtp\":{\"connections\":%llu,\"tls_handshakes\":%llu,\"reused\":%llu,"
                      "\"waited_per_ip\":%llu,"
                      "\"waited_global\":%llu,\"max_connections_seen\":%d,"
                      "\"max_per_ip_seen\":%d,\"tls\":",
                      (unsigned long long)m->smtp.probes, (unsigned long long)m->smtp.handshakes,
                      (unsigned long long)m->smtp.reused, (unsigned long long)m->smtp.waited_ip,
                      (unsigned long long)m->smtp.waited_global, m->smtp.max_conns_seen,
                      m->smtp.max_per_ip_seen);
        smtp_tls_ctx_json(b);
        ms_buf_puts(b, "}");
    }
    ms_buf_puts(b, ",\n");
    put_resources(b);
    ms_buf_puts(b, "\n}\n");
}

int scan_manifest_write(const char *dir, const struct scan_manifest *m)
{
    struct ms_buf b;
    char path[4096], tmp[4200];
    FILE *fp;
    int rc = 0;

    ms_buf_init(&b);
    build(&b, m);
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "w");
    if (fp == NULL || b.oom || fwrite(b.data, 1, b.len, fp) != b.len)
        rc = MS_EIO;
    if (fp != NULL && fclose(fp) != 0)
        rc = MS_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = MS_EIO;
    ms_buf_free(&b);
    return rc;
}
