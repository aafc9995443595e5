"""worldsts.py: the MTA-STS part of the test world: policy hosts served by one private nginx, their
policy files, DIR/sts/nginx.conf, the set-up of the reference client mta-sts-query, and the
stage-3 expectations (docs/output.md "MTA-STS (stage 3)").

The catalogue gives a [[domain]] a `policy` table: the HTTPS server of mta-sts.<domain> (README.md
"MTA-STS policy hosts"). worldgen.py keeps those cases only when nginx is installed (available()),
calls parse_policy() and write_bodies() at generation time, and nginx_conf() / query_resolv_conf()
whenever ports or DIR change (`worldgen.py config`). start.sh starts nginx from DIR/sts/nginx.conf,
stop.sh stops it (pid in DIR/run/nginx.pid); sts/query.sh runs mta-sts-query against the world.

Every policy host has its own address in 127.63.0.0/16 and its own certificate, all on one port
(WORLD_HTTPS_PORT), so that nginx picks the server by address, never by SNI: a client sending the
wrong SNI still gets the certificate the case is about.
"""
import ipaddress
import os
import shutil

POLICY_NET = ipaddress.ip_network("127.63.0.0/16")     # policy hosts live here
POLICY_KEYS = {"ip", "cert", "chain", "body", "status", "content_type", "location", "rate", "pad_to"}
CHAIN_LEVELS = ("leaf", "int", "root")
DEFAULT_HTTPS_PORT = 8443
WELL_KNOWN = ".well-known/mta-sts.txt"
PAD_KEY = "x-pad: "          # pad_to fills the body with one extension line (valid ABNF, ignored)
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")

# docs/output.md "MTA-STS (stage 3)": the domains.csv columns this part expects, and their values.
STS_COLUMNS = ("sts", "sts_mode", "sts_error", "sts_max_age", "sts_mx_ok", "sts_deliverable",
               "sts_strict")
MX_STS_COLUMNS = ("sts_match", "sts_valid")            # mx.csv
VALUES = {
    "sts": ("none", "valid", "invalid", "fetch_error", "dns_error", ""),
    "sts_mode": ("enforce", "testing", "none", ""),
    "sts_mx_ok": ("all", "some", "none", ""),
    "sts_deliverable": ("yes", "no", ""),
    "sts_strict": ("yes", "no", ""),
    "sts_match": ("yes", "no", ""),
    "sts_valid": ("yes", "no", ""),
}
# sts_error: the fetch codes of docs/output.md, the TXT codes, the policy verdicts and the strict
# parser codes (docs/mta-sts-policy.md), which a valid policy reports as its first strict problem.
FETCH_ERRORS = ("host_nxdomain", "host_dns_error", "host_address_skipped", "connect_fail",
                "tls_handshake", "webpki_expired", "webpki_untrusted", "webpki_name_mismatch",
                "webpki_no_dns_san", "http_3xx", "http_4xx", "http_5xx", "http_other", "too_large",
                "timeout", "fetch_error")
POLICY_ERRORS = ("mode_none", "ct_mismatch", "nul_byte", "empty", "bom", "bare_cr", "blank_line",
                 "leading_wsp", "line_syntax", "wsp_before_colon", "key_case", "ext_syntax",
                 "bad_version", "bad_mode", "max_age_syntax", "max_age_range", "mx_syntax",
                 "mx_ip_literal", "mx_trailing_dot", "version_missing", "mode_missing",
                 "max_age_missing", "mx_missing")
STS_ERRORS = ("", "txt_dns_error", "txt_syntax", "txt_multiple") + FETCH_ERRORS + POLICY_ERRORS
# sts and sts_error of a domain without a policy case, by its sts_txt column (record.c sts_fields):
# a valid record whose policy host does not exist is a fetch failure (RFC 8461 3.3).
FROM_TXT = {"none": ("none", ""), "dns_error": ("dns_error", "txt_dns_error"),
            "invalid": ("invalid", "txt_syntax"), "multiple": ("invalid", "txt_multiple"),
            "valid": ("fetch_error", "host_nxdomain"), "": ("", "")}
ANY = "*"


class StsError(Exception):
    """A mistake in a catalogue `policy` table or a stage-3 expectation."""


def which(prog):
    """A program's path; nginx lives in /usr/sbin, often not in an ordinary user's PATH."""
    return shutil.which(prog, path=os.environ.get("PATH", "") + ":" + ":".join(SBIN))


def available():
    """(True, "") when the policy hosts can be served here (nginx installed), else (False, why).
    nginx runs as root or as an ordinary user alike (high port, every file in DIR)."""
    if not which("nginx"):
        return False, "nginx missing (scripts/bootstrap.sh installs it)"
    return True, ""


def query_available():
    """Whether mta-sts-query can be run against the world (sts/query.sh): root for the private mount
    namespace and unbound's port 53, the client itself, unshare."""
    return os.geteuid() == 0 and bool(which("mta-sts-query")) and bool(which("unshare"))


# ---------------------------------------------------------------- catalogue

def check_ip(ip, domain):
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise StsError(f"{domain}: bad policy host address {ip!r}")
    if addr not in POLICY_NET:
        raise StsError(f"{domain}: policy host {ip} is outside {POLICY_NET}")


def padded(body, pad_to, domain):
    """The body as bytes; with pad_to, an extension line appended so that it is exactly pad_to long."""
    data = body.encode("utf-8")
    if pad_to is None:
        return data
    fill = pad_to - len(data) - len(PAD_KEY) - 1
    if fill < 1:
        raise StsError(f"{domain}: pad_to {pad_to} is shorter than the body")
    return data + PAD_KEY.encode() + b"a" * fill + b"\n"


def parse_policy(entry, domain, certs):
    """A policy host dict (as stored in world.json "sts") from one catalogue `policy` table.
    domain is absolute; certs maps certificate names to worldpki.Leaf."""
    unknown = set(entry) - POLICY_KEYS
    if unknown:
        raise StsError(f"{domain}: unknown policy keys {sorted(unknown)}")
    name = domain.rstrip(".")
    check_ip(entry.get("ip", ""), name)
    cert, chain = entry.get("cert"), entry.get("chain", "int")
    if cert not in certs:
        raise StsError(f"{name}: policy names an undeclared certificate {cert!r}")
    if chain not in CHAIN_LEVELS:
        raise StsError(f"{name}: policy chain must be one of {', '.join(CHAIN_LEVELS)}")
    status = int(entry.get("status", 200))
    if (300 <= status < 400) != ("location" in entry):
        raise StsError(f"{name}: a location is given exactly for a 3xx status")
    if "body" not in entry and status == 200:
        raise StsError(f"{name}: a 200 policy needs a body")
    for text in (entry.get("content_type", ""), entry.get("location", "")):
        if any(c in text for c in '"\\{}$\n'):   # both go into nginx.conf as quoted strings
            raise StsError(f"{name}: {text!r} cannot go into nginx.conf as is")
    return {"domain": name, "host": "mta-sts." + name, "ip": entry["ip"], "cert": cert,
            "chain": chain, "status": status,
            "content_type": entry.get("content_type", "text/plain"),
            "location": entry.get("location", ""), "rate": int(entry.get("rate", 0)),
            "_body": padded(entry["body"], entry.get("pad_to"), name) if "body" in entry else None}


def check_unique(hosts):
    seen = {}
    for h in hosts:
        if h["ip"] in seen:
            raise StsError(f"policy host {h['ip']} used by {seen[h['ip']]} and {h['domain']}")
        seen[h["ip"]] = h["domain"]


def write_bodies(hosts, out):
    """DIR/sts/www/<domain>/.well-known/mta-sts.txt for every policy host with a body; the bodies
    leave the dicts, so world.json holds no policy text."""
    for h in hosts:
        body = h.pop("_body", None)
        if body is None:
            continue
        path = os.path.join(out, "sts", "www", h["domain"], WELL_KNOWN)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)


# ---------------------------------------------------------------- expectations

def check_values(exp, name, columns):
    for col in columns:
        allowed = STS_ERRORS if col == "sts_error" else VALUES.get(col)
        value = exp.get(col, "")
        if allowed is not None and value not in allowed and value != ANY:
            raise StsError(f"{name}: expect.{col} {value!r} is not a docs/output.md value")
        if col == "sts_max_age" and value not in ("", ANY) and not value.isdigit():
            raise StsError(f"{name}: expect.sts_max_age {value!r} is not a number")


def sts_expect(exp, name):
    """Fills the stage-3 columns of an expected.csv row. Without an explicit `sts` they follow from
    sts_txt (FROM_TXT); a policy case states them. Values are checked against docs/output.md."""
    if "sts" not in exp:
        exp["sts"], default_error = FROM_TXT.get(exp.get("sts_txt", ""), ("", ""))
        exp.setdefault("sts_error", default_error)
    for col in STS_COLUMNS:
        exp[col] = str(exp.get(col, ""))
    check_values(exp, name, STS_COLUMNS)
    if exp["sts"] == "valid" and not exp["sts_mode"]:
        raise StsError(f"{name}: a valid policy states expect.sts_mode")


def mx_expect(row, entry, name):
    """sts_match / sts_valid of one expected_mx.csv row (empty without a policy)."""
    for col in MX_STS_COLUMNS:
        row[col] = entry.get(col, "")
    check_values(row, name, MX_STS_COLUMNS)


# ---------------------------------------------------------------- configuration files

def temp_paths(out):
    """nginx's temp directories: set explicitly, or nginx tries to create /var/lib/nginx/*."""
    tmp = os.path.join(out, "sts", "tmp")
    return [f"    {kind}_temp_path {tmp}/{kind};" for kind in
            ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]


def location_block(h):
    """The policy URL: the file with exactly the case's Content-Type (`types {}` clears nginx's
    extension map), or the case's status; limit_rate makes the slow case slow."""
    lines = ["    location = /" + WELL_KNOWN + " {", "        types { }",
             f'        default_type "{h["content_type"]}";']
    if h["rate"]:
        lines.append(f"        limit_rate {h['rate']};")
    if h["status"] != 200:
        where = f' "{h["location"]}"' if h["location"] else ""
        lines.append(f"        return {h['status']}{where};")
    return lines + ["    }"]


def server_block(out, port, h):
    pki = os.path.join(out, "pki")
    return ["server {",
            f"    listen {h['ip']}:{port} ssl;",
            f"    server_name {h['host']};",
            f"    ssl_certificate {pki}/{h['cert']}.{h['chain']}.pem;",
            f"    ssl_certificate_key {pki}/{h['cert']}.key;",
            f"    root {out}/sts/www/{h['domain']};",
            *location_block(h),
            "    location / { return 404; }",
            "}"]


def nginx_conf(meta, out, port):
    """DIR/sts/nginx.conf: one server per policy host (address:port, certificate, policy URL);
    every file in DIR; no session resumption, so every fetch is a full handshake. As root the
    workers stay root: they read DIR, which need not be readable by anyone else."""
    hosts = meta["sts"]["hosts"]
    lines = ["# nginx.conf: generated by tests/world/sts/worldsts.py; the world's MTA-STS policy hosts.",
             *(["user root;"] if os.geteuid() == 0 else []),
             "worker_processes 1;",
             f"pid {out}/run/nginx.pid;",
             f"error_log {out}/log/nginx.log info;",
             "events { worker_connections 1024; }",
             "http {",
             "    # who asked for what: the SNI and the user agent of every request (integration tests)",
             '    log_format sts \'$remote_addr $server_addr:$server_port "$ssl_server_name" '
             '"$request" $status $body_bytes_sent "$http_user_agent" $request_time\';',
             f"    access_log {out}/log/nginx-access.log sts;",
             *temp_paths(out),
             "    server_tokens off;",
             "    sendfile off;",
             "    ssl_protocols TLSv1.2 TLSv1.3;",
             "    ssl_session_cache off;",
             "    ssl_session_tickets off;"]
    for h in hosts:
        lines += ["    " + line for line in server_block(out, port, h)]
    return "\n".join(lines + ["}"]) + "\n"


def query_resolv_conf(addr):
    """The resolv.conf sts/query.sh bind-mounts over /etc/resolv.conf in its private mount
    namespace: the world's unbound on port 53 only, so mta-sts-query's c-ares (TXT) and getaddrinfo
    (the policy host) never ask anyone else."""
    return (f"# resolv.conf for mta-sts-query: generated by worldsts.py; the world's unbound.\n"
            f"nameserver {addr}\noptions edns0\n")


def write_configs(meta, out, https_port, resolver_addr):
    """DIR/sts/nginx.conf, its temp directories, and (with a port-53 resolver) DIR/sts/query/."""
    os.makedirs(os.path.join(out, "sts", "tmp"), exist_ok=True)
    with open(os.path.join(out, "sts", "nginx.conf"), "w") as f:
        f.write(nginx_conf(meta, out, https_port))
    if resolver_addr:
        # An empty SSL_CERT_DIR: mta-sts-query trusts ca.pem (SSL_CERT_FILE) and nothing else.
        os.makedirs(os.path.join(out, "sts", "query", "certs"), exist_ok=True)
        with open(os.path.join(out, "sts", "query", "resolv.conf"), "w") as f:
            f.write(query_resolv_conf(resolver_addr))
