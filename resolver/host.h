/* host.h: what DNS says about one mail host (addresses, TLSA per RFC 7672 §2.2), looked up once per
 * scan. */
#ifndef MS_RESOLVER_HOST_H
#define MS_RESOLVER_HOST_H

#include <stdint.h>

#include "resolver/resolver.h"

enum rsv_addr_state {
    RSV_ADDR_OK = 0, /* at least one A or AAAA record */
    RSV_ADDR_NONE,   /* NXDOMAIN or NODATA for both */
    RSV_ADDR_ERROR   /* no address and at least one lookup failed (§2.1.2: skip the host) */
};

/* Per-host TLSA status; docs/output.md (column tlsa) defines each. */
enum rsv_tlsa_state {
    RSV_TLSA_NA = 0, /* not applicable: the host has no usable address */
    RSV_TLSA_NONE,
    RSV_TLSA_SECURE,
    RSV_TLSA_INSECURE,
    RSV_TLSA_BOGUS,
    RSV_TLSA_ERROR
};

enum rsv_tlsa_base { RSV_BASE_NAME = 0, RSV_BASE_EXPANDED, RSV_BASE_ORIGINAL };

struct rsv_tlsa_rr {
    uint8_t usage, selector, mtype;
    uint16_t len;
    const uint8_t *data; /* points into the host's blob */
};

#define RSV_HOST_MAX_ADDRS 16
#define RSV_HOST_MAX_TLSA  16

/*
 * A host's facts. Read-only for users, valid while they hold a reference
 * (from rsv_host_lookup until rsv_host_release).
 */
struct rsv_host {
    const char *name; /* as looked up: lowercase, no trailing dot */
    enum rsv_addr_state addr;
    int addr_secure; /* every address answer had AD */
    int cname;       /* the name is an alias */
    int n_v4, n_v6;
    int n_addrs;
    char (*addrs)[46]; /* n_addrs presentation-form addresses, IPv4 first */
    enum rsv_tlsa_state tlsa;
    enum rsv_tlsa_base tlsa_base;
    const char *tlsa_base_name; /* the name whose _25._tcp TLSA was used (SNI for DANE, §8.1) */
    int tlsa_ede;
    int n_tlsa;
    struct rsv_tlsa_rr tlsa_rr[RSV_HOST_MAX_TLSA];
};

struct rsv_hostcache;

/* Called on the loop when the host is complete; the caller owns one reference. */
typedef void (*rsv_host_cb)(void *arg, struct rsv_host *h);

/*
 * Creates a cache of at most `max_hosts` completed, unreferenced hosts
 * (least recently used are dropped first; hosts in use are never dropped).
 */
int rsv_hostcache_create(struct rsv_hostcache **out, struct rsv_ctx *r, uint32_t max_hosts);

/*
 * Returns 1 with *out set (a new reference) when the host is already known,
 * 0 when the lookup is under way and `cb` will be called later (a second
 * caller for the same name waits for the first lookup), or a negative MS_E*.
 */
int rsv_host_lookup(struct rsv_hostcache *hc, const char *name, rsv_host_cb cb, void *arg,
                    struct rsv_host **out);

/* Drops a reference obtained from rsv_host_lookup or its callback. */
void rsv_host_release(struct rsv_hostcache *hc, struct rsv_host *h);

/* Counters: lookups served from the cache or an in-flight lookup, and lookups started. */
void rsv_hostcache_stats(const struct rsv_hostcache *hc, uint64_t *hits, uint64_t *misses);

/* Frees every host; call after all references are released and no lookup is pending. */
void rsv_hostcache_destroy(struct rsv_hostcache *hc);

#endif
