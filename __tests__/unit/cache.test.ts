import fs from 'node:fs'
import path from 'node:path'
import { buildxArgs, installedBuildx } from '../../src/build/build.js'
import { cacheType, planCache, type CacheEnvironment } from '../../src/build/cache-plan.js'
import { localCacheKey, restoreLocalCache, rotateLocalCache } from '../../src/build/local-cache.js'
import { renderArtifacts } from '../../src/render/render.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const dockerDriver: CacheEnvironment = {
  builder: { name: 'default', driver: 'docker', imageStore: 'classic' },
  ghaAvailable: false,
  buildxSpeaksGha: true,
  localDir: '/cache/demo'
}
const container: CacheEnvironment = {
  ...dockerDriver,
  builder: { name: 'ci', driver: 'docker-container' }
}
const github: CacheEnvironment = { ...container, ghaAvailable: true }
// The docker driver exports cache where the engine keeps images in containerd.
const containerdStore: CacheEnvironment = {
  ...dockerDriver,
  builder: { name: 'default', driver: 'docker', imageStore: 'containerd' }
}
const REMEDY =
  'use a docker-container builder (on GitHub: docker/setup-buildx-action) or turn on the containerd image store'

describe('planCache: auto', () => {
  it('keeps to a local cache on GitHub when buildx is too old for the gha cache service', () => {
    const plan = planCache(testSpec(), { ...github, buildxSpeaksGha: false })
    expect(plan.used).toBe('local')
    expect(plan.message).toMatch(/^local: auto, on GitHub but this buildx is older than 0\.21/)
  })

  it('uses gha on GitHub with a builder that exports cache', () => {
    const plan = planCache(testSpec(), github)
    expect(plan).toMatchObject({
      used: 'gha',
      from: ['type=gha,scope=aio-image-demo'],
      to: ['type=gha,scope=aio-image-demo,mode=max'],
      warnings: []
    })
    expect(plan.message).toMatch(/^gha: auto, on GitHub/)
  })

  it('uses a local directory without the cache service, written next to it and swapped in', () => {
    const plan = planCache(testSpec(), container)
    expect(plan).toMatchObject({
      used: 'local',
      from: ['type=local,src=/cache/demo'],
      to: ['type=local,dest=/cache/demo-next,mode=max'],
      local: { dir: '/cache/demo', next: '/cache/demo-next' },
      warnings: []
    })
    expect(plan.message).toContain('no GitHub Actions cache service here')
  })

  it('falls back to inline on the docker driver with the classic store and says why, without a warning', () => {
    const plan = planCache(testSpec(), dockerDriver)
    expect(plan).toMatchObject({ used: 'inline', from: [], to: ['type=inline'], warnings: [] })
    expect(plan.message).toBe(
      'inline: auto, builder "default" uses the docker driver on the classic image store, which exports only inline cache; cache metadata goes into the image (read back once a tag is pushed)'
    )
  })

  it('picks a cache like any exporting builder on the docker driver with the containerd store', () => {
    const plan = planCache(testSpec(), containerdStore)
    expect(plan).toMatchObject({ used: 'local', warnings: [] })
    expect(plan.message).toBe(
      'local: auto, no GitHub Actions cache service here and builder "default" uses the docker driver on the containerd image store; cache directory /cache/demo'
    )
    const onGitHub = planCache(testSpec(), { ...containerdStore, ghaAvailable: true })
    expect(onGitHub).toMatchObject({ used: 'gha', warnings: [] })
    expect(onGitHub.message).toBe(
      'gha: auto, on GitHub and builder "default" uses the docker driver on the containerd image store; scope aio-image-demo'
    )
  })

  it('reads inline cache back from the first tag when pushing', () => {
    const spec = testSpec({ push: true, tags: ['r.example/a:1', 'r.example/a:latest'] })
    expect(planCache(spec, dockerDriver).from).toEqual(['type=registry,ref=r.example/a:1'])
  })
})

describe('planCache: requested modes', () => {
  it.each([
    ['gha', github, 'gha'],
    ['local', container, 'local'],
    ['inline', container, 'inline'],
    ['inline', dockerDriver, 'inline'],
    ['gha', { ...containerdStore, ghaAvailable: true }, 'gha'],
    ['local', containerdStore, 'local']
  ] as const)('%s on %j is honoured', (mode, env, used) => {
    const plan = planCache(testSpec({ cache: mode }), env)
    expect(plan.used).toBe(used)
    expect(plan.warnings).toEqual([])
  })

  it.each([
    ['gha', dockerDriver, 'inline', /gha needs a builder that exports cache, .* using inline/],
    ['gha', container, 'local', /gha needs the GitHub Actions cache service, .* using a local/],
    ['local', dockerDriver, 'inline', /local needs a builder .* using inline cache instead/]
  ] as const)('%s where unsupported warns and uses what works', (mode, env, used, warning) => {
    const plan = planCache(testSpec({ cache: mode }), env)
    expect(plan.used).toBe(used)
    expect(plan.warnings).toEqual([expect.stringMatching(warning)])
  })

  it('says why the docker driver on the classic store exports no gha cache, and what would', () => {
    expect(planCache(testSpec({ cache: 'gha' }), dockerDriver).warnings).toEqual([
      `cache: gha needs a builder that exports cache, but builder "default" uses the docker driver on the classic image store, which exports only inline cache: using inline cache instead; ${REMEDY}`
    ])
  })

  it.each([
    ['a docker-container builder', container],
    ['the docker driver on the containerd store', containerdStore]
  ])('registry reads and writes the cache image with %s', (_, env) => {
    const spec = testSpec({ cache: 'registry', 'cache-ref': 'r.example/a:cache' })
    expect(planCache(spec, env)).toMatchObject({
      used: 'registry',
      from: ['type=registry,ref=r.example/a:cache'],
      to: ['type=registry,ref=r.example/a:cache,mode=max'],
      warnings: []
    })
  })

  it('registry on the docker driver still reads cache-ref, and writes inline', () => {
    const spec = testSpec({ cache: 'registry', 'cache-ref': 'r.example/a:cache' })
    const plan = planCache(spec, dockerDriver)
    expect(plan).toMatchObject({
      used: 'inline',
      from: ['type=registry,ref=r.example/a:cache'],
      to: ['type=inline']
    })
    expect(plan.warnings[0]).toContain('writing inline cache into the image instead')
  })

  it('none builds afresh', () => {
    expect(planCache(testSpec({ cache: 'none' }), github)).toMatchObject({
      used: 'none',
      from: [],
      to: [],
      noCache: true
    })
  })
})

describe('planCache: raw cache-from / cache-to', () => {
  it('passes them through, overriding cache', () => {
    const spec = testSpec({
      cache: 'gha',
      'cache-from': ['type=registry,ref=r.example/a:cache'],
      'cache-to': ['type=registry,ref=r.example/a:cache,mode=max']
    })
    const plan = planCache(spec, container)
    expect(plan).toMatchObject({
      used: 'custom',
      from: spec.cache.from,
      to: spec.cache.to
    })
    expect(plan.warnings).toEqual(['cache: gha is ignored: cache-from / cache-to are given'])
  })

  it('passes an export through on the docker driver with the containerd store', () => {
    const spec = testSpec({ 'cache-to': ['type=local,dest=/tmp/c'] })
    expect(planCache(spec, containerdStore)).toMatchObject({
      to: ['type=local,dest=/tmp/c'],
      warnings: []
    })
  })

  it('replaces an export the docker driver on the classic store cannot do with inline, saying so', () => {
    const spec = testSpec({ 'cache-to': ['type=local,dest=/tmp/c'] })
    const plan = planCache(spec, dockerDriver)
    expect(plan.to).toEqual(['type=inline'])
    expect(plan.warnings).toEqual([
      `cache-to type=local,dest=/tmp/c: builder "default" uses the docker driver on the classic image store, which exports only inline cache: using type=inline instead; ${REMEDY}`
    ])
  })

  it('reads the type of a value; a bare reference is a registry', () => {
    expect(cacheType('type=gha,scope=x')).toBe('gha')
    expect(cacheType('mode=max, type=local')).toBe('local')
    expect(cacheType('r.example/a:cache')).toBe('registry')
  })
})

const currentBuildx = await installedBuildx('0.21.0')

describe('buildxArgs with a cache plan', () => {
  const spec = testSpec({ tags: ['a:1'] })
  const base = { contextDir: '/ctx', labels: {}, metadataFile: '/w/m.json', buildx: currentBuildx }

  it('adds the builder and the cache values for the native build', () => {
    const args = buildxArgs(spec, {
      ...base,
      builder: 'ci',
      cache: planCache(spec, container),
      output: { load: true, iidFile: '/w/iid' }
    })
    expect(args.slice(0, 6)).toEqual(['build', '--builder', 'ci', '--load', '--iidfile', '/w/iid'])
    expect(args).toEqual(
      expect.arrayContaining([
        '--cache-from',
        'type=local,src=/cache/demo',
        '--cache-to',
        'type=local,dest=/cache/demo-next,mode=max'
      ])
    )
    expect(args.at(-1)).toBe('/ctx')
  })

  it('builds a platform list with a metadata file, pushing only when asked', () => {
    const output = { load: false as const, platforms: ['linux/amd64', 'linux/arm64'], push: true }
    const args = buildxArgs(spec, { ...base, output })
    expect(args).toEqual(
      expect.arrayContaining([
        '--platform',
        'linux/amd64,linux/arm64',
        '--metadata-file',
        '/w/m.json'
      ])
    )
    expect(args).toContain('--push')
    expect(args).not.toContain('--load')
    expect(buildxArgs(spec, { ...base, output: { ...output, push: false } })).not.toContain(
      '--push'
    )
  })

  it('passes --no-cache for cache: none', () => {
    const none = planCache(testSpec({ cache: 'none' }), dockerDriver)
    const args = buildxArgs(spec, { ...base, cache: none, output: { load: true, iidFile: 'i' } })
    expect(args).toContain('--no-cache')
    expect(args).not.toContain('--cache-to')
  })
})

describe('localCacheKey', () => {
  it('follows the rendered artifacts and lockfiles, not the app code', () => {
    const context = tempDir()
    writeFiles(context, { 'app.py': 'print(1)', 'requirements.txt': 'flask==3.0\n' })
    const spec = testSpec({ context })
    const key = () => localCacheKey('demo', renderArtifacts(spec), context).key
    const first = key()
    expect(first).toMatch(/^aio-image-buildx-demo-[0-9a-f]{32}$/)
    writeFiles(context, { 'app.py': 'print(2)' })
    expect(key()).toBe(first)
    writeFiles(context, { 'requirements.txt': 'flask==3.1\n' })
    expect(key()).not.toBe(first)
    const other = localCacheKey(
      'demo',
      renderArtifacts(testSpec({ context, 'app-port': 9000 })),
      context
    )
    expect(other.key).not.toBe(key())
    expect(other.prefix).toBe('aio-image-buildx-demo-')
  })
})

describe('restoreLocalCache', () => {
  it('restores a local plan by its key and prefix, and nothing for other plans', async () => {
    const asked: string[] = []
    const store = {
      available: () => true,
      restore: async (dir: string, key: string, prefix: string) => {
        asked.push(dir, key, prefix)
        return `${prefix}older`
      },
      save: async () => undefined
    }
    const spec = testSpec()
    const artifacts = renderArtifacts(spec)
    const state = await restoreLocalCache(planCache(spec, container), spec, artifacts, store)
    expect(state).toEqual({
      dir: '/cache/demo',
      key: localCacheKey('demo', artifacts, spec.context).key,
      restoredKey: 'aio-image-buildx-demo-older'
    })
    expect(asked).toEqual(['/cache/demo', state?.key, 'aio-image-buildx-demo-'])
    expect(
      await restoreLocalCache(planCache(spec, dockerDriver), spec, artifacts, store)
    ).toBeUndefined()
    // without a store (the CLI), the directory simply stays where it is
    expect(
      (await restoreLocalCache(planCache(spec, container), spec, artifacts, undefined))?.restoredKey
    ).toBeUndefined()
  })
})

describe('rotateLocalCache', () => {
  it('replaces the cache with the one buildx just wrote, and leaves it alone otherwise', async () => {
    const root = tempDir()
    const local = { dir: path.join(root, 'c'), next: path.join(root, 'c-next') }
    writeFiles(root, { 'c/old': 'old', 'c-next/new': 'new' })
    await rotateLocalCache(local)
    expect(fs.readdirSync(local.dir)).toEqual(['new'])
    expect(fs.existsSync(local.next)).toBe(false)
    await rotateLocalCache(local)
    expect(fs.readdirSync(local.dir)).toEqual(['new'])
    await rotateLocalCache(undefined)
  })
})
