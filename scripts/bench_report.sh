#!/usr/bin/env bash
# bench_report.sh: `mtascope report` over a large result store. Generates a world of N realistic domains
# (tests/world/worldlarge.py: providers, shared hosting, own MX hosts, signed and unsigned zones,
# MTA-STS and TLS-RPT records), scans it DNS-only into a store of N records (twice, so the trend and
# the change walk run over two stores of that size), then times the report in each format: seconds
# and peak RSS. A benchmark, not a test.
# Usage: scripts/bench_report.sh [N]   (default 1000000; WORLD_PORT=P picks the world's DNS port)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-report
out=$PWD/bench-out/report
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
echo "== generating a world of $n domains"
/usr/bin/time -f "   generated in %e s" python3 tests/world/worldgen.py gen \
  --spec tests/world/catalogue.toml --out "$world" --large "$n" >/dev/null
tests/world/start.sh "$world" >/dev/null
trap 'tests/world/stop.sh "$world" >/dev/null' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"

for s in scan1 scan2; do
  rm -rf "${out:?}/$s"
  echo "== DNS-only scan $s"
  /usr/bin/time -f "   scanned in %e s" build/scanner/mtascope scan --out "$out/$s" "${resolvers[@]}" \
    --concurrency 2000 --no-status --quiet --no-smtp --no-sts "$world/domains.txt"
done
echo "   store: $(du -sh "$out/scan2/results.lmdb" | cut -f1), $(($(wc -l < "$out/scan2/domains.csv") - 1)) records"
sync
# Read the store once so every run below finds it in the page cache (the report is CPU-bound then).
cat "$out"/scan*/results.lmdb/data.mdb > /dev/null

report() { # report LABEL ARGS...: seconds and peak RSS of one report run
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" build/scanner/mtascope report --quiet "$@"
  read -r secs kib < "$out/time.txt"
  printf '   %-40s %6.2f s  peak RSS %6.1f MiB\n' "$label" "$secs" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
}
echo "== report over one store of $n records"
for f in json md csv html; do
  report "one scan, $f" "$out/scan2" --out "$out/report.$f"
done
echo "== report over two stores (trend, change walk, --changes lists)"
report "two scans, json, --changes" "$out/scan2" "$out/scan1" --out "$out/report2.json" \
  --changes "$out/changes"
echo "   wrote $out/report.{json,md,csv,html}, $out/report2.json, $out/changes/"
