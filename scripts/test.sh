#!/usr/bin/env bash
# The whole suite, as the README's test line and CI run it: peers, lint, types, build, publish checks,
# every package's tests on Node, the runtime-agnostic packages again on Deno, then one closing count.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)/test.log
trap 'rm -rf "$(dirname "$log")"' EXIT
step() { echo "== $*"; "$@" 2>&1 | tee -a "$log"; local rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || { echo "FAILED: $*"; summary; exit "$rc"; }; }
summary() {
  local pass fail
  pass=$( (grep -E '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}'; grep -Eo 'ok \| [0-9]+ passed' "$log" | awk '{s+=$3} END {print s+0}') | awk '{s+=$1} END {print s+0}')
  fail=$( (grep -E '^# fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}'; grep -Eo '\| [0-9]+ failed' "$log" | awk '{s+=$2} END {print s+0}') | awk '{s+=$1} END {print s+0}')
  echo "tests: $pass passed, $fail failed"
}
step bash scripts/ensure-peers.sh
step pnpm lint
step pnpm build
step pnpm typecheck
step pnpm check:publish
step pnpm -r --workspace-concurrency=1 --reporter=append-only test
step pnpm test:deno
step node --import tsx --test test/*.test.ts
summary
