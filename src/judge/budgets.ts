// Figures against budgets, and the runtime checks every image must pass.
// Pure: no Docker, no files.
import type { Budgets } from '../spec/spec.js'
import { formatBytes, formatMemory, formatSeconds } from '../spec/units.js'

export interface Figures {
  imageSize: number
  compressedSize: number
  buildSeconds: number
  /** The action's own time: its wall time minus the build and the container waits it measures. */
  overheadSeconds: number
  /** Absent when verification was turned off. */
  startupMs?: number
  restartMs?: number
  idleMemoryMax?: number
  idleMemoryMedian?: number
  stopSeconds?: number
  cleanDatabaseShutdown?: boolean
  /** Absent without a database, as is cleanDatabaseShutdown. */
  dataKeptAfterRestart?: boolean
  listeningPorts?: number[]
  expectedPorts?: number[]
}

export interface Check {
  /** Stable identifier: the budget input's name, or the runtime check's. */
  id: string
  /** Budgets can be made advisory (fail-on-budget: false); runtime checks cannot. */
  kind: 'budget' | 'runtime'
  title: string
  /** Human budget, e.g. "300.0 MB"; absent for pass/fail checks. */
  budget?: string
  actual: string
  passed: boolean
  /** Why it failed, e.g. "over by 12.3 MB (4.1%)". */
  detail?: string
}

interface BudgetRule {
  id: keyof Budgets
  input: string
  title: string
  actual: (figures: Figures) => number | undefined
  format: (value: number) => string
}

const BUDGET_RULES: readonly BudgetRule[] = [
  {
    id: 'maxImageSize',
    input: 'max-image-size',
    title: 'Image size',
    actual: f => f.imageSize,
    format: formatBytes
  },
  {
    id: 'maxStartupTime',
    input: 'max-startup-time',
    title: 'First boot to ready',
    actual: f => f.startupMs,
    format: ms => `${formatSeconds(ms)} s`
  },
  {
    id: 'maxIdleMemory',
    input: 'max-idle-memory',
    title: 'Idle memory (max)',
    actual: f => f.idleMemoryMax,
    format: formatMemory
  }
]

// docker stop waits 10 s before SIGKILL; a stop must end well inside it.
const STOP_LIMIT_SECONDS = 10

export function judgeBudgets(figures: Figures, budgets: Budgets): Check[] {
  const checks: Check[] = []
  for (const rule of BUDGET_RULES) {
    const budget = budgets[rule.id]
    if (budget === undefined) continue
    // Budgets on boot figures need verify: true; the spec refuses them otherwise.
    const actual = rule.actual(figures)
    if (actual === undefined) continue
    const passed = actual <= budget
    const over = actual - budget
    checks.push({
      id: rule.input,
      kind: 'budget',
      title: rule.title,
      budget: rule.format(budget),
      actual: rule.format(actual),
      passed,
      detail: passed
        ? undefined
        : `over by ${rule.format(over)} (${((over / budget) * 100).toFixed(1)}%)`
    })
  }
  return checks
}

/** Runtime guarantees checked on every verified image, budget or not. */
export function judgeRuntime(figures: Figures): Check[] {
  if (figures.stopSeconds === undefined) return []
  const stopInTime = figures.stopSeconds < STOP_LIMIT_SECONDS
  const checks: Check[] = [
    {
      id: 'graceful-stop',
      kind: 'runtime',
      title: 'Graceful stop',
      budget: `< ${STOP_LIMIT_SECONDS} s`,
      actual: `${figures.stopSeconds.toFixed(3)} s`,
      passed: stopInTime,
      detail: stopInTime ? undefined : 'docker stop had to kill the container'
    }
  ]
  if (figures.cleanDatabaseShutdown !== undefined) {
    checks.push({
      id: 'clean-database-shutdown',
      kind: 'runtime',
      title: 'Clean database shutdown',
      actual: figures.cleanDatabaseShutdown
        ? 'database system is shut down'
        : 'no clean shutdown in the log',
      passed: figures.cleanDatabaseShutdown
    })
  }
  if (figures.dataKeptAfterRestart !== undefined) {
    checks.push({
      id: 'data-kept-after-restart',
      kind: 'runtime',
      title: 'Data kept after restart',
      actual: figures.dataKeptAfterRestart
        ? 'row written before the stop read back'
        : 'row written before the stop is gone',
      passed: figures.dataKeptAfterRestart
    })
  }
  const listening = figures.listeningPorts ?? []
  const expected = figures.expectedPorts ?? []
  const unexpected = listening.filter(port => !expected.includes(port))
  checks.push({
    id: 'listening-ports',
    kind: 'runtime',
    title: 'TCP listeners',
    budget: `only ${expected.join(', ')}`,
    actual: listening.length > 0 ? listening.join(', ') : 'none',
    passed: unexpected.length === 0,
    detail: unexpected.length > 0 ? `unexpected: ${unexpected.join(', ')}` : undefined
  })
  return checks
}

/**
 * The failed checks split by consequence: `fatal` fail the run (runtime
 * checks always, budgets unless fail-on-budget is false), `advisory` only warn.
 */
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
