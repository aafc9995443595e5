#!/usr/bin/env bash
# bench_sts.sh: MTA-STS policy fetches. On the catalogue world's nginx policy hosts, measures the
# scanner's policy fetches per second (TXT lookup, policy host lookup, HTTPS fetch, parse; the
# STARTTLS stage off) over R rounds, then mta-sts-query (the reference client) fetching the same
# policies one after another. Root only (mta-sts-query runs in a private mount namespace, see
# tests/world/sts/query.sh). Usage: scripts/bench_sts.sh [R]   (default 20). A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-bench-sts
out=$PWD/bench-out/sts
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" --sts yes >/dev/null
MS_SMTPD=$PWD/build/tests/ms-smtpd tests/world/start.sh "$world" >/dev/null
trap 'tests/world/stop.sh "$world" >/dev/null' EXIT
. "$world/world.env"
# The policy domains whose body is served at once (not the slow or failing hosts).
python3 - "$world/expected.csv" > "$out/domains.txt" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r.get("sts") in ("valid", "invalid") and r.get("sts_error") not in ("txt_syntax", "txt_multiple"):
        print(r["domain"])
PY
n=$(wc -l < "$out/domains.txt")
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
start=$(date +%s.%N)
fetches=0
for i in $(seq 1 "$rounds"); do
  rm -rf "$out/scan"
  build/scanner/mtascope scan --out "$out/scan" "${resolvers[@]}" --no-status --quiet --no-smtp \
    --allow-private --ca-file "$world/pki/ca.pem" --https-port "$WORLD_HTTPS_PORT" "$out/domains.txt"
  fetches=$((fetches + $(grep -c "policy:" "$out/scan/domains.csv" || true)))
done
end=$(date +%s.%N)
echo "== mtascope: $fetches policies fetched and parsed in $rounds scans of $n domains"
python3 -c "import sys; f, t = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'   {t:.2f} s: {f / t:.0f} policy fetches/s (whole scans, process start-up included)'); open(sys.argv[4], 'w').write(f'{f / t}\n')" \
  "$fetches" "$start" "$end" "$out/ours"
echo "== mta-sts-query, the same $n domains one after another"
start=$(date +%s.%N)
ok=0
while read -r d; do
  if MS_PORT25=$PWD/build/tests/libms-port25.so tests/world/sts/query.sh "$world" "$d" > /dev/null 2>&1; then
    ok=$((ok + 1))
  fi
done < "$out/domains.txt"
end=$(date +%s.%N)
python3 -c "import sys; n, t = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); q = n / t; o = float(open(sys.argv[4]).read()); print(f'   {n} queries in {t:.2f} s: {q:.1f} policy fetches/s'); print(f'== ratio mtascope / mta-sts-query: {o / q:.0f}x')" \
  "$n" "$start" "$end" "$out/ours"
