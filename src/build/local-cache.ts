// A `local` build cache between runs: where its directory lives, the key
// it is kept under, its restore from a cache store, and its rotation after
// each build (buildx writes a new one beside the one it read).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { persistentDir, type CacheStore } from '../engine/cache-store.js'
import type { RenderedFile } from '../render/render.js'
import type { Spec } from '../spec/types.js'
import type { CachePlan } from './cache-plan.js'

/** The directory a `local` cache lives in. */
export function localCacheDir(name: string, env: NodeJS.ProcessEnv): string {
  return persistentDir(env, 'buildx', name)
}

// Files whose change means new dependencies, hence new package layers.
const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'requirements.txt',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'go.sum',
  'Cargo.lock',
  'Gemfile.lock',
  'composer.lock',
  'mix.lock'
]

/**
 * The key a `local` cache is saved under: the rendered artifacts (Dockerfile,
 * configuration) and the context's lockfiles, not the app's code. A
 * code-only change keeps the key, and the restored cache still holds every
 * layer but the app's.
 */
export function localCacheKey(name: string, artifacts: readonly RenderedFile[], context: string) {
  const hash = crypto.createHash('sha256')
  for (const file of [...artifacts].sort((a, b) => a.path.localeCompare(b.path)))
    hash.update(`${file.path}\0${file.content}\0`)
  for (const lockfile of LOCKFILES) {
    const file = path.join(context, lockfile)
    if (fs.existsSync(file)) hash.update(`${lockfile}\0`).update(fs.readFileSync(file))
  }
  const prefix = `aio-image-buildx-${name}-`
  return { key: `${prefix}${hash.digest('hex').slice(0, 32)}`, prefix }
}

/**
 * buildx writes a local cache next to the one it read; the new one replaces
 * the old, or old blobs would pile up run after run.
 */
export async function rotateLocalCache(local: CachePlan['local']): Promise<void> {
  if (!local || !fs.existsSync(local.next)) return
  await fs.promises.rm(local.dir, { recursive: true, force: true })
  await fs.promises.rename(local.next, local.dir)
}

/** A `local` build cache: where it is, its key, and the key it was restored from. */
export interface LocalCacheState {
  dir: string
  key: string
  restoredKey?: string
}

/**
 * For a `local` plan: the cache's key, and the cache restored from `store`
 * when there is one (the action's; elsewhere the directory stays on disk).
 */
export async function restoreLocalCache(
  plan: CachePlan,
  spec: Spec,
  artifacts: readonly RenderedFile[],
  store: CacheStore | undefined
): Promise<LocalCacheState | undefined> {
  if (!plan.local) return undefined
  const { key, prefix } = localCacheKey(spec.name, artifacts, spec.context)
  const restoredKey = await store?.restore(plan.local.dir, key, prefix)
  return { dir: plan.local.dir, key, restoredKey }
}
