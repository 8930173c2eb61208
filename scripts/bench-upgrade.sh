#!/usr/bin/env bash
# Upgrade benchmark (figures, not a test): what the upgrade check and a
# PostgreSQL major upgrade cost, on the notes example through the action
# (dist/index.js, verify on, hardened run off, idle-settle 1s), each build
# warmed first so that the runs differ only in what they boot:
#   plain        no upgrade-from
#   same major   upgrade-from: the released image of the same spec (17 -> 17)
#   major        upgrade-from: a bookworm / PostgreSQL 15 image of it; this
#                one on trixie / 17 with postgres-upgrade-from: [15]
# It prints each run's wall time, its first boot and upgrade to ready, and
# what the upgrade check adds to the run.
#   scripts/bench-upgrade.sh [runs]   runs of each (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/action.sh
source scripts/lib/action.sh
runs=${1:-2}
repo=aio-bench-upgrade
work=$(mktemp -d /tmp/aio-bench-XXXXXX)
cleanup() {
  rm -rf "$work"
  for tag in released-17 released-15 next; do docker image rm "$repo:$tag" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# action DIR INPUT...: the main and post steps on the notes example; fails with the log.
action() {
  local dir=$1
  shift
  mkdir -p "$dir"
  if ! run_action "$dir" context=examples/notes 'app-command=exec python3 app.py' \
    app-packages=python3,python3-psycopg "name=$repo" idle-settle=1s verify-hardened=false \
    "$@" >"$dir/log" 2>&1; then
    cat "$dir/log" >&2
    exit 1
  fi
  run_post "$dir" >/dev/null
}

# timed LABEL INPUT...: one verified run; prints its wall time and figures.
timed() {
  local dir="$work/$1-$RANDOM" started
  shift
  started=$(date +%s.%N)
  action "$dir" "tags=$repo:next" "$@"
  printf '%s %s %s\n' "$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')" \
    "$(action_output "$dir" startup-time)" "$(action_output "$dir" upgrade-time)"
}

MAJOR=(postgres-upgrade-from=15 "upgrade-from=$repo:released-15" max-upgrade-time=300s)
echo "building the released images and warming both builds ..."
action "$work/released-17" "tags=$repo:released-17" verify=false
action "$work/released-15" "tags=$repo:released-15" verify=false base-image=debian:bookworm-slim postgres-version=15
action "$work/warm" "tags=$repo:next" verify=false
action "$work/warm-major" "tags=$repo:next" verify=false postgres-upgrade-from=15

declare -A wall first upgrade
for label in plain same major; do wall[$label]=''; first[$label]=''; upgrade[$label]=''; done
for ((run = 1; run <= runs; run++)); do
  for label in plain same major; do
    case $label in
      plain) set -- ;;
      same) set -- "upgrade-from=$repo:released-17" max-upgrade-time=300s ;;
      major) set -- "${MAJOR[@]}" ;;
    esac
    timed "$label" "$@" >"$work/figures"
    read -r seconds startup upgraded <"$work/figures"
    wall[$label]+="$seconds "
    first[$label]+="$startup "
    upgrade[$label]+="${upgraded:--} "
  done
done

median() { tr ' ' '\n' | grep -v '^-\?$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2; else print "-" }'; }
echo
printf '%-36s %12s %12s %12s %12s\n' "run ($runs each, medians)" "wall s" "first boot" "upgrade" "+ wall s"
for label in plain same major; do
  case $label in
    plain) title="no upgrade check" ;;
    same) title="upgrade check, 17 -> 17" ;;
    major) title="upgrade check, 15 -> 17 (pg_upgrade)" ;;
  esac
  w=$(median <<<"${wall[$label]}")
  printf '%-36s %12s %12s %12s %12s\n' "$title" "$w" "$(median <<<"${first[$label]}")" \
    "$(median <<<"${upgrade[$label]}")" "$(awk -v a="$w" -v b="$(median <<<"${wall[plain]}")" 'BEGIN { printf "%+.3f", a - b }')"
done
