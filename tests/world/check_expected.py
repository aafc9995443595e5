#!/usr/bin/env python3
"""check_expected.py: compares a scan's domains.csv with the test world's expected.csv.

  check_expected.py --expected DIR/expected.csv --got OUTDIR/domains.csv [--columns a,b,c]

Compares, per domain, the listed columns (default: every column of expected.csv). dns_notes is a set:
order does not matter. Every expected domain must appear exactly once in the scan, and the scan may
hold no other domain. Prints one line per mismatch, then "check_expected: N passed, M failed"
(N = expected domains matching fully, M = expected domains that do not, plus unexpected ones).
Exit status 0 only when M == 0 and N > 0.
"""
import argparse
import csv
import sys

SET_COLUMNS = {"dns_notes"}


def read_rows(path):
    """Rows of an RFC 4180 CSV (CRLF or LF) as dicts, with its header."""
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "domain" not in reader.fieldnames:
            sys.exit(f"check_expected: {path}: no header with a domain column")
        return list(reader), reader.fieldnames


def normalise(column, value):
    if column in SET_COLUMNS:
        return ";".join(sorted(v for v in value.split(";") if v))
    return value


def index_got(rows):
    """domain -> list of rows (a list, so duplicates can be reported)."""
    by_domain = {}
    for r in rows:
        by_domain.setdefault(r["domain"], []).append(r)
    return by_domain


def compare_one(domain, want, got_rows, columns):
    """Mismatch lines for one expected domain (empty when it matches)."""
    if not got_rows:
        return [f"{domain} domain: got (missing) want present"]
    if len(got_rows) > 1:
        return [f"{domain} domain: got {len(got_rows)} rows want 1"]
    got = got_rows[0]
    out = []
    for col in columns:
        g, w = normalise(col, got.get(col, "")), normalise(col, want.get(col, ""))
        if g != w:
            out.append(f"{domain} {col}: got {g or '(empty)'} want {w or '(empty)'}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--got", required=True)
    ap.add_argument("--columns", help="comma-separated columns to compare (default: all of expected)")
    args = ap.parse_args()

    expected, exp_cols = read_rows(args.expected)
    got_rows, got_cols = read_rows(args.got)
    columns = args.columns.split(",") if args.columns else [c for c in exp_cols if c != "domain"]
    missing = [c for c in columns if c not in got_cols or c not in exp_cols]
    if missing:
        sys.exit(f"check_expected: columns missing from a file: {', '.join(missing)}")

    got = index_got(got_rows)
    passed = failed = 0
    for want in expected:
        lines = compare_one(want["domain"], want, got.get(want["domain"], []), columns)
        for line in lines:
            print(line)
        if lines:
            failed += 1
        else:
            passed += 1
    wanted = {r["domain"] for r in expected}
    for domain in sorted(set(got) - wanted):
        print(f"{domain} domain: got present want (not in expected)")
        failed += 1
    print(f"check_expected: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
