#!/usr/bin/env bash
# bench_dns.sh: DNS-stage benchmark. Generates a large world, warms unbound, then measures side by side
# on the same world: mtascope's DNS stage and dnsperf sending the same query mix at equal concurrency.
# Prints domains/s, queries/s, CPU seconds per 1k domains and peak RSS. A benchmark, not a test.
# Usage: scripts/bench_dns.sh [N_DOMAINS] [INFLIGHT]   (defaults 100000 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
inflight=${2:-200}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-bench
out=$PWD/bench-out
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
echo "== generating a world of $n domains"
/usr/bin/time -f "   generated in %e s" python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml \
  --out "$world" --large "$n" >/dev/null
tests/world/start.sh "$world" >/dev/null
trap 'tests/world/stop.sh "$world" >/dev/null' EXIT
resolver=$(head -n 1 "$world/resolvers.txt")
host=${resolver%:*} port=${resolver##*:}

scan() { # scan OUT_NAME: one resolver, INFLIGHT outstanding queries (the dnsperf -q equivalent)
  rm -rf "$out/$1"
  build/scanner/mtascope scan --out "$out/$1" --resolver "$resolver" --resolver-inflight "$inflight" \
    --concurrency 2000 --no-status --quiet --no-smtp --no-sts "$world/domains.txt"
}

echo "== warm-up scan (fills unbound's cache)"
scan warm
# The same query mix as the scanner: MX and both TXT per domain, A/AAAA per distinct MX host.
python3 - "$out/warm/domains.csv" > "$out/queries.txt" <<'PY'
import csv, sys
hosts = set()
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["status"] == "input_error":
        continue
    d = r["domain"]
    print(f"{d} MX\n_mta-sts.{d} TXT\n_smtp._tls.{d} TXT")
    for h in filter(None, r["mx_hosts"].split(";")):
        hosts.add(h.split(":", 1)[1])
for h in sorted(hosts - {"."}):
    print(f"{h} A\n{h} AAAA")
PY
runs=${RUNS:-3}
echo "== $runs alternating runs on the warm resolver: mtascope DNS stage, then dnsperf (same queries, -q $inflight)"
for i in $(seq 1 "$runs"); do
  scan "run$i"
  dnsperf -s "$host" -p "$port" -d "$out/queries.txt" -q "$inflight" -c 1 -e -D -n 1 > "$out/dnsperf$i.txt" 2>&1
done
python3 - "$out" "$runs" <<'PY'
import json, re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(1, runs + 1):
    m = json.load(open(f"{out}/run{i}/manifest.json"))
    secs = max(m["duration_s"], 0.001)
    q = sum(r["sent"] for r in m["resolvers"])
    d = m["counters"]["domains_scanned"] + m["counters"]["input_errors"]
    cpu = m["resources"]["cpu_user_s"] + m["resources"]["cpu_sys_s"]
    dq = float(re.search(r"Queries per second:\s+([0-9.]+)", open(f"{out}/dnsperf{i}.txt").read()).group(1))
    rows.append((d / secs, q / secs, 1000 * cpu / d, m["resources"]["max_rss_kib"] / 1024, dq, secs, q, d))
    print(f"   run {i}: {d} domains in {secs:.2f} s = {d/secs:.0f} domains/s, {q} queries = {q/secs:.0f} q/s, "
          f"CPU {cpu:.2f} s, RSS {rows[-1][3]:.0f} MiB | dnsperf {dq:.0f} q/s")
med = [statistics.median(c) for c in zip(*rows)]
print(f"== median: {med[0]:.0f} domains/s, {med[1]:.0f} queries/s, {med[2]:.3f} CPU s per 1k domains, "
      f"peak RSS {max(r[3] for r in rows):.0f} MiB; dnsperf {med[4]:.0f} queries/s; "
      f"ratio mtascope/dnsperf {med[1]/med[4]:.2f}")
PY
