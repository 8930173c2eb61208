// One validated, typed spec from aio.yml and the action inputs. Everything
// after this module trusts the Spec: every string in it has passed the
// schema's patterns, so later stages only escape, never re-validate.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import YAML from 'yaml'
import { SCHEMA_FILE } from '../paths.js'
import { parseDuration, parseSize } from './units.js'

export type Supervisor = 'supervisord' | 's6'

export type RoleAttribute = 'CREATEDB' | 'CREATEROLE' | 'REPLICATION' | 'BYPASSRLS'
export const ROLE_ATTRIBUTES: readonly RoleAttribute[] = [
  'CREATEDB',
  'CREATEROLE',
  'REPLICATION',
  'BYPASSRLS'
]

export interface PostgresSpec {
  version: number
  extensions: string[]
  /** ICU data carried: only what PostgreSQL uses, or all of it. */
  icu: 'slim' | 'full'
  /** Database and role of the app; the role logs in by peer over the socket. */
  database: string
  role: string
  roleAttributes: RoleAttribute[]
  /** postgresql.conf settings on top of the image's own, values as text. */
  settings: Record<string, string>
  /** Absolute paths of SQL files run once at first boot, in this order. */
  initSql: string[]
}

/** A Docker build stage whose results are copied into the image. */
export interface BuildStage {
  name: string
  from: string
  /** Absolute path of the directory copied to /build in the stage. */
  context: string
  packages: string[]
  commands: string[]
  /** `from` relative to /build in the stage, `to` absolute in the image. */
  copy: Array<{ from: string; to: string }>
}

export interface NginxSpec {
  /** Static files served at /, or absent: everything goes to the app. */
  root?: string
  /** Path prefixes proxied to the app. */
  proxy: string[]
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
  /** The variant of the spec file this image is, when it has variants. */
  variant?: string
  /** Absolute path of the build context, copied to /app. */
  context: string
  baseImage: string
  app: {
    command: string
    port: number
    packages: string[]
    healthPath: string
    /** Non-secret environment written into the image. */
    env: Record<string, string>
    /** Run before the app at every start, as the app. */
    migrateCommand?: string
  }
  /** Absent with `postgres-version: none`. */
  postgres?: PostgresSpec
  supervisor: Supervisor
  buildStages: BuildStage[]
  /** Absolute path of a PEM file that build stages trust (not copied into the image). */
  buildCaCertificates?: string
  /** nginx in front of the app; the app then listens on a Unix socket. */
  nginx?: NginxSpec
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
const validateSchema = new Ajv({
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  verbose: true
}).compile(schema)

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
  /** With a spec file that has variants: the one to build; every one when absent. */
  variant?: string
}

/** How a field is named in messages, and what its relative paths are relative to. */
interface FieldOrigins {
  describe(field: string): string
  baseDir(field: string): string
}

/**
 * One spec, for front ends and tests that build one image; a spec file with
 * several variants needs `variant` here.
 */
export function resolveSpec(sources: SpecSources): Spec {
  const specs = resolveSpecs(sources)
  if (specs.length !== 1) {
    throw new SpecError([
      `${specFileName(sources)} has ${specs.length} variants (${specs.map(s => s.variant).join(', ')}): select one with \`variant\``
    ])
  }
  return specs[0]
}

/**
 * Merges, validates and normalises: one Spec, or one per variant. Inputs
 * override a variant's fields, which replace the file's. Throws SpecError
 * listing every problem.
 */
export function resolveSpecs(sources: SpecSources): Spec[] {
  const fileName = specFileName(sources)
  const { variants, ...fileFields } = sources.file?.fields ?? {}
  const problems = new Set<string>()
  const resolved: Array<{ raw: RawSpec; origins: FieldOrigins; variant?: string }> = []
  for (const [variant, variantFields] of selectVariants(variants, sources.variant, fileName)) {
    const from = (field: string) =>
      field in sources.inputs ? 'input' : field in variantFields ? 'variant' : 'file'
    const origins: FieldOrigins = {
      describe: field =>
        ({
          input: `input \`${field}\``,
          variant: `${fileName} variants.${variant} field \`${field}\``,
          file: `${fileName} field \`${field}\``
        })[from(field)],
      baseDir: field =>
        from(field) === 'input' || !sources.file
          ? sources.workingDir
          : path.dirname(sources.file.path)
    }
    const raw: RawSpec = { ...fileFields, ...variantFields, ...sources.inputs }
    const baseName = raw.name ?? sanitizeName(sources.defaultName)
    if (variant !== undefined) {
      // A variant is its own image: named after the spec and the variant unless it says otherwise.
      raw.name = variantFields.name ?? `${String(baseName)}-${variant}`
      if ('variants' in variantFields)
        problems.add(`${fileName} variants.${variant}: variants cannot have variants`)
    }
    for (const problem of fieldProblems(raw, origins.describe, fileName, sources.defaultName))
      problems.add(problem)
    resolved.push({ raw: { ...raw, name: raw.name ?? baseName }, origins, variant })
  }
  if (problems.size > 0) throw new SpecError([...problems])

  const specs = resolved.map(({ raw, origins, variant }) => ({
    ...normalize(raw, origins),
    ...(variant === undefined ? {} : { variant })
  }))
  const taggedBy = new Map<string, string>()
  for (const spec of specs) {
    for (const tag of spec.tags) {
      const other = taggedBy.get(tag)
      if (other !== undefined)
        problems.add(
          `tag ${tag} would name both ${other} and ${spec.name}: give each variant its own \`tags\``
        )
      taggedBy.set(tag, spec.name)
    }
  }
  if (problems.size > 0) throw new SpecError([...problems])
  return specs
}

function specFileName(sources: SpecSources): string {
  return sources.file ? path.basename(sources.file.path) : 'aio.yml'
}

/** The variants to resolve: [undefined, {}] for a spec without variants. */
function selectVariants(
  variants: unknown,
  wanted: string | undefined,
  fileName: string
): Array<[string | undefined, RawSpec]> {
  if (variants === undefined) {
    if (wanted !== undefined)
      throw new SpecError([
        `input \`variant\`: ${JSON.stringify(wanted)} is not allowed; ${fileName} has no variants`
      ])
    return [[undefined, {}]]
  }
  const shape = schemaProblems({ variants }, field => `${fileName} field \`${field}\``, fileName)
  if (shape.length > 0) throw new SpecError(shape)
  const all = Object.entries(variants as Record<string, RawSpec>)
  if (wanted === undefined) return all
  const chosen = all.filter(([name]) => name === wanted)
  if (chosen.length === 0)
    throw new SpecError([
      `input \`variant\`: ${JSON.stringify(wanted)} is not allowed; expected one of the variants in ${fileName}: ${all.map(([name]) => name).join(', ')}`
    ])
  return chosen
}

/** Everything wrong with one merged spec, before anything is normalised. */
function fieldProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  fileName: string,
  defaultName: string
): string[] {
  const problems = schemaProblems(raw, describe, fileName)
  if (typeof raw['app-command'] !== 'string') {
    problems.push(
      `input \`app-command\` is required (or \`app-command\` in ${fileName}): one line of shell that starts the app`
    )
  }
  if ((raw.name ?? sanitizeName(defaultName)) === '') {
    problems.push(
      `input \`name\` is required here: no usable default from ${JSON.stringify(defaultName)}`
    )
  }
  // Both end up in the image for anyone who pulls it: never secrets.
  const bakedIn: Array<[string, string]> = [
    ['build-args', "build arguments are recorded in the image's history"],
    ['app-env', "app-env is written into the image's configuration"]
  ]
  for (const [field, where] of bakedIn) {
    for (const key of Object.keys(envRecord(raw[field]))) {
      if (SECRET_NAME.test(key)) {
        problems.push(
          `${describe(field)}: ${key} looks like a secret, and ${where}; pass secrets to the container at run time instead (POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE or run-time environment)`
        )
      }
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
  const stageNames = ((raw['build-stages'] as RawBuildStage[] | undefined) ?? []).map(
    stage => stage?.name
  )
  for (const [index, stageName] of stageNames.entries()) {
    if (stageNames.indexOf(stageName) !== index)
      problems.push(
        `${describe('build-stages')}: two stages are named ${JSON.stringify(stageName)}`
      )
  }
  if (raw['postgres-version'] === 'none') {
    for (const field of POSTGRES_FIELDS) {
      if (raw[field] !== undefined)
        problems.push(
          `${describe(field)}: needs the embedded database, but postgres-version is none`
        )
    }
  }
  return problems
}

// Fields that describe the embedded database, meaningless without it.
const POSTGRES_FIELDS = [
  'postgres-extensions',
  'postgres-database',
  'postgres-role',
  'postgres-role-attributes',
  'postgres-settings',
  'init-sql'
]

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
    const [field, ...inside] = error.instancePath.split('/').slice(1)
    if (error.keyword === 'additionalProperties' && inside.length === 0 && !field) {
      const unknown = String(error.params.additionalProperty)
      problems.push(
        `${fileName}: unknown field \`${unknown}\`; known fields: ${Object.keys(schema.properties)
          .filter(k => k !== '$schema')
          .join(', ')}`
      )
      continue
    }
    if (field && !byField.has(field)) byField.set(field, error)
  }
  for (const [field, error] of byField) {
    const allowed = fieldDescription(field) ?? 'a valid value'
    const inside = error.instancePath.split('/').slice(2)
    if (inside.length === 0) {
      problems.push(
        `${describe(field)}: ${preview(raw[field])} is not allowed; expected ${allowed}`
      )
      continue
    }
    // Deep in a structured field: say where, and what is allowed right there.
    const where = `${field}${inside.map(key => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`)).join('')}`
    const value = inside.reduce<unknown>(
      (parent, key) => (parent as Record<string, unknown>)[key],
      raw[field]
    )
    const here = (error.parentSchema as SchemaProperty | undefined)?.description ?? allowed
    problems.push(
      error.keyword === 'additionalProperties'
        ? `${describe(field)}: unknown key \`${String(error.params.additionalProperty)}\` in ${where}; expected ${here}`
        : `${describe(field)}: ${where} ${preview(value)} is not allowed; expected ${here}`
    )
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

/** KEY=VALUE lists and mappings alike, as a record of strings. */
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

/** A path from the spec resolved against its origin; throws unless it is a `kind`. */
function existingPath(
  relative: string,
  baseDir: string,
  kind: 'directory' | 'file',
  describeValue: string
): string {
  const resolved = path.resolve(baseDir, relative)
  const stat = fs.statSync(resolved, { throwIfNoEntry: false })
  if (!(kind === 'directory' ? stat?.isDirectory() : stat?.isFile())) {
    throw new SpecError([
      `${describeValue}: ${JSON.stringify(relative)} is not a ${kind} (resolved to ${resolved})`
    ])
  }
  return resolved
}

interface RawBuildStage {
  name: string
  from?: string
  context?: string
  packages?: string[]
  commands: string[]
  copy: Array<{ from: string; to: string }>
}

function normalize(raw: RawSpec, origins: FieldOrigins): Spec {
  const { describe, baseDir } = origins
  const name = raw.name as string
  const context = existingPath(
    (raw.context as string | undefined) ?? '.',
    baseDir('context'),
    'directory',
    describe('context')
  )
  const baseImage = (raw['base-image'] as string | undefined) ?? 'debian:trixie-slim'
  const version = String(raw['postgres-version'] ?? '17')
  const identifier = sqlIdentifier(name)
  const size = (field: string) =>
    raw[field] === undefined ? undefined : parseSize(raw[field] as string)
  const duration = (field: string) =>
    raw[field] === undefined ? undefined : parseDuration(raw[field] as string)
  const stages = (raw['build-stages'] as RawBuildStage[] | undefined) ?? []
  const nginx = raw.nginx as { root?: string; proxy?: string[] } | undefined
  return {
    name,
    context,
    baseImage,
    app: {
      command: raw['app-command'] as string,
      port: (raw['app-port'] as number | undefined) ?? 8000,
      packages: (raw['app-packages'] as string[] | undefined) ?? [],
      healthPath: (raw['health-path'] as string | undefined) ?? '/health',
      env: envRecord(raw['app-env']),
      migrateCommand: raw['migrate-command'] as string | undefined
    },
    postgres:
      version === 'none'
        ? undefined
        : {
            version: Number(version),
            extensions: (raw['postgres-extensions'] as string[] | undefined) ?? [],
            icu: (raw['postgres-icu'] as 'slim' | 'full' | undefined) ?? 'slim',
            database: (raw['postgres-database'] as string | undefined) ?? identifier,
            role: (raw['postgres-role'] as string | undefined) ?? identifier,
            roleAttributes: (raw['postgres-role-attributes'] as RoleAttribute[] | undefined) ?? [],
            settings: envRecord(raw['postgres-settings']),
            initSql: ((raw['init-sql'] as string[] | undefined) ?? []).map(file =>
              existingPath(file, baseDir('init-sql'), 'file', describe('init-sql'))
            )
          },
    supervisor: (raw.supervisor as Supervisor | undefined) ?? 'supervisord',
    buildStages: stages.map((stage, index) => ({
      name: stage.name,
      from: stage.from ?? baseImage,
      context:
        stage.context === undefined
          ? context
          : existingPath(
              stage.context,
              baseDir('build-stages'),
              'directory',
              `${describe('build-stages')} build-stages[${index}].context`
            ),
      packages: stage.packages ?? [],
      commands: stage.commands,
      copy: stage.copy
    })),
    buildCaCertificates:
      raw['build-ca-certificates'] === undefined
        ? undefined
        : existingPath(
            raw['build-ca-certificates'] as string,
            baseDir('build-ca-certificates'),
            'file',
            describe('build-ca-certificates')
          ),
    nginx: nginx && { root: nginx.root, proxy: nginx.proxy ?? [] },
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
