// Directories kept between runs: where they live on this machine, and the
// store that carries them between workflow runs (the GitHub Actions cache,
// engine/actions-cache.ts, handed in by the action; the CLI has none and
// simply keeps the directories on disk).
import os from 'node:os'
import path from 'node:path'

/**
 * A directory of aio-image's own that stays put between runs on one machine
 * (and keeps the same path, which a GitHub Actions cache entry requires).
 */
export function persistentDir(env: NodeJS.ProcessEnv, ...parts: string[]): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'aio-image', ...parts)
}

export interface CacheStore {
  available(): boolean
  /** Restores `dir` from `key`, else from the newest entry starting with `prefix`; the key restored, or undefined. */
  restore(dir: string, key: string, prefix: string): Promise<string | undefined>
  save(dir: string, key: string): Promise<void>
}
