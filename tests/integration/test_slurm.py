#!/usr/bin/env python3
"""test_slurm.py: a sharded scan of the test world as a Slurm array job on a one-node cluster brought
up here from scratch, merged by a dependent job, equals a single-process scan record for record.

  test_slurm.py MTASCOPE WORLD WORK SLURMCTLD_PORT

1. A private cluster in a temporary directory: munged with its own key, socket, pid, log and seed
   files; slurmctld and slurmd (in the foreground, so their pids are ours) with a generated
   slurm.conf: one node `localhost` with this machine's CPUs and memory (`slurmd -C`), one
   partition, proctrack/linuxproc, task/none, sched/builtin, select/cons_tres, state, spool and
   logs in the temporary directory, SlurmctldPort SLURMCTLD_PORT and SlurmdPort one above it,
   AuthInfo pointing at our munge socket.
2. A single-process scan of the world's domains.txt (the reference). Then scripts/slurm/submit.sh
   submits the 4-shard array job and the merge job (--dependency=afterok) twice: first with shard 2's
   directory holding a scan made with other options, so that task fails (its resume is refused) and
   the merge job is cancelled; then again with that directory removed: the complete shards resume
   without scanning, shard 2 scans, the merge runs. The waits are bounded.
3. The merged domains.csv and mx.csv must equal the reference's, record for record, scanned_at
   aside; each shard's manifest and the merged one must add up; `mtascope merge` of 3 of the 4
   shards must be refused (exit 2) and leave nothing behind.
Every daemon started is stopped in a finally block, and any process still carrying this cluster's
SLURM_CONF in its environment (a job step) is killed, so nothing is left running.
Needs root (slurmd runs jobs as their user; munged checks file ownership): as another user it
exits 77 (skipped). Prints "test_slurm: N passed, M failed".
"""
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, finish, manifest, read_csv, resolver_args, row_differences,  # noqa: E402
                    run, world_env)

HERE = os.path.dirname(os.path.abspath(__file__))
SUBMIT = os.path.join(HERE, "..", "..", "scripts", "slurm", "submit.sh")
SBIN = "/usr/sbin:/sbin:/usr/local/sbin"
N_SHARDS = 4
JOB_WAIT_S = 150
SLURM_CONF = """\
ClusterName=mtascopetest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={tmp}/state
SlurmdSpoolDir={tmp}/spool
SlurmctldPidFile={tmp}/run/slurmctld.pid
SlurmdPidFile={tmp}/run/slurmd.pid
SlurmctldLogFile={tmp}/log/slurmctld.log
SlurmdLogFile={tmp}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName=scan Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def tool(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + ":" + SBIN)


class Cluster:
    """munged + slurmctld + slurmd in `tmp`; every process started is remembered and stopped."""

    def __init__(self, tmp, ctld_port):
        self.tmp, self.ctld_port, self.procs = tmp, ctld_port, []
        self.conf = os.path.join(tmp, "slurm.conf")
        self.socket = os.path.join(tmp, "munge", "munge.socket")
        self.env = {**os.environ, "SLURM_CONF": self.conf,
                    "PATH": os.environ.get("PATH", "") + ":" + SBIN}

    def start_daemon(self, name, argv, ready, timeout=30):
        log = open(os.path.join(self.tmp, "log", name + ".out"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                             cwd=self.tmp, start_new_session=True)
        self.procs.append((name, p))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"{name} exited with {p.returncode}: {self.log_tail(name)}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready after {timeout} s: {self.log_tail(name)}")

    def log_tail(self, name):
        try:
            with open(os.path.join(self.tmp, "log", name + ".out")) as f:
                return f.read()[-1500:]
        except OSError:
            return ""

    def node_line(self):
        """CPUs and RealMemory of this machine as slurmd sees them, so the node is valid."""
        out = run([tool("slurmd"), "-C"], env=self.env).stdout
        cpus = re.search(r"\bCPUs=(\d+)", out)
        mem = re.search(r"\bRealMemory=(\d+)", out)
        if not cpus or not mem:
            raise RuntimeError(f"slurmd -C says: {out}")
        return int(cpus.group(1)), int(mem.group(1))

    def start(self):
        for d in ("munge", "state", "spool", "log", "run"):
            os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
        # munged: the socket's directory must be searchable by all; the key private.
        os.chmod(self.tmp, 0o755)
        os.chmod(os.path.join(self.tmp, "munge"), 0o755)
        key = os.path.join(self.tmp, "munge", "munge.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(os.urandom(1024))
        m = os.path.join(self.tmp, "munge")
        self.start_daemon("munged", [tool("munged"), "--foreground", f"--socket={self.socket}",
                                     f"--key-file={key}", f"--log-file={m}/munged.log",
                                     f"--pid-file={m}/munged.pid", f"--seed-file={m}/munged.seed"],
                          lambda: os.path.exists(self.socket))
        cpus, memory = self.node_line()
        with open(self.conf, "w") as f:
            f.write(SLURM_CONF.format(ctld_port=self.ctld_port, slurmd_port=self.ctld_port + 1,
                                      munge_socket=self.socket, tmp=self.tmp, cpus=cpus,
                                      memory=memory))
        self.start_daemon("slurmctld", [tool("slurmctld"), "-D", "-f", self.conf],
                          lambda: run([tool("scontrol"), "ping"], env=self.env).stdout.count("UP") > 0)
        self.start_daemon("slurmd", [tool("slurmd"), "-D", "-N", "localhost", "-f", self.conf],
                          lambda: "idle" in run([tool("sinfo"), "-h", "-o", "%T"], env=self.env).stdout)

    def job_state(self, job):
        out = run([tool("scontrol"), "-o", "show", "job", str(job)], env=self.env).stdout
        states = re.findall(r"\bJobState=(\S+)", out)
        return states

    def stop(self):
        """scancel, stop the daemons (TERM, then KILL), then kill any job process of ours."""
        if any(n == "slurmctld" for n, _ in self.procs):
            run([tool("scancel"), "--full", "--user=root"], env=self.env)
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for pid in self.our_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def our_processes(self):
        """Processes (slurmstepd, job scripts) whose environment names this cluster's slurm.conf."""
        mark = f"SLURM_CONF={self.conf}".encode() + b"\0"
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open(f"/proc/{d}/environ", "rb") as f:
                    if mark in f.read() + b"\0":
                        pids.append(int(d))
            except OSError:
                pass
        return pids


def scan_args(world, env):
    return ["--no-status", *resolver_args(world), "--allow-private", "--ehlo-name", "scanner.test",
            "--ca-file", os.path.join(world, "pki", "ca.pem"), "--smtp-port", env["WORLD_SMTP_PORT"],
            "--https-port", env["WORLD_HTTPS_PORT"], "--smtp-timeout", "3000"]


def wait_for(cluster, job):
    deadline = time.time() + JOB_WAIT_S
    while time.time() < deadline:
        states = cluster.job_state(job)
        if states and all(s not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING")
                          for s in states):
            return states
        time.sleep(1)
    return ["TIMEOUT"]


def compare_domains(ref, got):
    """Row by row, in key order; scanned_at aside, VOLATILE columns (common.py) under their condition."""
    diffs = row_differences(ref, got)
    check(not diffs, f"merged records equal the single-process scan's ({len(diffs)} differ: {diffs[:5]})")


def compare_mx(ref, got):
    """The same (domain, MX host, IP) rows: per domain a multiset (address order comes from DNS)."""
    def rows(table):
        return sorted(tuple(sorted(r.items())) for r in table)
    check(len(got) == len(ref) and rows(got) == rows(ref),
          f"merged mx.csv equals the single-process scan's ({len(got)} vs {len(ref)} rows)")


def check_shards(shared, ref_manifest):
    lines = ref_manifest["counters"]["input_entries"]
    taken = 0
    for k in range(N_SHARDS):
        m = manifest(os.path.join(shared, f"shard-{k}"))
        c = m["counters"]
        check(m["complete"] and m["input"]["shard"] == f"{k}/{N_SHARDS}", f"shard {k} complete, {k}/4")
        check(c["input_entries"] == lines, f"shard {k} read the whole input ({c['input_entries']})")
        taken += c["input_entries"] - c["sharded_out"]
    check(taken == lines, f"the shards' taken entries add up to the input's ({taken} vs {lines})")
    m = manifest(os.path.join(shared, "merged"))
    check(m["merged"] and m["shards"] == N_SHARDS and len(m["shard_manifests"]) == N_SHARDS,
          "the merged manifest lists the 4 shards' manifests")
    check(m["counters"]["records_total"] == ref_manifest["counters"]["records_total"],
          "the merged record count equals the reference's")
    check(m["input_sha256"] == ref_manifest["input_sha256"] != "", "same input SHA-256 as the reference")


def check_refusal(mtascope, shared, work):
    out = os.path.join(work, "three-of-four")
    r = run([mtascope, "merge", out] + [os.path.join(shared, f"shard-{k}") for k in range(3)])
    check(r.returncode == 2 and "shard 3/4 is missing" in r.stderr,
          f"merging 3 of 4 shards is refused with exit 2 ({r.returncode}: {r.stderr.strip()})")
    check(not os.path.exists(os.path.join(out, "results.lmdb")), "a refused merge writes no store")


def submit(cluster, world, env, shared, mtascope, inp):
    """submit.sh; returns (array job id, merge job id) or None."""
    r = run([SUBMIT, "-n", str(N_SHARDS), "-s", shared, "-m", mtascope, "--",
             *scan_args(world, env), inp], env=cluster.env)
    ids = re.findall(r"job (\d+)", r.stdout)
    check(r.returncode == 0 and len(ids) == 2, f"submit.sh submits two jobs ({r.stdout}{r.stderr})")
    return ids if len(ids) == 2 else None


def print_logs(shared):
    for log in sorted(os.listdir(os.path.join(shared, "logs"))):
        with open(os.path.join(shared, "logs", log)) as f:
            print(f"--- {log}\n{f.read()[-1500:]}")


def failed_round(mtascope, world, env, cluster, shared, inp):
    """Shard 2's directory holds a scan made with other options: its task fails (the resume is
    refused), so the merge job never runs (afterok, --kill-on-invalid-dep) and nothing is merged."""
    r = run([mtascope, "scan", "--out", os.path.join(shared, "shard-2"), "--shard", f"2/{N_SHARDS}",
             *scan_args(world, env), "--no-smtp", inp])
    check(r.returncode == 0, f"a shard-2 scan with other options ({r.stderr[-200:]})")
    ids = submit(cluster, world, env, shared, mtascope, inp)
    if ids is None:
        return False
    states = wait_for(cluster, ids[1])
    tasks = cluster.job_state(ids[0])
    check(states == ["CANCELLED"] and sorted(tasks).count("FAILED") == 1,
          f"a failed shard cancels the merge job (merge {states}, tasks {tasks})")
    with open(os.path.join(shared, "logs", "shard-2.log")) as f:
        check("refusing to resume" in f.read(), "the failed task's log says why")
    check(not os.path.exists(os.path.join(shared, "merged")), "nothing merged")
    shutil.rmtree(os.path.join(shared, "shard-2"))
    return states == ["CANCELLED"]


def scenario(mtascope, world, work, cluster):
    env = world_env(world)
    inp = os.path.join(world, "domains.txt")
    ref = os.path.join(work, "reference")
    r = run([mtascope, "scan", "--out", ref, *scan_args(world, env), inp])
    check(r.returncode == 0, f"reference scan exits 0 ({r.stderr[-300:]})")
    t0 = time.time()
    cluster.start()
    print(f"cluster up in {time.time() - t0:.1f} s")
    shared = os.path.join(work, "shared")
    os.makedirs(os.path.join(shared, "logs"))
    t0 = time.time()
    if not failed_round(mtascope, world, env, cluster, shared, inp):
        print_logs(shared)
        return
    print(f"first round (shard 2 refused, merge cancelled) in {time.time() - t0:.1f} s")
    # The same submission again: shards 0, 1 and 3 resume (everything recorded), shard 2 scans.
    t0 = time.time()
    ids = submit(cluster, world, env, shared, mtascope, inp)
    if ids is None:
        return
    states = wait_for(cluster, ids[1])
    print(f"second round done in {time.time() - t0:.1f} s: {states}")
    check(states == ["COMPLETED"], f"the merge job completed ({states}); array: "
                                   f"{cluster.job_state(ids[0])}")
    if states != ["COMPLETED"]:
        print_logs(shared)
        return
    check(set(cluster.job_state(ids[0])) == {"COMPLETED"}, "every array task completed")
    resumed = [k for k in range(N_SHARDS) if k != 2 and
               manifest(os.path.join(shared, f"shard-{k}"))["counters"]["domains_scanned"] == 0]
    check(resumed == [0, 1, 3], f"the resubmitted complete shards resumed without scanning ({resumed})")
    compare_domains(read_csv(os.path.join(ref, "domains.csv")),
                    read_csv(os.path.join(shared, "merged", "domains.csv")))
    compare_mx(read_csv(os.path.join(ref, "mx.csv")), read_csv(os.path.join(shared, "merged", "mx.csv")))
    check_shards(shared, manifest(ref))
    check_refusal(mtascope, shared, work)


def main():
    mtascope, world, work, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if os.geteuid() != 0:
        print("test_slurm: skipped: needs root (slurmd, munged)")
        sys.exit(77)
    missing = [t for t in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo", "scancel")
               if not tool(t)]
    if missing:
        check(False, f"Slurm and munge installed (scripts/bootstrap.sh): missing {missing}")
        finish("test_slurm")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    mtascope = os.path.abspath(mtascope)
    world = os.path.abspath(world)
    tmp = tempfile.mkdtemp(prefix="ms-slurm-")
    cluster = Cluster(tmp, port)
    t0 = time.time()
    try:
        scenario(mtascope, world, work, cluster)
    except Exception as e:  # a daemon that does not start: say why, then clean up
        check(False, f"cluster: {e}")
        for name in ("slurmctld", "slurmd"):
            print(f"--- {name} log\n" + cluster.log_tail(name))
    finally:
        cluster.stop()
        left = cluster.our_processes()
        check(all(p.poll() is not None for _, p in cluster.procs) and not left,
              f"every daemon and job process stopped (left: {left})")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"test_slurm: {time.time() - t0:.1f} s in all")
    finish("test_slurm")


if __name__ == "__main__":
    main()
