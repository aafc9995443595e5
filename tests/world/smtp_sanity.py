#!/usr/bin/env python3
"""smtp_sanity.py: checks the world's SMTP listeners against expected_mx.csv, independently of the scanner.

  smtp_sanity.py --world DIR [--sample K] [--out FILE] [--jobs J]

For every row of DIR/expected_mx.csv (every K-th with --sample) it derives the stage-2 columns of
docs/output.md on its own and compares them with the row:
  - DNS: the host's TLSA base domain and TLSA RRset through the world's validating resolver
    (RFC 7672 2.2.2, as oracle.py does it);
  - SMTP: a plain Python dialogue (greeting, EHLO, STARTTLS, handshake with verification off) gives
    starttls, tls_version and the connection-level error codes;
  - PKIX: `openssl s_client -starttls smtp -CAfile DIR/pki/ca.pem -verify_hostname MX` (every verify
    error it reports; a leaf without any DNS SAN fails the name check: no CN fallback);
  - DANE: `openssl s_client -dane_tlsa_domain BASE -dane_tlsa_rrdata ... -dane_ee_no_namechecks`
    with the usage 2/3 records (usages 0/1 are unusable in SMTP, RFC 7672 3.1.3).
Then each listener of world.json is checked for the behaviour it claims (README.md), and ms-smtpd's
counters (SIGUSR1 -> DIR/smtpd-stats.json) must show the connections made here.
Prints mismatches and "smtp_sanity: N passed, M failed"; exit status 0 only when M == 0 and N > 0.
The derived rows go to FILE (default DIR/smtp_oracle.csv).
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_expected  # noqa: E402
import oracle  # noqa: E402
from worldsmtp import MX_COLUMNS  # noqa: E402

GREETING_S = 2.0       # total greeting timeout (slow-drip and silent must hit it)
HANDSHAKE_S = 2.0
LINE_MAX = 4096        # longer reply lines are line_too_long (RFC 5321 4.5.3.1.5 allows 512)
INJECT_WAIT_S = 0.3    # how long to look for plaintext after the STARTTLS 220
EXPIRED = {9, 10}      # X509_V_ERR_CERT_NOT_YET_VALID, _HAS_EXPIRED
NAME = {62}            # X509_V_ERR_HOSTNAME_MISMATCH
DANE_NO_MATCH = 65


class Fail(Exception):
    """A probe outcome: error code, and the starttls value it implies."""

    def __init__(self, code, starttls):
        super().__init__(code)
        self.code, self.starttls = code, starttls


# ---------------------------------------------------------------- DNS: TLSA base and RRset

def tlsa_records(res, base):
    """('secure', [(u, s, m, hex)]), ('none'|'insecure', []) or ('lookup_error', [])."""
    name = "_25._tcp." + base
    a = res.query(name, oracle.T_TLSA)
    if a.rcode not in (oracle.NOERROR, oracle.NXDOMAIN):
        return "lookup_error", []
    recs = [(d[0], d[1], d[2], d[3:].hex()) for d in a.of_type(oracle.T_TLSA)]
    if not recs:
        return "none", []
    return ("secure" if a.ad else "insecure"), recs


def host_tlsa(res, host):
    """(TLSA status, records, base domain) of an MX host: RFC 7672 2.2.2, like oracle.host_tlsa."""
    host = host.rstrip(".") + "."
    a4 = res.query(host, oracle.T_A)
    target = host
    while a4.cname_of(target):
        target = a4.cname_of(target)
    if target == host:
        return (*tlsa_records(res, host), host) if a4.ad else ("none", [], host)
    if a4.ad:
        status, recs = tlsa_records(res, target)
        if status != "none":
            return status, recs, target
    elif not res.query(host, oracle.T_CNAME).ad:
        return "none", [], host
    return (*tlsa_records(res, host), host)


# ---------------------------------------------------------------- SMTP dialogue

class Smtp:
    """A plaintext SMTP client that reports failures as the docs/output.md codes."""

    def __init__(self, ip, port):
        try:
            self.sock = socket.create_connection((ip, port), timeout=2)
        except ConnectionRefusedError:
            raise Fail("connect_refused", "unreachable")
        except OSError:
            raise Fail("connect_timeout", "unreachable")
        self.buf = b""

    def line(self, deadline, timeout_code, starttls):
        while b"\n" not in self.buf:
            if len(self.buf) > LINE_MAX:
                raise Fail("line_too_long", starttls)
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(timeout_code, starttls)
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise Fail(timeout_code, starttls)
            except ConnectionResetError:
                raise Fail("conn_reset", starttls)
            except OSError:
                raise Fail("conn_closed", starttls)
            if not data:
                raise Fail("conn_closed", starttls)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self, timeout_s, timeout_code="greeting_timeout", starttls="unreachable"):
        """The lines of one (multiline) reply; its code is lines[-1][:3]."""
        deadline = time.monotonic() + timeout_s
        lines = []
        while True:
            lines.append(self.line(deadline, timeout_code, starttls))
            if lines[-1][3:4] != b"-":
                return lines

    def send(self, text):
        try:
            self.sock.sendall(text.encode() + b"\r\n")
        except OSError:
            raise Fail("conn_closed", "unreachable")

    def close(self):
        self.sock.close()


def smtp_probe(ip, port, sni):
    """Observed (starttls, tls_version, error, leaf DER, extra info) of one listener."""
    s = Smtp(ip, port)
    try:
        greeting = s.reply(GREETING_S)
        if not greeting[-1].startswith(b"220"):
            raise Fail("greeting_reject", "unreachable")
        s.send("EHLO smtp-sanity.test")
        ehlo = s.reply(5, "ehlo_timeout")
        if not ehlo[-1].startswith(b"250"):
            raise Fail("ehlo_reject", "unreachable")
        if not any(line[4:].upper().startswith(b"STARTTLS") for line in ehlo):
            return "not_offered", "", "", None, {}
        s.send("STARTTLS")
        answer = s.reply(5, "starttls_timeout", "failed")
        if not answer[-1].startswith(b"220"):
            raise Fail("starttls_reject", "failed")
        extra = s.buf
        if not extra and select.select([s.sock], [], [], INJECT_WAIT_S)[0]:
            extra = s.sock.recv(65536)
        return handshake(s.sock, sni, extra)
    finally:
        s.close()


def handshake(sock, sni, extra):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(sock, server_hostname=sni, do_handshake_on_connect=False)
    tls.settimeout(HANDSHAKE_S)
    try:
        tls.do_handshake()
    except socket.timeout:
        raise Fail("handshake_timeout", "failed")
    except (ssl.SSLError, OSError):
        raise Fail("tls_handshake", "failed")
    version, leaf = tls.version(), tls.getpeercert(binary_form=True)
    tls.sendall(b"EHLO smtp-sanity.test\r\n")
    after = tls.recv(4096)
    tls.sendall(b"QUIT\r\n")
    return "ok", version, "plaintext_injection" if extra else "", leaf, {"extra": extra, "after": after}


# ---------------------------------------------------------------- openssl s_client

def s_client(ip, port, sni, ca_file, *extra):
    """(set of verify error numbers, DANE match line or "") from one s_client run."""
    cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", f"{ip}:{port}", "-servername", sni,
           "-CAfile", ca_file, *extra]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    errors = {int(n) for n in re.findall(r"verify error:num=(\d+)", p.stdout + p.stderr)}
    m = re.search(r"^DANE TLSA \d \d \d .* matched (EE|TA) certificate at depth (\d+)$", p.stdout, re.M)
    ok = "Verification: OK" in p.stdout
    return errors, (m.group(1) if m and ok else ""), ok


def has_dns_san(der):
    """Whether the leaf carries any DNS SAN (without one, docs/output.md has no CN fallback)."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(ssl.DER_cert_to_PEM_cert(der))
        f.flush()
        out = subprocess.run(["openssl", "x509", "-in", f.name, "-noout", "-ext", "subjectAltName"],
                             capture_output=True, text=True).stdout
    return "DNS:" in out


def pkix_verdict(ip, port, mx, ca_file, leaf):
    errors, _, _ = s_client(ip, port, mx, ca_file, "-verify_hostname", mx)
    if errors - EXPIRED - NAME:
        return "untrusted"
    if errors & EXPIRED:
        return "expired"
    if errors & NAME or not has_dns_san(leaf):
        return "name_mismatch"
    return "valid"


def dane_verdict(ip, port, base, ca_file, recs, nexthop=None):
    """(dane, error) of a handshake-capable server with a secure TLSA RRset. nexthop: the domain when
    its MX RRset is secure, a further DANE-TA reference identifier (RFC 7672 3.2.2)."""
    usable = [r for r in recs if r[0] in (2, 3) and r[1] in (0, 1) and
              ({1: 64, 2: 128}.get(r[2]) == len(r[3]) or r[2] == 0)]
    if not usable:
        return "unusable", ""   # TLS without authentication; docs/errors.md has no code for it
    args = ["-dane_tlsa_domain", base.rstrip("."), "-dane_ee_no_namechecks"]
    for u, s, m, h in usable:
        args += ["-dane_tlsa_rrdata", f"{u} {s} {m} {h}"]
    errors, match, ok = s_client(ip, port, base.rstrip("."), ca_file, *args)
    if ok and match:
        return ("match_ee" if match == "EE" else "match_ta"), ""
    if DANE_NO_MATCH in errors:   # no record matched: blame DANE-EE if there is one, else the TA
        return "nomatch", "tlsa_ee_nomatch" if any(r[0] == 3 for r in usable) else "ta_not_in_chain"
    if errors & NAME and nexthop:
        # s_client checks one name only (-dane_tlsa_domain replaces -verify_hostname): the domain's
        # turn; the rrdata come from the command line, so only the name check changes.
        args[1] = nexthop
        _, match, ok = s_client(ip, port, base.rstrip("."), ca_file, *args)
        if ok and match:
            return ("match_ee" if match == "EE" else "match_ta"), ""
    if errors & NAME:
        return "nomatch", "ta_name_mismatch"
    if errors & EXPIRED:
        return "nomatch", "ta_chain_expired"
    return "nomatch", "dane_other"


# ---------------------------------------------------------------- one expected row

def observe(want, res, port, ca_file):
    """The row this oracle derives for one (domain, mx_host, ip)."""
    row = {c: want[c] for c in ("domain", "mx_host", "pref", "ip")}
    status, recs, base = host_tlsa(res, want["mx_host"])
    sni = base.rstrip(".") if status == "secure" else want["mx_host"]
    dane, dane_err = {"secure": ("nomatch", ""), "lookup_error": ("lookup_error", "tlsa_lookup_error")
                      }.get(status, ("none", ""))
    try:
        starttls, version, err, leaf, _ = smtp_probe(want["ip"], port, sni)
    except Fail as f:
        # Secure TLSA commits the host to STARTTLS (RFC 7672 2.2.3): any failure after the greeting
        # is that; without a session DANE is not assessable (docs/output.md: "unverified").
        if f.starttls == "unreachable":
            row.update(dane="*" if status == "secure" else dane, error=f.code)
        else:
            row.update(dane=dane, error="starttls_missing_with_tlsa" if status == "secure" else f.code)
        row.update(starttls=f.starttls, tls_version="", pkix="none")
        return row
    if starttls == "not_offered":
        row.update(starttls=starttls, tls_version="", pkix="none", dane=dane,
                   error="starttls_missing_with_tlsa" if status == "secure" else dane_err)
        return row
    row.update(starttls=starttls, tls_version=version, _sni=sni,
               pkix=pkix_verdict(want["ip"], port, want["mx_host"], ca_file, leaf))
    if status == "secure":
        nexthop = want["domain"] if res.query(want["domain"] + ".", oracle.T_MX).ad else None
        dane, dane_err = dane_verdict(want["ip"], port, base, ca_file, recs, nexthop)
    row.update(dane=dane, error=err or dane_err)
    return row


# ---------------------------------------------------------------- behaviour claims

def raw(ip, port, timeout=2.0):
    return socket.create_connection((ip, port), timeout=timeout)


def read_for(sock, seconds, limit=1 << 20):
    """Bytes received within `seconds` (stops at EOF, a reset or `limit` bytes)."""
    data, end = b"", time.monotonic() + seconds
    try:
        while len(data) < limit and time.monotonic() < end:
            sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                return data, "eof"
            data += chunk
    except socket.timeout:
        return data, "timeout"
    except ConnectionResetError:
        return data, "reset"
    return data, "limit"


def dialogue_to_starttls(ip, port):
    s = Smtp(ip, port)
    s.reply(GREETING_S)
    s.send("EHLO claims.test")
    s.reply(5)
    s.send("STARTTLS")
    return s


def claim(server, port):
    """'' when the listener does what its behaviour says, else what it did instead."""
    ip, b = server["ip"], server["behaviour"]
    if b == "slow-drip":
        data, how = read_for(raw(ip, port), 1.8)
        return "" if how == "timeout" and 2 <= len(data) <= 5 and b"220-".startswith(data[:4]) else \
            f"{len(data)} bytes ({how}) in 1.8 s"
    if b == "silent":
        data, how = read_for(raw(ip, port), 1.0)
        return "" if not data and how == "timeout" else f"said {data[:40]!r}"
    if b == "endless-line":
        data, how = read_for(raw(ip, port), 5, limit=1 << 20)
        newline = b"\n" in data
        return "" if len(data) >= 1 << 20 and not newline else f"{len(data)} bytes, newline {newline}"
    if b in ("greet-421", "greet-554"):
        s = raw(ip, port)
        data, _ = read_for(s, 0.5)
        if not data.startswith(b"421 " if b == "greet-421" else b"554 "):
            return f"greeting {data[:40]!r}"
        if b == "greet-421":
            more, how = read_for(s, 1.0)
            return "" if how == "eof" else f"no close after 421 ({how})"
        s.sendall(b"EHLO x\r\n")
        r1, _ = read_for(s, 0.5)
        s.sendall(b"QUIT\r\n")
        r2, how = read_for(s, 1.0)
        return "" if r1.startswith(b"503") and r2.startswith(b"221") and how == "eof" else \
            f"after 554: {r1[:20]!r} {r2[:20]!r} {how}"
    if b == "close-after-ehlo":
        s = raw(ip, port)
        read_for(s, 0.3)
        s.sendall(b"EHLO x\r\n")
        data, how = read_for(s, 1.0)
        return "" if not data and how in ("eof", "reset") else f"EHLO got {data[:40]!r} {how}"
    if b in ("garbage-tls", "reset-handshake", "stall-handshake"):
        s = dialogue_to_starttls(ip, port)
        s.reply(2)
        s.sock.sendall(b"\x16\x03\x01\x00\x04\x01\x00\x00\x00")   # a (truncated) ClientHello record
        data, how = read_for(s.sock, 1.0)
        want = {"garbage-tls": data and not data.startswith(b"\x16\x03"),
                "reset-handshake": how == "reset" and not data,
                "stall-handshake": how == "timeout" and not data}[b]
        return "" if want else f"after ClientHello: {data[:30]!r} {how}"
    if b == "inject":
        s = dialogue_to_starttls(ip, port)
        data, _ = read_for(s.sock, 0.3)
        return "" if data == b"220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n" else f"{data!r}"
    if b in ("no-starttls", "starttls-refused"):
        s = dialogue_to_starttls(ip, port)
        r = s.reply(2)
        return "" if r[-1][:3] == (b"502" if b == "no-starttls" else b"454") else f"STARTTLS got {r!r}"
    # good, multiline-greeting, tls12-only: the greeting, STARTTLS and TLS (version pinned for tls12-only)
    s = Smtp(ip, port)
    g = s.reply(GREETING_S)
    if (len(g) > 1) != (b == "multiline-greeting"):
        return f"greeting of {len(g)} lines"
    s.close()
    st, version, err, _, info = smtp_probe(ip, port, server["hostname"])
    want_version = "TLSv1.2" if b == "tls12-only" else "TLSv1.3"
    if st != "ok" or version != want_version or err or not info["after"].startswith(b"250-"):
        return f"{st} {version} {err} {info.get('after', b'')[:20]!r}"
    return ""


def checked_claim(server, port):
    try:
        return claim(server, port)
    except (Fail, OSError) as e:
        return f"{type(e).__name__}: {e}"


# ---------------------------------------------------------------- counters

def read_stats(world, pid, before=None):
    """SIGUSR1 makes ms-smtpd rewrite smtpd-stats.json (write, then rename). The old file is removed
    first and the new one awaited: comparing mtimes misses a rewrite within one clock tick."""
    path = os.path.join(world, "smtpd-stats.json")
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return None


def smtpd_pid(world):
    try:
        with open(os.path.join(world, "run", "ms-smtpd.pid")) as f:
            pid = int(f.read().split()[0])
        with open(f"/proc/{pid}/comm") as f:
            return pid if f.read().startswith("ms-smtpd") else None
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--world", required=True)
    ap.add_argument("--sample", type=int, default=1, metavar="K", help="only every K-th row and listener")
    ap.add_argument("--out")
    ap.add_argument("--jobs", type=int, default=16)
    args = ap.parse_args()
    env = dict(line.strip().replace("'", "").split("=", 1)
               for line in open(os.path.join(args.world, "world.env")))
    with open(os.path.join(args.world, "world.json")) as f:
        servers = json.load(f).get("smtp", [])
    smtpd_ips = {s["ip"] for s in servers}   # rows of Postfix listeners have no ms-smtpd counters
    pid = smtpd_pid(args.world)
    if not servers or pid is None:
        print("smtp_sanity: ms-smtpd is not running (start.sh needs MS_SMTPD)")
        print("smtp_sanity: 0 passed, 1 failed")
        return 1
    port, ca_file = int(env["WORLD_SMTP_PORT"]), env["SMTP_CA_FILE"]
    res = oracle.Resolver(env["RESOLVER_ADDRS"].split()[0], int(env["WORLD_PORT"]))
    expected, _ = check_expected.read_rows(os.path.join(args.world, "expected_mx.csv"))
    expected = expected[::args.sample]
    servers = servers[::args.sample]
    before = read_stats(args.world, pid) or {"ips": {}}

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda w: observe(w, res, port, ca_file), expected))
        claims = list(pool.map(lambda s: checked_claim(s, port), servers))

    out = args.out or os.path.join(args.world, "smtp_oracle.csv")
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MX_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    passed = failed = 0
    for want, got in zip(expected, rows):
        name = f"{want['domain']} {want['mx_host']} {want['ip']}"
        lines = check_expected.compare_one(name, want, [got], MX_COLUMNS[4:])
        for line in lines:
            print(line)
        failed += bool(lines)
        passed += not lines
    for s, problem in zip(servers, claims):
        if problem:
            print(f"listener {s['ip']} {s['behaviour']}: {problem}")
        failed += bool(problem)
        passed += not problem
    after = read_stats(args.world, pid)
    bad = [s["ip"] for s in servers
           if after is None or after["ips"].get(s["ip"], {}).get("accepted", 0)
           <= before["ips"].get(s["ip"], {}).get("accepted", 0)]
    if bad:
        print(f"smtpd-stats.json: no new connection counted for {', '.join(bad[:5])}")
    # the SNI of every handshake made here (the TLSA base when DANE applies) must be recorded
    bad = [f"{r['ip']} {r['_sni']}" for r in rows if "_sni" in r and r["ip"] in smtpd_ips and
           (after is None or r["_sni"] not in after["ips"].get(r["ip"], {}).get("sni", []))]
    if bad:
        print(f"smtpd-stats.json: SNI not recorded: {', '.join(bad[:5])}")
    failed += bool(bad)
    passed += not bad
    print(f"smtp_sanity: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
