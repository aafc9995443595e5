/* addrpolicy.c: special-purpose address ranges (RFC 6890 registries) the scanner keeps away from.
 */
#include "scanner/addrpolicy.h"

#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>

struct range4 {
    uint32_t net;
    int len;
    enum addr_class cls;
};

static const struct range4 v4[] = {
    {0x00000000, 32, ADDR_UNSPECIFIED}, {0xffffffff, 32, ADDR_UNSPECIFIED},
    {0x00000000, 8, ADDR_RESERVED},     {0x0a000000, 8, ADDR_PRIVATE},
    {0x64400000, 10, ADDR_PRIVATE},     {0x7f000000, 8, ADDR_LOOPBACK},
    {0xa9fe0000, 16, ADDR_LINKLOCAL},   {0xac100000, 12, ADDR_PRIVATE},
    {0xc0000000, 24, ADDR_RESERVED},    {0xc0000200, 24, ADDR_RESERVED},
    {0xc0586300, 24, ADDR_RESERVED},    {0xc0a80000, 16, ADDR_PRIVATE},
    {0xc6120000, 15, ADDR_RESERVED},    {0xc6336400, 24, ADDR_RESERVED},
    {0xcb007100, 24, ADDR_RESERVED},    {0xe0000000, 4, ADDR_MULTICAST},
    {0xf0000000, 4, ADDR_RESERVED},
};

static enum addr_class classify4(uint32_t a)
{
    for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
        uint32_t mask = v4[i].len == 0 ? 0 : 0xffffffffu << (32 - v4[i].len);
        if ((a & mask) == v4[i].net)
            return v4[i].cls;
    }
    return ADDR_PUBLIC;
}

static enum addr_class classify6(const uint8_t *a)
{
    static const uint8_t zero[16], loop[16] = {[15] = 1};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (memcmp(a, zero, 16) == 0)
        return ADDR_UNSPECIFIED;
    if (memcmp(a, loop, 16) == 0)
        return ADDR_LOOPBACK;
    if (memcmp(a, mapped, 12) == 0)
        return classify4((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 |
                         a[15]);
    if (a[0] == 0xff)
        return ADDR_MULTICAST;
    if ((a[0] & 0xfe) == 0xfc)
        return ADDR_PRIVATE; /* fc00::/7 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return ADDR_LINKLOCAL; /* fe80::/10 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return ADDR_RESERVED; /* 2001:db8::/32 documentation */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02)
        return ADDR_RESERVED; /* 2001::/23 IETF protocol assignments */
    if (a[0] == 0x01 && a[1] == 0x00 && memcmp(a + 2, zero, 6) == 0)
        return ADDR_RESERVED; /* 100::/64 discard-only */
    if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
        return ADDR_RESERVED; /* 3fff::/20 documentation (RFC 9637) */
    if ((a[0] & 0xe0) != 0x20)
        return ADDR_RESERVED; /* outside 2000::/3, the global unicast space */
    return ADDR_PUBLIC;
}

enum addr_class addr_classify(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, ip, &a4) == 1)
        return classify4(ntohl(a4.s_addr));
    if (inet_pton(AF_INET6, ip, &a6) == 1)
        return classify6(a6.s6_addr);
    return ADDR_INVALID;
}

const char *addr_class_str(enum addr_class c)
{
    static const char *const names[] = {
        "public_address",   "private_address",   "loopback_address",    "linklocal_address",
        "reserved_address", "multicast_address", "unspecified_address", "invalid_address"};
    return (size_t)c < sizeof(names) / sizeof(names[0]) ? names[c] : "invalid_address";
}

int addr_allowed(enum addr_class c, int allow_private)
{
    switch (c) {
    case ADDR_PUBLIC:
        return 1;
    case ADDR_PRIVATE:
    case ADDR_LOOPBACK:
    case ADDR_LINKLOCAL:
    case ADDR_RESERVED:
        return allow_private;
    default:
        return 0;
    }
}
