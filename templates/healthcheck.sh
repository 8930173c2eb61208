#!/bin/bash
# Docker HEALTHCHECK: the app's health path answers 2xx/3xx and, with an
# embedded database, PostgreSQL accepts connections. bash for /dev/tcp: the
# image carries no curl.
set -eu
# shellcheck source=/dev/null
. /etc/aio/aio.env
if [ -n "$AIO_PG_MAJOR" ]; then
  pg_isready -q --username=postgres
fi
exec 3<>"/dev/tcp/127.0.0.1/$AIO_APP_PORT"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$AIO_HEALTH_PATH" >&3
read -r -t 3 _ status _ <&3
case "$status" in
  2?? | 3??) exit 0 ;;
  *) exit 1 ;;
esac
