#!/usr/bin/env bash
# Runs every test on a real engine: prepares the machine (idempotent: Docker,
# buildx, base images, npm packages), runs Jest, then prints the plain line
# "N passed, N failed, N skipped". Extra arguments go to Jest.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

./scripts/setup-environment.sh || { echo "0 passed, 1 failed"; echo "environment setup failed" >&2; exit 2; }

results=$(mktemp /tmp/aio-jest-XXXXXX.json)
open_handles=$(mktemp /tmp/aio-jest-open-XXXXXX)
# --forceExit: a leaked handle must not hang CI; the globalTeardown
# (scripts/jest-open-handles.mjs) names it and the summary counts it failed.
AIO_JEST_OPEN_HANDLES="$open_handles" NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 \
  npx jest --forceExit --json --outputFile="$results" "$@"
jest_status=$?
node scripts/jest-summary.mjs "$results" "$open_handles"
summary_status=$?
rm -f "$results" "$open_handles"
[ "$jest_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
