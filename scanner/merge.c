/* merge.c: `mtascope merge`: checks that shard directories make one scan, then combines them. */
#include "scanner/merge.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "datasets/listreader.h"
#include "datasets/name.h"
#include "datasets/psl.h"
#include "datasets/shard.h"
#include "output/csv.h"
#include "output/mxcsv.h"
#include "output/store.h"
#include "scanner/mergeout.h"
#include "scanner/mxrows.h"
#include "scanner/scanmeta.h"

/* Puts queued in OUT's store before waiting for them to commit (bounds memory). */
#define MERGE_PENDING_MAX 65536

static void usage(FILE *fp)
{
    fputs("usage: mtascope merge [options] OUT DIR...\n"
          "Combines the result directories of the shards 0..N-1 of one scan\n"
          "(mtascope scan --shard K/N) into OUT: results.lmdb, domains.csv, mx.csv,\n"
          "manifest.json. Refuses (exit 2) shards of different inputs or options,\n"
          "a missing or repeated shard, an incomplete scan, or a domain in the\n"
          "wrong shard or in two.\n"
          "  -q, --quiet                  log errors only\n"
          "  -h, --help                   this help\n",
          fp);
}

/* Prints why the merge is refused; returns the exit status 2. */
static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
    va_list ap;

    fputs("mtascope merge: refused: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

/* "K/N" (empty: a store written before --shard existed, i.e. 0/1); returns 0 or -1. */
static int parse_shard(const char *s, unsigned *k, unsigned *n)
{
    uint32_t kk, nn;

    if (*s == '\0') {
        *k = 0;
        *n = 1;
        return 0;
    }
    if (ds_shard_parse(s, &kk, &nn) != 0)
        return -1;
    *k = kk;
    *n = nn;
    return 0;
}

/* Undoes ds_name_escape ("\\xNN" -> byte); returns the length, or -1 if malformed. */
static int unescape(const char *in, char *out, size_t outsz)
{
    size_t o = 0;

    for (; *in; o++) {
        unsigned v;

        if (o + 1 >= outsz)
            return -1;
        if (*in != '\\') {
            out[o] = *in++;
            continue;
        }
        if (in[1] != 'x' || sscanf(in + 2, "%2x", &v) != 1 || v == 0)
            return -1;
        out[o] = (char)v;
        in += 4;
    }
    out[o] = '\0';
    return (int)o;
}

/*
 * The shard (0..n-1) whose run records `key`, as the scan's in_shard() decides
 * (datasets/shard.h): a domain by its registered domain; an input error
 * ("!" + the escaped line) by its raw line, or by the name when the line is a
 * valid name reduced away by --registered-only (a public suffix). Returns n
 * when it cannot be told: an input error whose key was cut short.
 */
unsigned merge_key_shard(const char *key, unsigned n)
{
    char raw[DS_LINE_MAX + 1], name[DS_NAME_MAX + 1], skey[DS_NAME_MAX + 1];
    int len;

    if (n <= 1)
        return 0;
    if (key[0] != '!') {
        ds_shard_key(key, skey);
        return ds_shard_of(skey, n);
    }
    /* The scan's key buffer holds 298 escaped bytes: a longer key may have been cut. */
    if (strlen(key + 1) > 294 || (len = unescape(key + 1, raw, sizeof(raw))) < 0)
        return n;
    if (ds_name_normalise(raw, (size_t)len, name) == DS_NAME_OK) {
        ds_shard_key(name, skey);
        return ds_shard_of(skey, n);
    }
    return ds_shard_of(raw, n);
}

/*
 * Every record stems from an entry the shard took and did not sample out
 * (a resumed run re-reads the whole input, so its counters cover earlier
 * runs' records too): a store holding more records than that holds names
 * that are not its input's. Returns 0, 1 or 2.
 */
static int check_records(struct merge_shard *sh)
{
    uint64_t records = 0, sampled = 0, took = sh->lines - sh->sharded_out;
    int rc = out_store_count(sh->dir, &records);

    if (rc != 0) {
        ms_error("counting the records of %s: %s", sh->dir, ms_strerror(rc));
        return 1;
    }
    scan_meta_counter(ms_buf_cstr(&sh->meta.counters), "sampled_out", &sampled);
    if (sampled <= took)
        took -= sampled;
    if (records > took)
        return refuse("%s holds %llu records but took only %llu input entries", sh->dir,
                      (unsigned long long)records, (unsigned long long)took);
    return 0;
}

/* Reads one shard's meta and counters; returns 0, 2 (refused) or 1 (fault). */
static int load_shard(struct merge_shard *sh)
{
    int rc = scan_meta_read(sh->dir, &sh->meta);

    if (rc == MS_ENOTFOUND)
        return refuse("%s holds no scan (no %s/results.lmdb)", sh->dir, sh->dir);
    if (rc != 0) {
        ms_error("reading %s: %s", sh->dir, ms_strerror(rc));
        return 1;
    }
    if (!sh->meta.complete)
        return refuse("%s is not a complete scan (interrupted, failed or still running): "
                      "finish it with mtascope scan --resume first",
                      sh->dir);
    if (strlen(sh->meta.input_sha256) != 64)
        return refuse("%s: the SHA-256 of its input is unknown (read from stdin?) or mixed ('%s'), "
                      "so it cannot be shown to be the same input as the other shards'",
                      sh->dir, sh->meta.input_sha256);
    if (parse_shard(ms_buf_cstr(&sh->meta.shard), &sh->k, &sh->n) != 0)
        return refuse("%s: bad shard '%s' in its meta", sh->dir, ms_buf_cstr(&sh->meta.shard));
    if (sh->n > MERGE_MAX_SHARDS)
        return refuse("%s is one of %u shards: at most %d can be merged", sh->dir, sh->n,
                      MERGE_MAX_SHARDS);
    if (scan_meta_counter(ms_buf_cstr(&sh->meta.counters), "input_entries", &sh->lines) != 0)
        return refuse("%s: no input_entries counter in its meta", sh->dir);
    /* Shards record what they left to the others; an unsharded scan took every line. */
    if (scan_meta_counter(ms_buf_cstr(&sh->meta.counters), MERGE_SHARDED_OUT, &sh->sharded_out) !=
        0)
        sh->sharded_out = 0;
    if (sh->sharded_out > sh->lines)
        return refuse("%s: more lines sharded out (%llu) than read (%llu)", sh->dir,
                      (unsigned long long)sh->sharded_out, (unsigned long long)sh->lines);
    return check_records(sh);
}

/* Same input, same options, one N: every shard against the first. Returns 0 or 2. */
static int check_same_scan(struct merge_shard *sh, int n)
{
    char diff[600];

    for (int i = 1; i < n; i++) {
        if (strcmp(sh[i].meta.input_sha256, sh[0].meta.input_sha256) != 0)
            return refuse("%s and %s scanned different inputs (SHA-256 %.16s... vs %.16s...)",
                          sh[0].dir, sh[i].dir, sh[0].meta.input_sha256, sh[i].meta.input_sha256);
        if (strcmp(ms_buf_cstr(&sh[i].meta.options), ms_buf_cstr(&sh[0].meta.options)) != 0) {
            scan_meta_first_difference(ms_buf_cstr(&sh[0].meta.options),
                                       ms_buf_cstr(&sh[i].meta.options), diff, sizeof(diff));
            return refuse("%s and %s ran with different options: %s", sh[0].dir, sh[i].dir, diff);
        }
        if (sh[i].lines != sh[0].lines)
            return refuse("%s read %llu input entries but %s read %llu", sh[0].dir,
                          (unsigned long long)sh[0].lines, sh[i].dir,
                          (unsigned long long)sh[i].lines);
    }
    return 0;
}

/*
 * The partition must be the one this mtascope computes: the same function and,
 * since a name's shard depends on its registered domain, the same public suffix
 * list in every shard. Returns 0 or 2; *trust_hash says whether the per-record
 * shard check can run here (this machine's list is the shards' list).
 */
static int check_partition(struct merge_shard *sh, int n, int *trust_hash)
{
    const char *fn = ms_buf_cstr(&sh[0].meta.shard_function);
    const char *psl = ms_buf_cstr(&sh[0].meta.psl);

    for (int i = 1; i < n; i++)
        if (strcmp(ms_buf_cstr(&sh[i].meta.psl), psl) != 0)
            return refuse("%s and %s used different public suffix lists ('%s' vs '%s'): names "
                          "would be split differently",
                          sh[0].dir, sh[i].dir, psl, ms_buf_cstr(&sh[i].meta.psl));
    for (int i = 0; i < n; i++) {
        const char *f = ms_buf_cstr(&sh[i].meta.shard_function);
        if (*f != '\0' && strcmp(f, DS_SHARD_FUNCTION) != 0)
            return refuse("%s was split with '%s', which this mtascope does not compute ('%s')",
                          sh[i].dir, f, DS_SHARD_FUNCTION);
        if (*f != '\0' && strcmp(f, fn) != 0)
            return refuse("%s and %s were split by different functions", sh[0].dir, sh[i].dir);
    }
    *trust_hash = sh[0].n == 1 || strcmp(psl, ds_psl_describe()) == 0;
    if (!*trust_hash)
        ms_warn("the shards used the public suffix list '%s', this machine has '%s': records "
                "are not checked against their shard (the counts still are)",
                psl, ds_psl_describe());
    return 0;
}

/* The shards must be exactly 0..N-1 of one N, each once. Returns 0 or 2. */
static int check_shard_set(const struct merge_shard *sh, int n)
{
    const struct merge_shard *seen[MERGE_MAX_SHARDS] = {NULL};
    unsigned want = sh[0].n;

    for (int i = 0; i < n; i++) {
        if (sh[i].n != want)
            return refuse("%s is shard %u/%u but %s is shard %u/%u: not one partition", sh[0].dir,
                          sh[0].k, sh[0].n, sh[i].dir, sh[i].k, sh[i].n);
        if (seen[sh[i].k] != NULL)
            return refuse("shard %u/%u given twice: %s and %s", sh[i].k, want, seen[sh[i].k]->dir,
                          sh[i].dir);
        seen[sh[i].k] = &sh[i];
    }
    if ((unsigned)n != want) {
        for (unsigned k = 0; k < want; k++)
            if (seen[k] == NULL)
                return refuse("%d of %u shards given: shard %u/%u is missing", n, want, k, want);
    }
    return 0;
}

/* Every input line is taken by exactly one shard: the shares add up to the input. */
static int check_lines(const struct merge_shard *sh, int n)
{
    uint64_t taken = 0;

    for (int i = 0; i < n; i++)
        taken += sh[i].lines - sh[i].sharded_out;
    if (taken != sh[0].lines)
        return refuse("the shards took %llu input entries in all, but the input has %llu: "
                      "they do not partition it",
                      (unsigned long long)taken, (unsigned long long)sh[0].lines);
    return 0;
}

/* State of the copy into OUT's store. */
struct merge_copy {
    struct out_store *out;
    const struct merge_shard *sh;
    int trust_hash; /* check each record's shard (same public suffix list here) */
    uint64_t records;
    int status; /* exit status once a walk stopped: 1 fault, 2 refused */
};

/* Waits for OUT's queue to commit once it holds MERGE_PENDING_MAX puts. */
static int bound_pending(struct merge_copy *c)
{
    if (out_store_pending(c->out) < MERGE_PENDING_MAX)
        return 0;
    return out_store_flush(c->out);
}

/*
 * One record of the shard being copied: not in an earlier shard (checked first:
 * a copy in two shards is the more telling message), and in the shard its hash
 * names.
 */
static int copy_record(const char *key, size_t keylen, const void *val, size_t vallen, void *arg)
{
    struct merge_copy *c = arg;
    unsigned k;
    int rc = out_store_exists(c->out, key, keylen);

    if (rc == 1) {
        c->status = refuse("'%s' is in %s and in an earlier shard", key, c->sh->dir);
        return c->status;
    }
    k = c->trust_hash ? merge_key_shard(key, c->sh->n) : c->sh->k;
    if (rc == 0 && k != c->sh->k && k != c->sh->n) {
        c->status = refuse("%s (shard %u/%u) holds '%s', whose hash names shard %u", c->sh->dir,
                           c->sh->k, c->sh->n, key, k);
        return c->status;
    }
    if (rc == 0)
        rc = out_store_put(c->out, key, keylen, val, vallen);
    if (rc == 0)
        rc = bound_pending(c);
    if (rc != 0) {
        ms_error("merge: copying '%s' from %s: %s", key, c->sh->dir, ms_strerror(rc));
        c->status = 1;
        return rc;
    }
    c->records++;
    return 0;
}

static int copy_blob(const char *key, size_t keylen, const void *val, size_t vallen, void *arg)
{
    struct merge_copy *c = arg;
    int rc;

    (void)keylen;
    rc = out_store_blob_put(c->out, key, val, vallen);
    if (rc == 0)
        rc = bound_pending(c);
    if (rc != 0) {
        ms_error("merge: copying blob %s from %s: %s", key, c->sh->dir, ms_strerror(rc));
        c->status = 1;
    }
    return rc;
}

/* Copies one shard; flushes so the next shard's duplicate checks see it. Returns 0, 1 or 2. */
static int copy_shard(struct merge_copy *c, const struct merge_shard *sh)
{
    int rc;

    c->sh = sh;
    c->status = 0;
    rc = out_store_iterate(sh->dir, copy_record, c);
    if (rc == 0) {
        rc = out_store_iterate_blobs(sh->dir, copy_blob, c);
        if (rc == MS_ENOTFOUND) /* a store written before blobs existed */
            rc = 0;
    }
    if (rc == 0)
        rc = out_store_flush(c->out);
    if (rc != 0 && c->status == 0) {
        ms_error("merge: reading %s: %s", sh->dir, ms_strerror(rc));
        c->status = 1;
    }
    return c->status;
}

/* Copies every shard into OUT's store and writes its meta. Returns 0, 1 or 2. */
static int copy_all(const char *out, struct merge_shard *sh, int n, int trust_hash,
                    uint64_t *records)
{
    struct out_store_opts so;
    struct merge_copy c;
    int status = 0, rc;

    memset(&so, 0, sizeof(so));
    /* Renew the duplicate check's snapshot on every lookup: it must see the shards before. */
    so.fresh_calls = 1;
    memset(&c, 0, sizeof(c));
    c.trust_hash = trust_hash;
    rc = out_store_open(&c.out, out, NULL, &so);
    if (rc != 0) {
        ms_error("merge: opening the store in %s: %s", out, ms_strerror(rc));
        return 1;
    }
    for (int i = 0; i < n && status == 0; i++)
        status = copy_shard(&c, &sh[i]);
    if (status == 0 && merge_out_meta(c.out, sh, n) != 0)
        status = 1;
    if (status == 0 && out_store_flush(c.out) != 0)
        status = 1;
    out_store_close(c.out, NULL, NULL);
    *records = c.records;
    return status;
}

/* OUT must not hold results already; it is created if missing. Returns 0 or 2. */
static int prepare_out(const char *out, int *created)
{
    char path[4200];
    struct stat st;

    snprintf(path, sizeof(path), "%s/results.lmdb", out);
    if (stat(path, &st) == 0)
        return refuse("%s already holds results: merge into a new directory", out);
    *created = mkdir(out, 0777) == 0;
    if (!*created && errno != EEXIST) {
        ms_error("cannot create %s: %s", out, strerror(errno));
        return 1;
    }
    return 0;
}

/* Removes what a refused or failed merge wrote, so OUT never looks like a merged scan. */
static void remove_partial(const char *out, int created)
{
    static const char *const files[] = {
        "results.lmdb/data.mdb", "results.lmdb/lock.mdb", "results.lmdb", "domains.csv", "mx.csv",
        "manifest.json"};
    char path[4200];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", out, files[i]);
        remove(path);
    }
    if (created)
        rmdir(out);
}

/* Whether a `name=value` text has the line `line`. */
static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; (p = strstr(p, line)) != NULL; p += n)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The CSV exports, as a scan writes them at its end (mx.csv only with the STARTTLS stage). */
static int export_csv(const char *out, const struct merge_shard *sh, struct merge_totals *t)
{
    char path[4200];
    int rc;

    snprintf(path, sizeof(path), "%s/domains.csv", out);
    rc = out_csv_export(out, path, &t->rows);
    if (rc == 0 && has_line(ms_buf_cstr((struct ms_buf *)&sh[0].meta.options), "smtp=1")) {
        snprintf(path, sizeof(path), "%s/mx.csv", out);
        rc = out_mxcsv_export(out, path, SCAN_MXROW_COLUMNS, &t->mx_rows);
    }
    if (rc != 0)
        ms_error("merge: writing %s: %s", path, ms_strerror(rc));
    return rc;
}

/* Checks, copies and exports; returns the exit status. */
static int merge(const char *out, struct merge_shard *sh, int n)
{
    struct merge_totals t;
    int status = 0, created = 0, trust_hash = 1;

    for (int i = 0; i < n && status == 0; i++)
        status = load_shard(&sh[i]);
    if (status == 0)
        status = check_same_scan(sh, n);
    if (status == 0)
        status = check_shard_set(sh, n);
    if (status == 0)
        status = check_partition(sh, n, &trust_hash);
    if (status == 0)
        status = check_lines(sh, n);
    if (status == 0)
        status = prepare_out(out, &created);
    if (status != 0)
        return status;
    memset(&t, 0, sizeof(t));
    status = copy_all(out, sh, n, trust_hash, &t.records);
    if (status == 0 && export_csv(out, sh, &t) != 0)
        status = 1;
    if (status == 0 && t.rows != t.records)
        status = refuse("%llu records copied but %llu rows exported", (unsigned long long)t.records,
                        (unsigned long long)t.rows);
    if (status == 0 && merge_out_manifest(out, sh, n, &t) != 0)
        status = 1;
    if (status != 0) {
        remove_partial(out, created);
        return status;
    }
    if (ms_log_threshold >= MS_LOG_WARN)
        fprintf(stderr, "mtascope: merged %d shards: %llu records in %s\n", n,
                (unsigned long long)t.records, out);
    return 0;
}

int scan_merge_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", 0, NULL, 'q'}, {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct merge_shard *sh;
    int c, n, status;

    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c != 'q') {
            usage(stderr);
            return 2;
        }
        ms_log_threshold = MS_LOG_ERROR;
    }
    n = argc - optind - 1;
    if (n < 1) {
        usage(stderr);
        return 2;
    }
    if (n > MERGE_MAX_SHARDS)
        return refuse("at most %d shard directories", MERGE_MAX_SHARDS);
    sh = calloc((size_t)n, sizeof(*sh));
    if (sh == NULL)
        return 1;
    for (int i = 0; i < n; i++)
        sh[i].dir = argv[optind + 1 + i];
    status = merge(argv[optind], sh, n);
    for (int i = 0; i < n; i++)
        scan_meta_free(&sh[i].meta);
    free(sh);
    return status;
}
