// The action's front end: inputs -> Spec -> pipeline -> outputs, summary,
// pull-request comment and the step's verdict. Exported as run() so that
// `npx @github/local-action` can drive it too.
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { resolveBaseline, saveBranchReport } from './branch-baseline.js'
import { commentOnPullRequest } from './comment.js'
import { Docker } from './docker.js'
import { loadSpec } from './inputs.js'
import { actionsCacheStore } from './persist.js'
import { runPipeline, type PipelineResult, type Ui } from './pipeline.js'
import { summaryMarkdown, verdict } from './report.js'
import type { Spec } from './spec.js'
import { formatSeconds } from './units.js'

export const STATE_RUN_ID = 'run-id'
export const STATE_WORK_DIR = 'work-dir'
/** The local build cache to save in the post step (JSON of LocalCacheState). */
export const STATE_LOCAL_CACHE = 'local-cache'

const actionUi: Ui = {
  group: core.group,
  info: core.info,
  warning: core.warning,
  detail: core.info
}

/** The spec from the action's inputs and, when present, its spec file. */
export function specFromInputs(workingDir: string, env: NodeJS.ProcessEnv): Spec {
  return loadSpec(
    name => core.getInput(name),
    workingDir,
    env.GITHUB_REPOSITORY?.split('/')[1] ?? path.basename(workingDir)
  )
}

function setOutputs(result: PipelineResult): void {
  const { figures } = result
  const optional = (value: number | undefined, format: (v: number) => string) =>
    value === undefined ? '' : format(value)
  core.setOutput('image-id', result.imageId)
  core.setOutput('digest', result.report.push?.pushed ? (result.report.push.digest ?? '') : '')
  core.setOutput('image-size', String(figures.imageSize))
  core.setOutput('compressed-size', String(figures.compressedSize))
  core.setOutput('startup-time', optional(figures.startupMs, formatSeconds))
  core.setOutput('restart-time', optional(figures.restartMs, formatSeconds))
  core.setOutput('idle-memory', optional(figures.idleMemoryMax, String))
  core.setOutput('build-time', figures.buildSeconds.toFixed(3))
  core.setOutput('passed', String(result.report.passed))
  core.setOutput('report', result.reportPath)
  core.setOutput('rendered-dir', result.renderedDir)
}

/**
 * Fails the step for failed checks and a failed push; budget misses only
 * warn with fail-on-budget: false.
 */
function judge(result: PipelineResult, spec: Spec): void {
  const { failures, warnings } = verdict(result.report, spec.failOnBudget)
  for (const warning of warnings) core.warning(warning)
  if (failures.length > 0) core.setFailed(failures.join('\n'))
}

export async function run(): Promise<void> {
  try {
    const runId = crypto.randomBytes(6).toString('hex')
    const workDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `aio-image-${runId}`)
    // Saved first, so the post step can clean up whatever happens next.
    core.saveState(STATE_RUN_ID, runId)
    core.saveState(STATE_WORK_DIR, workDir)

    const token = core.getInput('github-token')
    if (token) core.setSecret(token)
    const spec = specFromInputs(process.cwd(), process.env)
    const store = actionsCacheStore(core.info)
    const baseline = await resolveBaseline(
      core.getInput('baseline-report'),
      spec.name,
      process.cwd(),
      process.env,
      store
    )
    const result = await runPipeline({
      spec,
      docker: new Docker(),
      ui: actionUi,
      workDir,
      runId,
      builder: core.getInput('builder') || undefined,
      cacheStore: store,
      baseline
    })
    if (result.localCache) core.saveState(STATE_LOCAL_CACHE, JSON.stringify(result.localCache))
    setOutputs(result)
    const summary = summaryMarkdown(result.report)
    await core.summary.addRaw(summary).write()
    await saveBranchReport(result.reportPath, spec.name, process.env, store)
    await commentOnPullRequest(token, spec.name, summary, actionUi)
    judge(result, spec)
  } catch (error) {
    core.setOutput('passed', 'false')
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
