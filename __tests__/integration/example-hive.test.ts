// examples/hive end to end: two images from one spec (variants genie and
// agent), each with its own port and database, FastAPI under two uvicorn
// workers, and pgvector created in the app database; psycopg installed by
// pip from requirements.txt, from an index standing in for PyPI, next to
// Debian's FastAPI.
import { runPost } from '../helpers/action-runner.js'
import { docker } from '../helpers/docker.js'
import {
  EXAMPLE_BUILD_TIMEOUT,
  EXAMPLE_PREFIX,
  examplePsycopgIndex,
  exampleRun,
  expectSucceeded,
  psql,
  runExample,
  startedExampleContainer
} from '../helpers/example.js'

const VARIANTS = [
  { variant: 'genie', port: 48886, database: 'hive_genie' },
  { variant: 'agent', port: 38886, database: 'hive_agent' }
]

const pypi = examplePsycopgIndex('hive')
const example = exampleRun('hive', () => pypi.inputs)

it('builds, boots and measures both variants in one step', () => {
  const { run } = example
  expectSucceeded(run)
  const variants = JSON.parse(run.outputs.variants) as Record<string, Record<string, string>>
  expect(Object.keys(variants)).toEqual(['genie', 'agent'])
  for (const outputs of Object.values(variants)) {
    expect(outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(outputs['startup-time']).toMatch(/^\d+\.\d{3}$/)
    expect(outputs.passed).toBe('true')
  }
  expect(variants.genie['image-id']).not.toBe(variants.agent['image-id'])
  for (const { variant } of VARIANTS)
    expect(run.summary).toContain(`## aio-image: ${EXAMPLE_PREFIX}hive-${variant} ✅ passed`)
})

it(
  'builds only the variant named by the variant input, with the usual outputs',
  async () => {
    const run = await runExample('hive', { variant: 'agent', ...pypi.inputs })
    await runPost(run)
    if (run.exitCode !== 0) throw new Error(run.log)
    expect(run.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.outputs.passed).toBe('true')
    expect(run.summary).toContain(`## aio-image: ${EXAMPLE_PREFIX}hive-agent `)
    expect(run.outputs.variants).toBeUndefined()
    expect(run.log).not.toContain('hive-genie')
  },
  EXAMPLE_BUILD_TIMEOUT
)

describe.each(VARIANTS)('the $variant image', ({ variant, port, database }) => {
  const container = startedExampleContainer(`hive-${variant}:latest`, port, {
    readyPath: '/api/v1/health'
  })

  it(`answers on ${port} with its own database ${database}`, async () => {
    const health = await (await fetch(container.url('/api/v1/health'))).json()
    expect(health).toMatchObject({ status: 'ok', mode: variant, database })
    expect(await psql(container, 'SELECT current_database()', 'app')).toBe(database)
  })

  it("imports psycopg from the venv pip made, and Debian's FastAPI behind it", async () => {
    const { output } = await container.execAs(
      'app',
      'python3',
      '-c',
      'import fastapi, psycopg; print(psycopg.__version__, psycopg.__file__, fastapi.__file__)'
    )
    const [version, psycopgFile, fastapiFile] = output.trim().split(' ')
    expect(version).toBe(pypi.version)
    expect(psycopgFile).toMatch(/^\/app\/\.venv\/lib\/python3\.\d+\/site-packages\/psycopg\//)
    expect(fastapiFile).toBe('/usr/lib/python3/dist-packages/fastapi/__init__.py')
  })

  it('has the vector extension in the app database, and searches by distance', async () => {
    expect(
      await psql(container, "SELECT extname FROM pg_extension WHERE extname = 'vector'", 'app')
    ).toBe('vector')
    const remember = (content: string, embedding: number[]) =>
      fetch(container.url('/api/v1/memories'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content, embedding })
      })
    expect((await remember('near', [1, 0, 0])).status).toBe(201)
    expect((await remember('far', [0, 0, 9])).status).toBe(201)
    const found = await fetch(container.url('/api/v1/memories/search?limit=1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'query', embedding: [0.9, 0.1, 0] })
    })
    expect(((await found.json()) as Array<{ content: string }>).map(m => m.content)).toEqual([
      'near'
    ])
  })

  it('serves from two uvicorn workers as the non-root app user', async () => {
    const top = await docker('top', container.name, '-o', 'pid,uid,args')
    const workers = top.split('\n').filter(line => line.includes('multiprocessing.spawn'))
    expect(workers).toHaveLength(2)
    for (const worker of workers) expect(worker.trim().split(/\s+/)[1]).toBe('10001')
  })
})
