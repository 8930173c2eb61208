// The action end to end on a real engine, run as a GitHub runner runs it.
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, runAction, runPost, type ActionRun } from '../helpers/action-runner.js'
import { docker, dockerStatus, TestContainer } from '../helpers/docker.js'

const NOTES = path.join(ROOT, 'examples', 'notes')
const BUILD_TIMEOUT = 15 * 60_000

const notesInputs = {
  context: NOTES,
  'app-command': 'exec python3 app.py',
  'app-packages': 'python3, python3-psycopg',
  'idle-settle': '1s'
}

async function labelledResources(runId: string): Promise<string> {
  const containers = await docker('ps', '-aq', '--filter', `label=aio-image.run=${runId}`)
  const volumes = await docker('volume', 'ls', '-q', '--filter', `label=aio-image.run=${runId}`)
  return `${containers}${volumes}`
}

describe('with only inputs and no spec file', () => {
  let run: ActionRun

  beforeAll(async () => {
    run = await runAction({
      ...notesInputs,
      name: 'aio-it-notes',
      tags: 'aio-it-notes:test',
      'max-image-size': '400MB',
      'max-startup-time': '60s'
    })
  }, BUILD_TIMEOUT)

  it('builds, boots, measures and writes every output', () => {
    if (run.exitCode !== 0) throw new Error(run.log)
    const { outputs } = run
    expect(outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(Number(outputs['image-size'])).toBeGreaterThan(50_000_000)
    expect(Number(outputs['compressed-size'])).toBeGreaterThan(10_000_000)
    expect(Number(outputs['compressed-size'])).toBeLessThan(Number(outputs['image-size']))
    expect(outputs['startup-time']).toMatch(/^\d+\.\d{3}$/)
    expect(outputs['restart-time']).toMatch(/^\d+\.\d{3}$/)
    expect(Number(outputs['idle-memory'])).toBeGreaterThan(1_000_000)
    expect(outputs['build-time']).toMatch(/^\d+\.\d{3}$/)
    expect(outputs.passed).toBe('true')
    const report = JSON.parse(fs.readFileSync(outputs.report, 'utf8'))
    expect(report).toMatchObject({ version: 1, name: 'aio-it-notes', passed: true })
    expect(fs.existsSync(path.join(outputs['rendered-dir'], 'Dockerfile'))).toBe(true)
  })

  it('folds each phase of the log and writes a job summary', () => {
    for (const phase of ['Render', 'Build aio-it-notes:test', 'Boot and measure'])
      expect(run.log).toContain(`::group::${phase}`)
    // the build log, inside its group
    const buildGroup = run.log.split('::group::Build aio-it-notes:test')[1].split('::endgroup::')[0]
    expect(buildGroup).toMatch(/^docker buildx build .*--load/m)
    expect(run.log).toMatch(/first boot: ready in \d+\.\d{3} s/)
    expect(run.summary).toContain('## aio-image: aio-it-notes ✅ passed')
    expect(run.summary).toContain(
      '| Clean database shutdown |  | database system is shut down | ✅ pass |'
    )
    expect(run.summary).toContain(
      '| Data kept after restart |  | row written before the stop read back | ✅ pass |'
    )
    expect(run.summary).toContain('| TCP listeners | only 8000 | 8000 | ✅ pass |')
    expect(run.summary).toContain('Largest layers')
    expect(run.summary).toContain('Memory per process')
  })

  it('makes an image whose app stores a row and reads it back after a restart', async () => {
    const container = new TestContainer('aio-it-notes:test', 8000, 'aio-it-notes-app')
    try {
      await container.create()
      await container.start()
      await container.ready()
      const created = await fetch(container.url('/notes'), {
        method: 'POST',
        body: 'survives a restart'
      })
      expect(created.status).toBe(201)
      await docker('stop', container.name)
      await container.start()
      await container.ready()
      const notes = (await (await fetch(container.url('/notes'))).json()) as Array<{ body: string }>
      expect(notes.map(note => note.body)).toEqual(['survives a restart'])
    } finally {
      await container.remove()
    }
  }, 120_000)

  it('main step removes its containers and volumes itself (local-action runs no post step)', async () => {
    expect(await labelledResources(run.state['run-id'])).toBe('')
  })

  it('post step removes the files, and what a cancelled main step left behind', async () => {
    const runId = run.state['run-id']
    const workDir = run.state['work-dir']
    const toolkitDir = run.state.tmpDir
    expect(fs.existsSync(workDir)).toBe(true)
    expect(path.dirname(toolkitDir)).toBe(run.runnerTemp)
    // What a run cancelled while measuring leaves: its labelled volume.
    await docker('volume', 'create', '--label', `aio-image.run=${runId}`, `aio-${runId}-left`)
    const post = await runPost(run)
    expect(post.exitCode).toBe(0)
    expect(await labelledResources(runId)).toBe('')
    expect(fs.existsSync(workDir)).toBe(false)
    // Neither the main step's toolkit temp directory nor the post step's own is left.
    expect(
      post.leftInRunnerTemp.filter(name => name.startsWith('docker-actions-toolkit-'))
    ).toEqual([])
  }, 60_000)
})

describe('with an aio.yml', () => {
  it(
    'does the same from the spec file, inputs overriding its fields',
    async () => {
      const run = await runAction({
        config: path.join(NOTES, 'aio.yml'),
        tags: 'aio-it-notes:spec',
        'idle-settle': '1s',
        // The file's own 10 s first-boot budget is the example's promise;
        // this test asserts behaviour, not speed, on a possibly busy machine.
        'max-startup-time': '5m'
      })
      try {
        if (run.exitCode !== 0) throw new Error(run.log)
        expect(run.outputs.passed).toBe('true')
        expect(run.summary).toContain('## aio-image: notes ✅ passed')
        // the budgets come from the file
        expect(run.summary).toMatch(/\| Image size \| 250\.0 MB \|/)
        expect(run.summary).toMatch(/\| Idle memory \(max\) \| 128\.0 MiB \|/)
      } finally {
        await runPost(run)
      }
    },
    BUILD_TIMEOUT
  )
})

describe('budgets', () => {
  it(
    'an impossible budget fails the step with passed=false and says by how much',
    async () => {
      const run = await runAction({
        ...notesInputs,
        name: 'aio-it-notes',
        tags: 'aio-it-notes:budget',
        verify: 'false',
        'max-image-size': '10MB'
      })
      await runPost(run)
      expect(run.exitCode).toBe(1)
      expect(run.outputs.passed).toBe('false')
      expect(run.summary).toMatch(
        /\| Image size \| 10\.0 MB \| [\d.]+ MB \| ❌ fail: over by [\d.]+ MB \([\d.]+%\) \|/
      )
      expect(run.log).toMatch(/::error::Image size: [\d.]+ MB \(budget 10\.0 MB\), over by/)
    },
    BUILD_TIMEOUT
  )

  it(
    'fail-on-budget: false reports the miss without failing',
    async () => {
      const run = await runAction({
        ...notesInputs,
        name: 'aio-it-notes',
        tags: 'aio-it-notes:budget',
        verify: 'false',
        'max-image-size': '10MB',
        'fail-on-budget': 'false'
      })
      await runPost(run)
      expect(run.exitCode).toBe(0)
      expect(run.outputs.passed).toBe('false')
      expect(run.log).toMatch(/::warning::Image size: /)
    },
    BUILD_TIMEOUT
  )
})

describe('runtime checks', () => {
  it(
    'an app listening on an undeclared port fails the step, whatever fail-on-budget says',
    async () => {
      const run = await runAction({
        ...notesInputs,
        name: 'aio-it-notes',
        tags: 'aio-it-notes:ports',
        'app-command': 'python3 -m http.server 9999 --bind 0.0.0.0 & exec python3 app.py',
        'fail-on-budget': 'false'
      })
      await runPost(run)
      expect(run.exitCode).toBe(1)
      expect(run.outputs.passed).toBe('false')
      expect(run.summary).toContain(
        '| TCP listeners | only 8000 | 8000, 9999 | ❌ fail: unexpected: 9999 |'
      )
      expect(run.log).toMatch(
        /::error::TCP listeners: 8000, 9999 \(budget only 8000\), unexpected: 9999/
      )
    },
    BUILD_TIMEOUT
  )
})

describe('bad input', () => {
  it.each([
    [{ 'app-port': 'abc' }, 'input `app-port`: "abc" is not allowed; expected an integer'],
    [
      { name: 'x;$(reboot)' },
      'input `name`: "x;$(reboot)" is not allowed; expected lower-case letters'
    ],
    [
      { supervisor: 'runit' },
      'input `supervisor`: "runit" is not allowed; expected supervisord or s6'
    ]
  ])(
    '%j fails fast, naming the input, and builds nothing',
    async (bad, message) => {
      const run = await runAction({
        ...notesInputs,
        name: 'aio-it-bad',
        tags: 'aio-it-bad:never',
        ...bad
      })
      await runPost(run)
      expect(run.exitCode).toBe(1)
      expect(run.log).toContain(message)
      expect(run.log).not.toContain('buildx')
      expect(run.outputs.passed).toBe('false')
      expect((await dockerStatus('image', 'inspect', 'aio-it-bad:never')).code).not.toBe(0)
    },
    60_000
  )
})
