// A previous run's JSON report as the baseline of this one: loading it,
// and the change of each figure (size, compressed size, first boot, restart,
// idle memory). Pure apart from reading the file.
import fs from 'node:fs'
import { REPORT_VERSION, type Report } from '../report/report.js'

export type DeltaUnit = 'bytes' | 'memory' | 'seconds'

export interface Delta {
  title: string
  unit: DeltaUnit
  baseline: number
  current: number
  /** current - baseline, in the unit's base (bytes or seconds). */
  change: number
  /** Change relative to the baseline, in percent; absent when the baseline is 0. */
  percent?: number
}

export type BaselineComparison =
  | { source: string; deltas: Delta[] }
  /** No baseline: why, e.g. none saved for the base branch yet. */
  | { missing: string }

/** A baseline handed to the pipeline: a report and where it came from, or why there is none. */
export type BaselineInput = { source: string; report: Report } | { missing: string }

export class BaselineError extends Error {}

/** Reads a report written by aio-image; throws BaselineError naming `what` (the input). */
export function loadReport(file: string, what: string): Report {
  const fail = (problem: string): never => {
    throw new BaselineError(
      `${what}: ${JSON.stringify(file)} ${problem}; expected the JSON report of an earlier aio-image run (its \`report\` output)`
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    return fail(`cannot be read as JSON (${(error as Error).message.split('\n')[0]})`)
  }
  const report = parsed as Partial<Report> | null
  if (
    report?.version !== REPORT_VERSION ||
    typeof report.image?.size !== 'number' ||
    typeof report.image.compressedSize !== 'number'
  ) {
    return fail(`is not a version ${REPORT_VERSION} report`)
  }
  return report as Report
}

interface Metric {
  title: string
  unit: DeltaUnit
  value: (report: Report) => number | undefined
}

const METRICS: readonly Metric[] = [
  { title: 'image size', unit: 'bytes', value: r => r.image.size },
  { title: 'compressed size', unit: 'bytes', value: r => r.image.compressedSize },
  { title: 'first boot to ready', unit: 'seconds', value: r => r.startup?.firstBoot },
  { title: 'restart to ready', unit: 'seconds', value: r => r.startup?.restart },
  { title: 'idle memory (max)', unit: 'memory', value: r => r.memory?.idle.max }
]

/** The change of every figure both reports have. */
export function compareReports(current: Report, baseline: Report): Delta[] {
  const deltas: Delta[] = []
  for (const metric of METRICS) {
    const now = metric.value(current)
    const before = metric.value(baseline)
    if (now === undefined || before === undefined) continue
    const change =
      metric.unit === 'seconds' ? Math.round((now - before) * 1000) / 1000 : now - before
    deltas.push({
      title: metric.title,
      unit: metric.unit,
      baseline: before,
      current: now,
      change,
      percent: before === 0 ? undefined : Math.round((change / before) * 1000) / 10
    })
  }
  return deltas
}

export function compareWithBaseline(current: Report, input: BaselineInput): BaselineComparison {
  return 'missing' in input
    ? { missing: input.missing }
    : { source: input.source, deltas: compareReports(current, input.report) }
}

/**
 * Cache keys of the report saved by runs on pushes to a branch: one entry
 * per run (cache entries cannot be overwritten), found again by prefix,
 * which restores the newest.
 */
export function baselineCacheKey(branch: string, name: string, runId: string) {
  const prefix = `aio-image-report-${branch}-${name}-`
  return { key: `${prefix}${runId}`, prefix }
}
