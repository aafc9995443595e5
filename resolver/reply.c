/* reply.c: reading a parsed DNS reply: CNAME chains, record sets, TXT strings, EDE. */
#include "resolver/reply.h"

#include <stdio.h>
#include <string.h>

void rsv_name_normalise(const char *in, char *out, size_t outsz)
{
    size_t n = strlen(in), i;

    if (n > 1 && in[n - 1] == '.')
        n--;
    if (n >= outsz)
        n = outsz - 1;
    for (i = 0; i < n; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
}

void rsv_dname_str(const ldns_rdf *rdf, char *out, size_t outsz)
{
    const uint8_t *d = ldns_rdf_data(rdf);
    size_t len = ldns_rdf_size(rdf), pos = 0, o = 0;

    out[0] = '\0';
    if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME || len == 0 || outsz < 2)
        return;
    while (pos < len && d[pos] != 0) {
        size_t lab = d[pos++];
        if (pos + lab > len)
            break;
        if (o > 0 && o + 1 < outsz)
            out[o++] = '.';
        for (size_t i = 0; i < lab; i++, pos++) {
            unsigned char c = d[pos];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            /* RFC 4343 §2.1: anything outside LDH and '_' is written as \DDD. */
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '*') {
                if (o + 1 >= outsz)
                    goto done;
                out[o++] = (char)c;
            } else {
                if (o + 4 >= outsz)
                    goto done;
                snprintf(out + o, 5, "\\%03u", c);
                o += 4;
            }
        }
    }
    if (o == 0 && outsz > 1)
        out[o++] = '.';
done:
    out[o] = '\0';
}

static int owner_is(const ldns_rr *rr, const char *name)
{
    char owner[256];

    rsv_dname_str(ldns_rr_owner(rr), owner, sizeof(owner));
    return strcmp(owner, name) == 0;
}

/* Returns the CNAME record owned by `name` in `answer`, or NULL. */
static ldns_rr *find_cname(const ldns_rr_list *answer, const char *name)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
        ldns_rr *rr = ldns_rr_list_rr(answer, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1 &&
            owner_is(rr, name))
            return rr;
    }
    return NULL;
}

void rsv_rrset_extract(ldns_pkt *pkt, const char *qname, uint16_t type, struct rsv_rrset *out)
{
    const ldns_rr_list *answer = ldns_pkt_answer(pkt);
    ldns_rr *cname;

    memset(out, 0, sizeof(*out));
    rsv_name_normalise(qname, out->final_name, sizeof(out->final_name));
    if (answer == NULL)
        return;
    while (type != LDNS_RR_TYPE_CNAME && (cname = find_cname(answer, out->final_name)) != NULL) {
        if (out->cname_hops == RSV_MAX_CNAME_HOPS) {
            out->cname_loop = 1;
            return;
        }
        out->cname_hops++;
        rsv_dname_str(ldns_rr_rdf(cname, 0), out->final_name, sizeof(out->final_name));
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
        ldns_rr *rr = ldns_rr_list_rr(answer, i);
        if (ldns_rr_get_type(rr) != type || !owner_is(rr, out->final_name))
            continue;
        if (out->n == (int)(sizeof(out->rrs) / sizeof(out->rrs[0]))) {
            out->truncated = 1;
            break;
        }
        out->rrs[out->n++] = rr;
    }
}

size_t rsv_txt_join(const ldns_rr *rr, char *out, size_t outsz)
{
    size_t o = 0;

    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
        const uint8_t *d = ldns_rdf_data(rdf);
        size_t sz = ldns_rdf_size(rdf), n;

        /* A character-string is a length octet and that many bytes (RFC 1035 §3.3). */
        if (sz == 0)
            continue;
        n = d[0];
        if (n > sz - 1)
            n = sz - 1;
        if (n > outsz - o)
            n = outsz - o;
        memcpy(out + o, d + 1, n);
        o += n;
    }
    return o;
}

int rsv_reply_ede(ldns_pkt *pkt)
{
    ldns_edns_option_list *list;

    if (!ldns_pkt_edns(pkt))
        return -1;
    list = ldns_pkt_edns_get_option_list(pkt);
    if (list == NULL)
        return -1;
    for (size_t i = 0; i < ldns_edns_option_list_get_count(list); i++) {
        ldns_edns_option *opt = ldns_edns_option_list_get_option(list, i);
        if (opt != NULL && ldns_edns_get_code(opt) == LDNS_EDNS_EDE &&
            ldns_edns_get_size(opt) >= 2) {
            const uint8_t *d = ldns_edns_get_data(opt);
            return (d[0] << 8) | d[1];
        }
    }
    return -1;
}

/* Skips a possibly compressed name at *pos; returns -1 if it runs past len. */
static int skip_name(const uint8_t *w, size_t len, size_t *pos)
{
    size_t p = *pos;

    while (p < len) {
        uint8_t c = w[p];
        if (c == 0) {
            *pos = p + 1;
            return 0;
        }
        if ((c & 0xc0) == 0xc0) {
            if (p + 2 > len)
                return -1;
            *pos = p + 2;
            return 0;
        }
        if ((c & 0xc0) != 0)
            return -1;
        p += (size_t)c + 1;
    }
    return -1;
}

size_t rsv_wire_answer_end(const uint8_t *w, size_t len)
{
    size_t pos = 12;
    unsigned qd, an;

    if (len < 12)
        return 0;
    qd = (unsigned)(w[4] << 8 | w[5]);
    an = (unsigned)(w[6] << 8 | w[7]);
    for (unsigned i = 0; i < qd; i++) {
        if (skip_name(w, len, &pos) != 0 || pos + 4 > len)
            return 0;
        pos += 4;
    }
    for (unsigned i = 0; i < an; i++) {
        size_t rdlen;
        if (skip_name(w, len, &pos) != 0 || pos + 10 > len)
            return 0;
        rdlen = (size_t)(w[pos + 8] << 8 | w[pos + 9]);
        pos += 10;
        if (pos + rdlen > len)
            return 0;
        pos += rdlen;
    }
    return pos;
}
