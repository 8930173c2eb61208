// The one place that runs `docker`. Other modules call typed methods and
// never build docker command lines; unit tests hand in a fake with the same
// shape (DockerEngine).
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import * as exec from '@actions/exec'
import { Buildx } from '@docker/actions-toolkit/lib/buildx/buildx.js'
import { Builder } from '@docker/actions-toolkit/lib/buildx/builder.js'
import type { BuilderInfo } from '@docker/actions-toolkit/lib/types/buildx/builder.js'
import { parseSize } from '../spec/units.js'
import { DockerError, EngineUnavailableError, type ExecResult } from './errors.js'

export interface HistoryEntry {
  createdBy: string
  size: number
}

export interface ProcessInfo {
  pid: number
  uid: number
  rssBytes: number
  command: string
}

export interface ContainerState {
  running: boolean
  exitCode: number
}

export interface ContainerOptions {
  name: string
  image: string
  labels: Record<string, string>
  /** Passed by name from the docker CLI's environment: values never reach argv or logs. */
  env: Record<string, string>
  volume: string
  /** [host port on 127.0.0.1, container port] */
  ports: Array<[number, number]>
  /** Run under the hardened profile instead of Docker's defaults. */
  hardened?: HardenedProfile
}

/**
 * The hardened run profile (Kubernetes' restricted Pod Security Standard):
 * read-only root filesystem with tmpfs /tmp and /run (Docker's default
 * tmpfs options, noexec included), every capability dropped, no privilege
 * gain, started as `user`.
 */
export interface HardenedProfile {
  /** uid:gid, e.g. an arbitrary uid with group 0 as OpenShift assigns. */
  user: string
}

/** The docker create flags of the hardened profile. */
export function hardenedArgs(profile: HardenedProfile): string[] {
  return [
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
    profile.user
  ]
}

interface RunOptions {
  /** Receives each line of the command's output (stdout and stderr) as it comes. */
  onLine?: (line: string) => void
  input?: string
  env?: Record<string, string>
  /** Resolve with the exit code instead of throwing on a non-zero one. */
  allowFailure?: boolean
}

export class Docker {
  // Resolves how buildx runs: `docker buildx` as the CLI plugin, or a
  // standalone `buildx` binary when there is no docker command. It also
  // parses buildx's output; the processes themselves start here, in runCommand.
  private readonly buildxCli = new Buildx()

  private async runCommand(
    { command, args }: { command: string; args: string[] },
    options: RunOptions = {}
  ): Promise<ExecResult> {
    const result = await exec.getExecOutput(command, args, {
      silent: true,
      ignoreReturnCode: true,
      listeners: options.onLine && { stdline: options.onLine, errline: options.onLine },
      input: options.input === undefined ? undefined : Buffer.from(options.input),
      env: options.env && { ...(process.env as Record<string, string>), ...options.env }
    })
    if (result.exitCode !== 0 && !options.allowFailure) throw new DockerError(args, result, command)
    return result
  }

  private run(args: string[], options: RunOptions = {}): Promise<ExecResult> {
    return this.runCommand({ command: 'docker', args }, options)
  }

  private async runBuildx(args: string[], options: RunOptions = {}): Promise<ExecResult> {
    return this.runCommand(await this.buildxCli.getCommand(args), options)
  }

  /**
   * `docker buildx ARGS` (or `buildx ARGS`, standalone); the command line
   * and then each line of its output go to `onLine` as they come, so each
   * front end decides how to show them.
   */
  async buildx(args: string[], onLine: (line: string) => void): Promise<void> {
    const { command, args: commandArgs } = await this.buildxCli.getCommand(args)
    onLine(`${command} ${commandArgs.join(' ')}`)
    await this.runCommand({ command, args: commandArgs }, { onLine })
  }

  /** The installed buildx's version, e.g. `0.13.1`; throws EngineUnavailableError when buildx does not answer. */
  async buildxVersion(): Promise<string> {
    return available('buildx', async () =>
      Buildx.parseVersion((await this.runBuildx(['version'])).stdout)
    )
  }

  /**
   * The versions of the engine and of buildx; throws EngineUnavailableError
   * saying what is missing when either does not answer.
   */
  async engineVersions(): Promise<{ engine: string; buildx: string }> {
    const engine = await available('the Docker engine', async () =>
      (await this.run(['version', '--format', '{{.Server.Version}}'])).stdout.trim()
    )
    return { engine, buildx: await this.buildxVersion() }
  }

  async builderInfo(name?: string): Promise<BuilderInfo> {
    const { stdout } = await this.runBuildx(['inspect', ...(name ? [name] : [])])
    return Builder.parseInspect(stdout)
  }

  /**
   * `docker push TAG` with the engine's credentials (docker login, or
   * DOCKER_CONFIG); resolves with the manifest digest the registry stored.
   * Its output goes to `onLine` line by line.
   */
  async push(tag: string, onLine: (line: string) => void): Promise<string> {
    const args = ['push', tag]
    const result = await this.run(args, { onLine })
    const digest = pushedDigest(result.stdout)
    if (!digest) throw new DockerError(args, { ...result, stderr: 'no digest in the output' })
    return digest
  }

  /** Whether the engine holds `image` (a tag, a digest reference or an id). */
  async hasImage(image: string): Promise<boolean> {
    const { exitCode } = await this.run(['image', 'inspect', '--format', '{{.Id}}', image], {
      allowFailure: true
    })
    return exitCode === 0
  }

  /** `docker pull IMAGE` with the engine's credentials (docker login, or DOCKER_CONFIG). */
  async pull(image: string): Promise<void> {
    await this.run(['pull', '--quiet', image])
  }

  /**
   * The diff IDs of the image's layers as `docker image inspect` lists them
   * (.RootFS.Layers): each the digest of a layer's uncompressed tar, on
   * either image store, bottom layer first.
   */
  async imageLayers(image: string): Promise<string[]> {
    const { stdout } = await this.run([
      'image',
      'inspect',
      '--format',
      '{{json .RootFS.Layers}}',
      image
    ])
    return (JSON.parse(stdout) as string[] | null) ?? []
  }

  /**
   * Whether the engine stores images in containerd (which keeps
   * attestations and annotations) rather than the classic store: what
   * buildx's docker driver checks too.
   */
  async containerdImageStore(): Promise<boolean> {
    const { stdout } = await this.run(['info', '--format', '{{json .DriverStatus}}'])
    return stdout.includes('io.containerd.snapshotter')
  }

  async imageHistory(image: string): Promise<HistoryEntry[]> {
    const { stdout } = await this.run([
      'history',
      '--no-trunc',
      '--human=false',
      '--format',
      '{{json .}}',
      image
    ])
    return jsonLines<{ CreatedBy: string; Size: string }>(stdout).map(entry => ({
      createdBy: entry.CreatedBy,
      size: Number(entry.Size)
    }))
  }

  /**
   * `docker save IMAGE`, handed to `consume` as a stream (it can be large).
   * When `consume` fails, docker is stopped: nothing reads its output any more.
   */
  saveImage<T>(image: string, consume: (tar: Readable) => Promise<T>): Promise<T> {
    const args = ['save', image]
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', chunk => (stderr += chunk))
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', code => resolve(code ?? 1))
    })
    const consumed = consume(child.stdout).catch((error: unknown) => {
      child.kill()
      throw error
    })
    return Promise.all([consumed, exited]).then(([value, exitCode]) => {
      if (exitCode !== 0) throw new DockerError(args, { exitCode, stdout: '', stderr })
      return value
    })
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.run(['volume', 'create', ...labelArgs(labels), name])
  }

  async createContainer(options: ContainerOptions): Promise<string> {
    const args = [
      'create',
      '--name',
      options.name,
      '--mount',
      `type=volume,source=${options.volume},target=/data`
    ]
    args.push(...labelArgs(options.labels))
    for (const key of Object.keys(options.env)) args.push('--env', key)
    for (const [host, container] of options.ports)
      args.push('--publish', `127.0.0.1:${host}:${container}`)
    if (options.hardened) args.push(...hardenedArgs(options.hardened))
    args.push(options.image)
    const { stdout } = await this.run(args, { env: options.env })
    return stdout.trim()
  }

  async startContainer(container: string): Promise<void> {
    await this.run(['start', container])
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `timeoutSeconds`, as `docker stop` does. */
  async stopContainer(container: string, timeoutSeconds = 10): Promise<void> {
    await this.run(['stop', '--time', String(timeoutSeconds), container])
  }

  async killContainer(container: string): Promise<void> {
    await this.run(['kill', container])
  }

  async containerState(container: string): Promise<ContainerState> {
    const { stdout } = await this.run([
      'container',
      'inspect',
      '--format',
      '{{json .State}}',
      container
    ])
    const state = JSON.parse(stdout) as { Running: boolean; ExitCode: number }
    return { running: state.Running, exitCode: state.ExitCode }
  }

  async exec(container: string, command: string[], user?: string): Promise<ExecResult> {
    return this.run(['exec', ...(user ? ['--user', user] : []), container, ...command], {
      allowFailure: true
    })
  }

  /** The container's log (stdout and stderr), the last `tail` lines (or all), optionally only since a moment. */
  async logs(
    container: string,
    options: { tail?: number | 'all'; since?: Date } = {}
  ): Promise<string> {
    const args = ['logs', '--tail', String(options.tail ?? 40)]
    if (options.since) args.push('--since', (options.since.getTime() / 1000).toFixed(3))
    const { stdout, stderr } = await this.run([...args, container], { allowFailure: true })
    return `${stdout}${stderr}`
  }

  /** Every process of the container with its resident memory, from the host's ps. */
  async processes(container: string): Promise<ProcessInfo[]> {
    const { stdout } = await this.run(['top', container, '-o', 'pid,uid,rss,args'])
    return stdout
      .split('\n')
      .slice(1)
      .map(line => line.trim().split(/\s+/))
      .filter(fields => fields.length >= 4)
      .map(([pid, uid, rss, ...command]) => ({
        pid: Number(pid),
        uid: Number(uid),
        rssBytes: Number(rss) * 1024,
        command: command.join(' ')
      }))
  }

  /**
   * `count` readings of the container's memory as `docker stats` computes
   * it (usage minus page cache), at least `spacingMs` apart. The stream
   * redraws a screen on each refresh and may print a reading twice, hence
   * the spacing rather than counting lines.
   */
  async memorySamples(container: string, count: number, spacingMs = 900): Promise<number[]> {
    const samples: number[] = []
    const timeoutMs = count * (spacingMs + 2000) + 5000
    const child = spawn('docker', ['stats', '--format', '{{.MemUsage}}', container], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill()
        reject(
          new Error(`docker stats gave ${samples.length} of ${count} samples in ${timeoutMs} ms`)
        )
      }, timeoutMs)
      let buffered = ''
      let lastAt = -Infinity
      child.stdout.on('data', chunk => {
        buffered += chunk
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) {
          // "12.3MiB / 23.5GiB" among terminal control sequences.
          // eslint-disable-next-line no-control-regex
          const usage = parseSize(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('/')[0])
          const now = Date.now()
          if (usage === undefined || now - lastAt < spacingMs || samples.length >= count) continue
          samples.push(usage)
          lastAt = now
        }
        if (samples.length >= count) {
          clearTimeout(timer)
          child.kill()
          resolve()
        }
      })
      child.on('error', reject)
    })
    return samples
  }

  async removeContainer(container: string): Promise<void> {
    await this.run(['rm', '--force', '--volumes', container], { allowFailure: true })
  }

  /** Removes every container, then every volume, carrying `label` (key=value). */
  async removeLabelled(label: string): Promise<{ containers: string[]; volumes: string[] }> {
    const list = async (args: string[]) =>
      (await this.run([...args, '--quiet', '--filter', `label=${label}`])).stdout
        .split('\n')
        .map(line => line.trim())
        .filter(line => line !== '')
    const containers = await list(['container', 'ls', '--all'])
    if (containers.length > 0)
      await this.run(['rm', '--force', '--volumes', ...containers], { allowFailure: true })
    const volumes = await list(['volume', 'ls'])
    if (volumes.length > 0)
      await this.run(['volume', 'rm', '--force', ...volumes], { allowFailure: true })
    return { containers, volumes }
  }
}

/** `ask`'s answer, or EngineUnavailableError saying that `what` is not available and why. */
async function available<T>(what: string, ask: () => Promise<T>): Promise<T> {
  try {
    return await ask()
  } catch (error) {
    throw new EngineUnavailableError(
      `${what} is not available: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}

/** The public shape of Docker, for fakes in tests. */
export type DockerEngine = Pick<Docker, keyof Docker>

/** The digest from `docker push` output: "TAG: digest: sha256:... size: N". */
export function pushedDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1]
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`])
}

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => JSON.parse(line) as T)
}
