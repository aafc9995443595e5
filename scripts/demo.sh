#!/usr/bin/env bash
# demo.sh: installs what is missing, builds mtascope and runs it end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh release
build/scanner/mtascope version
