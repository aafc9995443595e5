"""worldsmtp.py: the SMTP part of the test world: ms-smtpd listeners, their config, and the stage-2 expectations.

The catalogue declares listeners per domain (smtp = [...]) and per-MX expectations (expect.mx = [...]);
worldgen.py calls in here to check them, to render DIR/smtpd.conf and to write DIR/expected_mx.csv.
Vocabularies follow docs/output.md "STARTTLS and DANE (stage 2)"; error codes are listed in README.md.
"""
import collections
import ipaddress
import os

BEHAVIOURS = ("good", "multiline-greeting", "no-starttls", "starttls-refused", "greet-421", "greet-554",
              "close-after-ehlo", "slow-drip", "endless-line", "garbage-tls", "reset-handshake",
              "stall-handshake", "inject", "tls12-only", "silent")
TLS_BEHAVIOURS = ("good", "multiline-greeting", "inject", "tls12-only")   # complete a handshake
CHAIN_LEVELS = ("leaf", "int", "root")
DEFAULT_SMTP_PORT = 2525
SMTP_NET = ipaddress.ip_network("127.61.0.0/16")      # catalogue listeners live here

# docs/output.md: mx.csv and domains.csv values
MX_STARTTLS = ("ok", "not_offered", "failed", "unreachable", "skipped")
PKIX = ("valid", "expired", "untrusted", "name_mismatch", "none")
MX_DANE = ("match_ee", "match_ta", "nomatch", "unusable", "none", "lookup_error")
DOMAIN_STARTTLS = ("all", "some", "none", "unreachable", "")
DOMAIN_DANE = ("none", "valid", "host_only", "partial", "invalid", "unusable", "lookup_error",
               "unverified", "")
# mx.csv error codes: docs/errors.md "error in mx.csv (STARTTLS stage)"; README.md says which
# listener produces which
ERRORS = ("", "loopback_address", "private_address", "linklocal_address", "reserved_address",
          "multicast_address", "unspecified_address", "invalid_address", "connect_refused",
          "connect_timeout", "no_route", "greeting_timeout", "greeting_reject", "conn_closed",
          "conn_reset", "line_too_long", "too_many_lines", "reply_syntax", "ehlo_reject",
          "ehlo_timeout", "starttls_reject", "starttls_timeout", "tls_handshake", "handshake_timeout",
          "plaintext_injection", "starttls_missing_with_tlsa", "tlsa_lookup_error", "tlsa_ee_nomatch",
          "ta_not_in_chain", "ta_nomatch", "ta_name_mismatch", "ta_chain_expired", "tlsa_nomatch")
MX_COLUMNS = ("domain", "mx_host", "pref", "ip", "starttls", "tls_version", "pkix", "dane", "error")
STAGE2_COLUMNS = ("starttls", "dane", "dane_error")
ANY = "*"   # an expected value that matches anything (check_expected.py)


class SmtpError(Exception):
    """A mistake in a catalogue smtp or expect.mx entry."""


def check_safe_address(rtype, value, where):
    """Every address in the world is loopback: probes of it can never leave the machine."""
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        raise SmtpError(f"{where}: bad {rtype} address {value!r}")
    if not addr.is_loopback:
        raise SmtpError(f"{where}: {rtype} {value} is outside loopback (127.0.0.0/8, ::1): "
                        "the scanner would send traffic off the machine")


class Server:
    """One ms-smtpd listener: address, behaviour, certificate name and chain level, greeting name."""

    def __init__(self, ip, behaviour, cert, chain, hostname):
        self.ip, self.behaviour, self.cert, self.chain, self.hostname = ip, behaviour, cert, chain, hostname

    def as_json(self):
        return {"ip": self.ip, "behaviour": self.behaviour, "cert": self.cert, "chain": self.chain,
                "hostname": self.hostname}


def parse_server(entry, domain, absolute, certs):
    """A Server from one `smtp` inline table of a [[domain]]; `absolute` turns relative names into
    absolute ones, certs maps certificate names to worldpki.Leaf."""
    unknown = set(entry) - {"ip", "behaviour", "cert", "chain", "host"}
    if unknown:
        raise SmtpError(f"{domain}: unknown smtp keys {sorted(unknown)}")
    ip = entry.get("ip")
    check_safe_address("A", ip or "", f"{domain} smtp")
    if ipaddress.ip_address(ip) not in SMTP_NET:
        raise SmtpError(f"{domain}: smtp listener {ip} is outside {SMTP_NET}")
    behaviour = entry.get("behaviour", "good")
    if behaviour not in BEHAVIOURS:
        raise SmtpError(f"{domain}: unknown behaviour {behaviour!r} (one of {', '.join(BEHAVIOURS)})")
    cert, chain = entry.get("cert"), entry.get("chain", "int")
    if chain not in CHAIN_LEVELS:
        raise SmtpError(f"{domain}: chain must be one of {', '.join(CHAIN_LEVELS)}")
    if cert is not None and cert not in certs:
        raise SmtpError(f"{domain}: smtp {ip} names an undeclared certificate {cert!r}")
    if cert is None and behaviour in TLS_BEHAVIOURS:
        raise SmtpError(f"{domain}: behaviour {behaviour} completes TLS and needs a cert")
    if "host" in entry:
        hostname = absolute(entry["host"])
    elif cert is not None:
        hostname = certs[cert].host
    else:
        hostname = absolute("mx")
    return Server(ip, behaviour, cert, chain, hostname.rstrip("."))


def mx_row(entry, domain, absolute):
    """An expected_mx.csv row from one expect.mx inline table, defaults filled in and values checked."""
    unknown = set(entry) - set(MX_COLUMNS) - {"host"}
    if unknown or "host" not in entry or "ip" not in entry or "starttls" not in entry:
        raise SmtpError(f"{domain}: expect.mx entries need host, ip, starttls (unknown: {sorted(unknown)})")
    ok = entry["starttls"] == "ok"
    row = {"domain": domain, "mx_host": absolute(entry["host"]).rstrip("."),
           "pref": str(entry.get("pref", 10)), "ip": entry["ip"], "starttls": entry["starttls"],
           "tls_version": entry.get("tls_version", "TLSv1.3" if ok else ""),
           "pkix": entry.get("pkix", "" if ok else "none"), "dane": entry.get("dane", "none"),
           "error": entry.get("error", "")}
    for col, allowed in (("starttls", MX_STARTTLS), ("pkix", PKIX), ("dane", MX_DANE), ("error", ERRORS)):
        if row[col] not in allowed and row[col] != ANY:
            raise SmtpError(f"{domain}: expect.mx {row['mx_host']} {col} {row[col]!r} not in {allowed}")
    return row


def domain_starttls(rows):
    """docs/output.md: over the pairs that answered with a 220 (and got through EHLO): all/some/none
    did STARTTLS; unreachable when none answered; empty when there is no probed pair."""
    probed = [r for r in rows if r["starttls"] != "skipped"]
    answered = [r for r in probed if r["starttls"] != "unreachable"]
    if not probed:
        return ""
    if not answered:
        return "unreachable"
    ok = sum(r["starttls"] == "ok" for r in answered)
    return "all" if ok == len(answered) else "some" if ok else "none"


# dane, dane_error of a DNS-only case (nothing listens) by its tlsa column: secure TLSA on hosts
# without an SMTP session is `unverified`; a failed TLSA lookup `lookup_error`, whose dane_error
# docs/output.md leaves open (the mx row's first error is connect_refused); tlsa `error` means an
# address lookup failed and no host was probed: left open.
DNS_ONLY_DANE = {"": ("", ""), "none": ("none", ""), "insecure": ("none", ""),
                 "secure": ("unverified", ""), "bogus": ("lookup_error", ANY), "error": (ANY, ANY)}


def stage2_expect(exp, name, has_servers, rows):
    """Fills starttls/dane/dane_error of a domain's expected row (README.md: defaults of DNS-only cases)."""
    for col in STAGE2_COLUMNS:
        if col in exp and exp[col] != ANY and exp[col] not in (DOMAIN_STARTTLS if col == "starttls" else
                                                               DOMAIN_DANE if col == "dane" else ERRORS):
            raise SmtpError(f"{name}: expect.{col} {exp[col]!r} is not a docs/output.md value")
    mail = exp["mx_kind"] in ("mx", "implicit")
    if has_servers and ("starttls" not in exp or "dane" not in exp):
        raise SmtpError(f"{name}: a case with smtp listeners states expect.starttls and expect.dane")
    exp.setdefault("starttls", "unreachable" if mail else "")
    if rows and domain_starttls(rows) != exp["starttls"]:
        raise SmtpError(f"{name}: expect.starttls {exp['starttls']!r} disagrees with expect.mx "
                        f"({domain_starttls(rows)!r})")
    if "dane" not in exp:
        exp["dane"], default_error = DNS_ONLY_DANE[exp.get("tlsa", "")]
        exp.setdefault("dane_error", default_error)
    exp.setdefault("dane_error", "")


def smtpd_conf(meta, out, port):
    """DIR/smtpd.conf: ip port behaviour chain key hostname, one listener a line."""
    lines = ["# smtpd.conf: generated by worldgen.py; read by ms-smtpd (tests/smtpd).",
             "# ip port behaviour chain-file key-file hostname   (- when the behaviour needs no TLS)"]
    pki = os.path.join(out, "pki")
    for s in meta.get("smtp", []):
        if s["cert"]:
            chain = os.path.join(pki, f"{s['cert']}.{s['chain']}.pem")
            key = os.path.join(pki, s["cert"] + ".key")
        else:
            chain = key = "-"
        lines.append(f"{s['ip']} {port} {s['behaviour']} {chain} {key} {s['hostname']}")
    return "\n".join(lines) + "\n"


def pick_bench_ips(rows, k):
    """The k IPv4 addresses most used by the large world's domains (ties by address)."""
    use = collections.Counter(ip for r in rows for ip in r.get("_ips", ()) if ":" not in ip)
    ranked = sorted(use, key=lambda ip: (-use[ip], ipaddress.ip_address(ip)))
    return ranked[:k]


def large_stage2(row, served):
    """Stage-2 columns of a generated domain. Its listeners (if any) are `good` with the bench
    certificate; its TLSA digests are random, so a served host with secure TLSA fails (nomatch)
    and an unserved one is unverified. Every host of a generated domain has the same TLSA status."""
    ips = row.pop("_ips", [])
    hit = any(ip in served for ip in ips)
    row["starttls"] = "" if not ips else "all" if hit else "unreachable"
    row["dane"], row["dane_error"] = DNS_ONLY_DANE[row.get("tlsa", "")]
    if row["dane"] == "unverified" and hit:
        row["dane"], row["dane_error"] = "invalid", "tlsa_ee_nomatch"
