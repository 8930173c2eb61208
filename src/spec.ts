// One validated, typed spec from aio.yml and the action inputs. Everything
// after this module trusts the Spec: every string in it has passed the
// schema's patterns, so later stages only escape, never re-validate.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import YAML from 'yaml'
import { SCHEMA_FILE } from './paths.js'
import { parseDuration, parseSize } from './units.js'

export type Supervisor = 'supervisord' | 's6'

export interface PostgresSpec {
  version: number
  extensions: string[]
  /** ICU data carried: only what PostgreSQL uses, or all of it. */
  icu: 'slim' | 'full'
  /** Database and role of the app; the role logs in by peer over the socket. */
  database: string
  role: string
}

export type CacheMode = 'auto' | 'gha' | 'local' | 'registry' | 'inline' | 'none'

export interface CacheSpec {
  mode: CacheMode
  /** Image reference of the registry cache. */
  ref?: string
  /** Raw buildx values; either one given overrides `mode`. */
  from: string[]
  to: string[]
}

export interface Budgets {
  maxImageSize?: number
  maxStartupTime?: number
  maxIdleMemory?: number
}

export interface Spec {
  name: string
  /** Absolute path of the build context, copied to /app. */
  context: string
  baseImage: string
  app: {
    command: string
    port: number
    packages: string[]
    healthPath: string
  }
  /** Absent with `postgres-version: none`. */
  postgres?: PostgresSpec
  supervisor: Supervisor
  tags: string[]
  /** Push the tags when, and only when, every check passed. */
  push: boolean
  /** Platforms to build and push; empty means the native one only. */
  platforms: string[]
  cache: CacheSpec
  buildArgs: Record<string, string>
  verify: boolean
  runEnv: Record<string, string>
  /** Bytes and milliseconds. */
  budgets: Budgets
  idleSettle: number
  failOnBudget: boolean
}

export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `invalid spec:\n- ${problems.join('\n- ')}`)
  }
}

type RawSpec = Record<string, unknown>

// Names that say "secret": such values must never become build arguments.
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL/i

interface SchemaProperty {
  description?: string
}

const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as {
  properties: Record<string, SchemaProperty>
}
const validateSchema = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  schema
)

/** What the schema allows in a field (its `description`), e.g. for help texts. */
export function fieldDescription(field: string): string | undefined {
  return schema.properties[field]?.description
}

/** The spec file to read: the `config` input, else aio.yml in `dir` if present. */
export function findSpecFile(config: string, dir: string): string | undefined {
  if (config !== '') {
    const file = path.resolve(dir, config)
    if (!fs.existsSync(file)) {
      throw new SpecError([
        `input \`config\`: ${JSON.stringify(config)} does not exist; expected the path of a spec file such as aio.yml`
      ])
    }
    return file
  }
  const fallback = path.join(dir, 'aio.yml')
  return fs.existsSync(fallback) ? fallback : undefined
}

export function readSpecFile(file: string): RawSpec {
  let parsed: unknown
  try {
    parsed = YAML.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new SpecError([`${path.basename(file)}: not valid YAML: ${(error as Error).message}`])
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SpecError([
      `${path.basename(file)}: expected a mapping of fields, found ${Array.isArray(parsed) ? 'a list' : typeof parsed}`
    ])
  }
  return parsed as RawSpec
}

export interface SpecSources {
  /** Fields from the spec file, and the file's path (paths in it are relative to its directory). */
  file?: { path: string; fields: RawSpec }
  /** Fields from action inputs or CLI flags; relative paths are relative to `workingDir`. */
  inputs: RawSpec
  workingDir: string
  /** Name used when neither source sets one: the repository's or directory's name. */
  defaultName: string
}

/** Merges, validates and normalises; throws SpecError listing every problem. */
export function resolveSpec(sources: SpecSources): Spec {
  const fileName = sources.file ? path.basename(sources.file.path) : 'aio.yml'
  const fileFields = sources.file?.fields ?? {}
  const raw: RawSpec = { ...fileFields, ...sources.inputs }
  const describe = (field: string): string =>
    field in sources.inputs ? `input \`${field}\`` : `${fileName} field \`${field}\``

  const problems = schemaProblems(raw, describe, fileName)
  if (typeof raw['app-command'] !== 'string') {
    problems.push(
      `input \`app-command\` is required (or \`app-command\` in ${fileName}): one line of shell that starts the app`
    )
  }
  const name = raw.name ?? sanitizeName(sources.defaultName)
  if (name === '') {
    problems.push(
      `input \`name\` is required here: no usable default from ${JSON.stringify(sources.defaultName)}`
    )
  }
  for (const key of Object.keys(envRecord(raw['build-args']))) {
    if (SECRET_NAME.test(key)) {
      problems.push(
        `${describe('build-args')}: ${key} looks like a secret, and build arguments are recorded in the image's history; pass secrets to the container at run time instead (POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE or run-time environment)`
      )
    }
  }
  if (raw.verify === false) {
    for (const field of ['max-startup-time', 'max-idle-memory']) {
      if (raw[field] !== undefined)
        problems.push(`${describe(field)}: needs the image booted, but verify is false`)
    }
  }
  if (raw.cache === 'registry' && raw['cache-ref'] === undefined) {
    problems.push(
      `${describe('cache')}: registry needs \`cache-ref\`, the image reference that holds the cache`
    )
  }
  if (problems.length > 0) throw new SpecError(problems)

  const baseDir =
    'context' in sources.inputs || !sources.file
      ? sources.workingDir
      : path.dirname(sources.file.path)
  return normalize(raw, name as string, baseDir, describe)
}

function schemaProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  fileName: string
): string[] {
  if (validateSchema(raw)) return []
  // Ajv reports several errors for one bad field (e.g. each anyOf branch);
  // users want one line per field saying what is allowed.
  const byField = new Map<string, ErrorObject>()
  const problems: string[] = []
  for (const error of validateSchema.errors ?? []) {
    if (error.keyword === 'additionalProperties') {
      const unknown = String(error.params.additionalProperty)
      problems.push(
        `${fileName}: unknown field \`${unknown}\`; known fields: ${Object.keys(schema.properties)
          .filter(k => k !== '$schema')
          .join(', ')}`
      )
      continue
    }
    const field = error.instancePath.split('/')[1]
    if (field && !byField.has(field)) byField.set(field, error)
  }
  for (const field of byField.keys()) {
    const allowed = fieldDescription(field) ?? 'a valid value'
    problems.push(`${describe(field)}: ${preview(raw[field])} is not allowed; expected ${allowed}`)
  }
  return problems
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** A repository or directory name turned into a valid image name, or ''. */
export function sanitizeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
}

/** PostgreSQL identifiers for the app: the name with '-' and '.' made '_'. */
export function sqlIdentifier(name: string): string {
  return name.replace(/[-.]/g, '_')
}

function envRecord(value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (Array.isArray(value)) {
    return Object.fromEntries(
      (value as string[]).map(entry => {
        const at = entry.indexOf('=')
        return [entry.slice(0, at), entry.slice(at + 1)]
      })
    )
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)])
  )
}

function normalize(
  raw: RawSpec,
  name: string,
  baseDir: string,
  describe: (field: string) => string
): Spec {
  const context = path.resolve(baseDir, (raw.context as string | undefined) ?? '.')
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
    throw new SpecError([
      `${describe('context')}: ${JSON.stringify(raw.context ?? '.')} is not a directory (resolved to ${context})`
    ])
  }
  const version = String(raw['postgres-version'] ?? '17')
  const identifier = sqlIdentifier(name)
  const size = (field: string) =>
    raw[field] === undefined ? undefined : parseSize(raw[field] as string)
  const duration = (field: string) =>
    raw[field] === undefined ? undefined : parseDuration(raw[field] as string)
  return {
    name,
    context,
    baseImage: (raw['base-image'] as string | undefined) ?? 'debian:trixie-slim',
    app: {
      command: raw['app-command'] as string,
      port: (raw['app-port'] as number | undefined) ?? 8000,
      packages: (raw['app-packages'] as string[] | undefined) ?? [],
      healthPath: (raw['health-path'] as string | undefined) ?? '/health'
    },
    postgres:
      version === 'none'
        ? undefined
        : {
            version: Number(version),
            extensions: (raw['postgres-extensions'] as string[] | undefined) ?? [],
            icu: (raw['postgres-icu'] as 'slim' | 'full' | undefined) ?? 'slim',
            database: identifier,
            role: identifier
          },
    supervisor: (raw.supervisor as Supervisor | undefined) ?? 'supervisord',
    tags: (raw.tags as string[] | undefined) ?? [`${name}:latest`],
    push: (raw.push as boolean | undefined) ?? false,
    platforms: (raw.platforms as string[] | undefined) ?? [],
    cache: {
      mode: (raw.cache as CacheMode | undefined) ?? 'auto',
      ref: raw['cache-ref'] as string | undefined,
      from: (raw['cache-from'] as string[] | undefined) ?? [],
      to: (raw['cache-to'] as string[] | undefined) ?? []
    },
    buildArgs: envRecord(raw['build-args']),
    verify: (raw.verify as boolean | undefined) ?? true,
    runEnv: envRecord(raw['run-env']),
    budgets: {
      maxImageSize: size('max-image-size'),
      maxStartupTime: duration('max-startup-time'),
      maxIdleMemory: size('max-idle-memory')
    },
    idleSettle: duration('idle-settle') ?? 10_000,
    failOnBudget: (raw['fail-on-budget'] as boolean | undefined) ?? true
  }
}
