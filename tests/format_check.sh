#!/usr/bin/env bash
# format_check.sh: every C source and header follows .clang-format (the conventions' rule 12).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0 n=0
while IFS= read -r f; do
  n=$((n + 1))
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (clang-format -i $f)"
    bad=$((bad + 1))
  fi
done < <(find common datasets resolver probes output scanner analysis tests -name '*.[ch]' 2>/dev/null | sort)
echo "format_check: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
