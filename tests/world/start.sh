#!/bin/sh
# start.sh: starts the test world in DIR (made by worldgen.py gen): NSD, the lame NSD, unbound,
# and ms-smtpd (the SMTP listeners of DIR/smtpd.conf) when MS_SMTPD names its binary; as root, the
# world's Postfix instance too when the world has one (tests/world/postfix/pfctl.sh); nginx, the
# MTA-STS policy hosts of DIR/sts/nginx.conf, when the world has them (tests/world/sts/).
#
#   start.sh DIR          WORLD_PORT=P overrides the DNS port, WORLD_SMTP_PORT=P the SMTP port,
#                         WORLD_HTTPS_PORT=P the policy hosts' port;
#                         WORLD_TIMEOUT=S the wait (default 20 s); MS_SMTPD=/path/to/ms-smtpd
#
# Idempotent: when both daemons of DIR already run and answer, it only says so. Runs as root or as
# an ordinary user alike: high port, every file in DIR, no chroot, no privilege drop.
set -eu

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
if [ ! -f "$1/world.json" ]; then
    echo "start.sh: $1 is not a world (no world.json); run worldgen.py gen" >&2
    exit 2
fi
DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${WORLD_TIMEOUT:-20}
# nsd and unbound live in /usr/sbin, which an ordinary user's PATH often lacks on Debian.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

# alive PIDNAME PROG: DIR/run/PIDNAME.pid names a live process of program PROG.
alive() {
    pid=$(head -n 1 "$DIR/run/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] || return 1
    # NSD retitles its processes ("nsd: xfrd", "nsd: main"), so match the prefix.
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in "$2"*) return 0 ;; *) return 1 ;; esac
}

fail() {
    echo "start.sh: $*" >&2
    for log in "$DIR/log/nsd.log" "$DIR/log/nsd-lame.log" "$DIR/log/unbound.log" "$DIR/log/smtpd.log" \
               "$DIR/log/nginx.log"; do
        [ -f "$log" ] && { echo "--- tail of $log" >&2; tail -n 20 "$log" >&2; }
    done
    exit 1
}

# probe_name: the deepest signed zone (listed last); its SOA must come back with the AD bit.
probe_name() {
    echo "${SIGNED_ZONES##* }"
}

# wait_for DESC CMD...: retries CMD every 0.2 s until it succeeds or TIMEOUT passes.
wait_for() {
    desc=$1; shift
    tries=$((TIMEOUT * 5))
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || fail "$desc did not come up within ${TIMEOUT}s"
        sleep 0.2
    done
}

nsd_answers() {
    dig @"$NSD_ADDR" -p "$WORLD_PORT" +norec +time=1 +tries=1 . SOA | grep -q 'status: NOERROR'
}

lame_nsd_refuses() {
    dig @"$LAME_ADDR" -p "$WORLD_PORT" +norec +time=1 +tries=1 . SOA | grep -q 'status: REFUSED'
}

resolver_validates() {
    for a in $RESOLVER_ADDRS; do
        dig @"$a" -p "$WORLD_PORT" +dnssec +time=1 +tries=1 "$(probe_name)" SOA \
            | grep -q '^;; flags:.* ad[ ;]' || return 1
    done
}

# Configs name DIR and the ports: re-render them unless a daemon already runs from them.
if ! alive nsd nsd && ! alive nsd-lame nsd && ! alive unbound unbound && ! alive ms-smtpd ms-smtpd &&
    ! alive nginx nginx; then
    python3 "$HERE/worldgen.py" config --out "$DIR" ${WORLD_PORT:+--port "$WORLD_PORT"} \
        ${WORLD_SMTP_PORT:+--smtp-port "$WORLD_SMTP_PORT"} \
        ${WORLD_HTTPS_PORT:+--https-port "$WORLD_HTTPS_PORT"}
fi
# shellcheck source=/dev/null
. "$DIR/world.env"

if ! alive nsd nsd; then
    nsd -c "$DIR/nsd.conf" || fail "nsd did not start"
fi
# The lame zones' server: an NSD without zones, so it REFUSES (worldgen.py unbound_conf says why).
if ! alive nsd-lame nsd; then
    nsd -c "$DIR/nsd-lame.conf" || fail "nsd (lame server) did not start"
fi
# unbound must not ask NSD before it listens: a failed first query would be cached as SERVFAIL.
wait_for "nsd on $NSD_ADDR@$WORLD_PORT" nsd_answers
wait_for "lame nsd on $LAME_ADDR@$WORLD_PORT" lame_nsd_refuses
if ! alive unbound unbound; then
    unbound -c "$DIR/unbound.conf" || fail "unbound did not start"
fi
wait_for "unbound on $RESOLVER_ADDRS port $WORLD_PORT (AD for $(probe_name) SOA)" resolver_validates

# ms-smtpd writes its pidfile once every listener is bound; it exits at once when one cannot be.
wait_smtpd() {
    tries=$((TIMEOUT * 5))
    until alive ms-smtpd ms-smtpd; do
        # ($1 may also be a setsid that forked, when start.sh runs with job control: a grace period)
        if ! kill -0 "$1" 2>/dev/null; then
            sleep 1
            alive ms-smtpd ms-smtpd && return 0
            fail "ms-smtpd exited at start"
        fi
        tries=$((tries - 1))
        [ $tries -gt 0 ] || fail "ms-smtpd did not come up within ${TIMEOUT}s"
        sleep 0.2
    done
}
smtp_note="no SMTP listeners"
if [ -s "$DIR/smtpd.conf" ] && [ "${SMTP_LISTENERS:-0}" -gt 0 ]; then
    if [ -z "${MS_SMTPD:-}" ]; then
        smtp_note="SMTP part skipped: MS_SMTPD is not set"
        echo "start.sh: note: $smtp_note (world.cmake passes the built ms-smtpd)" >&2
    else
        if ! alive ms-smtpd ms-smtpd; then
            # Its own session, stdio on files: ctest must not wait for it or signal it.
            setsid "$MS_SMTPD" --config "$DIR/smtpd.conf" --stats "$DIR/smtpd-stats.json" \
                --pidfile "$DIR/run/ms-smtpd.pid" </dev/null >>"$DIR/log/smtpd.log" 2>&1 &
            wait_smtpd $!
        fi
        smtp_note="ms-smtpd: $SMTP_LISTENERS listeners on port $WORLD_SMTP_PORT"
    fi
fi
# The Postfix listeners and posttls-finger's port-53 resolver (tests/world/postfix/pfctl.sh): only in
# a world generated as root with Postfix installed (worldgen.py --postfix).
if [ -n "${POSTFIX_LISTENERS:-}" ]; then
    "$HERE/postfix/pfctl.sh" start "$DIR" >/dev/null || fail "the Postfix part did not start"
    smtp_note="$smtp_note; Postfix: $POSTFIX_LISTENERS listeners, posttls-finger resolver $FINGER_RESOLVER@53"
fi
# The MTA-STS policy hosts: one private nginx (config, pid, logs and temp files in DIR). It binds
# every server before it daemonizes, so a zero exit means the listeners are up; the pidfile comes
# from the daemon a moment later. Its own session and stdio on a file, like ms-smtpd.
if [ -n "${STS_POLICY_HOSTS:-}" ]; then
    if ! alive nginx nginx; then
        # shellcheck disable=SC2094   # nginx's own error log (-e) and its stdio are the same file
        nginx -t -q -p "$DIR/sts/" -c "$DIR/sts/nginx.conf" -e "$DIR/log/nginx.log" \
            </dev/null >>"$DIR/log/nginx.log" 2>&1 || fail "nginx: $DIR/sts/nginx.conf does not load"
        # shellcheck disable=SC2094
        setsid nginx -p "$DIR/sts/" -c "$DIR/sts/nginx.conf" -e "$DIR/log/nginx.log" \
            </dev/null >>"$DIR/log/nginx.log" 2>&1 || fail "nginx did not start"
        wait_for "nginx's pidfile" alive nginx nginx
    fi
    smtp_note="$smtp_note; nginx: $STS_POLICY_HOSTS MTA-STS policy hosts on port $WORLD_HTTPS_PORT"
fi
echo "start.sh: world $DIR up: nsd $NSD_ADDR@$WORLD_PORT (lame: $LAME_ADDR)," \
    "resolvers $(tr '\n' ' ' < "$DIR/resolvers.txt"); $smtp_note"
