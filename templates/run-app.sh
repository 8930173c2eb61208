#!/bin/sh
# The app service's run script (both supervisors). Once per container start it
# runs setup first (PostgreSQL ready, first-boot SQL, migrations); restarts
# after a crash go straight to the app.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
if [ ! -e "$AIO_RUN/setup.done" ]; then
  "$AIO_LIB/setup" || fail_container "setup failed; the app is not started without its database"
  : >"$AIO_RUN/setup.done"
fi
cd /app
exec "$AIO_LIB/as-user" app /bin/sh -c "$AIO_APP_COMMAND"
