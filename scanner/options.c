/* options.c: the scan option table, its parser and its --help text. */
#include "scanner/options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "datasets/shard.h"
#include "output/json.h"

/*
 * XX(long name, has_arg, short, metavar, help) — the one place an option is described. A NULL
 * help leaves the option out of --help (its partner's help names it) so --help fits a screen.
 */
#define SCAN_OPT_MAP(XX)                                                                           \
    XX("out", 1, 'o', "DIR", "write the results to DIR (required; -D: manifest)")                  \
    XX("resolver", 1, 'r', "ADDR[:PORT]",                                                          \
       "validating resolver; repeatable"                                                           \
       " (127.0.0.1)")                                                                             \
    XX("resolver-qps", 1, 'q', "N", "queries/s per resolver (0: no limit)")                        \
    XX("resolver-inflight", 1, 'I', "N", "queries in flight per resolver (1000)")                  \
    XX("concurrency", 1, 'c', "N", "domains in flight (500)")                                      \
    XX("input-format", 1, 'f', "FMT", "list, toplist or zone (default: by content)")               \
    XX("zone-origin", 1, 'z', "NAME", "origin of a zone file without $ORIGIN")                     \
    XX("limit", 1, 'l', "N", "read at most N input entries")                                       \
    XX("sample", 1, 'p', "P", "keep a share P of names, by hash (0<P<=1)")                         \
    XX("shard", 1, 'k', "K/N", "only shard K of N (0<=K<N), by registered domain")                 \
    XX("registered-only", 0, 'g', NULL, "scan registered domains only (deduped)")                  \
    XX("timeout", 1, 't', "MS", "DNS timeout per try (2000)")                                      \
    XX("retries", 1, 'R', "N", "DNS retries, on the next resolver (2)")                            \
    XX("max-hosts", 1, 'H', "N", "MX hosts cached (100000)")                                       \
    XX("no-smtp", 0, 'n', NULL, "DNS only, no STARTTLS (--no-sts: no policies)")                   \
    XX("no-sts", 0, 'N', NULL, NULL)                                                               \
    XX("https-port", 1, 'W', "PORT", NULL)                                                         \
    XX("ehlo-name", 1, 'e', "NAME", "EHLO name (host name); --contact URL: in UA")                 \
    XX("contact", 1, 'U', "URL", NULL)                                                             \
    XX("ca-file", 1, 'C', "FILE", "PKIX trust anchors (system store)")                             \
    XX("smtp-port", 1, 'P', "PORT", "SMTP port (25); --https-port PORT (443)")                     \
    XX("per-ip-conns", 1, 'j', "N", "at once per IP (1); --per-ip-rate R: new/s (1)")              \
    XX("per-ip-rate", 1, 'J', "R", NULL)                                                           \
    XX("max-conns", 1, 'm', "N", "SMTP connections at once in all (200)")                          \
    XX("smtp-timeout", 1, 'T', "MS", "SMTP/TLS timeout per stage (15000)")                         \
    XX("allow-private", 0, 'A', NULL, "also probe private/reserved addresses")                     \
    XX("exclude", 1, 'x', "FILE", "domains and CIDRs never scanned (SIGHUP reloads)")              \
    XX("resume", 0, 'u', NULL, "continue the scan already in DIR")                                 \
    XX("dry-run", 0, 'D', NULL, "only read, dedupe and shard: no DNS/SMTP/HTTPS")                  \
    XX("status", 0, 's', NULL, "status line each second (on a tty; --no-status)")                  \
    XX("no-status", 0, 'S', NULL, NULL)                                                            \
    XX("verbose", 0, 'v', NULL, "more logging, repeatable (--quiet: errors only)")                 \
    XX("quiet", 0, 'Q', NULL, NULL)                                                                \
    XX("help", 0, 'h', NULL, "this help")

static const struct option long_opts[] = {
#define XX(name, arg, sh, meta, help) {name, arg, NULL, sh},
    SCAN_OPT_MAP(XX)
#undef XX
        {NULL, 0, NULL, 0}};

static const struct {
    const char *name, *meta, *help;
    char sh;
} help_rows[] = {
#define XX(name, arg, sh, meta, help) {name, meta, help, sh},
    SCAN_OPT_MAP(XX)
#undef XX
};

static void print_help(FILE *fp)
{
    fputs("usage: mtascope scan [options] INPUT   (list, top list or zone file, plain or\n"
          "gzip; '-' is stdin). MX, TLSA, MTA-STS, TLS-RPT, then STARTTLS on each MX.\n",
          fp);
    for (size_t i = 0; i < sizeof(help_rows) / sizeof(help_rows[0]); i++) {
        char left[40];

        if (help_rows[i].help == NULL)
            continue;
        snprintf(left, sizeof(left), "-%c, --%s%s%s", help_rows[i].sh, help_rows[i].name,
                 help_rows[i].meta ? " " : "", help_rows[i].meta ? help_rows[i].meta : "");
        fprintf(fp, "  %-28s %s\n", left, help_rows[i].help);
    }
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

/*
 * --contact goes into the User-Agent comment "(+URL)" (RFC 9110 §10.1.5):
 * visible ASCII without the characters that would end the comment or the
 * header, so a scanned operator reads it as given.
 */
static int contact_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 200)
        return 0;
    for (; *s != '\0'; s++)
        if (*s <= ' ' || *s >= 0x7f || *s == '(' || *s == ')' || *s == '\\')
            return 0;
    return 1;
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
    o->sample = 1.0;
    o->smtp = 1;
    o->sts = 1;
    o->https_port = 443;
    o->smtp_port = 25;
    o->per_ip_conns = 1;
    o->per_ip_rate = 1.0;
    o->max_conns = 200;
    o->connect_timeout_ms = 15000;
    o->smtp_timeout_ms = 15000;
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
    case 'D':
        o->dry_run = 1;
        return 0;
    case 'l':
        if (parse_long(arg, 1, 0x7fffffffL, &v) != 0)
            return bad_value("limit", arg);
        o->limit = (uint64_t)v;
        return 0;
    case 'p': {
        char *end;
        double f = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || !(f > 0) || f > 1)
            return bad_value("sample", arg);
        o->sample = f;
        return 0;
    }
    case 'k':
        if (ds_shard_parse(arg, &o->shard_k, &o->shard_n) != 0)
            return bad_value("shard", arg);
        return 0;
    case 'g':
        o->registered_only = 1;
        return 0;
    case 'f':
        if (ds_input_format_parse(arg, &o->input_format) != 0)
            return bad_value("input-format", arg);
        return 0;
    case 'z': {
        char name[DS_NAME_MAX + 1];
        if (strcmp(arg, ".") != 0 && ds_name_normalise(arg, strlen(arg), name) != DS_NAME_OK)
            return bad_value("zone-origin", arg);
        o->zone_origin = arg;
        return 0;
    }
    case 'n':
        o->smtp = 0;
        return 0;
    case 'N':
        o->sts = 0;
        return 0;
    case 'W':
        if (parse_long(arg, 1, 65535, &v) != 0)
            return bad_value("https-port", arg);
        o->https_port = (uint16_t)v;
        return 0;
    case 'e':
        if (strlen(arg) == 0 || strlen(arg) >= sizeof(o->ehlo_buf) || strpbrk(arg, " \t\r\n"))
            return bad_value("ehlo-name", arg);
        o->ehlo_name = arg;
        return 0;
    case 'U':
        if (!contact_ok(arg))
            return bad_value("contact", arg);
        o->contact = arg;
        return 0;
    case 'C':
        o->ca_file = arg;
        return 0;
    case 'P':
        if (parse_long(arg, 1, 65535, &v) != 0)
            return bad_value("smtp-port", arg);
        o->smtp_port = (uint16_t)v;
        return 0;
    case 'j':
        if (parse_long(arg, 1, 1000, &v) != 0)
            return bad_value("per-ip-conns", arg);
        o->per_ip_conns = (int)v;
        return 0;
    case 'J': {
        char *end;
        double r = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || !(r >= 0) || r > 100000)
            return bad_value("per-ip-rate", arg);
        o->per_ip_rate = r;
        return 0;
    }
    case 'm':
        if (parse_long(arg, 1, 100000, &v) != 0)
            return bad_value("max-conns", arg);
        o->max_conns = (int)v;
        return 0;
    case 'T':
        if (parse_long(arg, 100, 600000, &v) != 0)
            return bad_value("smtp-timeout", arg);
        o->smtp_timeout_ms = o->connect_timeout_ms = (int)v;
        return 0;
    case 'A':
        o->allow_private = 1;
        return 0;
    case 'x':
        o->exclude = arg;
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
    if (o->out_dir == NULL && !o->dry_run) {
        fputs("mtascope scan: --out DIR is required\n", stderr);
        return 2;
    }
    if (o->dry_run && o->resume) {
        fputs("mtascope scan: --dry-run reads no scan: --resume does not apply\n", stderr);
        return 2;
    }
    if (o->rsv.n_upstreams == 0)
        add_resolver(o, "127.0.0.1:53");
    if (o->ehlo_name == NULL) {
        /* A name that leads a scanned operator back to whoever runs the scan. */
        if (gethostname(o->ehlo_buf, sizeof(o->ehlo_buf) - 1) != 0 || o->ehlo_buf[0] == '\0')
            snprintf(o->ehlo_buf, sizeof(o->ehlo_buf), "mtascope.invalid");
        o->ehlo_name = o->ehlo_buf;
    }
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
    out_json_str(b, o->out_dir ? o->out_dir : "");
    ms_buf_printf(b, ",\"dry_run\":%s", o->dry_run ? "true" : "false");
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
                  "\"max_hosts\":%u,\"resume\":%s,\"limit\":%llu,\"sample\":%g,",
                  o->rsv.qps_per_upstream, o->rsv.max_inflight, o->concurrency, o->rsv.timeout_ms,
                  o->rsv.retries, o->rsv.backoff_ms, (unsigned)o->rsv.edns_size, o->max_hosts,
                  o->resume ? "true" : "false", (unsigned long long)o->limit, o->sample);
    ms_buf_printf(b, "\"shard\":\"%u/%u\",\"registered_only\":%s,", o->shard_k,
                  o->shard_n ? o->shard_n : 1, o->registered_only ? "true" : "false");
    ms_buf_printf(
        b, "\"input_format\":\"%s\",\"zone_origin\":", ds_input_format_name(o->input_format));
    out_json_str(b, o->zone_origin ? o->zone_origin : "");
    ms_buf_putc(b, ',');
    ms_buf_printf(b, "\"smtp\":%s,\"smtp_port\":%u,\"sts\":%s,\"https_port\":%u,\"ehlo_name\":",
                  o->smtp ? "true" : "false", (unsigned)o->smtp_port, o->sts ? "true" : "false",
                  (unsigned)o->https_port);
    out_json_str(b, o->ehlo_name);
    ms_buf_puts(b, ",\"contact\":");
    out_json_str(b, o->contact ? o->contact : "");
    ms_buf_puts(b, ",\"exclude\":");
    out_json_str(b, o->exclude ? o->exclude : "");
    ms_buf_puts(b, ",\"ca_file\":");
    out_json_str(b, o->ca_file ? o->ca_file : "(system store)");
    ms_buf_printf(b,
                  ",\"allow_private\":%s,\"per_ip_conns\":%d,\"per_ip_rate\":%g,"
                  "\"max_conns\":%d,\"smtp_timeout_ms\":%d}",
                  o->allow_private ? "true" : "false", o->per_ip_conns, o->per_ip_rate,
                  o->max_conns, o->smtp_timeout_ms);
}

void scan_opts_canon(const struct scan_opts *o, struct ms_buf *b)
{
    ms_buf_puts(b, "resolvers=");
    for (int i = 0; i < o->rsv.n_upstreams; i++)
        ms_buf_printf(b, "%s%s:%u", i ? "," : "", o->rsv.upstream[i].addr,
                      (unsigned)o->rsv.upstream[i].port);
    ms_buf_printf(b,
                  "\nresolver_qps=%.0f\nresolver_inflight=%d\nconcurrency=%d\ntimeout_ms=%d\n"
                  "retries=%d\nbackoff_ms=%d\nedns_size=%u\nmax_hosts=%u\nlimit=%llu\n"
                  "sample=%.17g\n",
                  o->rsv.qps_per_upstream, o->rsv.max_inflight, o->concurrency, o->rsv.timeout_ms,
                  o->rsv.retries, o->rsv.backoff_ms, (unsigned)o->rsv.edns_size, o->max_hosts,
                  (unsigned long long)o->limit, o->sample);
    ms_buf_printf(b, "registered_only=%d\ninput_format=%s\nzone_origin=%s\n", o->registered_only,
                  ds_input_format_name(o->input_format), o->zone_origin ? o->zone_origin : "");
    ms_buf_printf(b, "smtp=%d\nsmtp_port=%u\nsts=%d\nhttps_port=%u\nehlo_name=%s\n", o->smtp,
                  (unsigned)o->smtp_port, o->sts, (unsigned)o->https_port, o->ehlo_name);
    ms_buf_printf(b, "exclude=%s\nca_file=%s\nallow_private=%d\n", o->exclude ? o->exclude : "",
                  o->ca_file ? o->ca_file : "", o->allow_private);
    ms_buf_printf(b, "per_ip_conns=%d\nper_ip_rate=%.17g\nmax_conns=%d\nsmtp_timeout_ms=%d\n",
                  o->per_ip_conns, o->per_ip_rate, o->max_conns, o->smtp_timeout_ms);
}
