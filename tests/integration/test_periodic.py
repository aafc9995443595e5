#!/usr/bin/env python3
"""test_periodic.py: the periodic job (scripts/periodic/) run as systemd would run it, on the world.

  test_periodic.py MTASCOPE WORLD WORK

1. The command is ExecStart= of mtascope-scan.service, its environment the unit's Environment=
   lines; only the installation's paths and the scan's target change: MTASCOPE (this build),
   MTASCOPE_BASE (WORK/scans), MTASCOPE_INPUT (the world's list), MTASCOPE_SCAN_OPTS (the world's
   resolvers, CA, ports, --allow-private), and the script is taken from scripts/periodic/.
2. Run with MTASCOPE_DATE 2026-11-16, then 2026-11-23: each makes its dated directory with a scan
   (manifest, domains.csv) and rebuilds BASE/report.json and report.html. After the second run
   the trend table of report.json has two points, in date order, whose "domains with mail" are
   the counts of each scan's domains.csv (mx_kind mx or implicit), computed here.
3. The second date again: the scan is resumed in place (no third directory, still two points).
   A date that is not YYYY-MM-DD is refused (2); a run while another holds the lock exits 4.
4. systemd-analyze verify (if installed; otherwise skipped, said so) on copies of both units with
   ExecStart= pointing at the script here: no complaint at all; the same check fails on a unit
   with an unknown key, so it can fail.
Prints "test_periodic: N passed, M failed".
"""
import csv
import fcntl
import json
import os
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish, resolver_args, run, world_env  # noqa: E402

PERIODIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                        "periodic")
SERVICE = os.path.join(PERIODIC, "mtascope-scan.service")
TIMER = os.path.join(PERIODIC, "mtascope-scan.timer")
DATES = ("2026-11-16", "2026-11-23")


def unit_command(path):
    """(argv of ExecStart=, dict of the Environment= assignments) of a service unit."""
    argv, env = None, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("ExecStart="):
                argv = shlex.split(line[len("ExecStart="):])
            elif line.startswith("Environment="):
                for assignment in shlex.split(line[len("Environment="):]):
                    k, _, v = assignment.partition("=")
                    env[k] = v
    return argv, env


def job(mtascope, world, work):
    """The service's command and environment, moved onto this build and the test world."""
    argv, unit_env = unit_command(SERVICE)
    check(argv is not None and len(argv) == 1, f"one ExecStart= command ({argv})")
    check({"MTASCOPE", "MTASCOPE_BASE", "MTASCOPE_INPUT", "MTASCOPE_SCAN_OPTS"} <= set(unit_env),
          f"the unit sets the job's variables ({sorted(unit_env)})")
    script = os.path.join(PERIODIC, os.path.basename(argv[0]))
    check(os.access(script, os.X_OK), f"ExecStart's script is scripts/periodic/{os.path.basename(script)}")
    w = world_env(world)
    opts = resolver_args(world) + ["--allow-private", "--ca-file", os.path.join(world, "pki", "ca.pem"),
                                   "--smtp-port", w["WORLD_SMTP_PORT"], "--https-port",
                                   w["WORLD_HTTPS_PORT"], "--smtp-timeout", "3000"]
    env = dict(os.environ, **unit_env)
    env.update(MTASCOPE=mtascope, MTASCOPE_BASE=os.path.join(work, "scans"),
               MTASCOPE_INPUT=os.path.join(world, "domains.txt"), MTASCOPE_SCAN_OPTS=" ".join(opts))
    return [script] + argv[1:], env


def mail_domains(scan_dir):
    """Domains with mail in a scan, counted from its domains.csv."""
    with open(os.path.join(scan_dir, "domains.csv"), newline="") as f:
        return sum(1 for r in csv.DictReader(f) if r["mx_kind"] in ("mx", "implicit"))


def trend_rows(base):
    with open(os.path.join(base, "report.json")) as f:
        rep = json.load(f)
    for s in rep["sections"]:
        for t in s["tables"]:
            if s["id"] == "trend" and t["id"] == "trend":
                return t["columns"], t["rows"]
    return [], []


def check_runs(cmd, env, base):
    for i, date in enumerate(DATES):
        r = run(cmd, env=dict(env, MTASCOPE_DATE=date))
        check(r.returncode == 0, f"run {date} exits 0 ({r.stderr[-600:]})")
        d = os.path.join(base, date)
        check(os.path.exists(os.path.join(d, "manifest.json")) and
              os.path.exists(os.path.join(d, "domains.csv")), f"{d} holds a scan")
        for fmt in ("json", "html"):
            check(os.path.getsize(os.path.join(base, f"report.{fmt}")) > 0
                  if os.path.exists(os.path.join(base, f"report.{fmt}")) else False,
                  f"report.{fmt} after run {i + 1}")
    cols, rows = trend_rows(base)
    check(len(rows) == 2, f"the trend has two points ({len(rows)})")
    if len(rows) == 2 and "domains with mail" in cols:
        k = cols.index("domains with mail")
        want = [mail_domains(os.path.join(base, d)) for d in DATES]
        got = [r[k]["n"] for r in rows]
        check(got == want, f"the points' domains with mail are the scans' ({got} == {want})")
        check(min(got) > 0, f"both scans reached the world's domains ({got})")
        check(rows[0][0] < rows[1][0], f"points in time order ({rows[0][0]}, {rows[1][0]})")
    with open(os.path.join(base, "report.html")) as f:
        page = f.read()
    check("chart-line" in page, "the HTML report draws the trend as a line chart")


def check_again(cmd, env, base):
    r = run(cmd, env=dict(env, MTASCOPE_DATE=DATES[1]))
    check(r.returncode == 0 and "--resume" in r.stderr,
          f"the same date again resumes its scan ({r.returncode}, {r.stderr[-300:]})")
    dated = sorted(d for d in os.listdir(base) if d[:1].isdigit())
    check(dated == list(DATES), f"no third scan directory ({dated})")
    check(len(trend_rows(base)[1]) == 2, "still two points")
    r = run(cmd, env=dict(env, MTASCOPE_DATE="23.11.2026"))
    check(r.returncode == 2 and "YYYY-MM-DD" in r.stderr, f"a malformed date is refused ({r.returncode})")
    with open(os.path.join(base, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run(cmd, env=dict(env, MTASCOPE_DATE="2026-11-30"))
    check(r.returncode == 4 and not os.path.exists(os.path.join(base, "2026-11-30")),
          f"a second run at once waits for none and scans nothing ({r.returncode})")


def verify_units(work, script):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        print("test_periodic: systemd-analyze not installed: the units' verification is skipped")
        return
    units = os.path.join(work, "units")
    os.makedirs(units)
    with open(SERVICE) as f:
        service = "".join(f"ExecStart={script}\n" if line.startswith("ExecStart=") else line
                          for line in f)
    paths = [os.path.join(units, "mtascope-scan.service"), os.path.join(units, "mtascope-scan.timer")]
    with open(paths[0], "w") as f:
        f.write(service)
    shutil.copy(TIMER, paths[1])
    # --man=no: the man page and the installed script are the installation's business.
    r = subprocess.run([tool, "verify", "--man=no", *paths], capture_output=True, text=True)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
          f"systemd-analyze verify: no complaint ({r.returncode}: {(r.stdout + r.stderr)[-500:]})")
    with open(paths[0], "a") as f:
        f.write("NoSuchSetting=1\n")
    r = subprocess.run([tool, "verify", "--man=no", *paths], capture_output=True, text=True)
    check("NoSuchSetting" in r.stdout + r.stderr, "the verification notices an unknown setting")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: test_periodic.py MTASCOPE WORLD WORK")
    mtascope, world, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cmd, env = job(mtascope, world, work)
    verify_units(work, os.path.abspath(cmd[0]))
    check_runs(cmd, env, env["MTASCOPE_BASE"])
    check_again(cmd, env, env["MTASCOPE_BASE"])
    finish("test_periodic")


if __name__ == "__main__":
    main()
