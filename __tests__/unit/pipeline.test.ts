// runPipeline's orchestration on a fake engine (no Docker): render, build,
// boot and measure, judge, push, and the report written at the end.
import fs from 'node:fs'
import path from 'node:path'
import { TerminalUi } from '../../src/cli/terminal.js'
import { DockerError } from '../../src/engine/errors.js'
import { runPipeline } from '../../src/pipeline.js'
import { FIGURES } from '../../src/report/figures.js'
import { verdict } from '../../src/report/verdict.js'
import type { Ui } from '../../src/ui.js'
import {
  disposeFakeEngines,
  FAKE_DIGEST,
  FAKE_IMAGE_ID,
  FAKE_IMAGE_SIZE,
  fakeContainerEngine,
  type FakeEngineOptions
} from '../helpers/fake-docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'
import { recordingStream } from '../helpers/stream.js'
import { recordingUi } from '../helpers/ui.js'

const TAGS = ['r.example/demo:1', 'r.example/demo:latest']

describe('runPipeline', () => {
  const roots: string[] = []
  afterEach(async () => {
    await disposeFakeEngines()
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true })
  })

  /**
   * One run on a fake engine, of a small app with the spec's defaults
   * (an embedded database) and `inputs`, settling for 10 ms only.
   */
  async function pipelineRun(
    inputs: Record<string, unknown> = {},
    engine: FakeEngineOptions = {},
    ui: Ui & { lines?: string[] } = recordingUi()
  ) {
    const root = tempDir('aio-pipeline-')
    roots.push(root)
    const context = path.join(root, 'app')
    writeFiles(context, { 'app.py': 'print("hello")\n' })
    const fake = fakeContainerEngine({ readyAfterMs: 10, ...engine })
    const workDir = path.join(root, 'work')
    const result = await runPipeline({
      spec: testSpec({ context, 'idle-settle': '10ms', ...inputs }),
      docker: fake.engine,
      ui,
      env: { XDG_CACHE_HOME: path.join(root, 'cache') },
      workDir,
      runId: 'r1'
    })
    const check = (id: string) => result.report.checks.find(c => c.id === id)
    return { result, report: result.report, fake, workDir, check, lines: ui.lines ?? [] }
  }

  it('passes a run that keeps every guarantee: the report in the work dir, every figure, no push', async () => {
    const { result, report, fake, workDir } = await pipelineRun()
    expect(result).toMatchObject({
      imageId: FAKE_IMAGE_ID,
      reportPath: path.join(workDir, 'report.json'),
      renderedDir: path.join(workDir, 'rendered')
    })
    expect(fs.existsSync(path.join(result.renderedDir, 'Dockerfile'))).toBe(true)
    expect(fs.existsSync(path.join(result.renderedDir, 'app', 'app.py'))).toBe(true)
    expect(JSON.parse(fs.readFileSync(result.reportPath, 'utf8'))).toEqual(report)
    expect(report.passed).toBe(true)
    expect(report.checks.map(check => [check.id, check.passed])).toEqual([
      ['graceful-stop', true],
      ['clean-database-shutdown', true],
      ['data-kept-after-restart', true],
      ['hardened-run', true],
      ['listening-ports', true]
    ])
    // every figure but the upgrade's, which needs upgrade-from
    expect(
      FIGURES.filter(figure => figure.value(report) === undefined).map(figure => figure.id)
    ).toEqual(['upgrade-time'])
    expect(report.image).toMatchObject({ id: FAKE_IMAGE_ID, size: FAKE_IMAGE_SIZE })
    expect(report.image.compressedSize).toBeGreaterThan(0)
    expect(report.memory?.idle.max).toBe(5000)
    expect(report.cache?.used).toBe('inline')
    expect(report.push).toBeUndefined()
    // Built once, booted twice on one volume, once hardened on another, and nothing pushed.
    expect(fake.calls).toEqual([
      'buildx',
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'startContainer',
      'stopContainer',
      'removeContainer',
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'removeContainer'
    ])
  })

  it('fails the report on a budget miss, saying by how much', async () => {
    const { report, check } = await pipelineRun({ 'max-image-size': '1kB' })
    expect(report.passed).toBe(false)
    expect(check('max-image-size')).toMatchObject({ kind: 'budget', passed: false })
    expect(check('max-image-size')?.detail).toMatch(/^over by \d+\.\d kB \(\d+\.\d%\)$/)
    expect(report.checks.filter(c => c.kind === 'runtime').every(c => c.passed)).toBe(true)
  })

  it.each<[string, FakeEngineOptions, string, string]>([
    ['a listener on an undeclared port', { extraListeners: [5432] }, 'listening-ports', '5432'],
    [
      'the row written before the stop not read back',
      { losesData: true },
      'data-kept-after-restart',
      'row written before the stop is gone'
    ]
  ])(
    'fails the report on a runtime check, fail-on-budget or not: %s',
    async (_, engine, id, said) => {
      const { report, check } = await pipelineRun({ 'fail-on-budget': false }, engine)
      expect(report.passed).toBe(false)
      expect(check(id)).toMatchObject({ kind: 'runtime', passed: false })
      const { failures } = verdict(report, false)
      expect(failures).toHaveLength(1)
      expect(failures[0]).toContain(said)
    }
  )

  it('pushes every tag after every check passed; the report has the digest', async () => {
    const { report, fake, result } = await pipelineRun({ push: true, tags: TAGS })
    expect(fake.argsOf('push')).toEqual(TAGS.map(tag => [tag]))
    expect(report.push).toEqual({
      pushed: true,
      digest: FAKE_DIGEST,
      tags: TAGS.map(tag => ({ tag, digest: FAKE_DIGEST })),
      platforms: [],
      failed: false
    })
    expect(JSON.parse(fs.readFileSync(result.reportPath, 'utf8')).push).toEqual(report.push)
  })

  it('refuses to push after a failed check, saying which', async () => {
    const { report, fake } = await pipelineRun({
      push: true,
      tags: TAGS,
      'max-image-size': '1kB'
    })
    expect(fake.calls).not.toContain('push')
    expect(report.push).toEqual({
      pushed: false,
      tags: [],
      platforms: [],
      failed: false,
      reason: 'not pushed: Image size failed'
    })
  })

  describe('with upgrade-from', () => {
    const FROM = 'r.example/demo:0'
    const upgrade = { 'upgrade-from': FROM, 'verify-hardened': false, push: true, tags: TAGS }

    it('reports the upgrade figure and check, holds the upgrade to the startup budget, and pushes', async () => {
      const { report, check, fake } = await pipelineRun(
        { ...upgrade, 'max-startup-time': '10s' },
        { localImages: [FROM] }
      )
      expect(FIGURES.filter(figure => figure.value(report) === undefined)).toEqual([])
      expect(check('upgrade-from')).toMatchObject({
        kind: 'runtime',
        title: 'Upgrade',
        actual: expect.stringMatching(
          /^ready in \d+\.\d{3} s on the data of r\.example\/demo:0, row kept$/
        ),
        passed: true
      })
      expect(check('max-upgrade-time')).toMatchObject({
        kind: 'budget',
        title: 'Upgrade to ready',
        budget: '10.000 s',
        passed: true
      })
      expect(report.passed).toBe(true)
      expect(fake.argsOf('push')).toEqual(TAGS.map(tag => [tag]))
    })

    it('pushes nothing when this image is not ready on the data upgrade-from left, saying so with the log', async () => {
      const { report, fake } = await pipelineRun(upgrade, {
        localImages: [FROM],
        containers: { 'aio-r1-upgrade': { exits: true } }
      })
      expect(report.passed).toBe(false)
      expect(fake.calls).not.toContain('push')
      expect(report.push).toMatchObject({ pushed: false, reason: 'not pushed: Upgrade failed' })
      expect(verdict(report, true).failures).toEqual([
        expect.stringMatching(
          /^Upgrade: not ready on the data of r\.example\/demo:0, the container exited with code 1 before it was ready; its last log lines:\naio: ERROR: something broke/
        )
      ])
      // Even with fail-on-budget false: a runtime check.
      expect(verdict(report, false).failures).toHaveLength(1)
    })
  })

  const refused = async (tag: string): Promise<string> => {
    throw new DockerError(['push', tag], {
      exitCode: 1,
      stdout: '',
      stderr: 'unauthorized: authentication required'
    })
  }

  it('fails the push when the registry refuses authentication, saying how to log in', async () => {
    const { report } = await pipelineRun(
      { push: true, tags: TAGS },
      { overrides: { push: refused } }
    )
    expect(report.passed).toBe(true)
    expect(report.push).toMatchObject({ pushed: false, failed: true, tags: [] })
    expect(report.push?.reason).toMatch(
      /^push failed \(log in to the registry first: .*\): docker push r\.example\/demo:1 failed with exit code 1:\nunauthorized: authentication required$/
    )
    expect(verdict(report, true).failures).toEqual([report.push?.reason])
  })

  it('ends the push phase as failed when the push failed, and the report keeps the result', async () => {
    const stream = recordingStream()
    const { report } = await pipelineRun(
      { push: true, tags: TAGS },
      { overrides: { push: refused } },
      new TerminalUi({ stream, verbose: false, env: {} })
    )
    expect(report.push).toMatchObject({ pushed: false, failed: true })
    const title = `Push ${TAGS.join(', ')}`
    const lines = stream.text.split('\n').map(line => line.replace(/\(\d+\.\d s\)/, '(T)'))
    expect(lines).toContain(`✖ ${title} (T)`)
    expect(lines).not.toContain(`✔ ${title} (T)`)
  })

  it('builds and pushes a platform list beyond the native one, after verifying the native image', async () => {
    const platforms = ['linux/amd64', 'linux/386']
    const { report, fake } = await pipelineRun(
      { push: true, tags: TAGS, platforms },
      { driver: 'docker-container' }
    )
    const [native, list] = fake.argsOf('buildx').map(([args]) => args as string[])
    expect(native).toContain('--load')
    expect(list).toEqual(expect.arrayContaining(['--platform', platforms.join(','), '--push']))
    expect(fake.calls).not.toContain('push')
    expect(report.push).toEqual({
      pushed: true,
      digest: FAKE_DIGEST,
      tags: TAGS.map(tag => ({ tag, digest: FAKE_DIGEST })),
      platforms,
      failed: false
    })
  })
  describe('the docker driver, whose image store decides what it can do', () => {
    it('asks the engine for its image store once, and only for the docker driver', async () => {
      for (const [driver, asks] of [
        ['docker', 1],
        ['docker-container', 0]
      ] as const) {
        let asked = 0
        const containerdImageStore = async () => (asked++, true)
        await pipelineRun(
          { push: true, tags: TAGS, provenance: 'true', platforms: ['linux/amd64', 'linux/386'] },
          { driver, overrides: { containerdImageStore } }
        )
        expect(asked).toBe(asks)
      }
    })

    it('exports a local cache and builds a platform list on the containerd store', async () => {
      const platforms = ['linux/amd64', 'linux/386']
      const { fake, lines } = await pipelineRun(
        { push: true, tags: TAGS, platforms },
        { containerdImageStore: true }
      )
      expect(lines.find(line => line.startsWith('build cache:'))).toMatch(
        /^build cache: local: auto, no GitHub Actions cache service here and builder "default" uses the docker driver on the containerd image store; cache directory /
      )
      const [native, list] = fake.argsOf('buildx').map(([args]) => args as string[])
      expect(native).toEqual(expect.arrayContaining(['--cache-to', '--load']))
      expect(list).toEqual(expect.arrayContaining(['--platform', platforms.join(','), '--push']))
    })

    it('refuses a platform list on the classic store before building, saying why', async () => {
      await expect(pipelineRun({ platforms: ['linux/amd64', 'linux/386'] })).rejects.toThrow(
        'but builder "default" uses the docker driver on the classic image store, which builds one platform at a time'
      )
    })
  })

  describe('attestations and annotations, which live in pushed manifests', () => {
    const attested = { push: true, tags: TAGS, provenance: 'mode=max', annotations: ['a.b=c'] }
    const buildArgs = (fake: { argsOf: (method: string) => unknown[][] }) =>
      fake.argsOf('buildx').map(([args]) => args as string[])

    it('pushes through buildx with them where the builder keeps them: the native platform, verified first', async () => {
      for (const engine of [{ driver: 'docker-container' }, { containerdImageStore: true }]) {
        const { report, fake, result, lines } = await pipelineRun(attested, engine)
        const [native, pushed] = buildArgs(fake)
        expect(native).toContain('--load')
        expect(native).not.toContain('--attest')
        expect(pushed).toEqual(
          expect.arrayContaining(['--platform', 'linux/amd64', '--push', '--attest'])
        )
        expect(pushed[pushed.indexOf('--attest') + 1]).toBe('type=provenance,mode=max')
        expect(pushed[pushed.indexOf('--annotation') + 1]).toBe('a.b=c')
        expect(fake.calls).not.toContain('push')
        expect(report.push).toMatchObject({ pushed: true, digest: FAKE_DIGEST })
        // The metadata output is the pushed build's.
        expect(result.metadata['containerimage.digest']).toBe(FAKE_DIGEST)
        expect(lines).toContain('provenance, annotations: pushed with the image by buildx')
      }
    })

    it('leaves them out on the docker driver with the classic store, saying what and why, and still pushes', async () => {
      const { report, fake, result, lines } = await pipelineRun(attested)
      expect(buildArgs(fake)).toHaveLength(1)
      expect(buildArgs(fake)[0]).not.toContain('--attest')
      expect(fake.argsOf('push')).toEqual(TAGS.map(tag => [tag]))
      expect(report.push).toMatchObject({ pushed: true })
      expect(result.metadata['containerimage.digest']).toBe(FAKE_IMAGE_ID)
      expect(lines).toContain(
        'warning: provenance, annotations left out: builder "default" uses the docker driver on the classic image store, which keeps no attestations or annotations; use a docker-container builder (on GitHub: docker/setup-buildx-action) or turn on the containerd image store'
      )
    })

    it('says they go with a pushed image when nothing is pushed; provenance false needs nothing', async () => {
      const { fake, lines } = await pipelineRun({ sbom: 'true' }, { driver: 'docker-container' })
      expect(buildArgs(fake)).toHaveLength(1)
      expect(lines).toContain('sbom: go with a pushed image; push is false')
      const disabled = await pipelineRun({ push: true, tags: TAGS, provenance: 'false' })
      expect(disabled.lines.join('\n')).not.toMatch(/provenance/)
      expect(disabled.fake.argsOf('push')).toHaveLength(2)
    })
  })
})
