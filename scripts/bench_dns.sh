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
    --concurrency 2000 --no-status --quiet "$world/domains.txt"
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
echo "== mtascope DNS stage (warm resolver)"
scan run
python3 - "$out/run/manifest.json" "$n" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
secs = max(m["duration_s"], 0.001)
q = sum(r["sent"] for r in m["resolvers"])
cpu = m["resources"]["cpu_user_s"] + m["resources"]["cpu_sys_s"]
d = m["counters"]["domains_scanned"] + m["counters"]["input_errors"]
print(f"   domains: {d}, wall {secs:.2f} s, {d/secs:.0f} domains/s, {q} queries, {q/secs:.0f} queries/s")
print(f"   scanner CPU {cpu:.2f} s = {1000*cpu/d:.3f} s per 1k domains; peak RSS {m['resources']['max_rss_kib']//1024} MiB")
open(sys.argv[1] + ".qps", "w").write(f"{q/secs:.0f}\n")
PY
echo "== dnsperf, same queries, same resolver, -q $inflight"
dnsperf -s "$host" -p "$port" -d "$out/queries.txt" -q "$inflight" -c 1 -e -D -n 1 2>&1 \
  | tee "$out/dnsperf.txt" | grep -E "Queries (sent|completed)|Queries per second|Run time"
dq=$(awk '/Queries per second/ {print int($4)}' "$out/dnsperf.txt")
sq=$(cat "$out/run/manifest.json.qps")
python3 -c "import sys; print(f'== ratio mtascope/dnsperf queries/s: {int(sys.argv[1])/max(1,int(sys.argv[2])):.2f}')" "$sq" "$dq"
