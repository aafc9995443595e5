#!/usr/bin/env bash
# build.sh: configures and builds mtascope. Usage: scripts/build.sh [release|asan|fuzz] (default release).
# fuzz: clang with libFuzzer, only the fuzz harnesses (for a bounded fuzzing run of every parser).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) dir=build;      opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    dir=build-asan; opts=(-DCMAKE_BUILD_TYPE=Debug -DMS_ASAN=ON -DMS_UBSAN=ON) ;;
  fuzz)    dir=build-fuzz; opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DMS_FUZZ=ON) ;;
  *) echo "usage: $0 [release|asan|fuzz]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" "${opts[@]}" >/dev/null
if [ "$kind" = fuzz ]; then
  targets=$(sed -n 's/^set(MS_FUZZ_TARGETS \(.*\))/\1/p' tests/fuzz/fuzz.cmake)
  for t in $targets; do cmake --build "$dir" -j"$(nproc)" --target "fuzz_$t"; done
else
  cmake --build "$dir" -j"$(nproc)"
fi
echo "$dir"
