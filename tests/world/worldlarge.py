"""worldlarge.py: the --large part of the test world: N realistic domains for benchmarks, with expectations.

The mix follows the brief for benchmarks: 80% of domains in an unsigned bulk zone, 20% in a signed one;
2% NXDOMAIN, 1% null MX, 5% no MX but an A record; of the domains with MX, 50% use one of 20 big
providers (Zipf-distributed, signed zone, some with TLSA), 20% one of ~2000 shared hosting MX hosts
(half in a signed zone), 30% an MX host of their own. 5% publish _mta-sts, 4% _smtp._tls.
Every domain is built from a few simple shapes, so its expected row follows directly from the shape.
Each row also carries "_ips", the addresses of its mail hosts, for worldgen's --smtp-hosts (it is
removed before the row is written). Every address is loopback (AAAA records are ::1), so a probe of
the world never leaves the machine.
With worldgen's --large-policies, every domain that publishes _mta-sts also gets a policy host,
mta-sts.<domain>, POLICY_GROUP_SIZE names to an address and a certificate, all serving one policy.
Zone bodies use absolute names and are written straight to files: at 10^5..10^6 domains, speed matters.
"""
import bisect
import os
import random

UNSIGNED_BULK = "lu.test."
SIGNED_BULK = "ls.test."
PROVIDERS = "lp.test."
HOSTS_SIGNED = "lhs.test."
HOSTS_UNSIGNED = "lhu.test."
N_PROVIDERS = 20
POLICY_GROUP_SIZE = 50            # policy host names per address (and per certificate)
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zen", "bar", "tek", "net", "shop", "web", "mail",
             "co", "di", "fa", "go", "hu", "jo", "ly", "max", "pro", "sol", "tri", "uni", "vi", "xo")


class Large:
    """What generate() returns: zones as (name, kind, body file), input lines, expected rows."""

    def __init__(self):
        self.policy_groups = []   # per policy address: the domains (absolute) whose host it is
        self.zones = []
        self.inputs = []
        self.rows = []


class Bodies:
    """Open zone-body files, one per bulk zone, written line by line."""

    def __init__(self, tmpdir, names):
        self.paths = {z: os.path.join(tmpdir, z + "body") for z in names}
        self.files = {z: open(p, "w") for z, p in self.paths.items()}

    def add(self, zone, line):
        self.files[zone].write(line + "\n")

    def close(self):
        for f in self.files.values():
            f.close()


def addr(i):
    """A-record values for generated hosts: 127.60.128.0/17, wrapping (nothing listens unless
    worldgen --smtp-hosts puts a listener there)."""
    i %= 32768
    return f"127.60.{128 + i // 256}.{i % 256}"


def tlsa_rdata(rng):
    return f"3 1 1 {rng.getrandbits(256):064x}"


def make_providers(bodies, rng):
    """20 providers, 1 or 2 MX hosts each; every 4th (from the second) publishes TLSA."""
    providers = []
    for k in range(N_PROVIDERS):
        hosts = [f"mx{j + 1}.p{k}.{PROVIDERS}" for j in range(2 if k % 2 == 0 else 1)]
        has_tlsa = k % 4 == 1
        ips = []
        for j, h in enumerate(hosts):
            ips.append(f"127.60.3.{k * 2 + j + 1}")
            bodies.add(PROVIDERS, f"{h} A {ips[-1]}")
            if k % 3 == 0:
                bodies.add(PROVIDERS, f"{h} AAAA ::1")
                ips.append("::1")
            if has_tlsa:
                bodies.add(PROVIDERS, f"_25._tcp.{h} TLSA {tlsa_rdata(rng)}")
        mx = ";".join(f"{10 * (j + 1)}:{h[:-1]}" for j, h in enumerate(hosts))
        providers.append((hosts, mx, "secure" if has_tlsa else "none", ips))
    return providers


def make_hosts(bodies, rng, count):
    """Shared hosting MX hosts: the first half signed (every third with TLSA), the rest unsigned."""
    hosts = []
    for j in range(count):
        signed = j < count // 2
        zone = HOSTS_SIGNED if signed else HOSTS_UNSIGNED
        h = f"h{j:04d}.{zone}"
        ip = addr(20000 + j)
        bodies.add(zone, f"{h} A {ip}")
        has_tlsa = j % 3 == 0
        if has_tlsa:
            bodies.add(zone, f"_25._tcp.{h} TLSA {tlsa_rdata(rng)}")
        # An unsigned host's address is insecure: no TLSA query, whatever it publishes.
        hosts.append((h, "secure" if signed and has_tlsa else "none", ip))
    return hosts


def make_label(rng, seen):
    while True:
        label = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        r = rng.random()
        if r < 0.3:
            label += str(rng.randint(1, 999))
        elif r < 0.4:
            label += "-" + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        if label not in seen:
            seen.add(label)
            return label


def row(domain, mx_kind, mx_hosts, mx_dnssec, tlsa, ips=()):
    return {"domain": domain, "status": "ok", "error": "", "mx_kind": mx_kind, "mx_hosts": mx_hosts,
            "mx_dnssec": mx_dnssec, "sts_txt": "none", "sts_id": "", "tlsrpt": "none",
            "tlsrpt_rua": "", "tlsa": tlsa, "dns_notes": "", "_ips": list(ips)}


def add_mx(bodies, rng, zone, d, signed, providers, provider_cum, hosts):
    """MX records of one domain with MX; returns (mx_hosts, tlsa, addresses)."""
    r = rng.random()
    if r < 0.5:
        p = bisect.bisect_left(provider_cum, rng.random() * provider_cum[-1])
        names, mx, tlsa, ips = providers[p]
        for j, h in enumerate(names):
            bodies.add(zone, f"{d} MX {10 * (j + 1)} {h}")
        return mx, tlsa, ips
    if r < 0.7:
        h, tlsa, ip = hosts[rng.randrange(len(hosts))]
        bodies.add(zone, f"{d} MX 10 {h}")
        return f"10:{h[:-1]}", tlsa, [ip]
    own = "mx." + d
    ip = addr(rng.randrange(32768))
    bodies.add(zone, f"{d} MX 10 {own}")
    bodies.add(zone, f"{own} A {ip}")
    if signed and rng.random() < 0.3:
        bodies.add(zone, f"_25._tcp.{own} TLSA {tlsa_rdata(rng)}")
        return f"10:{own[:-1]}", "secure", [ip]
    return f"10:{own[:-1]}", "none", [ip]


def policy_addr(g):
    """Address of policy group g: 127.63.128.0/17, above the catalogue's policy hosts."""
    return f"127.63.{128 + g // 256}.{g % 256}"


def add_txt(bodies, rng, zone, d, exp, i, groups):
    if rng.random() < 0.05:
        exp["sts_txt"], exp["sts_id"] = "valid", f"2024{i:011d}"
        bodies.add(zone, f'_mta-sts.{d} TXT "v=STSv1; id={exp["sts_id"]};"')
        if groups is None:
            return
        if not groups or len(groups[-1]) == POLICY_GROUP_SIZE:
            groups.append([])
        groups[-1].append(d)
        bodies.add(zone, f"mta-sts.{d} A {policy_addr(len(groups) - 1)}")
    if rng.random() < 0.04:
        exp["tlsrpt"], exp["tlsrpt_rua"] = "valid", f"mailto:tlsrpt@{d[:-1]}"
        bodies.add(zone, f'_smtp._tls.{d} TXT "v=TLSRPTv1; rua={exp["tlsrpt_rua"]}"')


def add_domain(bodies, rng, i, label, providers, provider_cum, hosts, groups):
    """Records and expected row of one generated domain."""
    signed = rng.random() < 0.2
    zone = SIGNED_BULK if signed else UNSIGNED_BULK
    d = f"{label}.{zone}"
    sec = "secure" if signed else "insecure"
    r = rng.random()
    if r < 0.02:
        return row(d[:-1], "nxdomain", "", sec, "")
    if r < 0.03:
        bodies.add(zone, f"{d} MX 0 .")
        exp = row(d[:-1], "null", "0:.", sec, "")
    elif r < 0.08:
        ip = addr(rng.randrange(32768))
        bodies.add(zone, f"{d} A {ip}")
        exp = row(d[:-1], "implicit", "", sec, "none", [ip])
    else:
        mx, tlsa, ips = add_mx(bodies, rng, zone, d, signed, providers, provider_cum, hosts)
        exp = row(d[:-1], "mx", mx, sec, tlsa, ips)
    add_txt(bodies, rng, zone, d, exp, i, groups)
    return exp


def generate(n, seed, tmpdir, policies=False):
    """N domains (deterministic for a seed); zone bodies go to files under tmpdir. With policies,
    every _mta-sts domain gets a policy host address (out.policy_groups)."""
    rng = random.Random(seed)
    zones = [(UNSIGNED_BULK, "unsigned"), (SIGNED_BULK, "signed"), (PROVIDERS, "signed"),
             (HOSTS_SIGNED, "signed"), (HOSTS_UNSIGNED, "unsigned")]
    bodies = Bodies(tmpdir, [z for z, _ in zones])
    providers = make_providers(bodies, rng)
    provider_cum = []
    for k in range(N_PROVIDERS):
        provider_cum.append((provider_cum[-1] if provider_cum else 0) + 1 / (k + 1))
    hosts = make_hosts(bodies, rng, min(2000, max(20, n // 50)))
    out = Large()
    seen = set()
    for i in range(n):
        exp = add_domain(bodies, rng, i, make_label(rng, seen), providers, provider_cum, hosts,
                         out.policy_groups if policies else None)
        out.inputs.append(exp["domain"])
        out.rows.append(exp)
    bodies.close()
    out.zones = [(z, kind, bodies.paths[z]) for z, kind in zones]
    return out


def policy_body():
    """The one policy every generated policy host serves: enforce, the providers' and shared
    hosts' MX names; a domain with an MX host of its own is not covered (sts_mx_ok none), as
    happens when a policy is copied from a template."""
    mx = [f"*.p{k}.{PROVIDERS[:-1]}" for k in range(N_PROVIDERS)]
    mx += [f"*.{HOSTS_SIGNED[:-1]}", f"*.{HOSTS_UNSIGNED[:-1]}"]
    lines = ["version: STSv1", "mode: enforce", *[f"mx: {m}" for m in mx], "max_age: 604800"]
    return ("\r\n".join(lines) + "\r\n").encode()
