// What depends on the engine's image store, on the store the engine runs:
// scripts/test.sh runs this file on the classic store (GitHub's Docker 28
// runners) and again with the containerd image store on (new Docker 29
// installs). The image's size and compressed size are those of its layers
// whichever way the store keeps them (uncompressed tars on the classic store,
// gzip blobs on containerd's), checked against the test's own reading of
// `docker save`; `cache: auto` on the default builder (docker driver) uses
// what that builder can export: inline cache on the classic store, a local
// cache directory on containerd's, restored for every step after the
// builder's own cache is pruned; and there the docker driver builds and
// pushes a two-platform image after verifying the native one.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { ROOT, runAction, runPost, type ActionRun } from '../helpers/action-runner.js'
import { buildCommands, stepsRun } from '../helpers/build-log.js'
import { dockerStatus, imageStore } from '../helpers/docker.js'
import { TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

const BUILD_TIMEOUT = 15 * 60_000
const NAME = 'aio-i3-store-notes'
// What scripts/setup-environment.sh makes debian:trixie-slim on the containerd store.
const PLATFORMS = ['linux/amd64', 'linux/386']

// A copy of its own: the cache must find every file as the first run left it.
const NOTES = tempDir('aio-i3-store-app-')
fs.cpSync(path.join(ROOT, 'examples', 'notes'), NOTES, { recursive: true })

interface SavedLayer {
  /** The archive holds the layer gzip-compressed (as the containerd store keeps it). */
  gzipBlob: boolean
  /** Bytes of the uncompressed layer tar. */
  size: number
  /** Bytes of that tar gzip-compressed at the default level. */
  gzipped: number
}

const byteCount = async (chunks: AsyncIterable<Buffer>) => {
  let bytes = 0
  for await (const chunk of chunks) bytes += chunk.length
  return bytes
}

/** Each layer of `image` as `docker save` lists it in manifest.json, read with plain zlib. */
async function savedLayers(image: string): Promise<SavedLayer[]> {
  const dir = tempDir('aio-i3-store-save-')
  try {
    await promisify(execFile)('sh', ['-c', 'docker save "$1" | tar -C "$2" -x', 'save', image, dir])
    const [manifest] = JSON.parse(
      fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')
    ) as Array<{
      Layers: string[]
    }>
    const layers: SavedLayer[] = []
    for (const layer of manifest.Layers) {
      const file = path.join(dir, layer)
      const head = Buffer.alloc(2)
      const fd = fs.openSync(file, 'r')
      fs.readSync(fd, head, 0, 2, 0)
      fs.closeSync(fd)
      const gzipBlob = head[0] === 0x1f && head[1] === 0x8b
      const tar = () =>
        gzipBlob ? fs.createReadStream(file).pipe(zlib.createGunzip()) : fs.createReadStream(file)
      let gzipped = 0
      await pipeline(tar(), zlib.createGzip(), async (compressed: AsyncIterable<Buffer>) => {
        gzipped = await byteCount(compressed)
      })
      layers.push({ gzipBlob, size: await byteCount(Readable.from(tar())), gzipped })
    }
    return layers
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('on the engine’s image store', () => {
  let store: 'containerd' | 'classic'
  let built: ActionRun
  const cacheHome = tempDir('aio-i3-store-cache-')
  const run = async (
    inputs: Record<string, string>,
    env: Record<string, string> = {}
  ): Promise<ActionRun> => {
    const result = await runAction(
      {
        context: NOTES,
        name: NAME,
        'app-command': 'exec python3 app.py',
        'app-packages': 'python3, python3-psycopg',
        verify: 'false',
        ...inputs
      },
      { env: { XDG_CACHE_HOME: cacheHome, ...env } }
    )
    await runPost(result)
    return result
  }

  beforeAll(async () => {
    store = await imageStore()
    built = await run({ cache: 'auto' })
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    fs.rmSync(cacheHome, { recursive: true, force: true })
    fs.rmSync(NOTES, { recursive: true, force: true })
    await dockerStatus('image', 'rm', `${NAME}:latest`)
  })

  it('measures the uncompressed and the gzip-compressed size of the image’s layers', async () => {
    if (built.exitCode !== 0) throw new Error(built.log)
    const layers = await savedLayers(built.outputs['image-id'])
    // Which path was taken: the containerd store saves compressed blobs.
    expect(layers.every(layer => layer.gzipBlob)).toBe(store === 'containerd')
    const sum = (figure: 'size' | 'gzipped') =>
      layers.reduce((total, layer) => total + layer[figure], 0)
    expect(Number(built.outputs['image-size'])).toBe(sum('size'))
    expect(Number(built.outputs['compressed-size'])).toBe(sum('gzipped'))
  })

  // Which store scripts/test.sh started the engine on decides the tests
  // registered; each checks that the engine agrees.
  if (process.env.AIO_TEST_IMAGE_STORE !== 'containerd') {
    it('with cache auto on the classic store, uses inline cache, saying why', () => {
      expect(store).toBe('classic')
      expect(built.log).toContain(
        'build cache: inline: auto, builder "default" uses the docker driver on the classic image store'
      )
    })
  } else
    describe('with the containerd image store on', () => {
      let restored: ActionRun

      beforeAll(async () => {
        await dockerStatus('builder', 'prune', '--all', '--force')
        restored = await run({ cache: 'local' })
      }, BUILD_TIMEOUT)

      it('with cache auto, exports a local cache from the docker driver', () => {
        expect(store).toBe('containerd')
        expect(built.log).toContain(
          'build cache: local: auto, no GitHub Actions cache service here and builder "default" uses the docker driver on the containerd image store'
        )
      })

      it('restores every step from it once the builder’s own cache is gone', () => {
        if (restored.exitCode !== 0) throw new Error(restored.log)
        expect(stepsRun(restored.log)).toEqual([])
        // Same layers; the image id is not compared: on this store it names
        // the manifest, which carries buildx's provenance of each build.
        expect(restored.outputs['image-size']).toBe(built.outputs['image-size'])
        expect(restored.outputs['compressed-size']).toBe(built.outputs['compressed-size'])
      })

      describe(`with platforms ${PLATFORMS.join(',')}`, () => {
        let registry: TestRegistry
        let pushed: ActionRun
        const repository = 'aio-i3/store-notes'

        beforeAll(async () => {
          registry = await TestRegistry.start()
          pushed = await run(
            {
              platforms: PLATFORMS.join(','),
              push: 'true',
              tags: `${registry.host}/${repository}:1`,
              verify: 'true',
              'idle-settle': '1s'
            },
            { DOCKER_CONFIG: registry.dockerConfig }
          )
        }, BUILD_TIMEOUT)

        afterAll(async () => {
          await registry?.stop()
          if (registry) await dockerStatus('image', 'rm', `${registry.host}/${repository}:1`)
        })

        it('verifies the native image, then builds both on the docker driver and pushes them', () => {
          if (pushed.exitCode !== 0) throw new Error(pushed.log)
          expect(pushed.outputs.passed).toBe('true')
          const [native, all] = buildCommands(pushed.log)
          expect(native).toContain('--load')
          expect(all).toContain(`--platform ${PLATFORMS.join(',')} --push`)
        })

        it('pushes an index of both platforms; digest is what the registry serves', async () => {
          expect(await registry.manifestDigest(repository, '1')).toBe(pushed.outputs.digest)
          const index = await registry.manifest(repository, '1')
          const images = (index?.manifests ?? []).filter(entry => entry.platform?.os !== 'unknown')
          expect(images.map(({ platform }) => `${platform?.os}/${platform?.architecture}`)).toEqual(
            PLATFORMS
          )
        })
      })
    })
})
