#!/usr/bin/env bash
# Prepares a machine to build and boot aio-image images for real: the
# Docker engine and buildx that GitHub's runners have (pinned below), a
# running dockerd, local Debian base images, a BuildKit daemon for the tests'
# own builder, and the host tools the tests use (shellcheck, docker-registry,
# htpasswd). With --containerd-store, dockerd is (re)started on the
# containerd image store instead of the classic one.
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
  # runc and iptables are what the engine below needs of the host: sid's
  # runc wants a newer glibc than bookworm's, bookworm's 1.1 works with it.
  apt_install shellcheck debootstrap docker-registry apache2-utils ca-certificates xz-utils patch \
    runc iptables
}

# The engine GitHub's ubuntu-22.04/24.04 runners have: Docker 28 with a
# current buildx. Debian sid packages them; their binaries need only
# glibc >= 2.34, so they run on bookworm. Pinned to the release line: the
# setup stops when sid's packages have left it rather than test another.
DOCKER_LINE=28.5
CONTAINERD_LINE=2.1
BUILDX_LINE=0.29
ENGINE_DIR=/usr/local/lib/aio-test/docker-$DOCKER_LINE
ENGINE_COMMANDS=(dockerd docker-proxy docker-init containerd containerd-shim-runc-v2 ctr docker)

# Upstream version of a Debian version: 28.5.2+dfsg4-5 -> 28.5.2.
upstream() { local version=${1#*:}; version=${version%%[+~-]*}; printf '%s' "$version"; }

# Whether "$1" (a version) is on release line "$2" (major.minor).
on_line() { [[ $1 == "$2" || $1 == "$2".* ]]; }

engine_installed() {
  [ -x "$ENGINE_DIR/bin/dockerd" ] && on_line "$(upstream "$("$ENGINE_DIR/bin/dockerd" --version | sed -n 's/^Docker version \([^,]*\),.*/\1/p')")" "$DOCKER_LINE" &&
    docker buildx version 2>/dev/null | grep -q " v\?$BUILDX_LINE\."
}

install_engine() {
  if engine_installed; then return 0; fi
  local work
  work=$(mktemp -d)
  log "downloading Docker $DOCKER_LINE, containerd $CONTAINERD_LINE and buildx $BUILDX_LINE from Debian sid"
  debian_apt "$work" sid
  local package line version
  for package in docker.io:$DOCKER_LINE docker-cli:$DOCKER_LINE containerd:$CONTAINERD_LINE \
    docker-buildx:$BUILDX_LINE tini-static:; do
    line=${package#*:} package=${package%%:*}
    version=$(apt-cache "${DEBIAN_APT[@]}" show --no-all-versions "$package" | sed -n 's/^Version: //p')
    if [ -n "$line" ] && ! on_line "$(upstream "$version")" "$line"; then
      log "Debian sid's $package is $version, not on the pinned line $line: update the pin in $0"
      return 1
    fi
    (cd "$work" && apt-get "${DEBIAN_APT[@]}" download "$package=$version" >/dev/null)
  done
  local deb
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  as_root install -d "$ENGINE_DIR/bin"
  as_root install -m 0755 -t "$ENGINE_DIR/bin" "$work"/root/usr/sbin/dockerd "$work"/root/usr/sbin/docker-proxy \
    "$work"/root/usr/bin/containerd "$work"/root/usr/bin/containerd-shim-runc-v2 "$work"/root/usr/bin/ctr \
    "$work"/root/usr/bin/docker
  as_root install -m 0755 "$work/root/usr/bin/tini-static" "$ENGINE_DIR/bin/docker-init"
  # On PATH ahead of /usr/bin and /usr/sbin: dockerd finds containerd, its
  # shim, docker-proxy and docker-init there, and the client is this one.
  local command
  for command in "${ENGINE_COMMANDS[@]}"; do as_root ln -sf "$ENGINE_DIR/bin/$command" "/usr/local/bin/$command"; done
  as_root install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" \
    /usr/libexec/docker/cli-plugins/docker-buildx
  rm -rf "$work"
}

# The image store dockerd runs on: classic (overlay2), what the runners'
# Docker 28 uses, or containerd's, the default of new Docker 29 installs.
DAEMON_CONFIG_DIR=/etc/aio-test
image_store_config() {
  local config="$DAEMON_CONFIG_DIR/dockerd-$1.json" snapshotter=false
  [ "$1" != containerd ] || snapshotter=true
  as_root install -d "$DAEMON_CONFIG_DIR"
  printf '{"features": {"containerd-snapshotter": %s}}\n' "$snapshotter" | as_root tee "$config" >/dev/null
  printf '%s' "$config"
}

running_store() {
  docker info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q io.containerd.snapshotter &&
    echo containerd || echo classic
}

running_engine() { docker version --format '{{.Server.Version}}' 2>/dev/null; }

# dockerd has no init system here; a killed daemon leaves a stale pid file
# that makes the next start refuse, so remove it when its process is gone.
# A daemon of another version or image store is stopped first.
start_dockerd() {
  local store=$1 pidfile=/var/run/docker.pid
  if docker info >/dev/null 2>&1; then
    if on_line "$(upstream "$(running_engine)")" "$DOCKER_LINE" && [ "$(running_store)" = "$store" ]; then return 0; fi
    log "stopping dockerd $(running_engine) ($(running_store) image store)"
    as_root kill "$(cat "$pidfile")"
    for _ in $(seq 1 60); do [ -f "$pidfile" ] || break; sleep 0.5; done
  fi
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    as_root rm -f "$pidfile"
  fi
  local containerd_pid=/run/docker/containerd/containerd.pid
  if [ -f "$containerd_pid" ] && ! kill -0 "$(cat "$containerd_pid")" 2>/dev/null; then
    as_root rm -f "$containerd_pid"
  fi
  local config
  config=$(image_store_config "$store")
  log "starting dockerd $DOCKER_LINE on the $store image store"
  as_root env PATH="$ENGINE_DIR/bin:$PATH" sh -c \
    "nohup '$ENGINE_DIR/bin/dockerd' --config-file '$config' >/var/log/dockerd.log 2>&1 &"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "dockerd is up"; return 0; }
    sleep 0.5
  done
  log "dockerd did not come up in 30 s; tail of /var/log/dockerd.log:"
  tail -n 30 /var/log/dockerd.log >&2 || true
  return 1
}

# A private apt state for Debian suite $2, binary and source indexes, in
# directory $1 (the machine's own sources stay untouched); sets DEBIAN_APT
# to the options that make apt-get use it.
debian_apt() {
  local work=$1 suite=$2
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  printf 'deb http://deb.debian.org/debian %s main\ndeb-src http://deb.debian.org/debian %s main\n' \
    "$suite" "$suite" >"$work/sources.list"
  DEBIAN_APT=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Get::List-Cleanup=0"
    # The _apt user cannot enter a private mktemp directory; without this
    # apt downloads as root anyway, warning about each file.
    -o "APT::Sandbox::User=root")
  apt-get "${DEBIAN_APT[@]}" update -qq
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
  debian_apt "$work" trixie
  # Only the tarballs, each checked against the index's SHA256: apt-get
  # source stops when the .dsc is missing, as it is on this machine's mirror.
  local uri file hash
  while read -r uri file hash; do
    [[ $file == *.dsc ]] && continue
    /usr/lib/apt/apt-helper "${DEBIAN_APT[@]}" download-file "$uri" "$work/$file" "$hash" >/dev/null
  done < <(apt-get "${DEBIAN_APT[@]}" source --print-uris docker.io |
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
# tests' multi-platform builds push it beside the native one. The root file
# system is kept as a tarball, so that the other image store imports the
# same base without another debootstrap.
BASES_DIR=/var/cache/aio-test/bases
create_base_image() {
  local suite=$1 arch=${2:-} tag="debian:$1-slim"
  [ -n "$arch" ] && tag="aio-test/debian-$arch:$suite-slim"
  if docker image inspect "$tag" >/dev/null 2>&1; then return 0; fi
  local tarball=$BASES_DIR/${tag//[:\/]/_}.tar
  [ -f "$tarball" ] || debootstrap_base "$suite" "$arch" "$tarball"
  docker import --change 'CMD ["bash"]' "$tarball" "$tag" >/dev/null
  log "created $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
}

# Debootstraps Debian suite $1 (architecture $2, or the host's) into tarball $3.
debootstrap_base() {
  local suite=$1 arch=$2 tarball=$3 root
  root=$(mktemp -d)
  log "debootstrapping $suite${arch:+ ($arch)}"
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
  as_root install -d "$BASES_DIR"
  as_root tar -C "$root" -cf "$tarball.partial" .
  as_root mv "$tarball.partial" "$tarball"
  as_root rm -rf "$root"
}

# On the containerd image store one tag holds several platforms, as Docker
# Hub's images do: debian:trixie-slim is rebuilt there from the two root file
# systems as linux/amd64 + linux/386 (the host runs i386 natively), so that
# the docker driver's multi-platform builds find both. A label says it is done.
MULTI_PLATFORM_LABEL=aio-test.platforms
multi_platform_base() {
  [ "$(running_store)" = containerd ] || return 0
  local tag=debian:trixie-slim platforms=linux/amd64,linux/386
  local label
  label=$(docker image inspect -f "{{index .Config.Labels \"$MULTI_PLATFORM_LABEL\"}}" "$tag" 2>/dev/null || true)
  [ "$label" = "$platforms" ] && return 0
  local amd64=$BASES_DIR/debian_trixie-slim.tar i386=$BASES_DIR/aio-test_debian-i386_trixie-slim.tar
  [ -f "$amd64" ] || debootstrap_base trixie "" "$amd64"
  [ -f "$i386" ] || debootstrap_base trixie i386 "$i386"
  local context
  context=$(mktemp -d)
  ln -s "$amd64" "$context/rootfs-amd64.tar"
  ln -s "$i386" "$context/rootfs-386.tar"
  cat >"$context/Dockerfile" <<DOCKERFILE
FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
LABEL $MULTI_PLATFORM_LABEL=$platforms
CMD ["bash"]
DOCKERFILE
  log "making $tag a $platforms image"
  # Symlinks in the context are sent as links: hand buildx a copy-free tar of them dereferenced.
  tar -C "$context" -ch . | docker buildx build --builder default --platform "$platforms" \
    --provenance=false --progress=quiet --tag "$tag" --load - >/dev/null
  rm -rf "$context"
}

install_node_modules() {
  local here
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    log "installing npm dependencies"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Stops the setup when the engine or buildx is not the pinned one: the
# tests would otherwise run, and pass, on something else.
check_engine() {
  local engine buildx
  engine=$(upstream "$(running_engine)")
  buildx=$(docker buildx version | sed -n 's/^[^ ]* v\{0,1\}\([0-9][^ ]*\).*/\1/p')
  if ! on_line "$engine" "$DOCKER_LINE" || ! on_line "$(upstream "$buildx")" "$BUILDX_LINE"; then
    log "engine $engine / buildx $buildx is not the pinned Docker $DOCKER_LINE / buildx $BUILDX_LINE"
    return 1
  fi
}

main() {
  local store=classic npm=yes arg
  for arg in "$@"; do
    case $arg in
      --no-npm) npm=no ;;
      --containerd-store) store=containerd ;;
      *) log "unknown argument $arg (known: --no-npm, --containerd-store)"; return 2 ;;
    esac
  done
  install_host_packages
  install_engine
  start_dockerd "$store"
  check_engine
  create_base_image trixie
  create_base_image bookworm
  create_base_image trixie i386
  multi_platform_base
  build_buildkitd
  if [ "$npm" = yes ]; then install_node_modules; fi
  log "ready: $(docker version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'), $(running_store) image store, $(docker buildx version | head -n1)"
}

main "$@"
