#!/usr/bin/env python3
"""summary.py: a short adoption summary of one scan, computed from its domains.csv.

Usage: analysis/summary.py OUT_DIR
"""
import collections
import csv
import json
import os
import sys


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "domains.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)
    total = len(rows)
    print(f"scan of {total} entries, {m['started_at']} .. {m['finished_at']} "
          f"({'complete' if m['complete'] else 'INCOMPLETE'})")

    def show(col, rows_, denom_label):
        counts = collections.Counter(r[col] for r in rows_)
        n = len(rows_)
        parts = ", ".join(f"{k or '(empty)'} {v} ({100.0 * v / n:.1f}%)" for k, v in counts.most_common())
        print(f"  {col:<10} of {n} {denom_label}: {parts}")

    show("status", rows, "entries")
    scanned = [r for r in rows if r["status"] != "input_error"]
    show("mx_kind", scanned, "domains")
    show("mx_dnssec", scanned, "domains")
    mail = [r for r in scanned if r["mx_kind"] in ("mx", "implicit")]
    show("tlsa", mail, "domains with mail hosts")
    show("starttls", [r for r in mail if r["starttls"]], "domains with probed MX addresses")
    show("dane", mail, "domains with mail hosts")
    show("sts_txt", scanned, "domains")
    with_policy = [r for r in scanned if r["sts_txt"] == "valid"]
    if with_policy:
        show("sts", with_policy, "domains with a valid _mta-sts record")
        valid = [r for r in with_policy if r["sts"] == "valid"]
        if valid:
            show("sts_mode", valid, "valid policies")
            enforce = [r for r in valid if r["sts_mode"] == "enforce"]
            if enforce:
                show("sts_deliverable", enforce, "enforce policies (would a compliant sender deliver?)")
    show("tlsrpt", scanned, "domains")
    if m.get("smtp"):
        s = m["smtp"]
        print(f"  SMTP: {s['connections']} connections for {len(mail)} domains ({s['reused']} probe results reused), "
              f"at most {s['max_per_ip_seen']} at once per IP")
    q = sum(r["sent"] for r in m["resolvers"])
    secs = max(0.001, m["duration_s"])
    res = m["resources"]
    print(f"  {q} DNS queries over {len(m['resolvers'])} resolvers in {m['duration_s']:.1f} s; "
          f"CPU {res['cpu_user_s'] + res['cpu_sys_s']:.2f} s; peak RSS {res['max_rss_kib'] // 1024} MiB; "
          f"{total / secs:.0f} entries/s")


if __name__ == "__main__":
    main()
