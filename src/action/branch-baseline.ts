// The baseline of a pull request without an explicit `baseline-report`: the
// report that the last run on a push to the base branch saved in the
// GitHub Actions cache. Runs on pushes to a branch save theirs; pull
// requests restore their base branch's (the cache lets a pull request read
// its base branch's entries).
import fs from 'node:fs'
import path from 'node:path'
import { baselineCacheKey, loadReport, type BaselineInput } from '../baseline/baseline.js'
import { persistentDir, type CacheStore } from '../engine/cache-store.js'

export type BranchEvent = { kind: 'pull-request'; base: string } | { kind: 'push'; branch: string }

/** What the workflow event means for baselines, from the runner's variables. */
export function branchEvent(env: NodeJS.ProcessEnv): BranchEvent | undefined {
  const event = env.GITHUB_EVENT_NAME
  if ((event === 'pull_request' || event === 'pull_request_target') && env.GITHUB_BASE_REF)
    return { kind: 'pull-request', base: env.GITHUB_BASE_REF }
  if (event === 'push' && env.GITHUB_REF?.startsWith('refs/heads/'))
    return { kind: 'push', branch: env.GITHUB_REF.slice('refs/heads/'.length) }
  return undefined
}

/** One directory per image name: the cache entry's path must be the same on save and restore. */
function baselineDir(name: string, env: NodeJS.ProcessEnv): string {
  return persistentDir(env, 'baseline', name)
}

const REPORT_FILE = 'report.json'

/**
 * The baseline for this run: the `baseline-report` file when given (read
 * now, so that a bad one fails before anything is built), else on a pull
 * request the base branch's saved report, or why there is none.
 */
export async function resolveBaseline(
  file: string,
  name: string,
  workingDir: string,
  env: NodeJS.ProcessEnv,
  store: CacheStore
): Promise<BaselineInput | undefined> {
  if (file !== '') {
    return {
      source: file,
      report: loadReport(path.resolve(workingDir, file), 'input `baseline-report`')
    }
  }
  const event = branchEvent(env)
  if (event?.kind !== 'pull-request') return undefined
  const dir = baselineDir(name, env)
  const { key, prefix } = baselineCacheKey(event.base, name, '')
  const restored = await store.restore(dir, key, prefix)
  const saved = path.join(dir, REPORT_FILE)
  if (!restored || !fs.existsSync(saved)) {
    return {
      missing: `no report of \`${name}\` saved for the base branch \`${event.base}\` (runs on pushes to ${event.base} save one${store.available() ? '' : '; the GitHub Actions cache service is not available here'})`
    }
  }
  return {
    source: `branch ${event.base}`,
    report: loadReport(saved, `the report saved for ${event.base}`)
  }
}

/** On a push to a branch, saves this run's report as that branch's baseline. */
export async function saveBranchReport(
  reportPath: string,
  name: string,
  env: NodeJS.ProcessEnv,
  store: CacheStore
): Promise<void> {
  const event = branchEvent(env)
  if (event?.kind !== 'push') return
  const dir = baselineDir(name, env)
  await fs.promises.mkdir(dir, { recursive: true })
  await fs.promises.copyFile(reportPath, path.join(dir, REPORT_FILE))
  const runId = `${env.GITHUB_RUN_ID ?? Date.now()}-${env.GITHUB_RUN_ATTEMPT ?? 1}`
  await store.save(dir, baselineCacheKey(event.branch, name, runId).key)
}
