#!/usr/bin/env python3
"""test_posttls_finger.py: every DANE case of the test world judged twice, by the scanner and by
Postfix's own posttls-finger against the same server; the verdicts must agree, except where
KNOWN_DIFFERENCES says which rule each side follows and why.

  test_posttls_finger.py MTASCOPE WORLD WORK PORT25_SHIM

A DANE case is a row of WORLD/expected_mx.csv whose host has a DNSSEC-secure TLSA RRset or a failed
TLSA lookup (dane other than "none"), served by ms-smtpd or by the world's Postfix instance. The
scanner scans those domains once; posttls-finger (tests/world/postfix/finger.sh: the world's unbound
as its only resolver, port 25 moved to the world's SMTP port) probes each (domain, host, address).
Its log lines are mapped to an mx.csv `dane` verdict by FINGER_RULES.

Exits 77 (CMake SKIP_RETURN_CODE) when not root, without posttls-finger/unshare, or when WORLD was
generated without its Postfix part. Prints "test_posttls_finger: N passed, M failed".
"""
import concurrent.futures
import csv
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, read_csv, run, scan_cmd, world_env  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
FINGER = os.path.join(HERE, "..", "world", "postfix", "finger.sh")
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"

# posttls-finger's log -> our mx.csv `dane` verdict, first match wins. posttls-finger runs at level
# "dane" (-l dane), as Postfix's smtp(8) does for DANE (RFC 7672 2.2). Sources of the texts:
# Postfix 3.7 posttls-finger.c (dane_host_level), tls_dane.c (tls_dane_log), tls_misc.c (summary).
FINGER_RULES = [
    # The TLSA lookup failed (SERVFAIL/bogus): the host is skipped, no connection (RFC 7672 2.1.2).
    (r"TLSA lookup error for ", "lookup_error"),
    # OpenSSL's DANE verifier matched a record: EE at depth 0, TA (certificate or public key) above.
    (r"Matched DANE EE certificate at depth 0", "match_ee"),
    (r"Matched DANE TA (certificate|public key)", "match_ta"),
    # Every record unusable (usages 0/1 ...): posttls-finger drops to level "secure", i.e. PKIX
    # against -F CAfile. Not our `unusable` rule: see KNOWN_DIFFERENCES.
    (r'no usable TLSA records found, resorting to "secure"', "pkix_fallback"),
    (r"no TLSA records found", "none"),
    # A handshake whose chain did not verify against the TLSA records (no match, TA not sent, name
    # or date check failed): a DANE sender defers (RFC 7672 3).
    (r"Untrusted TLS connection established", "nomatch"),
    # Secure TLSA commits the host to STARTTLS (RFC 7672 2.2.3): refused counts as failed.
    (r"STARTTLS rejected: ", "nomatch"),
    # No SMTP session at all (connect failed, 421 greeting): nothing to authenticate.
    (r"SMTP service not available|Failed to establish session|while reading server greeting",
     "no_session"),
]
# A session that ends with QUIT and no STARTTLS line: the EHLO reply did not offer it (2.2.3 again).
NO_STARTTLS = "nomatch"

# Where the scanner and posttls-finger legitimately differ. A difference matches an entry when every
# field it names is equal; any difference matching no entry fails the test.
KNOWN_DIFFERENCES = [
    {
        "id": "unusable-tlsa",
        "scanner": {"dane": "unusable"},
        "finger": {"verdict": "pkix_fallback"},
        "rule": "A secure TLSA RRset whose records are all unusable (here PKIX-TA(0)/PKIX-EE(1), which "
                "SMTP does not use) still makes TLS mandatory, but without authentication.",
        "rfc": "RFC 7672 2.2 (unusable TLSA RRset: TLS required, authentication not), 3.1.3 "
               "(usages 0 and 1 are unusable in SMTP)",
        "follows": "scanner (and Postfix's smtp(8), which downgrades to 'encrypt' in "
                   "smtp_tls_policy.c); posttls-finger instead resorts to 'secure' (PKIX with its "
                   "CAfile), a probing convenience no RFC asks for",
        # So the PKIX half still agrees: posttls-finger's trust must match the scanner's pkix column.
        "also": "pkix_agrees",
    },
    {
        "id": "insecure-mx-nexthop-name",
        "scanner": {"dane": "nomatch", "error": "ta_name_mismatch"},
        "finger": {"verdict": "match_ta", "trust": "Trusted"},
        "rule": "With an insecure MX RRset the next-hop domain may be forged, so for DANE-TA name checks "
                "the MX host (its TLSA base domain) is the only reference identifier.",
        "rfc": "RFC 7672 2.2.1 (insecure MX: DANE for the host only, MX hostname as reference "
               "identifier), 3.2.2 (the next-hop domain is a reference identifier only with a secure "
               "MX RRset)",
        "follows": "scanner; posttls-finger's 'half-dane' level adds the next-hop domain to its match "
                   "names whatever the MX security and logs the result as 'Trusted' (not 'Verified')",
    },
]


# ---------------------------------------------------------------- set-up

def skip(why):
    print(f"test_posttls_finger: skipped: {why}")
    sys.exit(SKIP)


def dane_cases(world):
    """(domain, mx_host, ip) of every expected_mx.csv row where DANE applies or its lookup failed."""
    return [(r["domain"], r["mx_host"], r["ip"]) for r in read_csv(os.path.join(world, "expected_mx.csv"))
            if r["dane"] != "none"]


def scan(mtascope, world, work, domains, smtp_port):
    """Scans the DANE domains as test_smtp_stage.py does; mx.csv rows by (domain, host, ip)."""
    inp = os.path.join(work, "dane-domains.txt")
    with open(inp, "w") as f:
        f.write("".join(d + "\n" for d in domains))
    out = os.path.join(work, "scan")
    r = run(scan_cmd(mtascope, world, out, inp, "--allow-private", "--ca-file",
                     os.path.join(world, "pki", "ca.pem"), "--smtp-port", smtp_port,
                     "--smtp-timeout", "3000"))
    check(r.returncode == 0, f"scan exits 0 ({r.stderr[-400:]})")
    rows = read_csv(os.path.join(out, "mx.csv")) if r.returncode == 0 else []
    return {(x["domain"], x["mx_host"], x["ip"]): x for x in rows}


# ---------------------------------------------------------------- posttls-finger

def destination(case, scanned):
    """The domain itself when its only MX pair is this one, so that posttls-finger does the MX and
    TLSA lookups a sender does (and knows the MX security); else [host], a direct connection to that
    MX host (the next-hop domain is then the host itself)."""
    domain, host, _ = case
    pairs = [k for k in scanned if k[0] == domain]
    return domain if len(pairs) == 1 else f"[{host}]"


def run_finger(world, shim, ca_file, dest, log_path):
    """posttls-finger's log (stderr and stdout) for one destination, also kept in log_path."""
    cmd = [FINGER, world, "-v", "-t", "5", "-T", "5", "-l", "dane", "-F", ca_file,
           "-L", "routine,certmatch", dest]
    try:
        p = run(cmd, env={**os.environ, "MS_PORT25": shim}, timeout=60)
        text = p.stdout + p.stderr
    except Exception as e:   # a hung posttls-finger must not hang the test
        text = f"finger.sh failed: {e}"
    with open(log_path, "w") as f:
        f.write(text)
    return text


def finger_verdict(text):
    """{verdict, trust, connected} from posttls-finger's log (FINGER_RULES, then NO_STARTTLS)."""
    trust = re.search(r"(Verified|Trusted|Untrusted|Anonymous) TLS connection established", text)
    connected = re.search(r"Connected to [^\[]+\[([0-9.]+)\]", text)
    verdict = next((v for pattern, v in FINGER_RULES if re.search(pattern, text)), None)
    if verdict is None and "> QUIT" in text and "> STARTTLS" not in text:
        verdict = NO_STARTTLS
    return {"verdict": verdict or "unparsed", "trust": trust.group(1) if trust else "",
            "connected": connected.group(1) if connected else ""}


# ---------------------------------------------------------------- comparison

def agrees(row, got):
    """Same verdict: the scanner's mx.csv dane equals the mapped one; with no SMTP session the
    scanner must have found the host unreachable (its dane is then not assessed)."""
    if got["verdict"] == "no_session":
        return row["starttls"] == "unreachable"
    return row["dane"] == got["verdict"]


def known_difference(row, got):
    """The KNOWN_DIFFERENCES entry this difference is, or None."""
    for entry in KNOWN_DIFFERENCES:
        if all(row.get(k) == v for k, v in entry["scanner"].items()) and \
           all(got.get(k) == v for k, v in entry["finger"].items()):
            return entry
    return None


def pkix_agrees(row, got):
    """posttls-finger at level secure says Verified exactly when the scanner's PKIX verdict is valid."""
    return (got["trust"] == "Verified") == (row["pkix"] == "valid")


def judge(case, row, got):
    """Checks one case; returns the line printed for it."""
    name = " ".join(case)
    if row is None:
        check(False, f"{name}: no mx.csv row from the scanner")
        return f"FAIL {name}: not in the scan"
    if got["connected"] and got["verdict"] != "lookup_error":
        check(got["connected"] == case[2], f"{name}: posttls-finger connected to {got['connected']}")
    if agrees(row, got):
        check(True, name)
        return f"ok   {name}: {row['dane'] or row['starttls']} = {got['verdict']} {got['trust']}"
    entry = known_difference(row, got)
    check(entry is not None, f"{name}: scanner dane={row['dane']} error={row['error']}, "
                             f"posttls-finger {got['verdict']} {got['trust']}: not a known difference")
    if entry is None:
        return f"FAIL {name}: scanner {row['dane']}/{row['error']} vs posttls-finger " \
               f"{got['verdict']} {got['trust']}"
    if entry.get("also") == "pkix_agrees":
        check(pkix_agrees(row, got), f"{name}: PKIX: scanner {row['pkix']}, posttls-finger {got['trust']}")
    return f"diff {name}: scanner {row['dane']}, posttls-finger {got['verdict']} {got['trust']} " \
           f"(known: {entry['id']}; we follow {entry['follows'].split(';')[0]})"


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: test_posttls_finger.py MTASCOPE WORLD WORK PORT25_SHIM")
    mtascope, world, work, shim = sys.argv[1:]
    if os.geteuid() != 0:
        skip("not root (posttls-finger runs in a private mount namespace; unbound's port 53)")
    path = os.environ.get("PATH", "") + ":" + SBIN
    if not shutil.which("posttls-finger", path=path) or not shutil.which("unshare", path=path):
        skip("posttls-finger or unshare missing (scripts/bootstrap.sh installs postfix)")
    env = world_env(world)
    if not env.get("FINGER_RESOLVER"):
        skip(f"{world} was generated without its Postfix part (worldgen.py --postfix)")
    check(os.path.isfile(shim), f"the port25 shim {shim} is built")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "finger"))

    cases = dane_cases(world)
    scanned = scan(mtascope, world, work, sorted({c[0] for c in cases}), env["WORLD_SMTP_PORT"])
    ca_file = os.path.join(world, "pki", "ca.pem")

    def probe(case):
        log = os.path.join(work, "finger", f"{case[0]}_{case[1]}_{case[2]}.log")
        return finger_verdict(run_finger(world, shim, ca_file, destination(case, scanned), log))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(probe, cases))
    for case, got in zip(cases, results):
        print(judge(case, scanned.get(case), got))
    finish("test_posttls_finger")


if __name__ == "__main__":
    main()
