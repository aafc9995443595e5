/* test_addrpolicy.c: the special-purpose address table and what --allow-private lifts. */
#include "scanner/addrpolicy.h"
#include "tests/unit/harness.h"

static const struct {
    const char *ip;
    enum addr_class want;
} cases[] = {
    {"8.8.8.8", ADDR_PUBLIC},
    {"192.0.2.1", ADDR_RESERVED},
    {"10.1.2.3", ADDR_PRIVATE},
    {"172.16.0.1", ADDR_PRIVATE},
    {"172.32.0.1", ADDR_PUBLIC},
    {"192.168.9.9", ADDR_PRIVATE},
    {"100.64.0.1", ADDR_PRIVATE},
    {"127.61.0.5", ADDR_LOOPBACK},
    {"169.254.1.1", ADDR_LINKLOCAL},
    {"224.0.0.1", ADDR_MULTICAST},
    {"240.0.0.1", ADDR_RESERVED},
    {"255.255.255.255", ADDR_UNSPECIFIED},
    {"0.0.0.0", ADDR_UNSPECIFIED},
    {"0.1.2.3", ADDR_RESERVED},
    {"198.18.0.1", ADDR_RESERVED},
    {"2a00:1450::1", ADDR_PUBLIC},
    {"::1", ADDR_LOOPBACK},
    {"::", ADDR_UNSPECIFIED},
    {"::ffff:10.0.0.1", ADDR_PRIVATE},
    {"::ffff:8.8.8.8", ADDR_PUBLIC},
    {"fd00::1", ADDR_PRIVATE},
    {"fe80::1", ADDR_LINKLOCAL},
    {"ff02::1", ADDR_MULTICAST},
    {"2001:db8::25", ADDR_RESERVED},
    {"2001:0:1::1", ADDR_RESERVED},
    {"3fff::1", ADDR_RESERVED},
    {"2c0f:fb50::1", ADDR_PUBLIC},
    {"4000::1", ADDR_RESERVED},
    {"mx.example", ADDR_INVALID},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(addr_class_str(addr_classify(cases[i].ip)), addr_class_str(cases[i].want));
    CHECK_INT(addr_allowed(ADDR_PUBLIC, 0), 1);
    CHECK_INT(addr_allowed(ADDR_LOOPBACK, 0), 0);
    CHECK_INT(addr_allowed(ADDR_LOOPBACK, 1), 1);
    CHECK_INT(addr_allowed(ADDR_PRIVATE, 1), 1);
    CHECK_INT(addr_allowed(ADDR_MULTICAST, 1), 0);
    CHECK_INT(addr_allowed(ADDR_UNSPECIFIED, 1), 0);
    CHECK_INT(addr_allowed(ADDR_INVALID, 1), 0);
    return th_report("test_addrpolicy");
}
