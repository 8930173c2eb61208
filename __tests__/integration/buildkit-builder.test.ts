// The action on a BuildKit builder of its own (`builder` input), as users
// get one on GitHub from docker/setup-buildx-action: here buildkitd through
// buildx's remote driver (helpers/buildkit.ts), with the loopback registry
// standing in for Docker Hub and for the user's registry. What the docker
// driver cannot do runs here for real: the `local` and `registry` build
// caches exported and imported (the builder's own cache pruned in between,
// so that only the import can serve the steps), `cache: auto` on such a
// builder, a two-platform image pushed after its native image was verified,
// and provenance and annotations pushed with the image. The GitHub Actions
// cache cannot run here (no cache service): unit-tested only.
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, runAction, runPost, type ActionRun } from '../helpers/action-runner.js'
import { BASE_PLATFORMS, TestBuilder } from '../helpers/buildkit.js'
import { buildCommands, stepsRun } from '../helpers/build-log.js'
import { docker, dockerStatus } from '../helpers/docker.js'
import { TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

const BUILD_TIMEOUT = 15 * 60_000
const NAME = 'aio-i3-bk-notes'
const REPOSITORY = 'aio-i3/bk-notes'

// A copy of its own: other test files run beside this one and may leave
// files in examples/notes, which would change the COPY of the app between
// the runs that must find every step cached.
const NOTES = tempDir('aio-i3-bk-app-')
fs.cpSync(path.join(ROOT, 'examples', 'notes'), NOTES, { recursive: true })

const notesInputs = {
  context: NOTES,
  name: NAME,
  'app-command': 'exec python3 app.py',
  'app-packages': 'python3, python3-psycopg',
  'idle-settle': '1s'
}

describe('on a remote BuildKit builder', () => {
  let registry: TestRegistry
  let builder: TestBuilder
  // Where `local` caches live between the runs of this file (XDG_CACHE_HOME).
  const cacheHome = tempDir('aio-i3-bk-cache-')
  const cacheDir = path.join(cacheHome, 'aio-image', 'buildx', NAME)
  const run = async (inputs: Record<string, string>): Promise<ActionRun> => {
    const result = await runAction(
      { ...notesInputs, builder: builder.name, ...inputs },
      { env: { DOCKER_CONFIG: registry.dockerConfig, XDG_CACHE_HOME: cacheHome } }
    )
    await runPost(result)
    return result
  }
  const tag = (name: string) => `${registry.host}/${REPOSITORY}:${name}`

  beforeAll(async () => {
    registry = await TestRegistry.start()
    builder = await TestBuilder.start(registry)
  }, 5 * 60_000)

  afterAll(async () => {
    await builder?.stop()
    await registry?.stop()
    fs.rmSync(cacheHome, { recursive: true, force: true })
    fs.rmSync(NOTES, { recursive: true, force: true })
    await dockerStatus('image', 'rm', `${NAME}:latest`)
    for (const name of ['1', 'broken', 'attested']) await dockerStatus('image', 'rm', tag(name))
  })

  describe('with a local cache', () => {
    let exported: ActionRun
    let restored: ActionRun
    const marker = path.join(cacheDir, 'from-the-first-run')

    beforeAll(async () => {
      exported = await run({ cache: 'auto', verify: 'false' })
      if (fs.existsSync(cacheDir)) fs.writeFileSync(marker, '')
      await builder.prune()
      restored = await run({ cache: 'local', verify: 'false' })
    }, BUILD_TIMEOUT)

    it('auto picks a local cache on a builder that exports cache, outside GitHub', () => {
      if (exported.exitCode !== 0) throw new Error(exported.log)
      expect(exported.log).toContain(
        `build cache: local: auto, no GitHub Actions cache service here and builder "${builder.name}" uses the remote driver; cache directory ${cacheDir}`
      )
      expect(buildCommands(exported.log)[0]).toContain(
        `--cache-from type=local,src=${cacheDir} --cache-to type=local,dest=${cacheDir}-next,mode=max`
      )
      expect(stepsRun(exported.log).length).toBeGreaterThan(0)
    })

    it('restores every step from the exported cache on the next run', () => {
      if (restored.exitCode !== 0) throw new Error(restored.log)
      expect(restored.log).toContain('build cache: local: requested; cache directory')
      expect(stepsRun(restored.log)).toEqual([])
      expect(restored.outputs['image-id']).toBe(exported.outputs['image-id'])
    })

    it('replaces the cache directory it read with the one it wrote', () => {
      expect(fs.existsSync(path.join(cacheDir, 'index.json'))).toBe(true)
      expect(fs.existsSync(marker)).toBe(false)
      expect(fs.existsSync(`${cacheDir}-next`)).toBe(false)
    })
  })

  describe('with a registry cache', () => {
    let exported: ActionRun
    let imported: ActionRun
    let cacheRef: string

    beforeAll(async () => {
      cacheRef = `${registry.host}/aio-i3/bk-cache:notes`
      const inputs = { cache: 'registry', 'cache-ref': cacheRef, verify: 'false' }
      exported = await run(inputs)
      await builder.prune()
      imported = await run(inputs)
    }, BUILD_TIMEOUT)

    it('exports the cache to cache-ref', async () => {
      if (exported.exitCode !== 0) throw new Error(exported.log)
      expect(exported.log).toContain(`build cache: registry: requested; cache image ${cacheRef}`)
      expect(buildCommands(exported.log)[0]).toContain(
        `--cache-from type=registry,ref=${cacheRef} --cache-to type=registry,ref=${cacheRef},mode=max`
      )
      const manifest = await registry.manifest('aio-i3/bk-cache', 'notes')
      expect(manifest?.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    })

    it('imports it into a builder that has no cache of its own', () => {
      if (imported.exitCode !== 0) throw new Error(imported.log)
      // Every install comes from the imported cache. The COPY of the app's
      // files is left out: BuildKit now and then re-runs a step whose
      // source is the local context rather than take it from a registry
      // cache (seen once here in CI, under load; a known, silent BuildKit
      // fallback). The local cache above is held to every step.
      const copiesOfTheContext = /^\[[^\]]*\] COPY app\/ /
      expect(stepsRun(imported.log).filter(step => !copiesOfTheContext.test(step))).toEqual([])
    })
  })

  describe(`with platforms ${BASE_PLATFORMS.join(',')}`, () => {
    const platforms = { platforms: BASE_PLATFORMS.join(','), push: 'true' }
    let pushed: ActionRun

    beforeAll(async () => {
      pushed = await run({ ...platforms, tags: tag('1') })
    }, BUILD_TIMEOUT)

    it('verifies the native image, loaded into the engine, then builds and pushes both', async () => {
      if (pushed.exitCode !== 0) throw new Error(pushed.log)
      expect(pushed.outputs.passed).toBe('true')
      expect(pushed.log).toMatch(/first boot: ready in \d+\.\d{3} s/)
      const [native, all] = buildCommands(pushed.log)
      expect(native).toContain('--load')
      expect(native).not.toContain('--platform')
      expect(all).toContain(`--platform ${BASE_PLATFORMS.join(',')} --push`)
      expect(
        await docker('image', 'inspect', '-f', '{{.Architecture}}', pushed.outputs['image-id'])
      ).toBe('amd64')
    })

    it('pushes an image index of both platforms; digest is what the registry serves', async () => {
      expect(pushed.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(await registry.manifestDigest(REPOSITORY, '1')).toBe(pushed.outputs.digest)
      const index = await registry.manifest(REPOSITORY, '1')
      const images = (index?.manifests ?? []).filter(entry => entry.platform?.os !== 'unknown')
      expect(images.map(({ platform }) => `${platform?.os}/${platform?.architecture}`)).toEqual(
        BASE_PLATFORMS
      )
    })

    it('pushes, for the native platform, the layers it verified', async () => {
      const index = await registry.manifest(REPOSITORY, '1')
      const amd64 = index?.manifests?.find(entry => entry.platform?.architecture === 'amd64')
      const manifest = await registry.manifest(REPOSITORY, amd64!.digest)
      const config = await registry.jsonBlob<{ rootfs: { diff_ids: string[] } }>(
        REPOSITORY,
        manifest!.config!.digest
      )
      const verified = JSON.parse(
        await docker(
          'image',
          'inspect',
          '-f',
          '{{json .RootFS.Layers}}',
          pushed.outputs['image-id']
        )
      )
      expect(config.rootfs.diff_ids).toEqual(verified)
    })

    it(
      'pushes nothing when verification failed',
      async () => {
        const broken = await run({ ...platforms, tags: tag('broken'), 'app-command': 'exit 3' })
        expect(broken.exitCode).toBe(1)
        expect(broken.outputs.passed).toBe('false')
        expect(broken.outputs.digest ?? '').toBe('')
        expect(broken.log).toContain(
          '::error::the container exited with code 1 before it was ready'
        )
        expect(buildCommands(broken.log)).toHaveLength(1)
        expect(broken.log).not.toContain('::group::Push')
        expect(await registry.manifestDigest(REPOSITORY, 'broken')).toBeUndefined()
      },
      BUILD_TIMEOUT
    )
  })

  describe('with provenance and annotations', () => {
    let attested: ActionRun

    beforeAll(async () => {
      attested = await run({
        push: 'true',
        tags: tag('attested'),
        verify: 'false',
        provenance: 'mode=max',
        annotations: 'org.opencontainers.image.description=notes, attested'
      })
    }, BUILD_TIMEOUT)

    it('pushes them with the image through buildx, for the native platform', async () => {
      if (attested.exitCode !== 0) throw new Error(attested.log)
      expect(attested.log).toContain('provenance, annotations: pushed with the image by buildx')
      const pushCommand = buildCommands(attested.log)[1]
      expect(pushCommand).toContain('--platform linux/amd64 --push')
      expect(pushCommand).toContain('--attest type=provenance,mode=max')
      expect(await registry.manifestDigest(REPOSITORY, 'attested')).toBe(attested.outputs.digest)
      const index = await registry.manifest(REPOSITORY, 'attested')
      const [image, attestation] = index?.manifests ?? []
      expect(image.platform).toMatchObject({ os: 'linux', architecture: 'amd64' })
      expect(attestation.annotations).toMatchObject({
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': image.digest
      })
      const manifest = await registry.manifest(REPOSITORY, image.digest)
      expect(manifest?.annotations).toMatchObject({
        'org.opencontainers.image.description': 'notes, attested'
      })
    })
  })
})
