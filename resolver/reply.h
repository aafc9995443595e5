/* reply.h: reading what a DNS reply says about one name: CNAME chain, records, security. */
#ifndef MS_RESOLVER_REPLY_H
#define MS_RESOLVER_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#define RSV_MAX_CNAME_HOPS 16

/*
 * The answer section seen from `qname`: the CNAME chain is followed (at most
 * RSV_MAX_CNAME_HOPS) and `rrs` lists the records of the asked type owned by
 * the chain's final name. Record order is the reply's.
 */
struct rsv_rrset {
    int cname_hops;       /* 0 when the name is not an alias */
    int cname_loop;       /* the chain was cut (loop or too long) */
    char final_name[256]; /* presentation form, lowercase, no trailing dot */
    ldns_rr *rrs[64];     /* borrowed from the packet: valid while it lives */
    int n;
    int truncated; /* more than 64 records: the rest are ignored */
};

/* Fills `out` from `pkt` for `qname` and `type`. Never fails: no match gives n == 0. */
void rsv_rrset_extract(ldns_pkt *pkt, const char *qname, uint16_t type, struct rsv_rrset *out);

/*
 * Joins the character-strings of a TXT record into `out` (RFC 8461 §3.1:
 * no separator). Returns the length, at most outsz (never NUL-terminated:
 * TXT data may contain NUL).
 */
size_t rsv_txt_join(const ldns_rr *rr, char *out, size_t outsz);

/* Writes a domain-name rdf in lowercase presentation form without the trailing dot ("." for root).
 */
void rsv_dname_str(const ldns_rdf *rdf, char *out, size_t outsz);

/* First Extended DNS Error info-code in the reply's OPT record, or -1. */
int rsv_reply_ede(ldns_pkt *pkt);

/* Normalises a presentation name: lowercase, no trailing dot. */
void rsv_name_normalise(const char *in, char *out, size_t outsz);

/*
 * Returns the offset just past the answer section of the DNS message `wire`
 * (len bytes), or 0 when the message is malformed. Every length is checked
 * against len (RFC 1035 §4.1; compression pointers are skipped, not followed).
 */
size_t rsv_wire_answer_end(const uint8_t *wire, size_t len);

#endif
