// What Debian packages an embedded PostgreSQL and its extensions come from.
import type { PostgresSpec } from '../spec/types.js'

// Extensions shipped inside postgresql-MAJOR itself (contrib).
const CONTRIB = new Set([
  'amcheck',
  'autoinc',
  'bloom',
  'btree_gin',
  'btree_gist',
  'citext',
  'cube',
  'dblink',
  'dict_int',
  'dict_xsyn',
  'earthdistance',
  'file_fdw',
  'fuzzystrmatch',
  'hstore',
  'insert_username',
  'intagg',
  'intarray',
  'isn',
  'lo',
  'ltree',
  'moddatetime',
  'pageinspect',
  'pg_buffercache',
  'pg_freespacemap',
  'pg_prewarm',
  'pg_stat_statements',
  'pg_surgery',
  'pg_trgm',
  'pg_visibility',
  'pg_walinspect',
  'pgcrypto',
  'pgrowlocks',
  'pgstattuple',
  'plpgsql',
  'postgres_fdw',
  'refint',
  'seg',
  'sslinfo',
  'tablefunc',
  'tcn',
  'tsm_system_rows',
  'tsm_system_time',
  'unaccent',
  'uuid-ossp',
  'xml2'
])

// Extensions whose Debian package is not postgresql-MAJOR-<name>.
const PACKAGE_SUFFIX: Record<string, string> = {
  vector: 'pgvector',
  postgis: 'postgis-3',
  pg_cron: 'cron',
  pg_repack: 'repack',
  pg_partman: 'partman',
  pg_hint_plan: 'pg-hint-plan',
  plpgsql_check: 'plpgsql-check'
}

// Extensions that only work when loaded at server start.
const NEEDS_PRELOAD = new Set(['pg_cron', 'pgaudit', 'pg_stat_statements'])

/**
 * The Debian packages of a build stage of PostgreSQL `major` (the image's own
 * by default): the server, the extensions, and the tools that slim ICU's
 * data (binutils, icu-devtools) when asked to.
 */
export function postgresPackages(postgres: PostgresSpec, major = postgres.version): string[] {
  const packages = [`postgresql-${major}`]
  if (postgres.icu === 'slim') packages.push('binutils', 'icu-devtools')
  for (const extension of postgres.extensions) {
    if (CONTRIB.has(extension)) continue
    const suffix = PACKAGE_SUFFIX[extension] ?? extension.replace(/_/g, '-')
    packages.push(`postgresql-${major}-${suffix}`)
  }
  return [...new Set(packages)]
}

/** The libraries to list in shared_preload_libraries for these extensions. */
export function preloadLibraries(extensions: readonly string[]): string[] {
  return extensions.filter(extension => NEEDS_PRELOAD.has(extension))
}

// What the image carries of its own major: the server, what its scripts and
// `aio` run, and, when it upgrades, pg_upgrade with every tool pg_upgrade
// checks the new major's directory for (vacuumdb among them).
const SERVER_BINARIES = [
  'postgres',
  'initdb',
  'pg_ctl',
  'pg_isready',
  'psql',
  'pg_dump',
  'pg_dumpall',
  'pg_restore',
  'pg_controldata',
  'pg_resetwal'
]
const UPGRADE_TOOLS = ['pg_upgrade', 'vacuumdb']
// Of an older major, pg_upgrade runs only these.
const UPGRADE_SOURCE_BINARIES = ['postgres', 'pg_ctl', 'pg_controldata', 'pg_resetwal']

/**
 * The Debian release that ships each major an image can upgrade from (the
 * schema's postgres-upgrade-from enum): its slim image is where that major's
 * server binaries come from, maintained by Debian's security team.
 */
export const UPGRADE_SOURCE_RELEASES: Readonly<Record<number, string>> = {
  15: 'bookworm',
  17: 'trixie'
}

// Where the final stage mounts an older major's server to copy it in: the
// layer's instruction names it, so the report can always show that layer.
const UPGRADE_SOURCE_MOUNT = '/run/aio-upgrade-from-postgres-'

/** The mount of `major`'s server in the instruction of the layer that copies it in. */
export const upgradeSourceMount = (major: number): string => `${UPGRADE_SOURCE_MOUNT}${major}`

/** Whether a layer's instruction is the one that copies an older major's server in. */
export const isUpgradeSourceLayer = (createdBy: string): boolean =>
  createdBy.includes(UPGRADE_SOURCE_MOUNT)

/** The binaries of the image's own major that its PostgreSQL stage collects. */
export function serverBinaries(postgres: PostgresSpec): string[] {
  return postgres.upgradeFrom.length > 0 ? [...SERVER_BINARIES, ...UPGRADE_TOOLS] : SERVER_BINARIES
}

export interface UpgradeSource {
  major: number
  release: string
  mount: string
  image: string
  packages: string[]
  binaries: string[]
}

/** One build stage per older major the image upgrades from. */
export function upgradeSources(postgres: PostgresSpec): UpgradeSource[] {
  return postgres.upgradeFrom.map(major => {
    const release = UPGRADE_SOURCE_RELEASES[major]
    return {
      major,
      release,
      mount: upgradeSourceMount(major),
      image: `debian:${release}-slim`,
      packages: postgresPackages(postgres, major),
      binaries: UPGRADE_SOURCE_BINARIES
    }
  })
}
