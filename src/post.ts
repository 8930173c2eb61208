// The post step: removes every container and volume the run created (found
// by label, so a run cancelled half-way is cleaned up too) and its files.
import fs from 'node:fs'
import * as core from '@actions/core'
import { Docker } from './docker.js'
import { STATE_RUN_ID, STATE_WORK_DIR } from './main.js'
import { removeRunResources } from './pipeline.js'

export async function cleanup(): Promise<void> {
  const runId = core.getState(STATE_RUN_ID)
  const workDir = core.getState(STATE_WORK_DIR)
  try {
    if (runId) {
      const removed = await removeRunResources(new Docker(), runId)
      core.info(
        `removed ${removed.containers.length} container(s) and ${removed.volumes.length} volume(s)`
      )
    }
    if (workDir) await fs.promises.rm(workDir, { recursive: true, force: true })
  } catch (error) {
    // Cleanup must never fail the job; say what was left behind.
    core.warning(`cleanup incomplete: ${error instanceof Error ? error.message : String(error)}`)
  }
}
