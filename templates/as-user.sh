#!/bin/sh
# as-user USER COMMAND [ARG...]: runs COMMAND as USER (no root, no inherited
# capabilities, USER's own groups and home). With an embedded database, the
# entrypoint's secrets stay with the entrypoint and setup: the app reaches its
# database by peer, without a password. Without one, POSTGRES_PASSWORD and
# POSTGRES_PASSWORD_FILE are the app's own, e.g. for an external database.
# Started as a non-root uid, nothing can switch users: COMMAND runs as that
# uid, as every process of the container does.
set -eu
# shellcheck source=/dev/null
. /etc/aio/aio.env
if [ -n "$AIO_PG_MAJOR" ]; then
  unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
fi
user=$1
shift
if [ "$(id -u)" = 0 ]; then
  home=$(getent passwd "$user" | cut -d: -f6)
  set -- env HOME="$home" USER="$user" LOGNAME="$user" \
    setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- "$@"
fi
exec "$@"
