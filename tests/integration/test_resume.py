#!/usr/bin/env python3
"""test_resume.py: a scan killed with SIGKILL mid-way and resumed ends with exactly one record per input domain,
equal to an uninterrupted scan of the same input."""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, finish, manifest, read_rows, run, scan_cmd, catalogue_names,  # noqa: E402
                    expected_keys, row_differences)

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

# Input: the catalogue plus 3000 non-existent names in one of its zones (answered NXDOMAIN), a duplicate
# and a malformed line, so the kill lands while work is in flight.
names = catalogue_names(world)
zone = names[0].split(".", 1)[1]
inp = os.path.join(work, "input.txt")
with open(inp, "w") as f, open(os.path.join(world, "domains.txt")) as src:
    f.write(src.read())
    for i in range(3000):
        f.write(f"resume-{i}.{zone}\n")
    f.write(names[0] + "\n")
    f.write("not a domain\n")
want_keys = set(expected_keys(world)) | {f"resume-{i}.{zone}" for i in range(3000)} | {"!not\\x20a\\x20domain"}

ref = os.path.join(work, "ref")
r = run(scan_cmd(mtascope, world, ref, inp))
check(r.returncode == 0, f"reference scan exits 0 (got {r.returncode}: {r.stderr[-500:]})")
ref_rows = {row["domain"]: row for row in read_rows(ref)}
check(set(ref_rows) == want_keys, f"reference scan has one row per input domain ({len(ref_rows)} vs {len(want_keys)})")

# Slow the scan down with the per-resolver rate limit so SIGKILL hits mid-scan.
out = os.path.join(work, "killed")
p = subprocess.Popen(scan_cmd(mtascope, world, out, inp, "--resolver-qps", "400"),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(3)
check(p.poll() is None, "the rate-limited scan is still running when killed")
p.send_signal(signal.SIGKILL)
p.wait()
check(not os.path.exists(os.path.join(out, "domains.csv")), "a killed scan leaves no domains.csv")

again = run(scan_cmd(mtascope, world, out, inp))
check(again.returncode == 1 and "--resume" in again.stderr, "restarting without --resume is refused with a hint")

r = run(scan_cmd(mtascope, world, out, inp, "--resume"))
check(r.returncode == 0, f"resumed scan exits 0 (got {r.returncode}: {r.stderr[-500:]})")
rows = read_rows(out)
keys = [row["domain"] for row in rows]
by_key = {row["domain"]: row for row in rows}
check(len(keys) == len(set(keys)), "no domain appears twice after resume")
check(set(keys) == want_keys, f"every input domain recorded after resume ({len(set(keys))} of {len(want_keys)})")
m = manifest(out)
skipped = m["counters"]["skipped_recorded"]
check(0 < skipped < len(want_keys), f"the resumed run skipped what the killed run had stored ({skipped})")
check(m["counters"]["domains_scanned"] < len(want_keys) - 1, "the resumed run did not redo everything")

# scanned_at and input_line aside, and the VOLATILE columns (common.py) under their condition.
diff = [k for k in sorted(want_keys) if k in ref_rows and
        row_differences([ref_rows[k]], [by_key.get(k, {"domain": k})], ("scanned_at", "input_line"))]
check(not diff, f"resumed records equal the uninterrupted scan's (differ: {diff[:5]})")
finish("test_resume")
