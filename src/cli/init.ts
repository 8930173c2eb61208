// `aio-image init`: looks at a project (its lockfile and manifest:
// requirements.txt, uv.lock, poetry.lock, pyproject.toml, package.json and
// its lockfile, mix.exs, go.mod; a Dockerfile) and writes a starter aio.yml
// from templates/aio.yml.mustache, and a .dockerignore from
// templates/dockerignore.mustache when the project has none. The app's
// dependencies are installed by its own package manager, frozen to its
// lockfile (app-runtime); Debian's python3-* packages stand in for them only
// when asked (--debian-packages) or for a script with no manifest, which
// pins nothing. Guesses are cheap and visible: the file says what it found
// and what to check.
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { envName, shellQuote, yamlComment, yamlString } from '../render/escape.js'
import { renderTemplate } from '../render/render.js'
import { DEFAULTS } from '../spec/defaults.js'
import { resolveSpec } from '../spec/load.js'
import { sanitizeName } from '../spec/normalize.js'
import { detectPackageManager, lockfileOf, PACKAGE_MANAGERS } from '../spec/runtimes.js'
import { SpecError, type PackageManager, type Runtime } from '../spec/types.js'
import { wrap } from './args.js'

export const SCHEMA_URL =
  'https://raw.githubusercontent.com/aio-image/aio-image/main/schema/aio.schema.json'

export type ProjectKind = Runtime | 'dockerfile' | 'unknown'

export interface InitOptions {
  /** Python dependencies from Debian's python3-* packages instead of the app's package manager. */
  debianPackages: boolean
}

/** An app-env entry and why the app needs it, for the comment above it. */
export interface EnvEntry {
  name: string
  value: string
  why: string
}

export interface Project {
  kind: ProjectKind
  /** The files the guesses come from, e.g. "uv.lock, pyproject.toml, Dockerfile". */
  found: string[]
  name: string
  command: string
  port: number
  healthPath: string
  /** Installed by the app's own package manager; absent when they come from Debian. */
  runtime?: Runtime
  packageManager?: PackageManager
  /** The file that pins the dependencies' versions, e.g. uv.lock. */
  lockfile?: string
  /** The lockfile is not there yet: the build refuses the project until it is. */
  lockfileMissing?: boolean
  /** Debian package names. */
  packages: string[]
  /** Why those packages, for the comment above them. */
  packagesReason: string
  env: EnvEntry[]
  migrate?: { command: string; why: string }
  /** The dependency that talks to PostgreSQL, when one was found. */
  databaseDriver?: string
  /** What the build will refuse or not honour: printed by init and commented in the spec. */
  warnings: string[]
  /** What the user should check, commented in the spec. */
  notes: string[]
}

/** How the app's own package manager installs its dependencies. */
type Installer = Required<Pick<Project, 'runtime' | 'packageManager' | 'lockfile'>> &
  Pick<Project, 'lockfileMissing'>

/** What a language's manifest says; the Dockerfile and the sources refine it. */
interface Manifest {
  kind: ProjectKind
  found: string[]
  name?: string
  /** Package names, to find the database driver. */
  dependencies: string[]
  /** The command for the port the app gets: a server's flag, or the port the app already picks. */
  command: (port: number) => string
  port: number
  installer?: Installer
  packages: string[]
  packagesReason: string
  env?: EnvEntry[]
  migrate?: Project['migrate']
  warnings: string[]
  notes: string[]
}

const DATABASE_DRIVERS = [
  // npm
  'pg',
  'postgres',
  'pg-promise',
  '@prisma/client',
  'knex',
  'sequelize',
  'typeorm',
  'drizzle-orm',
  // PyPI (normalised: lower case, '-')
  'psycopg',
  'psycopg2',
  'psycopg2-binary',
  'asyncpg',
  'sqlalchemy',
  'sqlmodel',
  // hex
  'postgrex',
  'ecto_sql',
  // Go modules
  'github.com/jackc/pgx',
  'github.com/lib/pq',
  'gorm.io/driver/postgres'
]

// The Debian release of the base image init leaves at its default: the one
// whose package versions --debian-packages gets.
/** Why a runtime's project needs no app-packages of its own. */
const BUILD_FINDS = 'the build installs what the dependencies need, found in them: '
const DEBIAN_SUITE = /^debian:([a-z]+)/.exec(DEFAULTS['base-image'])![1]

/** The managers whose lockfile is a file of its own, and the command that writes it. */
const LOCK_COMMANDS = {
  uv: 'uv lock',
  poetry: 'poetry lock',
  npm: 'npm install --package-lock-only',
  pnpm: 'pnpm install --lockfile-only',
  yarn: 'yarn install',
  bun: 'bun install --lockfile-only'
} as const satisfies Partial<Record<PackageManager, string>>

type LockingManager = keyof typeof LOCK_COMMANDS

/** What each runtime's build stage makes of the lockfile, and where PATH finds it, for the spec's comment. */
const INSTALLS: Record<
  Runtime,
  { does: (manager: PackageManager, lockfile: string) => string; path: string }
> = {
  python: {
    does: (manager, lockfile) =>
      `${manager} installs what ${lockfile} pins into the venv /app/.venv`,
    path: '/app/.venv/bin'
  },
  node: {
    does: (manager, lockfile) => `${manager} installs what ${lockfile} pins into /app/node_modules`,
    path: '/app/node_modules/.bin'
  },
  elixir: {
    does: (_, lockfile) =>
      `mix fetches what ${lockfile} pins and builds a release (MIX_ENV=prod) into /app`,
    path: 'its /app/bin'
  },
  go: {
    does: (_, lockfile) =>
      `go builds the main packages into /app/bin with the modules ${lockfile} pins`,
    path: '/app/bin'
  }
}

const read = (dir: string, file: string): string | undefined => {
  const full = path.join(dir, file)
  return fs.existsSync(full) && fs.statSync(full).isFile()
    ? fs.readFileSync(full, 'utf8')
    : undefined
}

const firstExisting = (dir: string, files: string[]): string | undefined =>
  files.find(file => read(dir, file) !== undefined)

/** The lockfile and manifests of `manager` that `dir` holds: what its install reads. */
const managerFiles = (dir: string, manager: PackageManager): string[] =>
  [...PACKAGE_MANAGERS[manager].markers, ...PACKAGE_MANAGERS[manager].manifests].filter(
    file => read(dir, file) !== undefined
  )

/**
 * How a project is installed: by the manager whose lockfile it holds, else by
 * `unlocked` once it has one, with the warning that the build refuses it until then.
 */
function installation(
  dir: string,
  runtime: Runtime,
  unlocked: LockingManager,
  manifest: string
): { installer: Installer; warnings: string[] } {
  const locked = detectPackageManager(dir, runtime)
  if (locked) {
    return {
      installer: { runtime, packageManager: locked, lockfile: lockfileOf(dir, locked)! },
      warnings: []
    }
  }
  const lockfile = PACKAGE_MANAGERS[unlocked].markers[0]
  return {
    installer: { runtime, packageManager: unlocked, lockfile, lockfileMissing: true },
    warnings: [
      `${manifest} has no ${lockfile}: the build installs only what a lockfile pins and refuses the project until it exists; create it with \`${LOCK_COMMANDS[unlocked]}\` and commit it.`
    ]
  }
}

/** Dockerfile CMD/ENTRYPOINT or a start script as one line of shell. */
function execLine(line: string): string {
  // `exec` only in front of one simple command, so that signals reach the app;
  // after its variable assignments, which `exec` would take for the command.
  return /[;&|]/.test(line) || /^(?:\w+=\S*\s+)*exec\s/.test(line)
    ? line
    : line.replace(/^(?:\w+=\S*\s+)*/, '$&exec ')
}

function nodeManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'package.json')
  if (text === undefined) return undefined
  const pkg = JSON.parse(text) as {
    name?: string
    main?: string
    packageManager?: string
    scripts?: Record<string, string>
    dependencies?: Record<string, string>
  }
  const start = pkg.scripts?.start?.trim()
  // What `npm start` runs, without npm: the image has none, and PATH finds node_modules/.bin.
  const startLine = start?.startsWith('node ')
    ? start
    : pkg.main
      ? `node ${pkg.main}`
      : (start ??
        // npm's own default start script
        `node ${firstExisting(dir, ['server.js', 'app.js', 'index.js']) ?? 'index.js'}`)
  // Corepack's field names the manager of a project that has no lockfile yet.
  const declared = /^(npm|pnpm|yarn|bun)@/.exec(pkg.packageManager ?? '')?.[1] as
    LockingManager | undefined
  const { installer, warnings } = installation(dir, 'node', declared ?? 'npm', 'package.json')
  const manager = installer.packageManager
  const notes = []
  if (pkg.scripts?.build !== undefined)
    notes.push(
      'package.json has a build script, which the image does not run: build here (and keep its output out of .dockerignore) or in a build stage (build-stages).'
    )
  if (manager === 'bun')
    notes.push(
      "bun installs the dependencies and node runs the app (Debian has no bun): an app that uses Bun's own APIs needs another runtime."
    )
  return {
    kind: 'node',
    found: managerFiles(dir, manager),
    name: pkg.name?.replace(/^@[^/]+\//, ''),
    dependencies: Object.keys(pkg.dependencies ?? {}),
    command: () => execLine(startLine),
    port: 3000,
    installer,
    packages: [],
    packagesReason: `none: ${BUILD_FINDS}the Node they were installed with and the libraries their native code links.`,
    warnings,
    notes
  }
}

interface Requirement {
  /** Normalised: lower case, runs of '.', '_' and '-' as one '-'. */
  name: string
  extras: string[]
  /** The version specifier, e.g. "==0.115.6", when there is one. */
  version?: string
  /** As written, without markers and comments. */
  text: string
}

const pypiName = (name: string) => name.toLowerCase().replace(/[._-]+/g, '-')

/**
 * A PEP 508 requirement ("uvicorn[standard]==0.32.1 ; python_version > '3.9'");
 * undefined for options (-r, -e, --index-url), bare URLs and comments.
 */
function requirement(line: string): Requirement | undefined {
  const text = line.replace(/[;#].*/, '').trim()
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*([<>=!~][^@]*)?(?:@.*)?$/.exec(
    text
  )
  if (!match) return undefined
  return {
    name: pypiName(match[1]),
    extras: (match[2] ?? '').split(',').map(extra => extra.trim().toLowerCase()),
    version: match[3]?.trim(),
    text
  }
}

/** PEP 621: dependencies = ["fastapi>=0.110", ...] of [project]. */
const pyprojectDependencies = (text: string): string[] =>
  (
    /^dependencies\s*=\s*\[((?:\s*(?:"[^"]*"|'[^']*')\s*,?)*)\s*\]/m
      .exec(text)?.[1]
      .match(/"[^"]*"|'[^']*'/g) ?? []
  ).map(quoted => quoted.slice(1, -1))

/** Name -> version of every package a uv.lock or poetry.lock pins. */
const lockedVersions = (text: string): Map<string, string> =>
  new Map(
    [
      ...text.matchAll(/^\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"([^"]+)"/gm)
    ].map(match => [pypiName(match[1]), match[2]])
  )

// Python modules whose PyPI project (named as the module) says what a script
// needs when there is no manifest.
const IMPORTED_PROJECTS = ['psycopg', 'psycopg2', 'asyncpg', 'flask', 'fastapi', 'sqlalchemy']

// PyPI names whose Debian package is not python3-<name>.
const DEBIAN_PYTHON: Record<string, string> = {
  'psycopg-binary': 'python3-psycopg',
  'psycopg2-binary': 'python3-psycopg2',
  pyyaml: 'python3-yaml',
  beautifulsoup4: 'python3-bs4',
  pillow: 'python3-pil',
  'python-dotenv': 'python3-dotenv',
  'python-multipart': 'python3-multipart',
  'scikit-learn': 'python3-sklearn',
  pyjwt: 'python3-jwt',
  attrs: 'python3-attr'
}

export function debianPythonPackage(requirement: string): string {
  return DEBIAN_PYTHON[requirement] ?? `python3-${requirement}`
}

const PYTHON_SCRIPTS = ['app.py', 'main.py', 'server.py', 'app/main.py']

/**
 * What serves a Python app, by the dependencies `has`: uvicorn for an ASGI
 * app (FastAPI, Starlette), gunicorn for Flask and Django when installed,
 * else their development servers; a plain script runs as it is.
 */
function pythonServer(
  dir: string,
  app: {
    has: (name: string) => boolean
    script?: string
    scriptText: string
    /** Debian installs the modules but not always their scripts; a venv's bin/ is on PATH. */
    debian: boolean
    developmentServer: (name: string) => void
  }
): Pick<Manifest, 'command' | 'migrate'> & { server?: string } {
  const { has, script, scriptText, debian } = app
  const module = (script ?? 'app.py').replace(/\.py$/, '').replaceAll('/', '.')
  const variable = /^(\w+)\s*=\s*(?:FastAPI|Starlette|Flask)\(/m.exec(scriptText)?.[1] ?? 'app'
  const target = `${module}:${variable}`
  const tool = (name: string) => (debian ? `python3 -m ${name}` : name)
  const python = debian ? 'python3' : 'python'
  const djangoProject = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)\.settings["']/.exec(
    read(dir, 'manage.py') ?? ''
  )?.[1]
  if (has('fastapi') || has('starlette') || has('uvicorn'))
    return {
      // the one server the dependencies may lack
      server: 'uvicorn',
      command: port => `exec ${tool('uvicorn')} ${target} --host 0.0.0.0 --port ${port}`
    }
  if (has('django') && djangoProject !== undefined) {
    if (!has('gunicorn')) app.developmentServer('manage.py runserver')
    return {
      command: has('gunicorn')
        ? port => `exec ${tool('gunicorn')} --bind 0.0.0.0:${port} ${djangoProject}.wsgi`
        : port => `exec ${python} manage.py runserver 0.0.0.0:${port} --noreload`,
      migrate: { command: `${python} manage.py migrate --noinput`, why: "Django's migrations" }
    }
  }
  if (has('flask')) {
    if (!has('gunicorn')) app.developmentServer('flask run')
    return {
      command: has('gunicorn')
        ? port => `exec ${tool('gunicorn')} --bind 0.0.0.0:${port} ${target}`
        : port => `exec ${tool('flask')} --app ${module} run --host 0.0.0.0 --port ${port}`
    }
  }
  return { command: () => `exec ${python} ${script ?? 'app.py'}` }
}

function pythonManifest(dir: string, options: InitOptions): Manifest | undefined {
  const requirementsText = read(dir, 'requirements.txt')
  const pyproject = read(dir, 'pyproject.toml')
  const script = firstExisting(dir, PYTHON_SCRIPTS)
  if (requirementsText === undefined && pyproject === undefined && script === undefined)
    return undefined
  const scriptText = script === undefined ? '' : read(dir, script)!
  const { installer, warnings: lockWarnings } = installation(
    dir,
    'python',
    /^\[tool\.poetry\]/m.test(pyproject ?? '') ? 'poetry' : 'uv',
    'pyproject.toml'
  )
  const pip = installer.packageManager === 'pip'
  // pip installs requirements.txt; uv and Poetry pyproject.toml (as does the manager still to lock it).
  const declaredIn =
    pip || (installer.lockfileMissing && pyproject === undefined)
      ? 'requirements.txt'
      : 'pyproject.toml'
  const manifestText = declaredIn === 'requirements.txt' ? requirementsText : pyproject
  // uv.lock and poetry.lock pin every package; requirements.txt is read as the manifest.
  const pins =
    pip || installer.lockfileMissing
      ? new Map<string, string>()
      : lockedVersions(read(dir, installer.lockfile)!)
  const requirements = (
    manifestText === undefined
      ? // A script without a manifest still names what it needs in its imports.
        [...scriptText.matchAll(/^(?:import|from)\s+(\w+)/gm)]
          .map(match => match[1].toLowerCase())
          .filter(module => IMPORTED_PROJECTS.includes(module))
      : declaredIn === 'requirements.txt'
        ? manifestText.split('\n')
        : pyprojectDependencies(manifestText)
  )
    .map(requirement)
    .filter(found => found !== undefined)
  const direct = (name: string) => requirements.find(found => found.name === name)
  const installed = new Set([...requirements.map(found => found.name), ...pins.keys()])
  // FastAPI's "standard" extra brings uvicorn along.
  if (direct('fastapi')?.extras.includes('standard')) installed.add('uvicorn')
  const has = (name: string) => installed.has(name)
  const debian = options.debianPackages || manifestText === undefined

  const notes: string[] = []
  const { command, migrate, server } = pythonServer(dir, {
    has,
    script,
    scriptText,
    debian,
    developmentServer: name =>
      notes.push(
        `${name} is a development server: for production add gunicorn to ${declaredIn} and run \`aio-image init --force\` again.`
      )
  })
  if (script === undefined && read(dir, 'manage.py') === undefined)
    notes.push(`TODO: no ${PYTHON_SCRIPTS.join(', ')}: name the app's module in app-command.`)

  const common = {
    kind: 'python' as const,
    name: /^name\s*=\s*["']([^"']+)["']/m.exec(pyproject ?? '')?.[1],
    dependencies: [...installed],
    command,
    port: 8000,
    migrate,
    notes
  }
  if (debian) {
    const warnings = requirements.flatMap(found => {
      const pin = pins.has(found.name)
        ? `${installer.lockfile} pins ${found.name} ${pins.get(found.name)}`
        : found.version && `${declaredIn} pins ${found.text}`
      return pin
        ? [
            `${pin}; ${debianPythonPackage(found.name)} is the version Debian ${DEBIAN_SUITE} carries, not the pin.`
          ]
        : []
    })
    notes.push(
      manifestText === undefined
        ? "No requirements.txt or pyproject.toml: the script's imports come from Debian's python3-* packages. To have pip install pinned versions instead, list them in requirements.txt and run `aio-image init --force`."
        : 'Packages come from Debian, not PyPI (--debian-packages): the python3-* names are guessed from your dependencies; check each with `apt-cache policy`.'
    )
    const names = [...requirements.map(found => found.name), ...(server ? [server] : [])]
    return {
      ...common,
      found: [manifestText === undefined ? script! : declaredIn],
      packages: ['python3', ...new Set(names.map(debianPythonPackage))],
      packagesReason: `python3 and the app's dependencies, as Debian ${DEBIAN_SUITE} packages them.`,
      warnings
    }
  }
  const warnings = [...lockWarnings]
  if (server !== undefined && !has(server))
    warnings.push(
      `${server} serves the app but is not among its dependencies: add it to ${declaredIn}.`
    )
  // The install step sees only the files of the package-manager table, before the rest is copied.
  const pipFiles = [...PACKAGE_MANAGERS.pip.markers, ...PACKAGE_MANAGERS.pip.manifests]
  const included = [
    ...(requirementsText ?? '').matchAll(/^\s*-(?:r|c|-requirement|-constraint)[\s=]+(\S+)/gm)
  ]
    .map(match => match[1])
    .filter(file => !pipFiles.includes(file))
  if (pip && included.length > 0)
    warnings.push(
      `requirements.txt reads ${included.join(', ')}, which the install step does not see (it copies ${pipFiles.join(' and ')} only): move those lines into requirements.txt.`
    )
  const unpinned = requirements.filter(found => !found.version?.startsWith('=='))
  if (pip && unpinned.length > 0)
    notes.push(
      `requirements.txt leaves ${unpinned.map(found => found.name).join(', ')} unpinned: pip installs the newest match at each build; pin exact versions (\`pip freeze\`, \`uv pip compile\`) for repeatable images.`
    )
  // psycopg loads the system's libpq unless its binary wheel, which bundles one, is installed.
  const libpq =
    (has('psycopg') && !has('psycopg-binary') && !direct('psycopg')?.extras.includes('binary')) ||
    has('psycopg2')
  return {
    ...common,
    found: managerFiles(dir, installer.packageManager),
    installer,
    // libpq is loaded at run time, where no linker sees it.
    packages: libpq ? ['libpq5'] : [],
    packagesReason: `${libpq ? 'libpq5 is the libpq psycopg loads; beyond it, ' : 'none: '}${BUILD_FINDS}the interpreter the venv was made on and the libraries its native code links.`,
    warnings
  }
}

/** The module of lib/<app>/release.ex that defines migrate/0, as `mix phx.gen.release` writes it. */
function releaseMigrator(dir: string): { module: string; file: string } | undefined {
  const lib = path.join(dir, 'lib')
  if (!fs.existsSync(lib)) return undefined
  for (const entry of fs.readdirSync(lib, { withFileTypes: true })) {
    const file = `lib/${entry.name}/release.ex`
    const text = entry.isDirectory() ? read(dir, file) : undefined
    const module = /^defmodule\s+([\w.]+)\s+do/m.exec(text ?? '')?.[1]
    if (module !== undefined && /^\s*def\s+migrate\b/m.test(text!)) return { module, file }
  }
  return undefined
}

function elixirManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'mix.exs')
  if (text === undefined) return undefined
  const dependencies = [...text.matchAll(/\{\s*:([a-z0-9_]+)\s*,/g)].map(match => match[1])
  const app = /app:\s*:([a-z0-9_]+)/.exec(text)?.[1]
  // `mix release` builds the first of `releases:`, else one named after the app.
  const release = /releases:\s*\[\s*([a-z0-9_]+):/.exec(text)?.[1] ?? app ?? 'app'
  const phoenix = dependencies.includes('phoenix')
  const migrator = releaseMigrator(dir)
  // RELEASE_DISTRIBUTION=none and RELEASE_TMP come with app-runtime: elixir.
  const env: EnvEntry[] = []
  const notes = []
  if (phoenix) {
    env.push({
      name: 'PHX_SERVER',
      value: 'true',
      why: "a release starts Phoenix's endpoint only with it"
    })
    notes.push(
      "A Phoenix release's config/runtime.exs reads SECRET_KEY_BASE: pass it to the container at run time (`mix phx.gen.secret` makes one), never in app-env."
    )
    if (migrator === undefined && dependencies.includes('ecto_sql'))
      notes.push(
        `No lib/${app ?? 'app'}/release.ex defines migrate/0, so no migrations run at start: \`mix phx.gen.release\` writes one; then set migrate-command: bin/${release} eval "<App>.Release.migrate()".`
      )
  }
  return {
    kind: 'elixir',
    found: managerFiles(dir, 'mix'),
    name: app,
    dependencies,
    command: () => `exec bin/${release} start`,
    port: 4000,
    installer: { runtime: 'elixir', packageManager: 'mix', lockfile: 'mix.lock' },
    packages: [],
    packagesReason: `none: ${BUILD_FINDS}the libraries the release's Erlang runtime links (OpenSSL for :crypto).`,
    env,
    migrate: migrator && {
      command: `bin/${release} eval "${migrator.module}.migrate()"`,
      why: `the Ecto migrations, by ${migrator.file}`
    },
    warnings:
      dependencies.length > 0 && read(dir, 'mix.lock') === undefined
        ? [
            'mix.exs has no mix.lock: each build resolves the hex versions anew; run `mix deps.get` and commit mix.lock.'
          ]
        : [],
    notes
  }
}

const isMainPackage = (dir: string) =>
  fs.existsSync(dir) &&
  fs
    .readdirSync(dir)
    .some(file => file.endsWith('.go') && /^package\s+main\b/m.test(read(dir, file) ?? ''))

function goManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'go.mod')
  if (text === undefined) return undefined
  const elements = (/^module\s+(\S+)/m.exec(text)?.[1] ?? path.basename(dir)).split('/')
  // go build names a binary after its import path's last element, passing over a major version (…/tool/v2).
  const moduleBinary = elements.at(/^v\d+$/.test(elements.at(-1)!) ? -2 : -1) ?? 'app'
  const cmdDir = path.join(dir, 'cmd')
  const commands = fs.existsSync(cmdDir)
    ? fs.readdirSync(cmdDir).filter(name => isMainPackage(path.join(cmdDir, name)))
    : []
  const binaries = [...(isMainPackage(dir) ? [moduleBinary] : []), ...commands]
  const binary = binaries[0] ?? moduleBinary
  const dependencies = [
    ...text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+)\s+v/gm)
  ].map(match => match[1])
  return {
    kind: 'go',
    found: managerFiles(dir, 'go'),
    name: sanitizeName(moduleBinary),
    dependencies,
    command: () => `exec bin/${binary}`,
    port: 8080,
    installer: { runtime: 'go', packageManager: 'go', lockfile: 'go.sum' },
    packages: ['ca-certificates'],
    packagesReason:
      'ca-certificates for outbound TLS; the binaries are static (CGO_ENABLED=0) and need no libraries.',
    warnings:
      dependencies.length > 0 && read(dir, 'go.sum') === undefined
        ? [
            'go.mod requires modules but there is no go.sum, without which go build refuses them: run `go mod tidy` and commit go.sum.'
          ]
        : [],
    notes:
      binaries.length > 1
        ? [`go builds ${binaries.join(', ')} into /app/bin: the command starts ${binary}.`]
        : []
  }
}

/** Dockerfile CMD/ENTRYPOINT (exec or shell form) as one line of shell. */
function dockerfileCommand(text: string): string | undefined {
  const instruction = (name: string) =>
    [...text.matchAll(new RegExp(`^\\s*${name}\\s+(.+)$`, 'gim'))].pop()?.[1].trim()
  const words = (value: string | undefined): string[] | undefined => {
    if (value === undefined) return undefined
    if (!value.startsWith('[')) return [value]
    try {
      return (JSON.parse(value) as string[]).map(word =>
        /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : shellQuote(word)
      )
    } catch {
      return [value]
    }
  }
  const line = [...(words(instruction('ENTRYPOINT')) ?? []), ...(words(instruction('CMD')) ?? [])]
    .join(' ')
    .trim()
    // Debian has python3 but no `python` (unless python-is-python3).
    .replace(/^python\b(?!3)/, 'python3')
    // No package manager runs the app in the image: PATH finds what it installed.
    .replace(/^(?:uv|poetry) run\s+/, '')
  // The manifest's start command is `npm start` without npm.
  if (line === '' || /^(?:npm|pnpm|yarn|bun)(?: run)? start$/.test(line)) return undefined
  return execLine(line)
}

// The Debian packages behind a Dockerfile's language base image.
const BASE_IMAGE_PACKAGES: Array<[RegExp, string[]]> = [
  [/^(?:\S+\/)?python:/, ['python3']],
  [/^(?:\S+\/)?node:/, ['nodejs']],
  [/^(?:\S+\/)?(?:elixir|erlang):/, ['elixir', 'erlang-nox']]
]

const SOURCE_EXTENSIONS = /\.(js|mjs|cjs|ts|py|ex|exs|go|rb)$/
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.venv',
  'deps',
  '_build',
  'vendor',
  'dist',
  '.aio'
])

/** Source files near the top of the project (two levels, bounded), for cheap hints. */
function sources(dir: string): string[] {
  const found: string[] = []
  const walk = (relative: string, depth: number) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const file = path.join(relative, entry.name)
      if (found.length >= 200) return
      if (entry.isDirectory() && depth < 2 && !SKIPPED_DIRS.has(entry.name)) walk(file, depth + 1)
      else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name)) {
        if (fs.statSync(path.join(dir, file)).size <= 256 * 1024)
          found.push(fs.readFileSync(path.join(dir, file), 'utf8'))
      }
    }
  }
  walk('', 0)
  return found
}

/** A health route the sources mention, e.g. "/healthz"; else the home page. */
function healthPath(texts: string[]): string {
  for (const text of texts) {
    const match = /["'`](\/(?:api\/)?_?health(?:z|check)?)["'`]/.exec(text)
    if (match) return match[1]
  }
  return '/'
}

/** A default port the sources spell out, e.g. `process.env.PORT || 3000`, `getenv("PORT", "8000")`. */
function sourcePort(texts: string[]): number | undefined {
  const patterns = [
    /\bPORT\b\s*(?:\|\||\?\?)\s*(\d{2,5})\b/,
    /["']PORT["']\s*,\s*["']?(\d{2,5})\b/,
    /\.listen\(\s*(\d{2,5})\b/,
    /ListenAndServe\(\s*"[^":]*:(\d{2,5})"/
  ]
  for (const text of texts) {
    for (const pattern of patterns) {
      const port = Number(pattern.exec(text)?.[1])
      if (port > 0 && port < 65536) return port
    }
  }
  return undefined
}

/** Looks at `dir` and guesses what its aio.yml should say. Reads files only. */
export function detectProject(
  dir: string,
  options: InitOptions = { debianPackages: false }
): Project {
  const manifest = [nodeManifest, pythonManifest, elixirManifest, goManifest]
    .map(detect => detect(dir, options))
    .find(found => found !== undefined)
  const dockerfile = read(dir, 'Dockerfile')
  const found = [...(manifest?.found ?? []), ...(dockerfile === undefined ? [] : ['Dockerfile'])]
  const texts = sources(dir)
  const dockerCommand = dockerfile === undefined ? undefined : dockerfileCommand(dockerfile)
  const exposed = Number(/^\s*EXPOSE\s+(\d+)/im.exec(dockerfile ?? '')?.[1]) || undefined
  const warnings = [...(manifest?.warnings ?? [])]
  if (options.debianPackages && manifest?.kind !== 'python')
    warnings.push(
      `--debian-packages maps the dependencies of Python projects only: it changes nothing for this ${manifest?.kind ?? 'unknown'} project.`
    )
  const notes = [...(manifest?.notes ?? [])]
  if (dockerfile !== undefined) {
    notes.push(
      "aio-image renders its own Dockerfile: the RUN steps of yours do not run; the app's dependencies come from its lockfile, system packages belong in app-packages."
    )
  }
  if (!manifest && !dockerCommand) notes.push('TODO: the command that starts your app.')
  const baseImage = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/im.exec(dockerfile ?? '')?.[1] ?? ''
  const driver = DATABASE_DRIVERS.find(name =>
    manifest?.dependencies.some(
      dependency => dependency === name || dependency.startsWith(`${name}/`)
    )
  )
  const port = exposed ?? sourcePort(texts) ?? manifest?.port ?? 8000
  return {
    kind: manifest?.kind ?? (dockerfile === undefined ? 'unknown' : 'dockerfile'),
    found,
    name:
      sanitizeName(manifest?.name ?? '') || sanitizeName(path.basename(path.resolve(dir))) || 'app',
    command: dockerCommand ?? manifest?.command(port) ?? 'exec ./start',
    port,
    healthPath: healthPath(texts),
    ...manifest?.installer,
    packages:
      manifest?.packages ?? BASE_IMAGE_PACKAGES.find(([re]) => re.test(baseImage))?.[1] ?? [],
    packagesReason:
      manifest?.packagesReason ?? (baseImage ? `what ${baseImage} carries.` : 'none found.'),
    env: manifest?.env ?? [],
    migrate: manifest?.migrate,
    databaseDriver: driver,
    warnings,
    notes
  }
}

/** Text as the lines of a comment whose marker takes `indent` columns, the first line prefixed. */
const commentLines = (text: string, indent = 2, first = '') =>
  wrap(`${first}${text}`, first.length, 78 - indent)
    .split('\n')
    .map(yamlComment)

/** The comment above app-runtime: what the build stage makes of the lockfile. */
function installComment(project: Project): string[] | undefined {
  if (project.runtime === undefined) return undefined
  const { does, path: found } = INSTALLS[project.runtime]
  return commentLines(
    `${does(project.packageManager!, project.lockfile!)} in a build stage on the same base; PATH finds ${found}.`
  )
}

/** The starter aio.yml for a project, as text with comments. */
export function starterSpec(project: Project): string {
  const database = project.databaseDriver !== undefined
  return renderTemplate('aio.yml.mustache', {
    schemaUrl: yamlComment(SCHEMA_URL),
    schemaUrlString: yamlString(SCHEMA_URL),
    found: yamlComment(
      project.found.length > 0 ? project.found.join(', ') : 'no known project file'
    ),
    name: yamlString(project.name),
    command: yamlString(project.command),
    notes: [...project.warnings, ...project.notes].flatMap(note => commentLines(note, 4, '- ')),
    port: project.port,
    healthPath: yamlString(project.healthPath),
    runtime: project.runtime && yamlString(project.runtime),
    packageManager: project.packageManager && yamlString(project.packageManager),
    installComment: installComment(project),
    packages: project.packages.map(yamlString).join(', '),
    packagesComment: commentLines(project.packagesReason),
    env: project.env.map(entry => ({
      name: envName(entry.name),
      value: yamlString(entry.value),
      why: yamlComment(entry.why)
    })),
    migrate: project.migrate && {
      command: yamlString(project.migrate.command),
      comment: commentLines(
        `Run before the app at every start, in /app as the app: ${project.migrate.why}.`
      )
    },
    databaseReason: yamlComment(
      database
        ? `${project.databaseDriver} is among the dependencies`
        : 'no PostgreSQL driver among the dependencies, so none; 17 adds one'
    ),
    postgresVersion: database ? 17 : yamlString('none'),
    maxImageSize: yamlString(database ? '400MB' : '250MB')
  })
}

/** The starter .dockerignore for a project: what never belongs in the image. */
export function starterDockerignore(project: Project): string {
  // The template has a section for each runtime, named as the kind.
  return renderTemplate('dockerignore.mustache', { [project.kind]: true })
}

export class InitError extends Error {}

export interface InitResult {
  project: Project
  /** The project's .dockerignore, and whether init wrote it (it never replaces one). */
  dockerignore: { file: string; written: boolean }
}

/**
 * The pipeline's reading of a starter: it must take every field, and may
 * refuse the project only for the lockfile the starter's warning asks for.
 */
function checkStarterSpec(file: string, text: string, project: Project): void {
  try {
    resolveSpec({
      file: { path: file, fields: YAML.parse(text) as Record<string, unknown> },
      inputs: {},
      workingDir: path.dirname(file),
      defaultName: project.name
    })
  } catch (error) {
    const refusedForLockfile =
      error instanceof SpecError &&
      project.lockfileMissing === true &&
      error.problems.length === 1 &&
      error.problems[0].includes(project.lockfile!)
    if (!refusedForLockfile) throw error
  }
}

/** Writes `text` to a new `file`; keeps one that is there (even one that appeared meanwhile). */
function writeNew(file: string, text: string): boolean {
  try {
    fs.writeFileSync(file, text, { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/**
 * Writes the starter spec for the project in the file's directory, and a
 * .dockerignore beside it unless there is one. Refuses to replace an
 * existing spec unless `force`. The text is validated as the pipeline
 * would read it before anything is written.
 */
export function writeStarterSpec(
  file: string,
  options: InitOptions & { force: boolean }
): InitResult {
  if (fs.existsSync(file) && !options.force) {
    throw new InitError(`${file} already exists; use --force to replace it`)
  }
  const dir = path.dirname(file)
  const project = detectProject(dir, options)
  const text = starterSpec(project)
  // A starter that the pipeline would refuse is a bug here: never write one.
  checkStarterSpec(file, text, project)
  fs.writeFileSync(file, text)
  const dockerignore = path.join(dir, '.dockerignore')
  return {
    project,
    dockerignore: {
      file: dockerignore,
      written: writeNew(dockerignore, starterDockerignore(project))
    }
  }
}
