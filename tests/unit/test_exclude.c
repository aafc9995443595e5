/* test_exclude.c: exclusion list parsing and lookups (domains with subdomains, IPv4/IPv6 blocks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"
#include "scanner/exclude.h"
#include "tests/unit/harness.h"

static const char *write_tmp(const char *text)
{
    static char path[64];
    int fd;
    FILE *fp;

    snprintf(path, sizeof(path), "/tmp/ms-test-excl-XXXXXX");
    fd = mkstemp(path);
    fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

int main(void)
{
    struct excl_list *l = NULL;
    size_t bad = 0, nd, nb;
    const char *p = write_tmp("# operators who asked not to be scanned\n"
                              "Example.ORG.\n"
                              "mail.example.net   # one host only\n"
                              "192.0.2.0/24\n"
                              "198.51.100.7\n"
                              "2001:db8:1::/48\n"
                              "10.0.0.0/7\n"
                              "\n");

    CHECK_INT(excl_load(p, &l, &bad), 0);
    unlink(p);
    excl_counts(l, &nd, &nb);
    CHECK_INT(nd, 2);
    CHECK_INT(nb, 4);
    CHECK_INT(excl_domain(l, "example.org"), 1);
    CHECK_INT(excl_domain(l, "mx.sub.example.org"), 1);
    CHECK_INT(excl_domain(l, "notexample.org"), 0);
    CHECK_INT(excl_domain(l, "org"), 0);
    CHECK_INT(excl_domain(l, "mail.example.net"), 1);
    CHECK_INT(excl_domain(l, "example.net"), 0);
    CHECK_INT(excl_addr(l, "192.0.2.200"), 1);
    CHECK_INT(excl_addr(l, "192.0.3.1"), 0);
    CHECK_INT(excl_addr(l, "198.51.100.7"), 1);
    CHECK_INT(excl_addr(l, "198.51.100.8"), 0);
    CHECK_INT(excl_addr(l, "11.255.255.255"), 1); /* 10.0.0.0/7 covers 10/8 and 11/8 */
    CHECK_INT(excl_addr(l, "12.0.0.0"), 0);
    CHECK_INT(excl_addr(l, "2001:db8:1:ffff::25"), 1);
    CHECK_INT(excl_addr(l, "2001:db8:2::25"), 0);
    CHECK_INT(excl_addr(l, "::ffff:192.0.2.1"), 0); /* families are not mixed */
    CHECK_INT(excl_addr(l, "not-an-ip"), 0);
    excl_free(l);

    /* A bad line is reported with its number and nothing is loaded. */
    p = write_tmp("ok.example\n10.0.0.0/33\n");
    CHECK_INT(excl_load(p, &l, &bad), MS_ESYNTAX);
    CHECK_INT(bad, 2);
    CHECK(l == NULL);
    unlink(p);
    p = write_tmp("bad..name\n");
    CHECK_INT(excl_load(p, &l, &bad), MS_ESYNTAX);
    CHECK_INT(bad, 1);
    unlink(p);
    CHECK_INT(excl_load("/nonexistent/mtascope-excl", &l, &bad), MS_EIO);
    CHECK_INT(excl_domain(NULL, "a.b"), 0);
    CHECK_INT(excl_addr(NULL, "1.2.3.4"), 0);
    return th_report("test_exclude");
}
