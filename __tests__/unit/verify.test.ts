import { hardenedArgs } from '../../src/engine/docker.js'
import {
  expectedPorts,
  HARDENED_USER,
  listeningPorts,
  median,
  MIGRATION_LINE,
  NotReadyError,
  Verifier
} from '../../src/measure/boot.js'
import type { UpgradeStep } from '../../src/report/model.js'
import {
  disposeFakeEngines,
  fakeContainerEngine,
  type FakeEngineOptions
} from '../helpers/fake-docker.js'
import { testSpec } from '../helpers/spec.js'

describe('Verifier', () => {
  afterEach(disposeFakeEngines)

  it('times first boot and restart to ready, samples memory, stops cleanly', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 300 })
    const spec = testSpec({ 'idle-settle': '10ms', 'run-env': ['SECRET=x'] })
    let settled = false
    const result = await new Verifier(fake.engine, spec, {
      image: 'sha256:abc',
      runId: 'r1',
      memorySamples: 3,
      whileSettling: async () => void (settled = true)
    }).run()
    expect(result.startupMs).toBeGreaterThanOrEqual(290)
    expect(result.startupMs).toBeLessThan(3000)
    expect(result.restartMs).toBeGreaterThanOrEqual(290)
    expect(result.idleMemory).toEqual({ samples: [1000, 2000, 3000], median: 2000, max: 3000 })
    expect(result.stop.cleanDatabaseShutdown).toBe(true)
    expect(result.runtime).toEqual({
      listeningPorts: [8000],
      expectedPorts: [8000],
      dataKept: true,
      hardened: {
        user: HARDENED_USER,
        readySeconds: expect.any(Number),
        stop: { seconds: expect.any(Number), cleanDatabaseShutdown: true }
      }
    })
    expect(result.runtime.hardened?.readySeconds).toBeGreaterThanOrEqual(0.29)
    expect(settled).toBe(true)
    expect(fake.calls).toEqual([
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'startContainer',
      'stopContainer',
      'removeContainer',
      // the hardened run: one more boot on a volume of its own
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'removeContainer'
    ])
    // published on loopback only, run-env passed by name, labelled for cleanup
    expect(fake.containerOptions()).toMatchObject({
      env: { SECRET: 'x' },
      labels: { 'aio-image.run': 'r1' },
      volume: 'aio-r1-data'
    })
  })

  it('boots once more under the hardened profile as an arbitrary non-root uid, on a fresh volume', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 10 })
    const spec = testSpec({ 'idle-settle': '10ms', 'run-env': ['SECRET=x'] })
    await new Verifier(fake.engine, spec, { image: 'x', runId: 'r1', memorySamples: 1 }).run()
    expect(fake.containerOptions()?.hardened).toBeUndefined()
    expect(fake.containerOptions('aio-r1-hardened')).toEqual({
      name: 'aio-r1-hardened',
      image: 'x',
      labels: { 'aio-image.run': 'r1' },
      env: { SECRET: 'x' },
      volume: 'aio-r1-hardened-data',
      ports: [[expect.any(Number), 8000]],
      hardened: { user: '12345:0' }
    })
  })

  it('reports a hardened run that never gets ready, with the log, without failing the run', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 10, hardenedExits: true })
    const spec = testSpec({ 'idle-settle': '10ms' })
    const result = await new Verifier(fake.engine, spec, {
      image: 'x',
      runId: 'r1',
      memorySamples: 1
    }).run()
    expect(result.runtime.hardened).toEqual({
      user: HARDENED_USER,
      error: expect.stringMatching(
        /^the container exited with code 1 before it was ready; its last log lines:\naio: ERROR: something broke/
      )
    })
    expect(result.runtime.dataKept).toBe(true)
  })

  it('skips the hardened run with verify-hardened false', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 10 })
    const spec = testSpec({ 'idle-settle': '10ms', 'verify-hardened': false })
    const result = await new Verifier(fake.engine, spec, {
      image: 'x',
      runId: 'r1',
      memorySamples: 1
    }).run()
    expect(result.runtime.hardened).toBeUndefined()
    expect(fake.argsOf('createContainer')).toEqual([['aio-r1']])
  })

  it("gives each variant of a run its own container and volume, under the run's label", async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 10 })
    const spec = { ...testSpec({ 'idle-settle': '10ms' }), variant: 'genie' }
    await new Verifier(fake.engine, spec, { image: 'x', runId: 'r1', memorySamples: 1 }).run()
    expect(fake.containerOptions()).toMatchObject({
      name: 'aio-r1-genie',
      volume: 'aio-r1-genie-data',
      labels: { 'aio-image.run': 'r1' }
    })
  })

  it('fails with the log tail when the container exits before ready', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 0, exitsAfterStart: true })
    const verifier = new Verifier(fake.engine, testSpec(), {
      image: 'x',
      runId: 'r2',
      readyTimeoutMs: 5000
    })
    const error = await verifier.run().catch(e => e)
    expect(error).toBeInstanceOf(NotReadyError)
    expect(error.message).toMatch(
      /the container exited with code 1 before it was ready; its last log lines:\naio: ERROR: something broke/
    )
  })

  it('fails within its bound when the app never answers', async () => {
    const fake = fakeContainerEngine({ readyAfterMs: 60_000 })
    const started = Date.now()
    const error = await new Verifier(fake.engine, testSpec(), {
      image: 'x',
      runId: 'r3',
      readyTimeoutMs: 500
    })
      .run()
      .catch(e => e)
    expect(error).toBeInstanceOf(NotReadyError)
    expect(error.message).toMatch(
      /demo was not ready \(GET \/health answering 2xx\/3xx and pg_isready\): not ready within/
    )
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe('the upgrade check', () => {
  afterEach(disposeFakeEngines)

  const FROM = 'ghcr.io/acme/demo:1.2.3'
  const upgradeSpec = (inputs: Record<string, unknown> = {}) =>
    testSpec({
      'idle-settle': '10ms',
      'verify-hardened': false,
      'upgrade-from': FROM,
      'migrate-command': 'python3 migrate.py',
      ...inputs
    })
  // This image's container on the upgraded volume logs what run-app logs before the migration.
  const migrating = { 'aio-r1-upgrade': { log: `${MIGRATION_LINE}\nmigrated\n` } }
  const verify = (engine: FakeEngineOptions, spec = upgradeSpec()) => {
    const fake = fakeContainerEngine({
      readyAfterMs: 10,
      localImages: [FROM],
      ...engine,
      containers: { ...migrating, ...engine.containers }
    })
    const verifier = new Verifier(fake.engine, spec, {
      image: 'x',
      runId: 'r1',
      memorySamples: 1,
      readyTimeoutMs: 2000
    })
    return { fake, result: verifier.run() }
  }

  it('boots upgrade-from on a fresh volume, writes a row, stops it, then boots this image on that volume: ready, the row kept, migrated, healthy', async () => {
    const { fake, result } = verify({ readyAfterMs: 200 })
    const { upgrade } = (await result).runtime
    expect(upgrade).toEqual({ from: FROM, readySeconds: expect.any(Number), migrated: true })
    expect(upgrade?.readySeconds).toBeGreaterThanOrEqual(0.19)
    expect(fake.calls).toEqual([
      // first boot and restart, as without upgrade-from
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'startContainer',
      'stopContainer',
      'removeContainer',
      // the image users run today, on a fresh volume, stopped gracefully
      'createVolume',
      'createContainer',
      'startContainer',
      'stopContainer',
      'removeContainer',
      // this image on the volume it left
      'createContainer',
      'startContainer',
      'removeContainer'
    ])
    const labels = { 'aio-image.run': 'r1' }
    expect(fake.argsOf('createVolume')[1]).toEqual(['aio-r1-upgrade-data'])
    expect(fake.containerOptions('aio-r1-upgrade-from')).toMatchObject({
      image: FROM,
      volume: 'aio-r1-upgrade-data',
      labels
    })
    expect(fake.containerOptions('aio-r1-upgrade')).toMatchObject({
      image: 'x',
      volume: 'aio-r1-upgrade-data',
      labels
    })
    expect(fake.argsOf('removeContainer').slice(1)).toEqual([
      ['aio-r1-upgrade-from'],
      ['aio-r1-upgrade']
    ])
    expect(fake.calls).not.toContain('pull')
  })

  it('pulls upgrade-from when the engine does not hold it', async () => {
    const { fake, result } = verify({ localImages: [] })
    expect((await result).runtime.upgrade?.failed).toBeUndefined()
    expect(fake.argsOf('pull')).toEqual([[FROM]])
  })

  it('needs no migration line without a migrate command', async () => {
    const { result } = verify(
      { containers: { 'aio-r1-upgrade': {} } },
      upgradeSpec({ 'migrate-command': undefined })
    )
    expect((await result).runtime.upgrade).toEqual({ from: FROM, readySeconds: expect.any(Number) })
  })

  it.each<[UpgradeStep, string, FakeEngineOptions, RegExp]>([
    ['pull', 'cannot be pulled', { localImages: [], pullFails: true }, /pull access denied/],
    [
      'previous-ready',
      'does not get ready',
      { containers: { 'aio-r1-upgrade-from': { exits: true } } },
      /^the container exited with code 1 before it was ready; its last log lines:\naio: ERROR: something broke/
    ],
    [
      'ready',
      'is not ready on its data',
      { containers: { 'aio-r1-upgrade': { exits: true } } },
      /^the container exited with code 1 before it was ready; its last log lines:\naio: ERROR: something broke/
    ],
    [
      'marker-kept',
      'loses the row',
      { losesData: true },
      /^the row written under ghcr\.io\/acme\/demo:1\.2\.3 is not in aio_image_check; its last log lines:\n/
    ],
    [
      'migrated',
      'shows no migration in its log',
      { containers: { 'aio-r1-upgrade': { log: 'started\n' } } },
      /^no "aio: running the migration command" in the log; its last log lines:\nstarted/
    ],
    [
      'healthy',
      'stops answering its health check',
      { containers: { 'aio-r1-upgrade': { ...migrating['aio-r1-upgrade'], answers: 1 } } },
      /^GET \/health answered 503; its last log lines:\naio: running the migration command/
    ]
  ])(
    'fails at %s when this image (or the one upgraded from) %s, with the reason, and removes what it made',
    async (step, _, engine, reason) => {
      const { fake, result } = verify(engine)
      const { upgrade } = (await result).runtime
      expect(upgrade?.failed).toEqual({ step, reason: expect.stringMatching(reason) })
      // Ready figures only once this image got ready on the data.
      const readyBefore = ['pull', 'previous-ready', 'ready'].includes(step)
      expect(upgrade?.readySeconds === undefined).toBe(readyBefore)
      // every container removed; the volumes carry the run's label for removeRunResources
      expect(fake.argsOf('removeContainer')).toHaveLength(fake.argsOf('createContainer').length)
    }
  )

  it('is not run without upgrade-from', async () => {
    const { fake, result } = verify({}, upgradeSpec({ 'upgrade-from': undefined }))
    expect((await result).runtime.upgrade).toBeUndefined()
    expect(fake.argsOf('createContainer')).toEqual([['aio-r1']])
  })
})

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(3)
  })
})

describe('listeningPorts', () => {
  it('reads LISTEN sockets of /proc/net/tcp and tcp6', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1',
      '   1: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000 10001        0 2 1',
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 0'
    ].join('\n')
    expect(listeningPorts(text)).toEqual([5432, 8000])
  })
})

describe('expectedPorts', () => {
  it('is the app port, plus 5432 when run-env opens PostgreSQL', () => {
    expect(expectedPorts(testSpec())).toEqual([8000])
    expect(expectedPorts(testSpec({ 'run-env': ['EXTERNAL_ACCESS_ENABLE=true'] }))).toEqual([
      5432, 8000
    ])
    expect(
      expectedPorts(
        testSpec({ 'postgres-version': 'none', 'run-env': ['EXTERNAL_ACCESS_ENABLE=true'] })
      )
    ).toEqual([8000])
  })
})

describe('hardenedArgs', () => {
  it('is the restricted profile: read-only root, tmpfs /tmp and /run, no capabilities, no privilege gain, the user', () => {
    expect(hardenedArgs({ user: '12345:0' })).toEqual([
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--tmpfs',
      '/run',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--user',
      '12345:0'
    ])
  })
})
