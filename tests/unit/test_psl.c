/* test_psl.c: registered domains and public suffixes (libpsl), and the --shard partition. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/hash.h"
#include "datasets/name.h"
#include "datasets/psl.h"
#include "datasets/shard.h"
#include "tests/unit/harness.h"

static const struct {
    const char *name, *registered, *suffix; /* registered NULL: the name is a public suffix */
} psl_cases[] = {
    {"example.com", "example.com", "com"},
    {"www.example.com", "example.com", "com"},
    {"a.b.www.example.co.uk", "example.co.uk", "co.uk"},
    {"co.uk", NULL, "co.uk"},
    {"com", NULL, "com"},
    /* Private section: every blogspot.com user is a registrant of their own. */
    {"foo.blogspot.com", "foo.blogspot.com", "blogspot.com"},
    /* Wildcard and exception rules: *.kawasaki.jp, !city.kawasaki.jp. */
    {"a.b.c.kawasaki.jp", "b.c.kawasaki.jp", "c.kawasaki.jp"},
    {"www.city.kawasaki.jp", "city.kawasaki.jp", "kawasaki.jp"},
    /* IDN suffixes are matched in A-label form (公司.cn). */
    {"x.y.xn--55qx5d.cn", "y.xn--55qx5d.cn", "xn--55qx5d.cn"},
    {"xn--55qx5d.cn", NULL, "xn--55qx5d.cn"},
    /* An unknown TLD is a suffix by the default rule "*" (the test world's .test). */
    {"mx.a.sec.test", "sec.test", "test"},
    {"test", NULL, "test"},
};

static void test_lookups(void)
{
    char out[DS_NAME_MAX + 1];

    CHECK_INT(ds_psl_init(), 0);
    for (size_t i = 0; i < sizeof(psl_cases) / sizeof(psl_cases[0]); i++) {
        int rc = ds_psl_registered(psl_cases[i].name, out, sizeof(out));
        if (psl_cases[i].registered == NULL) {
            CHECK_INT(rc, MS_ENOTFOUND);
            CHECK_INT(ds_psl_is_suffix(psl_cases[i].name), 1);
        } else {
            CHECK_INT(rc, 0);
            CHECK_STR(out, psl_cases[i].registered);
            CHECK_INT(ds_psl_is_suffix(psl_cases[i].name), 0);
        }
        CHECK_INT(ds_psl_suffix(psl_cases[i].name, out, sizeof(out)), 0);
        CHECK_STR(out, psl_cases[i].suffix);
    }
    /* A buffer too small is refused, never truncated. */
    CHECK_INT(ds_psl_registered("www.example.com", out, 11), MS_ETOOLONG);
    CHECK_INT(ds_psl_registered("www.example.com", out, 12), 0);
    CHECK_INT(ds_psl_suffix("www.example.co.uk", out, 5), MS_ETOOLONG);
    CHECK(strncmp(ds_psl_describe(), "libpsl ", 7) == 0);
}

static void test_parse(void)
{
    static const struct {
        const char *s;
        int ok;
        uint32_t k, n;
    } cases[] = {
        {"0/1", 1, 0, 1},
        {"3/4", 1, 3, 4},
        {"0/65536", 1, 0, 65536},
        {"4/4", 0, 0, 0},
        {"0/0", 0, 0, 0},
        {"1/65537", 0, 0, 0},
        {"-1/4", 0, 0, 0},
        {"1/+4", 0, 0, 0},
        {"1 /4", 0, 0, 0},
        {"1/4x", 0, 0, 0},
        {"/4", 0, 0, 0},
        {"1/", 0, 0, 0},
        {"4", 0, 0, 0},
        {"", 0, 0, 0},
        {"99999999999/4", 0, 0, 0},
        {"0/4294967297", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t k = 99, n = 99;
        int rc = ds_shard_parse(cases[i].s, &k, &n);
        CHECK_INT(rc, cases[i].ok ? 0 : MS_EINVAL);
        if (cases[i].ok) {
            CHECK_INT(k, cases[i].k);
            CHECK_INT(n, cases[i].n);
        }
    }
}

/* FNV-1a, fmix32 and the scaling written out again, so a change to either side shows. */
static uint32_t reference_shard(const char *s, uint32_t n)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return (uint32_t)(((uint64_t)h * n) >> 32);
}

static void test_partition(void)
{
    enum { NAMES = 20000, N = 4 };
    unsigned count[N] = {0}, sampled[N] = {0}, nsampled = 0, same_org = 0, bad_keys = 0;
    char name[64], key[DS_NAME_MAX + 1];

    /* Values computed outside C: the partition must never change (shards of old runs). */
    CHECK_INT(ds_shard_of("example.com", 4), 3);
    CHECK_INT(ds_shard_of("example.com", 1000), 944);
    CHECK_INT(ds_shard_of("mtascope.test", 7), 5);
    for (int i = 0; i < NAMES; i++) {
        unsigned in = 0, mine = 0;

        snprintf(name, sizeof(name), "www.d%d.co.uk", i);
        ds_shard_key(name, key);
        snprintf(name, sizeof(name), "d%d.co.uk", i);
        bad_keys += strcmp(key, name) != 0;
        for (uint32_t k = 0; k < N; k++) {
            if (ds_shard_of(key, N) == k) {
                in++;
                mine = k;
            }
        }
        /* Every name in exactly one of the N shards. */
        if (in != 1)
            CHECK_INT(in, 1);
        count[mine]++;
        if (ds_shard_of(key, N) != reference_shard(key, N))
            CHECK_INT(ds_shard_of(key, N), reference_shard(key, N));
        /* --sample 0.25 takes the names whose plain hash is below 2^30: spread over all shards. */
        if (ms_hash_str(key) < (1u << 30)) {
            sampled[mine]++;
            nsampled++;
        }
        /* Another name of the same registered domain goes to the same shard. */
        snprintf(name, sizeof(name), "a.mail.d%d.co.uk", i);
        ds_shard_key(name, key);
        same_org += ds_shard_of(key, N) == mine;
    }
    CHECK_INT(bad_keys, 0);
    CHECK_INT(same_org, NAMES);
    for (int k = 0; k < N; k++) {
        CHECK(count[k] > NAMES / N * 9 / 10 && count[k] < NAMES / N * 11 / 10);
        CHECK(sampled[k] > nsampled / N * 8 / 10 && sampled[k] < nsampled / N * 12 / 10);
    }
    /* A public suffix is its own key. */
    ds_shard_key("co.uk", key);
    CHECK_STR(key, "co.uk");
}

int main(void)
{
    test_lookups();
    test_parse();
    test_partition();
    ds_psl_shutdown();
    return th_report("test_psl");
}
