#!/bin/sh
# as-user USER COMMAND [ARG...]: runs COMMAND as USER (no root, no inherited
# capabilities, USER's own groups and home) and without the entrypoint's
# secrets: only the entrypoint and setup ever see POSTGRES_PASSWORD.
set -eu
user=$1
shift
home=$(getent passwd "$user" | cut -d: -f6)
exec env -u POSTGRES_PASSWORD -u POSTGRES_PASSWORD_FILE HOME="$home" USER="$user" LOGNAME="$user" \
  setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- "$@"
