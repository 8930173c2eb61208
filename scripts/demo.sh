#!/usr/bin/env bash
# One command from a fresh machine to a report: prepares the machine, then
# runs the bundled action on an example the way a GitHub runner does (main
# step, then post step) and prints the job summary it wrote.
#   scripts/demo.sh [examples/<name>/aio.yml]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/action.sh
config=${1:-examples/notes/aio.yml}

./scripts/setup-environment.sh

runner=$(mktemp -d /tmp/aio-demo-XXXXXX)
trap 'rm -rf "$runner"' EXIT
# Build stages download (npm) with what this machine trusts: behind a
# TLS-inspecting proxy, its CA is in the system bundle.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || ca_bundle=
status=0
run_action "$runner" "config=$config" "build-ca-certificates=$ca_bundle" || status=$?
run_post "$runner" >/dev/null

echo
echo "================ job summary ================"
cat "$runner/summary"
exit "$status"
