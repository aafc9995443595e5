#!/usr/bin/env python3
"""check_expected.py: compares a scan's domains.csv (or mx.csv) with the test world's expectations.

  check_expected.py --expected DIR/expected.csv --got OUTDIR/domains.csv [--columns a,b,c]
  check_expected.py --expected DIR/expected_mx.csv --got OUTDIR/mx.csv --key domain,mx_host,ip --listed-only

Compares, per row key (default: domain), the listed columns (default: every column of the expected
file but the key). dns_notes is a set: order does not matter. An expected value "*" matches anything
(the catalogue uses it where docs/output.md leaves a value open). Every expected row must appear
exactly once in the scan, and the scan may hold no other row; with --listed-only, rows of domains
that have no expected row at all are ignored (expected_mx.csv covers only the stage-2 cases).
Prints one line per mismatch, then "check_expected: N passed, M failed" (N = expected rows matching
fully, M = expected rows that do not, plus unexpected ones). Exit status 0 only when M == 0 and N > 0.
"""
import argparse
import csv
import sys

SET_COLUMNS = {"dns_notes"}
ANY = "*"


def read_rows(path, key=("domain",)):
    """Rows of an RFC 4180 CSV (CRLF or LF) as dicts, with its header."""
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or any(k not in reader.fieldnames for k in key):
            sys.exit(f"check_expected: {path}: no header with the key columns {','.join(key)}")
        return list(reader), reader.fieldnames


def normalise(column, value):
    if column in SET_COLUMNS:
        return ";".join(sorted(v for v in value.split(";") if v))
    return value


def index_got(rows, key=("domain",)):
    """key -> list of rows (a list, so duplicates can be reported). The key is the domain alone
    by default, else the tuple of key columns joined with spaces."""
    by_key = {}
    for r in rows:
        by_key.setdefault(" ".join(r[k] for k in key), []).append(r)
    return by_key


def compare_one(domain, want, got_rows, columns):
    """Mismatch lines for one expected row (empty when it matches); `domain` names the row."""
    if not got_rows:
        return [f"{domain} domain: got (missing) want present"]
    if len(got_rows) > 1:
        return [f"{domain} domain: got {len(got_rows)} rows want 1"]
    got = got_rows[0]
    out = []
    for col in columns:
        g, w = normalise(col, got.get(col, "")), normalise(col, want.get(col, ""))
        if g != w and w != ANY:
            out.append(f"{domain} {col}: got {g or '(empty)'} want {w or '(empty)'}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--got", required=True)
    ap.add_argument("--columns", help="comma-separated columns to compare (default: all of expected)")
    ap.add_argument("--key", default="domain", help="comma-separated key columns (default: domain)")
    ap.add_argument("--listed-only", action="store_true",
                    help="ignore scanned rows of domains without any expected row")
    args = ap.parse_args()

    key = tuple(args.key.split(","))
    expected, exp_cols = read_rows(args.expected, key)
    got_rows, got_cols = read_rows(args.got, key)
    columns = args.columns.split(",") if args.columns else [c for c in exp_cols if c not in key]
    missing = [c for c in columns if c not in got_cols or c not in exp_cols]
    if missing:
        sys.exit(f"check_expected: columns missing from a file: {', '.join(missing)}")

    if args.listed_only:
        listed = {r["domain"] for r in expected}
        got_rows = [r for r in got_rows if r["domain"] in listed]
    got = index_got(got_rows, key)
    passed = failed = 0
    for want in expected:
        k = " ".join(want[c] for c in key)
        lines = compare_one(k, want, got.get(k, []), columns)
        for line in lines:
            print(line)
        if lines:
            failed += 1
        else:
            passed += 1
    wanted = {" ".join(r[c] for c in key) for r in expected}
    for k in sorted(set(got) - wanted):
        print(f"{k} domain: got present want (not in expected)")
        failed += 1
    print(f"check_expected: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
