// The Spec: the one validated, typed description of an image that every
// stage after spec/ trusts. Every string in it has passed the schema's
// patterns, so later stages only escape, never re-validate.

/** The base images an image can be built on, as errors name them. */
export const SUPPORTED_BASES =
  'Debian- and Ubuntu-based images (e.g. debian:trixie-slim, debian:bookworm-slim, ubuntu:24.04)'

/** An environment variable name, as the shells and Dockerfile ENV take it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

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
  /** Older majors whose data directory the image upgrades at boot, ascending. */
  upgradeFrom: number[]
}

/** A Docker build stage whose results are copied into the image. */
export interface BuildStage {
  name: string
  from: string
  /** Absolute path of the directory copied to /build in the stage. */
  context: string
  packages: string[]
  /** Its dependencies, installed with all dev dependencies before the commands run. */
  dependencies?: Dependencies
  /** Absolute directories each command sees as a BuildKit cache mount. */
  caches: string[]
  commands: string[]
  /** `from` relative to /build in the stage (or absolute), `to` absolute in the image. */
  copy: Array<{ from: string; to: string }>
}

export type Runtime = 'python' | 'node' | 'elixir' | 'go'
export type PackageManager =
  'pip' | 'uv' | 'poetry' | 'npm' | 'pnpm' | 'yarn' | 'bun' | 'mix' | 'go'

/**
 * A project's dependencies as its own package manager installs them, frozen
 * to its lockfile (see spec/runtimes.ts for how each is found).
 */
export interface Dependencies {
  runtime: Runtime
  packageManager: PackageManager
  /**
   * The lockfile and manifests found in the project, relative to it: copied
   * and installed before the rest, so that a code-only change reuses the
   * installed dependencies.
   */
  files: string[]
}

/** A build secret as docker/build-push-action's secrets, secret-files and secret-envs give it. */
export interface BuildSecret {
  /** Also the environment variable the install step sees it as. */
  id: string
  /** secrets: the value; secret-files: a file's path; secret-envs: an environment variable's name. */
  source: { kind: 'value' | 'file' | 'env'; value: string }
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

/**
 * What docker/build-push-action offers under the same input names, for
 * users who feed both from docker/metadata-action.
 */
export interface BuildPushSpec {
  /** On top of the image's own labels; these win on the same key. */
  labels: Record<string, string>
  /** buildx --annotation values; they live in the pushed manifests. */
  annotations: string[]
  /** true, false or buildx's attributes (mode=max); absent: buildx's default. */
  provenance?: string
  sbom?: string
  noCache: boolean
  pull: boolean
  /** host:ip, as buildx --add-host takes them. */
  addHosts: string[]
  /** Mounted into the dependency install steps only, never in a layer. */
  secrets: BuildSecret[]
  /** buildx --ssh values (default, or id=path): an SSH agent socket or keys for the install steps. */
  ssh: string[]
  /** buildx --network for the RUN steps (default, host, none); absent: buildx's default. */
  network?: string
}

export interface Budgets {
  maxImageSize?: number
  maxStartupTime?: number
  maxIdleMemory?: number
  /** On the upgrade check's boot to ready: max-upgrade-time, else max-startup-time. */
  maxUpgradeTime?: number
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
    /** Installed by the app's own package manager from its lockfile, or absent. */
    dependencies?: Dependencies
    /** Debian packages of the dependency install's stage only. */
    buildPackages: string[]
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
  /** docker/build-push-action's inputs of the same names. */
  buildPush: BuildPushSpec
  verify: boolean
  /** With verify: one more boot under the hardened profile, as an arbitrary non-root uid. */
  verifyHardened: boolean
  /**
   * With verify and a database: the image users run today, whose data this
   * image must take over (the upgrade check); a reference the engine has or
   * pulls.
   */
  upgradeFrom?: string
  runEnv: Record<string, string>
  /** Bytes and seconds, the units of the report. */
  budgets: Budgets
  idleSettle: number
  failOnBudget: boolean
}

export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `invalid spec:\n- ${problems.join('\n- ')}`)
  }
}

/** Spec fields as the file or the inputs give them, before validation. */
export type RawSpec = Record<string, unknown>
