// The action's front end: inputs -> Spec -> pipeline -> outputs, summary,
// pull-request comment and the step's verdict. Exported as run() so that
// `npx @github/local-action` can drive it too.
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { resolveBaseline, saveBranchReport } from './branch-baseline.js'
import { commentOnPullRequest } from './comment.js'
import type { LocalCacheState } from '../build/cache.js'
import { Docker } from '../engine/docker.js'
import { loadSpecs } from '../spec/inputs.js'
import { actionsCacheStore } from '../engine/cache-store.js'
import { removeRunResources, runPipeline, type PipelineResult, type Ui } from '../pipeline.js'
import { summaryMarkdown, verdict } from '../report/report.js'
import type { Spec } from '../spec/spec.js'
import { formatSeconds } from '../spec/units.js'

export const STATE_RUN_ID = 'run-id'
export const STATE_WORK_DIR = 'work-dir'
/** The local build caches to save in the post step (JSON of LocalCacheState[], one per image). */
export const STATE_LOCAL_CACHE = 'local-cache'

const actionUi: Ui = {
  group: core.group,
  info: core.info,
  warning: core.warning,
  detail: core.info
}

/** The specs from the action's inputs and, when present, its spec file: one, or one per variant. */
export function specsFromInputs(workingDir: string, env: NodeJS.ProcessEnv): Spec[] {
  return loadSpecs(
    name => core.getInput(name),
    workingDir,
    env.GITHUB_REPOSITORY?.split('/')[1] ?? path.basename(workingDir)
  )
}

/** The step outputs that describe one image. */
export function imageOutputs(result: PipelineResult): Record<string, string> {
  const { figures } = result
  const optional = (value: number | undefined, format: (v: number) => string) =>
    value === undefined ? '' : format(value)
  return {
    'image-id': result.imageId,
    digest: result.report.push?.pushed ? (result.report.push.digest ?? '') : '',
    'image-size': String(figures.imageSize),
    'compressed-size': String(figures.compressedSize),
    'startup-time': optional(figures.startupMs, formatSeconds),
    'restart-time': optional(figures.restartMs, formatSeconds),
    'idle-memory': optional(figures.idleMemoryMax, String),
    'build-time': figures.buildSeconds.toFixed(3),
    passed: String(result.report.passed),
    report: result.reportPath,
    'rendered-dir': result.renderedDir
  }
}

/**
 * One image: its outputs as the step's. Several (variants): the step's
 * `variants` output maps each variant to its outputs, and `passed` is
 * true only when every image passed.
 */
function setOutputs(results: ReadonlyArray<{ spec: Spec; result: PipelineResult }>): void {
  if (results.length === 1) {
    for (const [name, value] of Object.entries(imageOutputs(results[0].result)))
      core.setOutput(name, value)
    return
  }
  const variants = Object.fromEntries(
    results.map(({ spec, result }) => [spec.variant, imageOutputs(result)])
  )
  core.setOutput('variants', JSON.stringify(variants))
  core.setOutput('passed', String(results.every(({ result }) => result.report.passed)))
}

/**
 * Fails the step for failed checks and a failed push; budget misses only
 * warn with fail-on-budget: false.
 */
function judge(results: ReadonlyArray<{ spec: Spec; result: PipelineResult }>): void {
  const failures: string[] = []
  for (const { spec, result } of results) {
    // With several images, each line says which one it is about.
    const image = results.length > 1 ? `${spec.name}: ` : ''
    const outcome = verdict(result.report, spec.failOnBudget)
    for (const warning of outcome.warnings) core.warning(`${image}${warning}`)
    failures.push(...outcome.failures.map(failure => `${image}${failure}`))
  }
  if (failures.length > 0) core.setFailed(failures.join('\n'))
}

export async function run(): Promise<void> {
  const runId = crypto.randomBytes(6).toString('hex')
  const workDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `aio-image-${runId}`)
  // Saved first, so the post step can clean up whatever happens next.
  core.saveState(STATE_RUN_ID, runId)
  core.saveState(STATE_WORK_DIR, workDir)
  try {
    const token = core.getInput('github-token')
    if (token) core.setSecret(token)
    // Bad input fails here, before any docker command.
    const specs = specsFromInputs(process.cwd(), process.env)
    const results = await withRunResourcesRemoved(runId, () =>
      buildEach(specs, runId, workDir, token)
    )
    setOutputs(results)
    judge(results)
  } catch (error) {
    core.setOutput('passed', 'false')
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}

/**
 * Runs `work`, then removes the run's containers and volumes however it
 * ended: they are done with once measured. The post step removes them again
 * for a run cancelled before that, and `npx @github/local-action` runs no
 * post step at all.
 */
async function withRunResourcesRemoved<T>(runId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } finally {
    await removeRunResources(new Docker(), runId).catch((error: Error) =>
      core.warning(`could not remove this run's containers and volumes: ${error.message}`)
    )
  }
}

/** Each image through the pipeline, with its summary, branch report and PR comment. */
async function buildEach(
  specs: Spec[],
  runId: string,
  workDir: string,
  token: string
): Promise<Array<{ spec: Spec; result: PipelineResult }>> {
  const store = actionsCacheStore(core.info)
  const results: Array<{ spec: Spec; result: PipelineResult }> = []
  const localCaches: LocalCacheState[] = []
  // Variants one after the other: they share the build cache and the machine.
  for (const spec of specs) {
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
      workDir: spec.variant && specs.length > 1 ? path.join(workDir, spec.variant) : workDir,
      runId,
      builder: core.getInput('builder') || undefined,
      cacheStore: store,
      baseline
    })
    results.push({ spec, result })
    if (result.localCache) {
      localCaches.push(result.localCache)
      core.saveState(STATE_LOCAL_CACHE, JSON.stringify(localCaches))
    }
    const summary = summaryMarkdown(result.report)
    // Runners always set it; `npx @github/local-action` only when .env does.
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write()
    else
      core.info(
        `no job summary here (GITHUB_STEP_SUMMARY is not set); the report is ${result.reportPath}`
      )
    await saveBranchReport(result.reportPath, spec.name, process.env, store)
    await commentOnPullRequest(token, spec.name, summary, actionUi)
  }
  return results
}
