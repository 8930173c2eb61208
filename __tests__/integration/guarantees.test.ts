// Every guarantee of a generated image (PRODUCT.md, "What every generated
// image guarantees"), each shown on a real engine with real PostgreSQL, for
// both supervisors. Each test would fail if its guarantee broke.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { pollUntil } from '../../src/measure/probe.js'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import {
  bridgeAddress,
  docker,
  dockerStatus,
  psqlOverBridge,
  TestContainer
} from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)
const NOTES = path.join(ROOT, 'examples', 'notes')
const ROLE = 'aio_it_guarantees'

/** The container-namespace pid of the app (`python3 app.py`), or '' when not running. */
async function appPid(container: TestContainer): Promise<string> {
  const { output } = await container.exec(
    'sh',
    '-c',
    'for p in /proc/[0-9]*; do [ "$(tr "\\0" " " < "$p/cmdline" 2>/dev/null)" = "python3 app.py " ] && echo "${p#/proc/}"; done; true'
  )
  return output.trim()
}

/** The lines of the log where the image says why it stopped the container. */
function fatalLines(log: string): string[] {
  return log.split('\n').filter(line => line.startsWith('aio: FATAL'))
}

describe.each(['supervisord', 's6'] as const)('an image with %s', supervisor => {
  let image: string
  const containers: TestContainer[] = []
  const container = (env: Record<string, string> = {}) => {
    const made = new TestContainer(image, 8000, `aio-it-g-${supervisor}`, env)
    containers.push(made)
    return made
  }
  const booted = async (env: Record<string, string> = {}, extra: string[] = []) => {
    const made = container(env)
    await made.create(extra)
    await made.start()
    await made.ready()
    return made
  }

  beforeAll(async () => {
    image = await buildTestImage(
      testSpec({
        name: ROLE.replace(/_/g, '-'),
        context: NOTES,
        supervisor,
        'app-command': 'exec python3 app.py',
        'app-packages': ['python3', 'python3-psycopg']
      })
    )
  }, 15 * 60_000)

  afterAll(async () => {
    for (const made of containers) await made.remove()
  }, 60_000)

  describe('least privilege', () => {
    it('runs PostgreSQL and the app as non-root users; only the supervisor is root', async () => {
      const made = await booted()
      const processes = (await docker('top', made.name, '-o', 'pid,uid,args'))
        .split('\n')
        .slice(1)
        .map(line => line.trim().split(/\s+/))
        .map(([, uid, ...args]) => ({ uid, command: args.join(' ') }))
      for (const { command } of processes.filter(p => p.uid === '0')) {
        expect(command).toMatch(
          /^\/bin\/sh \/usr\/local\/lib\/aio\/entrypoint$|supervisord|s6-svscan|s6-supervise|on-fatal/
        )
      }
      expect(processes).toContainEqual({ uid: '10001', command: 'python3 app.py' })
      expect(processes.some(p => p.uid === '999' && p.command.startsWith('postgres -D'))).toBe(true)
    })

    it('has no sudo, and the app cannot change its code, the image config or the database files', async () => {
      const made = await booted()
      const asApp = (script: string) =>
        made.exec('setpriv', '--reuid=app', '--regid=app', '--init-groups', 'sh', '-c', script)
      expect((await made.exec('sh', '-c', 'command -v sudo su-exec doas')).output.trim()).toBe('')
      for (const target of [
        '/app/app.py',
        '/etc/aio/aio.env',
        '/usr/local/lib/aio/entrypoint',
        '/data/postgres/PG_VERSION'
      ]) {
        expect((await asApp(`echo x >> ${target}`)).code).not.toBe(0)
      }
      expect((await asApp('ls /data/postgres')).code).not.toBe(0)
      expect((await asApp('cat /data/secrets/postgres-password')).code).not.toBe(0)
      expect((await asApp('echo x > /data/app/file && echo x > /tmp/file')).code).toBe(0)
    })
  })

  describe('no secrets in the image', () => {
    it('keeps no password in ENV, history or any layer, and hides it from the app and PostgreSQL', async () => {
      const config = JSON.parse(
        await docker('image', 'inspect', '-f', '{{json .Config.Env}}', image)
      ) as string[]
      expect(config.filter(entry => /PASSWORD|SECRET|TOKEN/i.test(entry))).toEqual([])
      expect(
        await docker('history', '--no-trunc', '--format', '{{.CreatedBy}}', image)
      ).not.toMatch(/PASSWORD=|SECRET=|TOKEN=/i)

      const secret = `S3cret-${Date.now()}-'"$(id)`
      const made = await booted({ POSTGRES_PASSWORD: secret })
      const pid = await appPid(made)
      const appEnv = (await made.execAs('app', 'sh', '-c', `tr '\\0' '\\n' < /proc/${pid}/environ`))
        .output
      expect(appEnv).toContain('DATABASE_URL=postgresql://')
      expect(appEnv).not.toContain('POSTGRES_PASSWORD')
      const postgresEnv = (
        await made.execAs(
          'postgres',
          'sh',
          '-c',
          'for p in /proc/[0-9]*; do case "$(tr "\\0" " " < $p/cmdline)" in postgres*) tr "\\0" "\\n" < $p/environ ;; esac; done'
        )
      ).output
      expect(postgresEnv).toContain('USER=postgres')
      expect(postgresEnv).not.toContain(secret)
      // the container's own layer (everything but the /data volume) holds no copy
      const exported = tempDir('aio-export-')
      await run('sh', [
        '-c',
        `docker export ${made.name} | tar -x -C ${exported} 2>/dev/null; grep -rlF -- ${JSON.stringify(secret)} ${exported} || true`
      ]).then(({ stdout }) => expect(stdout.trim()).toBe(''))
      fs.rmSync(exported, { recursive: true, force: true })
    })

    it('generates a password at first boot into a root-only file when none is given', async () => {
      const made = await booted()
      const { output } = await made.exec(
        'stat',
        '-c',
        '%a %U %s',
        '/data/secrets/postgres-password'
      )
      const [mode, owner, size] = output.trim().split(' ')
      expect([mode, owner]).toEqual(['600', 'root'])
      expect(Number(size)).toBeGreaterThan(32)
    })
  })

  describe('PostgreSQL reachable only where intended', () => {
    it('listens on its Unix socket only by default', async () => {
      const made = await booted()
      const tcp = (await made.exec('cat', '/proc/net/tcp', '/proc/net/tcp6')).output
      expect(tcp).not.toMatch(/:1538 [0-9A-F:]+ 0A/)
      expect(
        (await psqlOverBridge(await bridgeAddress(made), ROLE, 'x', 'SELECT 1')).code
      ).not.toBe(0)
    })

    it('opens to scram-sha-256 clients over the network with EXTERNAL_ACCESS_ENABLE and a password file', async () => {
      const secrets = tempDir('aio-secret-')
      fs.writeFileSync(path.join(secrets, 'pw'), 'from-a-file\n')
      fs.chmodSync(secrets, 0o755)
      const made = await booted(
        { EXTERNAL_ACCESS_ENABLE: 'true', POSTGRES_PASSWORD_FILE: '/run/secrets/pw' },
        ['-v', `${secrets}:/run/secrets:ro`]
      )
      const address = await bridgeAddress(made)
      expect(await psqlOverBridge(address, ROLE, 'from-a-file', 'SELECT current_user')).toEqual({
        code: 0,
        output: ROLE
      })
      expect((await psqlOverBridge(address, ROLE, 'wrong', 'SELECT 1')).output).toMatch(
        /password authentication failed/
      )
      const stored = await made.exec(
        'psql',
        '-XAt',
        '-U',
        'postgres',
        '-c',
        `SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = '${ROLE}'`
      )
      expect(stored.output.trim()).toBe('t')
    })

    it('accepts md5 with a deprecation warning', async () => {
      const made = await booted({
        EXTERNAL_ACCESS_ENABLE: 'true',
        EXTERNAL_ACCESS_METHOD: 'md5',
        POSTGRES_PASSWORD: 'pw-md5'
      })
      expect(await made.logs()).toContain('EXTERNAL_ACCESS_METHOD=md5 is deprecated')
      expect(await psqlOverBridge(await bridgeAddress(made), ROLE, 'pw-md5', 'SELECT 1')).toEqual({
        code: 0,
        output: '1'
      })
    })

    it.each([
      [
        { EXTERNAL_ACCESS_ENABLE: 'true', EXTERNAL_ACCESS_METHOD: 'trust', POSTGRES_PASSWORD: 'x' },
        'EXTERNAL_ACCESS_METHOD=trust is refused'
      ],
      [
        { EXTERNAL_ACCESS_ENABLE: 'true' },
        'EXTERNAL_ACCESS_ENABLE=true needs a password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE'
      ],
      [
        { EXTERNAL_ACCESS_ENABLE: 'maybe' },
        'EXTERNAL_ACCESS_ENABLE=maybe is not allowed; use true or false'
      ]
    ])('refuses to start with %j', async (env, message) => {
      const made = container(env)
      await made.create()
      await made.start()
      expect(await made.exitCode(30_000)).toBe(1)
      expect(await made.logs()).toContain(message)
    })
  })

  describe('lifecycle', () => {
    it('starts PostgreSQL, then the app; stops the app, then PostgreSQL by a fast shutdown, well inside 10 s', async () => {
      const made = await booted()
      const started = Date.now()
      await docker('stop', made.name)
      expect(Date.now() - started).toBeLessThan(10_000)
      const log = await made.logs()
      const at = (text: string) => {
        const index = log.indexOf(text)
        if (index < 0) throw new Error(`"${text}" is not in the log:\n${log}`)
        return index
      }
      expect(at('database system is ready to accept connections')).toBeLessThan(
        at('notes: listening on 8000')
      )
      expect(at('notes: stopping on SIGTERM')).toBeLessThan(at('received fast shutdown request'))
      expect(
        log
          .trimEnd()
          .split('\n')
          .some(line => line.includes('database system is shut down'))
      ).toBe(true)
      expect(log).not.toContain('received smart shutdown request')
    })

    it('restarts a crashed app', async () => {
      const made = await booted()
      const first = await appPid(made)
      expect(first).not.toBe('')
      await made.exec('sh', '-c', `kill -KILL ${first}`)
      let second = ''
      await pollUntil(async () => (second = await appPid(made)) !== '' && second !== first, {
        intervalMs: 200,
        timeoutMs: 20_000
      })
      await made.ready()
    })

    it.each([
      [
        'a data directory of another major',
        'echo 15 > /data/postgres/PG_VERSION',
        'was initialised by PostgreSQL 15, this image runs PostgreSQL 17 and does not upgrade from it: add 15 to `postgres-upgrade-from` in aio.yml'
      ],
      [
        'a damaged data directory',
        'rm /data/postgres/global/pg_control',
        'has no global/pg_control: the data directory is damaged'
      ],
      [
        'a directory that is not PostgreSQL data',
        'rm /data/postgres/PG_VERSION',
        'is not empty but holds no PostgreSQL data directory'
      ]
    ])('fails loudly on %s instead of starting the app', async (_case, damage, message) => {
      const made = await booted()
      await made.stopAndChangeVolume(damage)
      await made.start()
      expect(await made.exitCode(30_000)).toBe(1)
      const log = await made.logs()
      expect(log).toContain(message)
      // the app ran on the first boot only
      expect(log.split('notes: listening')).toHaveLength(2)
    })

    it('stops when PostgreSQL cannot start, without running the app', async () => {
      const made = await booted()
      await made.stopAndChangeVolume(
        "echo 'shared_buffers = lots' >> /data/postgres/postgresql.auto.conf"
      )
      const before = (await made.logs()).split('notes: listening').length
      await made.start()
      expect(await made.exitCode(60_000)).toBe(1)
      const log = await made.logs()
      expect(log).toMatch(
        /PostgreSQL exited with code 1 while starting|postgres kept exiting right after start/
      )
      expect(fatalLines(log)).toEqual([
        expect.stringMatching(/PostgreSQL exited|postgres kept exiting/)
      ])
      expect(log.split('notes: listening').length).toBe(before)
    }, 90_000)
  })

  describe('durability', () => {
    it('keeps committed data through a graceful stop and through docker kill, and initialises only once', async () => {
      const made = await booted()
      const post = (body: string) =>
        fetch(made.url('/notes'), { method: 'POST', body }).then(response => response.status)
      expect(await post('before stop')).toBe(201)
      await docker('stop', made.name)
      await made.start()
      await made.ready()
      expect(await post('before kill')).toBe(201)
      await docker('kill', made.name)
      await made.start()
      await made.ready()
      const notes = (await (await fetch(made.url('/notes'))).json()) as Array<{ body: string }>
      expect(notes.map(note => note.body)).toEqual(['before stop', 'before kill'])
      expect((await made.logs()).split('first boot: initialising').length).toBe(2)
    })

    it('recovers from a first boot interrupted during initdb', async () => {
      const made = container()
      await made.create()
      await made.start()
      await pollUntil(
        async () => (await made.exec('test', '-d', '/data/postgres.initdb')).code === 0,
        { intervalMs: 20, timeoutMs: 20_000 }
      )
      await docker('kill', made.name)
      await made.start()
      await made.ready()
      expect((await made.exec('test', '-e', '/data/postgres.initdb')).code).not.toBe(0)
      expect((await made.logs()).split('first boot: initialising').length).toBe(3)
    })

    it('redoes first-boot SQL that was still owed, once', async () => {
      const made = await booted()
      await made.stopAndChangeVolume(': > /data/postgres/aio-init-pending')
      await made.start()
      await made.ready()
      expect((await made.exec('test', '-e', '/data/postgres/aio-init-pending')).code).not.toBe(0)
      expect((await made.logs()).split('first boot: database').length).toBe(3)
    })
  })
})

describe.each(['supervisord', 's6'] as const)('supervision with %s', supervisor => {
  // A shell stays between the supervisor and the app: the command does not exec.
  const FORKING_COMMAND = 'cd /app && python3 app.py; true'
  let forking: string
  let failing: string
  const containers: TestContainer[] = []
  const container = (image: string) => {
    const made = new TestContainer(image, 8000, `aio-it-s-${supervisor}`)
    containers.push(made)
    return made
  }
  const booted = async (image: string) => {
    const made = container(image)
    await made.create()
    await made.start()
    await made.ready()
    return made
  }
  const imageFor = (command: string) =>
    buildTestImage(
      testSpec({
        name: 'aio-it-supervision',
        context: NOTES,
        supervisor,
        'app-command': command,
        'app-packages': ['python3', 'python3-psycopg']
      })
    )

  beforeAll(async () => {
    forking = await imageFor(FORKING_COMMAND)
    failing = await imageFor('exit 1')
  }, 15 * 60_000)

  afterAll(async () => {
    for (const made of containers) await made.remove()
  }, 60_000)

  it('stops an app whose command does not exec before PostgreSQL', async () => {
    const made = await booted(forking)
    await docker('stop', made.name)
    expect(await docker('inspect', '-f', '{{.State.ExitCode}}', made.name)).toBe('0')
    const log = await made.logs()
    const stopping = log.indexOf('notes: stopping on SIGTERM')
    expect(stopping).toBeGreaterThanOrEqual(0)
    expect(stopping).toBeLessThan(log.indexOf('received fast shutdown request'))
    expect(log.lastIndexOf('database system is shut down')).toBeGreaterThan(stopping)
  })

  it('leaves no process of the app once its service is stopped', async () => {
    const made = await booted(forking)
    const pid = await appPid(made)
    expect(pid).not.toBe('')
    if (supervisor === 's6') {
      expect((await made.exec('s6-svc', '-wD', '-T', '5000', '-d', '/run/aio/s6/app')).code).toBe(0)
      expect(await appPid(made)).toBe('')
    } else {
      // Without a control socket, do what supervisord's stop does: SIGTERM to the service's process.
      const service = await made.exec(
        'sh',
        '-c',
        `p=${pid}; for _ in 1 2 3 4 5 6 7 8; do pp=$(cut -d' ' -f4 /proc/$p/stat); [ "$(cat /proc/$pp/comm)" = supervisord ] && kill -TERM $p && exit; p=$pp; done; exit 1`
      )
      expect(service.code).toBe(0)
      await pollUntil(async () => (await made.exec('test', '-e', `/proc/${pid}`)).code !== 0, {
        intervalMs: 100,
        timeoutMs: 10_000
      })
      await made.ready()
    }
    expect(await made.logs()).toContain('notes: stopping on SIGTERM')
  })

  it('ends the container with status 1 and one line naming the app when the app cannot stay up', async () => {
    const made = container(failing)
    await made.create()
    await made.start()
    expect(await made.exitCode(60_000)).toBe(1)
    expect(fatalLines(await made.logs())).toEqual([
      expect.stringContaining('FATAL: app kept exiting right after start')
    ])
  }, 90_000)

  it('ends at once when stopped during first boot, and the next start redoes it', async () => {
    const made = container(forking)
    // A tenth of a CPU makes the first boot's initdb last long enough to be caught.
    await made.create(['--cpus', '0.1'])
    await made.start()
    await pollUntil(async () => (await made.logs()).includes('first boot: initialising'), {
      intervalMs: 20,
      timeoutMs: 20_000
    })
    await docker('stop', made.name)
    // 143: the entrypoint's SIGTERM handler, not docker's SIGKILL (137) after 10 s
    expect(await docker('inspect', '-f', '{{.State.ExitCode}}', made.name)).toBe('143')
    expect(await made.logs()).toContain('stopped by SIGTERM before the services started')
    await docker('update', '--cpus', '2', made.name)
    await made.start()
    await made.ready()
    expect((await made.exec('test', '-e', '/data/postgres.initdb')).code).not.toBe(0)
    await docker('stop', made.name)
    await made.start()
    await made.ready()
    // the interrupted first boot and the one that finished; none after
    expect((await made.logs()).split('first boot: initialising')).toHaveLength(3)
  }, 90_000)
})

describe('hostile values', () => {
  it(
    'arrive in the running container exactly as given',
    async () => {
      const command = `exec python3 app.py # it's "$(touch /tmp/pwned)" \`touch /tmp/pwned2\` 100% %(here)s ünïcødé \\ $HOME`
      const image = await buildTestImage(
        testSpec({
          name: 'aio-it-hostile',
          context: NOTES,
          'app-command': command,
          'app-packages': ['python3', 'python3-psycopg'],
          supervisor: 's6'
        })
      )
      const value = `a'b"c$(id)\`id\`%n%%;\\ \t ünïcødé`
      const made = new TestContainer(image, 8000, 'aio-it-hostile', { HOSTILE: value })
      try {
        await made.create()
        await made.start()
        await made.ready()
        expect(
          (await made.exec('sh', '-c', '. /etc/aio/aio.env && printf %s "$AIO_APP_COMMAND"')).output
        ).toBe(command)
        const pid = await appPid(made)
        const environ = (await made.execAs('app', 'cat', `/proc/${pid}/environ`)).output.split('\0')
        expect(environ).toContain(`HOSTILE=${value}`)
        expect((await made.exec('sh', '-c', 'ls /tmp/pwned /tmp/pwned2 2>&1')).output).toMatch(
          /No such file[\s\S]*No such file/
        )
      } finally {
        await made.remove()
      }
    },
    15 * 60_000
  )
})

afterAll(async () => {
  await dockerStatus('image', 'rm', 'aio-it-hostile:latest')
})
