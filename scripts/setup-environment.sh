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
  local pkgs=(shellcheck debootstrap docker-registry apache2-utils ca-certificates xz-utils patch)
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

# A private apt state for Debian trixie, binary and source indexes, in
# directory $1 (the machine's own sources stay untouched); sets TRIXIE_APT
# to the options that make apt-get use it.
trixie_apt() {
  local work=$1
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  printf 'deb http://deb.debian.org/debian trixie main\ndeb-src http://deb.debian.org/debian trixie main\n' \
    >"$work/trixie.list"
  TRIXIE_APT=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Get::List-Cleanup=0"
    # The _apt user cannot enter a private mktemp directory; without this
    # apt downloads as root anyway, warning about each file.
    -o "APT::Sandbox::User=root")
  apt-get "${TRIXIE_APT[@]}" update -qq
}

# buildx is not packaged for bookworm; trixie's docker-buildx only needs a
# recent libc, so fetch that .deb from Debian's archive.
install_buildx() {
  if docker buildx version >/dev/null 2>&1; then return 0; fi
  local work
  work=$(mktemp -d)
  log "downloading docker-buildx from Debian trixie"
  trixie_apt "$work"
  (cd "$work" && apt-get "${TRIXIE_APT[@]}" download docker-buildx >/dev/null)
  dpkg-deb -x "$work"/docker-buildx_*.deb "$work/root"
  as_root install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" \
    /usr/libexec/docker/cli-plugins/docker-buildx
  rm -rf "$work"
  docker buildx version
}

# Where build_buildkitd installs buildkitd and buildctl; the tests' BuildKit
# builder (__tests__/helpers/buildkit.ts) takes them from here.
BUILDKIT_DIR=/usr/local/lib/aio-test/buildkitd

# Extracts tarball $1 so that its one top directory becomes directory $2.
unpack_top_dir() {
  local into
  into=$(mktemp -d "$(dirname "$2")/unpack.XXXXXX")
  tar -C "$into" -xf "$1"
  mv "$into"/*/ "$2"
  rmdir "$into"
}

# No BuildKit daemon is packaged for Debian, but trixie's docker.io source
# carries BuildKit as its orig-buildkit component (the release its engine
# vendors). buildkitd and buildctl build from it with trixie's Go toolchain
# and Go libraries (GOPATH mode, as Debian builds docker.io; Debian's own
# patches drop the jaeger and hcsshim imports), in a trixie container so that
# none of that lands on this bookworm host. Static binaries (CGO_ENABLED=0):
# buildctl also runs on the host.
build_buildkitd() {
  if [ -x "$BUILDKIT_DIR/buildkitd" ] && [ -x "$BUILDKIT_DIR/buildctl" ]; then return 0; fi
  local work
  work=$(mktemp -d)
  log "building buildkitd from Debian trixie's docker.io source (a few minutes)"
  trixie_apt "$work"
  # Only the tarballs, each checked against the index's SHA256: apt-get
  # source stops when the .dsc is missing, as it is on this machine's mirror.
  local uri file hash
  while read -r uri file hash; do
    [[ $file == *.dsc ]] && continue
    /usr/lib/apt/apt-helper "${TRIXIE_APT[@]}" download-file "$uri" "$work/$file" "$hash" >/dev/null
  done < <(apt-get "${TRIXIE_APT[@]}" source --print-uris docker.io |
    sed -n "s/^'\([^']*\)' \([^ ]*\) [0-9]* \(SHA256:[0-9a-f]*\)\$/\1 \2 \3/p")
  # Unpacked as dpkg-source does: each tarball's top directory becomes the
  # tree (orig) or its component's directory (orig-buildkit -> buildkit/),
  # then debian/ and the patch series.
  local src=$work/src tarball component
  unpack_top_dir "$work"/docker.io_*.orig.tar.xz "$src"
  for tarball in "$work"/docker.io_*.orig-*.tar.xz; do
    component=${tarball##*.orig-}
    unpack_top_dir "$tarball" "$src/${component%.tar.xz}"
  done
  tar -C "$src" -xf "$work"/docker.io_*.debian.tar.xz
  while read -r patch; do
    patch -d "$src" -p1 -s --batch <"$src/debian/patches/$patch"
  done < <(sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$src/debian/patches/series")
  # Version: the BuildKit release the engine vendors; revision: the Debian
  # source it came from (buildctl --version, buildx inspect show them).
  local version revision
  version=$(sed -n 's|^# github.com/moby/buildkit \(v[^ ]*\)$|\1|p' "$src/engine/vendor/modules.txt")
  revision=$(basename "$work"/docker.io_*.debian.tar.xz .debian.tar.xz)
  mkdir "$work/out"
  # BuildKit imports the engine's packages (github.com/docker/docker); the
  # rest come from the golang-*-dev packages docker.io builds with.
  docker run --rm \
    -v "$src/buildkit:/go/src/github.com/moby/buildkit:ro" \
    -v "$src/engine:/go/src/github.com/docker/docker:ro" \
    -v "$work/out:/out" -e VERSION="$version" -e REVISION="$revision" debian:trixie-slim sh -euc '
      echo "deb-src http://deb.debian.org/debian trixie main" >/etc/apt/sources.list.d/deb-src.list
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends docker.io >/dev/null
      cd /go/src/github.com/moby/buildkit
      GOPATH=/go:/usr/share/gocode GO111MODULE=off GOPROXY=off GOCACHE=/tmp/go-cache CGO_ENABLED=0 \
        go build -trimpath -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$VERSION \
          -X github.com/moby/buildkit/version.Revision=$REVISION" \
        -o /out/ ./cmd/buildkitd ./cmd/buildctl'
  as_root install -D -m 0755 -t "$BUILDKIT_DIR" "$work/out/buildkitd" "$work/out/buildctl"
  as_root rm -rf "$work"
  log "installed $("$BUILDKIT_DIR/buildkitd" --version 2>/dev/null) in $BUILDKIT_DIR"
}

# docker pull cannot reach a registry here: build the slim Debian bases with
# debootstrap and import them, trimmed the way the official slim images are.
# With an architecture ($2, e.g. i386), the base of that architecture goes
# under a tag of its own (the engine here keeps one platform per tag): the
# tests' multi-platform builds push it beside the native one.
create_base_image() {
  local suite=$1 arch=${2:-} tag="debian:$1-slim"
  [ -n "$arch" ] && tag="aio-test/debian-$arch:$suite-slim"
  if docker image inspect "$tag" >/dev/null 2>&1; then return 0; fi
  local root
  root=$(mktemp -d)
  log "debootstrapping $tag"
  as_root debootstrap --variant=minbase ${arch:+--arch "$arch"} "$suite" "$root" http://deb.debian.org/debian >/dev/null
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
  create_base_image trixie i386
  build_buildkitd
  if [ "${1:-}" != "--no-npm" ]; then install_node_modules; fi
  log "ready: $(docker version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'), $(docker buildx version | head -n1)"
}

main "$@"
