# shellcheck shell=bash
# Runs the bundled action (dist/index.js) the way a GitHub runner runs a
# JavaScript action; sourced by scripts that drive it from the shell.
#   run_action DIR name=value...   the main step, inputs as INPUT_* variables;
#                                  DIR receives its output, state and summary files
#   run_post DIR                   the post step, with the saved state as STATE_*
#   action_output DIR NAME         one output of the main step

run_action() {
  local dir=$1 input inputs=()
  shift
  for input in "$@"; do
    local name=${input%%=*}
    inputs+=("INPUT_${name^^}=${input#*=}")
  done
  touch "$dir/output" "$dir/state" "$dir/summary"
  env RUNNER_TEMP="$dir" GITHUB_OUTPUT="$dir/output" GITHUB_STATE="$dir/state" \
    GITHUB_STEP_SUMMARY="$dir/summary" "${inputs[@]}" node dist/index.js
}

run_post() {
  local dir=$1 line name value state=()
  while IFS= read -r line; do
    case "$line" in *'<<'*) name=${line%%<<*}; IFS= read -r value; state+=("STATE_$name=$value") ;; esac
  done <"$dir/state"
  env RUNNER_TEMP="$dir" "${state[@]}" node dist/index.js
}

action_output() {
  # name<<delimiter, the value's lines, delimiter
  awk -v name="$2" '
    index($0, name "<<") == 1 { delim = substr($0, length(name) + 3); reading = 1; next }
    reading && $0 == delim { exit }
    reading { print }
  ' "$1/output"
}
