#!/bin/sh
# Runs in the entrypoint (as root, or as the container's non-root uid),
# before any service starts: checks the
# run-time settings, initialises the data directory on first boot and writes
# the access rules for this boot. Any problem stops the container here, before
# an app could run without its database.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh

STAGING=/data/postgres.initdb
SECRETS=/data/secrets

external_access_method() {
  case "${EXTERNAL_ACCESS_ENABLE:-false}" in
    true | TRUE | True | 1 | yes) ;;
    false | FALSE | False | 0 | no | '') return 0 ;;
    *) fail "EXTERNAL_ACCESS_ENABLE=${EXTERNAL_ACCESS_ENABLE} is not allowed; use true or false" ;;
  esac
  method=${EXTERNAL_ACCESS_METHOD:-scram-sha-256}
  case "$method" in
    scram-sha-256) ;;
    md5) log "WARNING: EXTERNAL_ACCESS_METHOD=md5 is deprecated (MD5 password hashes are weak); use scram-sha-256" ;;
    trust) fail "EXTERNAL_ACCESS_METHOD=trust is refused: it would let anyone on the network in without a password; use scram-sha-256" ;;
    *) fail "EXTERNAL_ACCESS_METHOD=$method is not allowed; use scram-sha-256 (default) or md5" ;;
  esac
  printf '%s' "$method"
}

# First boot: initdb into a staging directory, create the app's role and
# database in single-user mode (no server, no socket to wait for), then move
# it into place in one rename. A first boot interrupted half-way leaves only
# the staging directory, which the next boot discards and redoes.
initialise() {
  given_password=$1
  log "first boot: initialising $PGDATA (PostgreSQL $AIO_PG_MAJOR)"
  rm -rf "$STAGING"
  install_dir_for postgres postgres 0700 "$STAGING"
  init_cluster "$STAGING"
  # A password given at run time never reaches this SQL (single-user mode
  # ends a statement at any ';' and blank line, even inside a quoted string):
  # setup sets it on the running server. Without one, a generated password,
  # made of hex digits only, is kept in the volume, root-only.
  role_password=
  if [ -z "$given_password" ]; then
    install -d -m 0700 "$SECRETS"
    generated=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    (umask 077 && printf '%s\n' "$generated" >"$SECRETS/postgres-password")
    role_password=" PASSWORD $(sql_literal "$generated")"
    log "generated a password for role $AIO_PG_ROLE in $SECRETS/postgres-password"
  fi
  # Single-user mode exits 0 after a failed statement; exit_on_error makes
  # any error end it with a non-zero status instead, so that a role or
  # database that cannot be created stops the container here. No statement
  # text is logged: it may hold the generated password.
  printf 'CREATE ROLE "%s" LOGIN%s;\n\nCREATE DATABASE "%s" OWNER "%s";\n\nCOMMENT ON DATABASE "%s" IS %s;\n\n' \
    "$AIO_PG_ROLE" "$role_password" "$AIO_PG_DATABASE" "$AIO_PG_ROLE" \
    "$AIO_PG_DATABASE" "$(sql_literal "$INIT_PENDING_COMMENT")" |
    "$AIO_LIB/as-user" postgres postgres --single -j -D "$STAGING" -c config_file=/etc/aio/postgresql.conf \
      -c hba_file="$STAGING/pg_hba.conf" -c fsync=off -c exit_on_error=on -c log_min_error_statement=panic \
      postgres >"$AIO_RUN/bootstrap.log" 2>&1 ||
    { cat "$AIO_RUN/bootstrap.log" >&2; fail "could not create role $AIO_PG_ROLE and database $AIO_PG_DATABASE (the PostgreSQL error is above)"; }
  # initdb and the bootstrap ran without fsync; one syncfs (sync -f, which
  # works for every major, unlike initdb's --sync-method from 17 on) makes
  # the whole directory durable before it becomes the real one.
  "$AIO_LIB/as-user" postgres sync -f "$STAGING"
  mv "$STAGING" "$PGDATA"
}

# A data directory of an older major that this image upgrades from
# (postgres-upgrade-from) is upgraded with pg_upgrade; any other is refused.
upgrade_or_refuse() {
  found=$1
  case " $AIO_PG_UPGRADE_FROM " in
    *" $found "*)
      "$AIO_LIB/upgrade-postgres" from "$found"
      return
      ;;
  esac
  [ "$found" -lt "$AIO_PG_MAJOR" ] ||
    fail "$PGDATA was initialised by PostgreSQL $found, newer than this image's PostgreSQL $AIO_PG_MAJOR, and a data directory cannot go back a major: start an image of PostgreSQL $found on it, or restore an \`aio backup\` of it into this image on an empty /data volume"
  case " $AIO_PG_UPGRADE_SOURCES " in
    *" $found "*) how="add $found to \`postgres-upgrade-from\` in aio.yml to have the image upgrade it at boot with pg_upgrade, or move the data" ;;
    *) how="\`postgres-upgrade-from\` takes only the majors a Debian release ships ($AIO_PG_UPGRADE_SOURCES): move the data" ;;
  esac
  fail "$PGDATA was initialised by PostgreSQL $found, this image runs PostgreSQL $AIO_PG_MAJOR and does not upgrade from it: $how with \`aio backup\` and \`aio restore\`, or start with an empty /data volume"
}

check_existing() {
  found=$(cat "$PGDATA/PG_VERSION")
  case "$found" in
    '' | *[!0-9]*) fail "$PGDATA/PG_VERSION holds no PostgreSQL major: the data directory is damaged; restore it from a backup or start with an empty /data volume" ;;
  esac
  [ -f "$PGDATA/global/pg_control" ] ||
    fail "$PGDATA has no global/pg_control: the data directory is damaged; restore it from a backup or start with an empty /data volume"
  # A data directory copied in from elsewhere may carry other owners.
  [ "$(stat -c %u "$PGDATA")" = "$(id -u postgres)" ] || chown -R postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  [ "$found" = "$AIO_PG_MAJOR" ] || upgrade_or_refuse "$found"
}

# pg_hba.conf and listen_addresses for this boot: the socket only, unless
# external access is turned on by the environment (rewritten at every start).
write_access_rules() {
  method=$1
  cp /etc/aio/pg_hba.conf "$AIO_RUN/pg_hba.conf"
  printf '# written at each start from EXTERNAL_ACCESS_ENABLE\n' >"$AIO_RUN/postgresql.run.conf"
  if [ -n "$method" ]; then
    printf 'host all all 0.0.0.0/0 %s\nhost all all ::/0 %s\n' "$method" "$method" >>"$AIO_RUN/pg_hba.conf"
    printf "listen_addresses = '*'\n" >>"$AIO_RUN/postgresql.run.conf"
    log "external access on: PostgreSQL listens on port 5432 with $method authentication"
  fi
  give_to postgres:postgres "$AIO_RUN/pg_hba.conf"
}

load_password
method=$(external_access_method)
if [ -n "$method" ] && [ -z "$password" ]; then
  fail "EXTERNAL_ACCESS_ENABLE=true needs a password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE"
fi

install_dir_for postgres postgres 2775 /run/postgresql
# As a non-root uid, nothing can take over a data directory another uid
# created (a volume first used as root), nor even look inside.
if [ -e "$PGDATA" ] && ! running_as_root; then
  owner=$(stat -c %u "$PGDATA")
  [ "$owner" = "$(id -u)" ] ||
    fail "$PGDATA belongs to uid $owner, and this container runs as uid $(id -u): start it as uid $owner, or chown -R $(id -u) $PGDATA"
fi
write_access_rules "$method"
"$AIO_LIB/upgrade-postgres" finish
if [ -s "$PGDATA/PG_VERSION" ]; then
  check_existing
elif [ -d "$PGDATA" ] && [ -n "$(ls -A "$PGDATA")" ]; then
  fail "$PGDATA is not empty but holds no PostgreSQL data directory (no PG_VERSION); move its content away or start with an empty /data volume"
else
  [ -d "$PGDATA" ] && rmdir "$PGDATA"
  initialise "$password"
fi
