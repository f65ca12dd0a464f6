#!/usr/bin/env bash
# A cluster of fivepp members on this machine (127.0.0.1), one JVM each, speaking TLS with mutual authentication.
#   deploy/local-cluster.sh N              start N members and wait until all are Up
#   deploy/local-cluster.sh status         the members as the first one sees them
#   deploy/local-cluster.sh stop           stop them (SIGTERM: each leaves the cluster gracefully)
#   deploy/local-cluster.sh client-config  the --config FILE with which 'fivepp run --cluster' joins them
# Member i (1..N) listens on Artery port BASE_PORT+i-1 (default 25521..) and serves
# pekko-management on MANAGEMENT_BASE+i-1 (default 7627..), both on 127.0.0.1; member 1 is the seed.
# TLS: the first start makes a CA and a key pair for 127.0.0.1 with deploy/tls/make-keys.sh in
#   STATE/tls (mode 600, with a random password in STATE/tls/password), and every start writes
#   STATE/tls/cluster.conf (deploy/tls/member-tls.conf with those keys and that password; mode 600).
#   The members get it as --config; a coordinator joins them with the same file:
#     deploy/fivepp run ... --cluster 127.0.0.1:25521 --config STATE/tls/cluster.conf
#   FIVEPP_INSECURE_TRANSPORT=1 starts the members in plain TCP instead (no keys, no --config).
# Environment: FIVEPP_CLUSTER_DIR (STATE: logs, pid files, keys; default /tmp/fivepp-local-cluster-UID),
#   FIVEPP_BASE_PORT, FIVEPP_MANAGEMENT_BASE, FIVEPP_CAPACITY (vertices per member, default 4096),
#   FIVEPP_UP_TIMEOUT (seconds to wait for all members, default 120), FIVEPP_JAVA_OPTS,
#   FIVEPP_NODE_ARGS (more 'fivepp node' options; a --config of its own needs FIVEPP_INSECURE_TRANSPORT=1),
#   FIVEPP_INSECURE_TRANSPORT (1: plain TCP on loopback, as before TLS became the default),
#   FIVEPP_MEMBER_CPUS (e.g. "0,1": member i runs on CPU number i of the list, round robin, started
#   under taskset so that its JVM sizes its threads for that one CPU),
#   FIVEPP_CLASSPATH (for tests: run fivepp.cli.Main from this class path instead of building the jar).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/emulator/target/fivepp.jar"
state="${FIVEPP_CLUSTER_DIR:-/tmp/fivepp-local-cluster-$(id -u)}"
base="${FIVEPP_BASE_PORT:-25521}"
mbase="${FIVEPP_MANAGEMENT_BASE:-7627}"
capacity="${FIVEPP_CAPACITY:-4096}"
timeout="${FIVEPP_UP_TIMEOUT:-120}"
me="local-cluster.sh"
tls="$state/tls"
# the member key's name: the address the members and the coordinator are reached at
tls_name="127.0.0.1"

fail() { echo "$me: $1" >&2; exit "${2:-2}"; }
is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

usage() {
  sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

insecure() {
  case "${FIVEPP_INSECURE_TRANSPORT:-}" in
    "" | 0) return 1 ;;
    1) return 0 ;;
    *) fail "FIVEPP_INSECURE_TRANSPORT must be 1 (plain TCP) or unset (TLS), not '$FIVEPP_INSECURE_TRANSPORT'" ;;
  esac
}

# the keys (made once) and STATE/tls/cluster.conf, which members and coordinators give as --config
tls_up() {
  if [ ! -e "$tls/truststore.p12" ]; then
    [ ! -e "$tls" ] || [ -z "$(ls -A "$tls")" ] || fail "$tls holds files but no truststore.p12; remove $tls to make new keys"
    # make-keys.sh makes a random password and writes it to $tls/password
    env -u FIVEPP_TLS_PASSWORD "$root/deploy/tls/make-keys.sh" "$tls" "$tls_name" >/dev/null
  fi
  local f password
  for f in "$tls_name.p12" truststore.p12 password; do
    [ -s "$tls/$f" ] || fail "$tls/$f is missing; remove $tls to make new keys"
  done
  password="$(cat "$tls/password")"
  [[ "$password" =~ ^[A-Za-z0-9+/=]+$ ]] || fail "$tls/password is not one make-keys.sh made; remove $tls to make new keys"
  (
    umask 077
    cat >"$tls/cluster.conf.tmp" <<EOF
# made by deploy/local-cluster.sh for the members it starts and for the coordinators that join them:
#   deploy/fivepp run ... --cluster 127.0.0.1:$base --config $tls/cluster.conf
# deploy/tls/member-tls.conf (TLS 1.3, mutual authentication) with the keys in $tls.
include file("$root/deploy/tls/member-tls.conf")
pekko.remote.artery.ssl.config-ssl-engine {
  key-store = "$tls/$tls_name.p12"
  trust-store = "$tls/truststore.p12"
  key-store-password = "$password"
  key-password = "$password"
  trust-store-password = "$password"
}
EOF
    mv "$tls/cluster.conf.tmp" "$tls/cluster.conf"
  )
}

# the config file of the running members' TLS, or nothing when they speak plain TCP
client_config() {
  if [ -e "$tls/cluster.conf" ] && [ ! -e "$state/plaintext" ]; then echo "$tls/cluster.conf"; fi
}

# pids of members this script started and that still run
live_pids() {
  local f pid
  for f in "$state"/member-*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
  done
}

# members Up according to the management endpoint on port $1 (0 when it does not answer)
up_count() {
  local json
  json="$(curl -fsS --max-time 2 "http://127.0.0.1:$1/cluster/members" 2>/dev/null)" || { echo 0; return; }
  grep -o '"status":"Up"' <<<"$json" | wc -l | tr -d ' '
}

start() {
  local n="$1"
  is_count "$n" || fail "the number of members must be a positive integer, not '$n' (e.g. $me 3)"
  [ "$n" -le 64 ] || fail "$n members on one machine is too many; use at most 64"
  is_count "$base" && is_count "$mbase" || fail "FIVEPP_BASE_PORT and FIVEPP_MANAGEMENT_BASE must be port numbers"
  [ $((base + n - 1)) -le 65535 ] && [ $((mbase + n - 1)) -le 65535 ] || fail "the ports would run past 65535"
  is_count "$capacity" || fail "FIVEPP_CAPACITY must be a positive number of cores, not '$capacity'"
  is_count "$timeout" || fail "FIVEPP_UP_TIMEOUT must be a positive number of seconds, not '$timeout'"
  [ -z "${FIVEPP_MEMBER_CPUS:-}" ] || [[ "$FIVEPP_MEMBER_CPUS" =~ ^[0-9]+(,[0-9]+)*$ ]] \
    || fail "FIVEPP_MEMBER_CPUS must be CPU numbers separated by commas (e.g. 0,1), not '$FIVEPP_MEMBER_CPUS'"
  [ -z "${FIVEPP_MEMBER_CPUS:-}" ] || command -v taskset >/dev/null \
    || fail "FIVEPP_MEMBER_CPUS needs taskset (apt-get install util-linux)"
  command -v curl >/dev/null || fail "curl is needed to watch the members come up (apt-get install curl)"
  local secure=1 config=()
  if insecure; then secure=0; fi
  if [ "$secure" = 1 ] && [[ " ${FIVEPP_NODE_ARGS:-} " == *" --config"[\ =]* ]]; then
    fail "FIVEPP_NODE_ARGS gives a --config, and the members already get $tls/cluster.conf (TLS); put your settings in a file that includes it, or set FIVEPP_INSECURE_TRANSPORT=1"
  fi
  if [ -n "$(live_pids)" ]; then
    fail "members started from $state are still running; '$me stop' first"
  fi
  local i port mport
  for ((i = 1; i <= n; i++)); do
    port=$((base + i - 1)); mport=$((mbase + i - 1))
    for p in "$port" "$mport"; do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        fail "port $p on 127.0.0.1 is already in use; set FIVEPP_BASE_PORT / FIVEPP_MANAGEMENT_BASE to free ranges"
      fi
    done
  done
  local main=(-jar "$jar")
  if [ -n "${FIVEPP_CLASSPATH:-}" ]; then
    main=(-cp "$FIVEPP_CLASSPATH" fivepp.cli.Main)
  else
    # build the jar when it is missing or stale (the launcher knows how)
    "$root/deploy/fivepp" --version >/dev/null
  fi
  mkdir -p "$state"
  rm -f "$state"/member-*.pid "$state"/member-*.log
  if [ "$secure" = 1 ]; then
    tls_up
    rm -f "$state/plaintext"
    config=(--config "$tls/cluster.conf")
  else
    # client-config prints nothing while plaintext members run
    : >"$state/plaintext"
  fi
  local seed="127.0.0.1:$base"
  echo "starting $n members (logs in $state) ..."
  for ((i = 1; i <= n; i++)); do
    port=$((base + i - 1)); mport=$((mbase + i - 1))
    local pin=()
    if [ -n "${FIVEPP_MEMBER_CPUS:-}" ]; then
      local cpus
      IFS=, read -r -a cpus <<<"$FIVEPP_MEMBER_CPUS"
      pin=(taskset -c "${cpus[$(((i - 1) % ${#cpus[@]}))]}")
    fi
    # shellcheck disable=SC2086  # FIVEPP_JAVA_OPTS and FIVEPP_NODE_ARGS are lists of words
    nohup "${pin[@]}" java --add-modules jdk.incubator.vector ${FIVEPP_JAVA_OPTS:-} "${main[@]}" node \
      --hostname 127.0.0.1 --port "$port" --seed "$seed" --management-port "$mport" \
      --capacity "$capacity" --join-timeout "$timeout" "${config[@]}" ${FIVEPP_NODE_ARGS:-} \
      >"$state/member-$i.log" 2>&1 </dev/null &
    echo $! >"$state/member-$i.pid"
  done
  local deadline=$((SECONDS + timeout)) up=0
  while :; do
    up="$(up_count "$mbase")"
    [ "$up" -ge "$n" ] && break
    for ((i = 1; i <= n; i++)); do
      if ! kill -0 "$(cat "$state/member-$i.pid")" 2>/dev/null; then
        echo "$me: member $i (port $((base + i - 1))) exited; the end of $state/member-$i.log:" >&2
        tail -n 5 "$state/member-$i.log" >&2
        stop_all >/dev/null
        exit 1
      fi
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$me: only $up of $n members Up after ${timeout} s; logs in $state" >&2
      stop_all >/dev/null
      exit 1
    fi
    sleep 1
  done
  if [ "$secure" = 1 ]; then
    echo "$n members Up on 127.0.0.1 (TLS): Artery ports $base..$((base + n - 1)), management $mbase..$((mbase + n - 1))"
    echo "run against them:  deploy/fivepp run --model resnet32 --fabric 5pp --cluster $seed --config $tls/cluster.conf"
  else
    echo "$n members Up on 127.0.0.1 (plain TCP): Artery ports $base..$((base + n - 1)), management $mbase..$((mbase + n - 1))"
    echo "run against them:  deploy/fivepp run --model resnet32 --fabric 5pp --cluster $seed"
  fi
  echo "members:           curl -s http://127.0.0.1:$mbase/cluster/members"
  echo "stop them:         deploy/local-cluster.sh stop"
}

stop_all() {
  local pids
  pids="$(live_pids)"
  if [ -z "$pids" ]; then
    echo "no members running from $state"
    rm -f "$state"/member-*.pid
    return 0
  fi
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while [ -n "$(live_pids)" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  pids="$(live_pids)"
  if [ -n "$pids" ]; then
    echo "$me: members still running after 30 s; killing $pids" >&2
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
  fi
  rm -f "$state"/member-*.pid
  echo "stopped; logs in $state"
}

status() {
  if [ -z "$(live_pids)" ]; then
    echo "no members running from $state"
    return 0
  fi
  curl -fsS --max-time 5 "http://127.0.0.1:$mbase/cluster/members" && echo \
    || fail "member 1 does not answer on http://127.0.0.1:$mbase/cluster/members" 1
}

case "${1:-}" in
  stop) stop_all ;;
  status) status ;;
  client-config) client_config ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) [ $# -eq 1 ] || fail "give one argument: N, status, stop or client-config"; start "$1" ;;
esac
