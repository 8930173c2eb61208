// A previous run's JSON report as the baseline of this one: loading it,
// and the change of each figure (size, compressed size, first boot, restart,
// idle memory). Pure apart from reading the file.
import fs from 'node:fs'
import { FIGURES } from '../report/figures.js'
import {
  REPORT_VERSION,
  type BaselineComparison,
  type Delta,
  type Report
} from '../report/model.js'

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

/** The change of every compared figure that both reports have. */
export function compareReports(current: Report, baseline: Report): Delta[] {
  const deltas: Delta[] = []
  for (const figure of FIGURES) {
    if (!figure.compared) continue
    const now = figure.value(current)
    const before = figure.value(baseline)
    if (now === undefined || before === undefined) continue
    const change =
      figure.unit === 'seconds' ? Math.round((now - before) * 1000) / 1000 : now - before
    deltas.push({
      title: figure.title,
      unit: figure.unit,
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
