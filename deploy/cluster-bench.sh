#!/usr/bin/env bash
# Benchmark (not a test): one job across 1, 2, 3 ... member JVMs on this machine, side by side
# with the same job in one JVM; optionally, what LAN latency costs two members.
#   deploy/cluster-bench.sh [--pin] [--latency-ms LIST] [--window LIST] [--latency-only] [--warmup N]
#                           [--model-placement] [--coordinator-nice N] [--repeat K] [MAX_MEMBERS] [COUNT]
#   deploy/cluster-bench.sh 3 3000             3,000 ResNet-32 images on 1..3 members (unpinned)
#   deploy/cluster-bench.sh --pin              ResNet-50 at 112x112, each JVM on its own CPU
#   deploy/cluster-bench.sh --pin --latency-ms 0,0.2,1 --window 1,4,16,64    and the latency table
# Scaling leg: the job in one JVM, then on 1..MAX_MEMBERS members started by deploy/local-cluster.sh
#   (127.0.0.1, ports 25621.., management 7727.., TLS with the keys it makes in its state folder;
#   FIVEPP_INSECURE_TRANSPORT=1: plain TCP on loopback, as before TLS was the default); a Markdown table of
#   images/s, speed-up over 1 member, bytes per image crossing members and each member's share.
#   Before each leg on members, a warm-up run of --warmup N images on the same members (stress: the
#   same run once, unless --warmup 0). The members
#   of a 'run' are placed by the busy time per core the previous leg measured ('--work-profile';
#   the one-JVM leg's for 1 member), or by the cost model with --model-placement. Defaults: 3 members, 3000 images of "--model resnet32
#   --fabric 5pp".
# --pin: member k starts on CPU (k-1) mod nproc (taskset), the one-JVM leg on CPU 0; the coordinator
#   ('fivepp run --cluster') is not pinned. Defaults then: "--model resnet50 --input 112x112
#   --fabric 5pp", 1000 images (long enough that filling and draining the pipeline weigh little),
#   members 1..nproc (at least 2, at most 8), capacity 1024 cores each, and for every JVM
#   FIVEPP_JAVA_OPTS="-XX:+UseG1GC -Xms2g -Xmx2g -XX:+AlwaysPreTouch" unless set.
# --coordinator-nice N: the coordinator runs at nice level N in every leg (default 0), so that
#   where the members have the CPUs to themselves it takes only the time they leave idle.
# --repeat K: each scaling leg's measured run K times (default 1), on the same warm members; the
#   table gives the median run and lists every run. Every leg's row says how much CPU time the
#   hypervisor took from this machine during its measured runs (steal, from /proc/stat).
# Latency leg (--latency-ms, --window or --latency-only; as root): 2 members and the coordinator,
#   each in its own network namespace, reach each other only through a 'fivepp relay' that writes
#   every byte on D ms after it arrived (one way; this kernel has no netem). Members speak TLS
#   (a throw-away self-signed key made here). A table of one-way latency x window -> images/s.
#   Defaults: latencies 0,0.2,1 ms, windows 1,4,16,64; before them, per latency, a warm-up run of
#   --warmup N images (default 50, with --pin 300; 0: none) on the same members. Addresses: 10.211.K.0/24, only
#   inside the namespaces this script creates and deletes; the host's own network is not touched.
# Environment: FIVEPP_BENCH_COMMAND=run (default) or stress ('fivepp stress' of COUNT cycles;
#   scaling leg only), FIVEPP_BENCH_ARGS (the job's options), FIVEPP_BENCH_MORE_ARGS (options added
#   to the job's, defaults included, e.g. "--router-delay 4 --credit-delay 4" for stress),
#   FIVEPP_CAPACITY (cores per member), FIVEPP_JAVA_OPTS, FIVEPP_BENCH_BASE_PORT and
#   FIVEPP_BENCH_MANAGEMENT_BASE (default 25621, 7727) and FIVEPP_BENCH_CLUSTER_DIR (the members'
#   folder), to run beside another bench. docs/cluster-bench.md describes the tables.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
me="cluster-bench.sh"
jar="$root/emulator/target/fivepp.jar"

fail() { echo "$me: $1" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

pin=0 latency_only=0 latencies="" windows="" warmup="" by_model=0 nice_level=0 repeat=1 positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) pin=1 ;;
    --model-placement) by_model=1 ;;
    --latency-only) latency_only=1 ;;
    --latency-ms | --window | --warmup | --coordinator-nice | --repeat)
      [ $# -ge 2 ] && [ -n "$2" ] && [[ "$2" != -* ]] || fail "$1 needs a value, e.g. $1 4"
      case "$1" in
        --window) windows="$2" ;; --latency-ms) latencies="$2" ;; --coordinator-nice) nice_level="$2" ;;
        --repeat) repeat="$2" ;; *) warmup="$2" ;;
      esac
      shift ;;
    --warmup=*) warmup="${1#*=}" ;;
    --latency-ms=*) latencies="${1#*=}"; [ -n "$latencies" ] || fail "--latency-ms needs a list, e.g. --latency-ms 0.2,1" ;;
    --window=*) windows="${1#*=}"; [ -n "$windows" ] || fail "--window needs a list, e.g. --window 1,4" ;;
    -h | --help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) fail "unknown option '$1' (options: --pin, --latency-ms LIST, --window LIST, --latency-only, --warmup N, --model-placement, --coordinator-nice N, --repeat K; see --help)" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -le 2 ] || fail "give at most MAX_MEMBERS and COUNT, not '${positional[*]}'"

command="${FIVEPP_BENCH_COMMAND:-run}"
ncpu="$(nproc)"
if [ "$pin" = 1 ]; then
  run_default="--model resnet50 --input 112x112 --fabric 5pp" count_default=1000 capacity_default=1024
  # every JVM the same: G1 and a fixed heap touched at start (a JVM started on one CPU would
  # otherwise pick the serial collector, and a growing heap costs a third of the speed)
  export FIVEPP_JAVA_OPTS="${FIVEPP_JAVA_OPTS-"-XX:+UseG1GC -Xms2g -Xmx2g -XX:+AlwaysPreTouch"}"
  # a member on one CPU compiles slowly: 50 images left it a fifth slower than after a few hundred
  warmup="${warmup:-300}"
  max_default=$((ncpu < 2 ? 2 : (ncpu > 8 ? 8 : ncpu)))
else
  run_default="--model resnet32 --fabric 5pp" count_default=3000 capacity_default=4096 max_default=3
fi
case "$command" in
  run) args="${FIVEPP_BENCH_ARGS:-$run_default}" ;;
  stress) args="${FIVEPP_BENCH_ARGS:---fabric 5pp --nodes 64 --rate 0.2}" ;;
  *) fail "FIVEPP_BENCH_COMMAND must be run or stress, not '$command'" ;;
esac
args="$args${FIVEPP_BENCH_MORE_ARGS:+ $FIVEPP_BENCH_MORE_ARGS}"
warmup="${warmup:-50}"
max="${positional[0]:-$max_default}"
count="${positional[1]:-$count_default}"
capacity="${FIVEPP_CAPACITY:-$capacity_default}"
[[ "$max" =~ ^[1-9][0-9]?$ ]] || fail "MAX_MEMBERS must be 1..99, not '$max'"
[[ "$count" =~ ^[1-9][0-9]*$ ]] || fail "COUNT must be a positive number, not '$count'"
[[ "$warmup" =~ ^[0-9]+$ ]] || fail "--warmup must be a number of images (0: none), not '$warmup'"
[[ "$nice_level" =~ ^[0-9]+$ ]] && [ "$nice_level" -le 19 ] \
  || fail "--coordinator-nice must be a nice level from 0 to 19, not '$nice_level'"
[[ "$repeat" =~ ^[1-9][0-9]?$ ]] || fail "--repeat must be a number of runs from 1 to 99, not '$repeat'"
# the coordinator's command prefix: its nice level
coord=(nice -n "$nice_level")
[[ "$capacity" =~ ^[1-9][0-9]*$ ]] || fail "FIVEPP_CAPACITY must be a positive number of cores, not '$capacity'"
latency_leg=0
if [ -n "$latencies$windows" ] || [ "$latency_only" = 1 ]; then
  latency_leg=1
  latencies="${latencies:-0,0.2,1}" windows="${windows:-1,4,16,64}"
  [ "$command" = run ] || fail "the latency leg measures 'fivepp run'; unset FIVEPP_BENCH_COMMAND=$command"
  [[ "$latencies" =~ ^[0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*$ ]] \
    || fail "--latency-ms must be one-way milliseconds separated by commas (e.g. 0,0.2,1), not '$latencies'"
  [[ "$windows" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] \
    || fail "--window must be images in flight (>= 1) separated by commas (e.g. 1,4,16), not '$windows'"
  for d in ${latencies//,/ }; do
    awk -v d="$d" 'BEGIN { exit !(d <= 1000) }' || fail "--latency-ms $d: give at most 1000 ms"
  done
  [ "$(id -u)" -eq 0 ] || fail "the latency leg creates network namespaces and needs root; run as root or drop --latency-ms/--window"
  command -v ip >/dev/null || fail "the latency leg needs iproute2's 'ip' (apt-get install iproute2)"
fi
command -v python3 >/dev/null || fail "python3 is needed to read the JSON reports"
[ "$pin" = 0 ] || command -v taskset >/dev/null || fail "--pin needs taskset (apt-get install util-linux)"

# build the jar when it is missing or stale (the launcher knows how)
"$root/deploy/fivepp" --version >/dev/null

# FIVEPP_BENCH_BASE_PORT, FIVEPP_BENCH_MANAGEMENT_BASE and FIVEPP_BENCH_CLUSTER_DIR let two benches run side by side
FIVEPP_CLUSTER_DIR="${FIVEPP_BENCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/fivepp-cluster-bench-$(id -u)}"
export FIVEPP_CLUSTER_DIR FIVEPP_CAPACITY="$capacity"
export FIVEPP_BASE_PORT="${FIVEPP_BENCH_BASE_PORT:-25621}" FIVEPP_MANAGEMENT_BASE="${FIVEPP_BENCH_MANAGEMENT_BASE:-7727}"
out="$(mktemp -d)"
ns_prefix="fivepp-bench-$$"
namespaces=() pids=() started=""

# stops what this script started: its JVMs (by pid), the local cluster, its namespaces, its files
cleanup() {
  local p
  [ ${#pids[@]} -eq 0 ] || stop_pids "${pids[@]}"
  "$root/deploy/local-cluster.sh" stop >/dev/null 2>&1 || true
  for p in "${namespaces[@]}"; do ip netns del "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_of() { echo $((($1 - 1) % ncpu)); }
progress() { echo "$me: $*" >&2; }

# CPU time the hypervisor took from this machine so far (all CPUs, clock ticks): /proc/stat's steal
steal_ticks() { awk '/^cpu / { print $9 }' /proc/stat; }

# measure NAME COMMAND...: runs COMMAND --repeat times, each report to $out/NAME-K.json and its
# steal ticks and wall seconds to $out/NAME.steal; then $out/NAME.json is the median run's report
measure() {
  local name="$1" k s0 t0
  shift
  rm -f "$out/$name.steal"
  for ((k = 1; k <= repeat; k++)); do
    s0="$(steal_ticks)" t0="$(date +%s.%N)"
    "$@" > "$out/$name-$k.json" 2> "$out/err" || return 1
    echo "$(($(steal_ticks) - s0)) $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >> "$out/$name.steal"
  done
  python3 - "$command" "$out" "$name" "$repeat" <<'PY'
import json, os, shutil, sys
kind, out, name, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def rate(r):
    return r["wallImagesPerSecond"] if kind == "run" else r["runs"][0]["cycles"] / r["runs"][0]["wallSeconds"]
runs = sorted(range(1, k + 1), key=lambda i: rate(json.load(open(os.path.join(out, "%s-%d.json" % (name, i))))))
# the median; of an even number of runs, the slower of the middle two
shutil.copy(os.path.join(out, "%s-%d.json" % (name, runs[(k - 1) // 2])), os.path.join(out, name + ".json"))
PY
}

# the table of a scaling leg from its JSON reports: local.json, m1.json, m2.json ... (the median
# runs), local-K.json ... (every run) and their steal
scaling_table() {
  python3 - "$command" "$out" "$max" "$pin" "$ncpu" "$repeat" "$(getconf CLK_TCK)" <<'PY'
import json, os, sys
kind, out, top, pin, ncpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
repeat, tck = int(sys.argv[6]), int(sys.argv[7])
def load(name):
    return json.load(open(os.path.join(out, name)))
def rate(r):
    if kind == "run":
        return r["wallImagesPerSecond"]
    s = r["runs"][0]
    return s["cycles"] / s["wallSeconds"]
def every(name):
    return " ".join(("%.1f" if kind == "run" else "%.0f") % rate(load("%s-%d.json" % (name, k)))
                    for k in range(1, repeat + 1))
def steal(name):
    ticks = wall = 0.0
    for line in open(os.path.join(out, name + ".steal")):
        t, w = line.split()
        ticks, wall = ticks + float(t), wall + float(w)
    return "%.1f %%" % (100 * ticks / tck / wall / ncpu)
def share(r):
    ms = r.get("memberShares") or r.get("members") or []
    if not ms:
        return "-"
    for key in ("workShare", "work", "macsPerImage", "mvmsPerImage"):
        if all(key in m for m in ms):
            total = sum(m[key] for m in ms) or 1
            return " / ".join("%.0f" % (100 * m[key] / total) for m in ms) + " % (" + key + ")"
    total = sum(m["cores"] for m in ms) or 1
    return " / ".join("%.0f" % (100 * m["cores"] / total) for m in ms) + " % (cores)"
rows = [("one JVM" + (", CPU 0" if pin else ""), "local")]
def cpus(n):
    return " (CPU %s)" % ",".join(str(k % ncpu) for k in range(n)) if pin else ""
rows += [(str(n) + cpus(n), "m%d" % n) for n in range(1, top + 1)]
base = rate(load(rows[1][1] + ".json"))
runs = " | runs" if repeat > 1 else ""
if kind == "run":
    print("| members | images/s (wall) | speed-up vs 1 member | bytes/image crossing members | share per member"
          " | steal%s |" % runs)
    print("|---|---|---|---|---|---|%s" % ("---|" if runs else ""))
    for label, name in rows:
        r = load(name + ".json")
        print("| %s | %.1f | %.2f | %.0f | %s | %s |%s" % (label, rate(r), rate(r) / base,
              r.get("crossMemberBytesPerImage", 0), share(r), steal(name), " %s |" % every(name) if runs else ""))
else:
    print("| members | cycles/s (wall) | speed-up vs 1 member | flit-hops/s | channels between members"
          " | exchange every (cycles) | step messages | steal%s |" % runs)
    print("|---|---|---|---|---|---|---|---|%s" % ("---|" if runs else ""))
    for label, name in rows:
        r = load(name + ".json")
        s = r["runs"][0]
        c = s.get("cluster", {})
        print("| %s | %.0f | %.2f | %.0f | %d | %s | %d | %s |%s" % (label, rate(r), rate(r) / base, s["flitHopsPerSecond"],
              c.get("channelsBetweenMembers", 0), c.get("exchangeEveryCycles", "-"), c.get("stepMessages", 0),
              steal(name), " %s |" % every(name) if runs else ""))
PY
}

scaling() {
  local job n i
  if [ "$command" = run ]; then job=(--images "$count" --check 0); else job=(--cycles "$count"); fi
  local pin0=()
  [ "$pin" = 0 ] || pin0=(taskset -c 0)
  progress "scaling: $command $args ${job[*]} in one JVM${pin0[*]:+ (CPU 0)}"
  # shellcheck disable=SC2086  # FIVEPP_BENCH_ARGS is a list of words
  measure local "${pin0[@]}" "$root/deploy/fivepp" "$command" $args "${job[@]}" --format json \
    || { echo "$me: the one-JVM leg failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
  for ((n = 1; n <= max; n++)); do
    if [ "$pin" = 1 ]; then
      # each member started on its CPU, so that its JVM sizes its threads for one CPU
      local cpus=()
      for ((i = 1; i <= n; i++)); do cpus+=("$(cpu_of "$i")"); done
      FIVEPP_MEMBER_CPUS="$(IFS=,; echo "${cpus[*]}")" "$root/deploy/local-cluster.sh" "$n" >/dev/null
    else
      "$root/deploy/local-cluster.sh" "$n" >/dev/null
    fi
    # the coordinator joins the members with their TLS config (none when they speak plain TCP)
    local place=() tls=() conf
    conf="$("$root/deploy/local-cluster.sh" client-config)"
    [ -z "$conf" ] || tls=(--config "$conf")
    # placed by the busy time the previous leg measured (on members like these, warmed), the first by the one JVM's
    local profile="$out/m$((n - 1)).json"
    [ "$n" -gt 1 ] || profile="$out/local.json"
    [ "$command" != run ] || [ "$by_model" = 1 ] || place=(--work-profile "$profile")
    if [ "$command" = run ] && [ "$warmup" -gt 0 ]; then
      progress "scaling: warming $n member(s) up with $warmup images"
      # shellcheck disable=SC2086
      "${coord[@]}" "$root/deploy/fivepp" run $args --images "$warmup" --check 0 "${place[@]}" \
        --cluster "127.0.0.1:$FIVEPP_BASE_PORT" --members "$n" "${tls[@]}" > /dev/null 2> "$out/err" \
        || { echo "$me: the warm-up on $n member(s) failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
    fi
    if [ "$command" = stress ] && [ "$warmup" -gt 0 ]; then
      # the same run once first: a fresh member's first run pays ~0.3 s of JIT (docs/stress.md)
      progress "scaling: warming $n member(s) up with the same stress run"
      # shellcheck disable=SC2086
      "${coord[@]}" "$root/deploy/fivepp" stress $args "${job[@]}" \
        --cluster "127.0.0.1:$FIVEPP_BASE_PORT" --members "$n" "${tls[@]}" > /dev/null 2> "$out/err" \
        || { echo "$me: the warm-up on $n member(s) failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
    fi
    progress "scaling: on $n member(s)"
    # shellcheck disable=SC2086
    measure "m$n" "${coord[@]}" "$root/deploy/fivepp" "$command" $args "${job[@]}" --format json "${place[@]}" \
      --cluster "127.0.0.1:$FIVEPP_BASE_PORT" --members "$n" "${tls[@]}" \
      || { echo "$me: the leg on $n member(s) failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
    "$root/deploy/local-cluster.sh" stop >/dev/null
  done
  local how=""
  if [ "$command" = stress ] && [ "$warmup" -gt 0 ]; then
    how=", members warmed by the same run"
  fi
  if [ "$command" = run ]; then
    how=", members warmed by $warmup images, placed by $([ "$by_model" = 1 ] && echo "the cost model" || echo "the previous leg's measured busy time")"
  fi
  [ "$nice_level" = 0 ] || how="$how, the coordinator at nice $nice_level"
  echo "Scaling: $command $args, $count per leg$([ "$repeat" = 1 ] || echo ", the median of $repeat runs")$([ "$pin" = 1 ] && echo ", pinned")$how ($(date -u +%Y-%m-%dT%H:%MZ), $ncpu CPUs)"
  echo
  scaling_table
}

# --- the latency leg: namespaces R (relays), 0 (coordinator), 1 and 2 (members) -------------------
# JVM K listens on 10.211.K.2:25520 in its namespace; its canonical address, which the others dial,
# is 10.211.K.1:25520 in R, where the relay takes the bytes on to 10.211.K.2 D ms later.
net_up() {
  local k ns r="$ns_prefix-r"
  ip netns add "$r"; namespaces+=("$r")
  ip -n "$r" link set lo up
  # R forwards nothing: the relay is the only way from one JVM to another
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=0
  for k in 0 1 2; do
    ns="$ns_prefix-$k"
    ip netns add "$ns"; namespaces+=("$ns")
    ip link add name "m$k" netns "$r" type veth peer name eth0 netns "$ns"
    ip -n "$r" addr add "10.211.$k.1/24" dev "m$k"
    ip -n "$r" link set "m$k" up
    ip -n "$ns" addr add "10.211.$k.2/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add 10.211.0.0/16 via "10.211.$k.1"
  done
}

# one self-signed key pair for every JVM of this run (mutual TLS as deploy/tls/member-tls.conf)
tls_up() {
  local keytool
  keytool="$(dirname "$(readlink -f "$(command -v java)")")/keytool"
  [ -x "$keytool" ] || fail "keytool not found next to java ($keytool)"
  mkdir -m 700 "$out/tls"
  FIVEPP_TLS_PASSWORD="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  export FIVEPP_TLS_PASSWORD FIVEPP_TLS_KEY_STORE="$out/tls/bench.p12" FIVEPP_TLS_TRUST_STORE="$out/tls/trust.p12"
  "$keytool" -genkeypair -alias bench -keyalg EC -groupname secp256r1 -dname "CN=fivepp-bench" -validity 2 \
    -storetype PKCS12 -keystore "$FIVEPP_TLS_KEY_STORE" -storepass "$FIVEPP_TLS_PASSWORD" 2>/dev/null
  "$keytool" -exportcert -rfc -alias bench -keystore "$FIVEPP_TLS_KEY_STORE" -storepass "$FIVEPP_TLS_PASSWORD" \
    -file "$out/tls/bench.crt" 2>/dev/null
  "$keytool" -importcert -noprompt -alias bench -file "$out/tls/bench.crt" -storetype PKCS12 \
    -keystore "$FIVEPP_TLS_TRUST_STORE" -storepass "$FIVEPP_TLS_PASSWORD" >/dev/null 2>&1
  # the coordinator's bind address comes from its --config ('fivepp run' has no --bind-hostname)
  printf 'include file("%s")\npekko.remote.artery.bind.hostname = "10.211.0.2"\n' \
    "$root/deploy/tls/member-tls.conf" > "$out/coordinator.conf"
}

# starts a JVM in the background in namespace $1 with the java command after it; its pid in $started
java_in() {
  local ns="$1" log="$2"; shift 2
  # shellcheck disable=SC2086  # FIVEPP_JAVA_OPTS is a list of words
  ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
  started=$!
  pids+=("$started")
}

# waits until the log $2 of pid $1 shows the line $3 (a grep pattern) or gives up after $4 s
await_line() {
  local deadline=$((SECONDS + $4))
  until grep -q "$3" "$2"; do
    kill -0 "$1" 2>/dev/null || { echo "$me: $5 exited; the end of its log:" >&2; tail -n 5 "$2" >&2; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$me: $5 not ready after $4 s; the end of its log:" >&2; tail -n 5 "$2" >&2; exit 1; }
    sleep 0.5
  done
}

# stops these JVMs (SIGTERM: members leave the cluster; SIGKILL after 30 s) and forgets their pids
stop_pids() {
  local p q keep=()
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$p" 2>/dev/null || true
    { wait "$p"; } 2>/dev/null || true
  done
  for q in "${pids[@]}"; do
    [[ " $* " == *" $q "* ]] || keep+=("$q")
  done
  pids=("${keep[@]}")
}

# one 'fivepp run' from the coordinator's namespace: port, images, window, JSON file, what it is
coordinate() {
  # shellcheck disable=SC2086  # FIVEPP_BENCH_ARGS is a list of words
  ip netns exec "$ns_prefix-0" "${coord[@]}" "$root/deploy/fivepp" run $args --images "$2" --check 0 --window "$3" \
    --format json --cluster 10.211.1.1:25520 --members 2 --cluster-wait 120 \
    --hostname 10.211.0.1 --port "$1" --config "$out/coordinator.conf" > "$4" 2> "$out/err" \
    || { echo "$me: $5 failed: $(tail -n 1 "$out/err")" >&2; exit 1; }
}

latency() {
  net_up
  tls_up
  local d w k relay member_pids prefix routes run nwin
  nwin="$(tr ',' '\n' <<<"$windows" | wc -l)"
  local -a java=(java --add-modules jdk.incubator.vector)
  # shellcheck disable=SC2206  # FIVEPP_JAVA_OPTS is a list of words
  java+=(${FIVEPP_JAVA_OPTS:-})
  for d in ${latencies//,/ }; do
    # each coordinator run gets its own port: a new JVM at the address of one that just left
    # would first have to wait until the members have removed the old one
    routes=(--listen 10.211.1.1:25520 --to 10.211.1.2:25520 --listen 10.211.2.1:25520 --to 10.211.2.2:25520)
    for ((k = 1; k <= nwin + 1; k++)); do
      routes+=(--listen "10.211.0.1:$((25520 + k))" --to "10.211.0.2:$((25520 + k))")
    done
    java_in "$ns_prefix-r" "$out/relay-$d.log" "${java[@]}" -jar "$jar" relay --delay-ms "$d" --max-seconds 86400 \
      "${routes[@]}"
    relay="$started"
    await_line "$relay" "$out/relay-$d.log" "^relay 10.211.0.1:$((25520 + nwin + 1))" 60 "the relay"
    member_pids=()
    for k in 1 2; do
      prefix=()
      [ "$pin" = 0 ] || prefix=(taskset -c "$(cpu_of "$k")")
      java_in "$ns_prefix-$k" "$out/member-$k-$d.log" "${prefix[@]}" "${java[@]}" -jar "$jar" node \
        --hostname "10.211.$k.1" --bind-hostname "10.211.$k.2" --port 25520 --seed 10.211.1.1:25520 \
        --capacity "$capacity" --join-timeout 120 --config "$root/deploy/tls/member-tls.conf"
      member_pids+=("$started")
    done
    for k in 1 2; do
      await_line "${member_pids[k - 1]}" "$out/member-$k-$d.log" "^member .* up" 150 "member $k"
    done
    # the members stay up for every window: a warm-up run first, so that no window pays for the JIT
    if [ "$warmup" -gt 0 ]; then
      progress "latency: $d ms one way, warm-up of $warmup images"
      coordinate "$((25521 + nwin))" "$warmup" 16 "$out/warmup-$d.json" "the warm-up at $d ms"
    fi
    run=0
    for w in ${windows//,/ }; do
      run=$((run + 1))
      progress "latency: $d ms one way, window $w"
      coordinate "$((25520 + run))" "$count" "$w" "$out/lat-$d-$w.json" "the run at $d ms, window $w"
    done
    stop_pids "${member_pids[@]}"
    stop_pids "$relay"
    progress "latency: $d ms one way: $(grep '^relay stopped' "$out/relay-$d.log" || echo 'the relay did not report')"
  done
  echo "Latency: $args, $count images per cell, 2 members$([ "$pin" = 1 ] && echo " pinned") over TLS, every JVM behind a delaying relay ($(date -u +%Y-%m-%dT%H:%MZ), $ncpu CPUs)"
  echo
  python3 - "$out" "$latencies" "$windows" <<'PY'
import json, os, sys
out, lats, wins = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
print("| one-way latency | " + " | ".join("window %s" % w for w in wins) + " |")
print("|---|" + "---|" * len(wins))
for d in lats:
    cells = [json.load(open(os.path.join(out, "lat-%s-%s.json" % (d, w))))["wallImagesPerSecond"] for w in wins]
    print("| %s ms | " % d + " | ".join("%.1f" % c for c in cells) + " |")
print()
print("images/s (wall) on 2 members")
PY
}

if [ "$latency_only" = 0 ]; then
  scaling
fi
if [ "$latency_leg" = 1 ]; then
  [ "$latency_only" = 1 ] || echo
  latency
fi
