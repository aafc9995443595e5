/* test_store.c: result store: loop-fed puts, reopen/exists, map growth, kill -9 consistency, RSS.
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "output/record.h"
#include "output/store.h"
#include "tests/unit/harness.h"

#define N_LOOP 20000u

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The value stored for record number i under `key`: an encoded record of varying size. */
static void make_value(struct ms_buf *b, const char *key, unsigned i)
{
    struct out_record r;
    char id[64], detail[2100];
    size_t dlen = (i % 50) * 40;

    memset(&r, 0, sizeof(r));
    snprintf(id, sizeof(id), "%u-%u", i, i * 2654435761u);
    memset(detail, 'a' + (int)(i % 26), dlen);
    detail[dlen] = '\0';
    r.f[OUT_F_DOMAIN] = key;
    r.f[OUT_F_STATUS] = "ok";
    r.f[OUT_F_STS_ID] = id;
    r.f[OUT_F_HOSTS_DETAIL] = detail;
    ms_buf_reset(b);
    out_record_encode(&r, b);
}

/* Checks that `val` is exactly make_value(key, i) and that it decodes to the same domain. */
static int value_ok(const char *key, unsigned i, const void *val, size_t vallen)
{
    struct ms_buf want, scratch;
    struct out_record r;
    int ok;

    ms_buf_init(&want);
    ms_buf_init(&scratch);
    make_value(&want, key, i);
    ok = vallen == want.len && memcmp(val, want.data, vallen) == 0 &&
         out_record_decode(val, vallen, &r, &scratch) == 0 && r.f[OUT_F_DOMAIN] != NULL &&
         strcmp(r.f[OUT_F_DOMAIN], key) == 0;
    ms_buf_free(&want);
    ms_buf_free(&scratch);
    return ok;
}

/* ---- 1. puts fed from a uv loop, committed callback, flush, close from the callback ---- */

struct feed {
    uv_idle_t idle;
    struct out_store *s;
    unsigned next;
    unsigned perm_a; /* i -> (i * perm_a) % N_LOOP: a permutation, so puts arrive out of order */
    struct ms_buf val;
    uint64_t last_total;
    unsigned cb_calls;
    int monotonic;
    uint64_t max_pending;
    int flush_rc;
    int closed;
};

static void on_feed_closed(void *arg)
{
    struct feed *f = arg;

    f->closed++;
}

static void on_committed(struct out_store *s, uint64_t total, void *arg)
{
    struct feed *f = arg;

    if (total <= f->last_total)
        f->monotonic = 0;
    f->last_total = total;
    f->cb_calls++;
    if (total == N_LOOP)
        out_store_close(s, on_feed_closed, f); /* closing from inside the callback */
}

static void on_idle(uv_idle_t *h)
{
    struct feed *f = h->data;
    char key[32];

    for (unsigned k = 0; k < 500 && f->next < N_LOOP; k++, f->next++) {
        unsigned i = (unsigned)(((uint64_t)f->next * f->perm_a) % N_LOOP);
        int n = snprintf(key, sizeof(key), "d%05u.example", i);

        make_value(&f->val, key, i);
        if (out_store_put(f->s, key, (size_t)n, f->val.data, f->val.len) != 0)
            f->flush_rc = -1;
    }
    if (out_store_pending(f->s) > f->max_pending)
        f->max_pending = out_store_pending(f->s);
    if (f->next == N_LOOP) {
        uv_idle_stop(h);
        uv_close((uv_handle_t *)h, NULL);
        if (f->flush_rc == 0)
            f->flush_rc = out_store_flush(f->s);
        CHECK_INT(out_store_pending(f->s), 0);
        CHECK_INT(out_store_committed(f->s), N_LOOP);
    }
}

struct walk {
    unsigned char *seen;
    unsigned n;
    char prev[64];
    int ordered;
    int bad;
    unsigned count;
};

static int check_loop_record(const char *key, size_t keylen, const void *val, size_t vallen,
                             void *arg)
{
    struct walk *w = arg;
    unsigned i;

    if (strcmp(key, w->prev) <= 0)
        w->ordered = 0;
    snprintf(w->prev, sizeof(w->prev), "%s", key);
    w->count++;
    if (sscanf(key, "d%05u.example", &i) != 1 || i >= w->n || !value_ok(key, i, val, vallen)) {
        w->bad++;
        return 0;
    }
    w->seen[i]++;
    return 0;
}

static void verify_loop_records(const char *dir, unsigned extra)
{
    struct walk w;
    uint64_t count = 0;
    unsigned once = 0;

    memset(&w, 0, sizeof(w));
    w.n = N_LOOP;
    w.ordered = 1;
    w.seen = calloc(N_LOOP, 1);
    CHECK_INT(out_store_iterate(dir, check_loop_record, &w), 0);
    for (unsigned i = 0; i < N_LOOP; i++)
        once += w.seen[i] == 1;
    CHECK_INT(once, N_LOOP);
    CHECK_INT(w.bad, extra);
    CHECK_INT(w.ordered, 1);
    CHECK_INT(out_store_count(dir, &count), 0);
    CHECK_INT(count, N_LOOP + extra);
    free(w.seen);
}

static void test_loop_puts(const char *dir)
{
    uv_loop_t loop;
    struct feed f;

    memset(&f, 0, sizeof(f));
    f.perm_a = 7919; /* prime, coprime with N_LOOP */
    f.monotonic = 1;
    ms_buf_init(&f.val);
    uv_loop_init(&loop);
    {
        struct out_store_opts o = {.committed_cb = on_committed, .cb_arg = &f};

        CHECK_INT(out_store_open(&f.s, dir, &loop, &o), 0);
    }
    uv_idle_init(&loop, &f.idle);
    f.idle.data = &f;
    uv_idle_start(&f.idle, on_idle);
    CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
    CHECK_INT(f.flush_rc, 0);
    CHECK_INT(f.closed, 1);
    CHECK_INT(f.last_total, N_LOOP);
    CHECK_INT(f.monotonic, 1);
    CHECK(f.cb_calls >= 1);
    CHECK(f.max_pending > 0);
    CHECK_INT(uv_loop_close(&loop), 0);
    ms_buf_free(&f.val);
    verify_loop_records(dir, 0);
}

/* ---- 2. reopen: exists, snapshot renewal, key limits, meta ---- */

static void on_closed_flag(void *arg)
{
    *(int *)arg = 1;
}

static void test_reopen(const char *dir)
{
    struct out_store_opts o = {.fresh_ms = 60000, .fresh_calls = 3};
    char longkey[600];
    struct out_store *s;
    struct ms_buf v;
    uv_loop_t loop;
    int closed = 0;

    ms_buf_init(&v);
    memset(longkey, 'k', sizeof(longkey));
    uv_loop_init(&loop);
    CHECK_INT(out_store_open(&s, dir, &loop, &o), 0);
    CHECK_INT(out_store_exists(s, "d00000.example", 14), 1);
    CHECK_INT(out_store_exists(s, "d19999.example", 14), 1);
    CHECK_INT(out_store_exists(s, "d20000.example", 14), 0);
    CHECK_INT(out_store_exists(s, "", 0), MS_EINVAL);
    CHECK_INT(out_store_exists(s, longkey, 512), MS_ETOOLONG);
    CHECK_INT(out_store_put(s, longkey, 512, "x", 1), MS_ETOOLONG);
    CHECK_INT(out_store_put(s, "", 0, "x", 1), MS_EINVAL);

    /* Snapshot renewal by call count: 3 calls per snapshot (the first above started it). */
    CHECK_INT(out_store_exists(s, "late.example", 12), 0); /* renewed here: 1st call */
    CHECK_INT(out_store_put(s, "late.example", 12, "x", 1), 0);
    CHECK_INT(out_store_flush(s), 0);
    CHECK_INT(out_store_exists(s, "late.example", 12), 0); /* 2nd call: old snapshot */
    CHECK_INT(out_store_exists(s, "late.example", 12), 0); /* 3rd call: old snapshot */
    CHECK_INT(out_store_exists(s, "late.example", 12), 1); /* renewed */

    /* A key of exactly 511 bytes is accepted. */
    CHECK_INT(out_store_put(s, longkey, 511, "y", 1), 0);

    CHECK_INT(out_store_meta_put(s, "input_sha256", "e3b0c44298fc1c149afbf4c8996fb924"), 0);
    CHECK_INT(out_store_meta_put(s, "options", "--rate 100"), 0);
    CHECK_INT(out_store_flush(s), 0);
    CHECK_INT(out_store_meta_get(s, "input_sha256", &v), 0);
    CHECK_STR(ms_buf_cstr(&v), "e3b0c44298fc1c149afbf4c8996fb924");
    CHECK_INT(out_store_meta_get(s, "missing", &v), MS_ENOTFOUND);
    CHECK_INT(out_store_error(s, NULL), 0);
    /* Meta puts are not records. */
    CHECK_INT(out_store_exists(s, "options", 7), 0);

    out_store_close(s, on_closed_flag, &closed);
    CHECK_INT(closed, 0); /* memory goes in the close callback, on the next loop run */
    CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
    CHECK_INT(closed, 1);
    CHECK_INT(uv_loop_close(&loop), 0);

    CHECK_INT(out_store_meta_read(dir, "options", &v), 0);
    CHECK_STR(ms_buf_cstr(&v), "--rate 100");
    CHECK_INT(out_store_meta_read(dir, "nope", &v), MS_ENOTFOUND);
    verify_loop_records(dir, 2);
    ms_buf_free(&v);
}

/* ---- 3. map growth: a 1 MiB map receiving ~10 MiB ---- */

static void fill_bytes(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t k = 0; k < n; k++) {
        seed = seed * 1103515245u + 12345u;
        p[k] = (unsigned char)(seed >> 16);
    }
}

#define N_GROW 6000u

static size_t grow_len(unsigned i)
{
    return 1000 + (i % 7) * 300; /* 1000..2800 bytes: some on overflow pages */
}

struct grow_walk {
    unsigned count, bad;
    unsigned char buf[4096];
};

static int check_grow_record(const char *key, size_t keylen, const void *val, size_t vallen,
                             void *arg)
{
    struct grow_walk *g = arg;
    unsigned i;

    g->count++;
    if (sscanf(key, "g%06u", &i) != 1 || vallen != grow_len(i)) {
        g->bad++;
        return 0;
    }
    fill_bytes(g->buf, vallen, i);
    if (memcmp(g->buf, val, vallen) != 0)
        g->bad++;
    return 0;
}

static void test_map_growth(const char *dir)
{
    struct out_store_opts o = {.map_size = 1u << 20, .batch_max = 512};
    unsigned char buf[4096];
    struct grow_walk g;
    struct out_store *s;
    char key[32], path[512];
    struct stat st;
    uint64_t total = 0;
    int seen = 0;

    /* Without a loop: puts, exists and flush from this thread. */
    CHECK_INT(out_store_open(&s, dir, NULL, &o), 0);
    for (unsigned i = 0; i < N_GROW; i++) {
        int n = snprintf(key, sizeof(key), "g%06u", i);

        fill_bytes(buf, grow_len(i), i);
        total += grow_len(i);
        CHECK(out_store_put(s, key, (size_t)n, buf, grow_len(i)) == 0);
        /* Reads race with the writer's remaps: they must never see a torn map. */
        if (i % 50 == 0) {
            int rc = out_store_exists(s, "g000000", 7);

            CHECK(rc == 0 || rc == 1);
            seen |= rc == 1;
        }
    }
    CHECK_INT(out_store_flush(s), 0);
    CHECK_INT(out_store_error(s, NULL), 0);
    CHECK_INT(out_store_committed(s), N_GROW);
    usleep(60 * 1000); /* older than fresh_ms: the next exists renews its snapshot */
    CHECK_INT(out_store_exists(s, "g000000", 7), 1);
    CHECK_INT(out_store_exists(s, "g005999", 7), 1);
    out_store_close(s, NULL, NULL); /* no loop: freed before returning */
    CHECK(total > 10u << 20);

    snprintf(path, sizeof(path), "%s/results.lmdb/data.mdb", dir);
    CHECK_INT(stat(path, &st), 0);
    CHECK(st.st_size > (off_t)(10u << 20)); /* the map had to grow past 1 MiB */
    memset(&g, 0, sizeof(g));
    CHECK_INT(out_store_iterate(dir, check_grow_record, &g), 0);
    CHECK_INT(g.count, N_GROW);
    CHECK_INT(g.bad, 0);
    (void)seen;
}

/* ---- 4. kill -9 mid-stream: the store reopens consistent ---- */

#define CRASH_ROUNDS 6

/* Child: puts r<round>-<i> forever (bounded in memory), tells the parent once commits flow. */
static void crash_child(const char *dir, int round, int fd)
{
    struct out_store_opts o = {
        .map_size = 1u << 20, .batch_max = 300, .batch_ms = 5, .sync_ms = 50};
    struct out_store *s;
    struct ms_buf val;
    char key[32];
    int told = 0;

    ms_buf_init(&val);
    if (out_store_open(&s, dir, NULL, &o) != 0)
        _exit(2);
    for (unsigned i = 0; i < 400000; i++) {
        int n = snprintf(key, sizeof(key), "r%d-%08u", round, i);

        while (out_store_pending(s) > 5000)
            usleep(200);
        make_value(&val, key, i);
        if (out_store_put(s, key, (size_t)n, val.data, val.len) != 0)
            _exit(3);
        if (!told && out_store_committed(s) > 0) {
            told = write(fd, "x", 1) == 1;
        }
    }
    for (;;)
        pause();
}

struct crash_walk {
    int round;
    unsigned count[CRASH_ROUNDS];
    unsigned max_plus1[CRASH_ROUNDS];
    unsigned bad;
};

static int check_crash_record(const char *key, size_t keylen, const void *val, size_t vallen,
                              void *arg)
{
    struct crash_walk *c = arg;
    int round;
    unsigned i;

    if (sscanf(key, "r%d-%08u", &round, &i) != 2 || round < 0 || round >= CRASH_ROUNDS ||
        !value_ok(key, i, val, vallen)) {
        c->bad++;
        return 0;
    }
    c->count[round]++;
    if (i + 1 > c->max_plus1[round])
        c->max_plus1[round] = i + 1;
    return 0;
}

static void test_crash(const char *dir)
{
    static const unsigned delays_ms[CRASH_ROUNDS] = {0, 7, 31, 80, 150, 260};
    unsigned prev[CRASH_ROUNDS] = {0};

    for (int round = 0; round < CRASH_ROUNDS; round++) {
        struct crash_walk c;
        struct out_store *s;
        int fds[2], status = 0;
        char b;
        pid_t pid;

        CHECK_INT(pipe(fds), 0);
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            crash_child(dir, round, fds[1]);
        }
        close(fds[1]);
        CHECK_INT(read(fds[0], &b, 1), 1); /* the child has committed something */
        close(fds[0]);
        usleep(delays_ms[round] * 1000);
        kill(pid, SIGKILL);
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        /* Reopen read-only: every record present is whole and right, and each round's keys
         * form a prefix 0..k-1 (batches commit in order, all or nothing). */
        memset(&c, 0, sizeof(c));
        CHECK_INT(out_store_iterate(dir, check_crash_record, &c), 0);
        CHECK_INT(c.bad, 0);
        CHECK(c.count[round] > 0);
        CHECK_INT(c.count[round], c.max_plus1[round]);
        for (int r = 0; r < round; r++)
            CHECK_INT(c.count[r], prev[r]);
        prev[round] = c.count[round];
        printf("crash round %d: killed after %u ms, %u records survived\n", round, delays_ms[round],
               c.count[round]);

        /* And for writing: the next round's child opens it again after this. */
        CHECK_INT(out_store_open(&s, dir, NULL, NULL), 0);
        CHECK_INT(out_store_exists(s, "r0-00000000", 11), 1);
        out_store_close(s, NULL, NULL);
    }
}

static void test_missing(void)
{
    uint64_t n = 7;
    struct ms_buf v;

    ms_buf_init(&v);
    CHECK_INT(out_store_count("/nonexistent/ms-test", &n), MS_ENOTFOUND);
    CHECK_INT(n, 0);
    CHECK_INT(out_store_iterate("/nonexistent/ms-test", check_grow_record, NULL), MS_ENOTFOUND);
    CHECK_INT(out_store_meta_read("/nonexistent/ms-test", "k", &v), MS_ENOTFOUND);
    ms_buf_free(&v);
}

/* durable: no MDB_NOSYNC, every commit is fsynced by LMDB; flush still waits for it. */
static void test_durable(const char *dir)
{
    struct out_store_opts o = {.durable = 1, .batch_max = 10};
    struct out_store *s;
    struct ms_buf val;
    char key[32];
    uint64_t n = 0;

    ms_buf_init(&val);
    CHECK_INT(out_store_open(&s, dir, NULL, &o), 0);
    for (unsigned i = 0; i < 35; i++) {
        int len = snprintf(key, sizeof(key), "u%03u", i);

        make_value(&val, key, i);
        CHECK_INT(out_store_put(s, key, (size_t)len, val.data, val.len), 0);
    }
    CHECK_INT(out_store_flush(s), 0);
    CHECK_INT(out_store_pending(s), 0);
    CHECK_INT(out_store_committed(s), 35);
    out_store_close(s, NULL, NULL);
    CHECK_INT(out_store_count(dir, &n), 0);
    CHECK_INT(n, 35);
    ms_buf_free(&val);
}

static void make_dir(char *tmpl)
{
    if (mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        exit(1);
    }
}

/* ---- 5. random-order puts and lookups keep the store's mapped pages bounded ---- */

#define N_RSS 300000u

/* This process's file-backed resident memory (RssFile), in KiB; 0 if unknown. */
static long rss_file_kib(void)
{
    char line[256];
    long kib = 0;
    FILE *fp = fopen("/proc/self/status", "r");

    if (fp == NULL)
        return 0;
    while (fgets(line, sizeof(line), fp) != NULL)
        if (sscanf(line, "RssFile: %ld", &kib) == 1)
            break;
    fclose(fp);
    return kib;
}

/* Key number `i` of a fixed random permutation (an odd multiplier is a bijection mod 2^32). */
static int rss_key(char *key, size_t size, unsigned i)
{
    return snprintf(key, size, "r%08x.example", (i * 2654435761u) ^ 0x5bd1e995u);
}

/*
 * Every put and lookup of a random key reads a leaf anywhere in the store, and
 * each fault maps 64 KiB: without drops by volume, the lookups would keep the
 * whole store (some 60 MiB) resident. The bound is OUT_MAPPAGES_BUDGET plus the
 * faults of the records between two checks (output/mappages.h).
 */
static void test_rss_bounded(const char *dir)
{
    struct out_store_opts o = {.batch_max = 4096};
    unsigned char val[160];
    struct out_store *s;
    char key[32], path[512];
    struct stat st;
    long start, peak = 0;

    memset(val, 'v', sizeof(val));
    CHECK_INT(out_store_open(&s, dir, NULL, &o), 0);
    for (unsigned i = 0; i < N_RSS; i++) {
        int n = rss_key(key, sizeof(key), i);

        CHECK(out_store_put(s, key, (size_t)n, val, sizeof(val)) == 0);
    }
    CHECK_INT(out_store_flush(s), 0);
    usleep(60 * 1000); /* older than fresh_ms: the next exists renews its snapshot */
    for (unsigned i = 0; i < 1000; i++) { /* warm up: code pages fault in once */
        int n = rss_key(key, sizeof(key), i * 7u);

        CHECK_INT(out_store_exists(s, key, (size_t)n), 1);
    }
    start = rss_file_kib();
    for (unsigned i = 0; i < N_RSS; i++) {
        int n = rss_key(key, sizeof(key), (i * 40503u) % N_RSS);

        CHECK_INT(out_store_exists(s, key, (size_t)n), 1);
        if (i % 256 == 0) {
            long now = rss_file_kib();

            peak = now > peak ? now : peak;
        }
    }
    out_store_close(s, NULL, NULL);
    snprintf(path, sizeof(path), "%s/results.lmdb/data.mdb", dir);
    CHECK_INT(stat(path, &st), 0);
    CHECK(st.st_size > (off_t)(48u << 20)); /* far more than the bound below */
    CHECK(start > 0);
    CHECK(peak - start < 12 * 1024);
}

int main(void)
{
    char d1[] = "/tmp/ms-test-store-XXXXXX";
    char d2[] = "/tmp/ms-test-store-XXXXXX";
    char d3[] = "/tmp/ms-test-store-XXXXXX";
    char d4[] = "/tmp/ms-test-store-XXXXXX";
    char d5[] = "/tmp/ms-test-store-XXXXXX";

    make_dir(d1);
    make_dir(d2);
    make_dir(d3);
    make_dir(d4);
    make_dir(d5);
    /* Fork first, while this process has no threads and no environment open. */
    test_crash(d3);
    test_missing();
    test_loop_puts(d1);
    test_reopen(d1);
    test_map_growth(d2);
    test_durable(d4);
    test_rss_bounded(d5);
    rm_tree(d1);
    rm_tree(d2);
    rm_tree(d3);
    rm_tree(d4);
    rm_tree(d5);
    return th_report("test_store");
}
