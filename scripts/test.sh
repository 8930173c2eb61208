#!/usr/bin/env bash
# Runs every test on a real engine: prepares the machine (idempotent: Docker,
# buildx, base images, npm packages), runs Jest on the classic image store
# (what GitHub's Docker 28 runners use), then runs the engine-sensitive test
# files again with the containerd image store on (the default of new Docker
# 29 installs), and prints the plain line "N passed, N failed, N skipped"
# over both. With arguments, Jest runs once with them, on the image store
# AIO_TEST_IMAGE_STORE names (classic unless it says containerd).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

# The files whose figures or choices depend on the image store: image sizes,
# the build cache the docker driver exports, platforms, pushes and digests.
ENGINE_SENSITIVE=(__tests__/integration/image-store.test.ts __tests__/integration/push.test.ts)

# Each Jest run's results, and beside each (RESULTS.open-handles) what it left open.
results_files=()
setup_failed() { echo "0 passed, 1 failed"; echo "environment setup failed ($1)" >&2; exit 2; }

# Sets up the engine on image store $1, then runs Jest with the rest of the arguments.
jest_on() {
  local store=$1 flag=() results
  shift
  [ "$store" = containerd ] && flag=(--containerd-store)
  ./scripts/setup-environment.sh "${flag[@]}" || setup_failed "$store image store"
  results=$(mktemp /tmp/aio-jest-XXXXXX.json)
  results_files+=("$results")
  # --forceExit: a leaked handle must not hang CI; the globalTeardown
  # (scripts/jest-open-handles.mjs) names it and the summary counts it failed.
  AIO_TEST_IMAGE_STORE=$store AIO_JEST_OPEN_HANDLES="$results.open-handles" \
    NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 \
    npx jest --forceExit --json --outputFile="$results" "$@"
}

if [ $# -gt 0 ]; then
  jest_on "${AIO_TEST_IMAGE_STORE:-classic}" "$@"
else
  jest_on classic
  jest_on containerd "${ENGINE_SENSITIVE[@]}"
  # The machine is left on the classic store, as the README's commands expect.
  ./scripts/setup-environment.sh --no-npm >/dev/null || setup_failed "back to the classic image store"
fi
node scripts/jest-summary.mjs "${results_files[@]}"
summary_status=$?
for results in "${results_files[@]}"; do rm -f "$results" "$results.open-handles"; done
exit "$summary_status"
