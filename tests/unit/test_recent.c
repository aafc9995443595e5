/* test_recent.c: the recent-keys FIFO and the store's visibility horizon that bounds it. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "output/store.h"
#include "scanner/recent.h"
#include "tests/unit/harness.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void test_fifo(void)
{
    struct scan_recent r;
    char key[32];

    CHECK_INT(scan_recent_init(&r, 100), 0);
    for (int i = 1; i <= 100; i++) {
        snprintf(key, sizeof(key), "k%d.example", i);
        CHECK_INT(scan_recent_add(&r, key, (uint64_t)i * 2), 0);
    }
    CHECK_INT(scan_recent_add(&r, "one.too.many", 1000), MS_EFULL);
    CHECK_INT(scan_recent_has(&r, "k1.example"), 1);
    CHECK_INT(scan_recent_has(&r, "k100.example"), 1);
    CHECK_INT(scan_recent_has(&r, "k101.example"), 0);
    /* Keys up to the horizon go, the rest stay; the ring then wraps around. */
    scan_recent_prune(&r, 81);
    CHECK_INT(r.count, 60);
    CHECK_INT(scan_recent_has(&r, "k40.example"), 0);
    CHECK_INT(scan_recent_has(&r, "k41.example"), 1);
    for (int i = 101; i <= 140; i++) {
        snprintf(key, sizeof(key), "k%d.example", i);
        CHECK_INT(scan_recent_add(&r, key, (uint64_t)i * 2), 0);
    }
    CHECK_INT(scan_recent_has(&r, "k140.example"), 1);
    CHECK_INT(scan_recent_has(&r, "k41.example"), 1);
    scan_recent_prune(&r, 279);
    CHECK_INT(r.count, 1);
    CHECK_INT(scan_recent_has(&r, "k139.example"), 0);
    CHECK_INT(scan_recent_has(&r, "k140.example"), 1);
    scan_recent_prune(&r, UINT64_MAX);
    CHECK_INT(r.count, 0);
    CHECK_INT(scan_recent_has(&r, "k140.example"), 0);
    /* Keys still held are freed with the set (ASan's leak check). */
    CHECK_INT(scan_recent_add(&r, "left.example", 5000), 0);
    scan_recent_free(&r);
}

/*
 * The property the scan's dedupe rests on: at every moment, every key put so
 * far is either visible to out_store_exists or still in the recent set, while
 * the set only keeps what is not yet visible.
 */
static void test_horizon(void)
{
    char dir[] = "/tmp/ms-test-recent-XXXXXX", key[64];
    struct out_store_opts so = {.batch_max = 64, .batch_ms = 2, .fresh_ms = 5, .fresh_calls = 50};
    struct out_store *s;
    struct scan_recent r;
    unsigned lost = 0, max_held = 0, visible_some = 0;
    enum { N = 3000 };

    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(out_store_open(&s, dir, NULL, &so), 0);
    CHECK_INT(scan_recent_init(&r, N), 0);
    CHECK_INT(out_store_visible(s, 0), 0);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "d%d.example", i);
        CHECK_INT(out_store_put(s, key, strlen(key), "v", 1), 0);
        if (i == 0)
            CHECK_INT(out_store_put_count(s), 1);
        CHECK_INT(scan_recent_add(&r, key, out_store_put_count(s)), 0);
        /* A blob put in between counts in the same sequence. */
        if (i % 100 == 0)
            CHECK_INT(out_store_blob_put(s, "blob:x", "b", 1), 0);
        if (i % 7 == 0)
            scan_recent_prune(&r, out_store_visible(s, i % 2));
        if (i % 97 == 0)
            usleep(3000);
        if (r.count > max_held)
            max_held = r.count;
        /* Check a few earlier keys: each is in the snapshot or in the set. */
        for (int j = i; j >= 0 && j > i - 40; j -= 13) {
            snprintf(key, sizeof(key), "d%d.example", j);
            if (scan_recent_has(&r, key))
                continue;
            visible_some++;
            if (out_store_exists(s, key, strlen(key)) != 1)
                lost++;
        }
    }
    CHECK_INT(lost, 0);
    CHECK(visible_some > 0);       /* the set did give keys up */
    CHECK(max_held < (unsigned)N); /* and never held everything */
    /* Once all is committed and a snapshot renewed, nothing needs remembering. */
    CHECK_INT(out_store_flush(s), 0);
    CHECK(out_store_visible(s, 1) >= out_store_put_count(s));
    scan_recent_prune(&r, out_store_visible(s, 0));
    CHECK_INT(r.count, 0);
    CHECK_INT(out_store_exists(s, "d0.example", 10), 1);
    out_store_close(s, NULL, NULL);
    scan_recent_free(&r);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    test_fifo();
    test_horizon();
    return th_report("test_recent");
}
