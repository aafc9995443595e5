#!/bin/sh
# sanity.sh: checks that a running test world behaves as designed, zone kind by zone kind.
#
#   sanity.sh DIR         prints one line per failed check and "sanity: N passed, M failed"
#
# What a validating resolver must say: signed zone -> AD; unsigned -> no AD; bogus -> SERVFAIL, and
# NOERROR with CD=1; lame -> SERVFAIL even with CD=1. NSD itself must serve the signed root.
set -u

if [ $# -ne 1 ] || [ ! -f "$1/world.env" ]; then
    echo "usage: $0 DIR (a generated world)" >&2
    exit 2
fi
# shellcheck source=/dev/null
. "$1/world.env"
PASSED=0
FAILED=0

# ask SERVER [dig options] NAME TYPE: the header and flag lines of dig's answer.
ask() {
    server=$1; shift
    dig @"$server" -p "$WORLD_PORT" +dnssec +time=3 +tries=1 "$@" 2>&1
}

# expect DESC OUTPUT STATUS FLAGCHECK: STATUS is the rcode; FLAGCHECK "ad", "no-ad", "aa" or "-".
expect() {
    desc=$1 out=$2 status=$3 flag=$4
    got=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
    flags=$(printf '%s\n' "$out" | sed -n 's/^;; flags: \([^;]*\);.*/ \1 /p')
    ok=1
    [ "$got" = "$status" ] || ok=0
    case $flag in
        ad) case $flags in *" ad "*) ;; *) ok=0 ;; esac ;;
        no-ad) case $flags in *" ad "*) ok=0 ;; esac ;;
        aa) case $flags in *" aa "*) ;; *) ok=0 ;; esac ;;
    esac
    if [ $ok = 1 ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $desc: want $status $flag, got ${got:-no answer} flags [${flags# }]"
    fi
}

# expect_rrsig DESC OUTPUT: the answer section carries an RRSIG.
expect_rrsig() {
    if printf '%s\n' "$2" | grep -q '^[^;].*[[:space:]]RRSIG[[:space:]]'; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $1: no RRSIG in the answer"
    fi
}

check_nsd() {
    out=$(ask "$NSD_ADDR" +norec . DNSKEY)
    expect "nsd . DNSKEY" "$out" NOERROR aa
    expect_rrsig "nsd . DNSKEY" "$out"
    out=$(ask "$NSD_ADDR" +norec . SOA)
    expect_rrsig "nsd . SOA" "$out"
    expect "lame nsd refuses" "$(ask "$LAME_ADDR" +norec . SOA)" REFUSED -
}

check_resolver() {
    r=$1
    for z in $SIGNED_ZONES; do
        expect "$r signed $z SOA" "$(ask "$r" "$z" SOA)" NOERROR ad
    done
    for z in $UNSIGNED_ZONES; do
        expect "$r unsigned $z SOA" "$(ask "$r" "$z" SOA)" NOERROR no-ad
    done
    for z in $BOGUS_ZONES; do
        expect "$r bogus $z SOA" "$(ask "$r" "$z" SOA)" SERVFAIL -
        expect "$r bogus $z SOA +cd" "$(ask "$r" +cd "$z" SOA)" NOERROR no-ad
    done
    for z in $LAME_ZONES; do
        expect "$r lame $z SOA" "$(ask "$r" "$z" SOA)" SERVFAIL -
        expect "$r lame $z SOA +cd" "$(ask "$r" +cd "$z" SOA)" SERVFAIL -
    done
}

check_nsd
for r in $RESOLVER_ADDRS; do
    check_resolver "$r"
done
echo "sanity: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ] && [ $PASSED -gt 0 ]
