#!/usr/bin/env python3
"""test_report.py: `mtascope report` against the test world, every figure checked.

  test_report.py MTASCOPE WORLD WORK

1. Scans a part of the world's input DNS-only (the earlier scan), then the whole world with the
   STARTTLS and MTA-STS stages (the latest scan), as test_sts_stage.py does.
2. Runs `mtascope report LATEST EARLIER --out report.json` (directories in the wrong order on
   purpose) and checks every figure of every table against counts computed independently in Python
   from the latest scan's domains.csv and mx.csv (report_figures.py, the definitions of
   docs/report.md): each row's count and denominator, and that no table row goes unchecked.
3. The trend table: one row per scan, oldest first, each row's figures those of its own scan;
   the change since the earlier scan and the --changes lists, against the two domains.csv.
4. The same report as Markdown, CSV and HTML holds the same numbers; usage errors exit 2.
Prints "test_report: N passed, M failed".
"""
import csv
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, read_csv, run, scan_cmd, world_env  # noqa: E402
from report_figures import (CHANGES, DENOMS, TECHS, changes, figures, groups,  # noqa: E402
                            load_psl, registered, suffix)

TOP = 20


def scan(mtascope, world, out, inp, *extra):
    r = run(scan_cmd(mtascope, world, out, inp, "--allow-private", *extra))
    check(r.returncode == 0, f"scan {out} exits 0 (got {r.returncode}: {r.stderr[-500:]})")


def tables(report):
    return {t["id"]: t for s in report["sections"] for t in s["tables"]}


def check_coded_tables(tabs, want, where):
    """Every table with a `code` column: each row's count/denominator equals the Python figure."""
    seen = set()
    for tid, t in tabs.items():
        if "code" not in t["columns"]:
            continue
        ci, ni = t["columns"].index("code"), 2
        for row in t["rows"]:
            code, cell = row[ci], row[ni]
            seen.add(code)
            check(code in DENOMS, f"{where}: figure {tid}/{code} has a definition in the test")
            if code not in DENOMS:
                continue
            n = want[code]
            if DENOMS[code] is None:
                check(cell == {"n": n}, f"{where}: {tid}/{code} = {n} (report: {cell})")
                continue
            d = want[DENOMS[code]]
            check(cell.get("n") == n and cell.get("denom") == d,
                  f"{where}: {tid}/{code} = {n} of {d} (report: {cell})")
            pct = round(100.0 * n / d, 2) if d else 0.0
            check(abs(cell.get("percent", -1) - pct) < 0.006, f"{where}: {tid}/{code} percent")
    missing = set(DENOMS) - seen
    check(not missing, f"{where}: every defined figure is in the report (missing {missing})")


def check_top(t, counter, denom, top, where):
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    want = [[k or "(empty)", {"n": v, "denom": denom}] for k, v in ranked[:top]]
    rest = sum(v for _, v in ranked[top:])
    if rest:
        want.append(["(others)", {"n": rest, "denom": denom}])
    got = [[row[0], {"n": row[1]["n"], "denom": row[1]["denom"]}] for row in t["rows"]]
    check(got == want, f"{where}: {t['id']} rows {got} == {want}")
    check(sum(r[1]["n"] for r in got) == denom, f"{where}: {t['id']} rows add up to {denom}")


def check_groups(t, table, mail, top, where):
    ranked = sorted(table.items(), key=lambda kv: (-kv[1][0], kv[0]))
    want = [[k or "(none)"] + v for k, v in ranked[:top]]
    rest = [sum(v[i] for _, v in ranked[top:]) for i in range(6)]
    if rest[0]:
        want.append(["(others)"] + rest)
    got = []
    for row in t["rows"]:
        got.append([row[0]] + [row[1]["n"]] + [c["n"] for c in row[2:]])
        check(row[1]["denom"] == mail, f"{where}: {t['id']} {row[0]} is a share of {mail}")
        check(all(c["denom"] == row[1]["n"] for c in row[2:]),
              f"{where}: {t['id']} {row[0]} adoption is of its own domains")
    check(got == want, f"{where}: {t['id']} rows {got} == {want}")


def check_psl():
    """The Python PSL reading agrees with the list on known cases (so the groups check means something)."""
    rules = load_psl()
    for name, suf, reg in (("www.example.co.uk", "co.uk", "example.co.uk"),
                           ("a.b.example.com", "com", "example.com"),
                           ("mx.sec.test", "test", "sec.test"), ("co.uk", "co.uk", None)):
        check(suffix(name, rules) == suf and registered(name, rules) == reg,
              f"psl: {name} -> {suffix(name, rules)}, {registered(name, rules)}")
    return rules


def check_trend(t, scans):
    rows = t["rows"]
    check(len(rows) == len(scans), f"trend has {len(scans)} rows (got {len(rows)})")
    check(t["chart"] == "line", "the trend is a line chart")
    labels = [r[0] for r in rows]
    check(labels == sorted(labels) and len(set(labels)) == len(labels),
          f"trend rows in time order, each named once: {labels}")
    for row, (started, want) in zip(rows, scans):
        check(row[0].startswith(started), f"trend row {row[0]} is the scan started at {started}")
        check(row[1] == {"n": want["mail"]}, f"trend {started}: mail {want['mail']}")
        pairs = [(2, "starttls_all", "starttls_reachable"), (3, "sts_valid", "mail"),
                 (4, "sts_enforce", "mail"), (5, "mx_dnssec_secure", "mail"),
                 (6, "dane_valid", "mail"), (7, "tlsrpt_valid", "mail")]
        for col, num, den in pairs:
            cell = row[col]
            check(cell["n"] == want[num] and cell["denom"] == want[den],
                  f"trend {started} {t['columns'][col]}: {want[num]} of {want[den]} ({cell})")


def check_changes(tabs, want, lists):
    rows = {r[0].split(" ")[0].lower(): r for r in tabs["changes"]["rows"]}
    for ti, tech in enumerate(TECHS):
        for change in CHANGES:
            cell = rows[change][1 + ti]
            n = len(want[(tech, change)])
            check(cell["n"] == n and cell["denom"] == want["both"],
                  f"changes {tech} {change}: {n} of {want['both']} ({cell})")
            path = os.path.join(lists, f"{tech}_{change}.txt")
            got = open(path).read().split() if os.path.exists(path) else None
            check(got == want[(tech, change)], f"--changes {tech}_{change}.txt lists the domains")
    m = {r[0]: r[1]["n"] for r in tabs["membership"]["rows"]}
    check(m.get("In both scans") == want["both"], "changes: domains in both")
    check(m.get("New (latest scan only)") == len(want["new"]), "changes: new domains")
    check(m.get("Gone (previous scan only)") == len(want["gone"]), "changes: gone domains")
    for name in ("new", "gone"):
        path = os.path.join(lists, f"{name}.txt")
        check(os.path.exists(path) and open(path).read().split() == want[name],
              f"--changes {name}.txt lists the domains")
    check(sum(len(want[(t, c)]) for t in TECHS for c in CHANGES) > 5, "the scans differ")


def check_md_csv(mtascope, work, dirs, rep):
    md_path, csv_path = os.path.join(work, "report.md"), os.path.join(work, "report.csv")
    r = run([mtascope, "report", *dirs, "--out", md_path])
    check(r.returncode == 0, f"report --out x.md exits 0 ({r.stderr[-300:]})")
    r = run([mtascope, "report", *dirs, "--out", csv_path])
    check(r.returncode == 0, f"report --out x.csv exits 0 ({r.stderr[-300:]})")
    html_path = os.path.join(work, "report.html")
    r = run([mtascope, "report", *dirs, "--out", html_path])
    check(r.returncode == 0, f"report --out x.html exits 0 ({r.stderr[-300:]})")
    html = open(html_path).read() if r.returncode == 0 else ""
    check("<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", ""),
          "the HTML report draws inline SVG and fetches nothing")
    md = open(md_path).read()
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    by_key = {(r["table"], r["row"], r["column"]): r for r in rows}
    cells = 0
    for s in rep["sections"]:
        for t in s["tables"]:
            check(f"### {t['title']}" in md.replace("\\", ""),
                  f"markdown has table {t['id']}")
            for row in t["rows"]:
                for col, cell in zip(t["columns"][1:], row[1:]):
                    if not isinstance(cell, dict) or "denom" not in cell:
                        continue
                    cells += 1
                    c = by_key.get((t["id"], row[0], col))
                    check(c is not None and c["kind"] == "share" and int(c["n"]) == cell["n"]
                          and int(c["denom"]) == cell["denom"],
                          f"csv {t['id']}/{row[0]}/{col} = {cell}")
                    text = f"{cell['n']} of {cell['denom']} ("
                    check(text in md, f"markdown shows {text}")
                    check(text in html, f"html shows {text}")
    check(cells > 50, f"the csv/markdown comparison covered {cells} shares")
    check(any(r["section"] == "methodology" and r["row"] == "input" for r in rows),
          "csv carries the methodology")


def check_usage(mtascope, work, latest):
    for args, what in (([latest], "no --out"), ([latest, "--out", "x.txt"], "unknown extension"),
                       (["--out", "x.json"], "no DIR"),
                       ([latest, "--out", "x.json", "--format", "pdf"], "unknown format"),
                       ([latest, "--out", "x.json", "--changes", "c"], "--changes with one scan"),
                       ([latest, latest + "/", "--out", "x.json"], "the same scan twice")):
        r = run([mtascope, "report", *args], cwd=work)
        check(r.returncode == 2, f"report with {what} exits 2 (got {r.returncode})")
    r = run([mtascope, "report", os.path.join(work, "nothing"), "--out",
             os.path.join(work, "x.json")])
    check(r.returncode == 1 and not os.path.exists(os.path.join(work, "x.json")),
          "a directory without a store fails (1) and writes nothing")
    r = run([mtascope, "report", "--help"])
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) <= 30 and max(map(len, lines)) <= 80,
          "report --help fits 30 lines of 80 columns")


def main():
    mtascope, world, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = world_env(world)
    inp = os.path.join(world, "domains.txt")
    part = os.path.join(work, "part.txt")
    with open(inp) as f, open(part, "w") as g:
        g.writelines(f.readlines()[::2])
    earlier, latest = os.path.join(work, "earlier"), os.path.join(work, "latest")
    scan(mtascope, world, earlier, part, "--no-smtp", "--no-sts")
    scan(mtascope, world, latest, inp, "--ca-file", os.path.join(world, "pki", "ca.pem"),
         "--smtp-port", env["WORLD_SMTP_PORT"], "--https-port", env["WORLD_HTTPS_PORT"],
         "--smtp-timeout", "3000")
    # The rollover facts behind the DANE forecasts, on the world's cases (catalogue.toml).
    notes = {r["domain"]: r["dane_notes"] for r in read_csv(os.path.join(latest, "mx.csv"))}
    for dom, want_notes in (("dane-ee.tls.test", "tlsa_current_only"),
                            ("dane-rollover.tls.test", ""),
                            ("dane-ta-int.tls.test", "ta_full_cert_intermediate"),
                            ("dane-ta-root.tls.test", "")):
        check(notes.get(dom) == want_notes, f"mx.csv dane_notes of {dom}: {notes.get(dom)!r}")
    out = os.path.join(work, "report.json")
    lists = os.path.join(work, "changes")
    r = run([mtascope, "report", latest, earlier, "--out", out, "--top", str(TOP),
             "--changes", lists])
    check(r.returncode == 0, f"report exits 0 ({r.stderr[-500:]})")
    if r.returncode != 0:
        finish("test_report")
    rep = json.load(open(out))
    tabs = tables(rep)
    want, versions, issuers = figures(read_csv(os.path.join(latest, "domains.csv")),
                                      read_csv(os.path.join(latest, "mx.csv")))
    check(want["mail"] > 100 and want["sts_valid"] > 5 and want["dane_valid"] > 5,
          "the world gives non-trivial figures")
    check(want["enforce_cert_expiring_14d_all"] >= 1 and want["tlsa_current_only"] >= 1 and
          want["ta_full_cert_intermediate"] >= 1, "the world gives non-zero forecasts")
    check_coded_tables(tabs, want, "latest")
    check_top(tabs["tls_versions"], versions, want["handshake_rows"], 10 ** 9, "latest")
    check_top(tabs["issuers"], issuers, want["leaf_rows"], TOP, "latest")
    rules = check_psl()
    grouped = groups(read_csv(os.path.join(latest, "domains.csv")), rules)
    for tid in ("suffixes", "providers"):
        check_groups(tabs[tid], grouped[tid], want["mail"], TOP, "latest")
    check(len(tabs["providers"]["rows"]) >= 4, "the world has several providers")
    r = run([mtascope, "report", latest, "--out", os.path.join(work, "top1.json"), "--top", "1"])
    top1 = tables(json.load(open(os.path.join(work, "top1.json"))))
    check_top(top1["issuers"], issuers, want["leaf_rows"], 1, "--top 1")
    check_groups(top1["providers"], grouped["providers"], want["mail"], 1, "--top 1")
    check("trend" not in top1, "one scan: no trend table")

    man = {d: json.load(open(os.path.join(d, "manifest.json"))) for d in (earlier, latest)}
    facts = {f["key"]: f["value"] for f in rep["methodology"]}
    check(facts.get("input") == man[latest]["options"]["input"], "methodology: input")
    check(man[latest]["started_at"] in facts.get("scan date", ""), "methodology: scan date")
    check(facts.get("resolvers") == ", ".join(man[latest]["options"]["resolvers"]),
          "methodology: resolvers")
    check("records_total=%d" % man[latest]["counters"]["records_total"] in facts.get("counts", ""),
          "methodology: counts")
    check(any(k.startswith("earlier scan") and earlier in v for k, v in facts.items()),
          "methodology names the earlier scan")

    want_earlier, _, _ = figures(read_csv(os.path.join(earlier, "domains.csv")), [])
    check_trend(tabs["trend"], [(man[earlier]["started_at"], want_earlier),
                                (man[latest]["started_at"], want)])
    check_changes(tabs, changes(read_csv(os.path.join(earlier, "domains.csv")),
                                read_csv(os.path.join(latest, "domains.csv"))), lists)
    check_md_csv(mtascope, work, [latest, earlier], rep)
    check_usage(mtascope, work, latest)
    finish("test_report")


if __name__ == "__main__":
    main()
