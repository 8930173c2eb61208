// The action's front end: inputs -> Spec -> pipeline -> outputs, summary,
// pull-request comment and the step's verdict. Exported as run() so that
// `npx @github/local-action` can drive it too.
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import type { LocalCacheState } from '../build/local-cache.js'
import { actionsCacheStore } from '../engine/actions-cache.js'
import type { CacheStore } from '../engine/cache-store.js'
import { Docker } from '../engine/docker.js'
import { toolkitTempDir } from '../engine/toolkit.js'
import { removeRunResources, runPipeline, type PipelineResult } from '../pipeline.js'
import { FIGURES, outputValue } from '../report/figures.js'
import { summaryMarkdown } from '../report/markdown.js'
import { verdict } from '../report/verdict.js'
import { loadSpecs } from '../spec/inputs.js'
import type { Spec } from '../spec/types.js'
import type { Ui } from '../ui.js'
import { resolveBaseline, saveBranchReport } from './branch-baseline.js'
import { commentOnPullRequest } from './comment.js'
import { STATE } from './state.js'

const actionUi: Ui = {
  group: core.group,
  info: core.info,
  warning: core.warning,
  detail: core.info
}

/** The specs from the action's inputs and, when present, its spec file: one, or one per variant. */
export function specsFromInputs(workingDir: string, env: NodeJS.ProcessEnv): Spec[] {
  return loadSpecs(
    (name, options) => core.getInput(name, options),
    workingDir,
    env.GITHUB_REPOSITORY?.split('/')[1] ?? path.basename(workingDir)
  )
}

/**
 * Masks, in every later line of the log (the build's included), the values
 * of the specs' build secrets that this process holds: `secrets`' own and
 * `secret-envs`' from the environment. No spec error before it shows them.
 */
function maskBuildSecrets(specs: readonly Spec[], env: NodeJS.ProcessEnv): void {
  for (const { source } of specs.flatMap(spec => spec.buildPush.secrets)) {
    const value =
      source.kind === 'value' ? source.value : source.kind === 'env' ? env[source.value] : ''
    // The runner masks line by line: each line of a value (a PEM key) on its own.
    for (const line of (value ?? '').split(/\r?\n/)) if (line.trim() !== '') core.setSecret(line)
  }
}

/** The step outputs that describe one image: its figures (from the one figure table) and where its files are. */
export function imageOutputs(result: PipelineResult): Record<string, string> {
  const { report } = result
  const figures = FIGURES.filter(figure => figure.output).map(figure => {
    const value = figure.value(report)
    return [figure.id, value === undefined ? '' : outputValue(figure.unit, value)]
  })
  return {
    'image-id': result.imageId,
    // docker/build-push-action's names for the same, for workflows that move over.
    imageid: result.imageId,
    metadata: JSON.stringify(result.metadata),
    digest: report.push?.pushed ? (report.push.digest ?? '') : '',
    ...Object.fromEntries(figures),
    passed: String(report.passed),
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

/** Every action input that is not a spec field, read once by run(). */
interface ActionInputs {
  token: string
  builder?: string
  baselineReport: string
}

export async function run(): Promise<void> {
  const runId = crypto.randomBytes(6).toString('hex')
  const env = process.env
  const workDir = path.join(env.RUNNER_TEMP || os.tmpdir(), `aio-image-${runId}`)
  // Saved first, so the post step can clean up whatever happens next.
  core.saveState(STATE.runId, runId)
  core.saveState(STATE.workDir, workDir)
  core.saveState(STATE.toolkitTempDir, toolkitTempDir())
  try {
    const inputs: ActionInputs = {
      token: core.getInput('github-token'),
      builder: core.getInput('builder') || undefined,
      baselineReport: core.getInput('baseline-report')
    }
    if (inputs.token) core.setSecret(inputs.token)
    // Bad input fails here, before any docker command.
    const specs = specsFromInputs(process.cwd(), env)
    maskBuildSecrets(specs, env)
    const results = await withRunResourcesRemoved(runId, () =>
      buildEach(specs, { runId, workDir, env, inputs, store: actionsCacheStore(core.info) })
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

interface RunContext {
  runId: string
  workDir: string
  env: NodeJS.ProcessEnv
  inputs: ActionInputs
  store: CacheStore
}

/** Each image through the pipeline, with its summary, branch report and PR comment. */
async function buildEach(
  specs: Spec[],
  { runId, workDir, env, inputs, store }: RunContext
): Promise<Array<{ spec: Spec; result: PipelineResult }>> {
  const results: Array<{ spec: Spec; result: PipelineResult }> = []
  const localCaches: LocalCacheState[] = []
  // Variants one after the other: they share the build cache and the machine.
  for (const spec of specs) {
    const baseline = await resolveBaseline(
      inputs.baselineReport,
      spec.name,
      process.cwd(),
      env,
      store
    )
    const result = await runPipeline({
      spec,
      docker: new Docker(),
      ui: actionUi,
      env,
      workDir: spec.variant && specs.length > 1 ? path.join(workDir, spec.variant) : workDir,
      runId,
      builder: inputs.builder,
      cacheStore: store,
      baseline
    })
    results.push({ spec, result })
    if (result.localCache) {
      localCaches.push(result.localCache)
      core.saveState(STATE.localCache, JSON.stringify(localCaches))
    }
    const summary = summaryMarkdown(result.report)
    // Runners always set it; `npx @github/local-action` only when .env does.
    if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write()
    else
      core.info(
        `no job summary here (GITHUB_STEP_SUMMARY is not set); the report is ${result.reportPath}`
      )
    await saveBranchReport(result.reportPath, spec.name, env, store)
    await commentOnPullRequest(inputs.token, spec.name, summary, env, actionUi)
  }
  return results
}
