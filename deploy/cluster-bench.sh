#!/usr/bin/env bash
# Benchmark (not a test): one job across 1, 2, 3 ... member JVMs on this machine, side by side
# with the same job in one JVM.
#   deploy/cluster-bench.sh [MAX_MEMBERS] [COUNT]        (defaults: 3 members, 3000)
# FIVEPP_BENCH_COMMAND=run (default): 'fivepp run' of COUNT images; images/s and the bytes per
#   image that cross members. FIVEPP_BENCH_ARGS default "--model resnet32 --fabric 5pp".
# FIVEPP_BENCH_COMMAND=stress: 'fivepp stress' of COUNT measured cycles; cycles/s, flit-hops/s and
#   the channels between members. FIVEPP_BENCH_ARGS default "--fabric 5pp --nodes 64 --rate 0.2".
# Each leg starts its members with deploy/local-cluster.sh (ports 25621.., management 7727..;
# FIVEPP_CAPACITY sets their capacity, default 256 cores or routers),
# runs the command with --cluster, and stops them. Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
max="${1:-3}"
count="${2:-3000}"
command="${FIVEPP_BENCH_COMMAND:-run}"
case "$command" in
  run) args="${FIVEPP_BENCH_ARGS:---model resnet32 --fabric 5pp}"; job=(--images "$count" --check 0) ;;
  stress) args="${FIVEPP_BENCH_ARGS:---fabric 5pp --nodes 64 --rate 0.2}"; job=(--cycles "$count") ;;
  *) echo "cluster-bench.sh: FIVEPP_BENCH_COMMAND must be run or stress, not '$command'" >&2; exit 2 ;;
esac
[[ "$max" =~ ^[1-9][0-9]?$ ]] || { echo "cluster-bench.sh: MAX_MEMBERS must be 1..99, not '$max'" >&2; exit 2; }
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "cluster-bench.sh: COUNT must be a positive number, not '$count'" >&2; exit 2; }
FIVEPP_CLUSTER_DIR="${TMPDIR:-/tmp}/fivepp-cluster-bench-$(id -u)"
export FIVEPP_CLUSTER_DIR
export FIVEPP_BASE_PORT=25621 FIVEPP_MANAGEMENT_BASE=7727
out="$(mktemp -d)"
trap '"$root/deploy/local-cluster.sh" stop >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
# one table row from a JSON report: run -> images/s, bytes crossing; stress -> cycles/s, flit-hops/s, channels
row() {
  python3 - "$command" "$1" "$2" <<'PY'
import json, sys
kind, label, path = sys.argv[1:]
r = json.load(open(path))
if kind == "run":
    print("| %s | %.1f | %.0f |" % (label, r["wallImagesPerSecond"], r.get("crossMemberBytesPerImage", 0)))
else:
    s = r["runs"][0]
    print("| %s | %.0f | %.0f | %d |" % (label, s["cycles"] / s["wallSeconds"], s["flitHopsPerSecond"],
                                        s.get("cluster", {}).get("channelsBetweenMembers", 0)))
PY
}
if [[ "$command" == run ]]; then
  echo "| members | images/s (wall) | bytes/image crossing members |"
  echo "|---|---|---|"
else
  echo "| members | cycles/s (wall) | flit-hops/s | channels between members |"
  echo "|---|---|---|---|"
fi
# shellcheck disable=SC2086
"$root/deploy/fivepp" "$command" $args "${job[@]}" --format json > "$out/local.json" 2> "$out/err" \
  || { echo "cluster-bench.sh: the one-JVM leg failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
row "none (one JVM)" "$out/local.json"
for ((n = 1; n <= max; n++)); do
  "$root/deploy/local-cluster.sh" "$n" >/dev/null
  # shellcheck disable=SC2086
  "$root/deploy/fivepp" "$command" $args "${job[@]}" --format json \
    --cluster "127.0.0.1:$FIVEPP_BASE_PORT" --members "$n" > "$out/m$n.json" 2> "$out/err" \
    || { echo "cluster-bench.sh: the leg on $n member(s) failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
  "$root/deploy/local-cluster.sh" stop >/dev/null
  row "$n" "$out/m$n.json"
done
