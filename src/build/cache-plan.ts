// Which build cache a run uses: the `cache` input, what the builder can
// export and what the environment offers -> buildx --cache-from /
// --cache-to values, with a sentence saying what was chosen and why. Pure.
import type { CacheSummary } from '../report/model.js'
import type { Spec } from '../spec/types.js'
import {
  builderNote,
  classicStoreRemedy,
  dockerDriverOnClassicStore,
  type Builder
} from './builder.js'

export interface CacheEnvironment {
  builder: Builder
  /** The GitHub Actions cache service is there (`@actions/cache` isFeatureAvailable). */
  ghaAvailable: boolean
  /** The installed buildx speaks that service's current API (buildx 0.21 or newer). */
  buildxSpeaksGha: boolean
  /** Where a `local` cache lives between runs. */
  localDir: string
}

export interface CachePlan {
  /** What is used: a mode, or `custom` for raw cache-from / cache-to. */
  used: CacheSummary['used']
  from: string[]
  to: string[]
  /** `--no-cache`: every layer built afresh. */
  noCache: boolean
  /** A `local` cache: buildx reads `dir` and writes `next`, which then replaces `dir`. */
  local?: { dir: string; next: string }
  /** One line for the log and the summary: what was chosen and why. */
  message: string
  /** Requests that could not be honoured, each saying what was used instead. */
  warnings: string[]
}

/** The `type` of a buildx cache value; a bare reference means `registry`. */
export function cacheType(value: string): string {
  const type = value
    .split(',')
    .map(field => field.trim())
    .find(field => field.startsWith('type='))
  return type ? type.slice('type='.length) : 'registry'
}

/** Why a builder exports no cache but inline, for messages. */
function inlineOnlyNote(builder: Builder): string {
  return `${builderNote(builder)}, which exports only inline cache`
}

export function planCache(spec: Spec, env: CacheEnvironment): CachePlan {
  const { cache } = spec
  if (cache.from.length > 0 || cache.to.length > 0) return customPlan(spec, env)
  const warnings: string[] = []
  const exports = !dockerDriverOnClassicStore(env.builder)
  const driverNote = builderNote(env.builder)
  const cannotExport = (request: string, instead: string) =>
    warnings.push(
      `${request} needs a builder that exports cache, but ${inlineOnlyNote(env.builder)}: ${instead}; ${classicStoreRemedy()}`
    )
  // Inline cache travels inside the pushed image: the next build reads it
  // from the first tag, or from cache-ref when one is named.
  const inlineSources = [
    ...(cache.ref ? [cache.ref] : []),
    ...(spec.push && spec.tags.length > 0 ? [spec.tags[0]] : [])
  ]
  const inline = (why: string): CachePlan => ({
    used: 'inline',
    from: inlineSources.map(ref => `type=registry,ref=${ref}`),
    to: ['type=inline'],
    noCache: false,
    message: `inline: ${why}; cache metadata goes into the image${inlineSources.length > 0 ? `, read back from ${inlineSources.join(', ')}` : ' (read back once a tag is pushed)'}`,
    warnings
  })
  const local = (why: string): CachePlan => {
    const next = `${env.localDir}-next`
    return {
      used: 'local',
      from: [`type=local,src=${env.localDir}`],
      to: [`type=local,dest=${next},mode=max`],
      noCache: false,
      local: { dir: env.localDir, next },
      message: `local: ${why}; cache directory ${env.localDir}`,
      warnings
    }
  }
  const gha = (why: string): CachePlan => {
    // One scope per image, so that several images of a repository keep their own cache.
    const scope = `aio-image-${spec.name}`
    return {
      used: 'gha',
      from: [`type=gha,scope=${scope}`],
      to: [`type=gha,scope=${scope},mode=max`],
      noCache: false,
      message: `gha: ${why}; scope ${scope}`,
      warnings
    }
  }

  switch (cache.mode) {
    case 'none':
      return {
        used: 'none',
        from: [],
        to: [],
        noCache: true,
        message: 'none: every layer is built afresh (--no-cache); no cache is read or written',
        warnings
      }
    case 'auto':
      if (exports && env.ghaAvailable && env.buildxSpeaksGha)
        return gha(`auto, on GitHub and ${driverNote}`)
      if (exports && env.ghaAvailable)
        return local(
          `auto, on GitHub but this buildx is older than 0.21, which the GitHub Actions cache service needs, and ${driverNote}`
        )
      if (exports) return local(`auto, no GitHub Actions cache service here and ${driverNote}`)
      return inline(`auto, ${inlineOnlyNote(env.builder)}`)
    case 'gha':
      if (!exports) {
        cannotExport('cache: gha', 'using inline cache instead')
        return inline(`gha requested, ${driverNote}`)
      }
      if (!env.ghaAvailable) {
        warnings.push(
          'cache: gha needs the GitHub Actions cache service, which is not available here; using a local cache directory instead'
        )
        return local('gha requested, no GitHub Actions cache service here')
      }
      return gha('requested')
    case 'local':
      if (!exports) {
        cannotExport('cache: local', 'using inline cache instead')
        return inline(`local requested, ${driverNote}`)
      }
      return local('requested')
    case 'registry': {
      const ref = cache.ref as string
      if (!exports) {
        cannotExport(
          `cache: registry export to ${ref}`,
          `reading ${ref} and writing inline cache into the image instead`
        )
        return inline(`registry requested, ${driverNote}`)
      }
      return {
        used: 'registry',
        from: [`type=registry,ref=${ref}`],
        to: [`type=registry,ref=${ref},mode=max`],
        noCache: false,
        message: `registry: requested; cache image ${ref}`,
        warnings
      }
    }
    case 'inline':
      return inline('requested')
  }
}

/** Raw cache-from / cache-to, less what the builder cannot do. */
function customPlan(spec: Spec, env: CacheEnvironment): CachePlan {
  const warnings: string[] = []
  if (spec.cache.mode !== 'auto')
    warnings.push(`cache: ${spec.cache.mode} is ignored: cache-from / cache-to are given`)
  let to = spec.cache.to
  if (dockerDriverOnClassicStore(env.builder)) {
    const unsupported = to.filter(value => cacheType(value) !== 'inline')
    for (const value of unsupported) {
      warnings.push(
        `cache-to ${value}: ${inlineOnlyNote(env.builder)}: using type=inline instead; ${classicStoreRemedy()}`
      )
    }
    if (unsupported.length > 0) to = ['type=inline']
  }
  return {
    used: 'custom',
    from: spec.cache.from,
    to,
    noCache: false,
    message: `custom: cache-from ${spec.cache.from.join('; ') || '(none)'}, cache-to ${to.join('; ') || '(none)'}`,
    warnings
  }
}
