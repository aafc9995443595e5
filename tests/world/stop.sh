#!/bin/sh
# stop.sh: stops the test world's unbound, NSDs, ms-smtpd, nginx and Postfix started from DIR and
# waits until they have exited (ms-smtpd writes DIR/smtpd-stats.json on the way out).
#
#   stop.sh DIR
#
# Only the processes named in DIR's pidfiles are signalled, and only if they still are that program.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# PIDNAME:PROG; nginx's master (SIGTERM: fast shutdown, slow transfers are cut) takes its workers along
DAEMONS="unbound:unbound nsd:nsd nsd-lame:nsd ms-smtpd:ms-smtpd nginx:nginx"

# pid_of PIDNAME PROG: the pid in DIR/run/PIDNAME.pid if it is a live process of PROG.
pid_of() {
    pid=$(head -n 1 "$DIR/run/$1.pid" 2>/dev/null)
    [ -n "$pid" ] || return 1
    # NSD retitles its processes ("nsd: xfrd", "nsd: main"), so match the prefix.
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in "$2"*) echo "$pid" ;; *) return 1 ;; esac
}

# DIR's own Postfix instance, if it has one (pfctl.sh signals only the master of DIR/postfix).
"$HERE/postfix/pfctl.sh" stop "$DIR" || echo "stop.sh: $DIR's Postfix is still running" >&2

# All get SIGTERM at once (NSD takes a few seconds to exit), then each gets up to 10 s.
pids=
for d in $DAEMONS; do
    if pid=$(pid_of "${d%%:*}" "${d#*:}"); then
        kill "$pid" 2>/dev/null || true
        pids="$pids $pid:${d%%:*}"
    fi
done
for p in $pids; do
    pid=${p%%:*}
    n=50
    while [ -d "/proc/$pid" ] && [ $n -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
    if [ -d "/proc/$pid" ]; then
        echo "stop.sh: ${p#*:} (pid $pid) ignored SIGTERM; killing" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    echo "stop.sh: stopped ${p#*:} (pid $pid)"
done
for d in $DAEMONS; do rm -f "$DIR/run/${d%%:*}.pid"; done
