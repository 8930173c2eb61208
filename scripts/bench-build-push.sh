#!/usr/bin/env bash
# Build-only benchmark against docker/build-push-action (figures, not a test):
# the notes example is rendered once with the CLI, then this action (verify
# off, so it renders, builds and loads only) and build-push-action's own
# committed dist/ (run as a runner runs it, main step then post step, on the
# rendered context and Dockerfile) build it, each timed by wall clock around
# its main step:
#   cold   --no-cache: ours cache=none, no-cache=true; theirs no-cache=true
#   warm   nothing changed, the engine's cache on (ours cache=auto, the
#          default; theirs its defaults), median of N runs
# It checks that the Dockerfile our action renders from the example's inputs
# is byte-identical to the CLI's, and prints medians and ratios ours/theirs.
# Nothing of build-push-action is committed here: pass a checkout of it.
# Its images and temp dirs are removed; the engine's shared build cache is
# never pruned (other builds rely on it).
#   scripts/bench-build-push.sh PATH-TO-BUILD-PUSH-ACTION-CHECKOUT [N]
#                                     N: warm runs of each (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091 # scripts/lib/action.sh, followed by shellcheck -x
source scripts/lib/action.sh
bpa=${1:?usage: scripts/bench-build-push.sh PATH-TO-BUILD-PUSH-ACTION-CHECKOUT [N]}
bpa=$(cd "$bpa" && pwd)
runs=${2:-3}
# build-push-action's entry point, as its action.yml names it (dist/index.js
# up to v6, dist/index.cjs from v7).
bpa_main=$(awk '$1 == "main:" { gsub(/["\047]/, "", $2); print $2; exit }' "$bpa/action.yml")
[ -f "$bpa/$bpa_main" ] || { echo "no $bpa/$bpa_main: not a build-push-action checkout" >&2; exit 1; }
ours_image=aio-bench-bp-ours:latest
theirs_image=aio-bench-bp-theirs:latest

work=$(mktemp -d /tmp/aio-bench-bp-XXXXXX)
trap 'rm -rf "$work"; docker image rm "$ours_image" "$theirs_image" >/dev/null 2>&1 || true' EXIT
cp -r examples/notes "$work/app"
node dist/cli/index.js render --config "$work/app/aio.yml" --out "$work/cli" >"$work/render.log" 2>&1 ||
  { cat "$work/render.log" >&2; exit 1; }
rendered=$work/cli/rendered

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ours LABEL CACHE NO-CACHE: runs this action's main step (timed) and post
# step, prints the main step's wall seconds.
ours() {
  local dir="$work/$1" start end
  mkdir -p "$dir"
  start=$(now)
  if ! run_action "$dir" "context=$work/app" name=notes "tags=$ours_image" \
    'app-command=exec python3 app.py' app-port=8000 'app-packages=python3, python3-psycopg' \
    health-path=/health postgres-version=17 supervisor=supervisord \
    verify=false "cache=$2" "no-cache=$3" >"$dir/log" 2>&1; then
    cat "$dir/log" >&2
    exit 1
  fi
  end=$(now)
  # The Dockerfile it built, kept before the post step tidies up.
  cp "$(action_output "$dir" rendered-dir)/Dockerfile" "$dir/Dockerfile"
  run_post "$dir" >"$dir/post.log" 2>&1 || { cat "$dir/post.log" >&2; exit 1; }
  elapsed "$start" "$end"
}

# theirs LABEL NO-CACHE: runs build-push-action's main step (timed), then its
# post step with the saved state as STATE_*, as a runner does; prints the main
# step's wall seconds. The runner passes every input, defaults included, and
# its getBooleanInput rejects an unset one, hence load/push/pull/no-cache.
theirs() {
  local dir="$work/$1" start end line name value state=()
  mkdir -p "$dir/workspace"
  touch "$dir/output" "$dir/state" "$dir/summary"
  local runner=(RUNNER_TEMP="$dir" GITHUB_WORKSPACE="$dir/workspace" GITHUB_OUTPUT="$dir/output"
    GITHUB_STATE="$dir/state" GITHUB_STEP_SUMMARY="$dir/summary" GITHUB_ACTIONS=true CI=true
    GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=local/aio-bench GITHUB_REF=refs/heads/main
    GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_EVENT_NAME=workflow_dispatch)
  start=$(now)
  if ! env "${runner[@]}" "INPUT_CONTEXT=$rendered" "INPUT_FILE=$rendered/Dockerfile" \
    "INPUT_TAGS=$theirs_image" INPUT_LOAD=true INPUT_PUSH=false INPUT_PULL=false \
    "INPUT_NO-CACHE=$2" 'INPUT_GITHUB-TOKEN=' node "$bpa/$bpa_main" >"$dir/log" 2>&1; then
    cat "$dir/log" >&2
    exit 1
  fi
  end=$(now)
  while IFS= read -r line; do
    case "$line" in *'<<'*) name=${line%%<<*}; IFS= read -r value; state+=("STATE_$name=$value") ;; esac
  done <"$dir/state"
  env "${runner[@]}" "${state[@]}" node "$bpa/$bpa_main" >"$dir/post.log" 2>&1 ||
    { cat "$dir/post.log" >&2; exit 1; }
  elapsed "$start" "$end"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

bpa_version=$(git -C "$bpa" describe --tags --always 2>/dev/null || echo "(not a git checkout)")
builder=$(docker buildx inspect | awk '/^Name:/ && !name { name = $2 } /^Driver:/ { print name " (" $2 " driver)"; exit }')
echo "benchmarking build-only against build-push-action $bpa_version ($bpa/$bpa_main) on builder $builder ..."

ours_cold=$(ours cold none true)
if cmp -s "$work/cold/Dockerfile" "$rendered/Dockerfile"; then
  echo "rendered Dockerfiles: byte-identical (ours from the inputs, the CLI's from aio.yml)"
else
  echo "rendered Dockerfiles DIFFER (ours from the inputs vs the CLI's from aio.yml):"
  diff "$rendered/Dockerfile" "$work/cold/Dockerfile" || true
fi
theirs_cold=$(theirs theirs-cold true)

ours_warm=() theirs_warm=()
for i in $(seq "$runs"); do
  ours_warm+=("$(ours "warm-$i" auto false)")
  theirs_warm+=("$(theirs "theirs-warm-$i" false)")
done
ow=$(median "${ours_warm[@]}")
tw=$(median "${theirs_warm[@]}")

echo
printf '%-24s %12s %12s %12s\n' build "ours (s)" "theirs (s)" "ours/theirs"
printf '%-24s %12s %12s %12s\n' "cold (--no-cache)" "$ours_cold" "$theirs_cold" "$(ratio "$ours_cold" "$theirs_cold")"
printf '%-24s %12s %12s %12s\n' "warm, median of $runs" "$ow" "$tw" "$(ratio "$ow" "$tw")"
echo
echo "warm runs: ours ${ours_warm[*]}; theirs ${theirs_warm[*]}"
echo "target: ours/theirs <= 1.1 on both (figures, not asserted)"
