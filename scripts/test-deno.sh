#!/usr/bin/env bash
# Runs, on Deno 2 (the `deno` devDependency), the suites of every package with a `test:deno` script: core and
# config (type-checked by Deno too) and the two adapters (with --no-check: tsc -b is their type judge, and Deno's
# bundled TypeScript reads ssh2's types more strictly than the tsc the repo pins).
set -euo pipefail
cd "$(dirname "$0")/.."
NO_COLOR=1 pnpm -r --workspace-concurrency=1 --no-bail --reporter=append-only --if-present run test:deno
