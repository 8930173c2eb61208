#!/bin/sh
# The usual hand-written first boot: initdb, a temporary server to create the
# role and database, then supervisord.
set -e
mkdir -p /data /var/run/postgresql
chown postgres:postgres /data /var/run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  su postgres -c "/usr/lib/postgresql/17/bin/initdb -D $PGDATA --auth-local=trust" >/dev/null
  su postgres -c "/usr/lib/postgresql/17/bin/pg_ctl -D $PGDATA -w start" >/dev/null
  su postgres -c "createuser app && createdb -O app app"
  su postgres -c "/usr/lib/postgresql/17/bin/pg_ctl -D $PGDATA -w -m fast stop" >/dev/null
fi
exec /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf
