/* port25.c: an LD_PRELOAD shim for posttls-finger: connect() to port 25 on a loopback address goes
 * to port $MS_PORT25_TO instead. The same for port 443 and $MS_PORT443_TO, for mta-sts-query
 * (tests/world/sts/query.sh): it fetches https://mta-sts.<domain>/ on port 443 only, while the
 * world's policy hosts listen on WORLD_HTTPS_PORT (a fixed 443 would clash between two worlds).
 *
 * Why: the world's SMTP servers listen on one high port (WORLD_SMTP_PORT), but Postfix derives the
 * TLSA owner name from the port it connects to (_PORT._tcp.<base>, RFC 6698 3), so
 * `posttls-finger domain:3225` would ask for _3225._tcp records the scanner never reads. With this
 * shim posttls-finger is given the plain domain, looks up _25._tcp exactly like the scanner and a
 * real sender, and only the TCP connection is moved to the world's port. Addresses outside
 * 127.0.0.0/8 and ports other than 25 and 443 are passed through untouched (nothing else is
 * rewritten), and each port moves only when its variable is set: posttls-finger's 443 and
 * mta-sts-query's 25 stay where they are.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

/* target_port: the port from the variable in network byte order, or 0 when unset or invalid. */
static in_port_t target_port(const char *var)
{
    const char *s = getenv(var);
    char *end;
    long p;

    if (s == NULL || *s == '\0')
        return 0;
    p = strtol(s, &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535)
        return 0;
    return htons((in_port_t)p);
}

/* is_loopback_port: an IPv4 loopback destination on port `port` (host byte order). */
static int is_loopback_port(const struct sockaddr *sa, socklen_t len, in_port_t port)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

    if (sa == NULL || len < (socklen_t)sizeof *sin || sa->sa_family != AF_INET)
        return 0;
    return sin->sin_port == htons(port) && (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

/* moved_port: the port a loopback connection to 25 or 443 goes to instead, or 0 (untouched). */
static in_port_t moved_port(const struct sockaddr *sa, socklen_t len)
{
    if (is_loopback_port(sa, len, 25))
        return target_port("MS_PORT25_TO");
    if (is_loopback_port(sa, len, 443))
        return target_port("MS_PORT443_TO");
    return 0;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    static connect_fn real_connect;
    struct sockaddr_in moved;
    in_port_t to;

    if (real_connect == NULL)
        real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
    if (real_connect == NULL) {
        errno = ENOSYS;
        return -1;
    }
    to = moved_port(sa, len);
    if (to == 0)
        return real_connect(fd, sa, len);
    memcpy(&moved, sa, sizeof moved);
    moved.sin_port = to;
    return real_connect(fd, (const struct sockaddr *)&moved, sizeof moved);
}
