#!/usr/bin/env bash
# Benchmark (not a test): images/s of one network across 1, 2, 3 ... member JVMs on this machine,
# side by side with the same run in one JVM, and the bytes per image that cross members.
#   deploy/cluster-bench.sh [MAX_MEMBERS] [IMAGES]        (defaults: 3 members, 3000 images)
# Environment: FIVEPP_BENCH_ARGS (more 'run' options, default "--model resnet32 --fabric 5pp").
# Each leg starts its members with deploy/local-cluster.sh (ports 25621.., management 7727..),
# runs 'fivepp run --cluster' with --check 0, and stops them. Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
max="${1:-3}"
images="${2:-3000}"
args="${FIVEPP_BENCH_ARGS:---model resnet32 --fabric 5pp}"
[[ "$max" =~ ^[1-9][0-9]?$ ]] || { echo "cluster-bench.sh: MAX_MEMBERS must be 1..99, not '$max'" >&2; exit 2; }
[[ "$images" =~ ^[1-9][0-9]*$ ]] || { echo "cluster-bench.sh: IMAGES must be a positive count, not '$images'" >&2; exit 2; }
FIVEPP_CLUSTER_DIR="${TMPDIR:-/tmp}/fivepp-cluster-bench-$(id -u)"
export FIVEPP_CLUSTER_DIR
export FIVEPP_BASE_PORT=25621 FIVEPP_MANAGEMENT_BASE=7727
out="$(mktemp -d)"
trap '"$root/deploy/local-cluster.sh" stop >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r[sys.argv[2]])" "$1" "$2"; }
# shellcheck disable=SC2086
"$root/deploy/fivepp" run $args --images "$images" --check 0 --format json > "$out/local.json" 2>/dev/null
echo "| members | images/s (wall) | bytes/image crossing members |"
echo "|---|---|---|"
printf '| none (one JVM) | %.1f | 0 |\n' "$(field "$out/local.json" wallImagesPerSecond)"
for ((n = 1; n <= max; n++)); do
  "$root/deploy/local-cluster.sh" "$n" >/dev/null
  # shellcheck disable=SC2086
  "$root/deploy/fivepp" run $args --images "$images" --check 0 --format json \
    --cluster "127.0.0.1:$FIVEPP_BASE_PORT" --members "$n" > "$out/m$n.json" 2>/dev/null
  "$root/deploy/local-cluster.sh" stop >/dev/null
  printf '| %d | %.1f | %.0f |\n' "$n" "$(field "$out/m$n.json" wallImagesPerSecond)" \
    "$(field "$out/m$n.json" crossMemberBytesPerImage)"
done
