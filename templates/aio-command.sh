#!/bin/sh
# /usr/local/bin/aio: backups of the app's database that need no knowledge of
# the image's layout, run with docker exec (as root, or as the container's
# own uid when it was started as one):
#   docker exec CONTAINER aio backup > app.dump
#   docker exec -i CONTAINER aio restore < app.dump
# It reaches PostgreSQL over the socket as the postgres superuser by peer,
# the way the image's own scripts do; the database and role names come from
# aio.env and reach pg_dump and pg_restore as arguments, never as SQL.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh

BACKUPS=/data/backups
# Backups and the restore's working files are for root (or the container's
# uid) alone.
umask 077

usage() {
  cat <<'EOF'
usage: aio COMMAND

commands:
  backup [-|--save]   dump the app's database as a pg_dump custom-format
                      archive: to stdout when it is not a terminal or with -,
                      else (or with --save) into /data/backups, printing the
                      file's path
                        docker exec CONTAINER aio backup > app.dump
  restore [FILE|-]    restore such an archive into the app's database, in one
                      transaction (a failure leaves the database as it was);
                      from stdin with - or without FILE
                        docker exec -i CONTAINER aio restore < app.dump
  help                this text
EOF
}

usage_error() {
  log "ERROR: $*"
  usage >&2
  exit 2
}

# As an arbitrary non-root uid, the services find their passwd entry through
# nss_wrapper (process-user.sh); docker exec does not inherit it.
if ! running_as_root && [ -r "$AIO_RUN/passwd" ]; then
  export NSS_WRAPPER_PASSWD="$AIO_RUN/passwd" NSS_WRAPPER_GROUP="$AIO_RUN/group" LD_PRELOAD=libnss_wrapper.so
fi

as_postgres() {
  "$AIO_LIB/as-user" postgres "$@"
}

postgres_ready() {
  wait_for_postgres || fail "PostgreSQL does not accept connections; is the container up (docker ps, docker logs)?"
}

# /data/backups, root's (or the container's uid's) like /data/secrets.
backups_dir() {
  install_dir_for root root 0700 "$BACKUPS"
}

dump() {
  as_postgres pg_dump --format=custom --username=postgres --dbname="$AIO_PG_DATABASE"
}

backup() {
  [ $# -le 1 ] || usage_error "aio backup takes one argument at most"
  case "${1:-}" in
    -) save=false ;;
    --save) save=true ;;
    '') if [ -t 1 ]; then save=true; else save=false; fi ;;
    *) usage_error "aio backup takes - or --save, not $1" ;;
  esac
  postgres_ready
  if [ "$save" = false ]; then
    dump || fail "pg_dump of database $AIO_PG_DATABASE failed (its error is above)"
    return
  fi
  backups_dir
  # Written under a temporary name and renamed when complete: a file named
  # like a backup is a whole one.
  partial=$(mktemp "$BACKUPS/.partial.XXXXXX")
  if ! dump >"$partial"; then
    rm -f "$partial"
    fail "pg_dump of database $AIO_PG_DATABASE failed (its error is above); nothing was written"
  fi
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  file="$BACKUPS/$AIO_PG_DATABASE-$stamp.dump"
  n=1
  while [ -e "$file" ]; do
    n=$((n + 1))
    file="$BACKUPS/$AIO_PG_DATABASE-$stamp-$n.dump"
  done
  mv "$partial" "$file"
  printf '%s\n' "$file"
}

restore() {
  [ $# -le 1 ] || usage_error "aio restore takes one archive at most"
  archive=${1:--}
  if [ "$archive" = - ]; then
    [ ! -t 0 ] || usage_error "aio restore needs an archive: a FILE in the container, or on stdin (docker exec -i CONTAINER aio restore < app.dump)"
    shown='the archive on stdin'
  else
    if [ ! -f "$archive" ] || [ ! -r "$archive" ]; then
      fail "$archive is not a readable file"
    fi
    shown=$archive
  fi
  postgres_ready
  # The app's setup (first-boot SQL, migrations) must not run alongside.
  [ -e "$AIO_RUN/setup.done" ] ||
    fail "the container is still starting (the app's setup has not finished): restore once it is healthy"
  # pg_restore reads the archive twice (its table of contents, then the
  # restore), so stdin is kept in a file, root's, on the volume; the list of
  # what to restore is postgres's, in /tmp (it cannot enter /data/backups).
  spool=
  lists=$(mktemp -d /tmp/aio-restore.XXXXXX)
  trap 'rm -rf "$lists" ${spool:+"$spool"}' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  give_to postgres:postgres "$lists"
  if [ "$archive" = - ]; then
    backups_dir
    spool=$(mktemp "$BACKUPS/.restore.XXXXXX")
    cat >"$spool"
    [ -s "$spool" ] ||
      fail "no archive on stdin: give one with docker exec -i CONTAINER aio restore < app.dump"
    archive=$spool
  fi
  as_postgres pg_restore --list <"$archive" >"$lists/contents" 2>"$lists/error" ||
    fail "$shown is not a pg_dump custom-format archive ($(cat "$lists/error")); the database is unchanged"
  # Extensions are the image's, created by the superuser at first boot; the
  # app's role could neither drop nor create them. Everything else is
  # restored as the app's role, so that the app owns it as before.
  grep -v -E '^[0-9]+; [0-9]+ [0-9]+ (EXTENSION|COMMENT - EXTENSION) ' "$lists/contents" >"$lists/list" || true
  give_to postgres:postgres "$lists/list"
  as_postgres pg_restore --single-transaction --clean --if-exists --no-owner \
    --role="$AIO_PG_ROLE" --username=postgres --dbname="$AIO_PG_DATABASE" \
    --use-list="$lists/list" <"$archive" ||
    fail "restoring $shown into database $AIO_PG_DATABASE failed (pg_restore's error is above); the database is as it was"
  log "restored $shown into database $AIO_PG_DATABASE, owned by role $AIO_PG_ROLE"
}

# Without a command, the usage goes to stderr: `aio > app.dump` must not
# leave a file that looks like a backup.
[ $# -gt 0 ] || usage_error "no command given"
command=$1
shift
case "$command" in
  backup) backup "$@" ;;
  restore) restore "$@" ;;
  help | -h | --help) usage ;;
  *) usage_error "unknown command: $command" ;;
esac
