"""common.py: helpers shared by the integration tests (running the scanner, reading its CSV)."""
import csv
import json
import os
import subprocess
import sys

FAILED = []
PASSED = [0]


def check(cond, what):
    """Records one assertion; the test prints 'N passed, M failed' at the end."""
    if cond:
        PASSED[0] += 1
    else:
        FAILED.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish(name):
    print(f"{name}: {PASSED[0]} passed, {len(FAILED)} failed")
    sys.exit(0 if not FAILED and PASSED[0] > 0 else 1)


def world_env(world):
    """DIR/world.env (KEY='value' lines written by worldgen) as a dict."""
    env = {}
    with open(os.path.join(world, "world.env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            env[k] = v.strip("'")
    return env


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def resolver_args(world):
    args = []
    with open(os.path.join(world, "resolvers.txt")) as f:
        for line in f:
            if line.strip():
                args += ["--resolver", line.strip()]
    return args


def scan_cmd(mtascope, world, out, inp, *extra):
    return [mtascope, "scan", "--out", out, "--no-status", *resolver_args(world), *extra, inp]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def read_rows(out):
    """domains.csv as a list of dicts (the header row gives the keys)."""
    with open(os.path.join(out, "domains.csv"), newline="") as f:
        return list(csv.DictReader(f))


def manifest(out):
    with open(os.path.join(out, "manifest.json")) as f:
        return json.load(f)


def expected_keys(world):
    """Every record key the world's input list must produce (from its expected.csv)."""
    with open(os.path.join(world, "expected.csv"), newline="") as f:
        return [row["domain"] for row in csv.DictReader(f)]


def catalogue_names(world):
    """The valid domain names of the world's input list."""
    return [k for k in expected_keys(world) if not k.startswith("!")]


# Columns two scans of the same world may legitimately record differently, with the condition:
# unbound answers a bogus name it has just validated with EDE 9 (DNSKEY missing) or 7 (signature
# expired), and the same answer from its bogus cache (val-bogus-ttl, 60 s) with EDE 6 (DNSSEC
# bogus); which one a scan sees depends on what asked in the last minute.
VOLATILE = {"mx_ede": lambda a, b: a.get("mx_dnssec") == b.get("mx_dnssec") == "bogus"}


def row_differences(ref, got, ignore=("scanned_at",)):
    """'domain.column: a vs b' for every difference between two domains.csv row lists (in order),
    `ignore` and the VOLATILE columns under their condition aside."""
    diffs = []
    if [r["domain"] for r in ref] != [r["domain"] for r in got]:
        return [f"domains differ: {len(ref)} vs {len(got)} rows"]
    for a, b in zip(ref, got):
        for col in a:
            if col in ignore or a[col] == b.get(col) or (col in VOLATILE and VOLATILE[col](a, b)):
                continue
            diffs.append(f"{a['domain']}.{col}: {a[col]!r} vs {b.get(col)!r}")
    return diffs
