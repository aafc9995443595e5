#!/usr/bin/env bash
# run_scan.sh: runs the real scanner against a running test world.
# Usage: run_scan.sh MTASCOPE WORLD_DIR OUT_DIR [extra scan options...]
set -euo pipefail
mtascope=$1 world=$2 out=$3
shift 3
resolvers=()
while read -r r; do
  [ -n "$r" ] && resolvers+=(--resolver "$r")
done < "$world/resolvers.txt"
rm -rf "$out"
exec "$mtascope" scan --out "$out" "${resolvers[@]}" --no-status "$@" "$world/domains.txt"
