#!/usr/bin/env python3
"""oracle.py: a slow, plain reference of the DNS stage that checks expected.csv against the live world.

  oracle.py --world DIR [--sample K] [--out FILE]

Resolves every domain of DIR/expected.csv (every K-th with --sample) through the world's resolver,
derives the DNS-stage columns of docs/output.md, writes them to FILE (default DIR/oracle.csv) and
compares them with expected.csv like check_expected.py. It exists so the hand-written expectations
are confirmed by what a validating resolver really answers; it is not the scanner and is not fast.
Standard library only: a minimal DNS client (UDP, TCP on truncation, EDNS DO bit).
"""
import argparse
import csv
import ipaddress
import os
import random
import re
import socket
import struct
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_expected  # noqa: E402
from worldgen import COLUMNS, NOTE_ORDER  # noqa: E402

T_A, T_CNAME, T_MX, T_TXT, T_AAAA, T_TLSA, T_OPT = 1, 5, 15, 16, 28, 52, 41
NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
TLSA_ORDER = ("bogus", "error", "insecure", "none", "secure")   # least secure first
MAX_HOSTS = 16


# ---------------------------------------------------------------- DNS client

class Answer:
    """rcode (None on timeout), the AD bit, and the answer section as (owner, type, data)."""

    def __init__(self, rcode=None, ad=False, rrs=()):
        self.rcode, self.ad, self.rrs = rcode, ad, list(rrs)

    def of_type(self, rtype):
        return [d for _, t, d in self.rrs if t == rtype]

    def cname_of(self, name):
        return next((d for o, t, d in self.rrs if t == T_CNAME and o == name), None)


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def make_query(name, qtype, cd):
    qid = random.randrange(65536)
    flags = 0x0100 | (0x0010 if cd else 0)                    # RD, CD
    opt = b"\0" + struct.pack("!HHIH", T_OPT, 1232, 0x8000, 0)  # EDNS0, DO=1
    return qid, struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1) + encode_name(name) + \
        struct.pack("!HH", qtype, 1) + opt


def read_name(msg, off):
    """(name, offset after it); follows compression pointers."""
    labels, end = [], None
    for _ in range(128):
        n = msg[off]
        if n >= 0xC0:
            end = end or off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
        elif n == 0:
            name = ".".join(labels).lower() + "."
            return (name if labels else "."), end or off + 1
        else:
            labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
            off += 1 + n
    raise ValueError("name compression loop")


def read_rdata(msg, off, rtype, rdlen):
    if rtype == T_CNAME:
        return read_name(msg, off)[0]
    if rtype == T_MX:
        return struct.unpack("!H", msg[off:off + 2])[0], read_name(msg, off + 2)[0]
    if rtype == T_TXT:
        strings, p = [], off
        while p < off + rdlen:
            strings.append(msg[p + 1:p + 1 + msg[p]])
            p += 1 + msg[p]
        return strings
    if rtype in (T_A, T_AAAA):
        return str(ipaddress.ip_address(msg[off:off + rdlen]))
    return msg[off:off + rdlen]


def parse(msg, qid):
    hid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    if hid != qid:
        raise ValueError("id mismatch")
    off = 12
    for _ in range(qd):
        off = read_name(msg, off)[1] + 4
    rrs = []
    for _ in range(an):
        owner, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rrs.append((owner, rtype, read_rdata(msg, off, rtype, rdlen)))
        off += rdlen
    return Answer(flags & 0xF, bool(flags & 0x20), rrs), bool(flags & 0x200)


class Resolver:
    def __init__(self, addr, port, timeout=5.0):
        self.addr, self.port, self.timeout = addr, port, timeout

    def query(self, name, qtype, cd=False):
        qid, pkt = make_query(name, qtype, cd)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(self.timeout)
                s.sendto(pkt, (self.addr, self.port))
                ans, truncated = parse(s.recv(65535), qid)
            return self.query_tcp(pkt, qid) if truncated else ans
        except (socket.timeout, OSError):
            return Answer()

    def query_tcp(self, pkt, qid):
        with socket.create_connection((self.addr, self.port), self.timeout) as s:
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    raise OSError("short TCP answer")
                data += chunk
            return parse(data[2:], qid)[0]


# ---------------------------------------------------------------- TXT records (RFC 8461 3.1, RFC 8460 3)

STS_ID = re.compile(r"[A-Za-z0-9]{1,32}")
EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")


def fields(record, version):
    """name=value fields after the version, or None when the record breaks the field syntax."""
    parts = [p.strip(" \t") for p in record.split(";")]
    if parts[0] != version:
        return None
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()                       # one trailing ";" is allowed
    out = []
    for p in parts[1:]:
        name, eq, value = p.partition("=")
        if not eq or not EXT_NAME.fullmatch(name):
            return None
        out.append((name, value))
    return out


def sts_verdict(record):
    f = fields(record, "v=STSv1")
    if f is None:
        return "invalid", ""
    ids = [v for n, v in f if n == "id"]
    if not ids or not STS_ID.fullmatch(ids[0]):
        return "invalid", ""
    if any(not EXT_VALUE.fullmatch(v) for n, v in f if n != "id"):
        return "invalid", ""
    return "valid", ids[0]


def tlsrpt_verdict(record):
    f = fields(record, "v=TLSRPTv1")
    ruas = [v for n, v in f or [] if n == "rua"]
    if f is None or not ruas:
        return "invalid", ""
    # Every rua field counts, URIs reported in order (docs/txt-records.md, reading 6).
    uris = [u.strip(" \t") for rua in ruas for u in rua.split(",")]
    for u in uris:
        scheme = u.split(":", 1)[0].lower()
        if scheme not in ("mailto", "https") or ":" not in u or "!" in u or not u.split(":", 1)[1]:
            return "invalid", ""
    return "valid", ";".join(uris)


def txt_column(res, name, version, verdict):
    """(column value, detail) for a policy TXT name: none/valid/invalid/multiple/dns_error."""
    a = res.query(name, T_TXT)
    if a.rcode in (NXDOMAIN,) or (a.rcode == NOERROR and not a.of_type(T_TXT)):
        return "none", ""
    if a.rcode != NOERROR:
        return "dns_error", ""
    records = [b"".join(s).decode("utf-8", "replace") for s in a.of_type(T_TXT)]
    # A candidate is the version followed by the end, ";" or WSP (docs/txt-records.md, reading 1).
    records = [r for r in records if r.startswith(version) and r[len(version):][:1] in ("", ";", " ", "\t")]
    if not records:
        return "none", ""
    if len(records) > 1:
        return "multiple", ""
    return verdict(records[0])


# ---------------------------------------------------------------- hosts and TLSA (RFC 7672 2.1, 2.2)

def failure_kind(res, name, qtype):
    """bogus when the CD=1 retry answers (RFC 4035 4.3), error otherwise."""
    return "bogus" if res.query(name, qtype, cd=True).rcode in (NOERROR, NXDOMAIN) else "error"


def tlsa_at(res, base):
    """TLSA status at _25._tcp.<base>: secure, insecure, none, bogus or error."""
    name = "_25._tcp." + base
    a = res.query(name, T_TLSA)
    if a.rcode == SERVFAIL:
        return failure_kind(res, name, T_TLSA)
    if a.rcode not in (NOERROR, NXDOMAIN):
        return "error"
    if not a.of_type(T_TLSA):
        return "none"
    return "secure" if a.ad else "insecure"


def is_ip_literal(host):
    try:
        ipaddress.ip_address(host.rstrip("."))
        return True
    except ValueError:
        return False


def host_tlsa(res, host, notes):
    """Per-host TLSA status, or None when the host is skipped; adds notes. Raises on addr failure."""
    a4, a6 = res.query(host, T_A), res.query(host, T_AAAA)
    if any(a.rcode not in (NOERROR, NXDOMAIN) for a in (a4, a6)):
        notes.add("mx_addr_error")
        return "skip-failed"
    target = host
    while a4.cname_of(target):
        target = a4.cname_of(target)
    cname = target != host
    if cname:
        notes.add("mx_cname")
    if not a4.of_type(T_A) and not a6.of_type(T_AAAA):
        notes.add("mx_no_address")
        return None
    if not a4.of_type(T_A):
        notes.add("mx_aaaa_only")
    secure = (a4 if a4.of_type(T_A) else a6).ad
    if not cname:
        return tlsa_at(res, host) if secure else "none"
    return cname_tlsa(res, host, target, secure, notes)


def cname_tlsa(res, host, target, chain_secure, notes):
    """RFC 7672 2.2.2: secure chain -> expanded name, then original; else original if its CNAME is secure."""
    if chain_secure:
        t = tlsa_at(res, target)
        if t == "secure":
            notes.add("tlsa_base_expanded")
        if t != "none":
            return t
    elif not res.query(host, T_CNAME).ad:
        return "none"
    t = tlsa_at(res, host)
    if t == "secure":
        notes.add("tlsa_base_original")
    return t


def tlsa_column(res, hosts, notes):
    statuses, failed = [], False
    for h in hosts:
        if is_ip_literal(h):
            notes.add("mx_ip_literal")
            continue
        t = host_tlsa(res, h, notes)
        failed |= t == "skip-failed"
        if t not in (None, "skip-failed"):
            statuses.append(t)
    if not statuses:
        return "error" if failed else "none"
    return min(statuses, key=TLSA_ORDER.index)


# ---------------------------------------------------------------- one domain

def mx_failure(res, name, a):
    if a.rcode is None:
        return "mx_timeout", "error"
    if a.rcode == SERVFAIL:
        kind = failure_kind(res, name, T_MX)
        return ("mx_bogus" if kind == "bogus" else "mx_servfail"), kind
    return ("mx_refused" if a.rcode == REFUSED else "mx_formerr"), "error"


def resolve_domain(res, domain):
    row = {c: "" for c in COLUMNS}
    row.update(domain=domain, status="ok")
    name = domain + "."
    a = res.query(name, T_MX)
    if a.rcode not in (NOERROR, NXDOMAIN):
        row["error"], row["mx_dnssec"] = mx_failure(res, name, a)
        row.update(status="dns_error", mx_kind="dns_error")
        # The TXT lookups do not depend on the MX lookup: they keep their own verdicts.
        row["sts_txt"], row["sts_id"] = txt_column(res, "_mta-sts." + name, "v=STSv1", sts_verdict)
        row["tlsrpt"], row["tlsrpt_rua"] = txt_column(res, "_smtp._tls." + name, "v=TLSRPTv1",
                                                      tlsrpt_verdict)
        return row
    notes = set()
    if a.cname_of(name):
        notes.add("domain_cname")
    row["mx_dnssec"] = "secure" if a.ad else "insecure"
    mx = sorted(a.of_type(T_MX))
    hosts = mx_hosts(row, a, mx, name, notes)
    if hosts is not None:
        row["tlsa"] = tlsa_column(res, hosts, notes)
    row["sts_txt"], row["sts_id"] = txt_column(res, "_mta-sts." + name, "v=STSv1", sts_verdict)
    row["tlsrpt"], row["tlsrpt_rua"] = txt_column(res, "_smtp._tls." + name, "v=TLSRPTv1", tlsrpt_verdict)
    row["dns_notes"] = ";".join(n for n in NOTE_ORDER if n in notes)
    return row


def mx_hosts(row, a, mx, name, notes):
    """Fills mx_kind/mx_hosts; returns the hosts to examine (None when TLSA does not apply)."""
    if a.rcode == NXDOMAIN:
        row["mx_kind"] = "nxdomain"
        return None
    if not mx:
        row["mx_kind"] = "implicit"
        return [name]
    row["mx_hosts"] = ";".join(f"{p}:{h.rstrip('.') or '.'}" for p, h in mx[:MAX_HOSTS])
    if len(mx) == 1 and mx[0][1] == ".":
        row["mx_kind"] = "null"
        return None
    row["mx_kind"] = "mx"
    if any(h == "." for _, h in mx):
        notes.add("null_mx_mixed")
    if len(mx) > MAX_HOSTS:
        notes.add("mx_hosts_capped")
    return [h for _, h in mx[:MAX_HOSTS] if h != "."]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--world", required=True)
    ap.add_argument("--sample", type=int, default=1, metavar="K", help="only every K-th domain")
    ap.add_argument("--out")
    args = ap.parse_args()
    env = dict(line.strip().replace("'", "").split("=", 1)
               for line in open(os.path.join(args.world, "world.env")))
    res = Resolver(env["RESOLVER_ADDRS"].split()[0], int(env["WORLD_PORT"]))
    expected, _ = check_expected.read_rows(os.path.join(args.world, "expected.csv"))
    expected = [r for i, r in enumerate(expected) if i % args.sample == 0]
    got = [r if r["status"] == "input_error" else resolve_domain(res, r["domain"]) for r in expected]
    out = args.out or os.path.join(args.world, "oracle.csv")
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")   # DNS-stage columns only
        w.writeheader()
        w.writerows(got)
    by_domain = check_expected.index_got(got)
    failed = 0
    for want in expected:
        lines = check_expected.compare_one(want["domain"], want, by_domain.get(want["domain"], []),
                                           COLUMNS[1:])
        for line in lines:
            print(line)
        failed += bool(lines)
    print(f"oracle: {len(expected) - failed} passed, {failed} failed")
    return 0 if failed == 0 and expected else 1


if __name__ == "__main__":
    sys.exit(main())
