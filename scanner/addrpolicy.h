/* addrpolicy.h: which destination addresses the scanner may connect to. */
#ifndef MS_SCANNER_ADDRPOLICY_H
#define MS_SCANNER_ADDRPOLICY_H

enum addr_class {
    ADDR_PUBLIC = 0,
    ADDR_PRIVATE,  /* RFC 1918, RFC 6598 shared, RFC 4193 unique-local */
    ADDR_LOOPBACK, /* 127.0.0.0/8, ::1 */
    ADDR_LINKLOCAL,
    ADDR_RESERVED, /* documentation, benchmarking, 0/8, 240/4, IETF special-purpose */
    ADDR_MULTICAST,
    ADDR_UNSPECIFIED, /* 0.0.0.0, ::, 255.255.255.255 */
    ADDR_INVALID      /* not an address */
};

/* Classifies an IPv4 or IPv6 literal (IPv4-mapped IPv6 is classified as its IPv4 address). */
enum addr_class addr_classify(const char *ip);

/* The reason code used for a skipped address ("private_address", "loopback_address", ...). */
const char *addr_class_str(enum addr_class c);

/*
 * 1 when the scanner may connect: public addresses always; with
 * allow_private also private, loopback, link-local and reserved ones (test
 * worlds, internal scans); never multicast, unspecified or invalid ones.
 */
int addr_allowed(enum addr_class c, int allow_private);

#endif
