// Push on success, against a real registry with real authentication: the
// action as a runner runs it, logged in through DOCKER_CONFIG as
// docker/login-action leaves it. Also the cache `auto` chooses here (no
// GitHub Actions cache service) and a baseline comparison. Engine-sensitive:
// scripts/test.sh runs it on both image stores.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import tar from 'tar-stream'
import { ROOT, runAction, runPost, type ActionRun } from '../helpers/action-runner.js'
import { dockerStatus, imageStore } from '../helpers/docker.js'
import { TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

const BUILD_TIMEOUT = 15 * 60_000
const REPOSITORY = 'aio-i3/notes'

const notesInputs = {
  context: path.join(ROOT, 'examples', 'notes'),
  name: 'aio-i3-notes',
  'app-command': 'exec python3 app.py',
  'app-packages': 'python3, python3-psycopg',
  'idle-settle': '1s',
  push: 'true'
}

describe('push to a registry', () => {
  let registry: TestRegistry
  let pushed: ActionRun
  let store: 'containerd' | 'classic'
  const baselineFile = path.join(tempDir('aio-i3-baseline-'), 'report.json')
  // Where a local build cache goes (the containerd store's docker driver exports one).
  const cacheHome = tempDir('aio-i3-push-cache-')
  const tag = (name: string) => `${registry.host}/${REPOSITORY}:${name}`
  const run = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runAction(
      { ...notesInputs, ...inputs },
      { env: { DOCKER_CONFIG: registry.dockerConfig, XDG_CACHE_HOME: cacheHome, ...env } }
    )

  beforeAll(async () => {
    store = await imageStore()
    registry = await TestRegistry.start()
    // A pull request whose base branch has no saved report, outside GitHub's cache service.
    pushed = await run(
      { tags: `${tag('1')}\n${tag('latest')}`, 'max-image-size': '400MB' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' }
    )
    if (pushed.outputs.report) fs.copyFileSync(pushed.outputs.report, baselineFile)
    await runPost(pushed)
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    fs.rmSync(path.dirname(baselineFile), { recursive: true, force: true })
    fs.rmSync(cacheHome, { recursive: true, force: true })
    await registry?.stop()
    for (const name of ['1', 'latest', 'budget', 'broken'])
      await dockerStatus('image', 'rm', `${registry.host}/${REPOSITORY}:${name}`)
  })

  it('pushes every tag after every check passed; digest is what the registry serves', async () => {
    if (pushed.exitCode !== 0) throw new Error(pushed.log)
    expect(pushed.outputs.passed).toBe('true')
    expect(pushed.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await registry.manifestDigest(REPOSITORY, '1')).toBe(pushed.outputs.digest)
    expect(await registry.manifestDigest(REPOSITORY, 'latest')).toBe(pushed.outputs.digest)
    expect(pushed.log).toContain(`::group::Push ${tag('1')}, ${tag('latest')}`)
    expect(pushed.summary).toContain(
      `📦 Pushed: \`${tag('1')}\`, \`${tag('latest')}\` (digest \`${pushed.outputs.digest}\`)`
    )
    const report = JSON.parse(fs.readFileSync(baselineFile, 'utf8'))
    expect(report.push).toMatchObject({ pushed: true, digest: pushed.outputs.digest })
  })

  it('never shows the registry password', () => {
    expect(pushed.log).not.toContain(registry.password)
    expect(pushed.summary).not.toContain(registry.password)
  })

  it('with cache auto and no cache service, says what it chose', () => {
    expect(pushed.log).toContain(
      store === 'classic'
        ? 'build cache: inline: auto, builder "default" uses the docker driver on the classic image store, which exports only inline cache; cache metadata goes into the image, read back from'
        : 'build cache: local: auto, no GitHub Actions cache service here and builder "default" uses the docker driver on the containerd image store; cache directory'
    )
    expect(pushed.summary).toContain(
      `Build cache: ${store === 'classic' ? 'inline' : 'local'}: auto`
    )
    expect(pushed.log).toContain('the GitHub Actions cache service is not available here; skipped')
  })

  it('says so when the base branch of a pull request has no saved report', () => {
    expect(pushed.summary).toContain(
      'No baseline to compare with: no report of `aio-i3-notes` saved for the base branch `main`'
    )
  })

  it(
    'pushes nothing when a budget failed, even with fail-on-budget: false; shows deltas to the baseline',
    async () => {
      const missed = await run({
        tags: tag('budget'),
        verify: 'false',
        'max-image-size': '10MB',
        'fail-on-budget': 'false',
        'baseline-report': baselineFile
      })
      await runPost(missed)
      if (missed.exitCode !== 0) throw new Error(missed.log)
      expect(missed.outputs.passed).toBe('false')
      expect(missed.outputs.digest).toBe('')
      expect(await registry.manifestDigest(REPOSITORY, 'budget')).toBeUndefined()
      expect(missed.summary).toContain('⏭️ not pushed: Image size failed')
      expect(missed.summary).toContain(`Compared with the baseline (${baselineFile}):`)
      // Same image as the baseline's: no change in size.
      expect(missed.summary).toMatch(/\| image size \| ([\d.]+ MB) \| \1 \| 0 B \(0\.0%\) \|/)
    },
    BUILD_TIMEOUT
  )

  it(
    'pushes nothing when the build failed',
    async () => {
      // A local base image without a shell: the first RUN fails, and nothing is pulled.
      const base = 'aio-i3-empty:1'
      await new Promise<void>((resolve, reject) => {
        const load = spawn('docker', ['import', '-', base], {
          stdio: ['pipe', 'ignore', 'inherit']
        })
        load.on('close', code =>
          code === 0 ? resolve() : reject(new Error(`docker import ${code}`))
        )
        const empty = tar.pack()
        empty.pipe(load.stdin)
        empty.finalize()
      })
      try {
        const broken = await run({ tags: tag('broken'), 'base-image': base })
        await runPost(broken)
        expect(broken.exitCode).toBe(1)
        expect(broken.log).toContain('::error::docker buildx build failed')
        expect(broken.log).not.toContain('::group::Push')
        expect(await registry.manifestDigest(REPOSITORY, 'broken')).toBeUndefined()
      } finally {
        await dockerStatus('image', 'rm', base)
      }
    },
    BUILD_TIMEOUT
  )

  it(
    'with a platform the builder cannot build, refuses before building (classic store) or pushes nothing (containerd store)',
    async () => {
      const multi = await run({ tags: tag('multi'), platforms: 'linux/amd64,linux/arm64' })
      await runPost(multi)
      expect(multi.exitCode).toBe(1)
      expect(await registry.manifestDigest(REPOSITORY, 'multi')).toBeUndefined()
      if (store === 'classic') {
        expect(multi.log).toContain(
          '`platforms`: linux/amd64, linux/arm64 names more than this machine\'s platform (linux/amd64); building them needs a builder that builds several platforms, but builder "default" uses the docker driver on the classic image store'
        )
        expect(multi.log).not.toContain('::group::Build')
      } else {
        // The docker driver on the containerd store builds several platforms,
        // but lists no arm64 here: a warning, then the native image verified,
        // then the build of both fails (no QEMU, and no arm64 base to pull).
        expect(multi.log).toContain(
          '::warning::`platforms`: linux/arm64 is not among the platforms builder "default" lists ('
        )
        expect(multi.log).toContain('::error::push failed: docker buildx build failed')
      }
    },
    BUILD_TIMEOUT
  )
})
