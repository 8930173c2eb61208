// Docker for assertions in integration tests (the product's own wrapper is
// under test elsewhere; tests poke at the engine directly).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { freePort, httpStatus, isReadyStatus, pollUntil } from '../../src/measure/probe.js'

const run = promisify(execFile)

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 })
  return stdout.trim()
}

export async function dockerStatus(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof failure.code === 'number' ? failure.code : 1,
      output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`
    }
  }
}

/** The hardened run of a container: read-only root, tmpfs /tmp and /run, no new privileges, no capabilities. */
export const HARDENED_PROFILE: readonly string[] = [
  '--read-only',
  '--tmpfs',
  '/tmp',
  '--tmpfs',
  '/run',
  '--security-opt',
  'no-new-privileges',
  '--cap-drop',
  'ALL'
]

/** A container of `image` on a fresh volume (or the one named), published on a loopback port. */
export class TestContainer {
  readonly name: string
  readonly volume: string
  port = 0

  constructor(
    readonly image: string,
    readonly appPort: number,
    readonly label: string,
    private readonly env: Record<string, string> = {},
    volume?: string
  ) {
    this.name = `${label}-${Math.random().toString(16).slice(2, 8)}`
    this.volume = volume ?? `${this.name}-data`
  }

  async create(extra: string[] = []): Promise<void> {
    this.port = await freePort()
    const env = Object.entries(this.env).flatMap(([k, v]) => ['--env', `${k}=${v}`])
    await docker(
      'create',
      '--name',
      this.name,
      '--label',
      'aio-test=1',
      '-v',
      `${this.volume}:/data`,
      '-p',
      `127.0.0.1:${this.port}:${this.appPort}`,
      ...env,
      ...extra,
      this.image
    )
  }

  async start(): Promise<void> {
    await docker('start', this.name)
  }

  /** Waits (bounded) for `path` to answer 2xx/3xx. */
  async ready(path = '/health', timeoutMs = 60_000): Promise<void> {
    await pollUntil(async () => isReadyStatus(await httpStatus(this.port, path)), {
      intervalMs: 100,
      timeoutMs,
      checkEvery: 10,
      check: async () => {
        if ((await docker('inspect', '-f', '{{.State.Running}}', this.name)) !== 'true') {
          throw new Error(`${this.name} exited: ${await this.logs()}`)
        }
      }
    })
  }

  /** Waits (bounded) for the container to stop by itself; its exit code. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    await pollUntil(
      async () => (await docker('inspect', '-f', '{{.State.Running}}', this.name)) === 'false',
      { intervalMs: 200, timeoutMs }
    )
    return Number(await docker('inspect', '-f', '{{.State.ExitCode}}', this.name))
  }

  async exec(...command: string[]): Promise<{ code: number; output: string }> {
    return dockerStatus('exec', this.name, ...command)
  }

  /** stdout and stderr merged in the order the container wrote them. */
  async logs(): Promise<string> {
    const { stdout } = await run('sh', ['-c', 'docker logs "$0" 2>&1', this.name], {
      maxBuffer: 64 * 1024 * 1024
    })
    return stdout
  }

  /** One SQL statement through psql over the container's socket, as `user` on `database`; its output, trimmed. */
  async psql(user: string, database: string, statement: string): Promise<string> {
    const { code, output } = await this.exec(
      'psql',
      '-XAt',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      user,
      '-d',
      database,
      '-c',
      statement
    )
    if (code !== 0) throw new Error(output)
    return output.trim()
  }

  /** Runs a command in the container as `user` (reading /proc/PID/environ needs the process's own user). */
  async execAs(user: string, ...command: string[]): Promise<{ code: number; output: string }> {
    return dockerStatus('exec', '--user', user, this.name, ...command)
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`
  }

  /** Stops the container and runs a shell script on its /data volume, as an operator would. */
  async stopAndChangeVolume(script: string): Promise<void> {
    await docker('stop', this.name)
    await this.onVolume(script)
  }

  /** Runs a shell script on the (stopped) container's /data volume, in its image; its output. */
  async onVolume(script: string): Promise<string> {
    return docker(
      'run',
      '--rm',
      '-v',
      `${this.volume}:/data`,
      '--entrypoint',
      'sh',
      this.image,
      '-c',
      script
    )
  }

  async remove(): Promise<void> {
    await dockerStatus('rm', '-f', '-v', this.name)
    await dockerStatus('volume', 'rm', '-f', this.volume)
  }
}

/** The container's address on Docker's bridge. */
export async function bridgeAddress(container: TestContainer): Promise<string> {
  return docker(
    'inspect',
    '-f',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    container.name
  )
}

/** psql from the host to the container over Docker's bridge, as `role` into its database of the same name. */
export async function psqlOverBridge(
  address: string,
  role: string,
  password: string,
  sql: string
): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      'psql',
      ['-X', '-A', '-t', '-h', address, '-U', role, '-d', role, '-c', sql],
      {
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3', PGSSLMODE: 'disable' }
      }
    )
    return { code: 0, output: stdout.trim() }
  } catch (error) {
    const failure = error as { stderr?: string }
    return { code: 1, output: failure.stderr ?? String(error) }
  }
}

/** The engine's image store, for tests whose figures or choices depend on it. */
export async function imageStore(): Promise<'containerd' | 'classic'> {
  const status = await docker('info', '--format', '{{json .DriverStatus}}')
  return status.includes('io.containerd.snapshotter') ? 'containerd' : 'classic'
}
