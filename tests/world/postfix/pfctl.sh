#!/bin/sh
# pfctl.sh: starts or stops the test world's private Postfix instance (DIR/postfix/etc, written by
# worldgen.py through worldpostfix.py) and checks the port-53 resolver posttls-finger uses.
#
#   pfctl.sh start DIR     (root only; start.sh calls it when world.env has POSTFIX_LISTENERS)
#   pfctl.sh stop DIR      (stop.sh calls it; a no-op when the instance is not running)
#
# Only the master of DIR's instance is ever signalled (by `postfix -c DIR/postfix/etc stop`, then its
# pid from DIR/postfix/spool/pid/master.pid): the machine's own Postfix, if any, is never touched.
set -eu

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
TIMEOUT=${WORLD_TIMEOUT:-20}

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
ACTION=$1
# A world that does not exist (yet) has no Postfix to stop.
DIR=$(cd "$2" 2>/dev/null && pwd) || { [ "$ACTION" = stop ] && exit 0; echo "pfctl.sh: no $2" >&2; exit 2; }
ETC=$DIR/postfix/etc

die() {
    echo "pfctl.sh: $*" >&2
    log=$DIR/log/postfix.log
    [ -f "$log" ] && { echo "--- tail of $log" >&2; tail -n 20 "$log" >&2; }
    exit 1
}

# master_pid: the pid of DIR's live Postfix master, or nothing (status 1).
master_pid() {
    pid=$(head -n 1 "$DIR/postfix/spool/pid/master.pid" 2>/dev/null | tr -d ' ') || return 1
    [ -n "$pid" ] || return 1
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in master) echo "$pid" ;; *) return 1 ;; esac
}

# finger_resolver_answers: unbound's port-53 address for posttls-finger validates (AD bit).
finger_resolver_answers() {
    dig @"$FINGER_RESOLVER" -p 53 +dnssec +time=1 +tries=1 "${SIGNED_ZONES##* }" SOA \
        | grep -q '^;; flags:.* ad[ ;]'
}

wait_for() {
    desc=$1; shift
    tries=$((TIMEOUT * 5))
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || die "$desc did not come up within ${TIMEOUT}s"
        sleep 0.2
    done
}

start() {
    [ "$(id -u)" -eq 0 ] || die "the world's Postfix part needs root (it was generated as root)"
    command -v postfix >/dev/null || die "postfix is not installed (scripts/bootstrap.sh installs it)"
    [ -f "$ETC/main.cf" ] || die "$ETC/main.cf missing: regenerate the world with worldgen.py"
    # shellcheck source=/dev/null
    . "$DIR/world.env"
    wait_for "unbound on $FINGER_RESOLVER port 53 (for posttls-finger)" finger_resolver_answers
    if pid=$(master_pid); then
        echo "pfctl.sh: Postfix of $DIR already running (master pid $pid)"
        return 0
    fi
    # The data directory (master.lock) must belong to mail_owner; `postfix check` creates the queue
    # directories with their owners and modes.
    mkdir -p "$DIR/postfix/spool" "$DIR/postfix/data"
    chown "$(postconf -c "$ETC" -h mail_owner)" "$DIR/postfix/data"
    postfix -c "$ETC" check || die "postfix check failed"
    # `postfix start` returns once master has bound every listener (master -w), or fails.
    postfix -c "$ETC" start >/dev/null 2>&1 || die "postfix did not start"
    echo "pfctl.sh: Postfix: $POSTFIX_LISTENERS listeners on port $WORLD_SMTP_PORT (master pid $(master_pid))"
}

stop() {
    pid=$(master_pid) || return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "pfctl.sh: $DIR's Postfix (master pid $pid) runs as root: stop it as root" >&2
        return 1
    fi
    postfix -c "$ETC" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    n=50
    while [ -d "/proc/$pid" ] && [ $n -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
    if [ -d "/proc/$pid" ]; then
        echo "pfctl.sh: Postfix master (pid $pid) did not stop; killing" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    echo "pfctl.sh: stopped Postfix (master pid $pid)"
}

case "$ACTION" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
