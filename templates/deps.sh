#!/bin/sh
# deps: installs a project's dependencies with its own package manager,
# exactly as its lockfile says, in a build stage (run from the build context,
# never copied into the image).
#   deps toolchain MANAGER        the manager and the runtime it installs for:
#                                 the base's own when it has them, else Debian's
#   deps install MANAGER prod|all the frozen install in the current directory;
#                                 prod leaves dev dependencies out
#   deps build MANAGER OUT        an Elixir release or Go binaries, into OUT
#   deps packages RUNTIME DIR     the Debian packages that what DIR holds needs
#                                 at run time: the interpreter it was built on
#                                 (when Debian's) and the libraries it links
# Build secrets mounted at /run/secrets/<id> are the install's environment
# variable <id>: a credential reaches the package manager, never a layer.
set -eu

fail() {
  echo "aio-image deps: $*" >&2
  exit 1
}

apt_install() {
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  rm -rf /var/lib/apt/lists/*
}

has() {
  command -v "$1" >/dev/null 2>&1
}

# Downloads over HTTPS (PyPI, npm, hex, the Go proxy) need a CA bundle, which
# slim bases leave out.
need_ca_bundle() {
  [ -f /etc/ssl/certs/ca-certificates.crt ] || apt_install ca-certificates
}

need_python() {
  # Debian's python3 has venv and ensurepip only with python3-venv.
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv
  fi
}

need_node() {
  has npm || apt_install npm
}

# pnpm and Yarn at the version package.json's packageManager names, through
# corepack, which official Node images carry and npm installs elsewhere.
need_corepack() {
  need_node
  has corepack || npm install --global --no-audit --no-fund corepack
  corepack enable "$1"
}

toolchain() {
  need_ca_bundle
  case $1 in
    pip | uv) need_python ;;
    poetry)
      need_python
      if ! has poetry; then
        # Debian's poetry runs on Debian's python3; any other interpreter gets its own.
        if dpkg -S "$(readlink -f "$(command -v python3)")" >/dev/null 2>&1; then
          apt_install python3-poetry
        else
          python3 -m venv /opt/poetry
          /opt/poetry/bin/pip install --no-input --disable-pip-version-check poetry
          ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
        fi
      fi
      ;;
    npm) need_node ;;
    pnpm | yarn) need_corepack "$1" ;;
    bun)
      need_node
      has bun || npm install --global --no-audit --no-fund bun
      ;;
    mix) has mix || apt_install elixir erlang-nox erlang-dev ;;
    go) has go || apt_install golang-go git ;;
    *) fail "unknown package manager $1" ;;
  esac
}

export_secrets() {
  for secret in /run/secrets/*; do
    [ -f "$secret" ] || continue
    export "${secret##*/}=$(cat "$secret")"
  done
}

install() {
  manager=$1
  dev=$2
  export_secrets
  case $manager in
    pip)
      # Python modules the image gets from Debian (app-packages) stay
      # importable, behind what requirements.txt pins: the venv's own
      # site-packages come first on sys.path.
      python3 -m venv --system-site-packages .venv
      set -- -r requirements.txt
      [ ! -f constraints.txt ] || set -- "$@" -c constraints.txt
      PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/pip install --no-input "$@"
      # The app runs from the venv, it installs nothing: pip would be 10 MB of the image.
      .venv/bin/pip uninstall --yes --quiet pip
      ;;
    uv)
      # --locked: a lockfile that no longer matches pyproject.toml fails with uv's message.
      set -- --locked --no-install-project --python "$(command -v python3)"
      [ "$dev" = all ] || set -- "$@" --no-dev
      UV_PROJECT_ENVIRONMENT="$PWD/.venv" UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
        UV_COMPILE_BYTECODE=1 uv sync "$@"
      ;;
    poetry)
      set -- --no-root --no-interaction
      [ "$dev" = all ] || set -- "$@" --only main
      export POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_VIRTUALENVS_CREATE=true
      poetry env use "$(command -v python3)"
      poetry install "$@"
      ;;
    npm)
      set -- --no-audit --no-fund
      [ "$dev" = all ] || set -- "$@" --omit=dev
      npm ci "$@"
      ;;
    pnpm)
      set -- --frozen-lockfile --store-dir /root/.cache/pnpm
      [ "$dev" = all ] || set -- "$@" --prod
      pnpm install "$@"
      ;;
    yarn)
      if [ "$(yarn --version | cut -d. -f1)" = 1 ]; then
        yarn install --frozen-lockfile --non-interactive --production="$([ "$dev" = all ] && echo false || echo true)"
      elif [ "$dev" = all ]; then
        yarn install --immutable
      else
        yarn workspaces focus --all --production
      fi
      ;;
    bun)
      set -- --frozen-lockfile
      [ "$dev" = all ] || set -- "$@" --production
      bun install "$@"
      ;;
    mix)
      if [ -s mix.lock ]; then
        mix local.hex --force
        mix local.rebar --force
      fi
      set -- --check-locked
      [ "$dev" = all ] || set -- "$@" --only prod
      mix deps.get "$@"
      ;;
    go) go mod download ;;
    *) fail "unknown package manager $manager" ;;
  esac
}

build() {
  case $1 in
    mix)
      mix compile
      mix release --overwrite --path "$2"
      # The cookie mix writes would be in a layer for anyone who pulls the
      # image: each container start makes its own (run-app).
      rm -f "$2/releases/COOKIE"
      ;;
    go) CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$2/bin/" ./... ;;
    *) fail "$1 builds nothing; only mix and go do" ;;
  esac
}

# The package that installed FILE (dpkg may list it under /lib or /usr/lib).
owner() {
  { dpkg -S "$1" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null; } | head -n 1 | cut -d: -f1
}

is_elf() {
  [ "$(head -c 4 "$1" | tr -d '\177')" = ELF ]
}

packages() {
  runtime=$1
  dir=$2
  case $runtime in
    python) [ -z "$(owner "$(readlink -f "$dir/bin/python")")" ] || echo python3 ;;
    node) [ -z "$(owner "$(readlink -f "$(command -v node)")")" ] || echo nodejs ;;
  esac
  find "$dir" -type f \( -name '*.so' -o -name '*.so.*' -o -name '*.node' -o -perm -u=x \) |
    while read -r file; do
      ! is_elf "$file" || ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
    done |
    sort -u |
    while read -r library; do
      case $library in
        "$dir"/*) ;;
        *) owner "$(readlink -f "$library")" ;;
      esac
    done |
    sort -u
}

command=$1
shift
case $command in
  toolchain) toolchain "$@" ;;
  install) install "$@" ;;
  build) build "$@" ;;
  packages) packages "$@" ;;
  *) fail "unknown command $command" ;;
esac
