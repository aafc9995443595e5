#!/bin/sh
# query.sh: runs mta-sts-query (Debian package postfix-mta-sts-resolver) against the test world in
# DIR, the way the resolver daemon would fetch a policy for Postfix.
#
#   MS_PORT25=/path/to/libms-port25.so query.sh DIR [mta-sts-query options] domain
#
# - DNS: mta-sts-query asks c-ares (the _mta-sts TXT) and getaddrinfo (the policy host), which read
#   /etc/resolv.conf and know port 53 only. It runs in a private mount namespace (unshare -m: the
#   bind mount is invisible to the rest of the machine) where /etc/resolv.conf is
#   DIR/sts/query/resolv.conf: the world's unbound on STS_QUERY_RESOLVER port 53.
# - Port: it fetches https://mta-sts.<domain>/ on port 443; the LD_PRELOAD shim (postfix/port25.c)
#   moves connections to 127.0.0.0/8:443 onto WORLD_HTTPS_PORT, where nginx serves the policy hosts.
# - Trust: Python's ssl trusts SSL_CERT_FILE (the world's root, DIR/pki/ca.pem) and an empty
#   SSL_CERT_DIR, nothing from the system store.
# - Proxies: aiohttp would honour https_proxy and friends; they are removed, so nothing it sends can
#   leave 127.0.0.0/8 (every world address is loopback, its only name server the world's unbound).
# Root only (unshare -m, mount).
set -eu

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
[ $# -ge 2 ] || { echo "usage: MS_PORT25=SHIM $0 DIR [mta-sts-query options] domain" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
shift
# shellcheck source=/dev/null
. "$DIR/world.env"
die() { echo "query.sh: $*" >&2; exit 2; }
[ -n "${STS_QUERY_RESOLVER:-}" ] || die "$DIR has no port-53 resolver for mta-sts-query (generated without root?)"
[ -f "$DIR/sts/query/resolv.conf" ] || die "$DIR/sts/query/resolv.conf missing: regenerate the world"
[ -f "${MS_PORT25:-}" ] || die "MS_PORT25 must name the port shim (libms-port25.so)"

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export MS_QUERY_RESOLV="$DIR/sts/query/resolv.conf"
export MS_PORT443_TO="$WORLD_HTTPS_PORT"
export SSL_CERT_FILE="$DIR/pki/ca.pem"
export SSL_CERT_DIR="$DIR/sts/query/certs"
# shellcheck disable=SC2016   # expanded by the inner shell, inside the namespace
exec unshare --mount --propagation private sh -c '
    mount --bind "$MS_QUERY_RESOLV" /etc/resolv.conf || exit 125
    exec env LD_PRELOAD="$MS_PORT25" mta-sts-query "$@"
' query.sh "$@"
