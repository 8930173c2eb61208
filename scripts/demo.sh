#!/usr/bin/env bash
# One command from a fresh machine to a report: prepares the machine, then
# runs the bundled action on an example the way a GitHub runner does (main
# step, then post step) and prints the job summary it wrote.
#   scripts/demo.sh [examples/<name>/aio.yml]
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-examples/notes/aio.yml}

./scripts/setup-environment.sh

runner=$(mktemp -d /tmp/aio-demo-XXXXXX)
trap 'rm -rf "$runner"' EXIT
touch "$runner/output" "$runner/state" "$runner/summary"
# Build stages download (npm) with what this machine trusts: behind a
# TLS-inspecting proxy, its CA is in the system bundle.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || ca_bundle=
status=0
env RUNNER_TEMP="$runner" GITHUB_OUTPUT="$runner/output" GITHUB_STATE="$runner/state" \
  GITHUB_STEP_SUMMARY="$runner/summary" "INPUT_CONFIG=$config" \
  "INPUT_BUILD-CA-CERTIFICATES=$ca_bundle" node dist/index.js || status=$?

# The post step gets the saved state as STATE_* variables, as on a runner.
state_env=()
while IFS= read -r line; do
  case "$line" in *'<<'*) name=${line%%<<*}; IFS= read -r value; state_env+=("STATE_$name=$value") ;; esac
done <"$runner/state"
env RUNNER_TEMP="$runner" "${state_env[@]}" node dist/index.js >/dev/null

echo
echo "================ job summary ================"
cat "$runner/summary"
exit "$status"
