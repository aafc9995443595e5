/* pipeline.c: the scan loop: feed domains from the input, bound what is in flight, store each
 * result. */
#include "scanner/pipeline.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "common/hash.h"
#include "common/error.h"
#include "common/log.h"
#include "datasets/digest.h"
#include "datasets/input.h"
#include "datasets/psl.h"
#include "datasets/shard.h"
#include "output/csv.h"
#include "output/record.h"
#include "output/store.h"
#include "scanner/counters.h"
#include "scanner/domain.h"
#include "scanner/dryrun.h"
#include "scanner/exclude.h"
#include "scanner/manifest.h"
#include "scanner/mxprobe.h"
#include "scanner/mxrows.h"
#include "scanner/recent.h"
#include "scanner/route.h"
#include "scanner/scanmeta.h"
#include "output/mxcsv.h"
#include "probes/tlsctx.h"
#include "probes/stsfetch.h"
#include "scanner/status.h"

/* Entries handled per loop iteration, so replies are read between bursts of input. */
#define FEED_BURST 256

struct pipeline {
    uv_loop_t loop;
    const struct scan_opts *o;
    int argc;
    char **argv;
    struct scan_env env;
    SSL_CTX *tls;
    X509_STORE *pkix;
    struct out_store *store;
    struct ds_input *in;
    struct ds_entry entry;
    int eof, interrupted, finishing, failed;
    uv_idle_t feeder;
    int feeding;
    uv_timer_t finisher; /* runs finish() outside library callbacks */
    uv_signal_t sig_int, sig_term, sig_hup;
    struct scan_status status;
    struct scan_domain **inflight_tab;
    uint32_t inflight_mask;
    struct scan_domain *free_domains;
    uint64_t backlog_max;
    struct scan_recent recent; /* keys put but maybe not yet visible to out_store_exists */
    char store_dir[4096];      /* --out, or with --dry-run a scratch directory */
    struct scan_counters c;
    struct ms_buf scratch, enc;
    time_t started_at;
    uint64_t started_ns;
    int exit_code;
    /* The input's SHA-256, computed on the thread pool while the scan reads the same file. */
    uv_work_t digest_req;
    int digest_busy;
    volatile int digest_cancel;
    int digest_rc;
    char input_sha256[DS_SHA256_HEX + 1];
    char prev_sha256[DS_SHA256_HEX + 1]; /* --resume: the digest the store already has */
    int input_mixed;                     /* the resumed store was begun with another input */
    uint64_t input_bytes;
};

static struct scan_domain **inflight_slot(struct pipeline *p, const char *name)
{
    struct scan_domain **link = &p->inflight_tab[ms_hash_str(name) & p->inflight_mask];

    while (*link != NULL && strcmp((*link)->name, name) != 0)
        link = &(*link)->hnext;
    return link;
}

static void on_feed(uv_idle_t *h);

static void start_feeding(struct pipeline *p)
{
    if (!p->feeding && !p->eof && !p->finishing) {
        uv_idle_start(&p->feeder, on_feed);
        p->feeding = 1;
    }
}

static void stop_feeding(struct pipeline *p)
{
    if (p->feeding) {
        uv_idle_stop(&p->feeder);
        p->feeding = 0;
    }
}

/* Encodes and queues a finished record; the store copies it. */
static void store_record(struct pipeline *p, const char *key, struct out_record *r)
{
    char when[32];
    int rc;

    scan_time_rfc3339(time(NULL), when, sizeof(when));
    r->f[OUT_F_SCANNED_AT] = when;
    ms_buf_reset(&p->enc);
    /* A dry run's scratch store is never read back: keys alone serve the dedupe. */
    if (!p->o->dry_run)
        out_record_encode(r, &p->enc);
    rc =
        p->enc.oom ? MS_ENOMEM : out_store_put(p->store, key, strlen(key), p->enc.data, p->enc.len);
    if (rc != 0) {
        ms_error("cannot store the record of %s: %s; stopping input", key, ms_strerror(rc));
        p->failed = 1;
        p->eof = 1;
        return;
    }
    if (scan_recent_add(&p->recent, key, out_store_put_count(p->store)) != 0) {
        /* Cannot happen while has_room holds; if it does, wait until the put is visible. */
        if (out_store_flush(p->store) == 0)
            scan_recent_prune(&p->recent, out_store_visible(p->store, 1));
    }
}

static void maybe_finish(struct pipeline *p);

static void on_domain_done(struct scan_domain *d)
{
    struct pipeline *p = d->owner;
    struct out_record r;
    char num[24];
    struct scan_domain **slot;

    scan_domain_record(d, &r, &p->scratch, num, sizeof(num));
    store_record(p, d->name, &r);
    if (d->mx_kind == MXK_ERROR)
        p->c.dns_errors++;
    scan_domain_release(d);
    slot = inflight_slot(p, d->name);
    if (*slot == d)
        *slot = d->hnext;
    p->c.inflight--;
    p->c.done++;
    d->hnext = p->free_domains;
    p->free_domains = d;
    start_feeding(p);
    maybe_finish(p);
}

/*
 * Whether `key` already has a record, or is on its way to one: then the entry
 * is a duplicate and gets no second record. In flight (being scanned), recent
 * (put, but maybe not yet in the exists() snapshot: scanner/recent.h), or in
 * the store (an earlier line of this run, or with --resume an earlier run).
 */
static int seen_before(struct pipeline *p, const char *key)
{
    if (*inflight_slot(p, key) != NULL || scan_recent_has(&p->recent, key)) {
        p->c.skipped_duplicate++;
        return 1;
    }
    if (out_store_exists(p->store, key, strlen(key)) == 1) {
        if (p->o->resume)
            p->c.skipped_recorded++;
        else
            p->c.skipped_duplicate++;
        return 1;
    }
    return 0;
}

static void record_input_error(struct pipeline *p, const struct ds_entry *e)
{
    struct out_record r;
    char key[SCAN_ERROR_KEY_MAX], num[24];

    scan_input_error_key(e, key, sizeof(key));
    if (e->err == DS_NAME_ZONE_INCLUDE)
        ms_warn("%s line %llu: $INCLUDE is refused: the names of the included file are not read",
                p->o->input, (unsigned long long)e->lineno);
    if (seen_before(p, key))
        return;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)e->lineno);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = key;
    r.f[OUT_F_STATUS] = "input_error";
    r.f[OUT_F_ERROR] = ds_name_errstr(e->err);
    r.f[OUT_F_INPUT_LINE] = num;
    p->c.input_errors++;
    store_record(p, key, &r);
}

/* Operators who opted out still get a record, so the counts add up (status `excluded`). */
static void record_excluded(struct pipeline *p, const struct ds_entry *e)
{
    struct out_record r;
    char num[24];

    snprintf(num, sizeof(num), "%llu", (unsigned long long)e->lineno);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = e->name;
    r.f[OUT_F_STATUS] = "excluded";
    r.f[OUT_F_ERROR] = "excluded";
    r.f[OUT_F_INPUT_LINE] = num;
    p->c.excluded++;
    store_record(p, e->name, &r);
}

/*
 * --dry-run: the name would be scanned. Its key goes to the scratch store all
 * the same, so later repeats are caught exactly as in a scan.
 */
static void record_dry(struct pipeline *p, const struct ds_entry *e)
{
    struct out_record r;
    char num[24];

    snprintf(num, sizeof(num), "%llu", (unsigned long long)e->lineno);
    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = e->name;
    r.f[OUT_F_STATUS] = "dry_run";
    r.f[OUT_F_INPUT_LINE] = num;
    p->c.started++;
    p->c.done++;
    store_record(p, e->name, &r);
}

static struct scan_domain *domain_alloc(struct pipeline *p)
{
    struct scan_domain *d = p->free_domains;

    if (d != NULL)
        p->free_domains = d->hnext;
    else
        d = malloc(sizeof(*d));
    if (d != NULL)
        memset(d, 0, sizeof(*d));
    return d;
}

/* Returns 0 when the entry was handled, -1 when it must wait for memory. */
static int start_domain(struct pipeline *p, const struct ds_entry *e)
{
    struct scan_domain **slot;
    struct scan_domain *d;

    if (seen_before(p, e->name))
        return 0;
    if (excl_domain(p->env.excl, e->name)) {
        record_excluded(p, e);
        return 0;
    }
    if (p->o->dry_run) {
        record_dry(p, e);
        return 0;
    }
    d = domain_alloc(p);
    if (d == NULL)
        return -1;
    slot = inflight_slot(p, e->name);
    snprintf(d->name, sizeof(d->name), "%s", e->name);
    d->lineno = e->lineno;
    d->env = &p->env;
    d->owner = p;
    d->done = on_domain_done;
    d->hnext = NULL;
    *slot = d;
    p->c.inflight++;
    p->c.started++;
    scan_domain_start(d);
    return 0;
}

/* Room for one more entry: a slot, store backlog, and room in `recent` for every put to come. */
static int has_room(struct pipeline *p)
{
    return p->c.inflight < (uint64_t)p->o->concurrency &&
           out_store_pending(p->store) < p->backlog_max &&
           p->recent.count + p->c.inflight + 1 < p->recent.cap;
}

/* One entry read: reduce, sample, shard (scanner/route.c), then record or start it. */
static void route_entry(struct pipeline *p, struct ds_entry *e)
{
    switch (scan_route_entry(p->o, e)) {
    case SCAN_ROUTE_SAMPLED_OUT:
        p->c.sampled_out++;
        break;
    case SCAN_ROUTE_SHARDED_OUT:
        p->c.sharded_out++;
        break;
    case SCAN_ROUTE_INPUT_ERROR:
        record_input_error(p, e);
        break;
    case SCAN_ROUTE_NAME:
        if (start_domain(p, e) != 0) {
            ms_error("out of memory for a domain; stopping input");
            p->failed = 1;
            p->eof = 1;
        }
        break;
    }
}

static void on_feed(uv_idle_t *h)
{
    struct pipeline *p = h->data;
    int rc;

    for (int i = 0; i < FEED_BURST; i++) {
        if (!has_room(p)) {
            /* A finishing domain or a store commit starts feeding again. */
            stop_feeding(p);
            return;
        }
        rc = p->o->limit > 0 && p->c.lines >= p->o->limit ? 0 : ds_input_next(p->in, &p->entry);
        if (rc <= 0) {
            if (rc < 0) {
                ms_error("reading %s: %s", p->o->input,
                         ds_input_compressed(p->in) ? "corrupt or truncated gzip data"
                                                    : strerror(errno));
                p->failed = 1;
            }
            p->eof = 1;
            stop_feeding(p);
            maybe_finish(p);
            return;
        }
        p->c.lines++;
        route_entry(p, &p->entry);
    }
}

static void on_committed(struct out_store *s, uint64_t total, void *arg)
{
    struct pipeline *p = arg;

    (void)total;
    /* A new snapshot sees what was just committed: those keys need no other memory. */
    scan_recent_prune(&p->recent, out_store_visible(s, 1));
    start_feeding(p);
}

/* Loads --exclude; on a reload a bad file keeps the list in force and says why. */
static int load_exclusions(struct pipeline *p, int reload)
{
    struct excl_list *l;
    size_t bad = 0, nd, nb;
    int rc = excl_load(p->o->exclude, &l, &bad);

    if (rc != 0) {
        if (bad > 0)
            ms_error("%s line %zu: neither a domain nor an address block%s", p->o->exclude, bad,
                     reload ? "; keeping the previous list" : "");
        else
            ms_error("cannot read %s%s", p->o->exclude,
                     reload ? "; keeping the previous list" : "");
        return rc;
    }
    excl_free(p->env.excl);
    p->env.excl = l;
    excl_counts(l, &nd, &nb);
    if (reload)
        p->c.exclude_reloads++;
    ms_info("exclusion list %s: %zu domains, %zu address blocks", p->o->exclude, nd, nb);
    return 0;
}

static void on_hup(uv_signal_t *h, int signum)
{
    (void)signum;
    load_exclusions(h->data, 1);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct pipeline *p = h->data;

    if (p->interrupted) {
        ms_error("second signal: exiting without finishing (use --resume to continue)");
        _exit(130);
    }
    ms_warn("signal %d: finishing the %llu domains in flight, then stopping (again to abort)",
            signum, (unsigned long long)p->c.inflight);
    p->interrupted = 1;
    p->digest_cancel = 1;
    p->eof = 1;
    stop_feeding(p);
    maybe_finish(p);
}

static void fill_manifest(struct pipeline *p, struct scan_manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->opts = p->o;
    m->argc = p->argc;
    m->argv = p->argv;
    m->started_at = p->started_at;
    m->finished_at = time(NULL);
    m->duration_s = (double)(uv_hrtime() - p->started_ns) / 1e9;
    m->complete = !p->interrupted && !p->failed;
    m->counters = &p->c;
    m->input_sha256 = p->input_mixed ? "mixed" : p->input_sha256;
    m->input_bytes = p->input_bytes;
    if (p->in != NULL) {
        m->input_format = ds_input_format_name(p->in->format);
        m->input_compressed = ds_input_compressed(p->in);
    }
    if (p->env.hosts != NULL)
        rsv_hostcache_stats(p->env.hosts, &m->host_hits, &m->host_misses);
    if (p->env.sts != NULL) {
        m->has_sts = 1;
        m->sts_fetches = p->env.sts_fetches;
        m->sts_fetch_errors = p->env.sts_fetch_errors;
    }
    if (p->env.mxp != NULL) {
        m->smtp = *mxp_stats(p->env.mxp);
        m->has_smtp = 1;
    }
    if (p->env.rsv != NULL) {
        m->n_up = rsv_n_upstreams(p->env.rsv);
        for (int i = 0; i < m->n_up; i++) {
            m->up_stats[i] = *rsv_stats(p->env.rsv, i);
            snprintf(m->up_names[i], sizeof(m->up_names[i]), "%s",
                     rsv_upstream_name(p->env.rsv, i));
        }
    }
}

static struct scan_manifest final_manifest;

/* --dry-run: no CSV; the manifest only with --out; the summary on stdout. */
static void dry_run_closed(struct pipeline *p)
{
    final_manifest.records_total = p->c.done + p->c.input_errors + p->c.excluded;
    final_manifest.complete = final_manifest.complete && !p->failed;
    if (p->o->out_dir != NULL && scan_manifest_write(p->o->out_dir, &final_manifest) != 0) {
        ms_error("writing %s/manifest.json failed", p->o->out_dir);
        p->failed = 1;
    }
    scan_dryrun_report(stdout, &final_manifest);
    fflush(stdout);
    p->exit_code = p->failed ? 1 : p->interrupted ? 3 : 0;
}

static void on_store_closed(void *arg)
{
    struct pipeline *p = arg;
    char csv[4096];
    uint64_t rows = 0;
    int rc;

    if (p->o->dry_run) {
        dry_run_closed(p);
        return;
    }
    snprintf(csv, sizeof(csv), "%s/domains.csv", p->o->out_dir);
    rc = out_csv_export(p->o->out_dir, csv, &rows);
    if (rc != 0) {
        ms_error("writing %s: %s", csv, ms_strerror(rc));
        p->failed = 1;
    }
    final_manifest.records_total = rows;
    if (p->o->smtp) {
        uint64_t mx_rows = 0;
        snprintf(csv, sizeof(csv), "%s/mx.csv", p->o->out_dir);
        rc = out_mxcsv_export(p->o->out_dir, csv, SCAN_MXROW_COLUMNS, &mx_rows);
        if (rc != 0) {
            ms_error("writing %s: %s", csv, ms_strerror(rc));
            p->failed = 1;
        }
    }
    final_manifest.complete = final_manifest.complete && !p->failed;
    if (scan_manifest_write(p->o->out_dir, &final_manifest) != 0) {
        ms_error("writing %s/manifest.json failed", p->o->out_dir);
        p->failed = 1;
    }
    p->exit_code = p->failed ? 1 : p->interrupted ? 3 : 0;
    if (p->o->quiet == 0)
        fprintf(stderr, "mtascope: %llu records in %s (domains.csv, results.lmdb, manifest.json)\n",
                (unsigned long long)rows, p->o->out_dir);
}

/* Tears the scan down; never called from inside a c-ares or store callback. */
static void on_finish(uv_timer_t *t)
{
    struct pipeline *p = t->data;

    uv_close((uv_handle_t *)&p->finisher, NULL);
    scan_status_stop(&p->status);
    fill_manifest(p, &final_manifest);
    if (scan_meta_end(p->store, &p->c, p->input_mixed ? NULL : p->input_sha256,
                      final_manifest.complete) != 0)
        p->failed = 1;
    uv_close((uv_handle_t *)&p->feeder, NULL);
    uv_close((uv_handle_t *)&p->sig_int, NULL);
    uv_close((uv_handle_t *)&p->sig_term, NULL);
    uv_close((uv_handle_t *)&p->sig_hup, NULL);
    rsv_hostcache_destroy(p->env.hosts);
    p->env.hosts = NULL;
    rsv_destroy(p->env.rsv);
    p->env.rsv = NULL;
    mxp_destroy(p->env.mxp);
    p->env.mxp = NULL;
    sts_fetcher_destroy(p->env.sts);
    p->env.sts = NULL;
    out_store_close(p->store, on_store_closed, p);
    p->store = NULL;
}

static void maybe_finish(struct pipeline *p)
{
    if (!p->eof || p->c.inflight > 0 || p->finishing || p->digest_busy)
        return;
    p->finishing = 1;
    stop_feeding(p);
    uv_timer_start(&p->finisher, on_finish, 0, 0);
}

static void digest_work(uv_work_t *req)
{
    struct pipeline *p = req->data;

    p->digest_rc = ds_file_sha256(p->o->input, &p->digest_cancel, p->input_sha256, &p->input_bytes);
}

static void digest_done(uv_work_t *req, int status)
{
    struct pipeline *p = req->data;

    p->digest_busy = 0;
    if (status != 0 || p->digest_rc != 0) {
        if (!p->interrupted)
            ms_warn("no SHA-256 of %s: %s", p->o->input,
                    status != 0 ? "cancelled" : ms_strerror(p->digest_rc));
        p->input_sha256[0] = '\0';
    } else if (scan_meta_input(p->store, p->prev_sha256, p->input_sha256, p->o->input) != 0) {
        /* Names of two inputs in one store: stop at once, the run can never be complete. */
        p->input_mixed = 1;
        p->failed = 1;
        p->eof = 1;
        stop_feeding(p);
    }
    maybe_finish(p);
}

/* Starts hashing a regular input file; stdin and other streams stay without a digest. */
static void start_digest(struct pipeline *p)
{
    struct stat st;

    if (strcmp(p->o->input, "-") == 0 || stat(p->o->input, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    p->digest_req.data = p;
    if (uv_queue_work(&p->loop, &p->digest_req, digest_work, digest_done) == 0)
        p->digest_busy = 1;
}

/* Creates DIR; refuses to mix a new scan into an old one unless --resume. */
static int prepare_out_dir(const struct scan_opts *o)
{
    char path[4096];
    struct stat st;

    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        ms_error("cannot create %s: %s", o->out_dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/results.lmdb", o->out_dir);
    if (!o->resume && stat(path, &st) == 0) {
        ms_error("%s already holds a scan: use --resume to continue it, or another --out",
                 o->out_dir);
        return -1;
    }
    return 0;
}

/* The store's directory: --out, or for a dry run a scratch directory removed at the end. */
static int prepare_dirs(struct pipeline *p)
{
    if (p->o->dry_run)
        return scan_dryrun_mkdir(p->o->out_dir, p->store_dir, sizeof(p->store_dir));
    snprintf(p->store_dir, sizeof(p->store_dir), "%s", p->o->out_dir);
    return prepare_out_dir(p->o);
}

static int open_input(struct pipeline *p)
{
    int rc = ds_input_open(&p->in, p->o->input, p->o->input_format, p->o->zone_origin);

    if (rc != 0) {
        ms_error("cannot open %s: %s", p->o->input,
                 rc == MS_EIO       ? strerror(errno)
                 : rc == MS_ESYNTAX ? "corrupt or truncated gzip data"
                                    : ms_strerror(rc));
        return -1;
    }
    ms_info("input %s: %s%s", p->o->input, ds_input_format_name(p->in->format),
            ds_input_compressed(p->in) ? ", gzip" : "");
    return 0;
}

/* Presented chains go to the store's blobs, once each (content-addressed). */
static void on_chain(void *arg, const char *key, const unsigned char *der, size_t len)
{
    struct pipeline *p = arg;

    if (out_store_blob_put(p->store, key, der, len) != 0)
        ms_warn("cannot store %s", key);
}

/* Policy texts go to the store's blobs, once each. */
static void on_blob(void *arg, const char *key, const void *data, size_t len)
{
    struct pipeline *p = arg;

    if (out_store_blob_put(p->store, key, data, len) != 0)
        ms_warn("cannot store %s", key);
}

/* MTA-STS: one libcurl multi on the loop, sharing the PKIX trust anchors' file. */
static int setup_sts(struct pipeline *p)
{
    struct sts_fetch_cfg c;

    memset(&c, 0, sizeof(c));
    c.ca_file = p->o->ca_file;
    c.connect_timeout_ms = p->o->connect_timeout_ms;
    c.timeout_ms = 4 * p->o->smtp_timeout_ms; /* RFC 8461 §3.3 suggests at most 60 s */
    c.port = p->o->https_port;
    c.contact = p->o->contact;
    p->env.allow_private_sts = p->o->allow_private;
    p->env.blob_cb = on_blob;
    p->env.blob_arg = p;
    return sts_fetcher_create(&p->env.sts, &p->loop, &c);
}

/* The STARTTLS stage: one TLS context, the PKIX trust store, the polite probe scheduler. */
static int setup_smtp(struct pipeline *p)
{
    struct mxp_opts mo;

    p->tls = smtp_tls_ctx_new();
    p->pkix = smtp_tls_store_new(p->o->ca_file);
    if (p->tls == NULL || p->pkix == NULL) {
        ms_error("cannot set up TLS%s%s", p->o->ca_file ? " with --ca-file " : "",
                 p->o->ca_file ? p->o->ca_file : "");
        return MS_EINVAL;
    }
    memset(&mo, 0, sizeof(mo));
    mo.probe.ctx = p->tls;
    mo.probe.pkix = p->pkix;
    mo.probe.ehlo_name = p->o->ehlo_name;
    mo.probe.connect_timeout_ms = p->o->connect_timeout_ms;
    mo.probe.stage_timeout_ms = p->o->smtp_timeout_ms;
    mo.per_ip_conns = p->o->per_ip_conns;
    mo.per_ip_rate = p->o->per_ip_rate;
    mo.max_conns = p->o->max_conns;
    mo.max_entries = 20000;
    mo.chain_cb = on_chain;
    mo.chain_arg = p;
    p->env.smtp_port = p->o->smtp_port;
    p->env.allow_private = p->o->allow_private;
    return mxp_create(&p->env.mxp, &p->loop, &mo);
}

/*
 * The store's meta says which part of the input it holds, for `mtascope merge`
 * (shards must belong together) and for --resume, which must not continue a
 * store under another partition: that would leave names recorded twice or not
 * at all. A changed public suffix list moves some names between shards: said,
 * not refused (the merge tool decides).
 */
static int put_input_meta(struct pipeline *p)
{
    char shard[32];
    const char *keys[] = {"shard", "shard_function", "registered_only", "public_suffix_list"};
    const char *vals[4];
    struct ms_buf v;
    int rc = 0;

    snprintf(shard, sizeof(shard), "%u/%u", p->o->shard_k, p->o->shard_n ? p->o->shard_n : 1);
    vals[0] = shard;
    vals[1] = DS_SHARD_FUNCTION;
    vals[2] = p->o->registered_only ? "true" : "false";
    vals[3] = ds_psl_describe();
    ms_buf_init(&v);
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (p->o->resume && out_store_meta_get(p->store, keys[i], &v) == 0 &&
            strcmp(ms_buf_cstr(&v), vals[i]) != 0) {
            if (i < 3) {
                ms_error("%s was scanned with %s %s, not %s: refusing to resume", p->o->out_dir,
                         keys[i], ms_buf_cstr(&v), vals[i]);
                rc = MS_EINVAL;
                break;
            }
            ms_warn("%s was scanned with public suffix list %s, now %s", p->o->out_dir,
                    ms_buf_cstr(&v), vals[i]);
        }
        rc = out_store_meta_put(p->store, keys[i], vals[i]);
    }
    ms_buf_free(&v);
    return rc;
}

static int setup(struct pipeline *p)
{
    struct out_store_opts so;
    uint32_t size = 1024;
    int rc;

    while (size < (uint32_t)p->o->concurrency * 2)
        size <<= 1;
    p->inflight_tab = calloc(size, sizeof(*p->inflight_tab));
    p->inflight_mask = size - 1;
    p->backlog_max = 32768;
    if (p->inflight_tab == NULL ||
        scan_recent_init(&p->recent, (uint32_t)(p->backlog_max + 2 * (uint64_t)p->o->concurrency +
                                                2 * FEED_BURST + 4096)) != 0 ||
        open_input(p) != 0)
        return -1;
    if (p->o->exclude != NULL && load_exclusions(p, 0) != 0)
        return -1;
    memset(&so, 0, sizeof(so));
    so.committed_cb = on_committed;
    so.cb_arg = p;
    rc = out_store_open(&p->store, p->store_dir, &p->loop, &so);
    if (rc == 0)
        rc = put_input_meta(p);
    if (rc == 0)
        rc = scan_meta_begin(p->store, p->o, p->prev_sha256);
    /* A dry run sends nothing anywhere: no resolver, no SMTP, no HTTPS. */
    if (rc == 0 && !p->o->dry_run)
        rc = rsv_create(&p->env.rsv, &p->loop, &p->o->rsv);
    if (rc == 0 && !p->o->dry_run)
        rc = rsv_hostcache_create(&p->env.hosts, p->env.rsv, p->o->max_hosts);
    if (rc == 0 && p->o->smtp && !p->o->dry_run)
        rc = setup_smtp(p);
    if (rc == 0 && p->o->sts && !p->o->dry_run)
        rc = setup_sts(p);
    if (rc != 0) {
        ms_error("start-up failed: %s", ms_strerror(rc));
        return -1;
    }
    uv_idle_init(&p->loop, &p->feeder);
    p->feeder.data = p;
    uv_timer_init(&p->loop, &p->finisher);
    p->finisher.data = p;
    uv_signal_init(&p->loop, &p->sig_int);
    uv_signal_init(&p->loop, &p->sig_term);
    p->sig_int.data = p->sig_term.data = p;
    uv_signal_start(&p->sig_int, on_signal, SIGINT);
    uv_signal_start(&p->sig_term, on_signal, SIGTERM);
    uv_signal_init(&p->loop, &p->sig_hup);
    p->sig_hup.data = p;
    uv_signal_start(&p->sig_hup, on_hup, SIGHUP);
    scan_status_start(&p->status, &p->loop, p->o->status, &p->c, p->env.rsv);
    return 0;
}

static void teardown(struct pipeline *p)
{
    struct scan_domain *d;

    SSL_CTX_free(p->tls);
    excl_free(p->env.excl);
    X509_STORE_free(p->pkix);
    while ((d = p->free_domains) != NULL) {
        p->free_domains = d->hnext;
        free(d);
    }
    free(p->inflight_tab);
    scan_recent_free(&p->recent);
    ms_buf_free(&p->scratch);
    ms_buf_free(&p->enc);
    ds_input_close(p->in);
    ds_psl_shutdown();
    if (p->o->dry_run && p->store_dir[0] != '\0')
        scan_dryrun_rmdir(p->store_dir);
}

int scan_run(const struct scan_opts *o, int argc, char **argv)
{
    struct pipeline *p = calloc(1, sizeof(*p));
    int rc;

    if (p == NULL)
        return 1;
    p->o = o;
    p->argc = argc;
    p->argv = argv;
    p->started_at = time(NULL);
    p->started_ns = uv_hrtime();
    uv_loop_init(&p->loop);
    if (prepare_dirs(p) != 0 || setup(p) != 0) {
        /* Nothing ran yet: close what was opened and leave. */
        p->exit_code = 1;
        p->eof = 1;
        if (p->store != NULL) {
            p->finishing = 1;
            if (p->env.hosts)
                rsv_hostcache_destroy(p->env.hosts);
            if (p->env.rsv)
                rsv_destroy(p->env.rsv);
            mxp_destroy(p->env.mxp);
            sts_fetcher_destroy(p->env.sts);
            out_store_close(p->store, NULL, NULL);
        }
        uv_run(&p->loop, UV_RUN_DEFAULT);
    } else {
        if (!o->dry_run)
            start_digest(p);
        start_feeding(p);
        uv_run(&p->loop, UV_RUN_DEFAULT);
    }
    rc = p->exit_code;
    if (uv_loop_close(&p->loop) != 0)
        ms_warn("event loop closed with handles still open");
    teardown(p);
    free(p);
    return rc;
}
