/* options.h: `mtascope scan` options: one table drives getopt_long, --help and the manifest. */
#ifndef MS_SCANNER_OPTIONS_H
#define MS_SCANNER_OPTIONS_H

#include <stdint.h>

#include "common/strbuf.h"
#include "datasets/input.h"
#include "resolver/resolver.h"

struct scan_opts {
    const char *input;
    const char *out_dir;
    struct rsv_opts rsv;
    int concurrency;
    uint64_t limit;                    /* entries read at most; 0: all */
    double sample;                     /* fraction of names kept, by hash (1: all) */
    uint32_t shard_k, shard_n;         /* --shard K/N; shard_n 0: not sharded (the whole input) */
    int registered_only;               /* reduce names to their registered domains */
    enum ds_input_format input_format; /* DS_INPUT_AUTO: guessed from the content */
    const char *zone_origin;           /* origin of a zone file without $ORIGIN (NULL: none) */
    int smtp;                          /* run the STARTTLS stage */
    int sts;                           /* fetch MTA-STS policies */
    uint16_t https_port;
    uint16_t smtp_port;
    const char *ehlo_name;
    const char *contact; /* URL in the policy fetches' User-Agent; NULL: none */
    const char *ca_file; /* NULL: the system store */
    int allow_private;
    const char *exclude; /* exclusion list file, reloaded on SIGHUP */
    int per_ip_conns;
    double per_ip_rate;
    int max_conns;
    int connect_timeout_ms;
    int smtp_timeout_ms;
    uint32_t max_hosts;
    int resume;
    int dry_run; /* read, normalise, dedupe and shard only; out_dir may be NULL */
    int status;  /* -1 auto (a terminal), 0 off, 1 on */
    int verbose;
    int quiet;
    char ehlo_buf[256];
};

/*
 * Parses argv (after the "scan" word). Returns 0 on success, 1 when --help
 * was printed, or 2 after printing a usage error to stderr.
 */
int scan_opts_parse(struct scan_opts *o, int argc, char **argv);

/* Appends the options as a JSON object for the manifest. */
void scan_opts_json(const struct scan_opts *o, struct ms_buf *out);

/*
 * Appends the options that decide what a scan records, as `name=value` lines
 * in a fixed order, for the store's meta: two scans whose texts are equal ran
 * with the same settings, so `mtascope merge` may combine them. Left out on
 * purpose: the input's path (its SHA-256 is compared instead), --out, --resume,
 * --shard, --status/--no-status, --verbose and --quiet. Values are not escaped
 * (a path with a newline would only make two texts differ). Any thread.
 */
void scan_opts_canon(const struct scan_opts *o, struct ms_buf *out);

#endif
