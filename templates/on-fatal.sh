#!/bin/sh
# supervisord event listener for PROCESS_STATE_FATAL: a service that keeps
# crashing right after start stops the container with the reason in its log.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
printf 'READY\n'
while read -r header; do
  length=${header##*len:}
  # processname:NAME groupname:NAME from_state:BACKOFF
  payload=$(head -c "$length")
  service=${payload#processname:}
  fail_container "${service%% *} kept exiting right after start; supervisord gave up (${payload})"
done
