#!/usr/bin/env bash
# The package test (run by .ci/run as root, after scripts/test): builds the .deb, installs it
# with dpkg, starts the daemon the way the systemd unit does (systemd is absent in CI: the
# unit's ExecStartPre/ExecStart run under setpriv as the package user, in the directories the
# unit asks systemd for), logs in real slixmpp clients, runs `ec_console summary`, checks the
# XMPP log and the metrics, reloads a changed (then a broken) configuration through the unit's
# ExecReload, follows a log rotation with the logrotate file's postrotate command, removes and
# purges the package, then builds the .rpm and checks its contents with `rpm -qlp`.
#
# Loopback only, every wait bounded; the trap kills the daemon and purges the package.
# Prints PASS/FAIL lines and "N passed, N failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ "$(id -u)" != 0 ]; then
  echo "packaging/test-deb.sh installs a package: run it as root" >&2
  exit 2
fi
if dpkg -s impetus >/dev/null 2>&1; then
  echo "the impetus package is already installed here; refusing to touch it" >&2
  exit 2
fi

passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }

work=$(mktemp -d)
pid=
user_existed=no
getent passwd impetus >/dev/null && user_existed=yes
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if dpkg -s impetus >/dev/null 2>&1; then
    IMPETUS_PURGE_DATA=yes dpkg -P impetus >/dev/null 2>&1 || true
  fi
  if [ "$user_existed" = no ]; then
    userdel impetus >/dev/null 2>&1 || true
    groupdel impetus >/dev/null 2>&1 || true
  fi
  rm -rf /run/impetus /var/lib/impetus /var/log/impetus /etc/impetus "$work"
}
trap cleanup EXIT

# Waits (bounded) until a command succeeds.
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
port_open() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1"; }
port_closed() { ! port_open "$1"; }
read -r p_xmpp p_tls p_moved p_metrics < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# --- Build and install -----------------------------------------------------------------------
packaging/build.sh deb
deb=$(ls target/debian/impetus_*.deb)
dpkg -i "$deb"
check "dpkg -i installs the package" dpkg -s impetus
check "the binary is installed" test -x /usr/bin/impetus
check "ec_console is a link to impetus" test "$(readlink /usr/bin/ec_console)" = impetus
dpkg-query -W -f='${Conffiles}\n' impetus >"$work/conffiles"
check "impetus.conf is a conffile" contains "$work/conffiles" /etc/impetus/impetus.conf
check "the package user exists" getent passwd impetus
check "a self-signed certificate was made" test -s /etc/impetus/tls/cert.pem
check "the key is readable by the group only" test "$(stat -c '%U:%G %a' /etc/impetus/tls/key.pem)" = "root:impetus 640"
check "the scriptlets are installed" test -s /usr/share/impetus/scriptlets/msys/xmpp/presence.lua
unit=$(dpkg -L impetus | grep '/systemd/system/impetus.service$')
check "the systemd unit is installed" test -s "$unit"
for setting in User=impetus ProtectSystem=strict NoNewPrivileges=yes \
  AmbientCapabilities=CAP_NET_BIND_SERVICE 'ExecReload=/bin/kill -HUP $MAINPID'; do
  check "the unit sets $setting" contains "$unit" "$setting"
done
check "logrotate ends with reopen logs" \
  sh -c "grep -v '^ *\\(endscript\\|}\\)\$' /etc/logrotate.d/impetus | tail -n 1 | grep -q 'ec_console .* reopen logs'"
check "the shipped configuration is valid" \
  setpriv --reuid=impetus --regid=impetus --init-groups impetus check-config -c /etc/impetus/impetus.conf

# --- The configuration under test: the shipped one on loopback ports ----------------------------
sed -e "s/Listen \"\\*:5222\" {}/Listen \"127.0.0.1:$p_xmpp\" {}/" \
  -e '/Listen "\[::\]:5222"/d' \
  -e "s/Listen \"\\*:5223\"/Listen \"127.0.0.1:$p_tls\"/" \
  -e "s/^#metrics_listen = .*/metrics_listen = \"127.0.0.1:$p_metrics\"/" \
  /etc/impetus/impetus.conf >"$work/impetus.conf"
cp "$work/impetus.conf" /etc/impetus/impetus.conf
check "the test configuration listens on loopback only" lacks /etc/impetus/impetus.conf '"*:'

# --- Start the daemon as the unit does ---------------------------------------------------------
unit_value() { sed -n "s/^$1=//p" "$unit" | head -n 1; }
run_user=$(unit_value User)
run_group=$(unit_value Group)
for kind in Runtime State Logs; do
  dir=$(unit_value "${kind}Directory")
  mode=$(unit_value "${kind}DirectoryMode")
  case $kind in Runtime) base=/run ;; State) base=/var/lib ;; Logs) base=/var/log ;; esac
  install -d -o "$run_user" -g "$run_group" -m "${mode:-0755}" "$base/$dir"
done
run_umask=$(unit_value UMask)
as_unit() { (umask "$run_umask" && exec setpriv --reuid="$run_user" --regid="$run_group" --init-groups --no-new-privs -- "$@"); }
# shellcheck disable=SC2046 # the unit's command lines are split on spaces, as systemd does here
check "ExecStartPre passes" as_unit $(unit_value ExecStartPre)
# One subshell that execs setpriv, which execs the server: $! is the server's pid ($MAINPID).
# shellcheck disable=SC2046
(umask "$run_umask" && exec setpriv --reuid="$run_user" --regid="$run_group" --init-groups \
  --no-new-privs -- $(unit_value ExecStart)) 2>"$work/daemon.log" &
pid=$!
check "the daemon listens" wait_for 30 port_open "$p_xmpp"
check "the console socket exists" wait_for 10 test -S /run/impetus/console
check "the main pid is the server" wait_for 5 sh -c "test \"\$(cat /proc/$pid/comm)\" = impetus"
check "the daemon runs as the package user" test "$(ps -o user= -p "$pid" | tr -d ' ')" = impetus

console() { timeout 20 ec_console /run/impetus/console "$@"; }
check "ec_console adds alice" console xmpp user add alice@localhost alice-pw
check "ec_console adds bob" console xmpp user add bob@localhost bob-pw

# --- A real client -------------------------------------------------------------------------------
python=$repo/.venv/bin/python
if ! "$python" -c "import slixmpp" 2>/dev/null; then
  python3 -m venv "$repo/.venv"
  "$repo/.venv/bin/pip" install --quiet --disable-pip-version-check slixmpp==1.17.0
fi
timeout 120 "$python" packaging/login.py 127.0.0.1 "$p_xmpp" first >"$work/login1.log" 2>&1 || true
check "slixmpp clients log in and exchange a message" contains "$work/login1.log" "DONE failures=0"

console summary >"$work/summary" 2>&1 || true
check "ec_console summary answers" contains "$work/summary" "Impetus version"
check "summary counts received stanzas" grep -Eq '^Stanzas received: [1-9]' "$work/summary"
check "summary shows the XMPP log" contains "$work/summary" "XMPP log (xmpp_logger1): /var/log/impetus/xmpplog.ec"

log=/var/log/impetus/xmpplog.ec
check "the XMPP log has the R record" wait_for 10 grep -q '+R+message+bob@localhost+alice@localhost/laptop+' "$log"
check "the XMPP log has the D record" wait_for 10 grep -q '+D+message+bob@localhost+alice@localhost/laptop+' "$log"
check "the XMPP log never shows the message text" lacks "$log" "hello first"
check "the XMPP log has logmode 0640" test "$(stat -c '%U %a' "$log")" = "impetus 640"
python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$p_metrics/metrics', timeout=5).read().decode())" \
  >"$work/metrics" 2>&1 || true
check "metrics count delivered messages" grep -q '^impetus_stanzas_delivered_total{type="message"} [1-9]' "$work/metrics"

# --- Reload a changed configuration, then a broken one ------------------------------------------
reload() {
  # shellcheck disable=SC2046
  $(unit_value ExecReload | sed "s/\\\$MAINPID/$pid/")
}
sed "s/127.0.0.1:$p_tls/127.0.0.1:$p_moved/" "$work/impetus.conf" >/etc/impetus/impetus.conf
reload
check "a reload opens the moved listener" wait_for 15 port_open "$p_moved"
check "a reload closes the old listener" wait_for 15 port_closed "$p_tls"
console summary >"$work/summary2" 2>&1 || true
check "the reload made generation 2" contains "$work/summary2" "(generation 2)"
echo "bogus_option = 1" >>/etc/impetus/impetus.conf
reload
check "a broken configuration is refused" wait_for 15 contains "$work/daemon.log" "Reconfigure failed."
console summary >"$work/summary3" 2>&1 || true
check "the running configuration stays" contains "$work/summary3" "(generation 2)"
sed "s/127.0.0.1:$p_tls/127.0.0.1:$p_moved/" "$work/impetus.conf" >/etc/impetus/impetus.conf

# --- Log rotation with the logrotate file's postrotate command ----------------------------------
mv "$log" "$log.1"
sed -n '/postrotate/,/endscript/p' /etc/logrotate.d/impetus | sed '1d;$d' >"$work/postrotate"
sh "$work/postrotate"
timeout 120 "$python" packaging/login.py 127.0.0.1 "$p_xmpp" second >"$work/login2.log" 2>&1 || true
check "clients still log in after the reloads" contains "$work/login2.log" "DONE failures=0"
check "after rotation records go to a new file" wait_for 10 grep -q '+D+message+bob@localhost+' "$log"
check "the rotated file got nothing new" test "$(grep -c '+R+message+' "$log.1")" = 1

# --- Stop, remove, purge ------------------------------------------------------------------------
kill -TERM "$pid"
check "SIGTERM stops the daemon" wait_for 15 sh -c "! kill -0 $pid"
check "the daemon logged its stop" contains "$work/daemon.log" "Impetus stopped"
pid=
dpkg -r impetus >"$work/remove.log" 2>&1
check "dpkg -r removes the binary" test ! -e /usr/bin/impetus
check "dpkg -r keeps the configuration" test -e /etc/impetus/impetus.conf
check "dpkg -r keeps the store" test -e /var/lib/impetus/impetus.db
dpkg -P impetus >"$work/purge.log" 2>&1
check "dpkg -P purges the package" sh -c "! dpkg -s impetus"
check "dpkg -P removes the configuration and certificate" test ! -e /etc/impetus
check "dpkg -P removes the logs" test ! -e /var/log/impetus
check "dpkg -P keeps the store unless asked" test -e /var/lib/impetus/impetus.db
dpkg -i "$deb" >/dev/null
IMPETUS_PURGE_DATA=yes dpkg -P impetus >"$work/purge2.log" 2>&1
check "IMPETUS_PURGE_DATA=yes dpkg -P removes the store" test ! -e /var/lib/impetus

# --- The rpm ---------------------------------------------------------------------------------------
if ! command -v rpm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rpm >/dev/null
fi
packaging/build.sh rpm
rpm_file=$(ls target/generate-rpm/impetus-*.rpm)
rpm -qlp "$rpm_file" >"$work/rpm-files"
for path in /usr/bin/impetus /usr/bin/ec_console /etc/impetus/impetus.conf /etc/logrotate.d/impetus \
  /usr/lib/systemd/system/impetus.service /usr/lib/impetus/impetus-setup \
  /usr/share/impetus/scriptlets/msys/xmpp/presence.lua; do
  check "the rpm contains $path" grep -qx "$path" "$work/rpm-files"
done
rpm -qpc "$rpm_file" >"$work/rpm-config"
check "the rpm marks impetus.conf as configuration" grep -qx /etc/impetus/impetus.conf "$work/rpm-config"
rpm -qp --scripts "$rpm_file" >"$work/rpm-scripts"
check "the rpm post-install runs impetus-setup" contains "$work/rpm-scripts" /usr/lib/impetus/impetus-setup

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
