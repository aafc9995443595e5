#!/usr/bin/env python3
"""test_smtp_stage.py: the STARTTLS/DANE stage against the world's real SMTP servers: every domains.csv
and mx.csv value the catalogue expects, and the per-IP connection limit measured at the server."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, manifest, run, scan_cmd, world_env  # noqa: E402

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
checker = os.path.join(here, "..", "world", "check_expected.py")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

env = world_env(world)
smtp_port = env["WORLD_SMTP_PORT"]
pid = int(open(os.path.join(world, "run", "ms-smtpd.pid")).read())
stats_path = os.path.join(world, "smtpd-stats.json")


def server_stats():
    """Asks ms-smtpd for its counters: removes the old file and waits for the new one (it is written,
    then renamed), since an mtime comparison misses a rewrite within one clock tick."""
    try:
        os.unlink(stats_path)
    except FileNotFoundError:
        pass
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        time.sleep(0.1)
        try:
            with open(stats_path) as f:
                return json.load(f)["ips"]
        except (OSError, ValueError):
            pass
    return {}


# Only this test's connections count: earlier tests of the fixture also talked to the servers.
os.kill(pid, signal.SIGUSR2)
time.sleep(0.3)

out = os.path.join(work, "scan")
r = run(scan_cmd(mtascope, world, out, os.path.join(world, "domains.txt"), "--allow-private",
                 "--ca-file", os.path.join(world, "pki", "ca.pem"), "--smtp-port", smtp_port,
                 "--smtp-timeout", "3000", "--per-ip-conns", "1", "--per-ip-rate", "20"))
check(r.returncode == 0, f"scan exits 0 ({r.stderr[-400:]})")

cols = "status,error,mx_kind,mx_hosts,mx_dnssec,sts_txt,sts_id,tlsrpt,tlsrpt_rua,tlsa,dns_notes,starttls,dane,dane_error"
d = run([sys.executable, checker, "--expected", os.path.join(world, "expected.csv"),
         "--got", os.path.join(out, "domains.csv"), "--columns", cols])
print(d.stdout[-3000:], end="")
check(d.returncode == 0, "domains.csv matches every expectation, DNS and STARTTLS/DANE columns")
x = run([sys.executable, checker, "--expected", os.path.join(world, "expected_mx.csv"),
         "--got", os.path.join(out, "mx.csv"), "--key", "domain,mx_host,ip", "--listed-only",
         "--columns", "pref,starttls,tls_version,pkix,dane,error"])
print(x.stdout[-3000:], end="")
check(x.returncode == 0, "mx.csv matches every expected (domain, host, IP) row")

# Each presented chain is stored once in the result store, under the id mx.csv cites.
import csv  # noqa: E402
with open(os.path.join(out, "mx.csv"), newline="") as f:
    ids = {row["chain_id"] for row in csv.DictReader(f) if row["chain_id"]}
dump = subprocess.run(["mdb_dump", "-p", "-s", "blobs", os.path.join(out, "results.lmdb")],
                      capture_output=True, text=True)
keys = {line.strip() for line in dump.stdout.splitlines() if line.startswith(" chain:")}
check(dump.returncode == 0 and ids and ids == keys,
      f"every chain id in mx.csv is a stored blob, each once ({len(ids)} ids, {len(keys)} blobs)")

stats = server_stats()
worst = max((s["max_open"] for s in stats.values()), default=0)
check(0 < worst <= 1, f"no server address ever saw more than 1 connection at once (max {worst})")
m = manifest(out)
check(m["smtp"]["max_per_ip_seen"] <= 1, "the scanner's own count agrees")
shared = [ip for ip, s in stats.items() if ip == "127.61.4.5"]
check(shared and stats["127.61.4.5"]["accepted"] == 1,
      "three domains sharing one MX host cost one connection")
check(m["smtp"]["reused"] > 0, "probe results were shared between domains")
finish("test_smtp_stage")
