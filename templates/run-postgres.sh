#!/bin/sh
# The PostgreSQL service's run script (both supervisors). The supervisor stops
# it with SIGINT: a fast shutdown that does not wait for clients to leave.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
exec "$AIO_LIB/as-user" postgres postgres -D "$PGDATA" -c config_file=/etc/aio/postgresql.conf
