# Shared by the scripts in /usr/local/lib/aio (POSIX sh, sourced).
# Its variables are used by the scripts that source it.
# shellcheck shell=sh disable=SC2034
# shellcheck source=/dev/null
. /etc/aio/aio.env

PGDATA=/data/postgres
AIO_RUN=/run/aio
AIO_LIB=/usr/local/lib/aio

log() { printf 'aio: %s\n' "$*" >&2; }

# Started as root, the entrypoint hands directories to the service users and
# the services drop to them. Started as an arbitrary non-root uid (Kubernetes'
# runAsNonRoot, OpenShift), nothing can switch users: every process, the
# services included, runs as that one uid.
running_as_root() { [ "$(id -u)" = 0 ]; }

# install -d DIR for the service user OWNER (group GROUP) with MODE. As a
# non-root uid, which runs every service, DIR is made if missing and an
# existing one is left as it is: a volume prepared for this uid (Kubernetes
# fsGroup) may hold directories it cannot chmod but may write.
install_dir_for() {
  if running_as_root; then
    install -d -o "$1" -g "$2" -m "$3" "$4"
  else
    [ -d "$4" ] || mkdir -m "$3" "$4"
  fi
}

# chown OWNER:GROUP FILE when root; as a non-root uid it is that uid's already.
give_to() {
  if running_as_root; then
    chown "$1" "$2"
  fi
}

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

# Sets `password` from POSTGRES_PASSWORD exactly as given, or from
# POSTGRES_PASSWORD_FILE (Docker/Kubernetes secrets) without its trailing
# newlines, as the official postgres image reads them; empty when neither is
# set. A variable, not a command's output: that would drop trailing newlines
# of POSTGRES_PASSWORD too.
load_password() {
  if [ -n "${POSTGRES_PASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    fail "set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, not both"
  fi
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    [ -r "$POSTGRES_PASSWORD_FILE" ] || fail "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is not a readable file"
    password=$(cat "$POSTGRES_PASSWORD_FILE")
  else
    password=${POSTGRES_PASSWORD:-}
  fi
}

# initdb DIR (an empty directory of the postgres user) for this image's
# major, with its locale and authentication, and any further initdb options.
# C.UTF-8 either way: from PostgreSQL 17 on, its own builtin provider (no
# collation changes with glibc upgrades); before, glibc's C.UTF-8, which
# glibc carries built in, on every base, without a locales package.
init_cluster() {
  dir=$1
  shift
  if [ "$AIO_PG_MAJOR" -ge 17 ]; then
    set -- --locale-provider=builtin --builtin-locale=C.UTF-8 "$@"
  else
    set -- --locale=C.UTF-8 "$@"
  fi
  "$AIO_LIB/as-user" postgres initdb --pgdata="$dir" --username=postgres --encoding=UTF8 "$@" \
    --auth-local=peer --auth-host=scram-sha-256 --no-instructions --no-sync >/dev/null
}

# A SQL string literal (standard_conforming_strings is on) of text fixed at
# build time or made by the image (names the schema checked, a generated
# password); run-time values never go through it but through psql's own
# quoting (setup.sh).
sql_literal() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

# The comment on the app database that says its first-boot SQL (extensions,
# init SQL) is still owed: set by the bootstrap, cleared by the transaction
# that runs that SQL, so that a crash at any point neither repeats nor skips it.
INIT_PENDING_COMMENT='aio-image: first-boot SQL still owed'

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
