// What a report means for the run: which failed checks fail it (runtime
// checks always, budgets unless fail-on-budget is false, a failed push) and
// which only warn. Both front ends judge by it.
import type { Check, Report } from './model.js'

/** The failed checks split by consequence: `fatal` fail the run, `advisory` only warn. */
export function failedChecks(
  checks: readonly Check[],
  failOnBudget: boolean
): { fatal: Check[]; advisory: Check[] } {
  const failed = checks.filter(check => !check.passed)
  const isFatal = (check: Check) => check.kind === 'runtime' || failOnBudget
  return { fatal: failed.filter(isFatal), advisory: failed.filter(check => !isFatal(check)) }
}

/** One line for a failed check: what, the figure, the budget and by how much. */
export function describeFailure(check: Check): string {
  return `${check.title}: ${check.actual}${check.budget ? ` (budget ${check.budget})` : ''}${check.detail ? `, ${check.detail}` : ''}`
}

export function verdict(
  report: Report,
  failOnBudget: boolean
): { failures: string[]; warnings: string[] } {
  const { fatal, advisory } = failedChecks(report.checks, failOnBudget)
  const failures = fatal.map(describeFailure)
  if (report.push?.failed) failures.push(report.push.reason ?? 'push failed')
  return { failures, warnings: advisory.map(describeFailure) }
}
