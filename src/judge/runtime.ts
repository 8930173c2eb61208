// The runtime guarantees every verified image must keep, judged from the
// report, budget or not: a graceful stop inside docker stop's grace, a clean
// database shutdown, data kept across a restart, a boot under the hardened
// profile (verify-hardened), an upgrade from the image users run today
// (upgrade-from), and only the declared TCP listeners. Pure.
import type { Check, HardenedRun, Report, UpgradeRun, UpgradeStep } from '../report/model.js'

// docker stop waits 10 s before SIGKILL; a stop must end well inside it.
const STOP_LIMIT_SECONDS = 10

export function judgeRuntime(report: Report): Check[] {
  const { stop, runtime } = report
  if (!stop || !runtime) return []
  const stopInTime = stop.seconds < STOP_LIMIT_SECONDS
  const checks: Check[] = [
    {
      id: 'graceful-stop',
      kind: 'runtime',
      title: 'Graceful stop',
      budget: `< ${STOP_LIMIT_SECONDS} s`,
      actual: `${stop.seconds.toFixed(3)} s`,
      passed: stopInTime,
      detail: stopInTime ? undefined : 'docker stop had to kill the container'
    }
  ]
  if (stop.cleanDatabaseShutdown !== undefined) {
    checks.push({
      id: 'clean-database-shutdown',
      kind: 'runtime',
      title: 'Clean database shutdown',
      actual: stop.cleanDatabaseShutdown
        ? 'database system is shut down'
        : 'no clean shutdown in the log',
      passed: stop.cleanDatabaseShutdown
    })
  }
  if (runtime.dataKept !== undefined) {
    checks.push({
      id: 'data-kept-after-restart',
      kind: 'runtime',
      title: 'Data kept after restart',
      actual: runtime.dataKept
        ? 'row written before the stop read back'
        : 'row written before the stop is gone',
      passed: runtime.dataKept
    })
  }
  if (runtime.hardened) checks.push(hardenedCheck(runtime.hardened))
  if (runtime.upgrade) checks.push(upgradeCheck(runtime.upgrade))
  const { listeningPorts: listening, expectedPorts: expected } = runtime
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

/** Hardened run: ready, then a stop inside docker stop's grace, with a clean database shutdown. */
function hardenedCheck({ user, readySeconds, error, stop }: HardenedRun): Check {
  const check = { id: 'hardened-run', kind: 'runtime', title: 'Hardened run' } as const
  if (readySeconds === undefined || !stop) {
    return { ...check, actual: `not ready as ${user}`, passed: false, detail: error }
  }
  const problem =
    stop.seconds >= STOP_LIMIT_SECONDS
      ? 'docker stop had to kill the container'
      : stop.cleanDatabaseShutdown === false
        ? 'no clean database shutdown in the log'
        : undefined
  return {
    ...check,
    actual: `ready in ${readySeconds.toFixed(3)} s as ${user}, stopped in ${stop.seconds.toFixed(3)} s`,
    passed: problem === undefined,
    detail: problem
  }
}

/** What failed, for each step of the upgrade check. */
const UPGRADE_FAILURES: Record<UpgradeStep, (from: string) => string> = {
  pull: from => `${from} could not be pulled`,
  'previous-ready': from => `${from} did not become ready on a fresh volume`,
  'marker-written': from => `no row could be written under ${from}`,
  ready: from => `not ready on the data of ${from}`,
  'marker-kept': from => `the row written under ${from} is gone`,
  migrated: () => 'the migrate command did not run',
  healthy: () => 'not healthy after the upgrade'
}

/** Upgrade: ready on the data the upgrade-from image left, the row kept, migrated, healthy. */
function upgradeCheck({ from, readySeconds, migrated, failed }: UpgradeRun): Check {
  const check = { id: 'upgrade-from', kind: 'runtime', title: 'Upgrade' } as const
  if (failed) {
    return {
      ...check,
      actual: UPGRADE_FAILURES[failed.step](from),
      passed: false,
      detail: failed.reason
    }
  }
  return {
    ...check,
    actual: `ready in ${readySeconds!.toFixed(3)} s on the data of ${from}, row kept${migrated ? ', migrate command ran' : ''}`,
    passed: true
  }
}
