import { DockerError } from '../../src/engine/errors.js'
import { pushedDigest, type DockerEngine } from '../../src/engine/docker.js'
import {
  isTransientRegistryError,
  publish,
  type PublishOptions
} from '../../src/publish/publish.js'
import {
  builderPlatforms,
  nativePlatform,
  needsPlatformBuild,
  PlatformError,
  samePlatform,
  unlistedPlatformsWarning
} from '../../src/build/platforms.js'
import type { Report } from '../../src/report/model.js'
import { testSpec } from '../helpers/spec.js'
import { recordingUi } from '../helpers/ui.js'

const DIGEST = `sha256:${'ab'.repeat(32)}`
const noDelay = { attempts: 3, firstDelayMs: 0 }

function report(passed: boolean): Report {
  return {
    passed,
    checks: [{ id: 'max-image-size', kind: 'budget', title: 'Image size', actual: '1 MB', passed }]
  } as Report
}

function pushFailure(stderr: string): DockerError {
  return new DockerError(['push', 'x'], { exitCode: 1, stdout: '', stderr })
}

/** An engine whose push answers from `outcomes` in turn (an Error is thrown). */
function pushingEngine(outcomes: Array<string | Error>) {
  const pushed: string[] = []
  const engine = {
    push: async (tag: string) => {
      pushed.push(tag)
      const outcome = outcomes.shift() ?? DIGEST
      if (outcome instanceof Error) throw outcome
      return outcome
    }
  } as unknown as DockerEngine
  return { engine, pushed }
}

describe('platforms', () => {
  // Not started yet: a docker-container builder lists no platforms until it runs.
  const container = { name: 'ci', driver: 'docker-container', native: 'linux/amd64', platforms: [] }

  it('compares platforms with default variants', () => {
    expect(samePlatform('linux/arm64', 'linux/arm64/v8')).toBe(true)
    expect(samePlatform('linux/amd64', 'linux/amd64')).toBe(true)
    expect(samePlatform('linux/arm/v7', 'linux/arm/v6')).toBe(false)
    expect(nativePlatform('linux/amd64, linux/386')).toBe('linux/amd64')
  })

  it('needs a platform build only beyond the native platform', () => {
    expect(needsPlatformBuild([], container)).toBe(false)
    expect(needsPlatformBuild(['linux/amd64'], container)).toBe(false)
    expect(needsPlatformBuild(['linux/amd64', 'linux/arm64'], container)).toBe(true)
    expect(needsPlatformBuild(['linux/arm64'], container)).toBe(true)
  })

  it('refuses a platform list on the docker driver with the classic store, saying why and what would do', () => {
    const classic = {
      ...container,
      name: 'default',
      driver: 'docker',
      imageStore: 'classic'
    } as const
    const run = () => needsPlatformBuild(['linux/amd64', 'linux/arm64'], classic)
    expect(run).toThrow(PlatformError)
    expect(run).toThrow(
      '`platforms`: linux/amd64, linux/arm64 names more than this machine\'s platform (linux/amd64); building them needs a builder that builds several platforms, but builder "default" uses the docker driver on the classic image store, which builds one platform at a time; use a docker-container builder (on GitHub: docker/setup-qemu-action and docker/setup-buildx-action) or turn on the containerd image store'
    )
    expect(needsPlatformBuild(['linux/amd64'], classic)).toBe(false)
  })

  it('builds a platform list on the docker driver with the containerd store', () => {
    const containerd = { ...container, driver: 'docker', imageStore: 'containerd' } as const
    expect(needsPlatformBuild(['linux/amd64', 'linux/arm64'], containerd)).toBe(true)
    expect(needsPlatformBuild(['linux/amd64'], containerd)).toBe(false)
  })

  it('reads every node’s platforms, each once', () => {
    expect(
      builderPlatforms([
        { platforms: 'linux/amd64, linux/amd64/v2, linux/386' },
        { platforms: 'linux/arm64,linux/amd64' },
        {}
      ])
    ).toEqual(['linux/amd64', 'linux/amd64/v2', 'linux/386', 'linux/arm64'])
  })

  it('warns of platforms the builder does not list, naming them and what adds them', () => {
    const listed = {
      ...container,
      name: 'default',
      driver: 'docker',
      imageStore: 'containerd',
      platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/386']
    } as const
    expect(unlistedPlatformsWarning(['linux/amd64', 'linux/386'], listed)).toBeUndefined()
    expect(unlistedPlatformsWarning(['linux/amd64', 'linux/arm64'], container)).toBeUndefined()
    expect(unlistedPlatformsWarning(['linux/amd64', 'linux/arm64/v8', 'linux/s390x'], listed)).toBe(
      '`platforms`: linux/arm64/v8, linux/s390x are not among the platforms builder "default" lists (linux/amd64, linux/amd64/v2, linux/386); if its build fails with "exec format error", it needs emulation (on GitHub: docker/setup-qemu-action before docker/setup-buildx-action) or a builder node of that platform'
    )
  })
})

describe('registry errors', () => {
  it('tells transient errors from the rest', () => {
    expect(
      isTransientRegistryError('received unexpected HTTP status: 503 Service Unavailable')
    ).toBe(true)
    expect(isTransientRegistryError('dial tcp 1.2.3.4:443: i/o timeout')).toBe(true)
    expect(isTransientRegistryError('read: connection reset by peer')).toBe(true)
    expect(isTransientRegistryError('unauthorized: authentication required')).toBe(false)
    expect(isTransientRegistryError('denied: requested access to the resource is denied')).toBe(
      false
    )
    expect(isTransientRegistryError('manifest invalid')).toBe(false)
  })

  it('reads the digest docker push prints', () => {
    expect(pushedDigest(`abc: Pushed\n1: digest: ${DIGEST} size: 1780\n`)).toBe(DIGEST)
    expect(pushedDigest('nothing')).toBeUndefined()
  })
})

describe('publish', () => {
  const spec = testSpec({ push: true, tags: ['r.example/a:1', 'r.example/a:latest'] })

  /** publish() on an engine whose pushes answer `outcomes` in turn; the tags pushed and the log. */
  async function publishWith(
    outcomes: Array<string | Error>,
    options: Partial<Pick<PublishOptions, 'spec' | 'report' | 'buildPlatforms'>> = {}
  ) {
    const { engine, pushed } = pushingEngine(outcomes)
    const ui = recordingUi()
    const result = await publish({
      docker: engine,
      spec,
      ui,
      report: report(true),
      retry: noDelay,
      ...options
    })
    return { result, pushed, lines: ui.lines }
  }

  it('pushes every tag after every check passed; the digest is the first tag’s', async () => {
    const { result, pushed } = await publishWith([])
    expect(pushed).toEqual(['r.example/a:1', 'r.example/a:latest'])
    expect(result).toEqual({
      pushed: true,
      digest: DIGEST,
      tags: [
        { tag: 'r.example/a:1', digest: DIGEST },
        { tag: 'r.example/a:latest', digest: DIGEST }
      ],
      platforms: [],
      failed: false
    })
  })

  it('pushes nothing when a check failed, and says which', async () => {
    const { result, pushed } = await publishWith([], { report: report(false) })
    expect(pushed).toEqual([])
    expect(result).toMatchObject({
      pushed: false,
      failed: false,
      reason: 'not pushed: Image size failed'
    })
  })

  it('does nothing without push and a platform list', async () => {
    const { result } = await publishWith([], { spec: testSpec({ tags: ['a:1'] }) })
    expect(result).toBeUndefined()
  })

  it('retries a transient registry error, saying so', async () => {
    const { result, pushed, lines } = await publishWith([
      pushFailure('503 Service Unavailable'),
      DIGEST
    ])
    expect(result?.pushed).toBe(true)
    expect(pushed).toEqual(['r.example/a:1', 'r.example/a:1', 'r.example/a:latest'])
    expect(lines[0]).toMatch(
      /^warning: push r.example\/a:1: transient registry error \(attempt 1 of 3\)/
    )
  })

  it('gives up after a bounded number of attempts and fails the push', async () => {
    const outage = () => pushFailure('502 Bad Gateway')
    const { result, pushed } = await publishWith([outage(), outage(), outage(), outage()])
    expect(pushed).toHaveLength(3)
    expect(result).toMatchObject({ pushed: false, failed: true, tags: [] })
    expect(result?.reason).toMatch(
      /^push failed: docker push x failed with exit code 1:\n502 Bad Gateway/
    )
  })

  it('does not retry an authentication error, and says how to log in', async () => {
    const { result, pushed } = await publishWith([
      pushFailure('unauthorized: authentication required')
    ])
    expect(pushed).toHaveLength(1)
    expect(result?.reason).toContain('log in to the registry first: docker/login-action')
  })

  it('builds and pushes the platform list instead of pushing the native image', async () => {
    const multi = testSpec({
      push: true,
      tags: ['r.example/a:1'],
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const builds: boolean[] = []
    const buildPlatforms = async (push: boolean) => {
      builds.push(push)
      return DIGEST
    }
    const pushing = await publishWith([], { spec: multi, buildPlatforms })
    expect(pushing.pushed).toEqual([])
    expect(pushing.result).toMatchObject({
      pushed: true,
      digest: DIGEST,
      platforms: ['linux/amd64', 'linux/arm64']
    })
    const building = await publishWith([], { spec: { ...multi, push: false }, buildPlatforms })
    expect(building.result).toMatchObject({
      pushed: false,
      failed: false,
      reason: 'push is false: linux/amd64, linux/arm64 built, not pushed'
    })
    expect(builds).toEqual([true, false])
  })
})
