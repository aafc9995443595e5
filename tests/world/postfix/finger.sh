#!/bin/sh
# finger.sh: runs Postfix's posttls-finger against the test world in DIR, the way a real sender
# would see it.
#
#   MS_PORT25=/path/to/libms-port25.so finger.sh DIR [posttls-finger options] destination
#
# - DNS: posttls-finger resolves through libc, which reads /etc/resolv.conf and knows port 53 only.
#   It runs in a private mount namespace (unshare -m: the bind mount is invisible to the rest of the
#   machine) where /etc/resolv.conf is DIR/postfix/finger/resolv.conf: the world's validating
#   unbound on FINGER_RESOLVER port 53, with trust-ad so glibc keeps the AD bit.
# - Port: Postfix derives the TLSA owner from the port it connects to (_PORT._tcp, RFC 6698 3), so
#   it is given the plain destination (port 25, _25._tcp records, as the scanner reads them) and the
#   LD_PRELOAD shim port25.c moves connections to 127.0.0.0/8:25 onto WORLD_SMTP_PORT.
# - Config: MAIL_CONFIG=DIR/postfix/finger (DNSSEC on, IPv4 only, its own name fixed).
# Root only (unshare -m, mount). Nothing it sends can leave 127.0.0.0/8: every world address is
# loopback and the only name server it knows is the world's unbound.
set -eu

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
[ $# -ge 2 ] || { echo "usage: MS_PORT25=SHIM $0 DIR [posttls-finger options] destination" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
shift
# shellcheck source=/dev/null
. "$DIR/world.env"
die() { echo "finger.sh: $*" >&2; exit 2; }
[ -n "${FINGER_RESOLVER:-}" ] || die "$DIR has no Postfix part (generated without root?)"
[ -f "${MS_PORT25:-}" ] || die "MS_PORT25 must name the port25 shim (libms-port25.so)"

export MS_FINGER_RESOLV="$DIR/postfix/finger/resolv.conf"
export MS_FINGER_CONFIG="$DIR/postfix/finger"
export MS_PORT25_TO="$WORLD_SMTP_PORT"
# shellcheck disable=SC2016   # expanded by the inner shell, inside the namespace
exec unshare --mount --propagation private sh -c '
    mount --bind "$MS_FINGER_RESOLV" /etc/resolv.conf || exit 125
    exec env MAIL_CONFIG="$MS_FINGER_CONFIG" LD_PRELOAD="$MS_PORT25" posttls-finger "$@"
' finger.sh "$@"
