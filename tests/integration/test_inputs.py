#!/usr/bin/env python3
"""test_inputs.py: a zone file (plain, gzip, stdin, with and without $ORIGIN) and a top list made from the world's
domains.txt give the same records as the list itself; bad records become input errors and the scan goes on."""
import gzip
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, manifest, read_rows, run, scan_cmd, catalogue_names  # noqa: E402

mtascope, world, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
FAST = ("--no-smtp", "--no-sts")
# Differ between runs for reasons outside the input: the time, the line the name came from, and the Extended DNS
# Error unbound gives for a bogus answer (it depends on what its cache holds).
IGNORE = {"scanned_at", "input_line", "mx_ede"}

names = catalogue_names(world)


def rows_of(out):
    return {row["domain"]: {c: v for c, v in row.items() if c not in IGNORE} for row in read_rows(out)}


def zone_text(with_origin):
    """The names as delegations of the zone test. in the many ways RFC 1035 section 5 allows."""
    out = ["; the world's domains as a zone file\n", "$TTL 86400\n"]
    if with_origin:
        out.append("$ORIGIN test.\n")
    out.append("@ IN SOA ns.test. hostmaster.test. ( 2026112301 ; serial\n    7200 3600 1209600 300 )\n")
    out.append("@ IN NS ns.test.\n  IN NS ns2.test.\n")
    for i, n in enumerate(names):
        rel = n[:-len(".test")]
        style = i % 5
        if style == 0:
            out.append(f"{rel} 3600 IN NS ns1.{rel}\n    IN NS ns2.{rel}\n")
        elif style == 1:
            out.append(f"{n.upper()}. IN 3600 NS ns.example.\n{n}. NS ns2.example.\n")
        elif style == 2:
            out.append(f"{rel} IN NS ( ns1.{rel} ; first\n   )\n{rel} IN DS 12345 13 2 ABCDEF\n")
        elif style == 3:
            out.append(f'{rel} TXT "not; a (comment" "x"\n{rel} NS ns.example.\n')
        else:
            out.append(f"{rel}\tIN\tNS\tns.example.\nns.{rel} IN A 192.0.2.1\n")
    out.append("bad..name NS ns.example.\n$INCLUDE other.zone\nopen NS ( ns.example.\n")
    return "".join(out)


# The reference: the names as a plain list.
lst = os.path.join(work, "list.txt")
with open(lst, "w") as f:
    f.write("".join(n + "\n" for n in names))
ref_out = os.path.join(work, "list")
r = run(scan_cmd(mtascope, world, ref_out, lst, *FAST))
check(r.returncode == 0, f"the list scan exits 0 ({r.stderr[-300:]})")
ref = rows_of(ref_out)
check(set(ref) == set(names), "the list scan has one row per name")
check(manifest(ref_out)["input"]["format"] == "list", "a list is read as a list")

zone = os.path.join(work, "test.zone")
with open(zone, "w") as f:
    f.write(zone_text(True))
with gzip.open(zone + ".gz", "wt") as f:
    f.write(zone_text(True))
# Without $ORIGIN (as CZDS ships them): --zone-origin says it; gzip without .gz in the name.
bare = os.path.join(work, "bare.data")
with gzip.open(bare, "wt") as f:
    f.write(zone_text(False))

want_errors = {"zone_include", "zone_syntax", "empty_label"}
cases = [("zone", zone, (), "zone", False), ("zone.gz", zone + ".gz", (), "zone", True),
         ("bare", bare, ("--zone-origin", "test."), "zone", True),
         ("stdin", "-", ("--input-format", "zone"), "zone", False)]
for label, path, extra, fmt, gz in cases:
    out = os.path.join(work, label)
    stdin = open(zone) if path == "-" else None
    r = run(scan_cmd(mtascope, world, out, path, *FAST, *extra), stdin=stdin)
    if stdin:
        stdin.close()
    check(r.returncode == 0, f"{label}: the scan exits 0 ({r.stderr[-300:]})")
    check("$INCLUDE is refused" in r.stderr, f"{label}: $INCLUDE is refused on stderr too")
    got = rows_of(out)
    good = {k: v for k, v in got.items() if not k.startswith("!")}
    check(good == ref, f"{label}: the delegated names give the list's records "
                       f"({len(good)} vs {len(ref)}; differ: {sorted(k for k in ref if good.get(k) != ref[k])[:5]})")
    errs = sorted(v["error"] for k, v in got.items() if k.startswith("!"))
    check(set(errs) == want_errors and len(errs) == 3, f"{label}: bad records are input errors ({errs})")
    m = manifest(out)
    check(m["input"]["format"] == fmt and m["input"]["gzip"] == gz, f"{label}: the manifest says {fmt}, gzip {gz}")
    check(m["counters"]["input_entries"] == len(names) + 3, f"{label}: one entry per delegation ({m['counters']})")

# Relative names and no origin anywhere: each record is an input error that says so.
out = os.path.join(work, "noorigin")
with gzip.open(bare) as f:
    data = f.read()
with open(os.path.join(work, "noorigin.zone"), "wb") as f:
    f.write(data)
r = run(scan_cmd(mtascope, world, out, os.path.join(work, "noorigin.zone"), *FAST))
rows = read_rows(out)
check(r.returncode == 0 and rows and all(x["error"] in ("zone_no_origin", "zone_include", "zone_syntax")
                                         for x in rows if x["status"] == "input_error"),
      "relative names without an origin are zone_no_origin errors")

# A top list (Tranco's rank,domain) gives the same records too; a line without a rank is an error.
top = os.path.join(work, "top.csv")
with open(top, "w") as f:
    f.write("".join(f"{i + 1},{n}\n" for i, n in enumerate(names)))
out = os.path.join(work, "top")
r = run(scan_cmd(mtascope, world, out, top, *FAST))
check(r.returncode == 0 and rows_of(out) == ref and manifest(out)["input"]["format"] == "toplist",
      "a top list is recognised and gives the list's records")
with open(top, "a") as f:
    f.write("unranked.test\n")
out = os.path.join(work, "top2")
r = run(scan_cmd(mtascope, world, out, top, "--input-format", "toplist", *FAST))
rows = rows_of(out)
check(rows.get("!unranked.test", {}).get("error") == "toplist_syntax", "a top list line without a rank is an error")

# Bad values and a corrupt gzip stream.
r = run(scan_cmd(mtascope, world, os.path.join(work, "bad"), zone, "--input-format", "csv"))
check(r.returncode == 2 and "--input-format" in r.stderr, "an unknown --input-format is a usage error")
r = run(scan_cmd(mtascope, world, os.path.join(work, "bad"), zone, "--zone-origin", "a..b"))
check(r.returncode == 2 and "--zone-origin" in r.stderr, "a bad --zone-origin is a usage error")
cut = os.path.join(work, "cut.gz")
with open(zone + ".gz", "rb") as f, open(cut, "wb") as g:
    g.write(f.read()[:-40])
r = run(scan_cmd(mtascope, world, os.path.join(work, "cut"), cut, *FAST))
check(r.returncode == 1 and "gzip" in r.stderr, f"a truncated gzip file fails the scan, saying why ({r.stderr[-200:]})")
finish("test_inputs")
