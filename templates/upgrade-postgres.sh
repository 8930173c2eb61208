#!/bin/sh
# upgrade-postgres from MAJOR | finish: run by prepare-postgres before any
# service starts (as root, or as the container's non-root uid).
#
# `from MAJOR` upgrades a data directory of an older major this image
# carries the server of (postgres-upgrade-from) with pg_upgrade, into a
# staging directory beside it. pg_upgrade copies the data files (its default
# mode) and only starts and stops the old server, so a failure, a stop or a
# crash before the swap leaves the old directory as the previous image can
# use it, and that image still starts on the volume. The price is the copy:
# time, and free space for a second data directory, until the swap. (Link
# mode would be quicker and need no space, but once the new cluster has
# started, the old one can never start again.) The upgraded cluster is
# started, its statistics made and its extensions updated before it takes
# the old one's place; only then is the old one deleted.
#
# `finish` completes a swap that a stop or crash interrupted, and discards
# what no longer applies (an unfinished staging directory, a checked copy
# whose swap never began: the old directory may have been written since).
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh

# pg_upgrade's new cluster while it is built and checked; the checked one,
# until it replaces $PGDATA; the old one, between the two renames and until
# it is deleted.
STAGING=/data/postgres.upgrading
CHECKED=/data/postgres.upgraded
RETIRED=/data/postgres.retired
# pg_upgrade's logs of the last failed upgrade, for the operator.
LOGS=/data/postgres-upgrade-logs
WORK=$AIO_RUN/pg-upgrade
NEW_BIN=/usr/lib/postgresql/$AIO_PG_MAJOR/bin

as_postgres() {
  "$AIO_LIB/as-user" postgres "$@"
}

major_of() {
  cat "$1/PG_VERSION" 2>/dev/null || true
}

# The swap is two renames: $PGDATA to $RETIRED (the commit: from here the
# checked copy is the data), then $CHECKED to $PGDATA. Each state a stop can
# leave is finished here, and nothing is deleted that may be the only copy.
finish() {
  rm -rf "$STAGING"
  if [ -d "$CHECKED" ] && [ ! -d "$RETIRED" ]; then
    # The swap never began: $PGDATA is the old cluster, which the previous
    # image may have written to since; the upgrade runs again from it.
    log "discarding $CHECKED, an upgraded copy whose swap a stop prevented; $PGDATA is upgraded again"
    rm -rf "$CHECKED"
  elif [ -d "$CHECKED" ]; then
    [ ! -e "$PGDATA" ] ||
      fail "$CHECKED holds the upgraded data and $RETIRED the data before the upgrade, but $PGDATA appeared between the two (did an older image start on this volume?): move $PGDATA away to finish the upgrade"
    log "finishing the upgrade of $PGDATA to PostgreSQL $(major_of "$CHECKED") that a stop interrupted"
    mv -T "$CHECKED" "$PGDATA" || swap_failed
  fi
  # The data before the upgrade goes only once newer data is in place (its
  # PG_VERSION may be gone already: a stop during its deletion).
  [ -d "$RETIRED" ] || return 0
  newer=$(major_of "$PGDATA")
  retired=$(major_of "$RETIRED")
  if [ -n "$newer" ] && { [ -z "$retired" ] || [ "$retired" -lt "$newer" ]; }; then
    rm -rf "$RETIRED"
  else
    fail "$RETIRED holds the data from before an upgrade, and $PGDATA is not newer data: see which of the two to keep, and move the other away"
  fi
}

swap() {
  mv -T "$STAGING" "$CHECKED" || swap_failed
  mv -T "$PGDATA" "$RETIRED" || swap_failed
  mv -T "$CHECKED" "$PGDATA" || swap_failed
  rm -rf "$RETIRED"
}

swap_failed() {
  fail "could not put the upgraded cluster in place of $PGDATA (the error is above); the next start finishes or repeats the upgrade"
}

# The upgraded cluster is built beside the old one and renamed into its
# place, which a mount point cannot be.
check_not_mounted() {
  if awk -v dir="$PGDATA" '$5 == dir { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    fail "$PGDATA is a mount of its own: upgrading it builds the new cluster beside it in /data and renames the two, so mount the volume at /data instead (nothing was changed)"
  fi
}

# A copy needs room for the data files once more (its WAL starts afresh).
check_space() {
  needed=$(du -sk --exclude=pg_wal "$PGDATA" | cut -f1)
  free=$(df -Pk /data | awk 'NR == 2 { print $4 }')
  [ "$free" -gt $((needed + needed / 10 + 65536)) ] ||
    fail "upgrading $PGDATA from PostgreSQL $old_major to $AIO_PG_MAJOR copies it, which needs about $((needed / 1024 + 64)) MB free on /data; it has $((free / 1024)) MB: grow the volume or free space on it, then start again (nothing was changed)"
}

# One field of the old cluster's pg_controldata output.
control_field() {
  printf '%s\n' "$control" | sed -n "s/^$1: *//p"
}

# pg_upgrade takes only a cluster that was shut down cleanly. One the
# previous image did not stop cleanly (killed, out of memory) gets the crash
# recovery that image would run at its next start, in single-user mode.
shut_down_cleanly() {
  state=$(control_field 'Database cluster state')
  [ "$state" != 'shut down' ] || return 0
  log "$PGDATA was not shut down cleanly ($state): recovering it with PostgreSQL $old_major first, as the previous image would at its next start"
  as_postgres "$old_bin/postgres" --single -D "$PGDATA" -c config_file=/etc/aio/pg-upgrade.conf postgres \
    </dev/null >"$WORK/recovery.log" 2>&1 || {
    cat "$WORK/recovery.log" >&2
    return 1
  }
}

# initdb as at a first boot, with data page checksums as the old cluster
# has them: pg_upgrade requires the same (initdb turns them on by default
# from PostgreSQL 18 on).
init_staging() {
  if [ "$(control_field 'Data page checksum version')" = 0 ]; then
    checksums=--no-data-checksums
    [ "$AIO_PG_MAJOR" -ge 18 ] || checksums=
  else
    checksums=--data-checksums
  fi
  install_dir_for postgres postgres 0700 "$STAGING"
  # shellcheck disable=SC2086 # one option or none
  init_cluster "$STAGING" $checksums
}

# Both servers run with pg-upgrade.conf, the access rules of /etc/aio
# (peer over the socket) and the libraries the extensions must preload;
# pg_upgrade writes its scripts into the working directory.
run_pg_upgrade() {
  (cd "$WORK" && as_postgres "$NEW_BIN/pg_upgrade" \
    --old-bindir="$old_bin" --new-bindir="$NEW_BIN" \
    --old-datadir="$PGDATA" --new-datadir="$STAGING" \
    --username=postgres --socketdir="$WORK" --jobs="$(nproc)" \
    --old-options='-c config_file=/etc/aio/pg-upgrade.conf' \
    --new-options='-c config_file=/etc/aio/pg-upgrade.conf') >&2
}

# The upgraded cluster, started with the image's own settings on a private
# socket: every database accepts connections and gets its planner
# statistics (which pg_upgrade carries over only from PostgreSQL 18 on, and
# then not the extended ones; one pass, all cores, as nothing else runs
# yet), and the extensions pg_upgrade lists are updated to the versions
# this image ships.
check_upgraded() {
  as_postgres pg_ctl --pgdata="$STAGING" --wait --timeout=300 --silent --log="$WORK/check.log" \
    -o "-c config_file=/etc/aio/postgresql.conf -c listen_addresses= -c unix_socket_directories=$WORK" start
  set -- --all --analyze-only --jobs="$(nproc)" --quiet
  [ "$AIO_PG_MAJOR" -lt 18 ] || set -- "$@" --missing-stats-only
  as_postgres vacuumdb --host="$WORK" --username=postgres "$@"
  if [ -f "$WORK/update_extensions.sql" ]; then
    as_postgres psql -X -q -v ON_ERROR_STOP=1 --host="$WORK" --username=postgres --dbname=postgres \
      --file="$WORK/update_extensions.sql"
  fi
  as_postgres pg_ctl --pgdata="$STAGING" --wait --silent --mode=fast stop
}

# Any failure before the swap: the upgraded cluster's server stopped, the
# staging directory and working files gone (pg_upgrade's logs kept in
# $LOGS), and the container stopped with the step that failed. Each step is
# best effort: the message must come whatever else fails.
abort() {
  status=$?
  set +e
  trap - EXIT
  [ "$status" != 0 ] || exit 0
  as_postgres pg_ctl --pgdata="$STAGING" --silent --mode=immediate stop >/dev/null 2>&1
  rm -rf "$LOGS"
  kept=
  if [ -d "$STAGING/pg_upgrade_output.d" ] && mv -T "$STAGING/pg_upgrade_output.d" "$LOGS"; then
    kept="; pg_upgrade's logs are kept in $LOGS"
    # What a failed consistency check found (tables_using_reg.txt, ...).
    for found in "$LOGS"/*/*.txt; do
      [ ! -f "$found" ] || { log "${found#"$LOGS"/*/}:" && cat "$found" >&2; }
    done
  fi
  [ ! -f "$WORK/check.log" ] || tail -n 20 "$WORK/check.log" >&2
  rm -rf "$STAGING" "$WORK"
  fail "upgrading $PGDATA from PostgreSQL $old_major to $AIO_PG_MAJOR failed while $step (the cause is above$kept); $PGDATA is left for the previous image, on PostgreSQL $old_major, which still starts on this volume"
}

upgrade_from() {
  old_major=$1
  old_bin=/usr/lib/postgresql/$old_major/bin
  started=$(date +%s)
  log "$PGDATA holds PostgreSQL $old_major data: upgrading it to PostgreSQL $AIO_PG_MAJOR with pg_upgrade; it stays as it is until the upgraded copy has started and been checked"
  check_not_mounted
  check_space
  install_dir_for postgres postgres 0700 "$WORK"
  trap abort EXIT
  step="reading the old cluster's control file"
  control=$(LC_ALL=C as_postgres "$old_bin/pg_controldata" "$PGDATA")
  step="recovering the old cluster"
  shut_down_cleanly
  step="initialising the new cluster"
  init_staging
  step="running pg_upgrade"
  run_pg_upgrade
  step="checking the upgraded cluster"
  check_upgraded
  # First-boot SQL that images before the database comment owed is owed still.
  [ ! -e "$PGDATA/aio-init-pending" ] || cp -p "$PGDATA/aio-init-pending" "$STAGING/"
  trap - EXIT
  swap
  rm -rf "$WORK" "$LOGS"
  # pg_upgrade's closing advice (vacuumdb, delete_old_cluster.sh) is done.
  log "upgraded $PGDATA from PostgreSQL $old_major to $AIO_PG_MAJOR in $(($(date +%s) - started)) s: the upgraded cluster started, its statistics made and its extensions updated, it replaced the old one, which is deleted"
}

case "${1:-}" in
  from) upgrade_from "$2" ;;
  finish) finish ;;
  *) fail "usage: upgrade-postgres from MAJOR | finish" ;;
esac
