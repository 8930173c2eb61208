// The hardened run profile (PRODUCT.md; Kubernetes' restricted Pod Security
// Standard) on real images, for both supervisors, with and without nginx:
// read-only root with tmpfs /tmp and /run (Docker's default tmpfs options:
// noexec), no capabilities but those root needs, no-new-privileges; started
// as root, and as an arbitrary non-root uid that every process then runs as.
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { docker, dockerStatus, HARDENED_PROFILE, TestContainer } from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'

const PROFILE = HARDENED_PROFILE
/** What root needs to hand directories to the service users and drop to them (README). */
const ROOT_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID']
/** As OpenShift starts a container: an uid no passwd entry names, group 0. */
const ARBITRARY_USER = '12345:0'

const MODES = {
  root: [...PROFILE, ...ROOT_CAPABILITIES.flatMap(capability => ['--cap-add', capability])],
  'non-root': [...PROFILE, '--user', ARBITRARY_USER]
}

/** The uids of the container's processes. */
async function processUids(container: TestContainer): Promise<string[]> {
  return (await docker('top', container.name, '-o', 'pid,uid'))
    .split('\n')
    .slice(1)
    .map(line => line.trim().split(/\s+/)[1])
}

/** docker stop, then the container's log says PostgreSQL shut down cleanly. */
async function stopsCleanly(container: TestContainer): Promise<void> {
  await docker('stop', container.name)
  expect(await container.logs()).toContain('database system is shut down')
  expect(await docker('inspect', '-f', '{{.State.ExitCode}}', container.name)).toBe('0')
}

describe.each(['supervisord', 's6'] as const)('an image with %s', supervisor => {
  let image: string
  let nginxImage: string
  const containers: TestContainer[] = []
  const container = (of: string, port = 8000) => {
    const made = new TestContainer(of, port, `aio-it-hardened-${supervisor}`)
    containers.push(made)
    return made
  }

  beforeAll(async () => {
    image = await buildTestImage(
      testSpec({
        name: 'aio-it-hardened',
        context: path.join(ROOT, 'examples', 'notes'),
        supervisor,
        'app-command': 'exec python3 app.py',
        'app-packages': ['python3', 'python3-psycopg']
      })
    )
    nginxImage = await buildTestImage(
      testSpec({
        name: 'aio-it-hardened-nginx',
        context: path.join(ROOT, '__tests__', 'fixtures', 'socket-app'),
        supervisor,
        'app-command': 'exec python3 app.py',
        'app-packages': ['python3', 'python3-psycopg'],
        'app-port': 8080,
        nginx: {}
      })
    )
  }, 15 * 60_000)

  afterAll(async () => {
    for (const made of containers) await made.remove()
  }, 60_000)

  describe.each(Object.entries(MODES))('under the hardened profile as %s', (mode, flags) => {
    it('boots ready, keeps data across a restart and stops cleanly', async () => {
      const made = container(image)
      await made.create(flags)
      await made.start()
      await made.ready()
      const uids = await processUids(made)
      if (mode === 'root') {
        expect(uids).toEqual(expect.arrayContaining(['0', '999', '10001']))
      } else {
        expect(new Set(uids)).toEqual(new Set(['12345']))
      }
      const note = `hardened-${mode}-${Date.now()}`
      expect((await fetch(made.url('/notes'), { method: 'POST', body: note })).status).toBe(201)
      await stopsCleanly(made)

      await made.start()
      await made.ready()
      expect(JSON.stringify(await (await fetch(made.url('/notes'))).json())).toContain(note)
      await stopsCleanly(made)
    }, 120_000)

    it('runs nginx in front, reaching the app on its socket', async () => {
      const made = container(nginxImage, 8080)
      await made.create(flags)
      await made.start()
      await made.ready()
      if (mode === 'non-root') expect(new Set(await processUids(made))).toEqual(new Set(['12345']))
      expect(await (await fetch(made.url('/health'))).text()).toBe('ok')
      await stopsCleanly(made)
    }, 120_000)
  })

  it('started as root without the capabilities it needs, says which in one line', async () => {
    const { code, output } = await dockerStatus('run', '--rm', ...PROFILE, image)
    expect(code).toBe(1)
    expect(output.trim()).toBe(
      `aio: ERROR: started as root without ${ROOT_CAPABILITIES.map(c => `CAP_${c}`).join(' ')}: add them (docker run --cap-add, Kubernetes capabilities.add), or start as a non-root uid (docker run --user 12345:0, Kubernetes runAsUser), as which every service runs`
    )
  })

  it('started as a uid that cannot write /data or /run, says so in one line', async () => {
    const ownGroup = await dockerStatus('run', '--rm', ...PROFILE, '--user', '12345:12345', image)
    expect(ownGroup.code).toBe(1)
    expect(ownGroup.output).toContain(
      'aio: ERROR: uid 12345 (group 12345) cannot write /data: mount a volume there'
    )
    const noTmpfs = await dockerStatus(
      'run',
      '--rm',
      '--read-only',
      '--user',
      ARBITRARY_USER,
      image
    )
    expect(noTmpfs.code).toBe(1)
    expect(noTmpfs.output).toContain(
      'aio: ERROR: uid 12345 (group 0) cannot write /run: with a read-only root filesystem, mount a tmpfs there'
    )
  })

  it('as a non-root uid, refuses a data directory another uid created, saying whose it is', async () => {
    const made = container(image)
    await made.create(MODES.root)
    await made.start()
    await made.ready()
    // /data itself opened to group 0, as for a new volume, but not the data directory
    await made.stopAndChangeVolume('chmod 0775 /data')
    const { code, output } = await dockerStatus(
      'run',
      '--rm',
      '-v',
      `${made.volume}:/data`,
      ...PROFILE,
      '--user',
      ARBITRARY_USER,
      image
    )
    expect(code).toBe(1)
    expect(output).toContain(
      'aio: ERROR: /data/postgres belongs to uid 999, and this container runs as uid 12345'
    )
  }, 120_000)
})
