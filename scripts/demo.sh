#!/usr/bin/env bash
# demo.sh: installs what is missing, builds mtascope, brings up the simulated mail internet
# (NSD + unbound on 127.53.0.0/16), scans it end to end and prints where the results are and a summary.
# Usage: scripts/demo.sh [N]   (N: generated domains besides the case catalogue, default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
scripts/bootstrap.sh
scripts/build.sh release >/dev/null
world=$PWD/build/world-demo
out=$PWD/demo-out
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" --large "$n"
tests/world/start.sh "$world"
trap 'tests/world/stop.sh "$world"' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
rm -rf "$out"
build/scanner/mtascope scan --out "$out" "${resolvers[@]}" "$world/domains.txt"
echo
echo "results: $out/results.lmdb (LMDB), $out/domains.csv (CSV), $out/manifest.json (run manifest)"
python3 analysis/summary.py "$out"
