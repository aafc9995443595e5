#!/bin/bash
# submit.sh: submits a sharded scan to Slurm: an array job of N shards and a merge job after it.
#
#   scripts/slurm/submit.sh [-n N] [-s SHARED] [-m MTASCOPE] [-p MAX_AT_ONCE] [-- sbatch args]
#                           -- [scan options...] INPUT
#
# SHARED (default ./mtascope-shards) must be a directory every node sees at the same path; the
# shards write SHARED/shard-K, the merge SHARED/merged, the job logs SHARED/logs. MTASCOPE
# (default: `mtascope` on PATH) must exist at the same path on every node. -p limits how many
# shards run at once (sbatch --array=0-(N-1)%P): the per-IP and global limits of the scan
# options apply per shard, so divide them by the shards that run at once (docs/cluster.md).
# Options before the first `--` after -n/-s/-m/-p... are given to both sbatch calls (for example
# --partition=scan --account=lab). Prints the two job ids. sbatch's own SBATCH_* variables work.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

n=4 shared=$PWD/mtascope-shards mtascope=$(command -v mtascope || true) parallel=""
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift 2 ;;
    -s) shared=$2; shift 2 ;;
    -m) mtascope=$2; shift 2 ;;
    -p) parallel=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown option $1 (scan options go after --)" >&2; exit 2 ;;
    esac
done
sbatch_args=()
# A second `--` ends the sbatch arguments: what came before it is for sbatch.
if printf '%s\n' "$@" | grep -qx -- '--'; then
    while [ "$1" != "--" ]; do sbatch_args+=("$1"); shift; done
    shift
fi
if [ $# -lt 1 ] || ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ -z "$mtascope" ]; then
    echo "usage: $0 [-n N] [-s SHARED] [-m MTASCOPE] [-p MAX_AT_ONCE] -- [scan options] INPUT" >&2
    exit 2
fi
case $mtascope in /*) ;; *) mtascope=$(cd "$(dirname "$mtascope")" && pwd)/$(basename "$mtascope") ;; esac
mkdir -p "$shared/logs"
shared=$(cd "$shared" && pwd)
array=0-$((n - 1))${parallel:+%$parallel}

scan_job=$(sbatch --parsable "${sbatch_args[@]}" --array="$array" \
    --output="$shared/logs/shard-%a.log" \
    "$here/scan-shard.sbatch" "$mtascope" "$shared" "$n" "$@")
scan_job=${scan_job%%;*}
merge_job=$(sbatch --parsable "${sbatch_args[@]}" --dependency="afterok:$scan_job" \
    --kill-on-invalid-dep=yes --output="$shared/logs/merge.log" \
    "$here/merge.sbatch" "$mtascope" "$shared" "$n")
merge_job=${merge_job%%;*}
echo "scan array job $scan_job ($n shards), merge job $merge_job -> $shared/merged"
