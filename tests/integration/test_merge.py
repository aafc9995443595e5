#!/usr/bin/env python3
"""test_merge.py: `mtascope merge` on real shard scans of the test world (DNS stage only, for speed).

  test_merge.py MTASCOPE WORLD WORK

A 2-shard scan merges into the same records as an unsharded scan, and the store's meta records
what the merge checks (the input's SHA-256 as sha256sum computes it, complete=false for a killed or
interrupted run). Refused with exit 2, naming the reason, and leaving no store: different options,
a different input, input from stdin, an interrupted shard (merged once it is resumed), a missing
shard, a record planted in a second shard (more records than its counters account for).
Prints "test_merge: N passed, M failed".
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, finish, manifest, read_rows, run, scan_cmd,  # noqa: E402
                    catalogue_names, expected_keys, row_differences)

FAST = ["--no-smtp", "--no-sts", "--ehlo-name", "scanner.test"]


def meta(d, key):
    """One value of DIR's store meta, with mdb_dump (the LMDB tool, independent of mtascope)."""
    r = run(["mdb_dump", "-p", "-s", "meta", os.path.join(d, "results.lmdb")])
    lines = r.stdout.split("\n")
    for i, line in enumerate(lines):
        if line == " " + key and i + 1 < len(lines):
            return lines[i + 1][1:].replace("\\0a", "\n")
    return None


def scan(mtascope, world, out, inp, *extra, **kw):
    r = run(scan_cmd(mtascope, world, out, inp, *FAST, *extra), **kw)
    check(r.returncode == 0, f"scan {os.path.basename(out)} exits 0 ({r.stderr[-300:]})")
    return r


def merge(mtascope, out, *dirs):
    return run([mtascope, "merge", out, *dirs])


def refused(mtascope, work, dirs, why, what):
    out = os.path.join(work, "refused")
    r = merge(mtascope, out, *dirs)
    check(r.returncode == 2 and why in r.stderr, f"{what}: refused with exit 2 naming '{why}' "
                                                 f"({r.returncode}: {r.stderr.strip()[-300:]})")
    check(not os.path.exists(os.path.join(out, "results.lmdb")), f"{what}: no store left behind")


def good_merge(mtascope, world, work, inp):
    ref, s0, s1, out = (os.path.join(work, d) for d in ("ref", "s0", "s1", "merged"))
    scan(mtascope, world, ref, inp)
    scan(mtascope, world, s0, inp, "--shard", "0/2")
    scan(mtascope, world, s1, inp, "--shard", "1/2")
    with open(inp, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    check(meta(s0, "input_sha256") == sha and manifest(s0)["input_sha256"] == sha,
          "meta and manifest record the input's SHA-256 as sha256sum computes it")
    check(meta(s0, "complete") == "true", "a finished shard's meta says complete=true")
    check("sharded_out=" in (meta(s1, "counters") or ""), "the meta holds the counters")
    r = merge(mtascope, out, s1, s0)
    check(r.returncode == 0, f"two shards merge, in any order ({r.stderr.strip()})")
    diffs = row_differences(read_rows(ref), read_rows(out))
    check(not diffs, f"merged domains.csv equals the unsharded scan's, scanned_at aside ({diffs[:5]})")
    m = manifest(out)
    check(m["merged"] and m["shards"] == 2 and m["counters"]["input_entries"] ==
          manifest(ref)["counters"]["input_entries"], "merged manifest: 2 shards, input counted once")
    check(not os.path.exists(os.path.join(out, "mx.csv")), "no mx.csv when the scan had no STARTTLS stage")
    r = merge(mtascope, out, s0, s1)
    check(r.returncode == 2 and "already holds results" in r.stderr, "merging into a full OUT is refused")
    return s0, s1


def refusals(mtascope, world, work, inp, s0, s1):
    refused(mtascope, work, [s0], "shard 1/2 is missing", "one of two shards")
    refused(mtascope, work, [s0, s0], "given twice", "a shard twice")
    t1 = os.path.join(work, "s1-timeout")
    scan(mtascope, world, t1, inp, "--shard", "1/2", "--timeout", "1500")
    refused(mtascope, work, [s0, t1], "'timeout_ms=2000' vs 'timeout_ms=1500'", "another --timeout")
    other = os.path.join(work, "other.txt")
    with open(inp) as f, open(other, "w") as g:
        g.write(f.read() + "# one more comment: the same names, another file\n")
    o1 = os.path.join(work, "s1-other")
    scan(mtascope, world, o1, other, "--shard", "1/2")
    refused(mtascope, work, [s0, o1], "different inputs", "another input file")
    # --resume keeps a store to one setting and one input.
    r = run(scan_cmd(mtascope, world, s1, inp, *FAST, "--shard", "1/2", "--resume", "--timeout", "1500"))
    check(r.returncode == 1 and "'timeout_ms=2000' vs 'timeout_ms=1500'" in r.stderr,
          f"--resume with another --timeout is refused, naming it ({r.returncode}: {r.stderr[-300:]})")
    check(meta(s1, "complete") == "true", "a refused resume leaves the store as it was")
    m1 = os.path.join(work, "s1-mixed")
    shutil.copytree(s1, m1)
    r = run(scan_cmd(mtascope, world, m1, other, *FAST, "--shard", "1/2", "--resume"))
    check(r.returncode == 1 and "is not the input this scan began with" in r.stderr,
          f"--resume with another input stops with exit 1 ({r.returncode}: {r.stderr[-300:]})")
    check(meta(m1, "input_sha256") == "mixed" and meta(m1, "complete") == "false",
          "the store is marked: input mixed, not complete")
    refused(mtascope, work, [s0, m1], "not a complete scan", "a shard resumed with another input")
    p1 = os.path.join(work, "s1-stdin")
    with open(inp) as f:
        scan(mtascope, world, p1, "-", "--shard", "1/2", stdin=f)
    check(meta(p1, "input_sha256") == "", "a scan of stdin records no input digest")
    refused(mtascope, work, [s0, p1], "SHA-256 of its input is unknown", "a shard read from stdin")
    # A record of shard 0 planted into a copy of shard 1 (mdb_dump | mdb_load: no mtascope involved).
    d1 = os.path.join(work, "s1-dup")
    shutil.copytree(s1, d1)
    dump = run(["mdb_dump", "-p", "-s", "domains", os.path.join(s0, "results.lmdb")]).stdout.split("\n")
    body = dump.index("HEADER=END")
    key = dump[body + 1][1:]
    planted = "\n".join(dump[:body + 3] + ["DATA=END", ""])
    r = subprocess.run(["mdb_load", "-s", "domains", os.path.join(d1, "results.lmdb")],
                       input=planted, capture_output=True, text=True)
    check(r.returncode == 0, f"a record planted with mdb_load ({r.stderr.strip()})")
    # Its counters account for one record less than it now holds (unit.test_merge plants records
    # whose counts add up, to reach the per-record checks: in two shards, in the wrong shard).
    refused(mtascope, work, [s0, d1], "records but took only", f"a record of shard 0 ('{key}') "
            "planted in shard 1")


def interrupted(mtascope, world, work, inp):
    """A shard stopped by SIGINT (exit 3) or SIGKILL is not merged; once resumed it is."""
    big = os.path.join(work, "big.txt")
    zone = catalogue_names(world)[0].split(".", 1)[1]
    with open(inp) as f, open(big, "w") as g:
        g.write(f.read())
        for i in range(3000):
            g.write(f"merge-{i}.{zone}\n")
    slow = ["--resolver-qps", "300"]
    b = [os.path.join(work, f"b{k}") for k in (0, 1)]
    for k in (0, 1):
        scan(mtascope, world, b[k], big, "--shard", f"{k}/2", *slow)
    # The 3000 names share one registered domain, hence one shard: interrupt that one.
    k = max((0, 1), key=lambda i: manifest(b[i])["counters"]["records_total"])
    for sig, code in ((signal.SIGINT, 3), (signal.SIGKILL, -9)):
        shutil.rmtree(b[k])
        p = subprocess.Popen(scan_cmd(mtascope, world, b[k], big, *FAST, "--shard", f"{k}/2", *slow),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        check(p.poll() is None, f"the rate-limited shard still runs when sent {sig.name}")
        p.send_signal(sig)
        check(p.wait(30) == code, f"{sig.name}: exit {code}")
        check(meta(b[k], "complete") == "false", f"after {sig.name} the meta says complete=false")
        refused(mtascope, work, b, "not a complete scan", f"a shard stopped by {sig.name}")
    scan(mtascope, world, b[k], big, "--shard", f"{k}/2", *slow, "--resume")
    r = merge(mtascope, os.path.join(work, "b-merged"), *b)
    check(r.returncode == 0, f"the resumed shard merges ({r.stderr.strip()})")
    keys = [r["domain"] for r in read_rows(os.path.join(work, "b-merged"))]
    want = set(expected_keys(world)) | {f"merge-{i}.{zone}" for i in range(3000)}
    check(len(keys) == len(set(keys)) and set(keys) == want,
          f"the merge of a resumed shard holds every input domain once ({len(keys)} of {len(want)})")


def usage(mtascope):
    r = run([mtascope, "merge", "--help"])
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and "OUT DIR..." in r.stdout and len(lines) <= 30 and
          max(map(len, lines)) <= 80, "merge --help: usage on stdout, fits a screen")
    r = run([mtascope, "merge", "only-out"])
    check(r.returncode == 2 and "usage" in r.stderr, "merge without a shard directory is a usage error")
    r = run([mtascope, "merge", "--frobnicate", "a", "b"])
    check(r.returncode == 2, "merge with an unknown option is a usage error")
    r = run([mtascope, "help"])
    check("merge OUT DIR..." in r.stdout, "mtascope help lists merge")


def main():
    mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    usage(mtascope)
    inp = os.path.join(world, "domains.txt")
    s0, s1 = good_merge(mtascope, world, work, inp)
    refusals(mtascope, world, work, inp, s0, s1)
    interrupted(mtascope, world, work, inp)
    finish("test_merge")


if __name__ == "__main__":
    main()
