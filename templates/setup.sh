#!/bin/sh
# Runs before the app (as root, or as the container's non-root uid), once
# per container start: waits for PostgreSQL, does what first boot still owes
# (extensions, init SQL) in one transaction with the record that it ran, then
# applies the role's attributes and the run-time password.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
[ -n "$AIO_PG_MAJOR" ] || exit 0

psql_as_postgres() {
  "$AIO_LIB/as-user" postgres psql -X -q -v ON_ERROR_STOP=1 --username=postgres --dbname="$AIO_PG_DATABASE" "$@"
}

first_boot_sql_owed() {
  [ "$(psql_as_postgres -A -t --command="SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")" = "$INIT_PENDING_COMMENT" ]
}

# Extensions (as the superuser), then the spec's init SQL files as the app's
# role (what they create belongs to the app), and the clearing of the
# comment that said they were owed: one transaction, so that a failure or a
# crash leaves them all owed and the next boot runs them, once.
run_first_boot_sql() {
  set -- --command="COMMENT ON DATABASE \"$AIO_PG_DATABASE\" IS NULL"
  for extension in $AIO_PG_EXTENSIONS; do
    set -- "$@" --command="CREATE EXTENSION IF NOT EXISTS \"$extension\""
  done
  if [ -d /etc/aio/init-sql ]; then
    log "first boot: running init SQL as role $AIO_PG_ROLE"
    set -- "$@" --command="SET ROLE \"$AIO_PG_ROLE\""
    for file in /etc/aio/init-sql/*.sql; do
      set -- "$@" --file="$file"
    done
  fi
  psql_as_postgres --single-transaction "$@" || fail "first-boot SQL failed; it runs again at the next start"
  log "first boot: database $AIO_PG_DATABASE ready for role $AIO_PG_ROLE"
}

wait_for_postgres || fail "PostgreSQL did not accept connections within 60 s"

# Images before this one marked owed first-boot SQL with a file in the data
# directory; it becomes the comment before anything runs (a crash in between
# only repeats this step).
if [ -e "$PGDATA/aio-init-pending" ]; then
  printf 'COMMENT ON DATABASE "%s" IS %s;\n' "$AIO_PG_DATABASE" "$(sql_literal "$INIT_PENDING_COMMENT")" |
    psql_as_postgres || fail "could not record the owed first-boot SQL"
  rm "$PGDATA/aio-init-pending"
fi
if first_boot_sql_owed; then
  run_first_boot_sql
fi

# The role's attributes as the spec states them, at every start: a rebuilt
# image that drops one revokes it on existing data too. The app's role is
# never a superuser, whoever made it one.
superuser=$(printf 'SELECT rolsuper FROM pg_roles WHERE rolname = %s;\n' "$(sql_literal "$AIO_PG_ROLE")" |
  psql_as_postgres -A -t) || fail "could not read the attributes of role $AIO_PG_ROLE"
[ "$superuser" = f ] || log "WARNING: role $AIO_PG_ROLE was a superuser; it is not any more (the app's role never is)"
printf 'ALTER ROLE "%s" WITH NOSUPERUSER %s;\n' "$AIO_PG_ROLE" "$AIO_PG_ROLE_ATTRIBUTES" |
  psql_as_postgres || fail "could not set the attributes of role $AIO_PG_ROLE"

# A password given at run time is the truth: applied at every start, so that
# changing POSTGRES_PASSWORD rotates it. It is data, never SQL: it reaches
# psql in the environment of that one process (never in argv), psql reads it
# into a variable (a backquoted printf: psql 13 and 14 have no \getenv, and
# psql drops the one newline printf adds) and quotes it itself with :'...'.
load_password
if [ -n "$password" ]; then
  AIO_NEW_PASSWORD=$password psql_as_postgres --set=role="$AIO_PG_ROLE" <<'SQL' ||
\set password `printf '%s\n' "$AIO_NEW_PASSWORD"`
ALTER ROLE :"role" PASSWORD :'password';
SQL
    fail "could not set the password of role $AIO_PG_ROLE"
fi
