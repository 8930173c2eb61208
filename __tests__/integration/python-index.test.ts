// The test Python index against a real pip: Debian's own (python3-venv), in
// a container on the default bridge, as a build step on the docker-driver
// builder sees the host. Later tests rely on what this one proves: pins are
// honoured, dependencies resolve transitively, and Basic credentials are
// required and accepted.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { docker, dockerStatus } from '../helpers/docker.js'
import { TestPythonIndex, wheelFilename } from '../helpers/python-index.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const IMAGE = 'aio-test-python-index:latest'
const PREFIX = `aio-test-pyindex-${crypto.randomBytes(3).toString('hex')}`

// pip's own bounds, so that an unreachable index fails the run instead of
// outlasting the test; PIP_NO_INPUT makes a 401 a failure rather than a prompt.
const PIP_ENV = [
  'PIP_NO_INPUT=1',
  'PIP_DISABLE_PIP_VERSION_CHECK=1',
  'PIP_RETRIES=0',
  'PIP_TIMEOUT=10'
]

const containers: string[] = []

/** Runs `script` with sh in a fresh container of IMAGE, pip pointed at the index. */
async function inContainer(
  index: TestPythonIndex,
  indexUrl: string,
  script: string
): Promise<{ code: number; output: string }> {
  const name = `${PREFIX}-${containers.length + 1}`
  containers.push(name)
  const env = [...PIP_ENV, `PIP_INDEX_URL=${indexUrl}`, `PIP_TRUSTED_HOST=${index.host}`]
  return dockerStatus(
    'run',
    '--rm',
    '--name',
    name,
    '--label',
    'aio-test=1',
    ...env.flatMap(variable => ['--env', variable]),
    IMAGE,
    'sh',
    '-c',
    script
  )
}

const VERSIONS =
  '/v/bin/python -c \'import aio_greeting, aio_shout; print(aio_greeting.__version__); print(aio_shout.shout("pip"))\''

beforeAll(async () => {
  const context = tempDir('aio-test-pyindex-image-')
  try {
    writeFiles(context, {
      Dockerfile: [
        'FROM debian:trixie-slim',
        'RUN apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*',
        ''
      ].join('\n')
    })
    await docker('build', '--quiet', '--label', 'aio-test=1', '--tag', IMAGE, context)
  } finally {
    fs.rmSync(context, { recursive: true, force: true })
  }
}, 10 * 60_000)

afterAll(async () => {
  for (const name of containers) await dockerStatus('rm', '-f', name)
  await dockerStatus('image', 'rm', IMAGE)
}, 60_000)

describe('an index without authentication', () => {
  let index: TestPythonIndex

  beforeAll(async () => {
    index = await TestPythonIndex.start()
  })

  afterAll(async () => {
    await index?.stop()
  })

  it('installs the pinned release and the dependency of a dependency', async () => {
    const run = await inContainer(
      index,
      index.url,
      `python3 -m venv /v && /v/bin/pip install aio-shout aio-greeting==1.0.0 && ${VERSIONS}`
    )
    if (run.code !== 0) throw new Error(run.output)
    expect(run.output).toContain('1.0.0\nHELLO PIP FROM AIO-GREETING 1.0.0\n')
    expect(index.requests).toEqual(
      expect.arrayContaining([
        '/simple/aio-shout/',
        '/simple/aio-greeting/',
        `/files/${wheelFilename('aio-shout', '1.0.0')}`,
        `/files/${wheelFilename('aio-greeting', '1.0.0')}`
      ])
    )
    expect(index.requests).not.toContain(`/files/${wheelFilename('aio-greeting', '2.0.0')}`)
    expect(index.requests.some(request => request.includes('aio-devtool'))).toBe(false)
  }, 120_000)

  it('without a pin, resolves the dependency to its newest release', async () => {
    const run = await inContainer(
      index,
      index.url,
      `python3 -m venv /v && /v/bin/pip install aio-shout && ${VERSIONS}`
    )
    if (run.code !== 0) throw new Error(run.output)
    expect(run.output).toContain('2.0.0\nHELLO PIP FROM AIO-GREETING 2.0.0\n')
  }, 120_000)
})

describe('an index with Basic authentication', () => {
  const auth = { user: 'aio-test', password: crypto.randomBytes(12).toString('hex') }
  let index: TestPythonIndex

  beforeAll(async () => {
    index = await TestPythonIndex.start({ auth })
  })

  afterAll(async () => {
    await index?.stop()
  })

  it('refuses pip without credentials', async () => {
    const run = await inContainer(
      index,
      index.url,
      'python3 -m venv /v && /v/bin/pip install aio-greeting'
    )
    expect(run.code).not.toBe(0)
    // Without input, pip takes the 401 for a project page with no files.
    expect(run.output).toContain('No matching distribution found for aio-greeting')
    expect(index.requests).toContain('/simple/aio-greeting/')
    expect(index.requests.some(request => request.startsWith('/files/'))).toBe(false)
  }, 120_000)

  it('serves pip the credentials in the index URL', async () => {
    const run = await inContainer(
      index,
      index.urlWithCredentials,
      `python3 -m venv /v && /v/bin/pip install aio-shout aio-greeting==1.0.0 && ${VERSIONS}`
    )
    if (run.code !== 0) throw new Error(run.output)
    expect(run.output).toContain('1.0.0\nHELLO PIP FROM AIO-GREETING 1.0.0\n')
    expect(index.requests).toContain(`/files/${wheelFilename('aio-greeting', '1.0.0')}`)
  }, 120_000)
})
