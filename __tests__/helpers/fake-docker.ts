import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { ContainerOptions, DockerEngine, ExecResult } from '../../src/engine/docker.js'

type Fake = Partial<DockerEngine>

/**
 * A fake engine whose "container" is an HTTP server on the published
 * loopback port, answering 200 on every path `readyAfterMs` after start.
 * Records every call by method name.
 */
export function fakeContainerEngine(options: {
  readyAfterMs: number
  exitsAfterStart?: boolean
  overrides?: Fake
}) {
  const calls: string[] = []
  let server: http.Server | undefined
  let readyTimer: NodeJS.Timeout | undefined
  let options_: ContainerOptions | undefined
  let running = false
  const record = (name: string) => calls.push(name)
  // The "container" stops when stopped, and also when the test ends: a
  // Verifier that gave up before "ready" leaves its container to the post
  // step, and a timer or server left behind would keep Jest from exiting.
  const shutDown = async () => {
    running = false
    clearTimeout(readyTimer)
    await new Promise(resolve => (server ? server.close(resolve) : resolve(undefined)))
    server = undefined
  }
  const engine: Fake = {
    createVolume: async () => void record('createVolume'),
    createContainer: async container => {
      record('createContainer')
      options_ = container
      return 'container-1'
    },
    startContainer: async () => {
      record('startContainer')
      running = !options.exitsAfterStart
      if (!running) return
      const [[hostPort]] = options_!.ports
      readyTimer = setTimeout(() => {
        server = http
          .createServer((_, response) => response.end('ok'))
          .listen(hostPort, '127.0.0.1')
      }, options.readyAfterMs)
    },
    stopContainer: async () => {
      record('stopContainer')
      await shutDown()
    },
    containerState: async () => ({ running, exitCode: running ? 0 : 1 }),
    exec: async (_container, command): Promise<ExecResult> => {
      const stdout =
        command[0] === 'cat'
          ? '   0: 00000000:1F40 00000000:0000 0A 0\n'
          : command.join(' ').includes('SELECT run')
            ? 'r1\n'
            : ''
      return { exitCode: running ? 0 : 1, stdout, stderr: '' }
    },
    logs: async () =>
      running ? '' : 'aio: ERROR: something broke\nLOG:  database system is shut down\n',
    memorySamples: async (_container, count) =>
      Array.from({ length: count }, (_, i) => 1000 * (i + 1)),
    processes: async () => [{ pid: 1, uid: 0, rssBytes: 4096, command: 'supervisord' }],
    removeContainer: async () => void record('removeContainer'),
    ...options.overrides
  }
  return {
    engine: engine as DockerEngine,
    calls,
    containerOptions: () => options_,
    dispose: shutDown
  }
}

/**
 * A fake engine for builds: `buildx` records each build's arguments and
 * writes what buildx writes, the image id to --iidfile and to
 * --metadata-file the build's ref and `containerimage.digest`: the image id
 * when loaded, the manifest list's digest when pushed, none for a platform
 * list that is neither (the docker-container driver then exports nothing).
 * `buildxVersion` answers `version`.
 */
export function fakeBuildEngine(options: { version: string; overrides?: Fake }) {
  const builds: string[][] = []
  const imageId = `sha256:${crypto.randomBytes(32).toString('hex')}`
  const manifestDigest = `sha256:${crypto.randomBytes(32).toString('hex')}`
  const engine: Fake = {
    buildxVersion: async () => options.version,
    buildx: async (args, onLine) => {
      builds.push(args)
      onLine(`docker buildx ${args.join(' ')}`)
      const valueOf = (flag: string) => {
        const index = args.indexOf(flag)
        return index === -1 ? undefined : args[index + 1]
      }
      const iidFile = valueOf('--iidfile')
      if (iidFile) fs.writeFileSync(iidFile, imageId)
      const metadataFile = valueOf('--metadata-file')
      if (metadataFile) {
        const digest = args.includes('--push')
          ? manifestDigest
          : args.includes('--load')
            ? imageId
            : undefined
        const metadata = {
          'buildx.build.ref': `default/default/${crypto.randomBytes(12).toString('hex')}`,
          ...(digest && { 'containerimage.digest': digest })
        }
        fs.writeFileSync(metadataFile, JSON.stringify(metadata, null, 2))
      }
    },
    ...options.overrides
  }
  return { engine: engine as DockerEngine, builds, imageId, manifestDigest }
}
