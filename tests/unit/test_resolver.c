/* test_resolver.c: upstream address parsing, the token bucket, and reading CNAME chains and TXT
 * from replies. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/bucket.h"
#include "resolver/reply.h"
#include "resolver/resolver.h"
#include "tests/unit/harness.h"

static void test_parse_upstream(void)
{
    static const struct {
        const char *in;
        int ok;
        const char *addr;
        unsigned port;
    } cases[] = {
        {"127.0.0.1", 1, "127.0.0.1", 53},
        {"127.53.1.1:53053", 1, "127.53.1.1", 53053},
        {"::1", 1, "::1", 53},
        {"[::1]:5353", 1, "::1", 5353},
        {"[::1]", 1, "::1", 53},
        {"1.2.3.4:0", 0, NULL, 0},
        {"1.2.3.4:70000", 0, NULL, 0},
        {"1.2.3.4:x", 0, NULL, 0},
        {"[::1", 0, NULL, 0},
        {"", 0, NULL, 0},
    };
    struct rsv_upstream_opts u;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = rsv_parse_upstream(cases[i].in, &u);
        CHECK_INT(rc == 0, cases[i].ok);
        if (rc == 0 && cases[i].ok) {
            CHECK_STR(u.addr, cases[i].addr);
            CHECK_INT(u.port, cases[i].port);
        }
    }
}

static void test_bucket(void)
{
    struct ms_bucket b;
    int taken = 0;

    /* 10/s with a burst of 2: two at once, then one every 100 ms. */
    ms_bucket_init(&b, 10, 2, 1000);
    CHECK_INT(ms_bucket_take(&b, 1000), 1);
    CHECK_INT(ms_bucket_take(&b, 1000), 1);
    CHECK_INT(ms_bucket_take(&b, 1000), 0);
    CHECK(ms_bucket_wait_ms(&b, 1000) >= 100 && ms_bucket_wait_ms(&b, 1000) <= 101);
    CHECK_INT(ms_bucket_take(&b, 1050), 0);
    CHECK_INT(ms_bucket_take(&b, 1101), 1);
    /* Over ten simulated seconds the rate holds: burst + rate * time. */
    ms_bucket_init(&b, 10, 2, 0);
    for (uint64_t t = 0; t <= 10000; t++)
        taken += ms_bucket_take(&b, t);
    CHECK(taken >= 101 && taken <= 102);
    /* Rate 0 means unlimited. */
    ms_bucket_init(&b, 0, 1, 0);
    for (int i = 0; i < 1000; i++)
        taken = ms_bucket_take(&b, 0);
    CHECK_INT(taken, 1);
    CHECK_INT(ms_bucket_wait_ms(&b, 0), 0);
}

/* Builds a reply packet with the given answer records (zone-file syntax). */
static ldns_pkt *make_reply(const char *const *rrs, size_t n)
{
    ldns_pkt *pkt = ldns_pkt_new();
    ldns_rr_list *answer = ldns_rr_list_new();

    for (size_t i = 0; i < n; i++) {
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, rrs[i], 3600, NULL, NULL) == LDNS_STATUS_OK)
            ldns_rr_list_push_rr(answer, rr);
    }
    ldns_pkt_push_rr_list(pkt, LDNS_SECTION_ANSWER, answer);
    ldns_rr_list_free(answer);
    return pkt;
}

static void test_rrset(void)
{
    static const char *const chain[] = {
        "MX.Example.test. CNAME b.example.test.",
        "b.example.test. CNAME c.other.test.",
        "c.other.test. A 127.60.0.1",
        "c.other.test. A 127.60.0.2",
        "unrelated.test. A 127.60.0.9",
    };
    static const char *const loop[] = {
        "a.test. CNAME b.test.",
        "b.test. CNAME a.test.",
    };
    struct rsv_rrset set;
    ldns_pkt *pkt = make_reply(chain, 5);

    rsv_rrset_extract(pkt, "mx.example.test.", LDNS_RR_TYPE_A, &set);
    CHECK_INT(set.cname_hops, 2);
    CHECK_STR(set.final_name, "c.other.test");
    CHECK_INT(set.n, 2);
    rsv_rrset_extract(pkt, "c.other.test", LDNS_RR_TYPE_A, &set);
    CHECK_INT(set.cname_hops, 0);
    CHECK_INT(set.n, 2);
    rsv_rrset_extract(pkt, "nothere.test", LDNS_RR_TYPE_A, &set);
    CHECK_INT(set.n, 0);
    ldns_pkt_free(pkt);

    pkt = make_reply(loop, 2);
    rsv_rrset_extract(pkt, "a.test", LDNS_RR_TYPE_A, &set);
    CHECK_INT(set.cname_loop, 1);
    CHECK_INT(set.n, 0);
    ldns_pkt_free(pkt);
}

static void test_txt_and_names(void)
{
    static const char *const txt[] = {
        "_mta-sts.example.test. TXT \"v=STSv1; id=ab\" \"c123\"",
        "weird.test. MX 10 Mail\\.X.Example.test.",
    };
    ldns_pkt *pkt = make_reply(txt, 2);
    struct rsv_rrset set;
    char buf[64], name[256];
    size_t n;

    rsv_rrset_extract(pkt, "_mta-sts.example.test", LDNS_RR_TYPE_TXT, &set);
    CHECK_INT(set.n, 1);
    n = rsv_txt_join(set.rrs[0], buf, sizeof(buf));
    CHECK_INT(n, 18);
    CHECK(memcmp(buf, "v=STSv1; id=abc123", 18) == 0);
    /* Joining stops at the buffer size instead of overflowing. */
    CHECK_INT(rsv_txt_join(set.rrs[0], buf, 5), 5);
    rsv_rrset_extract(pkt, "weird.test", LDNS_RR_TYPE_MX, &set);
    CHECK_INT(set.n, 1);
    rsv_dname_str(ldns_rr_rdf(set.rrs[0], 1), name, sizeof(name));
    CHECK_STR(name, "mail\\046x.example.test");
    ldns_pkt_free(pkt);

    rsv_name_normalise("A.B.Test.", name, sizeof(name));
    CHECK_STR(name, "a.b.test");
}

static void test_answer_end(void)
{
    static const char *const rrs[] = {
        "a.test. CNAME b.test.",
        "b.test. A 127.60.0.1",
    };
    ldns_pkt *pkt = make_reply(rrs, 2);
    ldns_rr *soa = NULL, *q = NULL;
    uint8_t *wire = NULL;
    size_t len = 0, end, full;

    ldns_rr_new_question_frm_str(&q, "a.test. IN A", NULL, NULL);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q);
    ldns_rr_new_frm_str(&soa, "test. SOA ns.test. h.test. 1 2 3 4 5", 3600, NULL, NULL);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, soa);
    ldns_pkt2wire(&wire, pkt, &len);
    end = rsv_wire_answer_end(wire, len);
    /* The answer ends before the SOA, and cutting there still parses with both answers. */
    CHECK(end > 12 && end < len);
    full = len;
    wire[8] = wire[9] = wire[10] = wire[11] = 0;
    {
        ldns_pkt *cut = NULL;
        CHECK_INT(ldns_wire2pkt(&cut, wire, end), LDNS_STATUS_OK);
        if (cut != NULL) {
            CHECK_INT(ldns_rr_list_rr_count(ldns_pkt_answer(cut)), 2);
            ldns_pkt_free(cut);
        }
    }
    /* Every truncation of the message is refused, never read past. */
    for (size_t n = 0; n < end; n++)
        CHECK_INT(rsv_wire_answer_end(wire, n), 0);
    CHECK_INT(rsv_wire_answer_end(wire, full), end);
    free(wire);
    ldns_pkt_free(pkt);
}

int main(void)
{
    test_answer_end();
    test_parse_upstream();
    test_bucket();
    test_rrset();
    test_txt_and_names();
    return th_report("test_resolver");
}
