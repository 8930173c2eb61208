// The GitHub Actions cache (@actions/cache) as a CacheStore: the local build
// cache and the base branch's report between workflow runs. Outside GitHub,
// or when the service fails, nothing is restored or saved and the run goes
// on: persistence is an optimisation, never a reason to fail. Only the action
// imports this, so the CLI's bundle carries no Actions cache SDK.
import * as cache from '@actions/cache'
import type { CacheStore } from './cache-store.js'

/** The GitHub Actions cache; `log` hears what happened (or why nothing did). */
export function actionsCacheStore(log: (message: string) => void): CacheStore {
  // `npx @github/local-action` swaps @actions/cache for a stub without
  // isFeatureAvailable: that is no cache service either.
  const serviceAvailable = () =>
    typeof cache.isFeatureAvailable === 'function' && cache.isFeatureAvailable()
  const unavailable = (what: string) => {
    if (serviceAvailable()) return false
    log(`${what}: the GitHub Actions cache service is not available here; skipped`)
    return true
  }
  return {
    available: serviceAvailable,
    async restore(dir, key, prefix) {
      if (unavailable(`restore ${dir}`)) return undefined
      try {
        const restored = await cache.restoreCache([dir], key, [prefix])
        log(restored ? `restored ${dir} from cache ${restored}` : `no cache for ${prefix}*`)
        return restored
      } catch (error) {
        log(`restore ${dir} failed, going on without it: ${(error as Error).message}`)
        return undefined
      }
    },
    async save(dir, key) {
      if (unavailable(`save ${dir}`)) return
      try {
        await cache.saveCache([dir], key)
        log(`saved ${dir} as cache ${key}`)
      } catch (error) {
        // e.g. another job saved the same key first
        log(`save ${dir} as ${key} skipped: ${(error as Error).message}`)
      }
    }
  }
}
