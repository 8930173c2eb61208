import fs from 'node:fs'
import path from 'node:path'
import { jest } from '@jest/globals'
import {
  attestValue,
  buildImage,
  buildPlatforms,
  buildxArgs,
  BuildxTooOldError,
  imageLabels,
  installedBuildx,
  provenanceBuilderId,
  registryOnlyInputs,
  type BuildArgsOptions
} from '../../src/build/build.js'
import { planCache, type CacheEnvironment } from '../../src/build/cache-plan.js'
import { EngineUnavailableError } from '../../src/engine/errors.js'
import { toolkitTempDir } from '../../src/engine/toolkit.js'
import type { DockerEngine } from '../../src/engine/docker.js'
import { fakeBuildEngine } from '../helpers/fake-docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const github: CacheEnvironment = {
  builder: { name: 'ci', driver: 'docker-container' },
  ghaAvailable: true,
  buildxSpeaksGha: true,
  localDir: '/cache/demo'
}

describe('installedBuildx', () => {
  it('has what each release brought, by the toolkit version check', async () => {
    expect([...(await installedBuildx('0.3.1')).features]).toEqual([])
    expect([...(await installedBuildx('0.5.1')).features]).toEqual(['builder'])
    expect([...(await installedBuildx('0.9.1')).features]).toEqual(['builder', 'metadataFile'])
    expect([...(await installedBuildx('0.11.2')).features]).toEqual([
      'builder',
      'metadataFile',
      'attestations'
    ])
    expect([...(await installedBuildx('0.13.1')).features]).toEqual([
      'builder',
      'metadataFile',
      'attestations',
      'annotations'
    ])
    expect([...(await installedBuildx('0.21.0')).features]).toEqual([
      'builder',
      'metadataFile',
      'attestations',
      'annotations',
      'ghaCache'
    ])
  })

  it('takes a commit build as having everything, as the toolkit does', async () => {
    expect((await installedBuildx('788433a')).features.size).toBe(5)
  })
})

/** buildxArgs options for a native build with the buildx of `version`, and `extra`. */
const options = async (
  version: string,
  extra: Partial<BuildArgsOptions> = {}
): Promise<BuildArgsOptions> => ({
  contextDir: '/ctx',
  labels: {},
  output: { load: true, iidFile: '/w/iid' },
  metadataFile: '/w/m.json',
  buildx: await installedBuildx(version),
  ...extra
})

describe('buildxArgs version gates', () => {
  const spec = testSpec()

  it('needs buildx 0.6.0 for the metadata file every build writes', async () => {
    expect(buildxArgs(spec, await options('0.6.0'))).toContain('--metadata-file')
    const tooOld = await options('0.5.1')
    expect(() => buildxArgs(spec, tooOld)).toThrow(new BuildxTooOldError('0.5.1', ['metadataFile']))
    expect(() => buildxArgs(spec, tooOld)).toThrow(
      'buildx 0.5.1 is too old for this build: --metadata-file needs buildx 0.6.0 or newer. Install a newer buildx (on GitHub: docker/setup-buildx-action)'
    )
  })

  it('names every missing feature at once', async () => {
    const withBuilder = await options('0.3.1', { builder: 'ci' })
    expect(() => buildxArgs(spec, withBuilder)).toThrow(
      'buildx 0.3.1 is too old for this build: --builder needs buildx 0.4.0 or newer; --metadata-file needs buildx 0.6.0 or newer.'
    )
  })

  it('needs buildx 0.21.0 for the gha cache, planned or raw, and not for others', async () => {
    const gha = planCache(spec, github)
    expect(gha.used).toBe('gha')
    const message =
      'buildx 0.20.2 is too old for this build: type=gha cache (GitHub cache service API v2) needs buildx 0.21.0 or newer.'
    const old = await options('0.20.2', { cache: gha })
    expect(() => buildxArgs(spec, old)).toThrow(message)
    const raw = planCache(testSpec({ 'cache-from': ['type=gha,scope=x'] }), github)
    expect(() => buildxArgs(spec, { ...old, cache: raw })).toThrow(message)
    expect(buildxArgs(spec, await options('0.21.0', { cache: gha }))).toContain(
      'type=gha,scope=aio-image-demo'
    )
    const local = planCache(spec, { ...github, ghaAvailable: false })
    expect(buildxArgs(spec, { ...old, cache: local })).toContain('--cache-to')
  })

  it('is an engine problem: the CLI exits as for a missing engine', () => {
    expect(new BuildxTooOldError('0.5.1', ['metadataFile'])).toBeInstanceOf(EngineUnavailableError)
  })
})

describe("docker/build-push-action's inputs", () => {
  const pushed = { load: false as const, platforms: ['linux/amd64'], push: true }
  const args = async (
    inputs: Record<string, unknown>,
    extra: Partial<BuildArgsOptions> = {},
    version = '0.13.1'
  ) => buildxArgs(testSpec(inputs), await options(version, extra))
  /** The values of every `flag` in `list`, in order. */
  const valuesOf = (list: string[], flag: string) =>
    list.flatMap((arg, i) => (arg === flag ? [list[i + 1]] : []))

  it('puts the labels on top of the OCI labels, the user winning on the same key', () => {
    const labels = imageLabels(
      testSpec({
        labels: ['org.opencontainers.image.title=Notes app', 'org.opencontainers.image.version=1.2']
      }),
      { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'Acme/notes' }
    )
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'Notes app',
      'org.opencontainers.image.version': '1.2',
      'org.opencontainers.image.source': 'https://github.com/Acme/notes',
      'io.github.aio-image.supervisor': 'supervisord'
    })
  })

  it('passes no-cache, pull and each add-host', async () => {
    const list = await args({
      'no-cache': true,
      pull: true,
      'add-hosts': ['docker:10.180.0.1', 'db.internal:fd00::5']
    })
    expect(list.filter(arg => arg === '--no-cache')).toHaveLength(1)
    expect(list).toContain('--pull')
    expect(valuesOf(list, '--add-host')).toEqual(['docker:10.180.0.1', 'db.internal:fd00::5'])
    const plain = await args({})
    for (const flag of ['--no-cache', '--pull', '--add-host']) expect(plain).not.toContain(flag)
  })

  describe('secrets, ssh and network', () => {
    let dir: string
    let stdout: string[]
    beforeEach(() => {
      dir = tempDir('aio-secret-files-')
      writeFiles(dir, { 'pip.conf': '[global]\n' })
      // The toolkit asks a runner to mask each value there (::add-mask::).
      stdout = []
      jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
        stdout.push(String(chunk))
        return true
      })
    })
    afterEach(() => {
      jest.restoreAllMocks()
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const inputs = () => ({
      secrets: ['NPM_TOKEN=s3cr3t, with=signs '],
      'secret-files': [`PIP_CONFIG_FILE=${path.join(dir, 'pip.conf')}`],
      'secret-envs': ['UV_INDEX_URL=PRIVATE_INDEX'],
      ssh: ['default', 'github=/keys/a,/keys/b'],
      network: 'host'
    })

    it('passes network, each ssh and each secret as build-push-action does', async () => {
      const list = await args(inputs())
      expect(valuesOf(list, '--network')).toEqual(['host'])
      expect(valuesOf(list, '--ssh')).toEqual(['default', 'github=/keys/a,/keys/b'])
      expect(valuesOf(list, '--secret')).toEqual([
        expect.stringMatching(/^id=NPM_TOKEN,src=/),
        `id=PIP_CONFIG_FILE,src=${fs.realpathSync(path.join(dir, 'pip.conf'))}`,
        'id=UV_INDEX_URL,env=PRIVATE_INDEX'
      ])
      const plain = await args({})
      for (const flag of ['--network', '--ssh', '--secret']) expect(plain).not.toContain(flag)
    })

    it("puts a secrets value in a 0600 file of the toolkit's temp directory, never in the arguments", async () => {
      const list = await args(inputs())
      const file = valuesOf(list, '--secret')[0].replace(/^id=NPM_TOKEN,src=/, '')
      expect(path.dirname(file)).toBe(toolkitTempDir())
      expect(fs.readFileSync(file, 'utf8')).toBe('s3cr3t, with=signs ')
      expect(fs.statSync(file).mode & 0o777).toBe(0o600)
      expect(list.join(' ')).not.toContain('s3cr3t')
      expect(stdout).toContain('::add-mask::s3cr3t, with=signs \n')
    })

    it('gives them to the platform build too, whose install steps run again', async () => {
      const list = await args(inputs(), { output: pushed })
      expect(valuesOf(list, '--secret')).toHaveLength(3)
      expect(valuesOf(list, '--ssh')).toHaveLength(2)
      expect(list).toContain('--network')
    })
  })

  it('turns provenance and sbom into --attest values as build-push-action does', () => {
    const run = 'https://github.com/acme/notes/actions/runs/7/attempts/2'
    expect(attestValue('provenance', 'true', run)).toBe(`type=provenance,builder-id=${run}`)
    expect(attestValue('provenance', 'mode=max', run)).toBe(
      `type=provenance,mode=max,builder-id=${run}`
    )
    expect(attestValue('provenance', 'mode=max,builder-id=me', run)).toBe(
      'type=provenance,mode=max,builder-id=me'
    )
    expect(attestValue('provenance', 'FALSE', run)).toBe('type=provenance,disabled=true')
    expect(attestValue('sbom', 'True')).toBe('type=sbom')
    expect(attestValue('sbom', 'generator=image')).toBe('type=sbom,generator=image')
    expect(
      provenanceBuilderId({
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/notes',
        GITHUB_RUN_ID: '7',
        GITHUB_RUN_ATTEMPT: '2'
      })
    ).toBe(run)
    expect(provenanceBuilderId({})).toBeUndefined()
  })

  it('gives attestations and annotations to the pushed build only', async () => {
    const inputs = {
      provenance: 'mode=max',
      sbom: true,
      annotations: ['manifest:org.opencontainers.image.description=Notes', 'index:a.b=c']
    }
    const push = await args(inputs, { output: pushed })
    expect(valuesOf(push, '--attest')).toEqual(['type=provenance,mode=max', 'type=sbom'])
    expect(valuesOf(push, '--annotation')).toEqual(inputs.annotations)
    const load = await args(inputs)
    for (const flag of ['--attest', '--annotation']) expect(load).not.toContain(flag)
  })

  it('needs buildx 0.10.0 for attestations and 0.12.0 for annotations', async () => {
    await expect(args({ sbom: 'true' }, { output: pushed }, '0.9.1')).rejects.toThrow(
      'buildx 0.9.1 is too old for this build: --attest (provenance, sbom) needs buildx 0.10.0 or newer.'
    )
    await expect(args({ annotations: ['a=b'] }, { output: pushed }, '0.11.2')).rejects.toThrow(
      'buildx 0.11.2 is too old for this build: --annotation needs buildx 0.12.0 or newer.'
    )
    // The loaded image carries neither: no newer buildx needed for it.
    expect(await args({ sbom: 'true', annotations: ['a=b'] }, {}, '0.9.1')).toContain('--load')
  })

  it('names what only a registry keeps; provenance false asks for nothing', () => {
    expect(registryOnlyInputs(testSpec({}))).toEqual([])
    expect(registryOnlyInputs(testSpec({ provenance: 'false', sbom: false }))).toEqual([])
    expect(
      registryOnlyInputs(
        testSpec({ provenance: true, sbom: 'generator=image', annotations: ['a=b'] })
      )
    ).toEqual(['provenance', 'sbom', 'annotations'])
  })
})

describe('buildImage and buildPlatforms through the toolkit build files', () => {
  const spec = testSpec({ tags: ['demo:1'] })
  const lines: string[] = []
  const onLine = (line: string) => lines.push(line)
  /** What the pipeline hands the build: labels, and the buildx the fake engine says it has. */
  const settingsFor = async (engine: DockerEngine) => ({
    labels: {},
    buildx: await installedBuildx(await engine.buildxVersion())
  })
  const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1]

  it('loads the native image: its id and metadata from the files buildx wrote', async () => {
    const fake = fakeBuildEngine({ version: '0.13.1' })
    const built = await buildImage(
      fake.engine,
      spec,
      '/ctx',
      onLine,
      await settingsFor(fake.engine)
    )
    expect(built.imageId).toBe(fake.imageId)
    expect(built.metadata).toEqual({
      'buildx.build.ref': expect.stringMatching(/^default\/default\//),
      'containerimage.digest': fake.imageId
    })
    expect(built.seconds).toBeGreaterThanOrEqual(0)
    const [args] = fake.builds
    expect(args.slice(0, 2)).toEqual(['build', '--load'])
    // The toolkit's files, in its temp directory that the post step removes.
    for (const flag of ['--iidfile', '--metadata-file'])
      expect(path.dirname(valueOf(args, flag))).toBe(toolkitTempDir())
    expect(lines[0]).toBe(`docker buildx ${args.join(' ')}`)
  })

  it('gives each build files of its own', async () => {
    const fake = fakeBuildEngine({ version: '0.13.1' })
    await buildImage(fake.engine, spec, '/ctx', onLine, await settingsFor(fake.engine))
    await buildImage(fake.engine, spec, '/ctx', onLine, await settingsFor(fake.engine))
    const [first, second] = fake.builds
    expect(valueOf(first, '--iidfile')).not.toBe(valueOf(second, '--iidfile'))
    expect(valueOf(first, '--metadata-file')).not.toBe(valueOf(second, '--metadata-file'))
  })

  it('builds nothing with a buildx too old for the build', async () => {
    const fake = fakeBuildEngine({ version: '0.5.1' })
    await expect(
      buildImage(fake.engine, spec, '/ctx', onLine, await settingsFor(fake.engine))
    ).rejects.toThrow(BuildxTooOldError)
    const platformList = { platforms: ['linux/amd64', 'linux/arm64'], push: true }
    await expect(
      buildPlatforms(fake.engine, spec, '/ctx', onLine, {
        ...(await settingsFor(fake.engine)),
        ...platformList
      })
    ).rejects.toThrow(BuildxTooOldError)
    expect(fake.builds).toEqual([])
  })

  it('reads the pushed manifest list digest from the metadata, and none when not pushed', async () => {
    const fake = fakeBuildEngine({ version: '0.13.1' })
    const platforms = ['linux/amd64', 'linux/arm64']
    const pushed = await buildPlatforms(fake.engine, spec, '/ctx', onLine, {
      ...(await settingsFor(fake.engine)),
      platforms,
      push: true
    })
    expect(pushed.digest).toBe(fake.manifestDigest)
    expect(pushed.metadata['containerimage.digest']).toBe(fake.manifestDigest)
    expect(fake.builds[0]).toEqual(
      expect.arrayContaining(['--platform', 'linux/amd64,linux/arm64', '--push'])
    )
    expect(fake.builds[0]).not.toContain('--iidfile')
    const built = await buildPlatforms(fake.engine, spec, '/ctx', onLine, {
      ...(await settingsFor(fake.engine)),
      platforms,
      push: false
    })
    expect(built.digest).toBeUndefined()
    expect(built.metadata['buildx.build.ref']).toMatch(/^default\/default\//)
  })

  it('says which file buildx left empty', async () => {
    const fake = fakeBuildEngine({
      version: '0.13.1',
      overrides: {
        buildx: async args => void fs.writeFileSync(args[args.indexOf('--iidfile') + 1], 'x')
      }
    })
    await expect(
      buildImage(fake.engine, spec, '/ctx', onLine, await settingsFor(fake.engine))
    ).rejects.toThrow(/^buildx wrote no metadata to .*build-metadata-[0-9a-f]+\.json$/)
  })
})
