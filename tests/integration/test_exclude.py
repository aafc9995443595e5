#!/usr/bin/env python3
"""test_exclude.py: --exclude keeps the scanner away from listed domains, MX hosts and addresses (checked at
the SMTP server), every input domain still gets a record, and SIGHUP reloads the list during a scan."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, manifest, read_rows, run, scan_cmd, world_env  # noqa: E402

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
smtp_port = world_env(world)["WORLD_SMTP_PORT"]
pid = int(open(os.path.join(world, "run", "ms-smtpd.pid")).read())
stats_path = os.path.join(world, "smtpd-stats.json")

excl = os.path.join(work, "exclude.txt")
with open(excl, "w") as f:
    f.write("# opt-outs\ndane-ee.tls.test\nmx.cert-expired.tls.test\n127.61.1.1/32\n127.61.2.0/24\n")
smtp_args = ["--allow-private", "--ca-file", os.path.join(world, "pki", "ca.pem"), "--smtp-port", smtp_port,
             "--smtp-timeout", "3000", "--per-ip-rate", "20"]

os.kill(pid, signal.SIGUSR2)  # only this test's connections count
time.sleep(0.3)
out = os.path.join(work, "scan")
r = run(scan_cmd(mtascope, world, out, os.path.join(world, "domains.txt"), "--exclude", excl, *smtp_args))
check(r.returncode == 0, f"scan with --exclude exits 0 ({r.stderr[-300:]})")
rows = {row["domain"]: row for row in read_rows(out)}
expected = [row["domain"] for row in csv.DictReader(open(os.path.join(world, "expected.csv"), newline=""))]
check(set(rows) == set(expected), "every input domain still has exactly one record")
check(rows["dane-ee.tls.test"]["status"] == "excluded", "a listed domain is recorded as excluded")
check(rows["dane-ee.tls.test"]["mx_kind"] == "", "and nothing was looked up for it")
check("mx_excluded" in rows["cert-expired.tls.test"]["dns_notes"].split(";"), "a listed MX host is noted")
mx = list(csv.DictReader(open(os.path.join(out, "mx.csv"), newline="")))
check(not [m for m in mx if m["mx_host"] == "mx.cert-expired.tls.test"], "a listed MX host is never probed")
skipped = [m for m in mx if m["ip"] == "127.61.1.1" or m["ip"].startswith("127.61.2.")]
check(skipped and all(m["starttls"] == "skipped" and m["error"] == "excluded" for m in skipped),
      f"rows of listed addresses are skipped/excluded ({len(skipped)})")
os.unlink(stats_path)  # the rewrite is awaited by its reappearance (write, then rename)
os.kill(pid, signal.SIGUSR1)
for _ in range(100):
    time.sleep(0.1)
    if os.path.exists(stats_path):
        break
stats = json.load(open(stats_path))["ips"]
touched = [ip for ip, s in stats.items() if s["accepted"] > 0 and (ip == "127.61.1.1" or ip.startswith("127.61.2."))]
check(not touched, f"the SMTP server saw no connection to an excluded address ({touched})")
check(manifest(out)["counters"]["excluded"] == 1, "the manifest counts the excluded domain")

# A bad list is refused at start with the line number.
bad = os.path.join(work, "bad.txt")
open(bad, "w").write("ok.test\n10.0.0.0/99\n")
r = run(scan_cmd(mtascope, world, os.path.join(work, "bad"), os.path.join(world, "domains.txt"), "--exclude", bad))
check(r.returncode == 1 and "line 2" in r.stderr, "a malformed exclusion list is refused with its line number")

# SIGHUP during a scan: the new list applies to domains read afterwards; a bad reload keeps the old list.
inp = os.path.join(work, "slow.txt")
with open(inp, "w") as f:
    for i in range(1500):
        f.write(f"slow-{i}.sec.test\n")
    f.write("late.sec.test\n")
open(excl, "w").write("nothing-yet.test\n")
p = subprocess.Popen(scan_cmd(mtascope, world, os.path.join(work, "hup"), inp, "--exclude", excl,
                              "--resolver-qps", "300", "--concurrency", "20", "--no-smtp"),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
time.sleep(1)
open(excl, "w").write("10.0.0.0/99\n")
p.send_signal(signal.SIGHUP)
time.sleep(0.5)
open(excl, "w").write("late.sec.test\n")
p.send_signal(signal.SIGHUP)
_, err = p.communicate(timeout=120)
check(p.returncode == 0, f"the scan survives two reloads ({err[-300:]})")
check("keeping the previous list" in err, "a bad reload is reported and ignored")
hup = {row["domain"]: row for row in read_rows(os.path.join(work, "hup"))}
check(hup["late.sec.test"]["status"] == "excluded", "a domain listed by the reload is excluded")
check(manifest(os.path.join(work, "hup"))["counters"]["exclude_reloads"] == 1, "one successful reload counted")
finish("test_exclude")
