// runPipeline's orchestration on a fake engine (no Docker): render, build,
// boot and measure, judge, push, and the report written at the end.
import fs from 'node:fs'
import path from 'node:path'
import { DockerError } from '../../src/engine/docker.js'
import { runPipeline } from '../../src/pipeline.js'
import { FIGURES } from '../../src/report/figures.js'
import { verdict } from '../../src/report/verdict.js'
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
  async function pipelineRun(inputs: Record<string, unknown> = {}, engine: FakeEngineOptions = {}) {
    const root = tempDir('aio-pipeline-')
    roots.push(root)
    const context = path.join(root, 'app')
    writeFiles(context, { 'app.py': 'print("hello")\n' })
    const fake = fakeContainerEngine({ readyAfterMs: 10, ...engine })
    const workDir = path.join(root, 'work')
    const result = await runPipeline({
      spec: testSpec({ context, 'idle-settle': '10ms', ...inputs }),
      docker: fake.engine,
      ui: recordingUi(),
      env: { XDG_CACHE_HOME: path.join(root, 'cache') },
      workDir,
      runId: 'r1'
    })
    const check = (id: string) => result.report.checks.find(c => c.id === id)
    return { result, report: result.report, fake, workDir, check }
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
    expect(FIGURES.filter(figure => figure.value(report) === undefined)).toEqual([])
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

  it('fails the push when the registry refuses authentication, saying how to log in', async () => {
    const refused = async (tag: string): Promise<string> => {
      throw new DockerError(['push', tag], {
        exitCode: 1,
        stdout: '',
        stderr: 'unauthorized: authentication required'
      })
    }
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

  it('builds and pushes a platform list beyond the native one, after verifying the native image', async () => {
    const platforms = ['linux/amd64', 'linux/arm64']
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
})
