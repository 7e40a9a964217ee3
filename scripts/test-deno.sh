#!/usr/bin/env bash
# Runs the suites of the runtime-agnostic packages (those with a `test:deno` script) on Deno 2, unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
NO_COLOR=1 pnpm -r --workspace-concurrency=1 --reporter=append-only --if-present run test:deno
