#!/usr/bin/env bash
# Build-cache benchmark (figures, not a test): four builds through the action
# (verify off) of a Node app whose dependencies npm installs from its
# package-lock.json (app-runtime: node), timed by its build-time output:
#   cold       cache: none, i.e. --no-cache: every layer built afresh
#   warm       the chosen cache, nothing changed
#   app-only   the chosen cache, after a change to the app's code only
#   lockfile   the chosen cache, after a dependency was added to the lockfile
# It prints the times, their ratios to the cold build, and the build steps
# each rebuild ran: after a code-only change that should be the app's COPY
# alone, no install; after a lockfile change the install runs again, with
# npm's download cache (a cache mount) warm. The engine's shared build cache
# is never pruned: other builds rely on it.
#   scripts/bench-cache.sh [cache]    cache: inline (default), registry needs
#                                     cache-ref, auto picks what the builder supports
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/action.sh
source scripts/lib/action.sh
cache=${1:-inline}
image=aio-bench-cache:latest

work=$(mktemp -d /tmp/aio-bench-XXXXXX)
trap 'rm -rf "$work"; docker image rm "$image" >/dev/null 2>&1 || true' EXIT
mkdir "$work/app"
cat >"$work/app/package.json" <<'JSON'
{ "name": "aio-bench-cache", "version": "1.0.0", "main": "server.js",
  "dependencies": { "express": "4.21.2" } }
JSON
echo 'require("express")().get("/health", (q, r) => r.send("ok")).listen(8000)' >"$work/app/server.js"
# lock LABEL: the lockfile as a user commits it, from the npm registry.
lock() { (cd "$work/app" && npm install --package-lock-only --no-audit --no-fund "$@" >/dev/null); }
lock
ca=()
[ ! -f /etc/ssl/certs/ca-certificates.crt ] || ca=(build-ca-certificates=/etc/ssl/certs/ca-certificates.crt)

# build LABEL CACHE: runs the action, prints its build time in seconds.
build() {
  local dir="$work/$1"
  mkdir -p "$dir"
  if ! run_action "$dir" "context=$work/app" name=aio-bench-cache "tags=$image" \
    'app-command=exec node server.js' app-runtime=node postgres-version=none "${ca[@]}" \
    verify=false "cache=$2" >"$dir/log" 2>&1; then
    cat "$dir/log" >&2
    exit 1
  fi
  run_post "$dir" >/dev/null
  action_output "$dir" build-time
}

# Build steps (buildx plain progress) that ran rather than came from the cache.
steps_run() {
  awk '
    /^#[0-9]+ \[/ && !/\[internal\]/ && !/ FROM / { id = $1; sub(/^#[0-9]+ /, ""); if (!(id in title)) { title[id] = $0; order[++n] = id } }
    /^#[0-9]+ CACHED/ { cached[$1] = 1 }
    END { for (i = 1; i <= n; i++) if (!(order[i] in cached)) print "    " title[order[i]] }
  ' "$1"
}

builder=$(docker buildx inspect | awk '/^Name:/ && !name { name = $2 } /^Driver:/ { print name " (" $2 " driver)"; exit }')
echo "benchmarking cache=$cache on builder $builder ..."
cold=$(build cold none)
warm=$(build warm "$cache")
echo "// changed by bench-cache.sh at $(date +%s)" >>"$work/app/server.js"
app=$(build app-only "$cache")
lock ms@2.1.3
lockfile=$(build lockfile "$cache")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo
printf '%-34s %9s %9s\n' build seconds "x cold"
printf '%-34s %9s %9s\n' "cold (--no-cache)" "$cold" 1.000
printf '%-34s %9s %9s\n' "warm, no change ($cache)" "$warm" "$(ratio "$warm" "$cold")"
printf '%-34s %9s %9s\n' "app code changed ($cache)" "$app" "$(ratio "$app" "$cold")"
printf '%-34s %9s %9s\n' "lockfile changed ($cache)" "$lockfile" "$(ratio "$lockfile" "$cold")"
echo
echo "build steps the app-only rebuild ran:"
steps_run "$work/app-only/log"
echo "build steps the lockfile rebuild ran:"
steps_run "$work/lockfile/log"
echo
grep -m1 'build cache:' "$work/warm/log"
