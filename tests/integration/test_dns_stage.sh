#!/usr/bin/env bash
# test_dns_stage.sh: scans the catalogue world and compares every DNS-stage column with the spec's expectations.
# Usage: test_dns_stage.sh MTASCOPE WORLD_DIR OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mtascope=$1 world=$2 out=$3
"$here/run_scan.sh" "$mtascope" "$world" "$out" --timeout 1500 --retries 1
test -s "$out/domains.csv"
test -s "$out/manifest.json"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["complete"] is True, m; assert len(m["resolvers"]) >= 2, m["resolvers"]; assert all(r["sent"] > 0 for r in m["resolvers"]), m["resolvers"]' "$out/manifest.json"
exec python3 "$here/../world/check_expected.py" --expected "$world/expected.csv" --got "$out/domains.csv" \
  --columns status,error,mx_kind,mx_hosts,mx_dnssec,sts_txt,sts_id,tlsrpt,tlsrpt_rua,tlsa,dns_notes
