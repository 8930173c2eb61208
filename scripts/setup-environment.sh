#!/usr/bin/env bash
# Prepares a machine to build and boot aio-image images for real:
# Docker engine + buildx, a running dockerd, local Debian base images, and
# the host tools the tests use (shellcheck, docker-registry, htpasswd).
# Idempotent: every step checks first and is skipped when already done.
# Facts behind each step: ../shared/ENVIRONMENT.md (no container registry is
# reachable here, only Debian's archive and npm).
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_host_packages() {
  local pkgs=(shellcheck debootstrap docker-registry apache2-utils ca-certificates xz-utils)
  [ -x /usr/sbin/dockerd ] || pkgs+=(docker.io)
  apt_install "${pkgs[@]}"
}

# dockerd has no init system here; a killed daemon leaves a stale pid file
# that makes the next start refuse, so remove it when its process is gone.
start_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  local pidfile=/var/run/docker.pid
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    as_root rm -f "$pidfile"
  fi
  local containerd_pid=/run/docker/containerd/containerd.pid
  if [ -f "$containerd_pid" ] && ! kill -0 "$(cat "$containerd_pid")" 2>/dev/null; then
    as_root rm -f "$containerd_pid"
  fi
  log "starting dockerd"
  as_root sh -c 'nohup /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "dockerd is up"; return 0; }
    sleep 0.5
  done
  log "dockerd did not come up in 30 s; tail of /var/log/dockerd.log:"
  tail -n 30 /var/log/dockerd.log >&2 || true
  return 1
}

# buildx is not packaged for bookworm; trixie's docker-buildx only needs a
# recent libc, so fetch that .deb from Debian's archive with a private apt
# state directory (the machine's own sources stay untouched).
install_buildx() {
  if docker buildx version >/dev/null 2>&1; then return 0; fi
  local work
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" >"$work/trixie.list"
  local opts=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Get::List-Cleanup=0")
  log "downloading docker-buildx from Debian trixie"
  apt-get "${opts[@]}" update -qq
  (cd "$work" && apt-get "${opts[@]}" download docker-buildx >/dev/null)
  dpkg-deb -x "$work"/docker-buildx_*.deb "$work/root"
  as_root install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" \
    /usr/libexec/docker/cli-plugins/docker-buildx
  rm -rf "$work"
  docker buildx version
}

# docker pull cannot reach a registry here: build the slim Debian bases with
# debootstrap and import them, trimmed the way the official slim images are.
create_base_image() {
  local suite=$1 tag="debian:$1-slim"
  if docker image inspect "$tag" >/dev/null 2>&1; then return 0; fi
  local root
  root=$(mktemp -d)
  log "debootstrapping $tag"
  as_root debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian >/dev/null
  # The official slim images' dpkg/apt settings: no docs, man pages or
  # locales on install, and downloaded .debs removed after each install.
  as_root tee "$root/etc/dpkg/dpkg.cfg.d/docker" >/dev/null <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
CFG
  as_root tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  as_root tee "$root/etc/apt/apt.conf.d/docker-no-languages" >/dev/null <<'CFG'
Acquire::Languages "none";
CFG
  as_root tee "$root/etc/apt/apt.conf.d/docker-autoremove-suggests" >/dev/null <<'CFG'
Apt::AutoRemove::SuggestsImportant "false";
CFG
  as_root sh -c "rm -rf '$root'/var/cache/apt/archives/*.deb '$root'/var/lib/apt/lists/* \
    '$root'/usr/share/doc/* '$root'/usr/share/man/* '$root'/usr/share/info/* '$root'/usr/share/locale/*"
  as_root tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
  as_root rm -rf "$root"
  log "created $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
}

install_node_modules() {
  local here
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    log "installing npm dependencies"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

main() {
  install_host_packages
  start_dockerd
  install_buildx
  create_base_image trixie
  create_base_image bookworm
  if [ "${1:-}" != "--no-npm" ]; then install_node_modules; fi
  log "ready: $(docker version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'), $(docker buildx version | head -n1)"
}

main "$@"
