#!/bin/sh
# PID 1 until the supervisor takes over: prepares /run and /data, then execs
# the supervisor, which runs PostgreSQL and the app as non-root users (as
# the container's own uid when it was started as one).
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
# shellcheck source=/dev/null
. "$AIO_LIB/process-user.sh"

check_process_user
rm -rf "$AIO_RUN"
mkdir -p "$AIO_RUN"
chmod 0755 "$AIO_RUN"
running_as_root || wrap_passwd_for_this_uid
# /data is the one volume; the app may keep its own files in /data/app.
install_dir_for app app 0750 /data/app

if [ -n "$AIO_PG_MAJOR" ]; then
  /usr/local/lib/aio/prepare-postgres
fi

case "$AIO_SUPERVISOR" in
  supervisord)
    # supervisord with a quicker event loop (see that script)
    exec /usr/local/lib/aio/supervisord --nodaemon --user "$(id -u)" --configuration /etc/aio/supervisord.conf
    ;;
  s6)
    # s6-supervise writes its state into each service directory, so the
    # scan directory is built in /run; its files are links to the image's,
    # as /run may be mounted noexec and exec follows a link.
    cp -Rs /etc/aio/s6 "$AIO_RUN/s6"
    exec s6-svscan "$AIO_RUN/s6"
    ;;
esac
