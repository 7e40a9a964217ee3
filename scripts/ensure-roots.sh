#!/usr/bin/env bash
# Builds the Debian roots that hold the newer peer generations (OpenSSH 10.0 + Dropbear 2025 in trixie, OpenSSH 10.6
# + Dropbear 2026 in forky) when they are missing, with debootstrap, from the mirror the machine's own apt sources
# name. Roots are cached in $TSALIVE_ROOTS (default /var/cache/tsalive/roots) and rebuilt only when broken.
# Usage: scripts/ensure-roots.sh [trixie] [forky]   (both by default)
set -euo pipefail
roots=${TSALIVE_ROOTS:-/var/cache/tsalive/roots}
suites=("$@"); [ "${#suites[@]}" -gt 0 ] || suites=(trixie forky)
mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { echo "ensure-roots: no Debian mirror in /etc/apt/sources.list*" >&2; return 1; }
  echo "$uri"
}
healthy() { [ -x "$1/usr/sbin/sshd" ] && [ -x "$1/usr/bin/ssh" ] && [ -x "$1/usr/sbin/dropbear" ] && [ -x "$1/usr/bin/dbclient" ] && chroot "$1" /usr/bin/ssh -V >/dev/null 2>&1; }
need=()
for suite in "${suites[@]}"; do healthy "$roots/$suite" || need+=("$suite"); done
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-roots: building ${need[*]} needs root" >&2
  [ "${CI:-}" = true ] && exit 1 || exit 0
fi
command -v debootstrap >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 update -qq; DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null; }
url=$(mirror)
mkdir -p "$roots"
exec 9>"$roots/.lock"
flock -w 600 9
pids=()
for suite in "${need[@]}"; do
  healthy "$roots/$suite" && continue   # built meanwhile by another run holding the lock first
  (
    set -e
    tmp="$roots/$suite.partial"
    rm -rf "$tmp" "$roots/$suite"
    script=()
    [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
    start=$SECONDS
    debootstrap --variant=minbase --include=openssh-server,openssh-client,dropbear-bin \
      "$suite" "$tmp" "$url" "${script[@]}" >"$roots/$suite.log" 2>&1 \
      || { echo "ensure-roots: debootstrap $suite failed; see $roots/$suite.log" >&2; tail -n 20 "$roots/$suite.log" >&2; exit 1; }
    mkdir -p "$tmp/run/sshd"
    mv "$tmp" "$roots/$suite"
    echo "ensure-roots: built $suite in $((SECONDS - start)) s ($(chroot "$roots/$suite" ssh -V 2>&1))" >&2
  ) &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
