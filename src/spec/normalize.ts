// A validated raw spec -> the Spec: defaults filled in from one table,
// paths resolved against where each field came from, units converted.
import { DEFAULTS } from './defaults.js'
import { containedPath, type PathBoundary } from './paths.js'
import { parseDuration, parseSize } from './units.js'
import { PACKAGE_MANAGERS, projectDependencies } from './runtimes.js'
import { buildSecrets } from './secrets.js'
import {
  SpecError,
  type CacheMode,
  type Dependencies,
  type PackageManager,
  type Runtime,
  type RawSpec,
  type RoleAttribute,
  type Spec,
  type Supervisor
} from './types.js'

/** How a field is named in messages, what its relative paths are relative to, and where they may lead. */
export interface FieldOrigins {
  describe(field: string): string
  baseDir(field: string): string
  boundary(field: string): PathBoundary
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

interface RawBuildStage {
  name: string
  from?: string
  context?: string
  packages?: string[]
  runtime?: Runtime
  'package-manager'?: PackageManager
  caches?: string[]
  commands: string[]
  copy: Array<{ from: string; to: string }>
}

/** The dependencies of the project in `dir`, when a runtime or package manager is named. */
function dependencies(
  dir: string,
  runtime: Runtime | undefined,
  packageManager: PackageManager | undefined,
  field: string
): Dependencies | undefined {
  const named = runtime ?? (packageManager && PACKAGE_MANAGERS[packageManager].runtime)
  if (named === undefined) return undefined
  const found = projectDependencies(dir, named, packageManager, field)
  if (typeof found === 'string') throw new SpecError([found])
  return found
}

export function normalize(given: RawSpec, origins: FieldOrigins): Spec {
  const { describe } = origins
  const specPath = (field: string, value: string, kind: 'directory' | 'file', described: string) =>
    containedPath(value, origins.baseDir(field), kind, origins.boundary(field), described)
  const raw: RawSpec = { ...DEFAULTS, ...given }
  const name = raw.name as string
  const context = specPath('context', raw.context as string, 'directory', describe('context'))
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
      migrateCommand: raw['migrate-command'] as string | undefined,
      dependencies: dependencies(
        context,
        raw['app-runtime'] as Runtime | undefined,
        raw['app-package-manager'] as PackageManager | undefined,
        describe(raw['app-runtime'] === undefined ? 'app-package-manager' : 'app-runtime')
      ),
      buildPackages: (raw['app-build-packages'] as string[] | undefined) ?? []
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
              specPath('init-sql', file, 'file', describe('init-sql'))
            ),
            upgradeFrom: [
              ...new Set(
                ((raw['postgres-upgrade-from'] as Array<number | string> | undefined) ?? []).map(
                  Number
                )
              )
            ].sort((a, b) => a - b)
          },
    supervisor: raw.supervisor as Supervisor,
    buildStages: stages.map((stage, index) => {
      const stageContext =
        stage.context === undefined
          ? context
          : specPath(
              'build-stages',
              stage.context,
              'directory',
              `${describe('build-stages')} build-stages[${index}].context`
            )
      return {
        name: stage.name,
        from: stage.from ?? baseImage,
        context: stageContext,
        packages: stage.packages ?? [],
        dependencies: dependencies(
          stageContext,
          stage.runtime,
          stage['package-manager'],
          `${describe('build-stages')} build-stages[${index}].runtime`
        ),
        caches: stage.caches ?? [],
        commands: stage.commands,
        copy: stage.copy
      }
    }),
    // Held to the same boundary as every path: build stages COPY it, and their
    // commands, from the same spec file, could print it into the log or copy
    // it into the image. The runner's CA bundle, outside any checkout, is
    // machine configuration and is named as an input, which may name it.
    buildCaCertificates:
      raw['build-ca-certificates'] === undefined
        ? undefined
        : specPath(
            'build-ca-certificates',
            raw['build-ca-certificates'] as string,
            'file',
            describe('build-ca-certificates')
          ),
    nginx: nginx && { root: nginx.root, proxy: nginx.proxy ?? [] },
    tags: ((raw.tags as string[] | undefined) ?? [`${name}:latest`]).map(lowerCaseRepository),
    push: raw.push as boolean,
    platforms: (raw.platforms as string[] | undefined) ?? [],
    cache: {
      mode: raw.cache as CacheMode,
      ref: raw['cache-ref'] as string | undefined,
      from: (raw['cache-from'] as string[] | undefined) ?? [],
      to: (raw['cache-to'] as string[] | undefined) ?? []
    },
    buildArgs: envRecord(raw['build-args']),
    buildPush: {
      labels: envRecord(raw.labels),
      annotations: (raw.annotations as string[] | undefined) ?? [],
      provenance: optionalText(raw.provenance),
      sbom: optionalText(raw.sbom),
      noCache: raw['no-cache'] as boolean,
      pull: raw.pull as boolean,
      addHosts: (raw['add-hosts'] as string[] | undefined) ?? [],
      secrets: buildSecrets(raw, (file, id) =>
        specPath('secret-files', file, 'file', `${describe('secret-files')} secret ${id}`)
      ),
      ssh: (raw.ssh as string[] | undefined) ?? [],
      network: raw.network as string | undefined
    },
    verify: raw.verify as boolean,
    verifyHardened: raw['verify-hardened'] as boolean,
    upgradeFrom:
      raw['upgrade-from'] === undefined
        ? undefined
        : lowerCaseRepository(raw['upgrade-from'] as string),
    runEnv: envRecord(raw['run-env']),
    budgets: {
      maxImageSize: size('max-image-size'),
      maxStartupTime: seconds(duration('max-startup-time')),
      maxIdleMemory: size('max-idle-memory'),
      // An upgrade is a start users wait for like a first boot: the startup budget holds unless it has its own.
      maxUpgradeTime: seconds(duration('max-upgrade-time') ?? duration('max-startup-time'))
    },
    idleSettle: duration('idle-settle') as number,
    failOnBudget: raw['fail-on-budget'] as boolean
  }
}

/** A boolean or text field (provenance: true, mode=max) as text, or undefined. */
function optionalText(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value)
}

/**
 * An image reference with its repository lower-cased, registry host and
 * tag as given: ghcr.io/Acme/App:V1 -> ghcr.io/acme/app:V1. GitHub owners
 * may have capitals (`ghcr.io/${{ github.repository }}`), registries refuse
 * them, and docker/metadata-action lower-cases image names the same way.
 * The first component is a host when Docker takes it for one: it holds a
 * '.' or a ':', or is localhost.
 */
export function lowerCaseRepository(reference: string): string {
  // A digest (upgrade-from's name@sha256:...) is kept as it is, after the tag.
  const digestAt = reference.indexOf('@')
  if (digestAt !== -1)
    return lowerCaseRepository(reference.slice(0, digestAt)) + reference.slice(digestAt)
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  const tagAt = colon > slash ? colon : reference.length
  const name = reference.slice(0, tagAt)
  const first = name.indexOf('/')
  const head = first === -1 ? '' : name.slice(0, first)
  const hostEnd = /[.:]/.test(head) || head === 'localhost' ? first + 1 : 0
  return name.slice(0, hostEnd) + name.slice(hostEnd).toLowerCase() + reference.slice(tagAt)
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000
}
