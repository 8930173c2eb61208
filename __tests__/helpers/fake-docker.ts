import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { BuilderInfo } from '@docker/actions-toolkit/lib/types/buildx/builder.js'
import type { ContainerOptions, DockerEngine } from '../../src/engine/docker.js'
import type { ExecResult } from '../../src/engine/errors.js'
import { imageArchive } from './archive.js'

type Fake = Partial<DockerEngine>

/** The id `docker buildx build --iidfile` writes for the fake image. */
export const FAKE_IMAGE_ID = `sha256:${'1f'.repeat(32)}`
/** The digest the fake registry answers a push (or a platform build's metadata file) with. */
export const FAKE_DIGEST = `sha256:${'d1'.repeat(32)}`

// The fake image's layers: what `docker history` lists and `docker save` hands over.
const LAYERS = [
  {
    createdBy: 'RUN /bin/sh -c apt-get install -y postgresql-17 # buildkit',
    content: Buffer.from('postgres '.repeat(20_000))
  },
  { createdBy: 'COPY app/ /app # buildkit', content: Buffer.from('print("hello")\n') },
  { createdBy: '/bin/sh -c #(nop)  CMD ["/entrypoint"]', content: Buffer.alloc(0) }
]
/** The fake image's size as measureImage gives it: the sum of its layers' bytes. */
export const FAKE_IMAGE_SIZE = LAYERS.reduce((sum, layer) => sum + layer.content.length, 0)
/** `.RootFS.Layers` of the fake image: each layer's diff ID, the digest of its content. */
export const FAKE_LAYER_DIGESTS = LAYERS.map(
  layer => `sha256:${crypto.createHash('sha256').update(layer.content).digest('hex')}`
)

/** How one container, by name, behaves unlike the others. */
export interface FakeContainerOptions {
  /** It exits right after start. */
  exits?: boolean
  /** What it has logged while running. */
  log?: string
  /** Its app answers this many requests after each start with 200, and 503 after them. */
  answers?: number
}

export interface FakeEngineOptions {
  /** The app answers its health check this long after the container starts (default 0). */
  readyAfterMs?: number
  exitsAfterStart?: boolean
  /** Containers, by name, that behave unlike the others. */
  containers?: Record<string, FakeContainerOptions>
  /** Images the engine holds before the run, besides the ones it builds. */
  localImages?: string[]
  /** `docker pull` fails (e.g. no credentials for the registry). */
  pullFails?: boolean
  /** A container created under the hardened profile exits right after start. */
  hardenedExits?: boolean
  /** TCP ports that listen inside the container besides the app's. */
  extraListeners?: number[]
  /** The data volume keeps nothing across a stop: the restart check's row is gone. */
  losesData?: boolean
  /** The driver of the builder `docker buildx inspect` describes (default `docker`). */
  driver?: string
  /** What `buildxVersion` answers (default 0.13.1, this machine's). */
  buildxVersion?: string
  /** The engine keeps images in containerd (default: the classic store, this machine's). */
  containerdImageStore?: boolean
  overrides?: Fake
}

export type FakeEngine = ReturnType<typeof fakeContainerEngine>

const live = new Set<FakeEngine>()

/** Shuts down every fake engine's container (for afterEach). */
export async function disposeFakeEngines(): Promise<void> {
  await Promise.all([...live].map(fake => fake.dispose()))
  live.clear()
}

/** /proc/net/tcp text with a LISTEN socket on each port. */
function procNetTcp(ports: readonly number[]): string {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0')
  return ports.map((port, i) => `   ${i}: 00000000:${hex(port)} 00000000:0000 0A 0\n`).join('')
}

/**
 * A fake engine for a whole run. `docker buildx build` writes the files
 * its arguments name (--iidfile, --metadata-file) and the image exists
 * from then on, with a few small layers; the "container" is an HTTP server
 * on the published loopback port, answering 200 on every path
 * `readyAfterMs` after start, and a data volume that keeps the rows
 * written into it across a stop (unless `losesData`). Records each call
 * that changes something (builds, creates, starts, stops, pushes, removes)
 * by method name, with its arguments.
 */
export function fakeContainerEngine(options: FakeEngineOptions = {}) {
  const calls: string[] = []
  const callArgs: Array<{ method: string; args: unknown[] }> = []
  const images = new Set<string>(options.localImages)
  // name -> labels
  const volumes = new Map<string, Record<string, string>>()
  const containers = new Map<string, Record<string, string>>()
  const rows: string[] = []
  let server: http.Server | undefined
  let readyTimer: NodeJS.Timeout | undefined
  // name -> options, in the order created; `started` is the one last started.
  const created = new Map<string, ContainerOptions>()
  let started: ContainerOptions | undefined
  let running = false
  const behaviour = (name: string | undefined): FakeContainerOptions =>
    (name && options.containers?.[name]) || {}
  const record = (method: string, ...args: unknown[]) => {
    calls.push(method)
    callArgs.push({ method, args })
  }
  const knownImage = (image: string) => {
    if (!images.has(image)) throw new Error(`Error response from daemon: No such image: ${image}`)
  }
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
    builderInfo: async (name): Promise<BuilderInfo> => ({
      name: name ?? 'default',
      driver: options.driver ?? 'docker',
      nodes: [{ name: name ?? 'default', platforms: 'linux/amd64, linux/386' }]
    }),
    buildxVersion: async () => options.buildxVersion ?? '0.13.1',
    buildx: async (args, onLine) => {
      record('buildx', args)
      onLine(`docker buildx ${args.join(' ')}`)
      if (writeBuildFiles(args, { imageId: FAKE_IMAGE_ID, manifestDigest: FAKE_DIGEST }))
        images.add(FAKE_IMAGE_ID)
    },
    hasImage: async image => images.has(image),
    pull: async image => {
      record('pull', image)
      if (options.pullFails)
        throw new Error(`Error response from daemon: pull access denied for ${image}`)
      images.add(image)
    },
    imageLayers: async image => (knownImage(image), FAKE_LAYER_DIGESTS),
    containerdImageStore: async () => options.containerdImageStore ?? false,
    imageHistory: async image => {
      knownImage(image)
      return LAYERS.map(layer => ({ createdBy: layer.createdBy, size: layer.content.length }))
    },
    saveImage: async (image, consume) => {
      knownImage(image)
      return consume(imageArchive(LAYERS.map(layer => layer.content)))
    },
    push: async (tag, onLine) => {
      record('push', tag)
      onLine(`${tag}: digest: ${FAKE_DIGEST} size: 1780`)
      return FAKE_DIGEST
    },
    createVolume: async (name, labels) => {
      record('createVolume', name)
      volumes.set(name, labels)
    },
    createContainer: async container => {
      record('createContainer', container.name)
      created.set(container.name, container)
      containers.set(container.name, container.labels)
      return container.name
    },
    startContainer: async container => {
      record('startContainer')
      started = created.get(container)!
      const { exits, answers = Infinity } = behaviour(container)
      running = !(options.exitsAfterStart || exits || (options.hardenedExits && started.hardened))
      if (!running) return
      const [[hostPort]] = started.ports
      let answered = 0
      readyTimer = setTimeout(() => {
        server = http
          .createServer((_, response) => {
            response.statusCode = ++answered > answers ? 503 : 200
            response.end('ok')
          })
          .listen(hostPort, '127.0.0.1')
      }, options.readyAfterMs ?? 0)
    },
    stopContainer: async () => {
      record('stopContainer')
      await shutDown()
      if (options.losesData) rows.length = 0
    },
    containerState: async () => ({ running, exitCode: running ? 0 : 1 }),
    // cat /proc/net/tcp: the app's port and any extra listeners; psql: the
    // restart check's row, written and read back; anything else succeeds.
    exec: async (_container, command): Promise<ExecResult> => {
      const text = command.join(' ')
      let stdout = ''
      if (command[0] === 'cat') {
        stdout = procNetTcp([started!.ports[0][1], ...(options.extraListeners ?? [])])
      } else if (running && text.includes('INSERT INTO aio_image_check')) {
        rows.push(/VALUES \('([^']*)'\)/.exec(text)![1])
      } else if (text.includes('SELECT run')) {
        stdout = rows.map(row => `${row}\n`).join('')
      }
      return { exitCode: running ? 0 : 1, stdout, stderr: '' }
    },
    logs: async container =>
      running
        ? (behaviour(container).log ?? '')
        : 'aio: ERROR: something broke\nLOG:  database system is shut down\n',
    memorySamples: async (_container, count) =>
      Array.from({ length: count }, (_, i) => 1000 * (i + 1)),
    processes: async () => [{ pid: 1, uid: 0, rssBytes: 4096, command: 'supervisord' }],
    removeContainer: async container => {
      record('removeContainer', container)
      containers.delete(container)
    },
    removeLabelled: async label => {
      record('removeLabelled', label)
      const at = label.indexOf('=')
      const take = (resources: Map<string, Record<string, string>>) => {
        const names = [...resources.keys()].filter(
          name => resources.get(name)![label.slice(0, at)] === label.slice(at + 1)
        )
        for (const name of names) resources.delete(name)
        return names
      }
      return { containers: take(containers), volumes: take(volumes) }
    },
    ...options.overrides
  }
  const fake = {
    engine: engine as DockerEngine,
    calls,
    /** The arguments of each call of `method`, in order. */
    argsOf: (method: string) => callArgs.filter(call => call.method === method).map(c => c.args),
    /** The options `name` was created with; by default the first container's. */
    containerOptions: (name?: string) => created.get(name ?? [...created.keys()][0]),
    dispose: shutDown
  }
  live.add(fake)
  return fake
}

/**
 * Writes what `buildx build ARGS` writes: the image id to --iidfile and, to
 * --metadata-file, the build's ref and `containerimage.digest`: the image
 * id when loaded, the manifest list's digest when pushed, none for a
 * platform list that is neither (the docker-container driver then exports
 * nothing). True when an image was loaded.
 */
function writeBuildFiles(
  args: string[],
  ids: { imageId: string; manifestDigest: string }
): boolean {
  const valueOf = (flag: string) => {
    const index = args.indexOf(flag)
    return index === -1 ? undefined : args[index + 1]
  }
  const iidFile = valueOf('--iidfile')
  if (iidFile) fs.writeFileSync(iidFile, ids.imageId)
  const metadataFile = valueOf('--metadata-file')
  if (metadataFile) {
    const digest = args.includes('--push')
      ? ids.manifestDigest
      : args.includes('--load')
        ? ids.imageId
        : undefined
    const metadata = {
      'buildx.build.ref': `default/default/${crypto.randomBytes(12).toString('hex')}`,
      ...(digest && { 'containerimage.digest': digest })
    }
    fs.writeFileSync(metadataFile, JSON.stringify(metadata, null, 2))
  }
  return iidFile !== undefined
}

/**
 * A fake engine for builds alone: `buildx` records each build's arguments
 * and writes its files (writeBuildFiles) for a fresh image id and manifest
 * digest; `buildxVersion` answers `version`.
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
      writeBuildFiles(args, { imageId, manifestDigest })
    },
    ...options.overrides
  }
  return { engine: engine as DockerEngine, builds, imageId, manifestDigest }
}
