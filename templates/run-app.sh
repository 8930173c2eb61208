#!/bin/sh
# The app service's run script (both supervisors). Once per container start it
# runs setup first (PostgreSQL ready, first-boot SQL, migrations); restarts
# after a crash go straight to the app.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
# An Elixir release reads its Erlang cookie from releases/COOKIE, which the
# build leaves out of the image: this start's own, for the migration and the app.
if [ -d /app/releases ] && [ ! -e /app/releases/COOKIE ] && [ -z "${RELEASE_COOKIE:-}" ]; then
  RELEASE_COOKIE=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  export RELEASE_COOKIE
fi
if [ ! -e "$AIO_RUN/setup.done" ]; then
  "$AIO_LIB/setup" || fail_container "setup failed; the app is not started without its database"
  if [ -n "$AIO_MIGRATE_COMMAND" ]; then
    log "running the migration command"
    (cd /app && "$AIO_LIB/as-user" app /bin/sh -c "$AIO_MIGRATE_COMMAND") ||
      fail_container "the migration command failed; the app is not started"
  fi
  : >"$AIO_RUN/setup.done"
fi
if [ -n "$AIO_APP_SOCKET" ]; then
  # nginx (group nginx) reaches the app on its socket: the setgid directory
  # gives the socket that group, umask 007 lets the group connect. A socket
  # left by a crashed run would make the next bind fail.
  install_dir_for app nginx 2770 "${AIO_APP_SOCKET%/*}"
  rm -f "$AIO_APP_SOCKET"
  umask 0007
fi
cd /app
# app-group stays the service's process until every process of the app has
# ended, whether or not the command execs.
exec "$AIO_LIB/as-user" app "$AIO_LIB/app-group" /bin/sh -c "$AIO_APP_COMMAND"
