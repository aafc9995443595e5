#!/usr/bin/env python3
"""test_dedupe.py: a name repeated in the input (next line, a few hundred lines on, thousands of lines on, after
its record was committed) is scanned once and recorded once, without the scanner holding the input in memory;
the manifest counts the repeats."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, manifest, read_rows, run, scan_cmd, catalogue_names  # noqa: E402

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
FAST = ("--no-smtp", "--no-sts")

zone = catalogue_names(world)[0].split(".", 1)[1]
uniq = [f"dup-{i}.{zone}" for i in range(4000)]
lines, first = [], {}
for i, n in enumerate(uniq):
    lines.append(n)
    if i % 10 == 0:
        lines.append(n.upper())          # the next line: still in flight
    if i % 10 == 1 and i >= 300:
        lines.append(uniq[i - 300])      # 300 names back: recorded moments ago, maybe not visible yet
    if i % 10 == 2 and i >= 3000:
        lines.append(uniq[i - 3000])     # thousands back: long committed
lines += ["bad..name", "bad..name"]      # the same malformed line twice: one record
lines += uniq[:50]                       # repeats at the very end, after everything else
for no, n in enumerate(lines, 1):
    first.setdefault(n.lower(), no)
repeats = len(lines) - len(first)
inp = os.path.join(work, "input.txt")
with open(inp, "w") as f:
    f.write("".join(n + "\n" for n in lines))

out = os.path.join(work, "scan")
r = run(scan_cmd(mtascope, world, out, inp, "--concurrency", "200", *FAST))
check(r.returncode == 0, f"the scan exits 0 ({r.stderr[-300:]})")
rows = read_rows(out)
keys = [row["domain"] for row in rows]
check(len(keys) == len(set(keys)) == len(uniq) + 1, f"one record per distinct entry ({len(keys)} vs {len(uniq) + 1})")
check(all(row["input_line"] == str(first[row["domain"].lstrip("!")]) for row in rows),
      "each record carries the line of the first occurrence")
c = manifest(out)["counters"]
check(c["skipped_duplicate"] == repeats, f"the manifest counts every repeat ({c['skipped_duplicate']} vs {repeats})")
check(c["domains_scanned"] == len(uniq) and c["input_errors"] == 1,
      f"each name looked up once, the bad line recorded once ({c})")

# The same input again with --resume: everything is recorded already.
r = run(scan_cmd(mtascope, world, out, inp, "--resume", *FAST))
c = manifest(out)["counters"]
check(r.returncode == 0 and c["domains_scanned"] == 0 and c["skipped_recorded"] + c["skipped_duplicate"] == len(lines),
      f"--resume of a finished scan scans nothing and records nothing twice ({c})")
check(len(read_rows(out)) == len(uniq) + 1, "still one record per distinct entry")

# A zone file whose NS runs for one name are split apart by other names: one record each.
zf = os.path.join(work, "split.zone")
with open(zf, "w") as f:
    f.write(f"$ORIGIN {zone}.\n")
    for i in range(300):
        f.write(f"z{i} NS ns1.example.\n")
    for i in range(300):
        f.write(f"z{i} NS ns2.example.\n")
out = os.path.join(work, "zone")
r = run(scan_cmd(mtascope, world, out, zf, *FAST))
c = manifest(out)["counters"]
check(r.returncode == 0 and len(read_rows(out)) == 300 and c["skipped_duplicate"] == 300,
      f"split NS runs give one record per delegation ({c})")
finish("test_dedupe")
