#!/bin/sh
# PID 1 until the supervisor takes over: prepares /run and /data, then execs
# the supervisor, which runs PostgreSQL and the app as non-root users.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh

rm -rf "$AIO_RUN"
mkdir -p "$AIO_RUN"
chmod 0755 "$AIO_RUN"
# /data is the one volume; the app may keep its own files in /data/app.
install -d -m 0755 /data
install -d -o app -g app -m 0750 /data/app

if [ -n "$AIO_PG_MAJOR" ]; then
  /usr/local/lib/aio/prepare-postgres
fi

case "$AIO_SUPERVISOR" in
  supervisord)
    # supervisord with a quicker event loop (see that script)
    exec /usr/local/lib/aio/supervisord --nodaemon --configuration /etc/aio/supervisord.conf
    ;;
  s6)
    # s6-supervise writes its state into each service directory.
    cp -R /etc/aio/s6 "$AIO_RUN/s6"
    exec s6-svscan "$AIO_RUN/s6"
    ;;
esac
