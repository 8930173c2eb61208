import { renderArtifacts } from '../../src/render/render.js'
import {
  DOCKER_STOP_GRACE_MS,
  STOP_BUDGETS,
  STOP_ORDER,
  SUPERVISOR_MARGIN_MS,
  type Service
} from '../../src/render/stop-budget.js'
import { testSpec } from '../helpers/spec.js'

const COMBINATIONS = ['supervisord', 's6'].flatMap(supervisor =>
  [true, false].flatMap(postgres => [true, false].map(nginx => ({ supervisor, postgres, nginx })))
)
type Combination = (typeof COMBINATIONS)[number]

/** The services an image of this combination runs, in stop order. */
const servicesOf = ({ postgres, nginx }: Combination): Service[] =>
  STOP_ORDER.filter(service => service === 'app' || (service === 'postgres' ? postgres : nginx))

const render = ({ supervisor, postgres, nginx }: Combination) =>
  renderArtifacts(
    testSpec({
      supervisor,
      'postgres-version': postgres ? '17' : 'none',
      ...(nginx ? { nginx: {} } : {})
    })
  )

/** supervisord.conf's sections, each as its settings. */
function iniSections(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>()
  let current: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line)
    const setting = /^(\w+)=(.*)$/.exec(line)
    if (header) sections.set(header[1], (current = {}))
    else if (setting) current[setting[1]] = setting[2]
  }
  return sections
}

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

  it.each(COMBINATIONS.map(combination => [label(combination), combination]))(
    'are what the supervisor is given (%s)',
    (_, combination) => {
      const files = render(combination)
      const content = (name: string) => files.find(file => file.path === name)?.content
      const services = servicesOf(combination)
      // app-group kills what is left of the app after the app's budget
      expect(content('aio/lib/app-group')).toContain(
        `max_polls=$((${STOP_BUDGETS.app.killAfterMs} / poll_ms))`
      )
      if (combination.supervisor === 'supervisord') {
        const sections = iniSections(content('aio/etc/supervisord.conf') ?? '')
        const programs = [...sections.keys()].filter(name => name.startsWith('program:'))
        expect(programs.sort()).toEqual(services.map(service => `program:${service}`).sort())
        for (const service of services)
          expect(sections.get(`program:${service}`)?.stopwaitsecs).toBe(
            String(STOP_BUDGETS[service].killAfterMs / 1000)
          )
        // SIGTERM to app-group alone, which hands it on once; SIGKILL to the whole app
        expect(sections.get('program:app')).toMatchObject({ killasgroup: 'true' })
        expect(sections.get('program:app')?.stopasgroup).toBeUndefined()
        // its event listener is killed at once: it takes nothing from the services
        expect(sections.get('eventlistener:on-fatal')?.stopsignal).toBe('KILL')
      } else {
        for (const service of services)
          expect(content(`aio/etc/s6/${service}/timeout-kill`)).toBe(
            `${STOP_BUDGETS[service].killAfterMs}\n`
          )
        // the handler waits for each service in stop order, for its whole budget
        const handler = content('aio/etc/s6/.s6-svscan/SIGTERM') ?? ''
        const waits = [...handler.matchAll(/^stop_service (\w+) (\d+)$/gm)].map(([, s, ms]) => [
          s,
          Number(ms)
        ])
        expect(waits).toEqual(services.map(service => [service, STOP_BUDGETS[service].waitMs]))
        expect(content('aio/etc/s6/.s6-svscan/SIGINT')).toBe(handler)
      }
    }
  )
})
