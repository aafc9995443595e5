#!/usr/bin/env bash
# bench_merge.sh: `mtascope merge` throughput and memory. Scans N generated names (non-existent
# second-level names under the world's signed `test.` zone, so every name is its own registered
# domain and the shards are even) in K shards, DNS stage only, then merges them and prints the
# merge's wall time, records/s, CPU and peak RSS (GNU time), and the shard scans' own rate.
# A benchmark, not a test. Usage: scripts/bench_merge.sh [N] [K]   (defaults 1000000 and 4)
# WORLD_PORT (and WORLD_SMTP_PORT, WORLD_HTTPS_PORT) pick the world's ports as for ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
k=${2:-4}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-merge
out=$PWD/bench-out/merge
rm -rf "$out"
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" >/dev/null
tests/world/start.sh "$world" >/dev/null
trap 'tests/world/stop.sh "$world" >/dev/null' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
seq 1 "$n" | sed 's/^/bench-/; s/$/.test/' > "$out/input.txt"
dirs=()
t0=$(date +%s.%N)
for ((s = 0; s < k; s++)); do
  build/scanner/mtascope scan --out "$out/shard-$s" --shard "$s/$k" "${resolvers[@]}" --no-status \
    --quiet --no-smtp --no-sts "$out/input.txt"
  dirs+=("$out/shard-$s")
done
t1=$(date +%s.%N)
/usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" build/scanner/mtascope merge -q "$out/merged" "${dirs[@]}"
python3 - "$out" "$n" "$k" "$t0" "$t1" <<'PY'
import json, os, sys
out, n, k, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
wall, user, sys_s, rss = open(os.path.join(out, "time.txt")).read().split()
m = json.load(open(os.path.join(out, "merged", "manifest.json")))
recs = m["counters"]["records_total"]
shards = [len(open(os.path.join(out, f"shard-{s}", "domains.csv")).readlines()) - 1 for s in range(k)]
size = sum(os.path.getsize(os.path.join(out, f"shard-{s}", "results.lmdb", "data.mdb")) for s in range(k))
print(f"input {n} names, {k} shards of {min(shards)}..{max(shards)} records, "
      f"{size / 2**20:.0f} MiB of stores; shard scans one after another: {float(t1) - float(t0):.1f} s")
print(f"merge: {recs} records in {float(wall):.2f} s = {recs / float(wall):,.0f} records/s, "
      f"CPU {float(user) + float(sys_s):.2f} s, peak RSS {int(rss) / 1024:.0f} MiB")
PY
