#!/usr/bin/env bash
# The whole suite, as the README's test line and CI run it, in stages: peers and runtimes installed, lint, build,
# types, publish checks, every package's tests on the primary Node (24, ssh2's native crypto binding), the
# integration smoke set on ssh2's JavaScript crypto fallback, core and config plus the smoke set on every other Node
# line (runtimes.env), the runtime-agnostic packages and the adapters on Deno and on Bun, the root tests. Stages run
# one after another, since the timing tests are judged against real clocks. Each stage prints its time, a table
# closes the run, and the last line counts every test of every runtime: `tests: N passed, N failed`.
# A failing stage does not stop the next (but for peers, runtimes and build, which the rest needs); the script
# exits non-zero when any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=runtimes.env
. scripts/runtimes.env
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
system_node=$(dirname "$(command -v node)")

# Node 23+ defaults to the spec reporter, which prints no `# pass N`: every Node stage forces TAP, which the
# closing count reads, whatever the Node line's default.
node_stage_options="--test-reporter=tap"

names=() seconds=() passed=() failed=() results=()
# Counts one stage's log: Node's TAP summaries (cancelled tests as failed), Deno's (tests and their steps), Bun's.
count() {
  awk '
    /^# pass [0-9]+$/ { pass += $3 }
    /^# fail [0-9]+$/ { fail += $3 }
    # A test cancelled by its suite (a before hook that failed, a timeout) did not pass: it counts as failed.
    /^# cancelled [0-9]+$/ { fail += $3 }
    /^(ok|FAILED) \| [0-9]+ passed/ {
      if (match($0, /[0-9]+ passed( \([0-9]+ steps?\))?/)) { split(substr($0, RSTART, RLENGTH), a, /[^0-9]+/); pass += a[1] + a[2] }
      if (match($0, /[0-9]+ failed( \([0-9]+ steps?\))?/)) { split(substr($0, RSTART, RLENGTH), a, /[^0-9]+/); fail += a[1] + a[2] }
    }
    /^ *[0-9]+ pass$/ { pass += $1 }
    /^ *[0-9]+ fail$/ { fail += $1 }
    END { print pass + 0, fail + 0 }
  ' "$1"
}
# Names one stage's failed tests: Node's TAP `not ok` lines with the location that follows, Deno's `... FAILED`
# lines, Bun's `(fail)` lines; the closing summary repeats them, so the end of a long log says what failed.
failures() {
  awk '
    /not ok [0-9]+ - / { sub(/^.*not ok/, "not ok"); print; want = 1; next }
    want && /location: / { sub(/^.*location: /, "    at "); print; want = 0 }
    / \.\.\. FAILED/ { print }
    /(^|: )\(fail\) / { print }
  ' "$1"
}
table() {
  local i total=0 p=0 f=0
  if [ -s "$logs/failures" ]; then
    echo
    echo "failed tests:"
    cat "$logs/failures"
  fi
  echo
  printf '%-26s %8s %8s %8s  %s\n' stage seconds passed failed result
  for i in "${!names[@]}"; do
    printf '%-26s %8s %8s %8s  %s\n' "${names[$i]}" "${seconds[$i]}" "${passed[$i]}" "${failed[$i]}" "${results[$i]}"
    total=$((total + seconds[i])) p=$((p + passed[i])) f=$((f + failed[i]))
  done
  printf '%-26s %8s %8s %8s\n' total "$total" "$p" "$f"
  echo
  echo "tests: $p passed, $f failed"
}
# stage NAME [--fatal] COMMAND...: runs COMMAND, its output shown and logged, and records time, counts and result.
# TSALIVE_STAGES=REGEX runs only the stages whose name matches (while working on one part; CI runs all).
stage() {
  local name=$1 fatal=false; shift
  [ "$1" = --fatal ] && { fatal=true; shift; }
  if [ -n "${TSALIVE_STAGES:-}" ] && ! [[ $name =~ $TSALIVE_STAGES ]]; then
    [ "${CI:-}" = true ] && { echo "TSALIVE_STAGES is for local runs: CI runs every stage" >&2; exit 2; }
    return 0
  fi
  local log="$logs/${#names[@]}.log" start=$SECONDS rc
  echo "== $name: $*"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local elapsed=$((SECONDS - start)) counts
  counts=$(count "$log")
  # A stage whose tests failed fails even if its runner exited 0, and one whose runner failed fails even if no
  # test did: the exit code and the count must both be clean.
  [ "$rc" = 0 ] && [ "${counts#* }" != 0 ] && rc=1
  [ "${counts#* }" != 0 ] && failures "$log" | sed "s/^/[$name] /" >>"$logs/failures"
  names+=("$name") seconds+=("$elapsed") passed+=("${counts% *}") failed+=("${counts#* }")
  results+=("$([ "$rc" = 0 ] && echo ok || echo "FAILED (exit $rc)")")
  echo "== $name: $([ "$rc" = 0 ] && echo ok || echo FAILED) in ${elapsed} s (${counts% *} passed, ${counts#* } failed)"
  if [ "$rc" != 0 ] && [ "$fatal" = true ]; then table; exit "$rc"; fi
}

# on_node LINE binding|js -- COMMAND...: runs COMMAND with that Node line first on PATH and ssh2's native binding
# built for it (binding: ssh2 then runs native crypto, or JavaScript on a line where the binding cannot build, see
# runtimes.env) or hidden (js), after checking that ssh2 takes that crypto path.
on_node() {
  local line=$1 crypto=$2; shift 3
  local bin options=$node_stage_options
  bin=$(bash scripts/ensure-runtimes.sh --path "node-$line") || return 1
  if [ "$crypto" = js ]; then
    options="$options --require=$root/scripts/ssh2-js-crypto.cjs"
  else
    crypto=$(bash scripts/ssh2-binding.sh "$bin") || return 1
  fi
  PATH="$bin:$PATH" NODE_OPTIONS="$options" bash -c '
    set -e
    echo "node $(node --version)"
    node scripts/ssh2-crypto.cjs "$0"
    "$@"' "$crypto" "$@"
}
on_bun() {
  # Bun's os.userInfo() takes the user name from $USER, "unknown" when unset (oven-sh/bun#39859), and sshd then
  # refuses the login: give it the name the passwd database has, as Node reads it.
  PATH="$(bash scripts/ensure-runtimes.sh --path bun):$PATH" USER="${USER:-$(id -un)}" bash -c 'echo "bun $(bun --version)"; "$@"' bun "$@"
}
recursive=(pnpm -r --workspace-concurrency=1 --no-bail --reporter=append-only)

stage peers --fatal bash scripts/ensure-peers.sh
stage runtimes --fatal bash scripts/ensure-runtimes.sh
stage lint pnpm lint
stage build --fatal pnpm build
stage typecheck pnpm typecheck
stage "publish checks" pnpm check:publish
stage "node $NODE_PRIMARY: all suites" on_node "$NODE_PRIMARY" binding -- "${recursive[@]}" test
stage "node $NODE_PRIMARY: ssh2 js crypto" on_node "$NODE_PRIMARY" js -- "${recursive[@]}" --if-present test:smoke
for line in $NODE_LINES; do
  [ "$line" = "$NODE_PRIMARY" ] && continue
  stage "node $line: core, config" on_node "$line" binding -- "${recursive[@]}" --filter @tsalive/core --filter @tsalive/config test:unit
  stage "node $line: smoke" on_node "$line" binding -- "${recursive[@]}" --if-present test:smoke
done
# Deno and Bun test the runtime: the adapters' peer suites run there against the host's generation only (the whole
# peer matrix runs on the primary Node above), which keeps CI within its budget.
stage deno env TSALIVE_GENERATIONS=bookworm bash scripts/test-deno.sh
stage bun on_bun env NO_COLOR=1 TSALIVE_GENERATIONS=bookworm "${recursive[@]}" --if-present test:bun
stage "root tests (node $NODE_PRIMARY)" on_node "$NODE_PRIMARY" binding -- node --import tsx --test test/*.test.ts
# Leave ssh2's binding built for the Node that installed it, as `pnpm install` left it.
bash scripts/ssh2-binding.sh "$system_node" >/dev/null 2>&1 || echo "note: ssh2's binding is not loadable by $(node --version) now" >&2
table
for result in "${results[@]}"; do [ "$result" = ok ] || exit 1; done
