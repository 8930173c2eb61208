# Shared by the scripts in /usr/local/lib/aio (POSIX sh, sourced).
# Its variables are used by the scripts that source it.
# shellcheck shell=sh disable=SC2034
# shellcheck source=/dev/null
. /etc/aio/aio.env

PGDATA=/data/postgres
AIO_RUN=/run/aio
AIO_LIB=/usr/local/lib/aio

log() { printf 'aio: %s\n' "$*" >&2; }

# Before the supervisor runs (entrypoint): stop right here, exit status 1.
fail() {
  log "ERROR: $*"
  exit 1
}

# Stops the whole container with a reason in its log, instead of leaving an
# app running without its database. PID 1 is the entrypoint: it hands the
# SIGTERM to the supervisor, which stops everything in order, and then ends
# the container with status 1 because $AIO_RUN/failed exists. Only the first
# reason is logged: a failure brings others after it (the app's setup gives
# up once PostgreSQL is gone), and the log should say what went wrong first.
fail_container() {
  if (set -C && printf '%s\n' "$*" >"$AIO_RUN/failed") 2>/dev/null; then
    log "FATAL: $*"
    kill -TERM 1
  fi
  exit 1
}

# POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (Docker/Kubernetes secrets),
# as the official postgres image reads them; empty when neither is set.
read_password() {
  if [ -n "${POSTGRES_PASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    fail "set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, not both"
  fi
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    [ -r "$POSTGRES_PASSWORD_FILE" ] || fail "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is not a readable file"
    # Like the official image: the file's content without its trailing newline.
    cat "$POSTGRES_PASSWORD_FILE"
  else
    printf '%s' "${POSTGRES_PASSWORD:-}"
  fi
}

sql_literal() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

# Bounded wait for the server's socket: tries every 20 ms (pg_isready costs
# about 2 ms), for at most 3000 tries, about 60 s.
wait_for_postgres() {
  tries=0
  until pg_isready -q --username=postgres; do
    tries=$((tries + 1))
    [ "$tries" -lt 3000 ] || return 1
    sleep 0.02
  done
}
