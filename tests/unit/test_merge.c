/* test_merge.c: input digests, the scan's meta, and `mtascope merge` on stores built here. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "datasets/digest.h"
#include "datasets/name.h"
#include "datasets/psl.h"
#include "datasets/shard.h"
#include "output/record.h"
#include "output/store.h"
#include "scanner/merge.h"
#include "scanner/mergeout.h"
#include "scanner/options.h"
#include "scanner/scanmeta.h"
#include "tests/unit/harness.h"

static char root[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *path_of(const char *name)
{
    static char bufs[256][128]; /* callers keep up to 256 paths at once */
    static int next;
    char *b = bufs[next++ % 256];

    snprintf(b, 128, "%s/%s", root, name);
    return b;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "w");

    fwrite(text, 1, len, fp);
    fclose(fp);
}

/* FIPS 180-2 test vectors: one block, and a million 'a' (many reads of the file). */
static void test_digest(void)
{
    char hex[DS_SHA256_HEX + 1];
    uint64_t bytes = 0;
    char *big = malloc(1000000);
    volatile int cancel = 1;

    write_file(path_of("abc"), "abc", 3);
    CHECK_INT(ds_file_sha256(path_of("abc"), NULL, hex, &bytes), 0);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(bytes, 3);
    memset(big, 'a', 1000000);
    write_file(path_of("million"), big, 1000000);
    free(big);
    CHECK_INT(ds_file_sha256(path_of("million"), NULL, hex, &bytes), 0);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    CHECK_INT(bytes, 1000000);
    write_file(path_of("empty"), "", 0);
    CHECK_INT(ds_file_sha256(path_of("empty"), NULL, hex, NULL), 0);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* Not a regular file (reading it would eat the scan's input), missing, cancelled. */
    CHECK_INT(ds_file_sha256(root, NULL, hex, NULL), MS_EINVAL);
    CHECK_INT(ds_file_sha256("/dev/null", NULL, hex, NULL), MS_EINVAL);
    CHECK_INT(ds_file_sha256(path_of("nope"), NULL, hex, NULL), MS_EIO);
    CHECK_INT(ds_file_sha256(path_of("million"), &cancel, hex, NULL), MS_EINVAL);
    CHECK_STR(hex, "");
}

static void test_counter_text(void)
{
    const char *t = "input_entries=12\ninput_errors=3\nsharded_out=9\nbad=x1\n";
    uint64_t v = 0;

    CHECK_INT(scan_meta_counter(t, "input_entries", &v), 0);
    CHECK_INT(v, 12);
    CHECK_INT(scan_meta_counter(t, "sharded_out", &v), 0);
    CHECK_INT(v, 9);
    CHECK_INT(scan_meta_counter(t, "input", &v), MS_ENOTFOUND); /* a prefix is not a name */
    CHECK_INT(scan_meta_counter(t, "bad", &v), MS_ENOTFOUND);
    CHECK_INT(scan_meta_counter(t, "missing", &v), MS_ENOTFOUND);
    CHECK_INT(scan_meta_counter("", "input_entries", &v), MS_ENOTFOUND);
}

/* scan_opts_canon of `scan --ehlo-name fixed.example [a1 [a2]] --out D in.txt`. */
static void canon_of(const char *a1, const char *a2, struct ms_buf *out)
{
    char *argv[10];
    int argc = 0;
    struct scan_opts o;

    argv[argc++] = "scan";
    /* A fixed EHLO name: the default (the host name) is the same in every run anyway. */
    argv[argc++] = "--ehlo-name";
    argv[argc++] = "fixed.example";
    if (a1 != NULL)
        argv[argc++] = (char *)a1;
    if (a2 != NULL)
        argv[argc++] = (char *)a2;
    argv[argc++] = "--out";
    argv[argc++] = "D";
    argv[argc++] = "in.txt";
    argv[argc] = NULL;
    ms_buf_reset(out);
    if (scan_opts_parse(&o, argc, argv) == 0)
        scan_opts_canon(&o, out);
}

/*
 * Every option that decides what is recorded changes the canonical text (so
 * merge compares it); --out, --resume, status and verbosity do not.
 */
static void test_canon(void)
{
    static const char *const differ[][2] = {
        {"--resolver", "127.0.0.2"},
        {"--resolver-qps", "10"},
        {"--resolver-inflight", "9"},
        {"--concurrency", "7"},
        {"--limit", "5"},
        {"--sample", "0.5"},
        {"--timeout", "900"},
        {"--retries", "1"},
        {"--max-hosts", "99"},
        {"--no-smtp", NULL},
        {"--no-sts", NULL},
        {"--https-port", "8443"},
        {"--ehlo-name", "scan.example"},
        {"--ca-file", "ca.pem"},
        {"--smtp-port", "2525"},
        {"--per-ip-conns", "2"},
        {"--per-ip-rate", "0.25"},
        {"--max-conns", "50"},
        {"--smtp-timeout", "3000"},
        {"--allow-private", NULL},
        {"--exclude", "x.txt"},
        {"--registered-only", NULL},
    };
    static const char *const same[][2] = {
        {"--resume", NULL},  {"--status", NULL}, {"--no-status", NULL},
        {"--verbose", NULL}, {"--quiet", NULL},  {"--shard", "1/4"},
    };
    struct ms_buf base, b;

    ms_buf_init(&base);
    ms_buf_init(&b);
    canon_of(NULL, NULL, &base);
    CHECK(strstr(ms_buf_cstr(&base), "\nehlo_name=fixed.example\n") != NULL);
    for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
        canon_of(differ[i][0], differ[i][1], &b);
        CHECK(b.len > 0 && strcmp(ms_buf_cstr(&b), ms_buf_cstr(&base)) != 0);
        if (b.len == 0 || strcmp(ms_buf_cstr(&b), ms_buf_cstr(&base)) == 0)
            fprintf(stderr, "  %s does not change the canonical options\n", differ[i][0]);
    }
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        canon_of(same[i][0], same[i][1], &b);
        CHECK_STR(ms_buf_cstr(&b), ms_buf_cstr(&base));
    }
    ms_buf_free(&base);
    ms_buf_free(&b);
}

/* ---- merge on stores built here ---- */

#define N_SHARDS  3
#define N_KEYS    40
#define INPUT_SHA "5f1e0000000000000000000000000000000000000000000000000000000000aa"

static const char *key_of(int i, char *buf, size_t n)
{
    if (i == N_KEYS - 1)
        snprintf(buf, n, "!not\\x20a\\x20domain"); /* an input error's key */
    else
        snprintf(buf, n, "mx%d.org%d.example", i, i % 13);
    return buf;
}

/* How a shard built by make_shard departs from a good one. */
struct shard_spec {
    const char *complete, *sha, *options_extra, *shard, *psl;
    const char *extra_key; /* an additional record */
    int skip_one;          /* leave out the shard's first record (and count it sharded out) */
    long lines_delta, sharded_out_delta;
};

static void put_record(struct out_store *s, const char *key)
{
    struct out_record r;
    struct ms_buf enc;

    memset(&r, 0, sizeof(r));
    r.f[OUT_F_DOMAIN] = key;
    r.f[OUT_F_STATUS] = key[0] == '!' ? "input_error" : "ok";
    ms_buf_init(&enc);
    out_record_encode(&r, &enc);
    CHECK_INT(out_store_put(s, key, strlen(key), enc.data, enc.len), 0);
    ms_buf_free(&enc);
}

/* Shard k of N_SHARDS of the N_KEYS input entries, as a scan would leave it, then `sp`. */
static const char *make_shard(const char *name, unsigned k, const struct shard_spec *sp)
{
    const char *dir = path_of(name);
    struct out_store *s = NULL;
    char key[64], buf[256], blob[64];
    unsigned own = 0, skipped = 0;

    CHECK_INT(out_store_open(&s, dir, NULL, NULL), 0);
    for (int i = 0; i < N_KEYS; i++) {
        if (merge_key_shard(key_of(i, key, sizeof(key)), N_SHARDS) != k)
            continue;
        if (sp->skip_one && own == 0 && skipped++ == 0)
            continue;
        put_record(s, key);
        own++;
    }
    if (sp->extra_key != NULL)
        put_record(s, sp->extra_key);
    snprintf(blob, sizeof(blob), "chain:%u", k);
    out_store_blob_put(s, blob, "der", 3);
    out_store_blob_put(s, "policy:shared", "policy", 6);
    snprintf(buf, sizeof(buf), "input_entries=%ld\ninput_errors=1\nsharded_out=%ld\n",
             N_KEYS + sp->lines_delta, (long)(N_KEYS - own) + sp->sharded_out_delta);
    out_store_meta_put(s, SCAN_META_COUNTERS, buf);
    snprintf(buf, sizeof(buf), "smtp=1\nsts=1\n%s", sp->options_extra ? sp->options_extra : "");
    out_store_meta_put(s, SCAN_META_OPTIONS, buf);
    out_store_meta_put(s, SCAN_META_INPUT, sp->sha ? sp->sha : INPUT_SHA);
    out_store_meta_put(s, SCAN_META_COMPLETE, sp->complete ? sp->complete : "true");
    snprintf(buf, sizeof(buf), "%u/%u", k, N_SHARDS);
    out_store_meta_put(s, "shard", sp->shard ? sp->shard : buf);
    out_store_meta_put(s, "shard_function", DS_SHARD_FUNCTION);
    out_store_meta_put(s, "public_suffix_list", sp->psl ? sp->psl : ds_psl_describe());
    CHECK_INT(out_store_flush(s), 0);
    out_store_close(s, NULL, NULL);
    return dir;
}

/* Runs `merge OUT dirs...` with stderr captured into `err`; returns the exit status. */
static int run_merge(const char *out, const char *d0, const char *d1, const char *d2, char *err,
                     size_t errsz)
{
    char *argv[8];
    int argc = 0, status, saved = dup(2);
    FILE *fp;
    size_t n;

    argv[argc++] = "merge";
    argv[argc++] = (char *)out;
    argv[argc++] = (char *)d0;
    if (d1 != NULL)
        argv[argc++] = (char *)d1;
    if (d2 != NULL)
        argv[argc++] = (char *)d2;
    argv[argc] = NULL;
    fflush(stderr);
    fp = freopen(path_of("stderr.txt"), "w", stderr);
    status = scan_merge_main(argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fp = fopen(path_of("stderr.txt"), "r");
    n = fp ? fread(err, 1, errsz - 1, fp) : 0;
    err[n] = '\0';
    if (fp != NULL)
        fclose(fp);
    return status;
}

static int exists(const char *dir, const char *file)
{
    char p[256];
    struct stat st;

    snprintf(p, sizeof(p), "%s/%s", dir, file);
    return stat(p, &st) == 0;
}

/* A refused merge: exit 2, the reason named, and nothing left in OUT. */
static void refused(const char *d0, const char *d1, const char *d2, const char *why)
{
    char err[2048];
    const char *out = path_of("refused");

    CHECK_INT(run_merge(out, d0, d1, d2, err, sizeof(err)), 2);
    CHECK(strstr(err, why) != NULL);
    if (strstr(err, why) == NULL)
        fprintf(stderr, "  want '%s' in: %s", why, err);
    CHECK(!exists(out, "results.lmdb") && !exists(out, "domains.csv"));
}

static void test_merge_good(const char *g0, const char *g1, const char *g2)
{
    char err[2048];
    const char *out = path_of("merged");
    struct scan_meta m;
    struct ms_buf v;
    uint64_t n = 0, lines = 0, sharded = 1;

    /* The partition of the test keys is not degenerate: every shard holds some. */
    for (int k = 0; k < N_SHARDS; k++) {
        const char *d = k == 0 ? g0 : k == 1 ? g1 : g2;
        CHECK(out_store_count(d, &n) == 0 && n > 0);
    }
    CHECK_INT(run_merge(out, g2, g0, g1, err, sizeof(err)), 0);
    CHECK_INT(out_store_count(out, &n), 0);
    CHECK_INT(n, N_KEYS);
    CHECK(exists(out, "domains.csv") && exists(out, "mx.csv") && exists(out, "manifest.json"));
    CHECK_INT(scan_meta_read(out, &m), 0);
    CHECK(m.complete);
    CHECK_STR(m.input_sha256, INPUT_SHA);
    CHECK_INT(scan_meta_counter(ms_buf_cstr(&m.counters), "input_entries", &lines), 0);
    CHECK_INT(lines, N_KEYS); /* every shard read the whole input: counted once */
    CHECK_INT(scan_meta_counter(ms_buf_cstr(&m.counters), "input_errors", &lines), 0);
    CHECK_INT(lines, N_SHARDS); /* summed */
    CHECK(scan_meta_counter(ms_buf_cstr(&m.counters), "sharded_out", &sharded) != 0);
    scan_meta_free(&m);
    ms_buf_init(&v);
    CHECK_INT(out_store_blob_read(out, "chain:2", &v), 0);
    CHECK_INT(out_store_blob_read(out, "policy:shared", &v), 0);
    ms_buf_free(&v);
    /* Merging into a directory that holds results is refused. */
    CHECK_INT(run_merge(out, g0, g1, g2, err, sizeof(err)), 2);
    CHECK(strstr(err, "already holds results") != NULL);
}

static void test_merge(void)
{
    static const struct shard_spec good = {0};
    struct shard_spec sp;
    const char *g0 = make_shard("g0", 0, &good), *g1 = make_shard("g1", 1, &good),
               *g2 = make_shard("g2", 2, &good);
    char other[64], why[128];
    const char *g1less;
    unsigned i = 0;

    test_merge_good(g0, g1, g2);
    refused(g0, g1, NULL, "shard 2/3 is missing");
    refused(g0, g1, g1, "given twice");
    refused(g0, g1, path_of("nothing"), "holds no scan");
    sp = good;
    sp.shard = "2/4";
    refused(g0, g1, make_shard("n4", 2, &sp), "not one partition");
    sp = good;
    sp.complete = "false";
    refused(g0, g1, make_shard("incomplete", 2, &sp), "not a complete scan");
    sp = good;
    sp.sha = "";
    refused(g0, g1, make_shard("stdin", 2, &sp), "SHA-256 of its input is unknown");
    sp = good;
    sp.sha = "ffff000000000000000000000000000000000000000000000000000000000000";
    refused(g0, g1, make_shard("otherinput", 2, &sp), "different inputs");
    sp.sha = "mixed"; /* a resumed run that read another input */
    refused(g0, g1, make_shard("mixedinput", 2, &sp), "or mixed ('mixed')");
    sp = good;
    sp.options_extra = "per_ip_rate=2\n";
    refused(g0, g1, make_shard("otheropts", 2, &sp), "'' vs 'per_ip_rate=2'");
    sp = good;
    sp.lines_delta = 1;
    refused(g0, g1, make_shard("morelines", 2, &sp), "read 40 input entries but");
    sp = good;
    sp.sharded_out_delta = -1;
    refused(g0, g1, make_shard("overlap", 2, &sp), "do not partition it");
    sp = good;
    sp.psl = "another list";
    refused(g0, g1, make_shard("otherpsl", 2, &sp), "different public suffix lists");
    /*
     * Shards made with a public suffix list this machine does not have: the per-record shard
     * check cannot be trusted here, so it is skipped (and said); the counts are still checked.
     */
    {
        struct shard_spec o = good;
        char err[2048];

        o.psl = "another list";
        CHECK_INT(run_merge(path_of("otherpsl-merged"), make_shard("p0", 0, &o),
                            make_shard("p1", 1, &o), make_shard("p2", 2, &o), err, sizeof(err)),
                  0);
        CHECK(strstr(err, "are not checked against their shard") != NULL);
    }
    /* A record of shard 0 also in shard 2; a record in shard 2 whose hash names shard 0. */
    /* Shard 1 took one entry less and shard 2 says one more: the counts allow an extra record. */
    sp = good;
    sp.skip_one = 1;
    g1less = make_shard("g1less", 1, &sp);
    for (int j = 0; j < N_KEYS; j++) /* a name of shard 0 */
        if (merge_key_shard(key_of(j, other, sizeof(other)), N_SHARDS) == 0)
            break;
    snprintf(why, sizeof(why), "'%s' is in", other);
    sp = good;
    sp.sharded_out_delta = -1;
    sp.extra_key = other;
    refused(g0, g1less, make_shard("dup", 2, &sp), why);
    /* A record of the right shard that no input entry accounts for. */
    do
        snprintf(other, sizeof(other), "extra%u.example", i++);
    while (merge_key_shard(other, N_SHARDS) != 2);
    sp = good;
    sp.extra_key = other;
    refused(g0, g1, make_shard("extra", 2, &sp), "records but took only");
    do
        snprintf(other, sizeof(other), "stray%u.example", i++);
    while (merge_key_shard(other, N_SHARDS) != 0);
    sp = good;
    sp.sharded_out_delta = -1;
    sp.extra_key = other;
    refused(g0, g1less, make_shard("stray", 2, &sp), "whose hash names shard 0");
}

/* Input-error keys are sharded by their raw line, valid names by their registered domain. */
static void test_key_shard(void)
{
    char k[DS_NAME_MAX + 1];

    CHECK_INT(merge_key_shard("anything", 1), 0);
    ds_shard_key("www.example.co.uk", k);
    CHECK_INT(merge_key_shard("www.example.co.uk", 7), ds_shard_of(k, 7));
    CHECK_INT(merge_key_shard("mail.example.co.uk", 7), merge_key_shard("example.co.uk", 7));
    CHECK_INT(merge_key_shard("!not\\x20a\\x20domain", 7), ds_shard_of("not a domain", 7));
    CHECK_INT(merge_key_shard("!back\\x5cslash", 7), ds_shard_of("back\\slash", 7));
    CHECK_INT(merge_key_shard("!bad\\xzz", 7), 7); /* malformed escape: cannot tell */
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/ms-test-merge-XXXXXX");
    if (mkdtemp(root) == NULL)
        return 1;
    test_digest();
    test_counter_text();
    test_canon();
    test_key_shard();
    test_merge();
    ds_psl_shutdown();
    rm_tree(root);
    return th_report("test_merge");
}
