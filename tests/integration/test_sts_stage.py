#!/usr/bin/env python3
"""test_sts_stage.py: the MTA-STS stage against the world's real policy hosts (nginx, 127.63.0.0/16),
and the same policies judged by a reference client, mta-sts-query (postfix-mta-sts-resolver).

  test_sts_stage.py MTASCOPE WORLD WORK PORT25_SHIM

1. The scanner scans the whole world as test_smtp_stage.py does, with --https-port WORLD_HTTPS_PORT;
   domains.csv and mx.csv must match expected.csv / expected_mx.csv in every DNS, STARTTLS/DANE and
   MTA-STS column (check_expected.py).
2. nginx's access log, read from where it stood before the scan, shows how the scanner fetched: one
   GET of /.well-known/mta-sts.txt per policy host it could reach, SNI = mta-sts.<domain>, nothing
   else (no redirect followed, no retry), and no request at all where the certificate failed.
3. As root with mta-sts-query installed: it queries every domain with an _mta-sts record
   (tests/world/sts/query.sh: the world's unbound as its only resolver, port 443 moved to
   WORLD_HTTPS_PORT, the world's CA as its only trust anchor). Its verdict (no record / no policy /
   valid, then mode, max_age and which MX hosts its mx list covers) must equal the scanner's, or the
   difference must be one of KNOWN_DIFFERENCES, which says which RFC rule each side follows.
   Otherwise this part is skipped (said so) and the scanner part alone decides.
Prints "test_sts_stage: N passed, M failed".
"""
import ast
import concurrent.futures
import csv
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, read_csv, run, scan_cmd, world_env  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "..", "world", "check_expected.py")
QUERY = os.path.join(HERE, "..", "world", "sts", "query.sh")
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"
DOMAIN_COLUMNS = ("status,error,mx_kind,mx_hosts,mx_dnssec,sts_txt,sts_id,tlsrpt,tlsrpt_rua,tlsa,"
                  "dns_notes,starttls,dane,dane_error,sts,sts_mode,sts_error,sts_max_age,sts_mx_ok,"
                  "sts_deliverable,sts_strict")
MX_COLUMNS = "pref,starttls,tls_version,pkix,dane,error,sts_match,sts_valid"
# Certificate failures: a strict fetcher never sends its request over such a connection.
NO_REQUEST_ERRORS = ("webpki_expired", "webpki_untrusted", "webpki_name_mismatch", "webpki_no_dns_san",
                     "tls_handshake")
# No connection at all: the policy host has no (usable) address.
NO_CONNECTION_ERRORS = ("host_nxdomain", "host_dns_error", "host_address_skipped", "connect_fail")
SCANNER_AGENT = "mtascope/"
# --contact: where a scanned operator learns who fetched (the User-Agent comment).
CONTACT = "https://scanner.example/opt-out?ref=mtascope"

# Where the scanner and mta-sts-query legitimately differ. A difference matches an entry when every
# field it names is equal (scanner: domains.csv columns; query: the mapped verdict); any difference
# matching no entry fails the test.
KNOWN_DIFFERENCES = [
    {
        "id": "content-type",
        "scanner": {"sts": "valid", "sts_error": "ct_mismatch"},
        "query": {"verdict": "no_policy"},
        "rule": "a valid policy served as text/html instead of text/plain",
        "rfc": "RFC 8461 3.2: senders SHOULD validate that the media type is text/plain",
        "follows": "both",
        "why": "mta-sts-query applies the SHOULD and rejects the policy; the scanner reports the "
               "violation (sts_error ct_mismatch) and counts the policy valid, as docs/output.md "
               "defines (a SHOULD-level problem of a valid policy)",
    },
    {
        "id": "cn-only-certificate",
        "scanner": {"sts": "fetch_error", "sts_error": "webpki_no_dns_san"},
        "query": {"verdict": "valid"},
        "rule": "the policy host's certificate has no subjectAltName, only CN = mta-sts.<domain>",
        "rfc": "RFC 8461 3.3: the certificate must be valid for the mta-sts DNS-ID (RFC 6125); "
               "RFC 9525, which obsoletes RFC 6125, drops the CN-ID; checklist A.2 rule 8",
        "follows": "scanner",
        "why": "Python's ssl (hostname_checks_common_name, on by default) falls back to the CN when "
               "there is no DNS SAN, the legacy last resort RFC 6125 6.4.4 allowed",
    },
    {
        "id": "bom",
        "scanner": {"sts": "valid", "sts_error": "bom", "sts_strict": "no"},
        "query": {"verdict": "no_policy"},
        "rule": "a UTF-8 byte order mark before 'version:'",
        "rfc": "RFC 8461 3.2 ABNF: the body is fields and line ends, no BOM",
        "follows": "mta-sts-query",
        "why": "by accident: it decodes a body without a charset parameter as ASCII and fails on the "
               "BOM; the scanner's lenient reading forgives it and reports the strict violation "
               "(sts_strict no, sts_error bom), docs/mta-sts-policy.md",
    },
    {
        "id": "key-case",
        "scanner": {"sts": "valid", "sts_error": "key_case", "sts_strict": "no"},
        "query": {"verdict": "no_policy"},
        "rule": "'Mode: enforce' with a capital M",
        "rfc": "RFC 8461 3.2 ABNF: field names are case-sensitive literals, so 'Mode' is an "
               "extension field and the required mode is missing",
        "follows": "mta-sts-query",
        "why": "it finds no 'mode' key and rejects the policy; the scanner's lenient reading matches "
               "keys case-insensitively and reports the strict violation (sts_strict no, sts_error "
               "key_case), docs/mta-sts-policy.md",
    },
    {
        "id": "txt-id-syntax",
        "scanner": {"sts": "invalid", "sts_error": "txt_syntax"},
        "query": {"verdict": "no_policy"},
        "rule": "a v=STSv1 record whose id is not 1-32 ALPHA/DIGIT (hyphens, 33 characters, empty)",
        "rfc": "RFC 8461 3.1: sts-id = 1*32(ALPHA / DIGIT); a syntactically invalid record means the "
               "domain has no available policy (MUST)",
        "follows": "scanner",
        "why": "mta-sts-query only checks that an id key exists and goes on to fetch the policy (here "
               "the policy host does not exist, hence its fetch error)",
    },
]


# ---------------------------------------------------------------- set-up

def log_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def log_since(path, offset):
    """The access log lines written after `offset` (earlier tests and runs wrote the rest)."""
    if not os.path.exists(path):
        return []
    with open(path, errors="replace") as f:
        f.seek(offset)
        return f.read().splitlines()


# ---------------------------------------------------------------- 1. the scanner against expectations

def scan(mtascope, world, work, env):
    out = os.path.join(work, "scan")
    r = run(scan_cmd(mtascope, world, out, os.path.join(world, "domains.txt"), "--allow-private",
                     "--ca-file", os.path.join(world, "pki", "ca.pem"),
                     "--smtp-port", env["WORLD_SMTP_PORT"], "--https-port", env["WORLD_HTTPS_PORT"],
                     "--smtp-timeout", "3000", "--contact", CONTACT))
    check(r.returncode == 0, f"scan exits 0 ({r.stderr[-400:]})")
    return out


def compare_expected(world, out):
    d = run([sys.executable, CHECKER, "--expected", os.path.join(world, "expected.csv"),
             "--got", os.path.join(out, "domains.csv"), "--columns", DOMAIN_COLUMNS])
    print(d.stdout[-3000:], end="")
    check(d.returncode == 0, "domains.csv matches every expectation, MTA-STS columns included")
    x = run([sys.executable, CHECKER, "--expected", os.path.join(world, "expected_mx.csv"),
             "--got", os.path.join(out, "mx.csv"), "--key", "domain,mx_host,ip", "--listed-only",
             "--columns", MX_COLUMNS])
    print(x.stdout[-3000:], end="")
    check(x.returncode == 0, "mx.csv matches every expected row, sts_match and sts_valid included")


# ---------------------------------------------------------------- 2. what nginx saw

LOG_LINE = re.compile(r'^(\S+) (\S+):\d+ "([^"]*)" "(\S+) (\S+) [^"]*" (\d+) \d+ "([^"]*)"')


def scanner_requests(lines):
    """(server address, SNI, method, path, user agent) of every request the scanner made."""
    out = []
    for line in lines:
        m = LOG_LINE.match(line)
        if m and m.group(7).startswith(SCANNER_AGENT):
            out.append((m.group(2), m.group(3), m.group(4), m.group(5), m.group(7)))
    return out


def fetched_hosts(hosts, expected):
    """The policy host addresses where the scanner's GET must appear in the access log."""
    return {ip for ip, h in hosts.items()
            if expected[h["domain"]]["sts_error"] not in
            NO_CONNECTION_ERRORS + NO_REQUEST_ERRORS}


def read_requests(path, offset, want):
    """The scanner's requests since `offset`, waiting up to 5 s for every address in `want`: nginx
    logs a request when it ends, and the slow case ends when nginx notices the scanner hung up."""
    for _ in range(25):
        reqs = scanner_requests(log_since(path, offset))
        if want <= {r[0] for r in reqs}:
            break
        time.sleep(0.2)
    return reqs


def check_requests(world, expected, access_log, offset):
    """Per policy host: exactly one GET of the policy URL with SNI = the policy host where a fetch
    could happen, none where the certificate failed; and no request to any other URL."""
    hosts = {h["ip"]: h for h in world_hosts(world)}
    reqs = read_requests(access_log, offset, fetched_hosts(hosts, expected))
    agent = re.compile(r"^mtascope/\S+ \(\+" + re.escape(CONTACT) + r"\)$")
    bad = sorted({r[4] for r in reqs if not agent.match(r[4])})
    check(reqs and not bad, f"every request's User-Agent names the --contact URL; not: {bad}")
    reqs = [r[:4] for r in reqs]
    for ip, h in sorted(hosts.items()):
        error = expected[h["domain"]]["sts_error"]
        mine = [r for r in reqs if r[0] == ip]
        if error in NO_CONNECTION_ERRORS:
            continue
        if error in NO_REQUEST_ERRORS:
            check(not mine, f"{h['domain']}: no request over a connection whose certificate failed "
                            f"({error}); got {mine}")
            continue
        want = [(ip, h["host"], "GET", "/.well-known/mta-sts.txt")]
        check(mine == want, f"{h['domain']}: one GET of the policy URL with SNI {h['host']}; got {mine}")


def world_hosts(world):
    with open(os.path.join(world, "world.json")) as f:
        return json.load(f).get("sts", {}).get("hosts", [])


# ---------------------------------------------------------------- 3. mta-sts-query

def query_skip_reason(env):
    """Why the mta-sts-query part cannot run here, or None."""
    path = os.environ.get("PATH", "") + ":" + SBIN
    if os.geteuid() != 0:
        return "not root (mta-sts-query runs in a private mount namespace; unbound's port 53)"
    if not shutil.which("mta-sts-query", path=path) or not shutil.which("unshare", path=path):
        return "mta-sts-query or unshare missing (scripts/bootstrap.sh installs postfix-mta-sts-resolver)"
    if not env.get("STS_QUERY_RESOLVER"):
        return "the world has no port-53 resolver for it (generated without root or mta-sts-query)"
    if not env.get("STS_POLICY_HOSTS"):
        return "the world has no policy hosts (nginx missing when it was generated)"
    return None


def run_query(world, shim, domain, log_path):
    """mta-sts-query's output for one domain (stdout: the result tuple; stderr: its log)."""
    try:
        p = run([QUERY, world, "-v", "warn", domain], env={**os.environ, "MS_PORT25": shim}, timeout=60)
        text, result = p.stdout + p.stderr, p.stdout
    except Exception as e:   # a hung client must not hang the test
        text = result = f"query.sh failed: {e}"
    with open(log_path, "w") as f:
        f.write(text)
    return result


def parse_query(stdout):
    """{verdict, mode, max_age, mx} from `(<STSFetchResult.VALID: 1>, ('id', {...}))`."""
    m = re.search(r"\(<STSFetchResult\.(\w+): \d+>, (.*)\)\s*$", stdout, re.S)
    if not m:
        return {"verdict": "unparsed"}
    verdict = {"VALID": "valid", "FETCH_ERROR": "no_policy", "NONE": "no_record"}.get(m.group(1), m.group(1))
    got = {"verdict": verdict}
    payload = ast.literal_eval(m.group(2))
    if verdict == "valid" and payload:
        pol = payload[1]
        got.update(mode=pol.get("mode", ""), max_age=str(pol.get("max_age", "")), mx=pol.get("mx", []))
    return got


def scanner_verdict(row):
    """The scanner's domains.csv row as the same categories: a record a sender ignores (none, or a
    broken TXT: RFC 8461 3.1) is no_record; a record without a usable policy is no_policy."""
    if row["sts"] == "valid":
        return "valid"
    if row["sts"] == "none" or row["sts_error"].startswith("txt_"):
        return "no_record"
    if row["sts"] == "dns_error":
        return "dns_error"
    return "no_policy"


def mx_matches(pattern, host):
    """RFC 8461 4.1: the MX name as published against one pattern; "*." covers one more label."""
    p, h = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if p.startswith("*."):
        first, _, rest = h.partition(".")
        return bool(first) and rest == p[2:]
    return p == h


def differences(row, mx_rows, got):
    """What differs between the scanner's verdict and mta-sts-query's (empty: they agree)."""
    ours = scanner_verdict(row)
    if ours != got["verdict"]:
        return [f"verdict {ours} vs {got['verdict']}"]
    if ours != "valid":
        return []
    out = []
    if row["sts_mode"] != got["mode"]:
        out.append(f"mode {row['sts_mode']} vs {got['mode']}")
    if row["sts_max_age"] != got["max_age"]:
        out.append(f"max_age {row['sts_max_age']} vs {got['max_age']}")
    for x in mx_rows:
        theirs = any(mx_matches(p, x["mx_host"]) for p in got["mx"])
        if (x["sts_match"] == "yes") != theirs:
            out.append(f"{x['mx_host']} sts_match {x['sts_match']} vs their mx list {got['mx']}")
    return out


def known_difference(row, got):
    for entry in KNOWN_DIFFERENCES:
        if all(row.get(k) == v for k, v in entry["scanner"].items()) and \
           all(got.get(k) == v for k, v in entry["query"].items()):
            return entry
    return None


def judge(domain, row, mx_rows, got):
    """Checks one domain; returns the line printed for it."""
    diff = differences(row, mx_rows, got)
    ours = row["sts_mode"] or row["sts_error"] or "-"
    summary = f"scanner {row['sts']}/{ours}, mta-sts-query {got['verdict']}"
    if not diff:
        check(True, domain)
        return f"ok   {domain}: {summary}{'/' + got['mode'] if got.get('mode') else ''}"
    entry = known_difference(row, got)
    check(entry is not None, f"{domain}: {'; '.join(diff)}: not a known difference")
    if entry is None:
        return f"FAIL {domain}: {'; '.join(diff)}"
    return f"diff {domain}: {summary} (known: {entry['id']}; follows the RFC: {entry['follows']})"


def query_part(world, work, shim, rows, mx_by_domain, expected):
    domains = sorted(d for d, e in expected.items()
                     if e["status"] == "ok" and e["sts_txt"] in ("valid", "invalid", "multiple"))
    os.makedirs(os.path.join(work, "query"))
    check(os.path.isfile(shim), f"the port shim {shim} is built")

    def probe(domain):
        return parse_query(run_query(world, shim, domain, os.path.join(work, "query", domain + ".log")))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(probe, domains))
    for domain, got in zip(domains, results):
        if domain not in rows:
            check(False, f"{domain}: not in the scan")
            continue
        print(judge(domain, rows[domain], mx_by_domain.get(domain, []), got))


def want_policy_type(e):
    """RFC 8460 §4.3.2, from the expectation (not from the scanner's output)."""
    if e["sts"] == "fetch_error":
        return "sts-webpki-invalid" if e["sts_error"].startswith("webpki_") else "sts-policy-fetch-error"
    if e["sts"] == "invalid" and not e["sts_error"].startswith("txt_"):
        return "sts-policy-invalid"
    return ""


def want_mx_type(e, x):
    """RFC 8460 §4.3.1 for one expected mx row of a domain whose policy restricts delivery."""
    if e["sts"] != "valid" or e["sts_mode"] not in ("enforce", "testing") or x["starttls"] in \
            ("unreachable", "skipped") or x["sts_valid"] == "yes":
        return ""
    if x["sts_match"] != "yes":
        return "validation-failure"
    if x["starttls"] == "not_offered":
        return "starttls-not-supported"
    return {"expired": "certificate-expired", "name_mismatch": "certificate-host-mismatch",
            "untrusted": "certificate-not-trusted"}.get(x["pkix"], "validation-failure")


def check_result_types(world, out, expected):
    """The TLS-RPT result types follow from the expected verdicts (RFC 8460 §4.3)."""
    got = {r["domain"]: r for r in read_csv(os.path.join(out, "domains.csv"))}
    bad = [d for d, e in expected.items() if e["status"] == "ok" and d in got and
           got[d]["sts_result_type"] != want_policy_type(e)]
    check(not bad, f"sts_result_type of every domain follows its sts/sts_error ({bad[:5]})")
    mine = {(x["domain"], x["mx_host"], x["ip"]): x for x in read_csv(os.path.join(out, "mx.csv"))}
    bad = []
    for x in read_csv(os.path.join(world, "expected_mx.csv")):
        key = (x["domain"], x["mx_host"], x["ip"])
        e = expected.get(x["domain"])
        if e is None or key not in mine or not x.get("sts_match"):
            continue
        if mine[key]["sts_result_type"] != want_mx_type(e, x):
            bad.append((key, mine[key]["sts_result_type"], want_mx_type(e, x)))
    check(not bad, f"mx.csv sts_result_type of every policy MX row follows RFC 8460 §4.3.1 ({bad[:3]})")


def check_manifest(out, expected):
    """The manifest counts one fetch per policy host that resolved, and the failed ones."""
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)["mta_sts"]
    no_fetch = ("host_nxdomain", "host_dns_error", "host_address_skipped")
    fetched = [e for e in expected.values() if e["status"] == "ok" and e["sts_txt"] == "valid" and
               e["sts_error"] not in no_fetch]
    failed = [e for e in fetched if e["sts"] == "fetch_error"]
    check(m["policy_fetches"] == len(fetched) and m["fetch_errors"] == len(failed),
          f"manifest counts {m} fetches/errors, expected {len(fetched)}/{len(failed)}")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: test_sts_stage.py MTASCOPE WORLD WORK PORT25_SHIM")
    mtascope, world, work, shim = sys.argv[1:]
    env = world_env(world)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if not env.get("STS_POLICY_HOSTS"):
        print("test_sts_stage: note: the world has no policy hosts (nginx missing at generation); "
              "only the record-only cases are checked")
    access_log = os.path.join(world, "log", "nginx-access.log")
    offset = log_size(access_log)

    out = scan(mtascope, world, work, env)
    compare_expected(world, out)
    expected = {r["domain"]: r for r in read_csv(os.path.join(world, "expected.csv"))}
    check_requests(world, expected, access_log, offset)
    check_result_types(world, out, expected)
    check_manifest(out, expected)

    reason = query_skip_reason(env)
    if reason:
        print(f"test_sts_stage: mta-sts-query part skipped: {reason}")
        finish("test_sts_stage")
    rows = {r["domain"]: r for r in read_csv(os.path.join(out, "domains.csv"))}
    mx_by_domain = {}
    for x in read_csv(os.path.join(out, "mx.csv")):
        mx_by_domain.setdefault(x["domain"], []).append(x)
    query_part(world, work, shim, rows, mx_by_domain, expected)
    finish("test_sts_stage")


if __name__ == "__main__":
    main()
