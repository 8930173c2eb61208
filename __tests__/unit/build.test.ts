import fs from 'node:fs'
import path from 'node:path'
import { buildImage, buildPlatforms } from '../../src/build/build.js'
import { toolkitTempDir } from '../../src/engine/toolkit.js'
import { fakeBuildEngine } from '../helpers/fake-docker.js'
import { testSpec } from '../helpers/spec.js'

describe('buildImage and buildPlatforms through the toolkit build files', () => {
  const spec = testSpec({ tags: ['demo:1'] })
  const lines: string[] = []
  const onLine = (line: string) => lines.push(line)
  const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1]

  it('loads the native image: its id and metadata from the files buildx wrote', async () => {
    const fake = fakeBuildEngine()
    const built = await buildImage(fake.engine, spec, '/ctx', '/unused', onLine)
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
    const fake = fakeBuildEngine()
    await buildImage(fake.engine, spec, '/ctx', '/unused', onLine)
    await buildImage(fake.engine, spec, '/ctx', '/unused', onLine)
    const [first, second] = fake.builds
    expect(valueOf(first, '--iidfile')).not.toBe(valueOf(second, '--iidfile'))
    expect(valueOf(first, '--metadata-file')).not.toBe(valueOf(second, '--metadata-file'))
  })

  it('reads the pushed manifest list digest from the metadata, and none when not pushed', async () => {
    const fake = fakeBuildEngine()
    const platforms = ['linux/amd64', 'linux/arm64']
    const pushed = await buildPlatforms(fake.engine, spec, '/ctx', '/unused', onLine, {
      platforms,
      push: true
    })
    expect(pushed.digest).toBe(fake.manifestDigest)
    expect(pushed.metadata['containerimage.digest']).toBe(fake.manifestDigest)
    expect(fake.builds[0]).toEqual(
      expect.arrayContaining(['--platform', 'linux/amd64,linux/arm64', '--push'])
    )
    expect(fake.builds[0]).not.toContain('--iidfile')
    const built = await buildPlatforms(fake.engine, spec, '/ctx', '/unused', onLine, {
      platforms,
      push: false
    })
    expect(built.digest).toBeUndefined()
    expect(built.metadata['buildx.build.ref']).toMatch(/^default\/default\//)
  })

  it('says which file buildx left empty', async () => {
    const fake = fakeBuildEngine({
      overrides: {
        buildx: async args => void fs.writeFileSync(args[args.indexOf('--iidfile') + 1], 'x')
      }
    })
    await expect(buildImage(fake.engine, spec, '/ctx', '/unused', onLine)).rejects.toThrow(
      /^buildx wrote no metadata to .*build-metadata-[0-9a-f]+\.json$/
    )
  })
})
