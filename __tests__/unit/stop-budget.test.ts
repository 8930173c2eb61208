import {
  DOCKER_STOP_GRACE_MS,
  STOP_BUDGETS,
  STOP_ORDER,
  SUPERVISOR_MARGIN_MS,
  type Service
} from '../../src/render/stop-budget.js'

const COMBINATIONS = ['supervisord', 's6'].flatMap(supervisor =>
  [true, false].flatMap(postgres => [true, false].map(nginx => ({ supervisor, postgres, nginx })))
)
type Combination = (typeof COMBINATIONS)[number]

/** The services an image of this combination runs, in stop order. */
const servicesOf = ({ postgres, nginx }: Combination): Service[] =>
  STOP_ORDER.filter(service => service === 'app' || (service === 'postgres' ? postgres : nginx))

const label = (combination: Combination) =>
  `${combination.supervisor}, postgres ${combination.postgres}, nginx ${combination.nginx}`

describe('the stop budgets', () => {
  it.each(COMBINATIONS.map(combination => [label(combination), combination]))(
    'fit inside the grace of docker stop at worst (%s)',
    (_, combination) => {
      // The worst stop: every service waited for in full (its kill timeout,
      // then the kill), one after the other, and the supervisor's own steps.
      const worstMs =
        SUPERVISOR_MARGIN_MS +
        servicesOf(combination).reduce((sum, service) => sum + STOP_BUDGETS[service].waitMs, 0)
      expect(DOCKER_STOP_GRACE_MS).toBe(10_000)
      expect(worstMs).toBeLessThan(DOCKER_STOP_GRACE_MS)
    }
  )

  it('kill each service inside its wait, after whole seconds, PostgreSQL last of all', () => {
    for (const service of STOP_ORDER) {
      const { killAfterMs, waitMs } = STOP_BUDGETS[service]
      expect(killAfterMs % 1000).toBe(0)
      expect(killAfterMs).toBeGreaterThanOrEqual(1000)
      expect(waitMs).toBeGreaterThan(killAfterMs)
    }
    const { nginx, app, postgres } = STOP_BUDGETS
    expect(postgres.killAfterMs).toBeGreaterThan(app.killAfterMs)
    expect(app.killAfterMs).toBeGreaterThan(nginx.killAfterMs)
  })
})
