#!/usr/bin/env bash
# Installs the real SSH peers the integration tests run against when missing: Debian's OpenSSH and Dropbear on the
# host (the bookworm generation), then the Debian roots of the newer generations (scripts/ensure-roots.sh: trixie
# and forky, cached, built once). Under CI=true a missing peer or root is an error, never a skip.
set -euo pipefail
# @tsalive/ws's browser tests drive Debian's Chromium through playwright-core, which never downloads a browser.
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-peers: missing /usr/bin/chromium; installing chromium" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null; } ||
      { echo "ensure-peers: cannot install chromium" >&2; [ "${CI:-}" != true ] || exit 1; }
  elif [ "${CI:-}" = true ]; then
    echo "ensure-peers: cannot install chromium (need root and apt-get); CI does not skip browser tests" >&2
    exit 1
  fi
fi
here=$(dirname "$0")
need=()
# nc (netcat-openbsd) and curl: the cli's tunnel tests (ProxyCommand with nc, -R and -D checked with curl).
for bin in /usr/bin/ssh /usr/sbin/sshd /usr/bin/ssh-keygen /usr/sbin/dropbear /usr/bin/dbclient /usr/bin/dropbearkey /usr/bin/dropbearconvert /usr/bin/unshare /usr/bin/nc.openbsd /usr/bin/curl; do
  [ -x "$bin" ] || need+=("$bin")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "ensure-peers: missing ${need[*]}; installing openssh-client openssh-server dropbear-bin util-linux netcat-openbsd curl" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      openssh-client openssh-server dropbear-bin util-linux netcat-openbsd curl >/dev/null
    # The packages start nothing we use; tests launch their own instances on loopback.
  elif [ "${CI:-}" = true ]; then
    echo "ensure-peers: cannot install peers (need root and apt-get); CI does not skip peer tests" >&2
    exit 1
  else
    echo "ensure-peers: run as root or install openssh-client openssh-server dropbear-bin; peer tests will be skipped" >&2
  fi
fi
# Prometheus, for examples/server's scrape test: the binary only; the test runs a throwaway instance on loopback.
# Installed with policy-rc.d refusing service starts, so the package's own service never runs.
if [ ! -x /usr/bin/prometheus ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-peers: missing /usr/bin/prometheus; installing prometheus" >&2
  policy=/usr/sbin/policy-rc.d
  [ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && trap 'rm -f "$policy"' EXIT; }
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq prometheus >/dev/null
fi
# The newer generations. ensure-roots.sh itself fails under CI=true when it cannot build them, and warns otherwise.
bash "$here/ensure-roots.sh"
