#!/bin/sh
# Runs before the app (as root, or as the container's non-root uid), once
# per container start: waits for PostgreSQL, then does what first boot still
# owes (extensions, init SQL) in one transaction, so that an interrupted
# first boot is simply redone.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
[ -n "$AIO_PG_MAJOR" ] || exit 0

psql_as_postgres() {
  "$AIO_LIB/as-user" postgres psql -X -q -v ON_ERROR_STOP=1 --username=postgres --dbname="$AIO_PG_DATABASE" "$@"
}

# The spec's init SQL files, as the app's role (what they create belongs to
# the app), all in one transaction: a failure leaves nothing half-done, and
# the pending marker makes the next boot try again.
run_init_sql() {
  [ -d /etc/aio/init-sql ] || return 0
  set -- --command="SET ROLE \"$AIO_PG_ROLE\""
  for file in /etc/aio/init-sql/*.sql; do
    set -- "$@" --file="$file"
  done
  log "first boot: running init SQL as role $AIO_PG_ROLE"
  psql_as_postgres --single-transaction "$@" || fail "init SQL failed"
}

wait_for_postgres || fail "PostgreSQL did not accept connections within 60 s"

if [ -e "$PGDATA/aio-init-pending" ]; then
  for extension in $AIO_PG_EXTENSIONS; do
    printf 'CREATE EXTENSION IF NOT EXISTS "%s";\n' "$extension"
  done | psql_as_postgres --single-transaction || fail "first-boot SQL failed"
  run_init_sql
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

# The role's attributes as the spec states them, at every start: a rebuilt
# image that drops one revokes it on existing data too.
printf 'ALTER ROLE "%s" WITH %s;\n' "$AIO_PG_ROLE" "$AIO_PG_ROLE_ATTRIBUTES" |
  psql_as_postgres || fail "could not set the attributes of role $AIO_PG_ROLE"
