#!/usr/bin/env bash
# bench_memory.sh: peak RSS against input size at default concurrency. Scans N1 and N2 generated names
# (non-existent names in the signed zone sec.test, answered from unbound's aggressive NSEC cache) and
# prints peak RSS, domains/s and CPU per 1k domains for each. A benchmark, not a test.
# Usage: scripts/bench_memory.sh [N1] [N2]   (defaults 100000 and 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-100000}
n2=${2:-1000000}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-mem
out=$PWD/bench-out/memory
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" >/dev/null
tests/world/start.sh "$world" >/dev/null
trap 'tests/world/stop.sh "$world" >/dev/null' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
for n in "$n1" "$n2"; do
  # Streamed straight into the scanner: the input is never stored.
  rm -rf "$out/$n"
  seq 1 "$n" | sed 's/^/m/; s/$/.sec.test/' | \
    build/scanner/mtascope scan --out "$out/$n" "${resolvers[@]}" --no-status --quiet --no-smtp --no-sts -
  python3 - "$out/$n/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
d = m["counters"]["domains_scanned"]
cpu = m["resources"]["cpu_user_s"] + m["resources"]["cpu_sys_s"]
print(f"   {d} domains: peak RSS {m['resources']['max_rss_kib'] / 1024:.1f} MiB, "
      f"{d / m['duration_s']:.0f} domains/s, {1000 * cpu / d:.3f} CPU s per 1k domains")
PY
done
