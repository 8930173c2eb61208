// Which package manager a project uses, told by the lockfile it keeps, and
// which files it needs before it can install: the one table init, the spec
// and the renderer read. Every install is frozen to the lockfile, so a
// project with none (where the manager needs one) is refused here, naming
// the file that is missing, instead of resolving versions in the build.
import fs from 'node:fs'
import path from 'node:path'
import { type Dependencies, type PackageManager, type Runtime } from './types.js'

export interface PackageManagerFiles {
  runtime: Runtime
  /** Any one of these marks the project as this manager's; the first present is the lockfile. */
  markers: string[]
  /** Copied with the lockfile when present: what the install reads besides it. */
  manifests: string[]
}

/**
 * In the order detection tries them: a project holding uv.lock and a
 * generated requirements.txt is a uv project; bun, pnpm and Yarn projects
 * keep a package.json too, and some keep a stale package-lock.json.
 */
export const PACKAGE_MANAGERS: Readonly<Record<PackageManager, PackageManagerFiles>> = {
  uv: {
    runtime: 'python',
    markers: ['uv.lock'],
    manifests: ['pyproject.toml', '.python-version']
  },
  poetry: {
    runtime: 'python',
    markers: ['poetry.lock'],
    manifests: ['pyproject.toml', 'poetry.toml']
  },
  pip: {
    runtime: 'python',
    markers: ['requirements.txt'],
    manifests: ['constraints.txt']
  },
  bun: {
    runtime: 'node',
    markers: ['bun.lock', 'bun.lockb'],
    manifests: ['package.json', 'bunfig.toml', '.npmrc']
  },
  pnpm: {
    runtime: 'node',
    markers: ['pnpm-lock.yaml'],
    manifests: ['package.json', 'pnpm-workspace.yaml', '.npmrc']
  },
  yarn: {
    runtime: 'node',
    markers: ['yarn.lock'],
    manifests: ['package.json', '.yarnrc.yml', '.yarnrc', '.npmrc']
  },
  npm: {
    runtime: 'node',
    markers: ['package-lock.json', 'npm-shrinkwrap.json'],
    manifests: ['package.json', '.npmrc']
  },
  // A project with no hex dependencies has no mix.lock: mix.exs is its marker.
  mix: {
    runtime: 'elixir',
    markers: ['mix.exs'],
    manifests: ['mix.lock']
  },
  // go.sum lists no module for a project without dependencies.
  go: { runtime: 'go', markers: ['go.mod'], manifests: ['go.sum'] }
}

const managersOf = (runtime: Runtime) =>
  (Object.keys(PACKAGE_MANAGERS) as PackageManager[]).filter(
    manager => PACKAGE_MANAGERS[manager].runtime === runtime
  )

const present = (dir: string, file: string) =>
  fs.statSync(path.join(dir, file), { throwIfNoEntry: false })?.isFile() === true

/** The package manager whose lockfile `dir` holds, for `runtime` or any; undefined when none. */
export function detectPackageManager(dir: string, runtime?: Runtime): PackageManager | undefined {
  const candidates = runtime
    ? managersOf(runtime)
    : (Object.keys(PACKAGE_MANAGERS) as PackageManager[])
  return candidates.find(manager =>
    PACKAGE_MANAGERS[manager].markers.some(file => present(dir, file))
  )
}

/** The lockfile of `manager` that `dir` holds (the first of its markers there), or undefined. */
export function lockfileOf(dir: string, manager: PackageManager): string | undefined {
  return PACKAGE_MANAGERS[manager].markers.find(file => present(dir, file))
}

/**
 * The project in `dir` as `runtime` with `packageManager` (detected when not
 * given), or the problem, one line naming `field` and what it looks for.
 */
export function projectDependencies(
  dir: string,
  runtime: Runtime,
  packageManager: PackageManager | undefined,
  field: string
): Dependencies | string {
  const manager = packageManager ?? detectPackageManager(dir, runtime)
  if (manager === undefined) {
    const wanted = managersOf(runtime)
      .map(name => `${PACKAGE_MANAGERS[name].markers.join(' or ')} (${name})`)
      .join(', ')
    return `${field}: ${runtime} needs a lockfile to install from, and ${dir} has none; expected one of ${wanted}`
  }
  const files = PACKAGE_MANAGERS[manager]
  if (files.runtime !== runtime)
    return `${field}: the package manager ${manager} installs ${files.runtime}, not ${runtime}; expected one of ${managersOf(runtime).join(', ')}`
  const lockfile = lockfileOf(dir, manager)
  if (lockfile === undefined)
    return `${field}: ${manager} installs from ${files.markers.join(' or ')}, which ${dir} does not have; create it (with ${manager}'s own lock command) or choose another package manager`
  return {
    runtime,
    packageManager: manager,
    files: [lockfile as string, ...files.manifests.filter(file => present(dir, file))]
  }
}
