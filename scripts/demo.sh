#!/usr/bin/env bash
# One command from a fresh machine to a report: prepares the machine, then
# runs the `aio-image` CLI (the same engine as the action) on a bundled
# example: render, build, boot, measure, and the report with its figures.
#   scripts/demo.sh [examples/<name>/aio.yml] [more aio-image flags]
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-examples/notes/aio.yml}
shift || true

./scripts/setup-environment.sh

exec node dist/cli/index.js run --config "$config" "$@"
