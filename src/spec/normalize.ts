// A validated raw spec -> the Spec: defaults filled in from one table,
// paths resolved against where each field came from, units converted.
import fs from 'node:fs'
import path from 'node:path'
import { DEFAULTS } from './defaults.js'
import { parseDuration, parseSize } from './units.js'
import {
  SpecError,
  type CacheMode,
  type RawSpec,
  type RoleAttribute,
  type Spec,
  type Supervisor
} from './types.js'

/** How a field is named in messages, and what its relative paths are relative to. */
export interface FieldOrigins {
  describe(field: string): string
  baseDir(field: string): string
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
export function envRecord(value: unknown): Record<string, string> {
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

export function normalize(given: RawSpec, origins: FieldOrigins): Spec {
  const { describe, baseDir } = origins
  const raw: RawSpec = { ...DEFAULTS, ...given }
  const name = raw.name as string
  const context = existingPath(
    raw.context as string,
    baseDir('context'),
    'directory',
    describe('context')
  )
  const baseImage = raw['base-image'] as string
  const version = String(raw['postgres-version'])
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
      port: raw['app-port'] as number,
      packages: (raw['app-packages'] as string[] | undefined) ?? [],
      healthPath: raw['health-path'] as string,
      env: envRecord(raw['app-env']),
      migrateCommand: raw['migrate-command'] as string | undefined
    },
    postgres:
      version === 'none'
        ? undefined
        : {
            version: Number(version),
            extensions: (raw['postgres-extensions'] as string[] | undefined) ?? [],
            icu: raw['postgres-icu'] as 'slim' | 'full',
            database: (raw['postgres-database'] as string | undefined) ?? identifier,
            role: (raw['postgres-role'] as string | undefined) ?? identifier,
            roleAttributes: (raw['postgres-role-attributes'] as RoleAttribute[] | undefined) ?? [],
            settings: envRecord(raw['postgres-settings']),
            initSql: ((raw['init-sql'] as string[] | undefined) ?? []).map(file =>
              existingPath(file, baseDir('init-sql'), 'file', describe('init-sql'))
            )
          },
    supervisor: raw.supervisor as Supervisor,
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
    push: raw.push as boolean,
    platforms: (raw.platforms as string[] | undefined) ?? [],
    cache: {
      mode: raw.cache as CacheMode,
      ref: raw['cache-ref'] as string | undefined,
      from: (raw['cache-from'] as string[] | undefined) ?? [],
      to: (raw['cache-to'] as string[] | undefined) ?? []
    },
    buildArgs: envRecord(raw['build-args']),
    verify: raw.verify as boolean,
    verifyHardened: raw['verify-hardened'] as boolean,
    runEnv: envRecord(raw['run-env']),
    budgets: {
      maxImageSize: size('max-image-size'),
      maxStartupTime: seconds(duration('max-startup-time')),
      maxIdleMemory: size('max-idle-memory')
    },
    idleSettle: duration('idle-settle') as number,
    failOnBudget: raw['fail-on-budget'] as boolean
  }
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000
}
