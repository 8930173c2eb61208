// How long each service may take to stop, for both supervisors, derived from
// the one figure that bounds them all: docker stop's grace period. Docker
// sends SIGTERM to PID 1 (the supervisor) and SIGKILL to everything once the
// grace is over, so the whole stop (each service waited for in turn, killed
// if it overstays, then the supervisor itself) must end inside it, or
// PostgreSQL is killed without its shutdown checkpoint.

/** A service that the supervisor stops, one after the other (see STOP_ORDER). */
export type Service = 'nginx' | 'app' | 'postgres'

/** Stop order: what talks to a service goes before it, so nothing loses a peer it still uses. */
export const STOP_ORDER: readonly Service[] = ['nginx', 'app', 'postgres']

export interface StopBudget {
  /**
   * From the service's stop signal to SIGKILL: supervisord's stopwaitsecs,
   * s6's timeout-kill. Whole seconds, as stopwaitsecs counts them.
   */
  killAfterMs: number
  /**
   * The supervisor's whole wait for the service, the kill included: the
   * most it takes from the grace, and the -T of s6-svc in the s6-svscan
   * signal handler, so that the next service is stopped even if this one
   * outlives its SIGKILL.
   */
  waitMs: number
}

/** docker stop's default grace period (`docker stop -t`, compose's stop_grace_period). */
export const DOCKER_STOP_GRACE_MS = 10_000

/**
 * What the supervisor itself takes outside the services' budgets: noticing
 * docker's SIGTERM (supervisord polls every 0.1 s, s6-svscan spawns its
 * signal handler), moving from one service to the next, and ending:
 * supervisord kills its event listener (stopsignal=KILL: it holds nothing)
 * and exits, s6-svscan stops its s6-supervise processes and runs its finish
 * script. Each is a few milliseconds to a few poll ticks; one second covers
 * them on a loaded runner.
 */
export const SUPERVISOR_MARGIN_MS = 1_000

/**
 * From a SIGKILL to the supervisor having seen the death: the kernel
 * reaping the process, supervisord's next poll ticks (0.1 s each), s6
 * running the service's finish script.
 */
const KILL_ALLOWANCE_MS = 250

/**
 * How the time left is shared. PostgreSQL's fast shutdown gets the most: it
 * ends every session and writes a shutdown checkpoint of the dirty buffers,
 * and only then logs "database system is shut down"; killed, it recovers
 * from the WAL at the next start instead. The app comes next, to finish the
 * requests in flight and close its connections (it stops first, so
 * PostgreSQL is still there). nginx's SIGTERM is its fast shutdown, which
 * waits for nothing, so it gets least.
 */
const SHARES: Readonly<Record<Service, number>> = { nginx: 1, app: 3, postgres: 4 }

const TOTAL_SHARES = STOP_ORDER.reduce((sum, service) => sum + SHARES[service], 0)

/**
 * What one share is worth: the grace less the supervisor's margin and a
 * kill allowance for every service, split by the shares, rounded down to
 * whole seconds. Rounding down keeps the sum inside the grace.
 */
const SHARE_MS =
  Math.floor(
    (DOCKER_STOP_GRACE_MS - SUPERVISOR_MARGIN_MS - STOP_ORDER.length * KILL_ALLOWANCE_MS) /
      TOTAL_SHARES /
      1000
  ) * 1000

/**
 * Every service's stop budget. Whichever services an image has, the worst
 * stop is the supervisor's margin plus their waits, which is at most
 * SUPERVISOR_MARGIN_MS + the sum of every waitMs < DOCKER_STOP_GRACE_MS.
 */
export const STOP_BUDGETS: Readonly<Record<Service, StopBudget>> = {
  nginx: budget('nginx'),
  app: budget('app'),
  postgres: budget('postgres')
}

function budget(service: Service): StopBudget {
  const killAfterMs = SHARES[service] * SHARE_MS
  return { killAfterMs, waitMs: killAfterMs + KILL_ALLOWANCE_MS }
}
