// examples/viban end to end: an Elixir release (mix on Debian's Elixir and
// Erlang) and a frontend built with Bun copied into the image, PostgreSQL on
// its Unix socket only with logical replication, a replication-capable role,
// and the release's own migrations run before the app at every start.
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

  it('runs the mix release as the app: the BEAM, with no Erlang distribution', async () => {
    expect((await container.exec('test', '-x', '/app/bin/viban')).code).toBe(0)
    const { output } = await container.exec('sh', '-c', 'cat /proc/[0-9]*/comm')
    const commands = output.split('\n')
    expect(commands).toContain('beam.smp')
    expect(commands).not.toContain('epmd')
    // Nor epmd's 4369 nor a distribution port: the app's port is the only one.
    expect(await containerListeningPorts(container)).toEqual([4000])
  })

  it('holds no Erlang cookie in the image: each start makes its own', async () => {
    expect((await container.exec('test', '-e', '/app/releases/COOKIE')).code).not.toBe(0)
    expect(
      await docker(
        'run',
        '--rm',
        '--entrypoint',
        '/bin/sh',
        `${EXAMPLE_PREFIX}viban:latest`,
        '-c',
        'ls /app/releases'
      )
    ).not.toMatch(/COOKIE/)
  })

  it('runs PostgreSQL with wal_level logical, on its socket only: nothing on 5432', async () => {
    expect(await psql(container, 'SHOW wal_level')).toBe('logical')
    expect(await psql(container, 'SHOW max_wal_senders')).toBe('10')
    expect(await psql(container, 'SHOW max_replication_slots')).toBe('5')
    expect(await psql(container, 'SHOW listen_addresses')).toBe('')
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

  const boardNames = async () =>
    ((await (await fetch(container.url('/api/boards'))).json()) as Array<{ name: string }>).map(
      board => board.name
    )

  it('serves the API and the SPA from the release and the frontend stage', async () => {
    // Quotes and SQL in a value reach PostgreSQL as a value.
    for (const name of ['launch', "it's'); DROP TABLE boards; --"]) {
      const created = await fetch(container.url('/api/boards'), {
        method: 'POST',
        body: JSON.stringify({ name })
      })
      expect(created.status).toBe(201)
      expect(((await created.json()) as { name: string }).name).toBe(name)
    }
    expect(await boardNames()).toEqual(['launch', "it's'); DROP TABLE boards; --"])
    const invalid = await fetch(container.url('/api/boards'), { method: 'POST', body: '{' })
    expect(invalid.status).toBe(400)
    expect(await (await fetch(container.url('/boards/1'))).text()).toContain('<h1>Viban</h1>')
    const bundle = await fetch(container.url('/assets/app.js'))
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('content-type')).toMatch(/javascript/)
  })

  it('migrates through the release before the app at every start, each migration once', async () => {
    const migrations = 'SELECT version FROM schema_migrations ORDER BY version'
    expect(await psql(container, migrations, 'app')).toBe('001_boards.sql\n002_tasks.sql')
    const runs = 'SELECT applied FROM migration_runs ORDER BY id'
    expect(await psql(container, runs, 'app')).toBe('2')
    await docker('restart', container.name)
    await container.ready()
    expect(await psql(container, runs, 'app')).toBe('2\n0')
    expect(await psql(container, migrations, 'app')).toBe('001_boards.sql\n002_tasks.sql')
    expect(await boardNames()).toContain('launch')
    // the migration ran as the app, whose role owns what it made
    expect(
      await psql(container, "SELECT tableowner FROM pg_tables WHERE tablename = 'boards'")
    ).toBe(`${EXAMPLE_PREFIX}viban`.replace(/-/g, '_'))
  }, 120_000)
})
