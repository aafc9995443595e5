#!/usr/bin/env bash
# scan-and-report.sh: one periodic run (mtascope-scan.service): scans the domain list into a dated
# directory BASE/YYYY-MM-DD, then rebuilds the trend report over every dated scan under BASE.
#
# Settings come from the environment (the unit's Environment= lines):
#   MTASCOPE_BASE       directory of the dated scans and the reports (required)
#   MTASCOPE_INPUT      the domain list, as for `mtascope scan` (required)
#   MTASCOPE            the mtascope binary (default: mtascope on PATH)
#   MTASCOPE_SCAN_OPTS  more scan options, split at spaces (e.g. "--resolver 127.0.0.1")
#   MTASCOPE_FORMATS    report formats (default "html json"): BASE/report.html, BASE/report.json
#   MTASCOPE_DATE       the run's date, YYYY-MM-DD (default: today in UTC); for tests and re-runs
# A scan directory of the same date is continued with --resume (a run killed half-way is finished
# by the next one; a complete one is left as it is). Reports are replaced atomically, so a reader
# never sees half a file. Exit status: 0, or the failing mtascope's status (1 fault, 2 usage,
# 3 interrupted), 2 for a bad setting, 4 when another run holds the lock.
set -euo pipefail

die() { echo "scan-and-report: $*" >&2; exit 2; }

base=${MTASCOPE_BASE:?MTASCOPE_BASE: the directory of the dated scans}
input=${MTASCOPE_INPUT:?MTASCOPE_INPUT: the domain list}
mtascope=${MTASCOPE:-mtascope}
formats=${MTASCOPE_FORMATS:-html json}
date=${MTASCOPE_DATE:-$(date -u +%F)}
[[ $date =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "MTASCOPE_DATE '$date' is not YYYY-MM-DD"
read -r -a scan_opts <<< "${MTASCOPE_SCAN_OPTS:-}"

mkdir -p "$base"
exec 9>"$base/.lock"
if ! flock -n 9; then
  echo "scan-and-report: another run holds $base/.lock" >&2
  exit 4
fi

out=$base/$date
resume=()
[ -e "$out" ] && resume=(--resume)
echo "scan-and-report: scanning $input into $out ${resume[*]}" >&2
"$mtascope" scan --out "$out" --no-status "${resume[@]}" "${scan_opts[@]}" "$input"

# Every dated directory holding a finished scan's manifest, oldest first.
scans=()
for d in "$base"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
  [ -f "$d/manifest.json" ] && scans+=("$d")
done
for fmt in $formats; do
  tmp=$base/.report.$fmt.tmp
  "$mtascope" report "${scans[@]}" --out "$tmp" --format "$fmt"
  mv -f "$tmp" "$base/report.$fmt"
  echo "scan-and-report: $base/report.$fmt (${#scans[@]} scans)" >&2
done
