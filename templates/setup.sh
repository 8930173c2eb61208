#!/bin/sh
# Runs as root before the app, once per container start: waits for
# PostgreSQL, then does what first boot still owes (extensions, init SQL) in
# one transaction, so that an interrupted first boot is simply redone.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
[ -n "$AIO_PG_MAJOR" ] || exit 0

psql_as_postgres() {
  "$AIO_LIB/as-user" postgres psql -X -q -v ON_ERROR_STOP=1 --username=postgres --dbname="$AIO_PG_DATABASE" "$@"
}

wait_for_postgres || fail "PostgreSQL did not accept connections within 60 s"

if [ -e "$PGDATA/aio-init-pending" ]; then
  for extension in $AIO_PG_EXTENSIONS; do
    printf 'CREATE EXTENSION IF NOT EXISTS "%s";\n' "$extension"
  done | psql_as_postgres --single-transaction || fail "first-boot SQL failed"
  rm -f "$PGDATA/aio-init-pending"
  log "first boot: database $AIO_PG_DATABASE ready for role $AIO_PG_ROLE"
fi

# A password given at run time is the truth: applied at every start, so that
# changing POSTGRES_PASSWORD rotates it. It travels on stdin, never in argv.
password=$(read_password)
if [ -n "$password" ]; then
  printf 'ALTER ROLE "%s" PASSWORD %s;\n' "$AIO_PG_ROLE" "$(sql_literal "$password")" |
    psql_as_postgres || fail "could not set the password of role $AIO_PG_ROLE"
fi
