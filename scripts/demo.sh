#!/usr/bin/env bash
# One command from a fresh machine to a report: prepares the machine, then
# runs the `aio-image` CLI (the same engine as the action) on a bundled
# example: render, build, boot, measure, and the report with its figures.
#   scripts/demo.sh [examples/<name>/aio.yml] [more aio-image flags]
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-examples/notes/aio.yml}
shift || true

# Setup talks on stderr: stdout is the report (the JSON one with --json).
./scripts/setup-environment.sh >&2

# Build stages download (npm) with what this machine trusts: behind a
# TLS-inspecting proxy, its CA is in the system bundle.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || ca_bundle=
exec node dist/cli/index.js run --config "$config" ${ca_bundle:+--build-ca-certificates "$ca_bundle"} "$@"
