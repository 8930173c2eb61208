#!/bin/sh
# PID 1 for the container's whole life: prepares /run and /data, starts the
# supervisor, which runs PostgreSQL and the app as non-root users (as the
# container's own uid when it was started as one), and stays as a small
# init. It hands docker stop's SIGTERM (and Ctrl-C's SIGINT) to the
# supervisor, reaps the orphans the kernel gives PID 1 while it waits, and
# ends the container with status 1 when a service stopped it on failure
# (fail_container): supervisord exits 0 after any stop and cannot say so.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
# shellcheck source=/dev/null
. "$AIO_LIB/process-user.sh"

# The kernel drops a signal to PID 1 that has no handler, so these come
# first. Stopped before the services run, for instance during a first boot's
# initdb: end at once. Everything else in the container dies with PID 1; an
# interrupted first boot leaves only its staging directory, which the next
# boot discards and redoes (prepare-postgres).
trap 'log "stopped by SIGTERM before the services started"; exit 143' TERM
trap 'log "stopped by SIGINT before the services started"; exit 130' INT

check_process_user
rm -rf "$AIO_RUN"
mkdir -p "$AIO_RUN"
chmod 0755 "$AIO_RUN"
running_as_root || wrap_passwd_for_this_uid
# /data is the one volume; the app may keep its own files in /data/app.
install_dir_for app app 0750 /data/app

# A shell runs its traps only once a foreground child has exited: each long
# step runs in the background and is waited for, so a signal is handled now.
if [ -n "$AIO_PG_MAJOR" ]; then
  "$AIO_LIB/prepare-postgres" &
  wait "$!"
fi

case "$AIO_SUPERVISOR" in
  supervisord)
    # supervisord with a quicker event loop (see that script)
    set -- "$AIO_LIB/supervisord" --nodaemon --user "$(id -u)" --configuration /etc/aio/supervisord.conf
    ;;
  s6)
    # s6-supervise writes its state into each service directory, so the
    # scan directory is built in /run; its files are links to the image's,
    # as /run may be mounted noexec and exec follows a link.
    cp -Rs /etc/aio/s6 "$AIO_RUN/s6"
    set -- s6-svscan "$AIO_RUN/s6"
    ;;
esac
"$@" &
supervisor=$!
# From here a signal is the supervisor's to act on: it stops the services in
# order (supervisord by priority, s6 by its .s6-svscan signal handlers).
trap 'kill -TERM "$supervisor" 2>/dev/null || true' TERM
trap 'kill -INT "$supervisor" 2>/dev/null || true' INT
# A trap ends a wait early; wait again until the supervisor has exited.
status=0
wait "$supervisor" || status=$?
while kill -0 "$supervisor" 2>/dev/null; do
  status=0
  wait "$supervisor" || status=$?
done
if [ -e "$AIO_RUN/failed" ]; then
  exit 1
fi
exit "$status"
