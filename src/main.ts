// The action's front end: inputs -> Spec -> pipeline -> outputs, summary and
// the step's verdict. Exported as run() so that `npx @github/local-action`
// can drive it too.
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { describeFailure, failedChecks } from './budgets.js'
import { Docker } from './docker.js'
import { loadSpec } from './inputs.js'
import { runPipeline, type PipelineResult, type Ui } from './pipeline.js'
import { summaryMarkdown } from './report.js'
import type { Spec } from './spec.js'
import { formatSeconds } from './units.js'

export const STATE_RUN_ID = 'run-id'
export const STATE_WORK_DIR = 'work-dir'

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

/** Fails the step for failed checks; budget misses only warn with fail-on-budget: false. */
function judge(result: PipelineResult, spec: Spec): void {
  const { fatal, advisory } = failedChecks(result.report.checks, spec.failOnBudget)
  for (const check of advisory) core.warning(describeFailure(check))
  if (fatal.length > 0) core.setFailed(fatal.map(describeFailure).join('\n'))
}

export async function run(): Promise<void> {
  try {
    const runId = crypto.randomBytes(6).toString('hex')
    const workDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `aio-image-${runId}`)
    // Saved first, so the post step can clean up whatever happens next.
    core.saveState(STATE_RUN_ID, runId)
    core.saveState(STATE_WORK_DIR, workDir)

    const spec = specFromInputs(process.cwd(), process.env)
    const result = await runPipeline({ spec, docker: new Docker(), ui: actionUi, workDir, runId })
    setOutputs(result)
    await core.summary.addRaw(summaryMarkdown(result.report)).write()
    judge(result, spec)
  } catch (error) {
    core.setOutput('passed', 'false')
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
