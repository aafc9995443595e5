#!/usr/bin/env bash
# demo.sh: installs what is missing, builds mtascope, brings up the simulated mail internet
# (NSD + unbound on 127.53.0.0/16, SMTP servers on 127.61-62.0.0/16, nginx policy hosts on
# 127.63.0.0/16), scans it end to end, prints where the results are and a summary, and writes
# the HTML adoption report (demo-out/report.html).
# Usage: scripts/demo.sh [N]   (N: generated domains besides the case catalogue, default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
scripts/bootstrap.sh
scripts/build.sh release >/dev/null
world=$PWD/build/world-demo
out=$PWD/demo-out
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" --large "$n" \
  --smtp-hosts "$(( n < 2000 ? n : 2000 ))"
MS_SMTPD=$PWD/build/tests/ms-smtpd tests/world/start.sh "$world"
trap 'tests/world/stop.sh "$world"' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
rm -rf "$out"
. "$world/world.env"
# --allow-private: the simulated internet lives on 127.0.0.0/8, which a real scan never probes.
# Its many MX hosts share a few loopback addresses, so the per-IP limits are raised for the demo.
build/scanner/mtascope scan --out "$out" "${resolvers[@]}" --allow-private \
  --per-ip-conns 4 --per-ip-rate 200 \
  --ca-file "$world/pki/ca.pem" --smtp-port "$WORLD_SMTP_PORT" --https-port "${WORLD_HTTPS_PORT:-443}" \
  --smtp-timeout 3000 "$world/domains.txt"
echo
echo "results: $out/results.lmdb (LMDB), $out/domains.csv and $out/mx.csv (CSV), $out/manifest.json (run manifest)"
python3 analysis/summary.py "$out"
# The adoption report of the demo world: one self-contained page (charts and tables, nothing fetched).
build/scanner/mtascope report "$out" --out "$out/report.html" --format html
echo
echo "report: $out/report.html (open it in a browser; it loads nothing from the network)"
