// The action's run() in process, with @actions/core faked (the way github's
// typescript-action template tests its main) and the engine faked too:
// inputs -> outputs, state for the post step, the step's verdict, cleanup.
import fs from 'node:fs'
import path from 'node:path'
import { jest } from '@jest/globals'
import { withoutRunnerVariables } from '../helpers/action-runner.js'
import * as core from '../helpers/fake-core.js'
import {
  disposeFakeEngines,
  FAKE_IMAGE_ID,
  FAKE_IMAGE_SIZE,
  fakeContainerEngine,
  type FakeEngine,
  type FakeEngineOptions
} from '../helpers/fake-docker.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'
import { toolkitTempDir } from '../../src/engine/toolkit.js'

// What every `new Docker()` of the run gets.
let engine: FakeEngine
const Docker = jest.fn(() => engine.engine)
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('../../src/engine/docker.js', () => ({ Docker }))
const { run } = await import('../../src/action/main.js')

describe('run (the action)', () => {
  const savedEnv = process.env
  let root: string
  let runnerTemp: string

  beforeEach(() => {
    jest.clearAllMocks()
    root = tempDir('aio-action-')
    runnerTemp = path.join(root, 'runner')
    fs.mkdirSync(runnerTemp)
    writeFiles(root, { 'app/app.py': 'print("hello")\n' })
    process.env = {
      ...withoutRunnerVariables(),
      RUNNER_TEMP: runnerTemp,
      XDG_CACHE_HOME: path.join(root, 'cache'),
      GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary.md')
    }
  })

  afterEach(async () => {
    process.env = savedEnv
    await disposeFakeEngines()
    fs.rmSync(root, { recursive: true, force: true })
  })

  /** run() with a small app's inputs plus `inputs`, settling for 10 ms, on a fake engine. */
  async function runAction(inputs: Record<string, string> = {}, options: FakeEngineOptions = {}) {
    engine = fakeContainerEngine({ readyAfterMs: 10, ...options })
    core.setInputs({
      name: 'demo',
      context: path.join(root, 'app'),
      'app-command': 'python3 app.py',
      'idle-settle': '10ms',
      ...inputs
    })
    await run()
    return { outputs: core.outputs(), state: core.savedState(), fake: engine }
  }

  it('fails the step on a bad input, naming it, before any engine call', async () => {
    const { outputs } = await runAction({ 'app-port': 'abc' })
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed).toHaveBeenCalledWith(
      'input `app-port`: "abc" is not allowed; expected an integer'
    )
    expect(Docker).not.toHaveBeenCalled()
    expect(outputs).toEqual({ passed: 'false' })
  })

  it('sets every output of a passing run and saves the run id, work dir and toolkit temp dir for the post step', async () => {
    const { outputs, state } = await runAction()
    expect(core.setFailed).not.toHaveBeenCalled()
    const workDir = path.join(runnerTemp, `aio-image-${state['run-id']}`)
    expect(state).toEqual({
      'run-id': expect.stringMatching(/^[0-9a-f]{12}$/),
      'work-dir': workDir,
      tmpDir: toolkitTempDir()
    })
    const seconds = expect.stringMatching(/^\d+\.\d{3}$/)
    expect(outputs).toEqual({
      'image-id': FAKE_IMAGE_ID,
      imageid: FAKE_IMAGE_ID,
      metadata: expect.stringContaining(`"containerimage.digest":"${FAKE_IMAGE_ID}"`),
      digest: '',
      'image-size': String(FAKE_IMAGE_SIZE),
      'compressed-size': expect.stringMatching(/^[1-9]\d*$/),
      'build-time': seconds,
      'startup-time': seconds,
      'restart-time': seconds,
      // measured only with upgrade-from
      'upgrade-time': '',
      'idle-memory': '5000',
      passed: 'true',
      report: path.join(workDir, 'report.json'),
      'rendered-dir': path.join(workDir, 'rendered')
    })
    expect(JSON.parse(fs.readFileSync(outputs.report, 'utf8'))).toMatchObject({ passed: true })
    expect(core.summary.addRaw).toHaveBeenCalledWith(expect.stringContaining('demo'))
    expect(core.summary.write).toHaveBeenCalledTimes(1)
  })

  it('masks build secrets before anything is logged, and shows them nowhere', async () => {
    process.env.PRIVATE_INDEX = 'https://u:3nv-s3cr3t@pypi.example/simple'
    const { outputs, state, fake } = await runAction({
      secrets:
        'NPM_TOKEN=t0k3n-s3cr3t\n"SSH_KEY=-----BEGIN KEY-----\nk3y-s3cr3t\n-----END KEY-----"',
      'secret-envs': 'UV_INDEX_URL=PRIVATE_INDEX'
    })
    expect(core.setFailed).not.toHaveBeenCalled()
    const logs = [core.info, core.warning, core.debug, core.notice, core.error, core.group]
    const firstLog = Math.min(...logs.flatMap(log => log.mock.invocationCallOrder))
    const maskedAt = (value: string) =>
      core.setSecret.mock.invocationCallOrder[
        core.setSecret.mock.calls.findIndex(([masked]) => masked === value)
      ]
    // A multi-line value line by line, as the runner masks.
    for (const value of ['t0k3n-s3cr3t', 'k3y-s3cr3t', process.env.PRIVATE_INDEX])
      expect([value, maskedAt(value) < firstLog]).toEqual([value, true])

    const rendered = fs
      .readdirSync(outputs['rendered-dir'], { recursive: true, withFileTypes: true })
      .filter(entry => entry.isFile())
      .map(entry => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    const shown = JSON.stringify([
      outputs,
      state,
      logs.map(log => log.mock.calls),
      core.setFailed.mock.calls,
      core.summary.addRaw.mock.calls,
      fs.readFileSync(outputs.report, 'utf8'),
      rendered,
      fake.argsOf('buildx')
    ])
    expect(shown).toContain('NPM_TOKEN')
    expect(shown).not.toMatch(/s3cr3t/)
  })

  it('fails the step on a budget miss with the failure line', async () => {
    const { outputs } = await runAction({ 'max-image-size': '1kB' })
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(/^Image size: [\d.]+ kB \(budget 1\.0 kB\), over by /)
    )
    expect(outputs.passed).toBe('false')
  })

  it('only warns of a budget miss with fail-on-budget: false, and passed is false', async () => {
    const { outputs } = await runAction({ 'max-image-size': '1kB', 'fail-on-budget': 'false' })
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(/^Image size: [\d.]+ kB \(budget 1\.0 kB\), over by /)
    )
    expect(outputs.passed).toBe('false')
  })

  const buildFails: FakeEngineOptions['overrides'] = {
    buildx: async () => {
      throw new Error('docker buildx build failed with exit code 1:\nERROR: failed to solve')
    }
  }

  it.each<[string, FakeEngineOptions]>([
    ['a passing run', {}],
    ['a failed build', { overrides: buildFails }]
  ])("removes the run's containers and volumes at the end of %s", async (_, options) => {
    const { state, fake } = await runAction({}, options)
    expect(fake.argsOf('removeLabelled')).toEqual([[`aio-image.run=${state['run-id']}`]])
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('fails the step with the engine’s message when the build fails', async () => {
    const { outputs } = await runAction({}, { overrides: buildFails })
    expect(core.setFailed).toHaveBeenCalledWith(
      'docker buildx build failed with exit code 1:\nERROR: failed to solve'
    )
    expect(outputs).toEqual({ passed: 'false' })
  })
})
