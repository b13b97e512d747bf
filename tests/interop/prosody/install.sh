#!/usr/bin/env bash
# Installs Debian's prosody for the s2s interop test without starting the system service
# (no systemd here; policy-rc.d refuses every service start during the install).
set -euo pipefail
if command -v prosody >/dev/null 2>&1 && dpkg-query -W lua-unbound >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=true
fi
cleanup() { if $created_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT
if ! apt-get install -y -q --no-install-recommends prosody lua-unbound >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends prosody lua-unbound >/dev/null
fi
update-rc.d prosody disable >/dev/null 2>&1 || true
# A service started anyway by a maintainer script must not stay on the system ports.
if [ -f /run/prosody/prosody.pid ]; then
  kill "$(cat /run/prosody/prosody.pid)" 2>/dev/null || true
fi
command -v prosody >/dev/null
