// The judge stage: the report with its checks (budgets, then runtime
// guarantees) and whether they all passed.
import type { Report } from '../report/model.js'
import type { Spec } from '../spec/types.js'
import { judgeBudgets } from './budgets.js'
import { judgeRuntime } from './runtime.js'

export function judgeReport(report: Report, spec: Spec): Report {
  const checks = [...judgeBudgets(report, spec.budgets), ...judgeRuntime(report)]
  return { ...report, checks, passed: checks.every(check => check.passed) }
}
