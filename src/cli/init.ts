// `aio-image init`: looks at a project (package.json, pyproject.toml or
// requirements.txt, mix.exs, go.mod, a Dockerfile) and writes a starter
// aio.yml from templates/aio.yml.mustache. Guesses are cheap and visible:
// the file says what it found and what to check.
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { shellQuote, yamlComment, yamlString } from '../render/escape.js'
import { renderTemplate } from '../render/render.js'
import { resolveSpec } from '../spec/load.js'
import { sanitizeName } from '../spec/normalize.js'

export const SCHEMA_URL =
  'https://raw.githubusercontent.com/aio-image/aio-image/main/schema/aio.schema.json'

export type ProjectKind = 'node' | 'python' | 'elixir' | 'go' | 'dockerfile' | 'unknown'

export interface Project {
  kind: ProjectKind
  /** The files the guesses come from, e.g. "requirements.txt, Dockerfile". */
  found: string[]
  name: string
  command: string
  port: number
  healthPath: string
  /** Debian package names. */
  packages: string[]
  /** The dependency that talks to PostgreSQL, when one was found. */
  databaseDriver?: string
  /** What the user must check or do, as comment lines under the command. */
  notes: string[]
}

/** What a language's manifest says; the Dockerfile and the sources refine it. */
interface Manifest {
  kind: ProjectKind
  file: string
  name?: string
  dependencies: string[]
  command: string
  port: number
  packages: string[]
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

// Python modules whose PyPI project (named as the module) says what the app
// needs when there is no requirements file.
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

const read = (dir: string, file: string): string | undefined => {
  const full = path.join(dir, file)
  return fs.existsSync(full) && fs.statSync(full).isFile()
    ? fs.readFileSync(full, 'utf8')
    : undefined
}

const firstExisting = (dir: string, files: string[]): string | undefined =>
  files.find(file => read(dir, file) !== undefined)

function nodeManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'package.json')
  if (text === undefined) return undefined
  const pkg = JSON.parse(text) as {
    name?: string
    main?: string
    scripts?: Record<string, string>
    dependencies?: Record<string, string>
  }
  const started = /^node\s+(\S+)/.exec(pkg.scripts?.start ?? '')?.[1]
  const entry = started ?? pkg.main ?? firstExisting(dir, ['server.js', 'app.js', 'index.js'])
  return {
    kind: 'node',
    file: 'package.json',
    name: pkg.name?.replace(/^@[^/]+\//, ''),
    dependencies: Object.keys(pkg.dependencies ?? {}),
    command: `exec node ${entry ?? 'index.js'}`,
    port: 3000,
    packages: ['nodejs'],
    notes: [
      'The image runs no npm install: run `npm ci --omit=dev` first so that',
      'node_modules is in the context (and not in .dockerignore).'
    ]
  }
}

/** PyPI requirement -> normalised project name ("Flask[async]>=2" -> "flask"). */
function requirementName(line: string): string | undefined {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line.replace(/#.*/, ''))
  return match?.[1].toLowerCase().replace(/[._]+/g, '-')
}

export function debianPythonPackage(requirement: string): string {
  return DEBIAN_PYTHON[requirement] ?? `python3-${requirement}`
}

function pythonManifest(dir: string): Manifest | undefined {
  const requirements = read(dir, 'requirements.txt')
  const pyproject = read(dir, 'pyproject.toml')
  const main = firstExisting(dir, ['app.py', 'main.py', 'server.py'])
  if (requirements === undefined && pyproject === undefined && main === undefined) return undefined
  // A script without a manifest still names what it needs in its imports.
  const imported = [...(main ? read(dir, main)! : '').matchAll(/^(?:import|from)\s+(\w+)/gm)]
    .map(match => match[1].toLowerCase())
    .filter(module => IMPORTED_PROJECTS.includes(module))
  const lines = [
    ...(requirements ?? '').split('\n').filter(line => !line.trim().startsWith('-')),
    // PEP 621: dependencies = ["fastapi>=0.110", ...]
    ...(/^dependencies\s*=\s*\[((?:\s*(?:"[^"]*"|'[^']*')\s*,?)*)\s*\]/m
      .exec(pyproject ?? '')?.[1]
      .match(/"[^"]*"|'[^']*'/g) ?? [])
  ].map(quoted => quoted.replace(/^["']|["']$/g, ''))
  const dependencies = [
    ...new Set([...lines.map(requirementName).filter(name => name !== undefined), ...imported])
  ]
  const has = (name: string) => dependencies.includes(name)
  const script = main ?? 'app.py'
  const module = script.replace(/\.py$/, '')
  let command = `exec python3 ${script}`
  if (has('fastapi') || has('uvicorn'))
    command = `exec python3 -m uvicorn ${module}:app --host 0.0.0.0 --port 8000`
  else if (has('django') && read(dir, 'manage.py') !== undefined)
    command = 'exec python3 manage.py runserver 0.0.0.0:8000 --noreload'
  else if (has('flask'))
    command = `exec python3 -m flask --app ${module} run --host 0.0.0.0 --port 8000`
  const extra = command.includes('uvicorn') && !has('uvicorn') ? ['uvicorn'] : []
  return {
    kind: 'python',
    file: requirements !== undefined ? 'requirements.txt' : pyproject ? 'pyproject.toml' : script,
    name: /^name\s*=\s*["']([^"']+)["']/m.exec(pyproject ?? '')?.[1],
    dependencies,
    command,
    port: 8000,
    packages: ['python3', ...[...dependencies, ...extra].map(debianPythonPackage)],
    notes: [
      'Packages come from Debian, not PyPI: the python3-* names are guessed',
      'from your dependencies; check each with `apt-cache policy`.'
    ]
  }
}

function elixirManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'mix.exs')
  if (text === undefined) return undefined
  const dependencies = [...text.matchAll(/\{\s*:([a-z0-9_]+)\s*,/g)].map(match => match[1])
  const phoenix = dependencies.includes('phoenix')
  return {
    kind: 'elixir',
    file: 'mix.exs',
    name: /app:\s*:([a-z0-9_]+)/.exec(text)?.[1],
    dependencies,
    command: phoenix ? 'exec mix phx.server' : 'exec mix run --no-halt',
    port: 4000,
    packages: ['elixir', 'erlang-nox'],
    notes: [
      'The image fetches no hex packages: have deps/ and _build/ compiled in the',
      'context (MIX_ENV=prod mix do deps.get, compile), or build a release with',
      '`mix release` and start it with `exec _build/prod/rel/<app>/bin/<app> start`.'
    ]
  }
}

function goManifest(dir: string): Manifest | undefined {
  const text = read(dir, 'go.mod')
  if (text === undefined) return undefined
  const module = /^module\s+(\S+)/m.exec(text)?.[1] ?? path.basename(dir)
  const binary = sanitizeName(module.split('/').pop() ?? '') || 'app'
  return {
    kind: 'go',
    file: 'go.mod',
    name: binary,
    dependencies: [...text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+)\s+v/gm)].map(
      match => match[1]
    ),
    command: `exec ./${binary}`,
    port: 8080,
    packages: ['ca-certificates'],
    notes: [
      'The image compiles nothing: build the binary into the context first,',
      `e.g. CGO_ENABLED=0 go build -o ${binary} .`
    ]
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
  if (line === '') return undefined
  // `exec` only in front of one simple command, so that signals reach the app.
  return /[;&|]/.test(line) || line.startsWith('exec ') ? line : `exec ${line}`
}

// The Debian packages behind a Dockerfile's language base image.
const BASE_IMAGE_PACKAGES: Array<[RegExp, string[]]> = [
  [/^(?:\S+\/)?python:/, ['python3']],
  [/^(?:\S+\/)?node:/, ['nodejs']],
  [/^(?:\S+\/)?(?:elixir|erlang):/, ['elixir', 'erlang-nox']]
]

const SOURCE_EXTENSIONS = /\.(js|mjs|cjs|ts|py|ex|exs|go|rb)$/
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'deps', '_build', 'vendor', 'dist', '.aio'])

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
export function detectProject(dir: string): Project {
  const manifest = [nodeManifest, pythonManifest, elixirManifest, goManifest]
    .map(detect => detect(dir))
    .find(found => found !== undefined)
  const dockerfile = read(dir, 'Dockerfile')
  const found = [manifest?.file, dockerfile === undefined ? undefined : 'Dockerfile'].filter(
    (file): file is string => file !== undefined
  )
  const texts = sources(dir)
  const dockerCommand = dockerfile === undefined ? undefined : dockerfileCommand(dockerfile)
  const exposed = Number(/^\s*EXPOSE\s+(\d+)/im.exec(dockerfile ?? '')?.[1]) || undefined
  const notes = [...(manifest?.notes ?? [])]
  if (dockerfile !== undefined) {
    notes.push(
      'aio-image renders its own Dockerfile: the RUN steps of yours do not run;',
      'what they install belongs in app-packages.'
    )
  }
  if (!manifest && !dockerCommand) notes.push('TODO: the command that starts your app.')
  const baseImage = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/im.exec(dockerfile ?? '')?.[1] ?? ''
  const driver = DATABASE_DRIVERS.find(name =>
    manifest?.dependencies.some(
      dependency => dependency === name || dependency.startsWith(`${name}/`)
    )
  )
  return {
    kind: manifest?.kind ?? (dockerfile === undefined ? 'unknown' : 'dockerfile'),
    found,
    name:
      sanitizeName(manifest?.name ?? '') || sanitizeName(path.basename(path.resolve(dir))) || 'app',
    command: dockerCommand ?? manifest?.command ?? 'exec ./start',
    port: exposed ?? sourcePort(texts) ?? manifest?.port ?? 8000,
    healthPath: healthPath(texts),
    packages:
      manifest?.packages ?? BASE_IMAGE_PACKAGES.find(([re]) => re.test(baseImage))?.[1] ?? [],
    databaseDriver: driver,
    notes
  }
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
    notes: project.notes.map(yamlComment),
    port: project.port,
    healthPath: yamlString(project.healthPath),
    packages: project.packages.map(yamlString).join(', '),
    databaseReason: yamlComment(
      database
        ? `${project.databaseDriver} is among the dependencies`
        : 'no PostgreSQL driver among the dependencies, so none; 17 adds one'
    ),
    postgresVersion: database ? 17 : yamlString('none'),
    maxImageSize: yamlString(database ? '400MB' : '250MB')
  })
}

export class InitError extends Error {}

/**
 * Writes the starter spec for the project in the file's directory. Refuses
 * to replace an existing file unless `force`. The text is validated as the
 * pipeline would read it before anything is written.
 */
export function writeStarterSpec(file: string, force: boolean): Project {
  if (fs.existsSync(file) && !force) {
    throw new InitError(`${file} already exists; use --force to replace it`)
  }
  const dir = path.dirname(file)
  const project = detectProject(dir)
  const text = starterSpec(project)
  // A starter that the pipeline would refuse is a bug here: never write one.
  resolveSpec({
    file: { path: file, fields: YAML.parse(text) as Record<string, unknown> },
    inputs: {},
    workingDir: dir,
    defaultName: project.name
  })
  fs.writeFileSync(file, text)
  return project
}
