/* options.c: the scan option table, its parser and its --help text. */
#include "scanner/options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "output/json.h"

/* XX(long name, has_arg, short, metavar, help) — the one place an option is described. */
#define SCAN_OPT_MAP(XX)                                                                           \
    XX("out", 1, 'o', "DIR", "write results.lmdb, domains.csv, manifest.json to DIR (required)")   \
    XX("resolver", 1, 'r', "ADDR[:PORT]",                                                          \
       "validating resolver to query; repeat for several "                                         \
       "(default 127.0.0.1:53)")                                                                   \
    XX("resolver-qps", 1, 'q', "N", "queries per second per resolver (default 0: unlimited)")      \
    XX("resolver-inflight", 1, 'I', "N", "outstanding queries per resolver (default 1000)")        \
    XX("concurrency", 1, 'c', "N", "domains in flight (default 500)")                              \
    XX("timeout", 1, 't', "MS", "DNS timeout per try in milliseconds (default 2000)")              \
    XX("retries", 1, 'R', "N", "DNS retries after a timeout, on the next resolver (default 2)")    \
    XX("max-hosts", 1, 'H', "N", "MX hosts kept in the lookup cache (default 100000)")             \
    XX("resume", 0, 'u', NULL, "continue a scan in --out, skipping domains already recorded")      \
    XX("status", 0, 's', NULL, "print a status line every second (default: when stderr is a tty)") \
    XX("no-status", 0, 'S', NULL, "never print the status line")                                   \
    XX("verbose", 0, 'v', NULL, "more log output on stderr (repeat for debug, trace)")             \
    XX("quiet", 0, 'Q', NULL, "only errors on stderr")                                             \
    XX("help", 0, 'h', NULL, "show this help")

static const struct option long_opts[] = {
#define XX(name, arg, sh, meta, help) {name, arg, NULL, sh},
    SCAN_OPT_MAP(XX)
#undef XX
        {NULL, 0, NULL, 0}};

static void print_help(FILE *fp)
{
    fputs("usage: mtascope scan [options] INPUT\n"
          "Resolves MX, addresses, TLSA, _mta-sts and _smtp._tls for every domain in INPUT\n"
          "(one per line, '#' comments; '-' reads stdin).\n\n",
          fp);
#define XX(name, arg, sh, meta, help)                                                              \
    {                                                                                              \
        char left[40];                                                                             \
        snprintf(left, sizeof(left), "-%c, --%s%s%s", sh, name, meta ? " " : "",                   \
                 meta ? meta : "");                                                                \
        fprintf(fp, "  %-30s %s\n", left, help);                                                   \
    }
    SCAN_OPT_MAP(XX)
#undef XX
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int bad_value(const char *name, const char *val)
{
    fprintf(stderr, "mtascope scan: invalid value '%s' for --%s\n", val, name);
    return 2;
}

static int add_resolver(struct scan_opts *o, const char *s)
{
    if (o->rsv.n_upstreams == RSV_MAX_UPSTREAMS) {
        fprintf(stderr, "mtascope scan: at most %d resolvers\n", RSV_MAX_UPSTREAMS);
        return 2;
    }
    if (rsv_parse_upstream(s, &o->rsv.upstream[o->rsv.n_upstreams]) != 0)
        return bad_value("resolver", s);
    o->rsv.n_upstreams++;
    return 0;
}

static void set_defaults(struct scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    rsv_opts_default(&o->rsv);
    o->concurrency = 500;
    o->max_hosts = 100000;
    o->status = -1;
}

/* Applies one parsed option; returns 0, 1 (help shown) or 2 (error). */
static int apply(struct scan_opts *o, int c, const char *arg)
{
    long v;

    switch (c) {
    case 'o':
        o->out_dir = arg;
        return 0;
    case 'r':
        return add_resolver(o, arg);
    case 'q':
        if (parse_long(arg, 0, 10000000, &v) != 0)
            return bad_value("resolver-qps", arg);
        o->rsv.qps_per_upstream = (double)v;
        return 0;
    case 'I':
        if (parse_long(arg, 1, 100000, &v) != 0)
            return bad_value("resolver-inflight", arg);
        o->rsv.max_inflight = (int)v;
        return 0;
    case 'c':
        if (parse_long(arg, 1, 100000, &v) != 0)
            return bad_value("concurrency", arg);
        o->concurrency = (int)v;
        return 0;
    case 't':
        if (parse_long(arg, 10, 600000, &v) != 0)
            return bad_value("timeout", arg);
        o->rsv.timeout_ms = (int)v;
        return 0;
    case 'R':
        if (parse_long(arg, 0, 10, &v) != 0)
            return bad_value("retries", arg);
        o->rsv.retries = (int)v;
        return 0;
    case 'H':
        if (parse_long(arg, 16, 100000000, &v) != 0)
            return bad_value("max-hosts", arg);
        o->max_hosts = (uint32_t)v;
        return 0;
    case 'u':
        o->resume = 1;
        return 0;
    case 's':
        o->status = 1;
        return 0;
    case 'S':
        o->status = 0;
        return 0;
    case 'v':
        o->verbose++;
        return 0;
    case 'Q':
        o->quiet = 1;
        return 0;
    case 'h':
        print_help(stdout);
        return 1;
    default:
        fputs("Try 'mtascope scan --help'.\n", stderr);
        return 2;
    }
}

int scan_opts_parse(struct scan_opts *o, int argc, char **argv)
{
    char shorts[64];
    size_t n = 0;
    int c, rc;

    set_defaults(o);
#define XX(name, arg, sh, meta, help)                                                              \
    shorts[n++] = sh;                                                                              \
    if (arg)                                                                                       \
        shorts[n++] = ':';
    SCAN_OPT_MAP(XX)
#undef XX
    shorts[n] = '\0';
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, long_opts, NULL)) != -1) {
        rc = apply(o, c, optarg);
        if (rc != 0)
            return rc;
    }
    if (optind != argc - 1) {
        fputs("mtascope scan: expected exactly one INPUT (a file, or '-' for stdin)\n", stderr);
        return 2;
    }
    o->input = argv[optind];
    if (o->out_dir == NULL) {
        fputs("mtascope scan: --out DIR is required\n", stderr);
        return 2;
    }
    if (o->rsv.n_upstreams == 0)
        add_resolver(o, "127.0.0.1:53");
    ms_log_threshold = o->quiet ? MS_LOG_ERROR : (enum ms_log_level)(MS_LOG_WARN + o->verbose);
    if (ms_log_threshold > MS_LOG_TRACE)
        ms_log_threshold = MS_LOG_TRACE;
    return 0;
}

void scan_opts_json(const struct scan_opts *o, struct ms_buf *b)
{
    ms_buf_puts(b, "{\"input\":");
    out_json_str(b, o->input);
    ms_buf_puts(b, ",\"out\":");
    out_json_str(b, o->out_dir);
    ms_buf_puts(b, ",\"resolvers\":[");
    for (int i = 0; i < o->rsv.n_upstreams; i++) {
        char s[96];
        snprintf(s, sizeof(s), "%s:%u", o->rsv.upstream[i].addr, (unsigned)o->rsv.upstream[i].port);
        if (i)
            ms_buf_putc(b, ',');
        out_json_str(b, s);
    }
    ms_buf_printf(b,
                  "],\"resolver_qps\":%.0f,\"resolver_inflight\":%d,\"concurrency\":%d,"
                  "\"timeout_ms\":%d,\"retries\":%d,\"backoff_ms\":%d,\"edns_size\":%u,"
                  "\"max_hosts\":%u,\"resume\":%s}",
                  o->rsv.qps_per_upstream, o->rsv.max_inflight, o->concurrency, o->rsv.timeout_ms,
                  o->rsv.retries, o->rsv.backoff_ms, (unsigned)o->rsv.edns_size, o->max_hosts,
                  o->resume ? "true" : "false");
}
