#!/usr/bin/env python3
"""test_dryrun.py: --dry-run reads, normalises, dedupes and shards like a scan and counts what a scan would do, but
sends nothing (no resolver, SMTP or HTTPS), writes no results and leaves no scratch files behind."""
import gzip
import json
import os
import re
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, run  # noqa: E402

mtascope, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
tmp = os.path.join(work, "tmp")
os.makedirs(tmp)
env = dict(os.environ, TMPDIR=tmp)

# A UDP socket standing in for a resolver: a dry run must never send it anything.
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
sock.setblocking(False)
resolver = f"127.0.0.1:{sock.getsockname()[1]}"

names = [f"h{i % 3}.org{i // 3}.test" for i in range(3000)]  # 1000 registered domains
lines = names + names[::7] + ["bad..name", "bad..name", "www.example.co.uk"]
inp = os.path.join(work, "in.txt.gz")
with gzip.open(inp, "wt") as f:
    f.write("".join(n + "\n" for n in lines))
uniq = len(names) + 1


def counts(out):
    m = re.search(r"^dry run: (\d+) entries in ([\d.]+) s: (\d+) entries/s, peak RSS (\d+) KiB \((\w+)(, gzip)?\)$",
                  out, re.M)
    c = re.search(r"to scan (\d+), input errors (\d+), duplicates (\d+), excluded (\d+), sampled out (\d+), "
                  r"other shards (\d+)", out)
    return m, c


r = run([mtascope, "scan", "--dry-run", "--resolver", resolver, "--no-status", inp], env=env)
m, c = counts(r.stdout)
check(r.returncode == 0 and m and c, f"a dry run exits 0 and prints its summary ({r.stdout!r} {r.stderr[-200:]})")
if m and c:
    check(int(m.group(1)) == len(lines) and m.group(5) == "list" and m.group(6) == ", gzip",
          "it counts every entry and says how the input was read")
    check([int(x) for x in c.groups()] == [uniq, 1, len(lines) - uniq - 1, 0, 0, 0],
          f"names to scan, input errors and duplicates as a scan would count them ({c.groups()})")
    check(int(m.group(3)) > 0 and int(m.group(4)) > 0, "it reports entries/s and peak RSS")
try:
    data = sock.recv(512)
except BlockingIOError:
    data = None
check(data is None, "nothing was sent to the resolver")
check(os.listdir(tmp) == [], f"the scratch store is removed ({os.listdir(tmp)})")

# With --out: only the manifest, with the same counters; no store, no CSV.
out = os.path.join(work, "out")
r = run([mtascope, "scan", "--dry-run", "--out", out, "--no-status", "--registered-only", inp], env=env)
check(r.returncode == 0 and sorted(os.listdir(out)) == ["manifest.json"], f"--out gets only manifest.json "
      f"({os.listdir(out) if os.path.isdir(out) else None})")
man = json.load(open(os.path.join(out, "manifest.json")))
check(man["options"]["dry_run"] is True and man["resolvers"] == [] and man["counters"]["domains_scanned"] == 1001,
      f"the manifest says dry run, no resolver, 1001 registered domains ({man['counters']})")

# Shards: the dry runs of 4 shards add up to the whole.
total, parts = [0, 0], []
for k in range(4):
    r = run([mtascope, "scan", "--dry-run", "--shard", f"{k}/4", "--no-status", inp], env=env)
    m, c = counts(r.stdout)
    check(r.returncode == 0 and c is not None, f"shard {k}/4 dry run")
    if c:
        total = [total[0] + int(c.group(1)), total[1] + int(c.group(2))]
        parts.append(int(c.group(1)))
check(total == [uniq, 1] and all(p > 400 for p in parts),
      f"the shards' names to scan add up to the input's, spread over all four ({total}, {parts})")
r = run([mtascope, "scan", "--dry-run", "--resume", "--out", out, inp], env=env)
check(r.returncode == 2 and "--resume" in r.stderr, "--dry-run with --resume is a usage error")
finish("test_dryrun")
