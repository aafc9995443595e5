#!/usr/bin/env bash
# bench_ingest.sh: input ingestion of `mtascope scan --dry-run` (read, gunzip, parse, normalise, dedupe,
# shard; no DNS) on generated zone files of N names, plain and gzip: entries/s and peak RSS; then the N-name
# file with its records in random order (plain): every NS pair split, half the entries are duplicates
# found by store lookups all over the store.
# Usage: scripts/bench_ingest.sh [BUILD_DIR] [WORK_DIR]   (env N=10000000 SMALL=100000 KEEP=1)
# The zone files look like CZDS's com zone: absolute owners, "in ns" in lower case, two NS records
# per delegation, a DS record for every tenth, glue for every fiftieth, a SOA and the apex's NS.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=${2:-${TMPDIR:-/tmp}/mtascope-bench-ingest}
big=${N:-10000000}
small=${SMALL:-100000}
mtascope=$build/scanner/mtascope
[ -x "$mtascope" ] || { echo "no $mtascope: run scripts/build.sh release first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
mkdir -p "$work"

# Writes a zone of $2 delegations to $1, in name order as CZDS ships them (fixed seed).
gen() {
  python3 - "$1" "$2" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = ["mail", "shop", "cloud", "net", "web", "data", "home", "blue", "green", "alpha", "nord", "sun"]
with open(path, "w") as f:
    f.write("$ORIGIN com.\n$TTL 900\n")
    f.write("com. 900 in soa a.gtld-servers.net. nstld.verisign-grs.com. ( 1700000000 1800 900 604800 86400 )\n")
    f.write("com. 172800 in ns a.gtld-servers.net.\ncom. 172800 in ns b.gtld-servers.net.\n")
    step = 100000
    for start in range(0, n, step):
        out = []
        for i in range(start, min(n, start + step)):
            name = f"d{i:09d}-{rnd.choice(words)}.com."
            out.append(f"{name} 172800 in ns ns1.{name}\n{name} 172800 in ns ns2.provider{i % 997}.net.\n")
            if i % 10 == 0:
                out.append(f"{name} 86400 in ds {i % 65536} 13 2 {i:064x}\n")
            if i % 50 == 0:
                out.append(f"ns1.{name} 172800 in a 192.0.2.{i % 250 + 1}\n")
        f.write("".join(out))
PY
}

# Writes $1's records in random order (fixed seed) to $2, the SOA and the apex first.
shuffle() {
  { head -n 5 "$1"; tail -n +6 "$1" | shuf --random-source=<(yes 42); } > "$2"
}

printf '%-28s %12s %10s %12s %12s\n' file entries seconds entries/s "peak RSS MiB"
for n in "$small" "$big"; do
  zone=$work/zone-$n.zone
  if [ ! -s "$zone" ]; then gen "$zone" "$n"; fi
  if [ ! -s "$zone.gz" ]; then gzip -c "$zone" > "$zone.gz"; fi
  files=("$zone" "$zone.gz")
  if [ "$n" = "$big" ]; then
    if [ ! -s "$work/zone-$n-random.zone" ]; then shuffle "$zone" "$work/zone-$n-random.zone"; fi
    files+=("$work/zone-$n-random.zone")
  fi
  for f in "${files[@]}"; do
    /usr/bin/time -v "$mtascope" scan --dry-run --no-status "$f" > "$work/out" 2> "$work/err" ||
      { cat "$work/err" >&2; exit 1; }
    line=$(grep '^dry run:' "$work/out")
    entries=$(sed -n 's/^dry run: \([0-9]*\) entries in \([0-9.]*\) s: \([0-9]*\) entries\/s.*/\1 \2 \3/p' <<<"$line")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/err")
    read -r e s r <<<"$entries"
    printf '%-28s %12s %10s %12s %12s\n' "$(basename "$f")" "$e" "$s" "$r" "$rss"
  done
done
[ "${KEEP:-0}" = 1 ] || rm -f "$work"/zone-*.zone "$work"/zone-*.zone.gz
