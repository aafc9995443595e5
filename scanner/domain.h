/* domain.h: one domain's DNS stage: MX, MX hosts (addresses, TLSA), _mta-sts and _smtp._tls TXT. */
#ifndef MS_SCANNER_DOMAIN_H
#define MS_SCANNER_DOMAIN_H

#include <stdint.h>

#include "common/strbuf.h"
#include "output/record.h"
#include "probes/ststxt.h"
#include "probes/tlsrpt.h"
#include "resolver/host.h"
#include "resolver/resolver.h"

#define SCAN_MAX_MX 16

enum scan_mx_kind { MXK_PENDING = 0, MXK_MX, MXK_NULL, MXK_IMPLICIT, MXK_NXDOMAIN, MXK_ERROR };
enum scan_dnssec { DS_UNKNOWN = 0, DS_SECURE, DS_INSECURE, DS_BOGUS, DS_ERROR };
enum scan_txt { TXTS_PENDING = 0, TXTS_DONE, TXTS_DNS_ERROR };

/* dns_notes flags; names in domain.c, meanings in docs/output.md. */
#define SCAN_NOTE_MAP(XX)                                                                          \
    XX(DOMAIN_CNAME, "domain_cname")                                                               \
    XX(NULL_MX_MIXED, "null_mx_mixed")                                                             \
    XX(MX_CNAME, "mx_cname")                                                                       \
    XX(MX_IP_LITERAL, "mx_ip_literal")                                                             \
    XX(MX_NO_ADDRESS, "mx_no_address")                                                             \
    XX(MX_ADDR_ERROR, "mx_addr_error")                                                             \
    XX(MX_AAAA_ONLY, "mx_aaaa_only")                                                               \
    XX(MX_HOSTS_CAPPED, "mx_hosts_capped")                                                         \
    XX(TLSA_BASE_EXPANDED, "tlsa_base_expanded")                                                   \
    XX(TLSA_BASE_ORIGINAL, "tlsa_base_original")                                                   \
    XX(MX_EXCLUDED, "mx_excluded")

enum scan_note_bit {
#define XX(id, str) SCAN_NOTE_BIT_##id,
    SCAN_NOTE_MAP(XX)
#undef XX
};

struct scan_mx {
    uint16_t pref;
    uint8_t ip_literal;
    uint8_t excluded; /* on the exclusion list: not looked up, not probed */
    char host[256];
    struct rsv_host *h; /* reference held until the domain is freed */
};

struct scan_domain;

/* Called once when every lookup of the domain has ended. */
typedef void (*scan_domain_done_cb)(struct scan_domain *d);

struct mxp_ctx;
struct mxp_entry;
struct excl_list;
struct sts_fetcher;
struct sts_policy;

/* Everything the services a domain uses; owned by the pipeline. */
struct scan_env {
    struct rsv_ctx *rsv;
    struct rsv_hostcache *hosts;
    struct mxp_ctx *mxp; /* NULL: no STARTTLS stage */
    uint16_t smtp_port;
    int allow_private;
    struct excl_list *excl;  /* may be NULL; replaced on SIGHUP between domains' uses */
    struct sts_fetcher *sts; /* NULL: no MTA-STS policy fetches */
    int allow_private_sts;   /* the policy host may be on a private address (test worlds) */
    /* Stores a content-addressed blob (policy text); may be NULL. */
    void (*blob_cb)(void *arg, const char *key, const void *data, size_t len);
    void *blob_arg;
    uint64_t sts_fetches;      /* policy fetches started */
    uint64_t sts_fetch_errors; /* ... that ended without a policy body */
};

/* The MTA-STS policy of a domain with one valid _mta-sts record (RFC 8461 §3). */
struct scan_sts {
    const char *error; /* fetch or policy failure code, NULL when a policy was parsed */
    int fetched;       /* a 200 body arrived */
    int ct_ok;
    char content_type[128];
    char policy_id[72];        /* "policy:<sha256 of the body>" */
    struct sts_policy *policy; /* parsed body, when fetched */
};

#define SCAN_MAX_IPS 8

/* One (MX host, IP) of the domain and the probes that answer for it. */
struct scan_probe {
    uint8_t mx;             /* index in mx[] */
    uint8_t ip;             /* index in the host's addresses */
    const char *skip;       /* not probed: why (address class) */
    struct mxp_entry *main; /* the handshake with the DANE (or only) SNI */
    struct mxp_entry *pkix; /* a second handshake with SNI = MX name, or NULL */
};

struct scan_domain {
    struct scan_env *env;
    scan_domain_done_cb done;
    void *owner;               /* the pipeline's, untouched here */
    struct scan_domain *hnext; /* the pipeline's in-flight set */
    uint64_t lineno;
    char name[256];
    int pending;
    enum scan_mx_kind mx_kind;
    enum scan_dnssec mx_dnssec;
    const char *error;
    int mx_ede;
    int mx_cd_retry;
    uint32_t notes;
    int n_mx;
    struct scan_mx mx[SCAN_MAX_MX];
    int stage; /* 0: DNS lookups, 1: STARTTLS probes */
    int n_probes;
    struct scan_probe *probes; /* allocated for the probe stage */
    enum scan_txt sts_state, rpt_state;
    struct sts_txt_result sts;
    struct scan_sts *stsp; /* allocated when a policy is fetched */
    struct tlsrpt_result rpt;
};

/* Starts every lookup for d (name, env, done set by the caller). `done` may run before this
 * returns. */
void scan_domain_start(struct scan_domain *d);

/*
 * Fills `r` from a finished domain. Strings point into d, into static
 * tables, or into `scratch` (which must not change while r is used).
 */
void scan_domain_record(const struct scan_domain *d, struct out_record *r, struct ms_buf *scratch,
                        char *numbuf, size_t numbuf_size);

/* Starts the probes of a domain whose DNS stage is done; returns how many are pending. */
int scan_domain_probe(struct scan_domain *d);

/* Starts the policy host lookup and fetch of a domain whose _mta-sts record is valid. */
void scan_domain_sts_start(struct scan_domain *d);

/* Frees the policy state (part of scan_domain_release). */
void scan_domain_sts_release(struct scan_domain *d);

/* Drops the probe references (part of scan_domain_release). */
void scan_domain_probe_release(struct scan_domain *d);

/* Ends one of the domain's outstanding lookups or probes (for domain_probe.c). */
void scan_domain_unref(struct scan_domain *d);

/* Drops the host and probe references a finished domain holds. */
void scan_domain_release(struct scan_domain *d);

#endif
