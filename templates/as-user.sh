#!/bin/sh
# as-user USER COMMAND [ARG...]: runs COMMAND as USER (no root, no inherited
# capabilities, USER's own groups and home) and without the entrypoint's
# secrets: only the entrypoint and setup ever see POSTGRES_PASSWORD.
# Started as a non-root uid, nothing can switch users: COMMAND runs as that
# uid, as every process of the container does.
set -eu
user=$1
shift
if [ "$(id -u)" = 0 ]; then
  home=$(getent passwd "$user" | cut -d: -f6)
  set -- env HOME="$home" USER="$user" LOGNAME="$user" \
    setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- "$@"
fi
exec env -u POSTGRES_PASSWORD -u POSTGRES_PASSWORD_FILE "$@"
