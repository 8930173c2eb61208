// The post step: saves a `local` build cache for the next run, removes every
// container and volume the run created (found by label, so a run cancelled
// half-way is cleaned up too), its files, and the toolkit's temp directories.
import fs from 'node:fs'
import * as core from '@actions/core'
import type { LocalCacheState } from '../build/local-cache.js'
import { Docker } from '../engine/docker.js'
import { removeToolkitTempDirs } from '../engine/toolkit.js'
import { actionsCacheStore } from '../engine/actions-cache.js'
import { removeRunResources } from '../pipeline.js'
import { STATE } from './state.js'

/** Saves each image's local build cache unless it was restored under the same key (entries are immutable). */
async function saveLocalCache(): Promise<void> {
  const state = core.getState(STATE.localCache)
  if (!state) return
  for (const local of JSON.parse(state) as LocalCacheState[]) {
    if (local.restoredKey === local.key) {
      core.info(`build cache ${local.key} was restored as it is; not saved again`)
    } else if (fs.existsSync(local.dir)) {
      await actionsCacheStore(core.info).save(local.dir, local.key)
    }
  }
}

/** Post-step work must never fail the job: a failure is a warning saying what was left undone. */
async function neverFailing(what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (error) {
    core.warning(`${what}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export async function cleanup(): Promise<void> {
  const runId = core.getState(STATE.runId)
  const workDir = core.getState(STATE.workDir)
  await neverFailing('cleanup incomplete', async () => {
    if (runId) {
      const removed = await removeRunResources(new Docker(), runId)
      core.info(
        `removed ${removed.containers.length} container(s) and ${removed.volumes.length} volume(s)`
      )
    }
    if (workDir) await fs.promises.rm(workDir, { recursive: true, force: true })
  })
  await neverFailing('build cache not saved', saveLocalCache)
  // Last: the toolkit makes no build files in this process afterwards.
  await neverFailing('toolkit temp directory not removed', async () => {
    const removed = await removeToolkitTempDirs(core.getState(STATE.toolkitTempDir))
    core.info(`removed ${removed.join(', ')}`)
  })
}
