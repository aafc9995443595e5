#!/usr/bin/env bash
# bench_smtp.sh: STARTTLS stage benchmark. On a generated world of N domains whose MX hosts are served
# by K ms-smtpd listeners, measures STARTTLS probes per scanner CPU second (the CPU of a --no-smtp scan
# of the same input is subtracted) and the dedupe ratio (domains per probe); next to it, `openssl s_time`
# bare TLS handshakes against a listener of the same server with the same certificate.
# Usage: scripts/bench_smtp.sh [N] [K]   (defaults 20000 and 2000). A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
k=${2:-2000}
scripts/bootstrap.sh >/dev/null
scripts/build.sh release >/dev/null
world=$PWD/build/world-bench-smtp
out=$PWD/bench-out/smtp
mkdir -p "$out"
tests/world/stop.sh "$world" 2>/dev/null || true
python3 tests/world/worldgen.py gen --spec tests/world/catalogue.toml --out "$world" --large "$n" \
  --smtp-hosts "$k" >/dev/null
. "$world/world.env"
MS_SMTPD=$PWD/build/tests/ms-smtpd tests/world/start.sh "$world" >/dev/null
# A second server process: one implicit-TLS listener with the certificate of the world's first
# good STARTTLS listener, for openssl s_time (which cannot speak STARTTLS).
good=$(awk '$3 == "good" { print; exit }' "$world/smtpd.conf")
set -- $good
echo "127.61.250.1 $WORLD_SMTP_PORT tls-direct $4 $5 $6" > "$out/tls-direct.conf"
build/tests/ms-smtpd --config "$out/tls-direct.conf" --pidfile "$out/tls-direct.pid" &
direct=$!
trap 'kill $direct 2>/dev/null; tests/world/stop.sh "$world" >/dev/null' EXIT
resolvers=()
while read -r r; do [ -n "$r" ] && resolvers+=(--resolver "$r"); done < "$world/resolvers.txt"
common=(--no-status --quiet --no-sts "${resolvers[@]}" --allow-private --ca-file "$world/pki/ca.pem"
        --smtp-port "$WORLD_SMTP_PORT" --per-ip-conns 8 --per-ip-rate 0 --max-conns 200)

rm -rf "$out/warm" "$out/dns" "$out/full"
build/scanner/mtascope scan --out "$out/warm" "${common[@]}" --no-smtp "$world/domains.txt"
build/scanner/mtascope scan --out "$out/dns" "${common[@]}" --no-smtp "$world/domains.txt"
build/scanner/mtascope scan --out "$out/full" "${common[@]}" "$world/domains.txt"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
dns = json.load(open(f"{out}/dns/manifest.json"))
full = json.load(open(f"{out}/full/manifest.json"))
cpu = lambda m: m["resources"]["cpu_user_s"] + m["resources"]["cpu_sys_s"]
probes = full["smtp"]["connections"]
d = full["counters"]["domains_scanned"]
smtp_cpu = max(cpu(full) - cpu(dns), 1e-6)
print(f"   {d} domains, {probes} STARTTLS probes ({full['smtp']['reused']} reuses: {d / max(probes, 1):.1f} domains per probe)")
print(f"   full scan {full['duration_s']:.2f} s wall, {d / full['duration_s']:.0f} domains/s, peak RSS "
      f"{full['resources']['max_rss_kib'] // 1024} MiB")
hs = full["smtp"]["tls_handshakes"]
print(f"   STARTTLS stage CPU {smtp_cpu:.2f} s: {probes / smtp_cpu:.0f} probes per scanner core-second "
      f"({1000 * smtp_cpu / max(probes, 1):.2f} ms per probe); {hs} of them completed STARTTLS + TLS: "
      f"{hs / smtp_cpu:.0f} completed STARTTLS probes per core-second with all of the stage's CPU charged to them")
user = max(full["resources"]["cpu_user_s"] - dns["resources"]["cpu_user_s"], 1e-6)
print(f"   counting user CPU only (as s_time does): {hs / user:.0f} completed STARTTLS probes per user second")
open(f"{out}/probes_per_cpu_s", "w").write(f"{hs / smtp_cpu:.0f}\n")
open(f"{out}/probes_per_user_s", "w").write(f"{hs / user:.0f}\n")
PY
sleep 0.5
echo "== openssl s_time, new handshake each time, 10 s, against 127.61.250.1:$WORLD_SMTP_PORT"
openssl s_time -connect "127.61.250.1:$WORLD_SMTP_PORT" -new -time 10 2>&1 | grep -E "connections" | tee "$out/s_time.txt"
st=$(awk '/connections\/user sec/ { for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) print $(i-1) }' "$out/s_time.txt" | head -1)
python3 -c "import sys; a, u, b = map(float, sys.argv[1:]); print(f'== ratio to s_time handshakes per user second: {a/b:.2f} (mtascope user+sys CPU), {u/b:.2f} (user CPU, like s_time)')" \
  "$(cat "$out/probes_per_cpu_s")" "$(cat "$out/probes_per_user_s")" "${st:-1}"
