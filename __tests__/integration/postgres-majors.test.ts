// A PostgreSQL major below 17 on the base that carries it: the notes example
// on debian:bookworm-slim with PostgreSQL 15, for both supervisors. The
// image.test.ts and guarantees.test.ts images cover trixie with 17.
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { docker, TestContainer } from '../helpers/docker.js'
import { psql } from '../helpers/example.js'
import { testSpec } from '../helpers/spec.js'

const NOTES = path.join(ROOT, 'examples', 'notes')

describe.each(['supervisord', 's6'] as const)('bookworm with PostgreSQL 15 and %s', supervisor => {
  let container: TestContainer

  beforeAll(async () => {
    const image = await buildTestImage(
      testSpec({
        name: `aio-it-pg15-${supervisor}`,
        context: NOTES,
        supervisor,
        'base-image': 'debian:bookworm-slim',
        'postgres-version': 15,
        'app-command': 'exec python3 app.py',
        'app-packages': ['python3', 'python3-psycopg']
      })
    )
    container = new TestContainer(image, 8000, `aio-it-pg15-${supervisor}`)
    await container.create()
    const started = Date.now()
    await container.start()
    await container.ready()
    console.info(`${supervisor}: first boot on bookworm/15 ready in ${Date.now() - started} ms`)
  }, 15 * 60_000)

  afterAll(async () => {
    await container?.remove()
  }, 60_000)

  it('runs PostgreSQL 15 with the C.UTF-8 locale', async () => {
    expect(await psql(container, 'SHOW server_version')).toMatch(/^15\./)
    expect(
      await psql(container, 'SELECT datcollate FROM pg_database WHERE datname = current_database()')
    ).toBe('C.UTF-8')
  })

  it('keeps a row across a restart and stops cleanly', async () => {
    const written = await fetch(container.url('/notes'), { method: 'POST', body: 'kept on 15' })
    expect(written.status).toBe(201)
    await docker('restart', container.name)
    await container.ready()
    const notes = (await (await fetch(container.url('/notes'))).json()) as Array<{ body: string }>
    expect(notes.map(note => note.body)).toEqual(['kept on 15'])
    expect(await container.logs()).toContain('database system is shut down')
  })
})
