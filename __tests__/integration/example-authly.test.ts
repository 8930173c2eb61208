// examples/authly end to end: built, booted and measured by the action as a
// runner runs it, then its image checked for what the seed asks: init SQL
// run once at first boot, state on /data, the seed's budgets, s6; psycopg
// installed by pip from requirements.txt, from an index standing in for PyPI.
import { docker } from '../helpers/docker.js'
import {
  EXAMPLE_PREFIX,
  examplePsycopgIndex,
  exampleRun,
  expectSucceeded,
  psql,
  startedExampleContainer
} from '../helpers/example.js'

const ROLE = `${EXAMPLE_PREFIX}authly`.replace(/-/g, '_')
const pypi = examplePsycopgIndex('authly')
const example = exampleRun('authly', () => pypi.inputs)

it('builds, boots and measures the image within the seed budgets, under s6', () => {
  const { run } = example
  expectSucceeded(run)
  expect(run.summary).toMatch(/\| Image size \| 300\.0 MB \| [\d.]+ MB \| ✅ pass \|/)
  expect(run.summary).toMatch(/\| First boot to ready \| 30\.000 s \| [\d.]+ s \| ✅ pass \|/)
  expect(run.summary).toMatch(/\| Idle memory \(max\) \| 256\.0 MiB \| [\d.]+ MiB \| ✅ pass \|/)
  expect(run.summary).toContain('s6-svscan')
})

describe('a container of the image', () => {
  const container = startedExampleContainer('authly:latest', 8000)

  it("runs psycopg at the pin of requirements.txt from the venv pip made, not Debian's", async () => {
    expect(pypi.index.requests).toContain(`/files/psycopg-${pypi.version}-py3-none-any.whl`)
    const { output } = await container.execAs(
      'app',
      'python3',
      '-c',
      'import psycopg; print(psycopg.__version__, psycopg.__file__, psycopg.pq.__impl__)'
    )
    const [version, file, implementation] = output.trim().split(' ')
    expect({ version, implementation }).toEqual({ version: pypi.version, implementation: 'python' })
    expect(file).toMatch(/^\/app\/\.venv\/lib\/python3\.\d+\/site-packages\/psycopg\/__init__\.py$/)
    expect((await container.exec('dpkg-query', '-W', 'python3-psycopg')).code).not.toBe(0)
  })

  async function post(path: string, form: Record<string, string>, auth?: string) {
    const response = await fetch(container.url(path), {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('ran the init SQL at first boot, as the app role', async () => {
    expect(await psql(container, "SELECT value FROM settings WHERE key = 'schema_version'")).toBe(
      '1'
    )
    expect(
      await psql(
        container,
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
      )
    ).toBe([`clients|${ROLE}`, `settings|${ROLE}`, `tokens|${ROLE}`].join('\n'))
  })

  it('issues client-credentials tokens that survive a restart, its key on /data', async () => {
    const client = await post('/clients', { scope: 'read write' })
    expect(client.status).toBe(201)
    const credentials = `${client.body.client_id}:${client.body.client_secret}`
    const token = await post('/oauth/token', { grant_type: 'client_credentials' }, credentials)
    expect(token).toMatchObject({
      status: 200,
      body: { token_type: 'Bearer', scope: 'read write' }
    })
    const refused = await post('/oauth/token', { grant_type: 'client_credentials' }, 'x:y')
    expect(refused.status).toBe(401)

    // the signing key is the app's own, on the data volume
    expect(
      (await container.exec('stat', '-c', '%U %a', '/data/app/signing-key')).output.trim()
    ).toBe('app 600')
    await docker('restart', container.name)
    await container.ready()
    const introspected = await post('/oauth/introspect', { token: String(token.body.access_token) })
    expect(introspected.body).toMatchObject({ active: true, scope: 'read write' })
    // the init SQL ran once: its row is still the only one
    expect(await psql(container, 'SELECT count(*) FROM settings')).toBe('1')
  }, 120_000)
})
