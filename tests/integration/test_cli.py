#!/usr/bin/env python3
"""test_cli.py: the scanner's behaviour on bad input, bad options, stdin input and a dead resolver."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, manifest, read_rows, run, scan_cmd, catalogue_names  # noqa: E402

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

r = run([mtascope, "scan", "--help"])
lines = r.stdout.splitlines()
check(r.returncode == 0 and "--resolver" in r.stdout and len(lines) <= 30 and max(map(len, lines)) <= 80,
      "--help fits a screen (30 lines of 80 columns)")
r = run([mtascope, "scan", "--out", work + "/x", "--concurrency", "zero", "in.txt"])
check(r.returncode == 2 and "--concurrency" in r.stderr, "a bad option value is a usage error naming the option")
r = run([mtascope, "scan", "--out", work + "/x", "--resolver", "1.2.3.4:99999", "in.txt"])
check(r.returncode == 2 and "resolver" in r.stderr, "a bad resolver address is refused")
for bad in ["", "https://x.example/a b", "https://x.example/(opt-out)", "mailto:\u00e9@x.example"]:
    r = run([mtascope, "scan", "--out", work + "/x", "--contact", bad, "in.txt"])
    check(r.returncode == 2 and "--contact" in r.stderr, f"--contact {bad!r} is refused (it would break the User-Agent)")
r = run([mtascope, "scan", "--out", work + "/nofile", os.path.join(work, "does-not-exist.txt")])
check(r.returncode == 1 and "does-not-exist" in r.stderr, "a missing input file is a clear error")

# Malformed lines and stdin: each bad line gets an input_error record with its reason; good lines are scanned.
good = catalogue_names(world)[:3]
lines = good + ["bad..name", "-lead.test", "two words.test", "x" * 70 + ".test", "192.0.2.1", "caf\u00e9.test",
                "\u2603.test", "xn--zz.test", "# a comment", "", "   "]
out = os.path.join(work, "stdin")
r = run(scan_cmd(mtascope, world, out, "-"), input="\n".join(lines) + "\n")
check(r.returncode == 0, f"stdin scan exits 0 ({r.stderr[-300:]})")
rows = {row["domain"]: row for row in read_rows(out)}
want_errors = {"!bad..name": "empty_label", "!-lead.test": "label_hyphen", "!two\\x20words.test": "bad_char",
               "!" + "x" * 70 + ".test": "label_too_long", "!192.0.2.1": "ip_literal",
               "!\\xe2\\x98\\x83.test": "idna_invalid", "!xn--zz.test": "alabel_invalid"}
for key, code in want_errors.items():
    row = rows.get(key)
    check(row is not None and row["status"] == "input_error" and row["error"] == code,
          f"{key!r} is an input_error {code} (got {row and (row['status'], row['error'])})")
# IDNA2008: a U-label name is scanned as its A-label.
good = good + ["xn--caf-dma.test"]
for g in good:
    check(g in rows and rows[g]["status"] in ("ok", "dns_error"), f"{g} scanned from stdin")
check(len(rows) == len(good) + len(want_errors), f"one row per entry, comments and blanks skipped ({len(rows)})")

# --limit, --sample (deterministic by hash) and top-list lines ("rank,domain").
names = [f"s{i}.sec.test" for i in range(400)]
src = os.path.join(work, "many.txt")
open(src, "w").write("".join(f"{i + 1},{n}\n" for i, n in enumerate(names)))
r = run(scan_cmd(mtascope, world, os.path.join(work, "limit"), src, "--limit", "7", "--no-smtp"))
rows = read_rows(os.path.join(work, "limit"))
check(r.returncode == 0 and [x["domain"] for x in rows] == sorted(names[:7]),
      "--limit 7 scans the first 7 entries of a top list, ranks stripped")
got = []
for k in (1, 2):
    out = os.path.join(work, f"sample{k}")
    r = run(scan_cmd(mtascope, world, out, src, "--sample", "0.25", "--no-smtp", "--no-sts"))
    got.append({x["domain"] for x in read_rows(out)})
    check(manifest(out)["counters"]["sampled_out"] == 400 - len(got[-1]), "the manifest counts what --sample left out")
check(got[0] == got[1] and 50 <= len(got[0]) <= 150, f"--sample 0.25 keeps the same quarter each time ({len(got[0])})")
r = run(scan_cmd(mtascope, world, os.path.join(work, "bad"), src, "--sample", "1.5"))
check(r.returncode == 2 and "--sample" in r.stderr, "--sample outside (0, 1] is a usage error")

# A resolver that does not answer: every domain still gets a record that says so, and the run completes.
out = os.path.join(work, "dead")
r = run([mtascope, "scan", "--out", out, "--no-status", "--resolver", "127.53.9.9:9", "--timeout", "200",
         "--retries", "1", os.path.join(world, "domains.txt")])
check(r.returncode == 0, f"a scan against a dead resolver completes ({r.stderr[-300:]})")
rows = read_rows(out)
dns = [row for row in rows if row["status"] != "input_error"]
check(dns and all(row["status"] == "dns_error" and row["error"] in ("mx_timeout", "mx_neterr") for row in dns),
      "every domain is a dns_error with a timeout or network code")
check(all(row["sts_txt"] == "dns_error" for row in dns), "TXT lookups against a dead resolver are dns_error, not none")
m = manifest(out)
check(m["resolvers"][0]["timeouts"] + m["resolvers"][0]["neterr"] > 0, "the manifest counts the failures")
finish("test_cli")
