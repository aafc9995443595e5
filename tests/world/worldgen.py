#!/usr/bin/env python3
"""worldgen.py: builds the test world (zones, keys, NSD/unbound configs, scan input, expected rows).

  worldgen.py gen --spec catalogue.toml --out DIR [--port P] [--smtp-port P] [--https-port P]
                  [--large N --seed S [--smtp-hosts K] [--large-policies]] [--postfix auto|yes|no] [--sts auto|yes|no]
  worldgen.py config --out DIR [--port P] [--smtp-port P] [--https-port P]
                  (re-render configs after a move or a port change)

Everything under DIR is regenerated from scratch by `gen`. Only the standard library, the ldns
command-line tools (ldns-keygen, ldns-key2ds, ldns-signzone), nsd-checkzone and the openssl CLI
(certificates, worldpki.py) are used.
"""
import argparse
import concurrent.futures
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worldlarge  # noqa: E402  (sibling module: the --large generator)
import worldpki  # noqa: E402  (certificates and TLSA digests)
import worldsmtp  # noqa: E402  (ms-smtpd listeners and the stage-2 expectations)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "postfix"))
import worldpostfix  # noqa: E402  (Postfix listeners and posttls-finger, as root only)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "sts"))
import worldsts  # noqa: E402  (MTA-STS policy hosts on nginx, mta-sts-query's set-up)

# nsd-checkzone lives in /usr/sbin, which an ordinary user's PATH often lacks on Debian.
os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin"

KINDS = ("signed", "unsigned", "bogus-expired", "bogus-ds", "lame")
SIGNED_KINDS = ("signed", "bogus-expired", "bogus-ds")
COLUMNS = ("domain", "status", "error", "mx_kind", "mx_hosts", "mx_dnssec", "sts_txt", "sts_id",
           "tlsrpt", "tlsrpt_rua", "tlsa", "dns_notes")
# docs/output.md order of dns_notes, used to print the set in a stable order.
NOTE_ORDER = ("domain_cname", "null_mx_mixed", "mx_cname", "mx_ip_literal", "mx_no_address",
              "mx_addr_error", "mx_aaaa_only", "mx_hosts_capped", "tlsa_base_expanded",
              "tlsa_base_original")
EXPECTED_COLUMNS = COLUMNS + worldsmtp.STAGE2_COLUMNS + worldsts.STS_COLUMNS
MX_EXPECTED_COLUMNS = worldsmtp.MX_COLUMNS + worldsts.MX_STS_COLUMNS
DEFAULT_PORT = 53053
BENCH_CERT = "bench"   # the one certificate of the --smtp-hosts listeners


class SpecError(Exception):
    """A mistake in the catalogue, reported with the offending entry."""


# ---------------------------------------------------------------- names and zones

def absname(name):
    """Lowercase absolute form with the trailing dot ("." for the root)."""
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def depth(zone):
    return 0 if zone == "." else zone.count(".")


def is_under(name, zone):
    return zone == "." or name == zone or name.endswith("." + zone)


class Zone:
    """One zone of the world: kind, records (grouped by $ORIGIN), DS for the parent, children."""

    def __init__(self, name, kind, with_ds=False):
        if kind not in KINDS:
            raise SpecError(f"zone {name}: unknown kind {kind!r}")
        self.name = name
        self.kind = kind
        self.served = kind != "lame"
        # A lame zone may still have a DS in its parent; it then gets a key that is never served.
        self.has_key = kind in SIGNED_KINDS or (kind == "lame" and with_ds)
        self.blocks = []          # (origin, [lines]) in order
        self.bulk_file = None     # large zones: a pre-written body file with absolute names
        self.parent = None
        self.children = []
        self.ds = []              # DS lines to publish in the parent
        self.key = None           # base name of the key file (without .key/.private)

    @property
    def file(self):
        return "root.zone" if self.name == "." else self.name[:-1] + ".zone"

    def add(self, origin, line):
        if self.blocks and self.blocks[-1][0] == origin:
            self.blocks[-1][1].append(line)
        else:
            self.blocks.append((origin, [line]))


class World:
    """Zones by name, plus the scan input lines and the expected rows."""

    def __init__(self, conf):
        self.conf = conf
        self.zones = {}
        self.inputs = []          # raw lines of domains.txt
        self.rows = []            # expected.csv rows (dicts)
        self.mx_rows = []         # expected_mx.csv rows (dicts)
        self.servers = []         # worldsmtp.Server, one per ms-smtpd listener
        self.postfix = None       # Postfix listener dicts when the Postfix part is on, else None
        self.sts = None           # policy host dicts when the MTA-STS part is on, else None
        self.port53 = False       # unbound also on a port-53 address (posttls-finger, mta-sts-query)
        self.pki = None           # worldpki.Pki

    def add_zone(self, zone):
        if zone.name in self.zones:
            raise SpecError(f"zone {zone.name} defined twice")
        self.zones[zone.name] = zone

    def zone_of(self, name):
        """The deepest zone holding `name` (absolute)."""
        best = None
        for z in self.zones:
            if is_under(name, z) and (best is None or depth(z) > depth(best)):
                best = z
        if best is None:
            raise SpecError(f"{name}: no zone holds it")
        return self.zones[best]

    def link(self):
        """Sets parent/children from the names; every zone but the root needs a parent."""
        for z in self.zones.values():
            if z.name == ".":
                continue
            parent = self.zone_of(z.name.split(".", 1)[1] or ".")
            z.parent = parent
            parent.children.append(z)


# ---------------------------------------------------------------- catalogue

def subst(line, variables, pki=None):
    if pki is not None:
        line = pki.substitute(line)
    for k, v in variables.items():
        line = line.replace("${" + k + "}", v)
    if "${" in line:
        raise SpecError(f"unknown variable in {line!r}")
    return line


def owner_of(line, origin):
    """Absolute owner of a zone-file line written relative to `origin`."""
    if not line or line[0] in " \t":
        raise SpecError(f"record without an owner: {line!r} (the owner may not be left blank)")
    tok = line.split()[0]
    if tok == "@":
        return origin
    if tok.endswith("."):
        return absname(tok)
    return absname(tok + "." + (origin if origin != "." else ""))


def relative_to(origin):
    """Absolute form of a name written relative to `origin` ("@" is the origin itself)."""
    return lambda name: owner_of(name, origin)


def check_addresses(line, where):
    """A and AAAA records must hold loopback addresses (worldsmtp.check_safe_address says why)."""
    tokens = line.split()
    for i in range(1, min(4, len(tokens) - 1)):
        if tokens[i].upper() in ("A", "AAAA"):
            worldsmtp.check_safe_address(tokens[i].upper(), tokens[i + 1], where)
            return


def place_records(world, origin, lines, variables):
    """Puts each line into the zone holding its owner, keeping `origin` for relative names."""
    for raw in lines:
        line = subst(raw, variables, world.pki)
        check_addresses(line, origin)
        zone = world.zone_of(owner_of(line, origin))
        zone.add(origin, line)


def expected_row(dom, mx_rows=()):
    """The expected.csv row of one catalogue domain: defaults filled in, shape checked."""
    name = dom["name"]
    exp = dict(dom.get("expect", {}))
    exp.pop("mx", None)
    unknown = set(exp) - set(EXPECTED_COLUMNS)
    if unknown:
        raise SpecError(f"{name}: unknown expect keys {sorted(unknown)}")
    ok = exp.setdefault("status", "ok") == "ok"
    for col, default in (("error", ""), ("mx_hosts", ""), ("sts_id", ""), ("tlsrpt_rua", ""),
                         ("sts_txt", "none" if ok else ""), ("tlsrpt", "none" if ok else ""),
                         ("tlsa", "")):
        exp.setdefault(col, default)
    for col in ("mx_kind", "mx_dnssec"):
        if col not in exp:
            raise SpecError(f"{name}: expect.{col} is required")
    if ok == bool(exp["error"]):
        raise SpecError(f"{name}: error must be set exactly when status is not ok")
    if (exp["mx_kind"] in ("mx", "implicit")) != bool(exp["tlsa"]):
        raise SpecError(f"{name}: tlsa is given for mx_kind mx/implicit only")
    exp["dns_notes"] = format_notes(exp.get("dns_notes", []), name)
    exp["domain"] = name.rstrip(".").lower()
    worldsmtp.stage2_expect(exp, name, bool(dom.get("smtp")), mx_rows)
    worldsts.sts_expect(exp, name)
    return exp


def format_notes(notes, name):
    bad = set(notes) - set(NOTE_ORDER)
    if bad:
        raise SpecError(f"{name}: unknown dns_notes {sorted(bad)}")
    return ";".join(n for n in NOTE_ORDER if n in notes)


def escape_input(raw):
    """The domain column of an input_error row (docs/output.md; datasets/name.c ds_name_escape)."""
    out = []
    for b in raw.encode("utf-8"):
        out.append(chr(b) if 0x21 <= b < 0x7F and b != 0x5C else f"\\x{b:02x}")
    return "!" + "".join(out)


def bad_input_row(entry):
    row = {c: "" for c in EXPECTED_COLUMNS}
    row.update(domain=escape_input(entry["line"]), status="input_error", error=entry["error"])
    return row


def declare_certs(spec, pki):
    """[[cert]] (absolute hosts) and each domain's certs (hosts relative to the domain)."""
    entries = [(c, ".") for c in spec.get("cert", [])]
    entries += [(c, absname(d["name"])) for d in spec["domain"] for c in d.get("certs", [])]
    for c, origin in entries:
        unknown = set(c) - {"name", "variant", "host"}
        if unknown or "name" not in c:
            raise SpecError(f"certificate {c}: needs a name; unknown keys {sorted(unknown)}")
        host = relative_to(origin)(c.get("host", "mx"))
        pki.add(worldpki.Leaf(c["name"], c.get("variant", "good"), host))


def load_domain(world, dom, variables):
    name = absname(dom["name"])
    absolute = relative_to(name)
    place_records(world, name, dom.get("records", []), variables)
    for entry in dom.get("smtp", []):
        if worldpostfix.is_postfix(entry):
            add_postfix_listener(world, worldpostfix.parse_listener(entry, name, absolute, world.pki.leaves))
            continue
        server = worldsmtp.parse_server(entry, name, absolute, world.pki.leaves)
        if any(s.ip == server.ip for s in world.servers):
            raise SpecError(f"{name}: smtp listener {server.ip} declared twice")
        world.servers.append(server)
    if "policy" in dom:
        if world.sts is None:
            raise SpecError(f"{name}: a policy host in a world without the MTA-STS part")
        world.sts.append(worldsts.parse_policy(dom["policy"], name, world.pki.leaves))
    domain = name.rstrip(".")
    mx_rows = [mx_row(e, domain, absolute) for e in dom.get("expect", {}).get("mx", [])]
    world.inputs.append(dom.get("input", dom["name"]))
    world.rows.append(expected_row(dom, mx_rows))
    world.mx_rows.extend(mx_rows)


def mx_row(entry, domain, absolute):
    """An expected_mx.csv row: the stage-2 columns (worldsmtp) and sts_match/sts_valid (worldsts)."""
    stage2 = {k: v for k, v in entry.items() if k not in worldsts.MX_STS_COLUMNS}
    row = worldsmtp.mx_row(stage2, domain, absolute)
    worldsts.mx_expect(row, entry, domain)
    return row


def add_postfix_listener(world, listener):
    if world.postfix is None:
        raise SpecError(f"Postfix listener {listener['ip']} in a world without the Postfix part")
    if any(p["ip"] == listener["ip"] for p in world.postfix):
        raise SpecError(f"Postfix listener {listener['ip']} declared twice")
    world.postfix.append(listener)


def uses_postfix(dom):
    return any(worldpostfix.is_postfix(e) for e in dom.get("smtp", []))


def postfix_part(spec, world, choice):
    """Turns the Postfix part on (world.postfix = []) or leaves its cases out of the world entirely
    (zones, domains.txt, expectations), so that the world stays usable as an ordinary user."""
    ok, why = worldpostfix.available()
    if choice == "yes" and not ok:
        raise SystemExit(f"worldgen: --postfix yes, but the Postfix part cannot run here: {why}")
    if choice == "yes" or (choice == "auto" and ok):
        world.postfix = []
        return
    cases = [d for d in spec["domain"] if uses_postfix(d)]
    spec["domain"] = [d for d in spec["domain"] if not uses_postfix(d)]
    if cases and choice == "auto":
        print(f"worldgen: note: {len(cases)} Postfix cases left out ({why})", file=sys.stderr)


def sts_part(spec, world, choice):
    """Turns the MTA-STS policy hosts on (world.sts = []) or leaves every case with a `policy` out of
    the world, as postfix_part does; and decides whether unbound gets its port-53 address (for
    posttls-finger and for mta-sts-query, both root only)."""
    ok, why = worldsts.available()
    if choice == "yes" and not ok:
        raise SystemExit(f"worldgen: --sts yes, but the policy hosts cannot run here: {why}")
    if choice == "yes" or (choice == "auto" and ok):
        world.sts = []
        world.port53 = world.postfix is not None or worldsts.query_available()
        return
    world.port53 = world.postfix is not None
    cases = [d for d in spec["domain"] if "policy" in d]
    spec["domain"] = [d for d in spec["domain"] if "policy" not in d]
    if cases and choice == "auto":
        print(f"worldgen: note: {len(cases)} MTA-STS policy cases left out ({why})", file=sys.stderr)


def load_catalogue(spec, world, pool):
    """Adds the catalogue's zones, certificates, domains and malformed lines to `world`."""
    variables = spec.get("vars", {})
    for z in spec["zone"]:
        world.add_zone(Zone(absname(z["name"]), z["kind"], z.get("ds", False)))
    declare_certs(spec, world.pki)
    world.pki.build(pool)
    for z in spec["zone"]:
        place_records(world, absname(z["name"]), z.get("records", []), variables)
    seen = set()
    for dom in spec["domain"]:
        name = absname(dom["name"])
        if name in seen:
            raise SpecError(f"domain {name} listed twice")
        seen.add(name)
        load_domain(world, dom, variables)
    for bad in spec.get("bad_input", []):
        world.inputs.append(bad["line"])
        world.rows.append(bad_input_row(bad))


# ---------------------------------------------------------------- zone files

def zone_header(world, zone):
    """SOA, apex NS, the name servers' addresses where this zone must carry them, delegations."""
    c = world.conf
    ns = c["ns_name"]
    out = [f"$ORIGIN {zone.name}", f"$TTL {c['ttl']}",
           f"@ SOA {ns} hostmaster.invalid. 1 3600 600 86400 300", f"@ NS {ns}"]
    for name, address in ((ns, c["nsd_addr"]), (c["lame_ns_name"], c["lame_addr"])):
        if is_under(name, zone.name):
            # Authoritative data when the name is in this zone, glue when it is below a child cut.
            out.append(f"{name} A {address}")
    for child in sorted(zone.children, key=lambda z: z.name):
        out.append(f"{child.name} NS {ns if child.served else c['lame_ns_name']}")
        out.extend(child.ds)
    return out


def write_source(world, zone, path):
    with open(path, "w") as f:
        f.write("\n".join(zone_header(world, zone)) + "\n")
        for origin, lines in zone.blocks:
            f.write(f"$ORIGIN {origin}\n")
            f.write("\n".join(lines) + "\n")
        if zone.bulk_file:
            f.write(f"$ORIGIN {zone.name}\n")
            with open(zone.bulk_file) as bulk:
                shutil.copyfileobj(bulk, f)


def run(cmd, cwd=None):
    """Runs a tool; its stderr is shown on failure, because the tools explain themselves there."""
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.strip()}")
    return p.stdout


def make_key(zone, keydir):
    """A fresh ECDSAP256SHA256 key with the SEP flag, used alone as a combined signing key."""
    return run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone], cwd=keydir).strip()


def ds_of(keydir, base):
    return run(["ldns-key2ds", "-n", "-2", os.path.join(keydir, base + ".key")]).strip()


def make_keys(world, keydir, pool):
    """Keys for every keyed zone; the DS the parent publishes (from a decoy key for bogus-ds)."""
    keyed = [z for z in world.zones.values() if z.has_key]
    bases = pool.map(lambda z: make_key(z.name, keydir), keyed)
    for z, base in zip(keyed, bases):
        z.key = base
    for z in keyed:
        ds_base = make_key(z.name, keydir) if z.kind == "bogus-ds" else z.key
        z.ds = [ds_of(keydir, ds_base)]


def sign_dates(kind):
    """Inception/expiration: a day of clock skew and a year ahead, or a window long past."""
    if kind == "bogus-expired":
        return "20200101000000", "20200201000000"
    now = int(time.time())
    return str(now - 86400), str(now + 365 * 86400)


def build_zone(world, zone, out):
    """Writes, checks and (when keyed) signs one zone into out/zones/."""
    src = os.path.join(out, "src", zone.file)
    dst = os.path.join(out, "zones", zone.file)
    write_source(world, zone, src)
    if zone.kind in SIGNED_KINDS:
        inception, expiration = sign_dates(zone.kind)
        run(["ldns-signzone", "-i", inception, "-e", expiration, "-f", dst, src,
             os.path.join(out, "keys", zone.key)])
    elif zone.served:
        run(["nsd-checkzone", zone.name, src])
        shutil.copyfile(src, dst)


def build_zones(world, out, pool):
    """Children before parents, so each parent is written with its children's DS records."""
    make_keys(world, os.path.join(out, "keys"), pool)
    by_depth = {}
    for z in world.zones.values():
        by_depth.setdefault(depth(z.name), []).append(z)
    for d in sorted(by_depth, reverse=True):
        list(pool.map(lambda z: build_zone(world, z, out), by_depth[d]))


# ---------------------------------------------------------------- configs

def world_meta(world):
    """What start.sh, sanity.sh and `config` need, independent of where DIR lives."""
    root = world.zones["."]
    return {
        "port": world.conf.get("port", DEFAULT_PORT),
        "ns_name": world.conf["ns_name"],
        "nsd_addr": world.conf["nsd_addr"],
        "lame_addr": world.conf["lame_addr"],
        "resolver_addrs": world.conf["resolver_addrs"],
        "trust_anchor": root.ds[0],
        "smtp_port": world.conf.get("smtp_port", worldsmtp.DEFAULT_SMTP_PORT),
        "smtp": [s.as_json() for s in world.servers],
        **({"postfix": {"listeners": world.postfix}} if world.postfix is not None else {}),
        "https_port": world.conf.get("https_port", worldsts.DEFAULT_HTTPS_PORT),
        "port53": world.port53,
        **({"sts": {"hosts": world.sts}} if world.sts is not None else {}),
        "zones": [{"name": z.name, "kind": z.kind, "served": z.served, "file": z.file}
                  for z in sorted(world.zones.values(), key=lambda z: (depth(z.name), z.name))],
    }


def nsd_conf(meta, out, port, name="nsd", addr=None, zones=True):
    """NSD serving every served zone; or (zones=False) the zone-less one that REFUSES everything."""
    lines = [
        f"# {name}.conf: generated by worldgen.py; unprivileged NSD, every file in DIR.",
        "server:",
        f"    ip-address: {addr or meta['nsd_addr']}",
        f"    port: {port}",
        "    server-count: 1",
        "    do-ip6: no",
        '    database: ""',
        '    username: ""',
        '    chroot: ""',
        f'    zonesdir: "{out}/zones"',
        f'    zonelistfile: "{out}/run/{name}.zone.list"',
        f'    xfrdfile: "{out}/run/{name}.xfrd.state"',
        f'    xfrdir: "{out}/run"',
        f'    pidfile: "{out}/run/{name}.pid"',
        f'    logfile: "{out}/log/{name}.log"',
        "    verbosity: 1",
        "    hide-version: yes",
        "    # Benchmarks send far more than the default 200 qps from one source: no rate limit.",
        "    rrl-ratelimit: 0",
        "    rrl-whitelist-ratelimit: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for z in meta["zones"] if zones else []:
        if z["served"]:
            lines += ["zone:", f'    name: "{z["name"]}"', f'    zonefile: "{z["file"]}"']
    return "\n".join(lines) + "\n"


def has_port53(meta):
    """Whether unbound also listens on port 53 (worlds made before the flag: with Postfix only)."""
    return meta.get("port53", "postfix" in meta)


def unbound_conf(meta, out, port):
    lines = [
        "# unbound.conf: generated by worldgen.py; the validating resolver the scanner queries.",
        "server:",
        "    verbosity: 1",
        "    num-threads: 1",
        *[f"    interface: {a}" for a in meta["resolver_addrs"]],
        f"    port: {port}",
        # posttls-finger and mta-sts-query resolve through libc and c-ares, which know port 53 only
        # (worldpostfix.finger_addr: one address per world).
        *([f"    interface: {worldpostfix.finger_addr(port)}@53"] if has_port53(meta) else []),
        "    do-ip6: no",
        "    access-control: 127.0.0.0/8 allow",
        "    # NSD lives on loopback: without this unbound refuses to send it queries.",
        "    do-not-query-localhost: no",
        '    chroot: ""',
        '    username: ""',
        f'    directory: "{out}"',
        f'    pidfile: "{out}/run/unbound.pid"',
        f'    logfile: "{out}/log/unbound.log"',
        "    use-syslog: no",
        "    log-time-ascii: yes",
        "    log-servfail: yes",
        '    module-config: "validator iterator"',
        f'    trust-anchor: "{meta["trust_anchor"]}"',
        "    ede: yes",
        "    val-log-level: 2",
        "    qname-minimisation: no",
        "    msg-cache-size: 256m",
        "    rrset-cache-size: 512m",
        "    num-queries-per-thread: 4096",
        "    outgoing-range: 8192",
        "    # One NSD serves every zone: never let a slow moment mark it down for all of them.",
        "    infra-keep-probing: yes",
        "    hide-identity: yes",
        "    hide-version: yes",
        # unbound answers test., invalid., onion. ... itself (RFC 6761 local zones) unless told not to.
        *[f'    local-zone: "{z["name"]}" nodefault' for z in meta["zones"] if depth(z["name"]) == 1],
        "remote-control:",
        "    control-enable: no",
    ]
    # Referrals carry no port, so every zone is reached through a stub; lame zones through the
    # refusing NSD: pointed at the main NSD they would get its referral back, which unbound turns
    # into an empty NOERROR (no DS) or a "bogus" DNSKEY failure (with DS), not a SERVFAIL.
    for z in meta["zones"]:
        addr = meta["nsd_addr"] if z["served"] else meta["lame_addr"]
        lines += ["stub-zone:", f'    name: "{z["name"]}"', f"    stub-addr: {addr}@{port}"]
    return "\n".join(lines) + "\n"


def world_env(meta, port, out):
    """Shell variables for sanity.sh and start.sh: addresses, the zones of each kind, SMTP."""
    def zones(*kinds):
        return " ".join(z["name"] for z in meta["zones"] if z["kind"] in kinds)
    env = {
        "WORLD_PORT": str(port),
        "NSD_ADDR": meta["nsd_addr"],
        "LAME_ADDR": meta["lame_addr"],
        "RESOLVER_ADDRS": " ".join(meta["resolver_addrs"]),
        "SIGNED_ZONES": zones("signed"),
        "UNSIGNED_ZONES": zones("unsigned"),
        "BOGUS_ZONES": zones("bogus-expired", "bogus-ds"),
        "LAME_ZONES": zones("lame"),
        "WORLD_SMTP_PORT": str(meta["smtp_port"]),
        "SMTP_LISTENERS": str(len(meta.get("smtp", []))),
        "SMTP_CA_FILE": os.path.join(out, "pki", "ca.pem"),
    }
    if "postfix" in meta:
        env["POSTFIX_LISTENERS"] = str(len(meta["postfix"]["listeners"]))
        env["FINGER_RESOLVER"] = worldpostfix.finger_addr(port)
    env["WORLD_HTTPS_PORT"] = str(meta.get("https_port", worldsts.DEFAULT_HTTPS_PORT))
    if "sts" in meta:
        env["STS_POLICY_HOSTS"] = str(len(meta["sts"]["hosts"]))
    if "sts" in meta and has_port53(meta) and worldsts.query_available():
        env["STS_QUERY_RESOLVER"] = worldpostfix.finger_addr(port)
    return "".join(f"{k}='{v}'\n" for k, v in env.items())


def write_configs(out, port, smtp_port=None, https_port=None):
    """(Re)writes every file that names DIR or a port: configs, resolvers.txt, world.env, smtpd.conf,
    the Postfix part's and the MTA-STS part's (DIR/sts/nginx.conf)."""
    out = os.path.abspath(out)
    meta_path = os.path.join(out, "world.json")
    with open(meta_path) as f:
        meta = json.load(f)
    port = port or meta["port"]
    meta["port"] = port
    meta["smtp_port"] = smtp_port or meta.get("smtp_port", worldsmtp.DEFAULT_SMTP_PORT)
    meta["https_port"] = https_port or meta.get("https_port", worldsts.DEFAULT_HTTPS_PORT)
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    files = {
        "nsd.conf": nsd_conf(meta, out, port),
        "nsd-lame.conf": nsd_conf(meta, out, port, "nsd-lame", meta["lame_addr"], zones=False),
        "unbound.conf": unbound_conf(meta, out, port),
        "resolvers.txt": "".join(f"{a}:{port}\n" for a in meta["resolver_addrs"]),
        "world.env": world_env(meta, port, out),
    }
    if meta.get("smtp"):
        files["smtpd.conf"] = worldsmtp.smtpd_conf(meta, out, meta["smtp_port"])
    if "postfix" in meta:
        worldpostfix.write_configs(meta, out, port, meta["smtp_port"])
    if "sts" in meta:
        resolver = worldpostfix.finger_addr(port) if has_port53(meta) else None
        worldsts.write_configs(meta, out, meta["https_port"], resolver)
    for name, text in files.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


# ---------------------------------------------------------------- scan input and expectations

def write_inputs(world, out):
    with open(os.path.join(out, "domains.txt"), "w", encoding="utf-8") as f:
        f.write("# domains.txt: generated by worldgen.py; expected results in expected.csv\n")
        for line in world.inputs:
            f.write(line + "\n")
    with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=EXPECTED_COLUMNS)
        w.writeheader()
        w.writerows(world.rows)
    with open(os.path.join(out, "expected_mx.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MX_EXPECTED_COLUMNS)
        w.writeheader()
        w.writerows(world.mx_rows)


def refuse_if_running(out):
    """Wiping DIR under running daemons would leave them serving deleted files."""
    for prog, pidname in (("nsd", "nsd"), ("nsd", "nsd-lame"), ("unbound", "unbound"),
                          ("ms-smtpd", "ms-smtpd"), ("nginx", "nginx")):
        pidfile = os.path.join(out, "run", pidname + ".pid")
        try:
            with open(pidfile) as f:
                pid = int(f.read().split()[0])
            with open(f"/proc/{pid}/comm") as f:
                running = f.read().startswith(prog)   # NSD retitles itself "nsd: xfrd"
        except (OSError, ValueError, IndexError):
            continue
        if running:
            raise SystemExit(f"worldgen: {out} is in use ({prog} pid {pid}); run stop.sh first")
    if worldpostfix.master_running(out):
        raise SystemExit(f"worldgen: {out} is in use (Postfix master); run stop.sh first")


def add_large_policies(world, groups):
    """--large-policies: a policy host per address of worldlarge's policy groups, with one
    certificate naming every mta-sts.<domain> of the group, all serving worldlarge.policy_body()."""
    if world.sts is None:
        raise SystemExit("worldgen: --large-policies needs the MTA-STS part (nginx)")
    for g, domains in enumerate(groups):
        name = f"large-sts-{g:04d}"
        world.pki.add(worldpki.MultiLeaf(name, ["mta-sts." + d for d in domains]))
        world.sts.append({"domain": name, "host": "mta-sts." + domains[0].rstrip("."),
                          "ip": worldlarge.policy_addr(g), "cert": name, "chain": "int",
                          "status": 200, "content_type": "text/plain", "location": "", "rate": 0,
                          "_body": worldlarge.policy_body()})
    return {d.rstrip(".") for domains in groups for d in domains}


def add_large(world, n, seed, tmpdir, smtp_hosts, policies=False):
    """The --large part: its zones carry pre-written bodies; its rows come first in the input.
    With smtp_hosts K, the K addresses its domains use most get a `good` listener each; with
    policies, its _mta-sts domains get policy hosts (their stage-3 columns are not predicted)."""
    large = worldlarge.generate(n, seed, tmpdir, policies)
    with_policy = add_large_policies(world, large.policy_groups) if policies else set()
    for name, kind, body in large.zones:
        zone = Zone(name, kind)
        zone.bulk_file = body
        world.add_zone(zone)
    served = set(worldsmtp.pick_bench_ips(large.rows, smtp_hosts)) if smtp_hosts else set()
    for ip in sorted(served, key=lambda a: tuple(int(x) for x in a.split("."))):
        world.servers.append(worldsmtp.Server(ip, "good", BENCH_CERT, "int", "mx.bench.test"))
    if served:
        world.pki.add(worldpki.Leaf(BENCH_CERT, "good", "mx.bench.test"))
    for row in large.rows:
        worldsmtp.large_stage2(row, served)
        if row["domain"] in with_policy:
            row.update({col: worldsts.ANY for col in worldsts.STS_COLUMNS})
        worldsts.sts_expect(row, row["domain"])   # no policy hosts: the columns follow sts_txt
    world.inputs.extend(large.inputs)
    world.rows.extend(large.rows)


def cmd_gen(args):
    with open(args.spec, "rb") as f:
        spec = tomllib.load(f)
    world = World(spec["world"])
    out = os.path.abspath(args.out)
    if (args.smtp_hosts or args.large_policies) and not args.large:
        raise SystemExit("worldgen: --smtp-hosts and --large-policies need --large")
    refuse_if_running(out)
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("src", "zones", "keys", "run", "log", "large"):
        os.makedirs(os.path.join(out, sub))
    world.pki = worldpki.Pki(out)
    try:
        postfix_part(spec, world, args.postfix)
        sts_part(spec, world, args.sts)
        with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
            if args.large:
                add_large(world, args.large, args.seed, os.path.join(out, "large"), args.smtp_hosts,
                          args.large_policies)
            load_catalogue(spec, world, pool)
            world.link()
            build_zones(world, out, pool)
        if world.sts is not None:
            worldsts.check_unique(world.sts)
            worldsts.write_bodies(world.sts, out)
    except (SpecError, worldpki.PkiError, worldsmtp.SmtpError, worldpostfix.PostfixError,
            worldsts.StsError) as e:
        raise SystemExit(f"worldgen: {args.spec}: {e}")
    except RuntimeError as e:          # a tool failed: usually a bad record line in the catalogue
        raise SystemExit(f"worldgen: {e}")
    with open(os.path.join(out, "world.json"), "w") as f:
        json.dump(world_meta(world), f, indent=1)
    write_inputs(world, out)
    write_configs(out, args.port, args.smtp_port, args.https_port)
    shutil.rmtree(os.path.join(out, "large"))
    print(f"worldgen: {len(world.zones)} zones, {len(world.inputs)} input lines, "
          f"{len(world.pki.leaves)} certificates, {len(world.servers)} SMTP listeners"
          f"{'' if world.postfix is None else f', {len(world.postfix)} Postfix listeners'}"
          f"{'' if world.sts is None else f', {len(world.sts)} MTA-STS policy hosts'} in {out}")


def cmd_config(args):
    write_configs(args.out, args.port, args.smtp_port, args.https_port)


def main():
    env_port = int(os.environ["WORLD_PORT"]) if os.environ.get("WORLD_PORT") else None
    env_smtp = int(os.environ["WORLD_SMTP_PORT"]) if os.environ.get("WORLD_SMTP_PORT") else None
    env_https = int(os.environ["WORLD_HTTPS_PORT"]) if os.environ.get("WORLD_HTTPS_PORT") else None
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="generate the world into DIR (wiped first)")
    g.add_argument("--spec", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--port", type=int, default=env_port, help="default: $WORLD_PORT, else [world] port")
    g.add_argument("--smtp-port", type=int, default=env_smtp,
                   help="port of every SMTP listener; default: $WORLD_SMTP_PORT, else [world] smtp_port")
    g.add_argument("--https-port", type=int, default=env_https,
                   help="port of every MTA-STS policy host; default: $WORLD_HTTPS_PORT, "
                        "else [world] https_port")
    g.add_argument("--large", type=int, default=0, metavar="N", help="add N generated domains")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--smtp-hosts", type=int, default=0, metavar="K",
                   help="with --large: `good` listeners on the K addresses its domains use most")
    g.add_argument("--large-policies", action="store_true",
                   help="with --large: policy hosts for its _mta-sts domains (50 to an address)")
    g.add_argument("--postfix", choices=("auto", "yes", "no"), default="auto",
                   help="the Postfix listeners and posttls-finger's resolver; auto: when root and "
                        "Postfix is installed (default), else their cases are left out")
    g.add_argument("--sts", choices=("auto", "yes", "no"), default="auto",
                   help="the MTA-STS policy hosts (nginx); auto: when nginx is installed (default), "
                        "else the cases with a policy are left out")
    c = sub.add_parser("config", help="re-render configs of an existing DIR")
    c.add_argument("--out", required=True)
    c.add_argument("--port", type=int, default=env_port, help="default: $WORLD_PORT, else unchanged")
    c.add_argument("--smtp-port", type=int, default=env_smtp, help="default: $WORLD_SMTP_PORT, else unchanged")
    c.add_argument("--https-port", type=int, default=env_https,
                   help="default: $WORLD_HTTPS_PORT, else unchanged")
    args = ap.parse_args()
    (cmd_gen if args.cmd == "gen" else cmd_config)(args)


if __name__ == "__main__":
    main()
