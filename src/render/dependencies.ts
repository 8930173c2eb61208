// How each package manager's install is laid out in the Dockerfile: the
// download caches its install step mounts, where it leaves what the image
// needs, and the environment that finds it. templates/deps.sh runs the tools.
import {
  type BuildSecret,
  type Dependencies,
  type PackageManager,
  type Runtime
} from '../spec/types.js'
import { dockerfileString, envName } from './escape.js'

interface ManagerLayout {
  /** Download caches: BuildKit cache mounts of the install step, never in a layer. */
  caches: string[]
  /**
   * Where the install leaves the dependencies, relative to the project.
   * Absent for compiled runtimes (mix, go): their build output is the app.
   */
  installed?: string
  /** The stage's environment for the tool. */
  env: Record<string, string>
}

const NODE_ENV = { npm_config_engine_strict: 'true', npm_config_update_notifier: 'false' }
const COREPACK_ENV = { ...NODE_ENV, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' }
const COREPACK_CACHE = '/root/.cache/node/corepack'

const LAYOUTS: Readonly<Record<PackageManager, ManagerLayout>> = {
  pip: { caches: ['/root/.cache/pip'], installed: '.venv', env: {} },
  uv: { caches: ['/root/.cache/uv'], installed: '.venv', env: {} },
  poetry: { caches: ['/root/.cache/pypoetry'], installed: '.venv', env: {} },
  // engine-strict: a base whose Node the package's `engines` refuses fails the install.
  npm: { caches: ['/root/.npm'], installed: 'node_modules', env: NODE_ENV },
  pnpm: {
    caches: ['/root/.cache/pnpm', COREPACK_CACHE],
    installed: 'node_modules',
    env: COREPACK_ENV
  },
  yarn: {
    caches: ['/root/.cache/yarn', COREPACK_CACHE],
    installed: 'node_modules',
    env: { ...COREPACK_ENV, YARN_CACHE_FOLDER: '/root/.cache/yarn' }
  },
  bun: {
    caches: ['/root/.cache/bun'],
    installed: 'node_modules',
    env: { BUN_INSTALL_CACHE_DIR: '/root/.cache/bun' }
  },
  mix: { caches: ['/root/.hex/packages'], env: { MIX_ENV: 'prod' } },
  // The build step compiles against the module cache too.
  go: { caches: ['/root/go/pkg/mod', '/root/.cache/go-build'], env: {} }
}

/** Where each runtime's programs are, relative to the project: PATH leads there. */
const BIN_DIRS: Readonly<Record<Runtime, string>> = {
  python: '.venv/bin',
  node: 'node_modules/.bin',
  elixir: 'bin',
  go: 'bin'
}

/** The app's environment in the image besides PATH. */
const RUNTIME_ENV: Readonly<Record<Runtime, Record<string, string>>> = {
  python: { VIRTUAL_ENV: '/app/.venv' },
  node: { NODE_ENV: 'production' },
  // A release opens epmd and a distribution port unless told not to, and
  // writes into its own root, which the app user cannot.
  elixir: { RELEASE_DISTRIBUTION: 'none', RELEASE_TMP: '/tmp', LANG: 'C.UTF-8' },
  go: {}
}

/** uv is not in Debian: its official image lends the binary to the install step. */
export const UV_IMAGE = 'ghcr.io/astral-sh/uv:0.12.9'
/** Where each deps stage writes the Debian packages its output needs at run time. */
export const PACKAGES_FILE = '/aio-packages'
/** Where a compiled app's deps stage leaves the app. */
export const BUILT_APP_DIR = '/out/app'

export function installedDir(dependencies: Dependencies): string | undefined {
  return LAYOUTS[dependencies.packageManager].installed
}

/** Directories of a context that the deps stage makes: never copied from the host. */
export function madeByInstall(dependencies: Dependencies): string[] {
  const installed = installedDir(dependencies)
  if (installed) return [installed]
  return dependencies.runtime === 'elixir' ? ['_build', 'deps'] : []
}

// Mount options are written unquoted: only values that cannot end an option or a flag.
const MOUNT_VALUE = /^[A-Za-z0-9._/-]+$/

function mount(options: Record<string, string>): string {
  const fields = Object.entries(options).map(([key, value]) => {
    if (!MOUNT_VALUE.test(value)) throw new Error(`mount ${key}=${JSON.stringify(value)}`)
    return `${key}=${value}`
  })
  return `--mount=${fields.join(',')}`
}

export const cacheMount = (target: string) => mount({ type: 'cache', target })
export const DEPS_SCRIPT_MOUNT = mount({
  type: 'bind',
  source: 'aio/deps',
  target: '/run/aio-deps'
})

/** The mounts of a compiled runtime's build step: the script and the caches. */
export function buildMounts(dependencies: Dependencies): string {
  return [DEPS_SCRIPT_MOUNT, ...LAYOUTS[dependencies.packageManager].caches.map(cacheMount)].join(
    ' '
  )
}

/** The mounts of an install step: the build step's, and uv, the build secrets and SSH. */
export function installMounts(
  dependencies: Dependencies,
  secrets: readonly BuildSecret[],
  ssh: readonly string[]
): string {
  return [
    buildMounts(dependencies),
    ...(dependencies.packageManager === 'uv'
      ? [mount({ type: 'bind', from: 'uv', source: '/uv', target: '/usr/local/bin/uv' })]
      : []),
    ...secrets.map(secret => mount({ type: 'secret', id: secret.id })),
    ...ssh.map(entry => mount({ type: 'ssh', id: entry.split('=')[0] }))
  ].join(' ')
}

export interface EnvLine {
  key: string
  value: string
}

/**
 * ENV lines, values escaped. A value's `$PATH` (or `${PATH}`) is the
 * image's PATH at that point, so that PATH can be extended; every other `$`
 * is literal.
 */
export function envLines(env: Record<string, string>): EnvLine[] {
  return Object.entries(env).map(([key, value]) => ({
    key: envName(key),
    value: value
      .split(/\$\{PATH\}|\$PATH(?![A-Za-z0-9_])/)
      .map(part => dockerfileString(part))
      .join('${PATH}')
  }))
}

const pathTo = (dir: string, dependencies: Dependencies) =>
  `${dir}/${BIN_DIRS[dependencies.runtime]}:$PATH`

/** A stage's environment: the tool's, and PATH to what the install put in `workdir`. */
export const stageEnv = (dependencies: Dependencies, workdir: string) =>
  envLines({ ...LAYOUTS[dependencies.packageManager].env, PATH: pathTo(workdir, dependencies) })

/** The image's environment, so that app-command finds what was installed. */
export const runtimeEnv = (dependencies: Dependencies) =>
  envLines({ ...RUNTIME_ENV[dependencies.runtime], PATH: pathTo('/app', dependencies) })
