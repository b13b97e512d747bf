#!/usr/bin/env bash
# bench/compare.sh: Impetus beside ejabberd and Prosody on this machine, in one run.
#
# Why: absolute numbers from impetus-bench depend on the machine and its load; ratios against
# the two servers people would otherwise deploy, measured the same way at the same time, do not
# as much. The script installs ejabberd and Prosody from Debian's packages (without starting
# their services), configures all three on loopback with equivalent settings (STARTTLS required,
# SCRAM-SHA-256 with 4096 iterations, in-band registration, no traffic shapers, no archiving,
# Nagle off, large listen backlogs; templates in bench/compare/), creates the accounts in-band,
# then runs the same impetus-bench scenarios against each server, every scenario on a freshly
# started server process (same data directory), and writes a Markdown table of ratios.
#
# Safety (shared/spec/peer-servers.md): everything listens on 127.0.0.1 only (checked after
# every start with ss; the run aborts otherwise); the peers run in their own mount namespace
# with a private /etc/resolv.conf (nameserver 127.0.0.1) and /etc/hosts, Prosody's libunbound
# and ejabberd's Erlang resolver read only those files; ejabberd runs without epmd; s2s is off.
# Every server the script starts is stopped when it exits, whatever the reason.
#
# Usage (as root, from anywhere; the results go under var/compare/<timestamp>/):
#   bench/compare.sh                  # full size: run it on an otherwise idle machine
#   QUICK=1 bench/compare.sh          # smoke run: small counts, 3 s phases
#   SERVERS="impetus prosody" QUICK=1 bench/compare.sh
#
# Knobs (environment; defaults in brackets, QUICK=1 defaults after the slash):
#   SERVERS       which servers, in order ["impetus ejabberd prosody"]
#   N_LOGIN       users of the login scenario [2000 / 50]
#   N_IDLE        sessions of the idle scenario [5000 / 200]
#   IDLE_HOLD     seconds the idle sessions are held [10 / 3]
#   PAIRS         user pairs of the msg scenarios [100 / 20]
#   WINDOW        messages in flight per direction, closed-loop msg [10]
#   RATE          total msg/s of the paced msg scenario [10000 / 1000]
#   DURATION      seconds of sending in msg and presence [10 / 3]
#   PRES_USERS    users of the presence scenario [200 / 50]; ROSTER contacts each [10]
#   MECHANISM     SASL mechanism for every server [SCRAM-SHA-256]; MECHANISM_<server>
#                 overrides it for one server (e.g. MECHANISM_prosody=SCRAM-SHA-1)
#   CONCURRENCY   logins in flight [50]
#   DEADLINE      --deadline of each tool run, seconds [300 / 120]
#   IMPETUS_PORT, PROSODY_PORT, EJABBERD_PORT   c2s ports [16222, 25222, 35222]
#   EJABBERD_DIST_PORT   ejabberd's Erlang distribution port, loopback [35299]
#   IMPETUS_SCRIPTLET  1: Impetus loads the msys.xmpp.presence scriptlet (rosters, presence,
#                 blocking; as etc/impetus.conf) [1]; 0: the impetus-bench.conf set-up, where
#                 roster requests are refused and the presence scenario is n/a
#   SKIP_BUILD=1  use the existing target/release binaries
#   SKIP_INSTALL=1  do not apt-get (the packages must be there)
#   WORK          work directory [var/compare/<timestamp>]
#
# Needs: root (apt-get, unshare -m, setpriv), Debian bookworm's ejabberd 23.01 and prosody
# 0.12.3 (installed here if missing), openssl, ss, python3 (bench/compare/report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TEMPLATES=$ROOT/bench/compare

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  q() { printf '%s' "$1"; }
else
  q() { printf '%s' "$2"; }
fi
SERVERS=${SERVERS:-"impetus ejabberd prosody"}
N_LOGIN=${N_LOGIN:-$(q 50 2000)}
N_IDLE=${N_IDLE:-$(q 200 5000)}
IDLE_HOLD=${IDLE_HOLD:-$(q 3 10)}
PAIRS=${PAIRS:-$(q 20 100)}
WINDOW=${WINDOW:-10}
RATE=${RATE:-$(q 1000 10000)}
DURATION=${DURATION:-$(q 3 10)}
PRES_USERS=${PRES_USERS:-$(q 50 200)}
ROSTER=${ROSTER:-10}
MECHANISM=${MECHANISM:-SCRAM-SHA-256}
CONCURRENCY=${CONCURRENCY:-50}
DEADLINE=${DEADLINE:-$(q 120 300)}
IMPETUS_PORT=${IMPETUS_PORT:-16222}
PROSODY_PORT=${PROSODY_PORT:-25222}
EJABBERD_PORT=${EJABBERD_PORT:-35222}
EJABBERD_DIST_PORT=${EJABBERD_DIST_PORT:-35299}
IMPETUS_SCRIPTLET=${IMPETUS_SCRIPTLET:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
WORK=${WORK:-$ROOT/var/compare/$(date +%Y%m%d-%H%M%S)}
# Accounts every scenario may use: bench0 .. bench<N_ACCOUNTS-1>.
N_ACCOUNTS=$(printf '%s\n' "$N_LOGIN" "$N_IDLE" "$((PAIRS * 2))" "$PRES_USERS" | sort -n | tail -1)
NOFILE=20000

BENCH=$ROOT/target/release/impetus-bench
IMPETUS=$ROOT/target/release/impetus

declare -A SERVER_PID=()   # the process impetus-bench measures (--server-pid)
declare -A WRAP_PID=()     # the process this shell started (to wait for)
declare -A TREE=()         # all processes of a server once it is up (for stop_server)

log() { printf '[compare %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

port_of() {
  case $1 in
    impetus) echo "$IMPETUS_PORT" ;;
    prosody) echo "$PROSODY_PORT" ;;
    ejabberd) echo "$EJABBERD_PORT" ;;
    *) die "unknown server $1" ;;
  esac
}

mechanism_of() {
  local var="MECHANISM_$1"
  printf '%s' "${!var:-$MECHANISM}"
}

# --- preparation -------------------------------------------------------------------------

check_environment() {
  [ "$(id -u)" = 0 ] || die "run as root (apt-get, unshare -m, setpriv)"
  for tool in openssl ss unshare setpriv python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing"
  done
  for s in $SERVERS; do port_of "$s" >/dev/null; done
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$NOFILE" ]; then NOFILE=$hard; fi
  ulimit -n "$NOFILE" || die "cannot raise the open-file limit to $NOFILE"
}

build() {
  if [ "$SKIP_BUILD" = 1 ]; then
    log "SKIP_BUILD=1: using the existing binaries"
  else
    log "building impetus and impetus-bench (release)"
    cargo build --release -p impetus -p impetus-bench >&2 ||
      die "cargo build failed (SKIP_BUILD=1 runs the binaries already in target/release)"
  fi
  [ -x "$IMPETUS" ] && [ -x "$BENCH" ] || die "target/release/impetus or impetus-bench is missing"
}

wants() { [[ " $SERVERS " == *" $1 "* ]]; }

# Installs the peers without starting their services (policy-rc.d answers 101 to every
# start during the install; no systemd here), then makes sure nothing of theirs runs.
install_peers() {
  local packages=()
  if wants prosody; then
    dpkg-query -W -f='${Status}' prosody 2>/dev/null | grep -q 'ok installed' || packages+=(prosody)
    dpkg-query -W -f='${Status}' lua-unbound 2>/dev/null | grep -q 'ok installed' || packages+=(lua-unbound)
  fi
  if wants ejabberd; then
    dpkg-query -W -f='${Status}' ejabberd 2>/dev/null | grep -q 'ok installed' || packages+=(ejabberd)
  fi
  if [ ${#packages[@]} -eq 0 ]; then
    return
  fi
  [ "$SKIP_INSTALL" = 1 ] && die "SKIP_INSTALL=1 but ${packages[*]} not installed"
  log "installing ${packages[*]} (services kept from starting)"
  local before rc=0 pid started=""
  before=$(pgrep -x 'epmd|beam.smp|prosody|lua5.4' || true)
  hold_services
  (
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${packages[@]}" >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${packages[@]}" >&2; }
  ) || rc=$?
  release_services
  [ "$rc" = 0 ] || die "apt-get install ${packages[*]} failed"
  update-rc.d prosody disable >/dev/null 2>&1 || true
  update-rc.d ejabberd disable >/dev/null 2>&1 || true
  # Anything the maintainer scripts started anyway goes (only processes that were not there).
  for pid in $(pgrep -x 'epmd|beam.smp|prosody|lua5.4' || true); do
    if ! grep -qx "$pid" <<<"$before"; then
      log "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo '?') ($pid) started by the package install"
      kill "$pid" 2>/dev/null || true
      started="$started $pid"
    fi
  done
  if [ -n "$started" ]; then
    sleep 2
    for pid in $started; do
      kill -0 "$pid" 2>/dev/null && die "process $pid started by the package install is still running"
    done
  fi
  ss -ltnpH >&2
  return 0
}

# policy-rc.d answering 101 ("action forbidden") keeps invoke-rc.d from starting services
# while packages install; an existing one is put back afterwards (also on failure: cleanup).
POLICY=/usr/sbin/policy-rc.d
POLICY_STATE=""   # "" untouched, "created" or the path of the saved original
hold_services() {
  if [ -e "$POLICY" ]; then
    POLICY_STATE=$(mktemp /tmp/policy-rc.d.XXXXXX)
    cp -p "$POLICY" "$POLICY_STATE"
  else
    POLICY_STATE=created
  fi
  printf '#!/bin/sh\n# bench/compare.sh: no service starts while it installs packages\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
}
release_services() {
  case $POLICY_STATE in
    "") return 0 ;;
    created) rm -f "$POLICY" ;;
    *) cp -p "$POLICY_STATE" "$POLICY" && rm -f "$POLICY_STATE" ;;
  esac
  POLICY_STATE=""
}

# Fills @NAME@ placeholders: render TEMPLATE OUT NAME=VALUE...
render() {
  local template=$1 out=$2
  shift 2
  python3 - "$template" "$out" "$@" <<'PY'
import sys
template, out, *pairs = sys.argv[1:]
text = open(template).read()
for pair in pairs:
    name, value = pair.split("=", 1)
    text = text.replace("@" + name + "@", value)
if "@" in text and any(("@" + n + "@") in text for n in ("DIR", "PORT", "CERT", "KEY", "NODE", "DIST_PORT", "COOKIE", "SCRIPTLET")):
    sys.exit("unfilled placeholder in " + out)
open(out, "w").write(text)
PY
}

prepare_workdir() {
  mkdir -p "$WORK"/{results,logs,tls}
  chmod 755 "$WORK"
  log "work directory: $WORK"
  # One self-signed certificate for all three (ECDSA P-256, as modern deployments use).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$WORK/tls/localhost.key" -out "$WORK/tls/localhost.crt" 2>/dev/null ||
    die "openssl could not make the certificate"
  cat "$WORK/tls/localhost.crt" "$WORK/tls/localhost.key" >"$WORK/tls/localhost.pem"
  chmod 600 "$WORK"/tls/*

  local s d
  for s in $SERVERS; do
    d=$WORK/$s
    mkdir -p "$d/tls"
    cp "$WORK/tls/localhost.crt" "$WORK/tls/localhost.key" "$WORK/tls/localhost.pem" "$d/tls/"
    # Private name resolution for the peers' mount namespaces (and their resolvers' options).
    printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' >"$d/resolv.conf"
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$d/hosts"
    case $s in
      impetus)
        local scriptlet='# IMPETUS_SCRIPTLET=0: no scriptlet (roster requests get service-unavailable)'
        if [ "$IMPETUS_SCRIPTLET" = 1 ]; then
          scriptlet=$'scriptlet "scriptlet" {\n  script "xmpp-presence" { source = "msys.xmpp.presence" }\n}'
        fi
        render "$TEMPLATES/impetus.conf" "$d/impetus.conf" DIR="$d" PORT="$IMPETUS_PORT" \
          CERT="$d/tls/localhost.crt" KEY="$d/tls/localhost.key" SCRIPTLET="$scriptlet"
        ;;
      prosody)
        mkdir -p "$d/data"
        render "$TEMPLATES/prosody.cfg.lua" "$d/prosody.cfg.lua" DIR="$d" PORT="$PROSODY_PORT" \
          CERT="$d/tls/localhost.crt" KEY="$d/tls/localhost.key"
        chown -R prosody:prosody "$d"
        ;;
      ejabberd)
        mkdir -p "$d/etc" "$d/logs" "$d/db" "$d/contrib/conf"
        render "$TEMPLATES/ejabberd.yml" "$d/etc/ejabberd.yml" DIR="$d" PORT="$EJABBERD_PORT"
        render "$TEMPLATES/ejabberdctl.cfg" "$d/etc/ejabberdctl.cfg" DIR="$d" \
          NODE="compare-$(openssl rand -hex 4)@localhost" DIST_PORT="$EJABBERD_DIST_PORT"
        render "$TEMPLATES/vm.args" "$d/etc/vm.args" COOKIE="$(openssl rand -hex 16)"
        render "$TEMPLATES/inetrc" "$d/etc/inetrc" DIR="$d"
        chmod 600 "$d/etc/vm.args"
        chown -R ejabberd:ejabberd "$d"
        ;;
    esac
  done
}

# --- servers -----------------------------------------------------------------------------

port_busy() { [ -n "$(ss -ltnH "( sport = :$1 )")" ]; }

# The process and its descendants.
family() {
  local p=$1 c
  echo "$p"
  for c in $(pgrep -P "$p" || true); do family "$c"; done
}

# The first process called NAME in the tree under PID.
find_in_family() {
  local p
  for p in $(family "$1"); do
    if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ]; then
      echo "$p"
      return 0
    fi
  done
  return 0
}

# Aborts unless every socket the server's processes listen on is on loopback. QUIET=1: no
# log line when all is well.
check_loopback() {
  local name=$1 quiet=${2:-0} pids bad
  pids=$(family "${WRAP_PID[$name]}" | paste -sd'|')
  bad=$(ss -ltunpH | grep -E "pid=($pids)," |
    awk '$5 !~ /^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$/' || true)
  if [ -n "$bad" ]; then
    printf '%s\n' "$bad" >&2
    die "$name listens off loopback"
  fi
  if [ -n "$(comm -13 <(sort <<<"$EPMD_BEFORE") <(pgrep -x epmd | sort || true))" ]; then
    die "an epmd appeared after starting $name"
  fi
  [ "$quiet" = 1 ] || log "$name: listening only on loopback: $(ss -ltunpH | grep -E "pid=($pids)," | awk '{print $5}' | paste -sd' ')"
}

# Waits until the server listens on its port (or gives up).
wait_listening() {
  local name=$1 port=$2 limit=$3 i=0
  while ! port_busy "$port"; do
    if ! kill -0 "${WRAP_PID[$name]}" 2>/dev/null; then
      tail -n 30 "$WORK/logs/$name.stderr" "$WORK/logs/$name.stdout" >&2 2>/dev/null || true
      unset 'WRAP_PID[$name]' 'SERVER_PID[$name]'
      die "$name exited before listening on $port"
    fi
    i=$((i + 1))
    [ "$i" -le $((limit * 10)) ] || die "$name does not listen on 127.0.0.1:$port after ${limit}s"
    sleep 0.1
  done
}

# Runs a peer in its own mount namespace with private resolv.conf and hosts, as USER.
# The exec chain keeps one PID from the background job to the program (unshare without
# --fork, sh, setpriv and env all exec).
in_private_namespace() {
  local dir=$1 user=$2
  shift 2
  exec unshare -m --propagation private sh -c '
    dir=$1 user=$2; shift 2
    mount --bind "$dir/resolv.conf" /etc/resolv.conf &&
    mount --bind "$dir/hosts" /etc/hosts &&
    cd "$dir" &&
    exec setpriv --reuid="$user" --regid="$user" --clear-groups env HOME="$dir" "$@"
  ' sh "$dir" "$user" "$@"
}

start_impetus() {
  local d=$WORK/impetus
  port_busy "$IMPETUS_PORT" && die "127.0.0.1:$IMPETUS_PORT is already taken (IMPETUS_PORT)"
  "$IMPETUS" -c "$d/impetus.conf" </dev/null >>"$WORK/logs/impetus.stdout" 2>>"$WORK/logs/impetus.stderr" &
  WRAP_PID[impetus]=$!
  SERVER_PID[impetus]=$!
  wait_listening impetus "$IMPETUS_PORT" 30
}

start_prosody() {
  local d=$WORK/prosody
  port_busy "$PROSODY_PORT" && die "127.0.0.1:$PROSODY_PORT is already taken (PROSODY_PORT)"
  in_private_namespace "$d" prosody prosody --config "$d/prosody.cfg.lua" -F \
    </dev/null >>"$WORK/logs/prosody.stdout" 2>>"$WORK/logs/prosody.stderr" &
  WRAP_PID[prosody]=$!
  SERVER_PID[prosody]=$!
  wait_listening prosody "$PROSODY_PORT" 30
}

# ejabberdctl runs erl as a child (erl execs erlexec, which execs beam.smp): the beam is
# what impetus-bench measures.
start_ejabberd() {
  local d=$WORK/ejabberd beam="" i
  port_busy "$EJABBERD_PORT" && die "127.0.0.1:$EJABBERD_PORT is already taken (EJABBERD_PORT)"
  port_busy "$EJABBERD_DIST_PORT" && die "127.0.0.1:$EJABBERD_DIST_PORT is already taken (EJABBERD_DIST_PORT)"
  in_private_namespace "$d" ejabberd /usr/sbin/ejabberdctl --config-dir "$d/etc" \
    --config "$d/etc/ejabberd.yml" --ctl-config "$d/etc/ejabberdctl.cfg" \
    --logs "$d/logs" --spool "$d/db" foreground \
    </dev/null >>"$WORK/logs/ejabberd.stdout" 2>>"$WORK/logs/ejabberd.stderr" &
  WRAP_PID[ejabberd]=$!
  SERVER_PID[ejabberd]=$!
  wait_listening ejabberd "$EJABBERD_PORT" 90
  for i in $(seq 50); do
    beam=$(find_in_family "${WRAP_PID[ejabberd]}" beam.smp)
    [ -n "$beam" ] && break
    sleep 0.1
  done
  [ -n "$beam" ] || die "no beam.smp under ejabberdctl (${WRAP_PID[ejabberd]})"
  SERVER_PID[ejabberd]=$beam
}

start_server() {
  local name=$1
  "start_$name"
  sleep 2 # let the last listeners, modules and memory settle
  check_loopback "$name"
  # shellcheck disable=SC2046
  TREE[$name]=$(stamp $(family "${WRAP_PID[$name]}") | paste -sd' ')
  log "$name started (pid ${SERVER_PID[$name]}, rss $(awk '/VmRSS/{print $2, $3}' "/proc/${SERVER_PID[$name]}/status"))"
}

# The start time of live process PID (clock ticks since boot), to tell it from a later
# process that reuses the PID; fails for a zombie or no process.
proc_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# PID:START for each of the given processes that is alive.
stamp() {
  local p start
  for p in "$@"; do
    start=$(proc_start "$p") && echo "$p:$start"
  done
  return 0
}

# The stamps that still name the same live process.
still_alive() {
  local s
  for s in "$@"; do
    [ "$(proc_start "${s%%:*}" 2>/dev/null)" = "${s#*:}" ] && echo "$s"
  done
  return 0
}

# Stops one server: TERM to the server process, then KILL to whatever of its process tree
# is left after 20 s.
stop_server() {
  local name=$1 wrap pid i stamps alive s
  wrap=${WRAP_PID[$name]:-}
  [ -n "$wrap" ] || return 0
  pid=${SERVER_PID[$name]:-$wrap}
  if [ "$name" = ejabberd ] && [ "$pid" = "$wrap" ]; then
    # Stopped while starting: the beam, not ejabberdctl, takes the TERM.
    pid=$(find_in_family "$wrap" beam.smp)
    pid=${pid:-$wrap}
  fi
  # The tree now and as it was at the start (a child whose parent died is no longer in it).
  # shellcheck disable=SC2046
  stamps=$(printf '%s\n' $(stamp $(family "$wrap") "$pid") ${TREE[$name]:-} | sort -u)
  # shellcheck disable=SC2086
  if [ -n "$(still_alive $(grep "^$pid:" <<<"$stamps"))" ]; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for i in $(seq 200); do
    # shellcheck disable=SC2086
    alive=$(still_alive $stamps)
    [ -n "$alive" ] || break
    sleep 0.1
  done
  if [ -n "$alive" ]; then
    log "$name did not stop in 20 s: killing $(echo "$alive" | cut -d: -f1 | paste -sd' ')"
    for s in $alive; do kill -KILL "${s%%:*}" 2>/dev/null || true; done
  fi
  wait "$wrap" 2>/dev/null || true
  unset 'WRAP_PID[$name]' 'SERVER_PID[$name]' 'TREE[$name]'
}

cleanup() {
  local rc=$? name
  release_services
  for name in "${!WRAP_PID[@]}"; do
    log "cleanup: stopping $name"
    stop_server "$name"
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- scenarios ---------------------------------------------------------------------------

# run_tool SERVER NAME IMPETUS-BENCH-ARGS...: one bounded run; the JSON summary goes to
# results/SERVER-NAME.json (an {"error": ...} line when the tool gave none).
run_tool() {
  local server=$1 name=$2 rc=0
  shift 2
  local out=$WORK/results/$server-$name.json err=$WORK/logs/$server-$name.stderr
  timeout --kill-after=10 "$((DEADLINE + 60))" "$BENCH" \
    --server "127.0.0.1:$(port_of "$server")" --server-pid "${SERVER_PID[$server]}" \
    --domain localhost --mechanism "$(mechanism_of "$server")" \
    --key-cache "$WORK/keys-$server" --concurrency "$CONCURRENCY" \
    --deadline "$DEADLINE" --progress 5 "$@" >"$out" 2>"$err" || rc=$?
  if ! python3 -c 'import json,sys; json.loads(open(sys.argv[1]).readline())' "$out" 2>/dev/null; then
    python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' \
      "impetus-bench exited with status $rc without a summary: $(tail -n 3 "$err" | tr '\n' ' ')" >"$out"
  fi
  python3 "$TEMPLATES/report.py" --brief "$out" | sed "s/^/[compare $(date +%T)] $server $name: /" >&2
}

# scenario NAME: the impetus-bench arguments of that scenario.
scenario_args() {
  case $1 in
    setup) echo "--register login --users $N_ACCOUNTS --no-warmup" ;;
    login) echo "login --users $N_LOGIN" ;;
    idle) echo "idle --users $N_IDLE --hold $IDLE_HOLD" ;;
    msg) echo "msg --pairs $PAIRS --window $WINDOW --duration $DURATION" ;;
    paced) echo "msg --pairs $PAIRS --rate $RATE --duration $DURATION" ;;
    presence) echo "presence --users $PRES_USERS --roster $ROSTER --duration $DURATION" ;;
  esac
}

# One scenario against one server, on a freshly started server process.
run_scenario() {
  local server=$1 name=$2
  start_server "$server"
  # shellcheck disable=SC2046
  run_tool "$server" "$name" $(scenario_args "$name")
  check_loopback "$server" 1
  stop_server "$server"
}

# --- main --------------------------------------------------------------------------------

check_environment
EPMD_BEFORE=$(pgrep -x epmd || true)
build
install_peers
prepare_workdir
cat >"$WORK/settings.env" <<EOF
SERVERS=$SERVERS
QUICK=$QUICK
N_ACCOUNTS=$N_ACCOUNTS
N_LOGIN=$N_LOGIN
N_IDLE=$N_IDLE
IDLE_HOLD=$IDLE_HOLD
PAIRS=$PAIRS
WINDOW=$WINDOW
RATE=$RATE
DURATION=$DURATION
PRES_USERS=$PRES_USERS
ROSTER=$ROSTER
CONCURRENCY=$CONCURRENCY
IMPETUS_SCRIPTLET=$IMPETUS_SCRIPTLET
SKIP_BUILD=$SKIP_BUILD
DEADLINE=$DEADLINE
NOFILE=$NOFILE
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
EOF

# Scenario-major order: every server runs a scenario before any runs the next, so a change
# in background load spreads over all three instead of landing on one.
for s in $SERVERS; do
  log "== $s: creating $N_ACCOUNTS accounts in-band"
  run_scenario "$s" setup
done
for scenario in login idle msg paced presence; do
  for s in $SERVERS; do
    log "== $s: $scenario: $(scenario_args "$scenario")"
    run_scenario "$s" "$scenario"
  done
done
echo "LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/settings.env"

python3 "$TEMPLATES/report.py" "$WORK"
log "results: $WORK/results.md and $WORK/results.json"
cat "$WORK/results.md"
