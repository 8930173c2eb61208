# Sourced by the entrypoint: the user the services run as, and what each
# case needs. Started as root, the entrypoint hands directories to the
# service users and the services drop to them; started as an arbitrary
# non-root uid, every process runs as that uid (see running_as_root).
# shellcheck shell=sh

# What root needs, as bit:name of each capability (capabilities(7)):
# CHOWN hands /data/app, the data directory and /run/postgresql to their
# users; DAC_OVERRIDE lets root read and write inside directories that only
# their user may (the data directory's PG_VERSION and first-boot marker, the
# app's socket directory); FOWNER lets it set the mode of directories it
# does not own; FSETID keeps the setgid bit of the directories two users
# share (the app's socket directory, app:nginx; /run/postgresql), which the
# kernel clears when root, not in their group, sets their mode; KILL lets
# the supervisor signal services running as other users; SETGID and SETUID
# let setpriv drop to them.
ROOT_CAPABILITIES='0:CHOWN 1:DAC_OVERRIDE 3:FOWNER 4:FSETID 5:KILL 6:SETGID 7:SETUID'

# Stops with one line saying what is missing: a capability root needs, or a
# directory the uid cannot write; otherwise each would fail later as a bare
# mkdir, install or chown error.
check_process_user() {
  if running_as_root; then
    effective=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
    missing=''
    for capability in $ROOT_CAPABILITIES; do
      [ $((0x$effective >> ${capability%%:*} & 1)) = 1 ] || missing="$missing CAP_${capability#*:}"
    done
    [ -z "$missing" ] ||
      fail "started as root without${missing}: add them (docker run --cap-add, Kubernetes capabilities.add), or start as a non-root uid (docker run --user 12345:0, Kubernetes runAsUser), as which every service runs"
  fi
  for dir in /run /data; do
    [ -w "$dir" ] ||
      fail "uid $(id -u) (group $(id -g)) cannot write $dir: $(writable_hint "$dir")"
  done
  if running_as_root; then
    # The image leaves /run open to any uid (below); started as root, only
    # root creates entries in /run and /data, as usual.
    chmod 0755 /run /data
  fi
}

writable_hint() {
  case "$1" in
    /run) printf 'with a read-only root filesystem, mount a tmpfs there (docker run --tmpfs /run, a Kubernetes emptyDir)' ;;
    /data) printf 'mount a volume there that this uid or group may write (docker run --user UID:0 on a new volume: the image gives /data to group 0; Kubernetes fsGroup)' ;;
  esac
}

# As an arbitrary uid the process has no passwd entry, and initdb, postgres
# (peer authentication) and supervisord look it up: nss_wrapper, preloaded
# into every process the supervisor starts, names it postgres (the name that
# pg_ident.conf maps) ahead of the image's own entries.
wrap_passwd_for_this_uid() {
  {
    printf 'postgres:x:%s:%s:PostgreSQL:/tmp:/usr/sbin/nologin\n' "$(id -u)" "$(id -g)"
    cat /etc/passwd
  } >"$AIO_RUN/passwd"
  {
    getent group "$(id -g)" >/dev/null || printf 'postgres:x:%s:\n' "$(id -g)"
    cat /etc/group
  } >"$AIO_RUN/group"
  export NSS_WRAPPER_PASSWD="$AIO_RUN/passwd" NSS_WRAPPER_GROUP="$AIO_RUN/group" LD_PRELOAD=libnss_wrapper.so
}
