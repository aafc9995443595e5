#!/usr/bin/env bash
# test.sh: the whole test suite: installs what is missing, fuzzes every parser of untrusted bytes
# for 20 s each with libFuzzer (clang), builds twice (release, ASan+UBSan) and runs every unit and
# integration test in both (the test world is started and stopped by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh release
scripts/build.sh asan
scripts/build.sh fuzz
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
echo "== bounded fuzzing in build-fuzz"
(cd build-fuzz && ctest --output-on-failure -R '^fuzz\.run_') || status=1
for dir in build build-asan; do
  echo "== ctest in $dir"
  (cd "$dir" && ctest --output-on-failure -j1 --timeout 900) || status=1
done
exit $status
