"""worldpostfix.py: the Postfix part of the test world: real Postfix smtpd listeners and the
posttls-finger set-up (its private main.cf, resolv.conf and the port-53 resolver address).

The catalogue marks a listener `server = "postfix"` on a [[domain]]'s smtp entry. worldgen.py keeps
those cases only when this part is available (root, Postfix installed: available()), hands their
entries to parse_listener() instead of worldsmtp.parse_server(), and calls write_configs() to render
DIR/postfix/. tests/world/postfix/pfctl.sh starts and stops the instance, finger.sh runs
posttls-finger against the world (both read what is written here).

One private instance serves every listener: config_directory DIR/postfix/etc, queue_directory
DIR/postfix/spool, data_directory DIR/postfix/data, log DIR/log/postfix.log. master.cf has one
service per listener address (IP:WORLD_SMTP_PORT, never port 25, never a wildcard address), each
with its own -o overrides (README.md "Postfix listeners" lists them per behaviour).
"""
import ipaddress
import os
import shutil

# Behaviours a real Postfix can be configured for (the names are those of worldsmtp.BEHAVIOURS).
BEHAVIOURS = ("good", "no-starttls", "multiline-greeting")
TLS_BEHAVIOURS = ("good", "multiline-greeting")
CHAIN_LEVELS = ("leaf", "int", "root")
POSTFIX_NET = ipaddress.ip_network("127.62.0.0/16")    # Postfix listeners live here
FINGER_NET = "127.54"       # the port-53 resolver for posttls-finger: 127.54.<port / 256>.<port % 256>
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
# postscreen waits this long for a client that talks before its turn, then hands over to smtpd:
# every connection to a multiline-greeting listener costs it (the minimum Postfix accepts).
GREET_WAIT = "1s"


class PostfixError(Exception):
    """A mistake in a catalogue smtp entry with server = "postfix"."""


def which(prog):
    """The path of a Postfix program (they live in /usr/sbin, often not in a user's PATH)."""
    path = os.environ.get("PATH", "") + ":" + ":".join(SBIN)
    return shutil.which(prog, path=path)


def available():
    """(True, "") when the Postfix part can run here, else (False, why): it binds unbound to port 53
    and runs Postfix's master and posttls-finger in a private mount namespace, all of which need root."""
    if os.geteuid() != 0:
        return False, "not root"
    missing = [p for p in ("postfix", "posttls-finger", "unshare") if not which(p)]
    if missing:
        return False, "missing " + ", ".join(missing) + " (scripts/bootstrap.sh installs postfix)"
    return True, ""


def is_postfix(entry):
    """Whether a catalogue smtp entry is served by Postfix (server = "postfix") rather than ms-smtpd."""
    server = entry.get("server", "ms-smtpd")
    if server not in ("ms-smtpd", "postfix"):
        raise PostfixError(f"smtp {entry.get('ip')}: server must be ms-smtpd or postfix, not {server!r}")
    return server == "postfix"


def finger_addr(port):
    """The address unbound also serves on port 53 for posttls-finger (libc's stub resolver cannot use
    another port). Derived from the world's DNS port so that two worlds never claim the same one."""
    return f"{FINGER_NET}.{port >> 8}.{port & 255}"


def parse_listener(entry, domain, absolute, certs):
    """A listener dict (as stored in world.json "postfix") from one smtp entry with server = "postfix".
    Same keys and meaning as an ms-smtpd entry (worldsmtp.parse_server), Postfix behaviours only."""
    unknown = set(entry) - {"ip", "behaviour", "cert", "chain", "host", "server"}
    if unknown:
        raise PostfixError(f"{domain}: unknown smtp keys {sorted(unknown)}")
    ip = entry.get("ip", "")
    try:
        if ipaddress.ip_address(ip) not in POSTFIX_NET:
            raise PostfixError(f"{domain}: Postfix listener {ip} is outside {POSTFIX_NET}")
    except ValueError:
        raise PostfixError(f"{domain}: bad listener address {ip!r}")
    behaviour = entry.get("behaviour", "good")
    if behaviour not in BEHAVIOURS:
        raise PostfixError(f"{domain}: Postfix behaviour {behaviour!r} is not one of {', '.join(BEHAVIOURS)}")
    cert, chain = entry.get("cert"), entry.get("chain", "int")
    if chain not in CHAIN_LEVELS:
        raise PostfixError(f"{domain}: chain must be one of {', '.join(CHAIN_LEVELS)}")
    if cert is not None and cert not in certs:
        raise PostfixError(f"{domain}: smtp {ip} names an undeclared certificate {cert!r}")
    if (cert is None) == (behaviour in TLS_BEHAVIOURS):
        raise PostfixError(f"{domain}: Postfix behaviour {behaviour} needs a cert exactly when it offers TLS")
    host = absolute(entry["host"]) if "host" in entry else certs[cert].host if cert else absolute("mx")
    return {"ip": ip, "behaviour": behaviour, "cert": cert, "chain": chain, "hostname": host.rstrip(".")}


# ---------------------------------------------------------------- configuration files

def main_cf(out, port):
    """The instance's main.cf: every path inside DIR, nothing that looks names up in DNS."""
    pf = os.path.join(out, "postfix")
    return "\n".join([
        "# main.cf: generated by tests/world/postfix/worldpostfix.py; the world's private Postfix instance.",
        "compatibility_level = 3.6",
        "# Paths: the instance owns DIR/postfix; its log is DIR/log/postfix.log (through postlogd).",
        f"queue_directory = {pf}/spool",
        f"data_directory = {pf}/data",
        f"maillog_file = {out}/log/postfix.log",
        f"maillog_file_prefixes = {out}/log",
        "# Names are given, so no daemon asks DNS for its own name; client names are never looked up",
        "# (the machine's resolver is outside 127.0.0.0/8: no query may leave the machine).",
        "myhostname = postfix.world.test",
        "mydomain = world.test",
        "mydestination =",
        "smtpd_peername_lookup = no",
        "# Only master.cf's explicit IP:port services listen: loopback-only binds nothing by itself,",
        "# and no service uses port 25 or a wildcard address.",
        "inet_interfaces = loopback-only",
        "inet_protocols = ipv4",
        "mynetworks = 127.0.0.1/32",
        "# The listeners only ever see EHLO, STARTTLS and QUIT: no maps, no proxymap service needed.",
        "local_recipient_maps =",
        "alias_maps =",
        "alias_database =",
        "biff = no",
        "# TLS: per listener in master.cf; no session cache, so every probe is a full handshake.",
        "smtpd_tls_security_level = may",
        "smtpd_tls_session_cache_database =",
        "smtpd_tls_loglevel = 1",
        f"# (the listeners use port {port})",
    ]) + "\n"


def chain_opts(out, listener):
    """-o options that install the listener's key and the chain it sends (leaf first)."""
    if not listener["cert"]:
        return ["-o smtpd_tls_security_level=none"]
    pki = os.path.join(out, "pki")
    key = os.path.join(pki, listener["cert"] + ".key")
    chain = os.path.join(pki, f"{listener['cert']}.{listener['chain']}.pem")
    return ["-o smtpd_tls_security_level=may", f"-o smtpd_tls_chain_files={key},{chain}"]


def service_name(listener):
    """The internal name of the smtpd behind a postscreen listener: pf-<ip with dashes>."""
    return "pf-" + listener["ip"].replace(".", "-")


def services(out, port, listener):
    """master.cf lines for one listener. A multi-line greeting is what postscreen does for real: its
    "220-" teaser (postscreen_greet_banner), then after postscreen_greet_wait the hand-off to smtpd,
    which sends the final "220 " line. The cache is off and loopback is not allowlisted, so every
    connection gets the teaser."""
    smtpd = [f"-o myhostname={listener['hostname']}", *chain_opts(out, listener)]
    where = f"{listener['ip']}:{port}"
    if listener["behaviour"] != "multiline-greeting":
        return [f"{where} inet n - n - - smtpd " + " ".join(smtpd)]
    name = service_name(listener)
    teaser = f"{listener['hostname']} ESMTP postscreen: a multi-line greeting"
    return [f"{where} inet n - n - 1 postscreen -o smtpd_service_name={name} -o postscreen_access_list="
            f" -o postscreen_cache_map= -o postscreen_greet_wait={GREET_WAIT}"
            f" -o {{ postscreen_greet_banner = {teaser} }}",
            f"{name} pass - - n - - smtpd " + " ".join(smtpd)]


def master_cf(out, port, listeners):
    """master.cf: the listeners plus the internal services smtpd talks to (no chroot anywhere)."""
    lines = ["# master.cf: generated by tests/world/postfix/worldpostfix.py; one service per listener.",
             "# service type private unpriv chroot wakeup maxproc command + args"]
    for listener in listeners:
        lines += services(out, port, listener)
    lines += ["tlsmgr unix - - n 1000? 1 tlsmgr",
              "anvil unix - - n - 1 anvil",
              "postlog unix-dgram n - n - 1 postlogd"]
    return "\n".join(lines) + "\n"


def finger_main_cf():
    """posttls-finger's main.cf (MAIL_CONFIG): DNSSEC on (the AD bit from the world's unbound is
    trusted, as RFC 7672 2.1.1 allows over loopback), IPv4 only (the world's AAAA records are ::1,
    where nothing listens), its own name fixed (no lookup)."""
    return "\n".join([
        "# main.cf for posttls-finger: generated by tests/world/postfix/worldpostfix.py (see finger.sh).",
        "compatibility_level = 3.6",
        "myhostname = finger.world.test",
        "mydomain = world.test",
        "mynetworks = 127.0.0.1/32",
        "inet_protocols = ipv4",
        "smtp_dns_support_level = dnssec",
    ]) + "\n"


def finger_resolv_conf(port):
    """The resolv.conf finger.sh bind-mounts over /etc/resolv.conf in its private mount namespace:
    the world's unbound only; trust-ad, or glibc clears the AD bit posttls-finger needs."""
    return (f"# resolv.conf for posttls-finger: generated by worldpostfix.py; the world's unbound.\n"
            f"nameserver {finger_addr(port)}\noptions edns0 trust-ad\n")


def write_configs(meta, out, port, smtp_port):
    """Writes DIR/postfix/etc/{main,master}.cf and DIR/postfix/finger/{main.cf,resolv.conf}."""
    files = {
        "etc/main.cf": main_cf(out, smtp_port),
        "etc/master.cf": master_cf(out, smtp_port, meta["postfix"]["listeners"]),
        "finger/main.cf": finger_main_cf(),
        "finger/resolv.conf": finger_resolv_conf(port),
    }
    for name, text in files.items():
        path = os.path.join(out, "postfix", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def master_running(out):
    """The pid of a live Postfix master of DIR's instance, or None."""
    try:
        with open(os.path.join(out, "postfix", "spool", "pid", "master.pid")) as f:
            pid = int(f.read().split()[0])
        with open(f"/proc/{pid}/comm") as f:
            return pid if f.read().startswith("master") else None
    except (OSError, ValueError, IndexError):
        return None
