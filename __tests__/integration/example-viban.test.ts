// examples/viban end to end: a release stage and a frontend stage copied
// into the image, PostgreSQL on its Unix socket only with logical
// replication, a replication-capable role, and the migration command run
// before the app at every start.
import { docker } from '../helpers/docker.js'
import {
  containerListeningPorts,
  EXAMPLE_PREFIX,
  exampleRun,
  expectSucceeded,
  psql,
  startedExampleContainer
} from '../helpers/example.js'

const example = exampleRun('viban')

it('builds, boots and measures the image under s6', () => {
  const { run } = example
  expectSucceeded(run)
  expect(run.summary).toContain('s6-svscan')
  expect(run.summary).toContain('| Clean database shutdown |')
})

describe('a container of the image', () => {
  const container = startedExampleContainer('viban:latest', 4000)

  it('runs PostgreSQL with wal_level logical, on its socket only: nothing on 5432', async () => {
    expect(await psql(container, 'SHOW wal_level')).toBe('logical')
    expect(await psql(container, 'SHOW max_wal_senders')).toBe('10')
    expect(await psql(container, 'SHOW max_replication_slots')).toBe('5')
    expect(await psql(container, 'SHOW listen_addresses')).toBe('')
    expect(await containerListeningPorts(container)).toEqual([4000])
  })

  it("gives the app's role REPLICATION: it can open a logical replication slot", async () => {
    expect(
      await psql(
        container,
        'SELECT rolreplication FROM pg_roles WHERE rolname = current_user',
        'app'
      )
    ).toBe('t')
    expect(
      await psql(
        container,
        "SELECT slot_name FROM pg_create_logical_replication_slot('aio_test', 'pgoutput')",
        'app'
      )
    ).toBe('aio_test')
    expect(await psql(container, 'SELECT pubname FROM pg_publication', 'app')).toBe('viban_sync')
  })

  it('migrates before the app at every start', async () => {
    expect(await psql(container, 'SELECT count(*) FROM schema_migrations', 'app')).toBe('2')
    const runs = async () =>
      Number(await psql(container, 'SELECT count(*) FROM migration_runs', 'app'))
    const before = await runs()
    expect(before).toBe(1)
    await docker('restart', container.name)
    await container.ready()
    expect(await runs()).toBe(before + 1)
    // the migration ran as the app, whose role owns what it made
    expect(
      await psql(container, "SELECT tableowner FROM pg_tables WHERE tablename = 'boards'")
    ).toBe(`${EXAMPLE_PREFIX}viban`.replace(/-/g, '_'))
  }, 120_000)

  it('serves the API and the SPA from the release and the frontend stage', async () => {
    const created = await fetch(container.url('/api/boards'), {
      method: 'POST',
      body: JSON.stringify({ name: 'launch' })
    })
    expect(created.status).toBe(201)
    const boards = (await (await fetch(container.url('/api/boards'))).json()) as Array<{
      name: string
    }>
    expect(boards.map(board => board.name)).toContain('launch')
    expect(await (await fetch(container.url('/boards/1'))).text()).toContain('<h1>Viban</h1>')
    expect((await fetch(container.url('/assets/app.js'))).status).toBe(200)
  })
})
