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
 * The Debian packages of the build stage: the server, the extensions, and
 * the tools that slim ICU's data (binutils, icu-devtools) when asked to.
 */
export function postgresPackages(postgres: PostgresSpec): string[] {
  const major = postgres.version
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
